#ifndef SPROUT_PKGFILE_H
#define SPROUT_PKGFILE_H

#include "pkg/pkg.h"

/* The package file (docs/package.md): a magic line, the metadata, the
 * manifest, the payload (the regular files' bytes in manifest order,
 * stored or as one zstd frame) and a sha256 over all of it. Read as a
 * stream, front to back. */

enum pkg_comp { PKG_COMP_NONE, PKG_COMP_ZSTD };

/* Whether this sprout can write and read zstd payloads (libzstd). */
int pkgfile_have_zstd(void);

/* Write the package of the files of man, found under the directory dirfd,
 * with metadata m (its installed-size is taken from man), to out (through
 * a temporary name and a rename). Each file's bytes are checked against
 * man while they are copied. 0 or negative code (errf names the file). */
int pkgfile_write(const char *out, int dirfd, const struct pkg_meta *m, const struct pkg_manifest *man,
		  enum pkg_comp comp);

/* An open package being read. */
struct pkgfile {
	char *path;             /* for messages */
	struct pkg_meta meta;
	struct pkg_manifest man;
	char *meta_text;        /* the metadata's bytes, as stored */
	size_t meta_len;
	char *man_text;         /* the manifest's bytes */
	size_t man_len;
	enum pkg_comp comp;
	unsigned long long stored, size;  /* payload bytes in the file, and unpacked */
	unsigned long long file_size;     /* after pkgfile_finish: bytes of the whole file */
	unsigned char sha256[32];         /* after pkgfile_finish: of the whole file */
	unsigned char *payload;           /* after pkgfile_check_keep: the checked payload, or NULL */
	struct pkgfile_rd *rd;
};

/* Open the package at path and read it up to its payload: metadata and
 * manifest parsed and checked (pkg_meta_parse, pkg_manifest_parse).
 * SPROUT_ERR_FORMAT, SPROUT_ERR_UNSAFE or -errno with errf() naming path. *out is freed
 * with pkgfile_close. */
int pkgfile_open(const char *path, struct pkgfile **out);
/* As pkgfile_open, reading the n bytes at data (which must outlive *out)
 * instead of a file; name is for messages. */
int pkgfile_open_mem(const char *name, const void *data, size_t n, struct pkgfile **out);
/* The next regular file's bytes: the caller names the entry (the regular
 * files of the manifest, in order) and gets them written to fd (-1: only
 * read), checked against its size and sha256. 0 or negative code. */
int pkgfile_read_file(struct pkgfile *pf, const struct pkg_entry *e, int fd);
/* After the last file: the payload must end, the checksum line match and
 * the file end there. Fills file_size and sha256. 0 or negative code. */
int pkgfile_finish(struct pkgfile *pf);
/* Read everything and check every byte (pkgfile_read_file for each
 * regular file, then pkgfile_finish). 0 or negative code. */
int pkgfile_check(struct pkgfile *pf);
/* As pkgfile_check, keeping the unpacked payload (the regular files'
 * bytes, each checked, in manifest order: size bytes) in pf->payload when
 * it is at most max bytes; a larger one is checked and not kept. 0 or
 * negative code (then nothing is kept). */
int pkgfile_check_keep(struct pkgfile *pf, unsigned long long max);
/* Let go of the file and the reading state, keeping what was read
 * (metadata, manifest, sha256): for holding many checked packages. */
void pkgfile_drop(struct pkgfile *pf);
void pkgfile_close(struct pkgfile *pf);

/* The file name of a package: NAME-VERSION-RELEASE-ARCH.spk (caller frees). */
char *pkgfile_name(const struct pkg_meta *m);

#endif
