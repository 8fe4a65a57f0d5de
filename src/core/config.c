#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/config.h"
#include "core/err.h"
#include "core/lex.h"
#include "core/util.h"

const char *const config_keys[] = {"jobs", "state", "distfiles", "mirror", "arch", "cache", "cache-trust", "cache-key",
				   "farm", "farm-socket", NULL};

#define CONFIG_KEYS_TEXT "jobs, state, distfiles, mirror, arch, cache, cache-trust, cache-key, farm or farm-socket"

/* Whether key may be given several times (each value kept, in order). */
static int repeatable(const char *key)
{
	return !strcmp(key, "mirror") || !strcmp(key, "cache");
}

char *config_system_path(void)
{
	const char *s = getenv("SPROUT_SYSTEM_CONFIG");
	return xstrdup(s && *s ? s : "/etc/sprout.conf");
}

char *config_user_path(void)
{
	const char *x = getenv("XDG_CONFIG_HOME");
	if (x && x[0] == '/')
		return xasprintf("%s/sprout/sprout.conf", x);
	const char *h = getenv("HOME");
	if (h && h[0] == '/')
		return xasprintf("%s/.config/sprout/sprout.conf", h);
	return NULL;
}

const char *config_src_name(enum config_src src)
{
	switch (src) {
	case CONFIG_SYSTEM:
		return "system file";
	case CONFIG_USER:
		return "user file";
	case CONFIG_FILE:
		return "-c file";
	case CONFIG_CMDLINE:
		return "command line";
	case CONFIG_DEFAULT:
		break;
	}
	return "default";
}

static void entry_free(struct config_entry *e)
{
	free(e->key);
	free(e->value);
	free(e->file);
}

/* Drop every entry of key set below layer src (all of them for a one-valued
 * key, whose new value replaces the old). */
static void drop(struct config *cf, const char *key, enum config_src below)
{
	size_t o = 0;
	for (size_t i = 0; i < cf->n; i++) {
		if (!strcmp(cf->v[i].key, key) && cf->v[i].src < below)
			entry_free(&cf->v[i]);
		else
			cf->v[o++] = cf->v[i];
	}
	cf->n = o;
}

static void add(struct config *cf, const char *key, char *value, enum config_src src, const char *file, int line)
{
	cf->v = xrealloc(cf->v, (cf->n + 1) * sizeof *cf->v);
	struct config_entry *e = &cf->v[cf->n++];
	e->key = xstrdup(key);
	e->value = value;
	e->src = src;
	e->file = xstrdup(file);
	e->line = line;
}

/* A path value: "~/x" is under $HOME, a relative one is relative to the
 * directory of the file that names it. Caller frees. */
static char *resolve(const char *v, const char *file)
{
	const char *h = getenv("HOME");
	if (v[0] == '~' && (v[1] == '/' || !v[1]) && h && h[0] == '/')
		return v[1] ? path_join(h, v + 2) : xstrdup(h);
	if (v[0] == '/')
		return xstrdup(v);
	char *dir = path_dirname(file);
	char *r = !strcmp(dir, ".") ? xstrdup(v) : path_join(dir, v);
	free(dir);
	return r;
}

static int is_key(struct slice k)
{
	for (size_t i = 0; config_keys[i]; i++)
		if (slice_eq(k, config_keys[i]))
			return 1;
	return 0;
}

/* Check and normalise one value; *out is the value to keep. */
static int value_check(struct lex *lx, struct lexline *l, struct slice k, struct slice v, char **out)
{
	char *s = slice_dup(v);
	*out = NULL;
	if (slice_eq(k, "jobs")) {
		char *e;
		errno = 0;
		long j = strtol(s, &e, 10);
		if (errno || *e || j < 1 || j > 100000) {
			int r = lex_error(lx, l, v.s, "jobs: expected a number >= 1, got '%s'", s);
			free(s);
			return r;
		}
	} else if (slice_eq(k, "state") || slice_eq(k, "distfiles") || slice_eq(k, "cache-trust") ||
		   slice_eq(k, "cache-key") || slice_eq(k, "farm-socket")) {
		char *p = resolve(s, lx->path);
		free(s);
		s = p;
	} else if (slice_eq(k, "mirror")) {
		const char *sep = strstr(s, "://");
		if (sep && strncmp(s, "http://", 7) && strncmp(s, "https://", 8) && strncmp(s, "file://", 7)) {
			int r = lex_error(lx, l, v.s,
					  "mirror: expected an http://, https:// or file:// URL or a directory, got '%s'",
					  s);
			free(s);
			return r;
		}
		if (!sep) {
			char *p = resolve(s, lx->path);
			free(s);
			s = p;
		}
	} else if (slice_eq(k, "cache")) {
		if (strncmp(s, "http://", 7) && strncmp(s, "https://", 8)) {
			int r = lex_error(lx, l, v.s, "cache: expected an http:// or https:// URL, got '%s'", s);
			free(s);
			return r;
		}
	} else if (slice_eq(k, "arch") || slice_eq(k, "farm")) {
		for (size_t i = 0; i < v.len; i++)
			if (v.s[i] == ' ' || v.s[i] == '\t') {
				free(s);
				return lex_error(lx, l, v.s + i, "%.*s: expected one word", (int)k.len, k.s);
			}
	}
	*out = s;
	return 0;
}

static int parse(struct config *cf, const char *path, const char *text, size_t len, enum config_src src)
{
	struct lex lx;
	struct lexline l;
	int seen[16] = {0}; /* line of each key in this file */
	int many[16] = {0}; /* values of each repeatable key in this file */
	lex_init(&lx, path, text, len);
	while (lex_next(&lx, &l)) {
		const char *p = l.s + l.indent, *e = l.s + l.len;
		if (l.blank || *p == '#')
			continue;
		struct slice k = {p, 0};
		while (p < e && ((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_' || *p == '-'))
			p++;
		k.len = (size_t)(p - k.s);
		while (p < e && (*p == ' ' || *p == '\t'))
			p++;
		if (!k.len || p == e || *p != '=') {
			if (k.len && !is_key(k))
				return lex_error(&lx, &l, k.s, "unknown key '%.*s' (expected " CONFIG_KEYS_TEXT ")",
						 (int)k.len, k.s);
			return lex_error(&lx, &l, p, "expected 'key = value'");
		}
		if (!is_key(k))
			return lex_error(&lx, &l, k.s, "unknown key '%.*s' (expected " CONFIG_KEYS_TEXT ")",
					 (int)k.len, k.s);
		p++;
		while (p < e && (*p == ' ' || *p == '\t'))
			p++;
		while (e > p && (e[-1] == ' ' || e[-1] == '\t'))
			e--;
		if (p == e)
			return lex_error(&lx, &l, p, "%.*s: expected a value after '='", (int)k.len, k.s);
		struct slice v = {p, (size_t)(e - p)};
		size_t ki = 0;
		while (!slice_eq(k, config_keys[ki]))
			ki++;
		char *key = slice_dup(k), *val;
		int r = value_check(&lx, &l, k, v, &val);
		if (r) {
			free(key);
			return r;
		}
		if (repeatable(key)) {
			/* a file that names mirrors (caches) replaces those of the files below it */
			if (!many[ki]++)
				drop(cf, key, src);
		} else {
			if (seen[ki]) {
				free(key);
				free(val);
				return lex_error(&lx, &l, k.s, "%.*s set twice (first at line %d)", (int)k.len, k.s,
						 seen[ki]);
			}
			seen[ki] = l.lineno;
			drop(cf, key, (enum config_src)(src + 1));
		}
		add(cf, key, val, src, path, l.lineno);
		free(key);
	}
	return 0;
}

int config_load_file(struct config *cf, const char *path, enum config_src src, int must_exist)
{
	struct buf b = {0};
	int r = file_read(path, &b);
	if (cf->nfiles < sizeof cf->files / sizeof cf->files[0]) {
		struct config_file *f = &cf->files[cf->nfiles++];
		f->path = xstrdup(path);
		f->src = src;
		f->found = r == 0;
		f->err = r;
	}
	/* an unreadable file of another user's (HOME after a change of
	 * user) is as good as none */
	if ((r == -ENOENT || r == -ENOTDIR || r == -EACCES) && !must_exist)
		r = 0;
	else if (r)
		r = errf(r, "%s: %s", path, err_str(r));
	else
		r = parse(cf, path, b.s ? b.s : "", b.len, src);
	buf_free(&b);
	return r;
}

void config_set(struct config *cf, const char *key, const char *value, const char *what)
{
	int mirror = repeatable(key);
	int have = 0;
	for (size_t i = 0; i < cf->n; i++)
		if (!strcmp(cf->v[i].key, key) && cf->v[i].src == CONFIG_CMDLINE)
			have = 1;
	if (!mirror || !have)
		drop(cf, key, mirror ? CONFIG_CMDLINE : CONFIG_CMDLINE + 1);
	add(cf, key, xstrdup(value), CONFIG_CMDLINE, what, 0);
}

const struct config_entry *config_find(const struct config *cf, const char *key)
{
	for (size_t i = 0; i < cf->n; i++)
		if (!strcmp(cf->v[i].key, key))
			return &cf->v[i];
	return NULL;
}

const char *config_get(const struct config *cf, const char *key)
{
	const struct config_entry *e = config_find(cf, key);
	return e ? e->value : NULL;
}

char **config_all(const struct config *cf, const char *key)
{
	char **v = xcalloc(cf->n + 1, sizeof *v);
	size_t k = 0;
	for (size_t i = 0; i < cf->n; i++)
		if (!strcmp(cf->v[i].key, key))
			v[k++] = cf->v[i].value;
	return v;
}

char **config_mirrors(const struct config *cf)
{
	return config_all(cf, "mirror");
}

void config_free(struct config *cf)
{
	for (size_t i = 0; i < cf->n; i++)
		entry_free(&cf->v[i]);
	free(cf->v);
	for (size_t i = 0; i < cf->nfiles; i++)
		free(cf->files[i].path);
	memset(cf, 0, sizeof *cf);
}
