#ifndef SPROUT_HTTP_H
#define SPROUT_HTTP_H

/* The HTTP client: libcurl when it can be loaded, else the curl or wget
 * tool. Used by the origins (fetch.c) and the shared step cache (dist/). */

struct buf;

struct http_opts {
	int connect_timeout;    /* seconds to connect; unreachable hosts fail fast */
	int stall_time;         /* seconds without a byte: give up */
	int attempts;           /* tries on a timeout or a transient HTTP error (408, 429, 5xx), >= 1 */
	const char *logdir;     /* where the curl/wget tool's log is kept (an unlinked file) */
};

/* How http is done in this build: "libcurl", or "curl/wget" (static). */
const char *http_backend(void);

/* GET url into the file at path (created or truncated). 0; SPROUT_ERR_NOTFOUND
 * when the server said 404 or 410; else a negative code, with why
 * appended ("HTTP 500", "could not connect (...)", a timeout ...). */
int http_get(const struct http_opts *o, const char *url, const char *path, struct buf *why);

/* PUT the file at path to url. 0, or a negative code with why appended. */
int http_put(const struct http_opts *o, const char *url, const char *path, struct buf *why);

/* Whether code r from http_get or http_put says the server could not be
 * reached or stopped answering (rather than answering with an error). */
int http_unreachable(int r);

#endif
