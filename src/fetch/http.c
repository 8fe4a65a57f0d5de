/* The HTTP client of fetch.c's origins and of the shared step cache:
 * libcurl, loaded when the first transfer needs it, else the curl or wget
 * tool. A GET writes a file; a PUT sends one (a WebDAV server's way to
 * store it). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#ifdef HAVE_CURL
#include <curl/curl.h>
#include <dlfcn.h>
#endif

#include "core/err.h"
#include "core/util.h"
#include "fetch/fetch.h"
#include "fetch/http.h"

extern char **environ;

enum { HTTP_GET, HTTP_PUT };

#ifdef HAVE_CURL
/* libcurl is loaded when the first download needs it, not linked: its
 * thirty-odd libraries would cost every sprout command several
 * milliseconds at startup. Without it, the curl or wget tool is used. */
static struct {
	int tried, ok;
	CURLcode (*global_init)(long);
	CURL *(*easy_init)(void);
	CURLcode (*easy_setopt)(CURL *, CURLoption, ...);
	CURLcode (*easy_perform)(CURL *);
	CURLcode (*easy_getinfo)(CURL *, CURLINFO, ...);
	void (*easy_cleanup)(CURL *);
	const char *(*easy_strerror)(CURLcode);
} lc;

static int curl_load(void)
{
	if (lc.tried)
		return lc.ok;
	lc.tried = 1;
	void *h = dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);
	if (!h)
		return 0;
	*(void **)&lc.global_init = dlsym(h, "curl_global_init");
	*(void **)&lc.easy_init = dlsym(h, "curl_easy_init");
	*(void **)&lc.easy_setopt = dlsym(h, "curl_easy_setopt");
	*(void **)&lc.easy_perform = dlsym(h, "curl_easy_perform");
	*(void **)&lc.easy_getinfo = dlsym(h, "curl_easy_getinfo");
	*(void **)&lc.easy_cleanup = dlsym(h, "curl_easy_cleanup");
	*(void **)&lc.easy_strerror = dlsym(h, "curl_easy_strerror");
	lc.ok = lc.global_init && lc.easy_init && lc.easy_setopt && lc.easy_perform && lc.easy_getinfo &&
		lc.easy_cleanup && lc.easy_strerror && lc.global_init(CURL_GLOBAL_DEFAULT) == 0;
	return lc.ok;
}
#endif

const char *http_backend(void)
{
#ifdef HAVE_CURL
	return curl_load() ? "libcurl" : "curl/wget";
#else
	return "curl/wget";
#endif
}

int http_unreachable(int r)
{
	return r == -ETIMEDOUT || r == -ECONNREFUSED || r == -EHOSTUNREACH || r == -ECONNRESET;
}

/* The code for an answer with HTTP status st. */
static int status_code(long st)
{
	return st == 404 || st == 410 ? -SPROUT_ERR_NOTFOUND : -EIO;
}

#ifdef HAVE_CURL
static size_t http_write(char *p, size_t size, size_t n, void *f)
{
	return fwrite(p, size, n, f);
}

/* Like curl --retry: try again on timeouts and on transient HTTP errors. */
static int http_transient(CURLcode c, long status)
{
	if (c == CURLE_OPERATION_TIMEDOUT)
		return 1;
	return c == CURLE_HTTP_RETURNED_ERROR && (status == 408 || status == 429 ||
		status == 500 || status == 502 || status == 503 || status == 504);
}

/* What a failed transfer gives: why appended, a negative code. */
static int lib_failure(CURLcode c, long status, const char *ebuf, struct buf *why)
{
	const char *msg = ebuf[0] ? ebuf : lc.easy_strerror(c);
	if (c == CURLE_HTTP_RETURNED_ERROR && status) {
		buf_addf(why, "HTTP %ld", status);
		return status_code(status);
	}
	if (c == CURLE_COULDNT_CONNECT || c == CURLE_COULDNT_RESOLVE_HOST) {
		buf_addf(why, "could not connect (%s)", msg);
		return -ECONNREFUSED;
	}
	if (c == CURLE_OPERATION_TIMEDOUT) {
		buf_addf(why, "timed out (%s)", msg);
		return -ETIMEDOUT;
	}
	buf_adds(why, msg);
	if (c == CURLE_GOT_NOTHING || c == CURLE_RECV_ERROR || c == CURLE_SEND_ERROR || c == CURLE_PARTIAL_FILE)
		return -ECONNRESET;
	return -EIO;
}

static void lib_setup(CURL *h, const struct http_opts *o, const char *url, char *ebuf)
{
	ebuf[0] = 0;
	lc.easy_setopt(h, CURLOPT_URL, url);
	lc.easy_setopt(h, CURLOPT_ERRORBUFFER, ebuf);
	lc.easy_setopt(h, CURLOPT_FOLLOWLOCATION, 1L);
	lc.easy_setopt(h, CURLOPT_MAXREDIRS, 20L);
	lc.easy_setopt(h, CURLOPT_FAILONERROR, 1L);
	lc.easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	lc.easy_setopt(h, CURLOPT_CONNECTTIMEOUT, (long)o->connect_timeout);
	lc.easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L);
	lc.easy_setopt(h, CURLOPT_LOW_SPEED_TIME, (long)o->stall_time);
	lc.easy_setopt(h, CURLOPT_USERAGENT, "sprout");
#if LIBCURL_VERSION_NUM >= 0x075500
	lc.easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	lc.easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
#else
	lc.easy_setopt(h, CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
	lc.easy_setopt(h, CURLOPT_REDIR_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
}

static int lib_transfer(int method, const struct http_opts *o, const char *url, const char *path, struct buf *why)
{
	char ebuf[CURL_ERROR_SIZE];
	CURLcode c = CURLE_OK;
	long status = 0;
	for (int attempt = 0; attempt < (o->attempts > 0 ? o->attempts : 1); attempt++) {
		if (attempt)
			sleep((unsigned)attempt);
		int fd = method == HTTP_GET ? open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)
					    : open(path, O_RDONLY | O_CLOEXEC);
		struct stat st;
		FILE *f = fd < 0 || fstat(fd, &st) < 0 ? NULL : fdopen(fd, method == HTTP_GET ? "wb" : "rb");
		if (!f) {
			int e = errno;
			if (fd >= 0)
				close(fd);
			buf_addf(why, "cannot open %s: %s", path, strerror(e));
			return -e;
		}
		CURL *h = lc.easy_init();
		if (!h) {
			fclose(f);
			buf_adds(why, "libcurl could not start a transfer");
			return -ENOMEM;
		}
		lib_setup(h, o, url, ebuf);
		if (method == HTTP_GET) {
			lc.easy_setopt(h, CURLOPT_WRITEFUNCTION, http_write);
			lc.easy_setopt(h, CURLOPT_WRITEDATA, f);
		} else {
			lc.easy_setopt(h, CURLOPT_UPLOAD, 1L);
			lc.easy_setopt(h, CURLOPT_READDATA, f);
			lc.easy_setopt(h, CURLOPT_INFILESIZE_LARGE, (curl_off_t)st.st_size);
		}
		c = lc.easy_perform(h);
		status = 0;
		lc.easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
		lc.easy_cleanup(h);
		int werr = ferror(f) ? errno : 0;
		if (fclose(f) != 0 && !werr && method == HTTP_GET)
			werr = errno ? errno : EIO;
		if (c == CURLE_OK && werr) {
			buf_addf(why, "cannot write %s: %s", path, strerror(werr));
			return -werr;
		}
		if (c == CURLE_OK)
			return 0;
		if (!http_transient(c, status))
			break;
	}
	return lib_failure(c, status, ebuf, why);
}
#endif

/* An anonymous log file in dir: created and unlinked at once. */
static int log_open(const char *dir)
{
	char *path = xasprintf("%s/.http.log.%ld", dir ? dir : "/tmp", (long)getpid());
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	int e = errno;
	if (fd >= 0)
		unlink(path);
	free(path);
	return fd < 0 ? -e : fd;
}

/* What a wget exit status means, since -nv says little else. */
static const char *wget_status(int st)
{
	switch (st) {
	case 3: return "file I/O error";
	case 4: return "network failure";
	case 5: return "TLS verification failure";
	case 6: return "authentication failure";
	case 7: return "protocol error";
	case 8: return "the server answered with an error";
	default: return "failed";
	}
}

/* The status in a tool's log: curl's "error: 404", wget's "ERROR 404". */
static long log_status(const char *log)
{
	const char *p = log ? strstr(log, "error: ") : NULL;
	if (!p && log)
		p = strstr(log, "ERROR ");
	return p ? strtol(strchr(p, ' ') + 1, NULL, 10) : 0;
}

/* The code for a tool that exited with st, why appended (worded as
 * lib_failure words libcurl's errors). */
static int tool_failure(int wget, int st, const char *log, struct buf *why)
{
	long status = log_status(log);
	struct buf said = {0};
	int r = -EIO;
	if (wget)
		buf_addf(&said, "wget: %s (exit %d)", wget_status(st), st);
	else
		fetch_log_pick(log, "curl failed", &said);
	if (status >= 400)
		r = status_code(status);
	else if ((!wget && (st == 6 || st == 7)) || (wget && st == 4))
		r = -ECONNREFUSED;
	else if (!wget && st == 28)
		r = -ETIMEDOUT;
	else if (!wget && (st == 52 || st == 55 || st == 56 || st == 18))
		r = -ECONNRESET;
	if (r == -ECONNREFUSED)
		buf_addf(why, "could not connect (%s)", said.s);
	else if (r == -ETIMEDOUT)
		buf_addf(why, "timed out (%s)", said.s);
	else
		buf_adds(why, said.s);
	buf_free(&said);
	return r;
}

/* The argument list of the curl or wget tool for the transfer. */
static int tool_argv(int wget, char *tool, int method, const struct http_opts *o, const char *url,
		     const char *path, struct strv *a)
{
	strv_add(a, tool);
	if (!wget) {
		/* curl takes no "--option=value" */
		strv_add(a, "-fsSL");
		strv_add(a, "--retry");
		strv_addown(a, xasprintf("%d", o->attempts > 1 ? o->attempts - 1 : 0));
		strv_add(a, "--connect-timeout");
		strv_addown(a, xasprintf("%d", o->connect_timeout));
		strv_add(a, "--speed-time");
		strv_addown(a, xasprintf("%d", o->stall_time));
		strv_add(a, "--speed-limit");
		strv_add(a, "1");
		strv_add(a, method == HTTP_GET ? "-o" : "-T");
	} else {
		strv_add(a, "-nv");
		strv_addown(a, xasprintf("--tries=%d", o->attempts > 0 ? o->attempts : 1));
		strv_addown(a, xasprintf("--connect-timeout=%d", o->connect_timeout));
		strv_addown(a, xasprintf("--read-timeout=%d", o->stall_time));
		if (method == HTTP_PUT) {
			strv_add(a, "--method=PUT");
			strv_addown(a, xasprintf("--body-file=%s", path));
			/* The reply's body goes to the log (our stdout), never to
			 * "-O /dev/null": wget as root may unlink its output file
			 * when a transfer fails, and /dev/null then came back as a
			 * regular file machine-wide. */
			path = "-";
		}
		strv_add(a, "-O");
	}
	strv_add(a, path);
	strv_add(a, url);
	return 0;
}

static int tool_transfer(int method, const struct http_opts *o, const char *url, const char *path,
			 struct buf *why)
{
	int wget = 0, st, r = -ENOENT;
	struct strv a = {0};
	char *tool = fetch_tool_find("curl");
	if (!tool) {
		tool = fetch_tool_find("wget");
		wget = 1;
	}
	if (!tool) {
		buf_adds(why, "neither curl nor wget is in PATH");
		return r;
	}
	int logfd = log_open(o->logdir);
	if (logfd < 0) {
		r = logfd;
		buf_addf(why, "cannot create a log in %s: %s", o->logdir, strerror(-r));
		goto out;
	}
	tool_argv(wget, tool, method, o, url, path, &a); /* NULL-terminated */
	st = fetch_tool_run(a.v, environ, NULL, logfd);
	if (st == 0) {
		r = 0;
	} else if (st < 0) {
		r = st;
		buf_addf(why, "cannot run %s: %s", tool, strerror(-st));
	} else {
		struct buf log = {0};
		fetch_log_read(logfd, 0, &log);
		r = tool_failure(wget, st, log.s, why);
		buf_free(&log);
	}
	close(logfd);
out:
	strv_free(&a);
	free(tool);
	return r;
}

static int transfer(int method, const struct http_opts *o, const char *url, const char *path, struct buf *why)
{
#ifdef HAVE_CURL
	if (curl_load())
		return lib_transfer(method, o, url, path, why);
#endif
	return tool_transfer(method, o, url, path, why);
}

int http_get(const struct http_opts *o, const char *url, const char *path, struct buf *why)
{
	return transfer(HTTP_GET, o, url, path, why);
}

int http_put(const struct http_opts *o, const char *url, const char *path, struct buf *why)
{
	return transfer(HTTP_PUT, o, url, path, why);
}
