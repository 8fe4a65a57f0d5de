/* The distfiles store and the origins that fill it: a local file, http(s)
 * through libcurl or the curl/wget tools, and Debian source packages through
 * the host's apt in a private configuration. Whatever the origin, a file
 * lands in a temporary name in the store, is hashed, and only a match is
 * renamed into place. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#ifdef HAVE_CURL
#include <curl/curl.h>
#endif

#include "err.h"
#include "fetch.h"
#include "sha256.h"
#include "util.h"

extern char **environ;

#define FETCH_CONNECT_TIMEOUT 30        /* seconds: unreachable hosts fail fast */
#define FETCH_STALL_TIME 60             /* seconds without a byte: give up */
#define FETCH_APT_MAX_AGE (24 * 60 * 60) /* apt's lists are refreshed after a day */
#define FETCH_LOG_TAIL 10               /* log lines shown in verbose mode */

/* What the origins did, for the message when none worked. */
struct tries {
	struct buf lines;     /* "\n  ORIGIN: what happened" per failure */
	struct buf mismatch;  /* the first mismatch: "ORIGIN: expected X, got Y" */
};

const char *fetch_http_backend(void)
{
#ifdef HAVE_CURL
	return "libcurl";
#else
	return "curl/wget";
#endif
}

char *fetch_store_path(const struct fetch_ctx *ctx, const struct source *src)
{
	return path_join(ctx->distdir, src->file);
}

/* ---- small helpers ---- */

static int fd_move(int from, int to)
{
	if (from == to)
		return fcntl(to, F_SETFD, 0);
	return dup2(from, to);
}

/* Run the program at argv[0] (a path) in dir (NULL: here) with envp, stdin
 * from /dev/null, stdout and stderr into logfd. Its exit status, 128+N for
 * signal N, or -errno when it could not be started. */
static int tool_run(char *const argv[], char *const envp[], const char *dir, int logfd)
{
	int nul = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (nul < 0)
		return -errno;
	pid_t pid = fork();
	if (pid < 0) {
		int e = errno;
		close(nul);
		return -e;
	}
	if (pid == 0) {
		if (fd_move(nul, 0) < 0 || fd_move(logfd, 1) < 0 || fd_move(logfd, 2) < 0)
			_exit(127);
		if (dir && chdir(dir) < 0)
			_exit(127);
		execve(argv[0], argv, envp);
		_exit(127);
	}
	close(nul);
	int st;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -errno;
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	return 128 + WTERMSIG(st);
}

/* The executable called name in $PATH (caller frees), or NULL. */
static char *tool_find(const char *name)
{
	const char *p = getenv("PATH");
	if (!p || !*p)
		p = "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin";
	while (*p) {
		size_t n = strcspn(p, ":");
		char *dir = n ? xstrndup(p, n) : xstrdup(".");
		char *f = path_join(dir, name);
		struct stat st;
		free(dir);
		if (stat(f, &st) == 0 && S_ISREG(st.st_mode) && access(f, X_OK) == 0)
			return f;
		free(f);
		p += n;
		if (*p == ':')
			p++;
	}
	return NULL;
}

/* Append what fd holds from offset at to b, at most its last 64 KiB. */
static void log_read(int fd, off_t at, struct buf *b)
{
	struct stat st;
	char chunk[4096];
	ssize_t n;
	if (fstat(fd, &st) == 0 && st.st_size - at > 65536)
		at = st.st_size - 65536;
	if (lseek(fd, at, SEEK_SET) < 0)
		return;
	while ((n = read(fd, chunk, sizeof chunk)) > 0 || (n < 0 && errno == EINTR))
		if (n > 0)
			buf_add(b, chunk, (size_t)n);
}

/* The line of log text worth showing: the first apt-style "E: " line, else
 * the last non-empty one. Appended to out, or dflt when there is none. */
static void text_pick(const char *s, const char *dflt, struct buf *out)
{
	const char *best = NULL, *p = s ? s : "";
	size_t bestn = 0;
	while (*p) {
		size_t n = strcspn(p, "\n");
		size_t m = n;
		while (m && (p[m - 1] == '\r' || p[m - 1] == ' '))
			m--;
		if (m >= 3 && !strncmp(p, "E: ", 3)) {
			best = p, bestn = m;
			break;
		}
		if (m)
			best = p, bestn = m;
		p += n + (p[n] == '\n');
	}
	if (best)
		buf_add(out, best, bestn);
	else
		buf_adds(out, dflt);
}

/* Append the last n lines of s to out, each on a new line after indent. */
static void text_tail(const char *s, int n, const char *indent, struct buf *out)
{
	const char *p = s + strlen(s);
	while (p > s && p[-1] == '\n')
		p--;
	const char *end = p;
	while (p > s && n > 0) {
		p--;
		if (*p == '\n' && --n == 0) {
			p++;
			break;
		}
	}
	while (p < end) {
		size_t k = strcspn(p, "\n");
		if (p + k > end)
			k = (size_t)(end - p);
		buf_addf(out, "\n%s%.*s", indent, (int)k, p);
		p += k + 1;
	}
}

/* Hash the file at path and flush it to disk. 0 or -errno. */
static int file_hash_sync(const char *path, unsigned char d[32])
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	int r = sha256_fd(fd, d);
	if (r == 0 && fsync(fd) < 0)
		r = -errno;
	close(fd);
	return r;
}

/* ---- origins: each leaves the file at tmp, or says why not in why ---- */

static int local_get(const char *from, const char *tmp, struct buf *why)
{
	char chunk[65536];
	ssize_t n;
	int r = -EIO;
	int out = -1, in = open(from, O_RDONLY | O_CLOEXEC);
	if (in < 0) {
		r = -errno;
		buf_addf(why, "%s", strerror(errno));
		return r;
	}
	out = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (out < 0) {
		r = -errno;
		buf_addf(why, "cannot create %s: %s", tmp, strerror(errno));
		goto out;
	}
	while ((n = read(in, chunk, sizeof chunk)) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			r = -errno;
			buf_addf(why, "read error: %s", strerror(errno));
			goto out;
		}
		for (ssize_t w, off = 0; off < n; off += w) {
			w = write(out, chunk + off, (size_t)(n - off));
			if (w < 0 && errno == EINTR)
				w = 0;
			else if (w < 0) {
				r = -errno;
				buf_addf(why, "cannot write %s: %s", tmp, strerror(errno));
				goto out;
			}
		}
	}
	r = 0;
out:
	if (out >= 0 && close(out) < 0 && r == 0) {
		r = -errno;
		buf_addf(why, "cannot write %s: %s", tmp, strerror(errno));
	}
	close(in);
	return r;
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

static int http_get(const char *url, const char *tmp, const char *logdir, struct buf *why)
{
	static int ready;
	char ebuf[CURL_ERROR_SIZE];
	CURLcode c = CURLE_OK;
	long status = 0;
	(void)logdir;
	if (!ready) {
		if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0) {
			buf_adds(why, "libcurl could not be initialised");
			return -EIO;
		}
		ready = 1;
	}
	for (int attempt = 0; attempt < 3; attempt++) {
		if (attempt)
			sleep((unsigned)attempt);
		int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		FILE *f = fd < 0 ? NULL : fdopen(fd, "wb");
		if (!f) {
			int e = errno;
			if (fd >= 0)
				close(fd);
			buf_addf(why, "cannot create %s: %s", tmp, strerror(e));
			return -e;
		}
		CURL *h = curl_easy_init();
		if (!h) {
			fclose(f);
			buf_adds(why, "libcurl could not start a transfer");
			return -ENOMEM;
		}
		ebuf[0] = 0;
		curl_easy_setopt(h, CURLOPT_URL, url);
		curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, http_write);
		curl_easy_setopt(h, CURLOPT_WRITEDATA, f);
		curl_easy_setopt(h, CURLOPT_ERRORBUFFER, ebuf);
		curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 1L);
		curl_easy_setopt(h, CURLOPT_MAXREDIRS, 20L);
		curl_easy_setopt(h, CURLOPT_FAILONERROR, 1L);
		curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
		curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, (long)FETCH_CONNECT_TIMEOUT);
		curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L);
		curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, (long)FETCH_STALL_TIME);
		curl_easy_setopt(h, CURLOPT_USERAGENT, "sprout");
#if LIBCURL_VERSION_NUM >= 0x075500
		curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
		curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
#else
		curl_easy_setopt(h, CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
		curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
		c = curl_easy_perform(h);
		status = 0;
		curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
		curl_easy_cleanup(h);
		int werr = ferror(f) ? errno : 0;
		if (fclose(f) != 0 && !werr)
			werr = errno ? errno : EIO;
		if (c == CURLE_OK && werr) {
			buf_addf(why, "cannot write %s: %s", tmp, strerror(werr));
			return -werr;
		}
		if (c == CURLE_OK)
			return 0;
		if (!http_transient(c, status))
			break;
	}
	if (c == CURLE_HTTP_RETURNED_ERROR && status)
		buf_addf(why, "HTTP %ld", status);
	else if (c == CURLE_COULDNT_CONNECT)
		buf_addf(why, "could not connect (%s)", ebuf[0] ? ebuf : curl_easy_strerror(c));
	else
		buf_adds(why, ebuf[0] ? ebuf : curl_easy_strerror(c));
	return -EIO;
}
#else
/* An anonymous log file in dir: created and unlinked at once. */
static int log_open(const char *dir)
{
	char *path = xasprintf("%s/.fetch.log.%ld", dir, (long)getpid());
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	int e = errno;
	if (fd >= 0)
		unlink(path);
	free(path);
	return fd < 0 ? -e : fd;
}

/* What a wget exit status means, since -q leaves nothing else. */
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

static int http_get(const char *url, const char *tmp, const char *logdir, struct buf *why)
{
	char to[16], *argv[16];
	int n = 0, wget = 0, st, r = -ENOENT;
	char *tool = tool_find("curl");
	snprintf(to, sizeof to, "%d", FETCH_CONNECT_TIMEOUT);
	if (!tool) {
		tool = tool_find("wget");
		wget = 1;
	}
	if (!tool) {
		buf_adds(why, "neither curl nor wget is in PATH");
		return r;
	}
	int logfd = log_open(logdir);
	if (logfd < 0) {
		r = logfd;
		buf_addf(why, "cannot create a log in %s: %s", logdir, strerror(-r));
		goto out;
	}
	argv[n++] = tool;
	if (!wget) {
		argv[n++] = "-fsSL";
		argv[n++] = "--retry";
		argv[n++] = "2";
		argv[n++] = "--connect-timeout";
		argv[n++] = to;
		argv[n++] = "-o";
	} else {
		argv[n++] = "-q";
		argv[n++] = "--tries=3";
		argv[n++] = "--connect-timeout";
		argv[n++] = to;
		argv[n++] = "-O";
	}
	argv[n++] = (char *)tmp;
	argv[n++] = (char *)url;
	argv[n] = NULL;
	st = tool_run(argv, environ, NULL, logfd);
	if (st == 0) {
		r = 0;
	} else if (st < 0) {
		r = st;
		buf_addf(why, "cannot run %s: %s", tool, strerror(-st));
	} else {
		struct buf log = {0};
		r = -EIO;
		log_read(logfd, 0, &log);
		if (wget)
			buf_addf(why, "wget: %s (exit %d)", wget_status(st), st);
		else
			text_pick(log.s, "curl failed", why);
		buf_free(&log);
	}
	close(logfd);
out:
	free(tool);
	return r;
}
#endif

/* ---- Debian source packages through a private apt configuration ---- */

static int word_has(const char *list, const char *w)
{
	size_t wn = strlen(w);
	for (const char *p = list; *p;) {
		p += strspn(p, " \t\n,");
		size_t n = strcspn(p, " \t\n,");
		if (n == wn && !strncmp(p, w, n))
			return 1;
		p += n;
	}
	return 0;
}

/* Append the words of s to out joined with sep. */
static void words_join(const char *s, const char *sep, struct buf *out)
{
	int first = 1;
	for (const char *p = s; *p;) {
		p += strspn(p, " \t\n");
		size_t n = strcspn(p, " \t\n");
		if (!n)
			break;
		if (!first)
			buf_adds(out, sep);
		buf_add(out, p, n);
		first = 0;
		p += n;
	}
}

/* Add line (without its newline) to out unless it is there already. */
static void list_add(struct buf *out, const char *line)
{
	size_t n = strlen(line);
	for (const char *p = out->s ? out->s : ""; *p;) {
		size_t k = strcspn(p, "\n");
		if (k == n && !strncmp(p, line, n))
			return;
		p += k + (p[k] == '\n');
	}
	buf_adds(out, line);
	buf_addc(out, '\n');
}

static void oneline_parse(const char *text, struct buf *out)
{
	for (const char *p = text; *p;) {
		size_t n = strcspn(p, "\n");
		char *line = xstrndup(p, n), *q = line, *opts = NULL;
		struct buf e = {0};
		p += n + (p[n] == '\n');
		line[strcspn(line, "#")] = 0;
		q += strspn(q, " \t\r");
		size_t t = strcspn(q, " \t\r");
		if (!((t == 3 && !strncmp(q, "deb", 3)) || (t == 7 && !strncmp(q, "deb-src", 7))))
			goto next;
		q += t;
		q += strspn(q, " \t\r");
		if (*q == '[') {
			char *end = strchr(q, ']');
			if (!end)
				goto next;
			*end = 0;
			opts = q + 1;
			q = end + 1;
		}
		buf_adds(&e, "deb-src");
		if (opts && opts[strspn(opts, " \t")]) {
			buf_adds(&e, " [");
			words_join(opts, " ", &e);
			buf_adds(&e, "]");
		}
		q += strspn(q, " \t\r");
		if (!strncmp(q, "cdrom:", 6))
			goto next;
		size_t before = e.len;
		buf_addc(&e, ' ');
		words_join(q, " ", &e);
		if (!strchr(e.s + before + 1, ' '))   /* needs a URI and a suite */
			goto next;
		list_add(out, e.s);
next:
		buf_free(&e);
		free(line);
	}
}

/* The deb822 fields that carry over as one-line options (lower-cased). */
static const char *const deb822_opts[] = {
	"Signed-By", "Trusted", "Check-Valid-Until", "Valid-Until-Min",
	"Valid-Until-Max", "Check-Date", "Date-Max-Future", "PDiffs", "By-Hash",
	"Allow-Insecure", "Allow-Weak", "Allow-Downgrade-To-Insecure", "Snapshot",
	"InRelease-Path",
};

static const char *stanza_get(const struct strv *names, const struct strv *vals, const char *name)
{
	for (size_t i = 0; i < names->n; i++)
		if (!strcasecmp(names->v[i], name))
			return vals->v[i];
	return NULL;
}

/* An inline Signed-By key: into keydir under its hash; its path in out. */
static int stanza_key(const char *val, const char *keydir, struct buf *out)
{
	struct buf key = {0};
	unsigned char d[32];
	char hex[65];
	for (const char *p = val + strspn(val, " \t\n"); *p;) {
		size_t n = strcspn(p, "\n");
		if (n != 1 || *p != '.')     /* "." stands for an empty line */
			buf_add(&key, p, n);
		buf_addc(&key, '\n');
		p += n + (p[n] == '\n');
	}
	sha256_buf(key.s, key.len, d);
	sha256_hex(d, hex);
	hex[16] = 0;
	char *path = xasprintf("%s/%s.asc", keydir, hex);
	int r = mkdir_p(keydir, 0755);
	if (r == 0)
		r = file_write_atomic(path, key.s, key.len);
	if (r < 0)
		errf(r, "%s: %s", path, strerror(-r));
	else
		buf_adds(out, path);
	free(path);
	buf_free(&key);
	return r;
}

static int stanza_emit(const struct strv *names, const struct strv *vals,
		       const char *keydir, struct buf *out)
{
	const char *types = stanza_get(names, vals, "Types");
	const char *uris = stanza_get(names, vals, "URIs");
	const char *suites = stanza_get(names, vals, "Suites");
	const char *comps = stanza_get(names, vals, "Components");
	const char *en = stanza_get(names, vals, "Enabled");
	struct buf opts = {0};
	int r = 0;
	if (!types || !uris || !suites || (en && word_has(en, "no")))
		return 0;
	if (!word_has(types, "deb") && !word_has(types, "deb-src"))
		return 0;
	for (size_t i = 0; i < sizeof deb822_opts / sizeof *deb822_opts; i++) {
		const char *v = stanza_get(names, vals, deb822_opts[i]);
		if (!v)
			continue;
		buf_addc(&opts, opts.len ? ' ' : '[');
		for (const char *c = deb822_opts[i]; *c; c++)
			buf_addc(&opts, *c >= 'A' && *c <= 'Z' ? *c - 'A' + 'a' : *c);
		buf_addc(&opts, '=');
		if (i == 0 && strstr(v, "BEGIN PGP")) {
			if (!keydir)
				goto out;
			if ((r = stanza_key(v, keydir, &opts)) < 0)
				goto out;
		} else {
			words_join(v, ",", &opts);
		}
	}
	if (opts.len)
		buf_addc(&opts, ']');
	for (const char *u = uris; *(u += strspn(u, " \t\n"));) {
		size_t un = strcspn(u, " \t\n");
		for (const char *s = suites; *(s += strspn(s, " \t\n"));) {
			size_t sn = strcspn(s, " \t\n");
			struct buf e = {0};
			buf_addf(&e, "deb-src%s%s %.*s %.*s", opts.len ? " " : "",
				 opts.len ? opts.s : "", (int)un, u, (int)sn, s);
			if (comps && comps[strspn(comps, " \t\n")]) {
				buf_addc(&e, ' ');
				words_join(comps, " ", &e);
			}
			if (strncmp(u, "cdrom:", 6))
				list_add(out, e.s);
			buf_free(&e);
			s += sn;
		}
		u += un;
	}
out:
	buf_free(&opts);
	return r;
}

static int deb822_parse(const char *text, const char *keydir, struct buf *out)
{
	struct strv names = {0}, vals = {0};
	int r = 0;
	for (const char *p = text;;) {
		size_t n = strcspn(p, "\n");
		size_t m = n;
		while (m && (p[m - 1] == '\r' || p[m - 1] == ' ' || p[m - 1] == '\t'))
			m--;
		int blank = !p[strspn(p, " \t\r")] || p[strspn(p, " \t\r")] == '\n';
		if (!*p || blank) {
			if (names.n && (r = stanza_emit(&names, &vals, keydir, out)) < 0)
				break;
			strv_free(&names);
			strv_free(&vals);
			if (!*p)
				break;
		} else if (*p == '#') {
			/* a comment */
		} else if ((*p == ' ' || *p == '\t') && vals.n) {
			char *v = xasprintf("%s\n%.*s", vals.v[vals.n - 1], (int)(m - 1), p + 1);
			free(vals.v[vals.n - 1]);
			vals.v[vals.n - 1] = v;
		} else {
			const char *colon = memchr(p, ':', m);
			if (colon) {
				const char *v = colon + 1;
				v += strspn(v, " \t");
				strv_addown(&names, xstrndup(p, (size_t)(colon - p)));
				strv_addown(&vals, xstrndup(v, m - (size_t)(v - p)));
			}
		}
		p += n + (p[n] == '\n');
	}
	strv_free(&names);
	strv_free(&vals);
	return r;
}

static int name_ends(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);
	return n > k && !strcmp(s + n - k, suffix);
}

static int sources_read(const char *path, int deb822, const char *keydir, struct buf *out)
{
	struct buf text = {0};
	int r = file_read(path, &text);
	if (r == -ENOENT) {
		r = 0;
	} else if (r < 0) {
		errf(r, "%s: %s", path, strerror(-r));
	} else if (text.s) {
		if (deb822)
			r = deb822_parse(text.s, keydir, out);
		else
			oneline_parse(text.s, out);
	}
	buf_free(&text);
	return r;
}

int fetch_apt_sources(const char *etcdir, const char *keydir, struct buf *out)
{
	struct dirent **ents = NULL;
	char *path = path_join(etcdir, "sources.list");
	char *parts = path_join(etcdir, "sources.list.d");
	int r = sources_read(path, 0, keydir, out);
	int n = r < 0 ? 0 : scandir(parts, &ents, NULL, alphasort);
	if (n < 0 && errno != ENOENT) {
		r = errf(-errno, "%s: %s", parts, strerror(errno));
		n = 0;
	}
	for (int i = 0; i < n; i++) {
		const char *f = ents[i]->d_name;
		int list = name_ends(f, ".list"), d822 = name_ends(f, ".sources");
		if (r == 0 && f[0] != '.' && (list || d822)) {
			char *p = path_join(parts, f);
			r = sources_read(p, d822, keydir, out);
			free(p);
		}
		free(ents[i]);
	}
	free(ents);
	free(path);
	free(parts);
	return r;
}

struct apt {
	char *dir;        /* statedir/apt, absolute */
	char *prog;       /* apt-get */
	struct strv env;  /* ours, with LC_ALL=C so its messages can be read */
	int logfd;
	off_t mark;       /* where the last command's output starts in the log */
};

/* Write the private sources list; *changed when it differs from before. */
static int apt_prepare(struct apt *a, int *changed, struct buf *why)
{
	static const char *const dirs[] = {
		"etc/sources.list.d", "state/lists/partial", "cache/archives/partial",
	};
	struct buf list = {0}, old = {0};
	char *keys = path_join(a->dir, "keys");
	char *path = path_join(a->dir, "etc/sources.list");
	int r = -ENOENT;
	for (size_t i = 0; i < sizeof dirs / sizeof *dirs; i++) {
		char *d = path_join(a->dir, dirs[i]);
		int e = mkdir_p(d, 0755);
		if (e < 0)
			buf_addf(why, "cannot create %s: %s", d, strerror(-e));
		free(d);
		if (e < 0) {
			r = e;
			goto out;
		}
	}
	buf_adds(&list, "# Generated by sprout from /etc/apt: the host's archives, for sources.\n");
	size_t head = list.len;
	if ((r = fetch_apt_sources("/etc/apt", keys, &list)) < 0) {
		buf_adds(why, err_msg(r));
		goto out;
	}
	if (list.len == head) {
		r = -ENOENT;
		buf_adds(why, "the host's apt has no deb or deb-src lines in /etc/apt/sources.list{,.d}");
		goto out;
	}
	*changed = file_read(path, &old) < 0 || old.len != list.len || memcmp(old.s, list.s, list.len);
	if (*changed && (r = file_write_atomic(path, list.s, list.len)) < 0) {
		buf_addf(why, "cannot write %s: %s", path, strerror(-r));
		goto out;
	}
	if (*changed) {
		/* the lists on record are for other sources now */
		char *stamp = path_join(a->dir, "updated");
		unlink(stamp);
		free(stamp);
	}
	r = 0;
out:
	buf_free(&list);
	buf_free(&old);
	free(keys);
	free(path);
	return r;
}

/* apt-get update (arg NULL) or apt-get source arg, in cwd. Exit status or -errno. */
static int apt_run(struct apt *a, const char *cwd, const char *arg)
{
	struct strv av = {0};
	struct buf cmd = {0};
	strv_add(&av, a->prog);
	strv_add(&av, "-q");
	strv_add(&av, "-o");
	strv_addown(&av, xasprintf("Dir::Etc::sourcelist=%s/etc/sources.list", a->dir));
	strv_add(&av, "-o");
	strv_addown(&av, xasprintf("Dir::Etc::sourceparts=%s/etc/sources.list.d", a->dir));
	strv_add(&av, "-o");
	strv_addown(&av, xasprintf("Dir::State=%s/state", a->dir));
	strv_add(&av, "-o");
	strv_addown(&av, xasprintf("Dir::Cache=%s/cache", a->dir));
	strv_add(&av, "-o");
	strv_add(&av, "Debug::NoLocking=1");
	if (geteuid() == 0) {
		/* _apt could not write into our directories; as another user
		 * apt does not switch users at all */
		strv_add(&av, "-o");
		strv_add(&av, "APT::Sandbox::User=root");
	}
	if (arg) {
		strv_add(&av, "--only-source");
		strv_add(&av, "--download-only");
		strv_add(&av, "source");
		strv_add(&av, arg);
	} else {
		strv_add(&av, "update");
	}
	buf_adds(&cmd, "$");
	for (size_t i = 0; i < av.n; i++)
		buf_addf(&cmd, " %s", av.v[i]);
	buf_addc(&cmd, '\n');
	a->mark = lseek(a->logfd, 0, SEEK_END);
	if (a->mark < 0)
		a->mark = 0;
	if (write(a->logfd, cmd.s, cmd.len) < 0) {
		/* the log is for people; a short one is no reason to stop */
	}
	int st = tool_run(av.v, a->env.v, cwd, a->logfd);
	buf_free(&cmd);
	strv_free(&av);
	return st;
}

/* Why the last apt command failed, from its part of the log. */
static void apt_why(struct apt *a, const char *what, int st, int verbose, struct buf *why)
{
	struct buf log = {0};
	if (st < 0) {
		buf_addf(why, "cannot run %s: %s", a->prog, strerror(-st));
		return;
	}
	log_read(a->logfd, a->mark, &log);
	buf_addf(why, "%s failed: ", what);
	text_pick(log.s, "no output", why);
	buf_addf(why, " (log: %s/log)", a->dir);
	if (verbose && log.s)
		text_tail(log.s, FETCH_LOG_TAIL, "    ", why);
	buf_free(&log);
}

static int apt_update(struct apt *a, int verbose, struct buf *why)
{
	struct buf log = {0};
	char *stamp = path_join(a->dir, "updated");
	int st = apt_run(a, NULL, NULL);
	if (st != 0) {
		apt_why(a, "apt-get update", st, verbose, why);
		free(stamp);
		return st < 0 ? st : -EIO;
	}
	/* a partly failed update exits 0: then try again next time */
	log_read(a->logfd, a->mark, &log);
	const char *s = log.s ? log.s : "";
	if (strncmp(s, "Err:", 4) && !strstr(s, "\nErr:"))
		file_write_atomic(stamp, "", 0);
	buf_free(&log);
	free(stamp);
	return 0;
}

static int apt_fresh(struct apt *a)
{
	struct stat st;
	char *stamp = path_join(a->dir, "updated");
	time_t now = time(NULL);
	int fresh = stat(stamp, &st) == 0 && st.st_mtime <= now &&
		now - st.st_mtime < FETCH_APT_MAX_AGE;
	free(stamp);
	return fresh;
}

/* Append " name," for each file in dir, without the last comma. */
static void dir_list(const char *dir, struct buf *out)
{
	struct dirent **ents = NULL;
	int n = scandir(dir, &ents, NULL, alphasort);
	for (int i = 0; i < n; i++) {
		if (ents[i]->d_name[0] != '.')
			buf_addf(out, " %s,", ents[i]->d_name);
		free(ents[i]);
	}
	free(ents);
	if (out->len && out->s[out->len - 1] == ',')
		out->s[--out->len] = 0;
}

static int debian_get(const struct fetch_ctx *ctx, const struct source *src,
		      const struct origin *o, const char *tmp, struct buf *why)
{
	struct apt a = {0};
	char *dir = NULL, *lock = NULL, *log = NULL, *got = NULL, *dl = NULL;
	char *arg = xasprintf("%s=%s", o->a, o->b ? o->b : "");
	int lockfd = -1, changed = 0, updated = 0, made = 0, st;
	int r = -EINVAL;
	a.logfd = -1;
	if (!o->b || !*o->b) {
		buf_adds(why, "no version given");
		goto out;
	}
	if (!ctx->statedir) {
		buf_adds(why, "no state directory for apt");
		goto out;
	}
	if (!(a.prog = tool_find("apt-get"))) {
		r = -ENOENT;
		buf_adds(why, "apt-get is not in PATH");
		goto out;
	}
	dir = path_join(ctx->statedir, "apt");
	if ((r = mkdir_p(dir, 0755)) < 0 || !(a.dir = realpath(dir, NULL))) {
		r = r < 0 ? r : -errno;
		buf_addf(why, "cannot create %s: %s", dir, strerror(-r));
		goto out;
	}
	/* one sprout at a time in the private apt state */
	lock = path_join(a.dir, "lock");
	lockfd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (lockfd < 0 || flock(lockfd, LOCK_EX) < 0) {
		r = -errno;
		buf_addf(why, "cannot lock %s: %s", lock, strerror(errno));
		goto out;
	}
	if ((r = apt_prepare(&a, &changed, why)) < 0)
		goto out;
	log = path_join(a.dir, "log");
	a.logfd = open(log, O_RDWR | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644);
	if (a.logfd < 0) {
		r = -errno;
		buf_addf(why, "cannot create %s: %s", log, strerror(errno));
		goto out;
	}
	for (char **e = environ; *e; e++)
		if (strncmp(*e, "LC_ALL=", 7) && strncmp(*e, "LANGUAGE=", 9))
			strv_add(&a.env, *e);
	strv_add(&a.env, "LC_ALL=C");
	if (changed || !apt_fresh(&a)) {
		if ((r = apt_update(&a, ctx->verbose, why)) < 0)
			goto out;
		updated = 1;
	}
	/* apt-get source writes into the current directory: a fresh one in
	 * the store, so that the file can be renamed into place */
	if ((got = realpath(ctx->distdir, NULL)))
		dl = xasprintf("%s/.%s.apt.XXXXXX", got, src->file);
	free(got);
	got = NULL;
	if (!dl || !mkdtemp(dl)) {
		r = -errno;
		buf_addf(why, "cannot create a directory in %s: %s", ctx->distdir, strerror(errno));
		goto out;
	}
	made = 1;
	st = apt_run(&a, dl, arg);
	if (st != 0 && !updated) {
		/* the lists may be behind the archive: refresh and try again */
		if ((r = apt_update(&a, ctx->verbose, why)) < 0)
			goto out;
		st = apt_run(&a, dl, arg);
	}
	if (st != 0) {
		r = st < 0 ? st : -EIO;
		apt_why(&a, "apt-get source", st, ctx->verbose, why);
		goto out;
	}
	got = path_join(dl, src->file);
	if (rename(got, tmp) < 0) {
		r = -errno;
		if (errno == ENOENT) {
			buf_addf(why, "the source package has no file %s; it has", src->file);
			dir_list(dl, why);
		} else
			buf_addf(why, "cannot move %s: %s", got, strerror(errno));
		goto out;
	}
	r = 0;
out:
	if (made)
		rm_rf(dl);
	if (a.logfd >= 0)
		close(a.logfd);
	if (lockfd >= 0)
		close(lockfd);
	strv_free(&a.env);
	free(a.prog);
	free(a.dir);
	free(dir);
	free(lock);
	free(log);
	free(got);
	free(dl);
	free(arg);
	return r;
}

/* ---- the store ---- */

static void origin_label(const struct origin *o, struct buf *out)
{
	switch (o->kind) {
	case ORIGIN_URL:
		buf_adds(out, o->a);
		break;
	case ORIGIN_DEBIAN:
		buf_addf(out, "debian %s %s", o->a, o->b ? o->b : "");
		break;
	case ORIGIN_LOCAL:
		buf_addf(out, "local %s", o->a);
		break;
	}
}

static void tries_mismatch(struct tries *t, const char *label, const unsigned char want[32],
			   const unsigned char got[32])
{
	char w[65], g[65];
	sha256_hex(want, w);
	sha256_hex(got, g);
	if (!t->mismatch.len)
		buf_addf(&t->mismatch, "%s: expected %s, got %s", label, w, g);
	else
		buf_addf(&t->lines, "\n  %s: sha256 mismatch, got %s", label, g);
}

/* Is the stored copy good? 0 yes; 1 no (missing, or moved aside to .bad
 * and noted in t); or -errno. */
static int store_check(const char *dst, const struct source *src, struct tries *t)
{
	unsigned char d[32];
	int fd = open(dst, O_RDONLY | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT)
		return 1;
	if (fd < 0)
		return errf(-errno, "%s: %s", dst, strerror(errno));
	int r = sha256_fd(fd, d);
	close(fd);
	if (r < 0)
		return errf(r, "%s: %s", dst, strerror(-r));
	if (!memcmp(d, src->sha256, 32))
		return 0;
	char *bad = xasprintf("%s.bad", dst);
	char *label = xasprintf("the store (moved to %s)", bad);
	r = rename(dst, bad) < 0 ? -errno : 1;
	if (r < 0)
		errf(r, "%s: sha256 mismatch, and cannot move it aside: %s", dst, strerror(-r));
	else
		tries_mismatch(t, label, src->sha256, d);
	free(bad);
	free(label);
	return r;
}

/* Fetch from one origin into tmp, check and store. 0 stored; 1 not (the
 * reason is in t); -errno when the store itself fails. */
static int origin_try(const struct fetch_ctx *ctx, const struct source *src,
		      const struct origin *o, const char *tmp, const char *dst, struct tries *t)
{
	struct buf why = {0}, label = {0};
	unsigned char d[32];
	char *from = NULL;
	int r = -EINVAL;
	origin_label(o, &label);
	switch (o->kind) {
	case ORIGIN_LOCAL:
		from = path_join(ctx->recipedir ? ctx->recipedir : ".", o->a);
		r = local_get(from, tmp, &why);
		break;
	case ORIGIN_URL:
		if (strncmp(o->a, "http://", 7) && strncmp(o->a, "https://", 8)) {
			buf_adds(&why, "not an http or https URL");
			break;
		}
		r = http_get(o->a, tmp, ctx->distdir, &why);
		break;
	case ORIGIN_DEBIAN:
		r = debian_get(ctx, src, o, tmp, &why);
		break;
	}
	if (r == 0 && (r = file_hash_sync(tmp, d)) < 0)
		buf_addf(&why, "cannot read %s: %s", tmp, strerror(-r));
	if (r < 0) {
		buf_addf(&t->lines, "\n  %s: %s", label.s, why.s ? why.s : "failed");
		r = 1;
	} else if (memcmp(d, src->sha256, 32)) {
		tries_mismatch(t, label.s, src->sha256, d);
		r = 1;
	} else if (rename(tmp, dst) < 0) {
		r = errf(-errno, "%s: cannot store it as %s: %s", src->file, dst, strerror(errno));
	} else {
		dir_sync(ctx->distdir);
	}
	if (r != 0)
		unlink(tmp);
	free(from);
	buf_free(&why);
	buf_free(&label);
	return r;
}

int fetch_source(const struct fetch_ctx *ctx, const struct source *src, char **path)
{
	struct tries t = {0};
	char *dst = NULL, *tmp = NULL;
	int r = -EINVAL;
	*path = NULL;
	if (!*src->file || strchr(src->file, '/') || !strcmp(src->file, ".") ||
	    !strcmp(src->file, "..")) {
		r = errf(r, "%s: not a plain file name", src->file);
		goto out;
	}
	if ((r = mkdir_p(ctx->distdir, 0755)) < 0) {
		r = errf(r, "%s: cannot create %s: %s", src->file, ctx->distdir, strerror(-r));
		goto out;
	}
	dst = fetch_store_path(ctx, src);
	if ((r = store_check(dst, src, &t)) <= 0)
		goto out;
	if (ctx->offline) {
		if (t.mismatch.len)
			r = errf(-ERR_HASH, "%s: sha256 mismatch from %s; not fetching again with --offline",
				 src->file, t.mismatch.s);
		else
			r = errf(-ERR_FETCH, "%s: not in the store and --offline", src->file);
		goto out;
	}
	tmp = xasprintf("%s/.%s.part.%ld", ctx->distdir, src->file, (long)getpid());
	for (size_t i = 0; i < src->norigins; i++)
		if ((r = origin_try(ctx, src, &src->origins[i], tmp, dst, &t)) <= 0)
			goto out;
	if (t.mismatch.len)
		r = errf(-ERR_HASH, "%s: sha256 mismatch from %s%s", src->file, t.mismatch.s,
			 t.lines.s ? t.lines.s : "");
	else if (!src->norigins)
		r = errf(-ERR_FETCH, "%s: not in the store, and the recipe names no origin", src->file);
	else
		r = errf(-ERR_FETCH, "%s: no origin worked:%s", src->file, t.lines.s);
out:
	if (r == 0)
		*path = dst;
	else
		free(dst);
	free(tmp);
	buf_free(&t.lines);
	buf_free(&t.mismatch);
	return r;
}
