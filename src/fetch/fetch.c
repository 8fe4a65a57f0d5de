/* The distfiles store and the origins that fill it: a local file, and
 * http(s) through libcurl or the curl/wget tools; Debian source packages
 * are in debsrc.c. Whatever the origin, a file lands in a temporary name in
 * the store, is hashed, and only a match is renamed into place. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fetch/debsrc.h"
#include "core/err.h"
#include "fetch/fetch.h"
#include "fetch/http.h"
#include "core/sha256.h"
#include "core/util.h"


#define FETCH_CONNECT_TIMEOUT 30        /* seconds: unreachable hosts fail fast */
#define FETCH_STALL_TIME 60             /* seconds without a byte: give up */

/* What the origins did, for the message when none worked. */
struct tries {
	struct buf lines;     /* "\n  ORIGIN: what happened" per failure */
	struct buf mismatch;  /* the first mismatch: "ORIGIN: expected X, got Y" */
	int store_other;      /* the store holds FILE with another sha256 ... */
	unsigned char store_sha[32];    /* ... this one */
	char *agrees;         /* the first origin whose file has store_sha too */
};

const char *fetch_http_backend(void)
{
	return http_backend();
}

char *fetch_store_path(const struct fetch_ctx *ctx, const struct source *src)
{
	return path_join(ctx->distdir, src->file);
}

/* ---- running a download tool (here and in debsrc.c) ---- */

static int fd_move(int from, int to)
{
	if (from == to)
		return fcntl(to, F_SETFD, 0);
	return dup2(from, to);
}

int fetch_tool_run(char *const argv[], char *const envp[], const char *dir, int logfd)
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
	int st, r = proc_wait(pid, &st);
	if (r)
		return r;
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	return 128 + WTERMSIG(st);
}

char *fetch_tool_find(const char *name)
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

void fetch_log_read(int fd, off_t at, struct buf *b)
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

void fetch_log_pick(const char *s, const char *dflt, struct buf *out)
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

static int http_fetch(const char *url, const char *tmp, const char *logdir, struct buf *why)
{
	struct http_opts o = {FETCH_CONNECT_TIMEOUT, FETCH_STALL_TIME, 3, logdir};
	int r = http_get(&o, url, tmp, why);
	return r == -SPROUT_ERR_NOTFOUND ? -EIO : r;
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

/* Is the stored copy good? 0 yes; 1 no (missing, or with another sha256:
 * noted in t and left in place, where it is never used for this pin); or
 * -errno. A copy with another sha256 is as often the file of an older or
 * mistyped pin as a damaged one: moving it away would make fixing the pin
 * download it again (offline: not at all). */
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
	t->store_other = 1;
	memcpy(t->store_sha, d, 32);
	tries_mismatch(t, "the store", src->sha256, d);
	return 1;
}

/* Put the verified tmp in the store as dst. A stored copy with another
 * sha256 goes to dst.bad first (replacing an older one), to be looked at. */
static int store_put(const struct fetch_ctx *ctx, const struct source *src, const char *tmp, const char *dst,
		     const struct tries *t)
{
	if (t->store_other) {
		char *bad = xasprintf("%s.bad", dst);
		int e = rename(dst, bad) < 0 && errno != ENOENT ? errno : 0;
		free(bad);
		if (e)
			return errf(-e, "%s: cannot move the stored copy aside to %s.bad: %s", src->file, dst, strerror(e));
	}
	if (rename(tmp, dst) < 0)
		return errf(-errno, "%s: cannot store it as %s: %s", src->file, dst, strerror(errno));
	dir_sync(ctx->distdir);
	return 0;
}

/* The pid in name when it is one of file's temporaries, ".FILE.part.PID"
 * or ".FILE.apt.PID.XXXXXX" (debsrc.c); else 0. */
static long temp_pid(const char *name, const char *file)
{
	size_t n = strlen(file);
	const char *p;
	long pid = 0;
	int apt;
	if (name[0] != '.' || strncmp(name + 1, file, n))
		return 0;
	p = name + 1 + n;
	if (!strncmp(p, ".part.", 6))
		apt = 0, p += 6;
	else if (!strncmp(p, ".apt.", 5))
		apt = 1, p += 5;
	else
		return 0;
	if (*p < '1' || *p > '9')
		return 0;
	for (; *p >= '0' && *p <= '9'; p++)
		if (pid > 99999999 || (pid = pid * 10 + (*p - '0')) <= 0)
			return 0;   /* more digits than any pid has */
	if (!apt)
		return *p ? 0 : pid;
	if (*p++ != '.' || strlen(p) != 6)
		return 0;
	for (; *p; p++)
		if (!(*p >= '0' && *p <= '9') && !(*p >= 'a' && *p <= 'z') && !(*p >= 'A' && *p <= 'Z'))
			return 0;
	return pid;
}

/* Remove file's temporaries that a killed sprout left in the store: those
 * whose pid is gone, and those with ours, which this process has not made
 * yet (an earlier process had our pid). A live pid may be another sprout
 * fetching the same file. Best effort: a temporary is never read before it
 * was written afresh, so one that stays costs only space. */
static void store_sweep(const char *distdir, const char *file)
{
	struct strv names = {0};
	dir_list(distdir, NULL, &names);
	for (size_t i = 0; i < names.n; i++) {
		long pid = temp_pid(names.v[i], file);
		if (!pid || (pid != (long)getpid() && (kill((pid_t)pid, 0) == 0 || errno != ESRCH)))
			continue;
		char *p = path_join(distdir, names.v[i]);
		rm_rf(p);
		free(p);
	}
	strv_free(&names);
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
	/* not every tool creates its output for an empty body: never hash
	 * what an earlier try left */
	unlink(tmp);
	origin_label(o, &label);
	switch (o->kind) {
	case ORIGIN_LOCAL:
		/* a mirror directory is absolute; a recipe's local file is not */
		from = o->a[0] == '/' ? xstrdup(o->a) : path_join(ctx->recipedir ? ctx->recipedir : ".", o->a);
		r = local_get(from, tmp, &why);
		break;
	case ORIGIN_URL:
		if (strncmp(o->a, "http://", 7) && strncmp(o->a, "https://", 8)) {
			buf_adds(&why, "not an http or https URL");
			break;
		}
		r = http_fetch(o->a, tmp, ctx->distdir, &why);
		break;
	case ORIGIN_DEBIAN:
		r = debsrc_get(ctx, o->a, o->b, src->file, tmp, &why);
		break;
	}
	if (r == 0 && (r = file_hash_sync(tmp, d)) < 0)
		buf_addf(&why, "cannot read %s: %s", tmp, strerror(-r));
	if (r < 0) {
		buf_addf(&t->lines, "\n  %s: %s", label.s, why.s ? why.s : "failed");
		r = 1;
	} else if (memcmp(d, src->sha256, 32)) {
		tries_mismatch(t, label.s, src->sha256, d);
		if (t->store_other && !t->agrees && !memcmp(d, t->store_sha, 32))
			t->agrees = xstrdup(label.s);
		r = 1;
	} else {
		r = store_put(ctx, src, tmp, dst, t);
		if (r == 0 && ctx->served) {
			ctx->served->len = 0;
			buf_adds(ctx->served, label.s);
		}
	}
	if (r != 0)
		unlink(tmp);
	free(from);
	buf_free(&why);
	buf_free(&label);
	return r;
}

/* A mirror is tried as one more origin: PREFIX/FILE, a URL or a file in a
 * directory (file:///dir or /dir). */
static int mirror_try(const struct fetch_ctx *ctx, const struct source *src, const char *prefix,
		      const char *tmp, const char *dst, struct tries *t)
{
	struct origin o;
	size_t n = strlen(prefix);
	memset(&o, 0, sizeof o);
	if (!strncmp(prefix, "file://", 7))
		prefix += 7, n -= 7;
	o.kind = prefix[0] == '/' ? ORIGIN_LOCAL : ORIGIN_URL;
	while (n > 1 && prefix[n - 1] == '/')
		n--;
	o.a = xasprintf("%.*s/%s", (int)n, prefix, src->file);
	int r = origin_try(ctx, src, &o, tmp, dst, t);
	free(o.a);
	return r;
}

/* The message when no origin gave the file: the first mismatch and what
 * the others did, or what each origin did, and where the pin is. */
static int no_match(const struct fetch_ctx *ctx, const struct source *src, struct tries *t)
{
	struct buf pin = {0};
	char want[65], other[65];
	sha256_hex(src->sha256, want);
	sha256_hex(t->store_sha, other);
	if (ctx->recipe && src->pin_line)
		buf_addf(&pin, "\n  the pin: %s:%d", ctx->recipe, src->pin_line);
	else if (ctx->recipe)
		buf_addf(&pin, "\n  the recipe: %s", ctx->recipe);
	int r;
	if (t->agrees)
		r = errf(-SPROUT_ERR_HASH, "%s: the sha256 pin looks wrong: the store's copy and %s both have %s, the pin "
			 "says %s; if the pin is a mistake, correct it (the stored file is kept)%s",
			 src->file, t->agrees, other, want, pin.s ? pin.s : "");
	else if (ctx->offline && t->store_other)
		r = errf(-SPROUT_ERR_HASH, "%s: sha256 mismatch from %s; not fetching again with --offline (the stored file is "
			 "kept: if the pin changed, it may be the old pin's file)%s", src->file, t->mismatch.s,
			 pin.s ? pin.s : "");
	else if (ctx->offline)
		r = errf(-SPROUT_ERR_FETCH, "%s: not in the store and --offline", src->file);
	else if (t->mismatch.len)
		r = errf(-SPROUT_ERR_HASH, "%s: sha256 mismatch from %s%s%s", src->file, t->mismatch.s,
			 t->lines.s ? t->lines.s : "", pin.s ? pin.s : "");
	else if (!src->norigins && !t->lines.len)
		r = errf(-SPROUT_ERR_FETCH, "%s: not in the store, and the recipe names no origin", src->file);
	else
		r = errf(-SPROUT_ERR_FETCH, "%s: no origin worked:%s", src->file, t->lines.s);
	buf_free(&pin);
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
	store_sweep(ctx->distdir, src->file);
	dst = fetch_store_path(ctx, src);
	if ((r = store_check(dst, src, &t)) <= 0) {
		if (r == 0 && ctx->served) {
			ctx->served->len = 0;
			buf_adds(ctx->served, "store");
		}
		goto out;
	}
	if (!ctx->offline) {
		tmp = xasprintf("%s/.%s.part.%ld", ctx->distdir, src->file, (long)getpid());
		for (size_t i = 0; ctx->mirrors && ctx->mirrors[i]; i++)
			if ((r = mirror_try(ctx, src, ctx->mirrors[i], tmp, dst, &t)) <= 0)
				goto out;
		for (size_t i = 0; i < src->norigins; i++)
			if ((r = origin_try(ctx, src, &src->origins[i], tmp, dst, &t)) <= 0)
				goto out;
	}
	r = no_match(ctx, src, &t);
out:
	if (r == 0)
		*path = dst;
	else
		free(dst);
	free(tmp);
	free(t.agrees);
	buf_free(&t.lines);
	buf_free(&t.mismatch);
	return r;
}
