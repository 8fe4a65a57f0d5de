#ifndef SPROUT_FETCH_H
#define SPROUT_FETCH_H

#include "recipe.h"

struct fetch_ctx {
	const char *distdir;   /* the distfiles store (created if missing) */
	const char *statedir;  /* for the private apt configuration: statedir/apt */
	const char *recipedir; /* the recipe's directory, for ORIGIN_LOCAL */
	int verbose;
	int offline;           /* only the store; never download */
};

/* Make sure src is in the store with the right sha256, trying the stored
 * file first and then each origin in order. A download goes to a temporary
 * file, is hashed, and is renamed into the store only on a match. Returns 0
 * and sets *path (caller frees) to the stored file; else ERR_HASH (a stored
 * or downloaded file that does not match; errf names the file, expected and
 * actual hash) or ERR_FETCH (no origin worked; errf says what each origin
 * did). A mismatching stored file is never used. */
int fetch_source(const struct fetch_ctx *ctx, const struct source *src, char **path);

/* The path where src is stored (caller frees), whether or not it is there. */
char *fetch_store_path(const struct fetch_ctx *ctx, const struct source *src);

/* How http is done in this build: "libcurl", or "curl/wget" (static). */
const char *fetch_http_backend(void);

struct buf;
/* Append to out the one-line "deb-src" entries of a private apt sources
 * list derived from the archives configured under etcdir (normally
 * /etc/apt): sources.list, sources.list.d/ *.list (one-line format) and
 * *.sources (deb822, stanzas whose Types hold deb or deb-src); other files
 * are skipped. A key embedded in a Signed-By field is written into keydir
 * (NULL: such stanzas are skipped). 0 or -errno (errf names the file). */
int fetch_apt_sources(const char *etcdir, const char *keydir, struct buf *out);

#endif
