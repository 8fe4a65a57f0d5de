/* The Debian source package origin: apt-get source through the host's apt,
 * in a private configuration under STATE/apt/. Its sources list is derived
 * from the host's /etc/apt on every use, apt's lists and cache stay under
 * STATE/apt/, a download lands in a scratch directory in the store, and
 * signatures are checked with the host's keyrings. The host's own
 * configuration is only read. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fetch/debsrc.h"
#include "core/err.h"
#include "fetch/fetch.h"
#include "core/sha256.h"
#include "core/util.h"

extern char **environ;

#define DEBSRC_MAX_AGE (24 * 60 * 60) /* apt's lists are refreshed after a day */
#define DEBSRC_LOG_TAIL 10            /* log lines shown in verbose mode */

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

int debsrc_derive_sources(const char *etcdir, const char *keydir, struct buf *out)
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
	if ((r = debsrc_derive_sources("/etc/apt", keys, &list)) < 0) {
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
	int st = fetch_tool_run(av.v, a->env.v, cwd, a->logfd);
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
	fetch_log_read(a->logfd, a->mark, &log);
	buf_addf(why, "%s failed: ", what);
	fetch_log_pick(log.s, "no output", why);
	buf_addf(why, " (log: %s/log)", a->dir);
	if (verbose && log.s)
		text_tail(log.s, DEBSRC_LOG_TAIL, "    ", why);
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
	fetch_log_read(a->logfd, a->mark, &log);
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
		now - st.st_mtime < DEBSRC_MAX_AGE;
	free(stamp);
	return fresh;
}

/* Append " name," for each file in dir but hidden ones, without the last
 * comma. */
static void list_files(const char *dir, struct buf *out)
{
	struct strv names = {0};
	dir_list(dir, NULL, &names);
	for (size_t i = 0; i < names.n; i++)
		if (names.v[i][0] != '.')
			buf_addf(out, " %s,", names.v[i]);
	strv_free(&names);
	if (out->len && out->s[out->len - 1] == ',')
		out->s[--out->len] = 0;
}

int debsrc_get(const struct fetch_ctx *ctx, const char *pkg, const char *version,
	       const char *file, const char *tmp, struct buf *why)
{
	struct apt a = {0};
	char *dir = NULL, *lock = NULL, *log = NULL, *got = NULL, *dl = NULL;
	char *arg = xasprintf("%s=%s", pkg, version ? version : "");
	int lockfd = -1, changed = 0, updated = 0, made = 0, st;
	int r = -EINVAL;
	a.logfd = -1;
	if (!version || !*version) {
		buf_adds(why, "no version given");
		goto out;
	}
	if (!ctx->statedir) {
		buf_adds(why, "no state directory for apt");
		goto out;
	}
	if (!(a.prog = fetch_tool_find("apt-get"))) {
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
	 * the store, so that the file can be renamed into place; named with
	 * our pid, so that fetch_source can tell when it is a dead run's */
	if ((got = realpath(ctx->distdir, NULL)))
		dl = xasprintf("%s/.%s.apt.%ld.XXXXXX", got, file, (long)getpid());
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
	got = path_join(dl, file);
	if (rename(got, tmp) < 0) {
		r = -errno;
		if (errno == ENOENT) {
			buf_addf(why, "the source package has no file %s; it has", file);
			list_files(dl, why);
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
