#ifndef SPROUT_PKGREPO_H
#define SPROUT_PKGREPO_H

#include <stddef.h>

#include "pkg/pkg.h"
#include "core/util.h"

/* A repository: a directory of packages with an index (DIR/index) and its
 * signature (DIR/index.sig); docs/package.md. */

struct pkgrepo_entry {
	char *file;                     /* name in the directory */
	unsigned long long size;        /* of the package file */
	unsigned char sha256[32];       /* of the package file */
	struct pkg_meta meta;
	char *meta_text;                /* the package's metadata bytes */
	size_t meta_len;
};

struct pkgrepo {
	char *dir;
	struct pkgrepo_entry *e;        /* sorted by file name */
	size_t n;
	int trusted;                    /* the signature was checked and good */
	char keyid[17];                 /* who signed it, when trusted */
	/* Freshness (index format 2; all 0 in format 1). */
	unsigned long long sequence;    /* grows with every index of the repository */
	long long created, expires;     /* seconds since the epoch */
	unsigned char sha256[32];       /* of the index's bytes */
};

/* How pkgrepo_index dates and numbers the index. */
struct pkgrepo_index_opts {
	unsigned long long sequence;    /* 0: one more than the index it replaces (1 for the first) */
	long long now;                  /* 0: the time now */
	long long expires_in;           /* seconds until it expires; 0: PKGREPO_EXPIRES_DEFAULT */
};
enum { PKGREPO_EXPIRES_DEFAULT = 30 * 24 * 3600, PKGREPO_FILE_MAX = 255 };

/* Parse the text of an index (named path in messages) into out (freed
 * with pkgrepo_free). SPROUT_ERR_FORMAT with errf(). */
int pkgrepo_parse(const char *path, const char *text, size_t n, struct pkgrepo *out);
/* Parse an expiry, "N" seconds or N followed by s, m, h or d. 0 or SPROUT_ERR_USAGE. */
int pkgrepo_parse_duration(const char *s, long long *seconds);

/* Check every *.spk of dir whole and write dir/index (atomically), sorted
 * by file name, numbered, dated and with an expiry as o says (o may be
 * NULL for the defaults); *count gets the number of packages and *seq
 * (when not NULL) the index's sequence. A package listed twice (same name,
 * version, release and arch) is an error; so is a sequence not above the
 * replaced index's. 0 or negative code with errf(). */
int pkgrepo_index(const char *dir, const struct pkgrepo_index_opts *o, size_t *count, unsigned long long *seq);

/* Read dir/index. Unless allow_untrusted, its signature (dir/index.sig)
 * must be good and made by a key in keydir: SPROUT_ERR_HASH otherwise, and
 * -ENOTSUP when this sprout cannot check signatures; errf() says what is
 * wrong and what to do. With allow_untrusted the signature is not
 * checked and a line saying so is added to warn. *out is freed with
 * pkgrepo_free. */
int pkgrepo_load(const char *dir, const char *keydir, int allow_untrusted, struct pkgrepo *out, struct buf *warn);
/* As pkgrepo_load, with the keys' directory open as keydirfd (or a
 * negative errno), named keydir in messages, its key files not read
 * through links when nofollow. A signed index must also be fresh at now:
 * of format 2 and not expired (SPROUT_ERR_HASH otherwise); now 0 leaves
 * that out, for a caller whose packages are pinned by their sha256 anyway. */
int pkgrepo_load_at(const char *dir, int keydirfd, const char *keydir, int nofollow, int allow_untrusted,
		    long long now, struct pkgrepo *out, struct buf *warn);
void pkgrepo_free(struct pkgrepo *r);

/* The path of entry e's package (caller frees). */
char *pkgrepo_path(const struct pkgrepo *r, const struct pkgrepo_entry *e);

#endif
