#ifndef SPROUT_FETCH_H
#define SPROUT_FETCH_H

#include <sys/types.h>

#include "fetch/source.h"

struct fetch_ctx {
	const char *distdir;   /* the distfiles store (created if missing) */
	const char *statedir;  /* for the private apt configuration: statedir/apt (debsrc.c) */
	const char *recipedir; /* the recipe's directory, for ORIGIN_LOCAL */
	int verbose;
	int offline;           /* only the store; never download */
	const char *const *mirrors; /* URL prefixes (http, https, file:// or a directory) tried before
				       a source's own origins as PREFIX/FILE; NULL-terminated, or NULL */
	const char *recipe;    /* the recipe file, for messages naming the pin; or NULL */
	struct buf *served;    /* when not NULL, fetch_source sets it to what served the file:
				  "store", or the origin ("https://...", "debian PKG VERSION",
				  "local FILE", a mirror's URL or path) */
};

/* Make sure src is in the store with the right sha256, trying the stored
 * file first and then each origin in order. A download goes to a temporary
 * file, is hashed, and is renamed into the store only on a match. Returns 0
 * and sets *path (caller frees) to the stored file; else SPROUT_ERR_HASH (a stored
 * or downloaded file that does not match; errf names the file, expected and
 * actual hash, and the pin's recipe line; when the stored copy and an
 * origin agree on another hash, that the pin looks wrong) or SPROUT_ERR_FETCH (no
 * origin worked; errf says what each origin did). A mismatching stored file
 * is never used, and stays in place until an origin gives the pinned file
 * (it then goes to FILE.bad). First removes the
 * temporaries of src that a killed sprout left (".FILE.part.PID",
 * ".FILE.apt.PID.XXXXXX") when PID is not alive. */
int fetch_source(const struct fetch_ctx *ctx, const struct source *src, char **path);

/* The path where src is stored (caller frees), whether or not it is there. */
char *fetch_store_path(const struct fetch_ctx *ctx, const struct source *src);

/* How http is done in this build: "libcurl", or "curl/wget" (static). */
const char *fetch_http_backend(void);

/* ---- for the origins outside this file (debsrc.c) ---- */
struct buf;

/* The executable called name in $PATH (caller frees), or NULL. */
char *fetch_tool_find(const char *name);

/* Run the program at argv[0] (a path) in dir (NULL: here) with envp, stdin
 * from /dev/null, stdout and stderr into logfd. Its exit status, 128+N for
 * signal N, or -errno when it could not be started. */
int fetch_tool_run(char *const argv[], char *const envp[], const char *dir, int logfd);

/* Append to b what fd holds from offset at, at most its last 64 KiB. */
void fetch_log_read(int fd, off_t at, struct buf *b);

/* Append to out the line of log text s worth showing: the first apt-style
 * "E: " line, else the last non-empty one, else dflt. */
void fetch_log_pick(const char *s, const char *dflt, struct buf *out);

#endif
