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
};

/* Check every *.spk of dir whole and write dir/index (atomically), sorted
 * by file name; *count gets the number of packages. A package listed
 * twice (same name, version, release and arch) is an error. 0 or negative
 * code with errf(). */
int pkgrepo_index(const char *dir, size_t *count);

/* Read dir/index. Unless allow_untrusted, its signature (dir/index.sig)
 * must be good and made by a key in keydir: SPROUT_ERR_HASH otherwise, and
 * -ENOTSUP when this sprout cannot check signatures; errf() says what is
 * wrong and what to do. With allow_untrusted the signature is not
 * checked and a line saying so is added to warn. *out is freed with
 * pkgrepo_free. */
int pkgrepo_load(const char *dir, const char *keydir, int allow_untrusted, struct pkgrepo *out, struct buf *warn);
void pkgrepo_free(struct pkgrepo *r);

/* The path of entry e's package (caller frees). */
char *pkgrepo_path(const struct pkgrepo *r, const struct pkgrepo_entry *e);

#endif
