#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "build/cache.h"
#include "core/err.h"
#include "core/sha256.h"

static int cmp_sets(const void *a, const void *b)
{
	return strcmp(((const struct setting *)a)->key, ((const struct setting *)b)->key);
}

void cache_inputs(const struct plan *p, int i, const char *arch, char (*keys)[65], struct buf *out)
{
	const struct step *s = &p->steps[i];
	const struct recipe *rc = s->recipe;
	char hex[65];
	buf_adds(out, "sprout-inputs 1\n");
	buf_addf(out, "step %s\n", s->name);
	sha256_hex(rc->sha256, hex);
	buf_addf(out, "recipe %s %s %s\n", rc->name, rc->version, hex);
	buf_addf(out, "build %s\n", s->build_name);
	buf_addf(out, "stage %s\n", p->stages[s->stage].name);
	buf_addf(out, "arch %s\n", arch);
	buf_addf(out, "host-arch %s\n", host_arch());
	struct setting *sets = xcalloc(p->nsets, sizeof *sets);
	if (p->nsets) {
		memcpy(sets, p->sets, p->nsets * sizeof *sets);
		qsort(sets, p->nsets, sizeof *sets, cmp_sets);
	}
	for (size_t k = 0; k < p->nsets; k++)
		buf_addf(out, "set %s %s\n", sets[k].key, sets[k].value);
	free(sets);
	for (size_t k = 0; k < rc->nsources; k++) {
		sha256_hex(rc->sources[k].sha256, hex);
		buf_addf(out, "source %s %s\n", rc->sources[k].file, hex);
	}
	for (size_t k = 0; k < rc->npatches; k++) {
		sha256_hex(rc->patches[k].sha256, hex);
		buf_addf(out, "patch %s %s\n", rc->patches[k].file, hex);
	}
	for (size_t k = 0; k < s->ndeps; k++)
		buf_addf(out, "dep %s %s\n", p->steps[s->deps[k]].name, keys[s->deps[k]]);
}

void cache_keys(const struct plan *p, const char *arch, char (*keys)[65], char **inputs)
{
	for (size_t n = 0; n < p->nsteps; n++) {
		int i = p->order[n];
		struct buf b = {0};
		unsigned char d[32];
		cache_inputs(p, i, arch, keys, &b);
		sha256_buf(b.s, b.len, d);
		sha256_hex(d, keys[i]);
		if (inputs)
			inputs[i] = buf_take(&b);
		else
			buf_free(&b);
	}
}

char *cache_dir(const char *statedir, const char *key)
{
	return xasprintf("%s/store/%s", statedir, key);
}

int cache_has(const char *statedir, const char *key)
{
	char *d = cache_dir(statedir, key);
	struct stat st;
	int r = stat(d, &st) == 0 && S_ISDIR(st.st_mode);
	free(d);
	return r;
}

int cache_digest(const char *statedir, const char *key, char hex[65])
{
	char *p = xasprintf("%s/store/%s/digest", statedir, key);
	struct buf b = {0};
	int r = file_read(p, &b);
	free(p);
	if (!r && (b.len < 64))
		r = -SPROUT_ERR_FORMAT;
	if (!r) {
		memcpy(hex, b.s, 64);
		hex[64] = 0;
	}
	buf_free(&b);
	return r;
}

/* One line of an inputs serialisation, split into words. */
struct inline_ {
	const char *s;
	size_t len;
	const char *w[4];       /* the first words, and the rest as the last */
	size_t wl[4];
	int nw;
};

static void split_line(const char *s, size_t len, struct inline_ *l)
{
	const char *p = s, *e = s + len;
	memset(l, 0, sizeof *l);
	l->s = s;
	l->len = len;
	while (p < e && l->nw < 4) {
		const char *q = l->nw == 3 ? e : memchr(p, ' ', (size_t)(e - p));
		if (!q)
			q = e;
		l->w[l->nw] = p;
		l->wl[l->nw++] = (size_t)(q - p);
		p = q < e ? q + 1 : e;
	}
}

/* How many words name the input: "source FILE", "set KEY", "dep STEP" are
 * one input each; "recipe", "arch", "stage" ... are one input whatever
 * their words. */
static int key_words(const struct inline_ *l)
{
	static const char *const two[] = {"set", "source", "patch", "dep"};
	for (size_t i = 0; i < sizeof two / sizeof two[0]; i++)
		if (l->wl[0] == strlen(two[i]) && !memcmp(l->w[0], two[i], l->wl[0]))
			return l->nw >= 2 ? 2 : 1;
	return 1;
}

static int same_key(const struct inline_ *a, const struct inline_ *b)
{
	int n = key_words(a);
	if (n != key_words(b))
		return 0;
	for (int i = 0; i < n; i++)
		if (a->wl[i] != b->wl[i] || memcmp(a->w[i], b->w[i], a->wl[i]))
			return 0;
	return 1;
}

static int is(const struct inline_ *l, const char *kw)
{
	return l->nw && l->wl[0] == strlen(kw) && !memcmp(l->w[0], kw, l->wl[0]);
}

static struct inline_ *split_all(const char *text, size_t *n)
{
	size_t cap = 16;
	struct inline_ *v = xcalloc(cap, sizeof *v);
	*n = 0;
	for (const char *p = text; *p;) {
		const char *e = strchr(p, '\n');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		if (*n == cap)
			v = xrealloc(v, (cap *= 2) * sizeof *v);
		split_line(p, len, &v[(*n)++]);
		p += len + (e ? 1 : 0);
	}
	return v;
}

#define W(l, i) (int)(l)->wl[i], (l)->w[i]

/* Say how input now differs from was (same key): "recipe changed
 * (version 1 -> 2)", "setting K changed (a -> b)", "source F changed". */
static void changed(const struct inline_ *now, const struct inline_ *was, struct buf *why)
{
	if (is(now, "recipe")) {
		buf_adds(why, "recipe changed");
		if (now->nw >= 3 && was->nw >= 3 && (now->wl[1] != was->wl[1] || memcmp(now->w[1], was->w[1], now->wl[1])))
			buf_addf(why, " (now recipe %.*s)", W(now, 1));
		else if (now->nw >= 3 && was->nw >= 3 &&
			 (now->wl[2] != was->wl[2] || memcmp(now->w[2], was->w[2], now->wl[2])))
			buf_addf(why, " (version %.*s -> %.*s)", W(was, 2), W(now, 2));
	} else if (is(now, "set") && now->nw >= 3) {
		buf_addf(why, "setting %.*s changed (%.*s -> %.*s)", W(now, 1), W(was, 2), W(now, 2));
	} else if (is(now, "dep") && now->nw >= 2) {
		buf_addf(why, "dependency %.*s changed", W(now, 1));
	} else if ((is(now, "source") || is(now, "patch")) && now->nw >= 2) {
		buf_addf(why, "%.*s %.*s changed", W(now, 0), W(now, 1));
	} else if (is(now, "build") && now->nw >= 2 && was->nw >= 2) {
		buf_addf(why, "build script changed (%.*s -> %.*s)", W(was, 1), W(now, 1));
	} else if (now->nw >= 2 && was->nw >= 2) {
		buf_addf(why, "%.*s changed (%.*s -> %.*s)", W(now, 0), W(was, 1), W(now, 1));
	} else {
		buf_addf(why, "%.*s changed", W(now, 0));
	}
}

/* "setting K added", "patch F removed", "dependency D added". */
static void added(const struct inline_ *l, const char *what, struct buf *why)
{
	if (is(l, "set"))
		buf_adds(why, "setting");
	else if (is(l, "dep"))
		buf_adds(why, "dependency");
	else
		buf_addf(why, "%.*s", W(l, 0));
	if (key_words(l) == 2)
		buf_addf(why, " %.*s", W(l, 1));
	buf_addf(why, " %s", what);
}

/* Every input of now that differs from was: changed, added, then removed. */
static void changed_lines(const char *now, const char *was, struct buf *why)
{
	size_t nn, nw;
	struct inline_ *a = split_all(now, &nn), *b = split_all(was, &nw);
	for (size_t i = 0; i < nn; i++) {
		const struct inline_ *old = NULL;
		int same = 0;
		for (size_t k = 0; k < nw && !same; k++) {
			if (!same_key(&a[i], &b[k]))
				continue;
			old = &b[k];
			same = a[i].len == b[k].len && !memcmp(a[i].s, b[k].s, a[i].len);
		}
		if (same)
			continue;
		if (why->len)
			buf_adds(why, ", ");
		if (old)
			changed(&a[i], old, why);
		else
			added(&a[i], "added", why);
	}
	for (size_t k = 0; k < nw; k++) {
		int found = 0;
		for (size_t i = 0; i < nn && !found; i++)
			found = same_key(&a[i], &b[k]);
		if (found)
			continue;
		if (why->len)
			buf_adds(why, ", ");
		added(&b[k], "removed", why);
	}
	free(a);
	free(b);
}

void cache_why(const char *statedir, const char *arch, const struct plan *p, int i, const char *inputs,
	       struct buf *why)
{
	char *lp = xasprintf("%s/last/%s/%s", statedir, arch, p->steps[i].name);
	struct buf last = {0}, old = {0};
	if (file_read(lp, &last) || last.len < 64) {
		buf_adds(why, "never built");
		goto out;
	}
	last.s[64] = 0;
	char *ip = xasprintf("%s/store/%s/inputs", statedir, last.s);
	int r = file_read(ip, &old);
	free(ip);
	if (r) {
		unsigned char d[32];
		char hex[65];
		sha256_buf(inputs, strlen(inputs), d);
		sha256_hex(d, hex);
		/* the last build's output was removed (sprout clean --all, by hand) */
		buf_adds(why, !strcmp(hex, last.s) ? "output missing from the store"
						   : "its last build is gone from the store (nothing to compare with)");
		goto out;
	}
	if (!strcmp(old.s, inputs)) {
		buf_adds(why, "output missing from the store");
		goto out;
	}
	changed_lines(inputs, old.s, why);
	if (!why->len)
		buf_adds(why, "inputs changed");
out:
	free(lp);
	buf_free(&last);
	buf_free(&old);
}

int cache_set_last(const char *statedir, const char *arch, const char *step, const char *key)
{
	char *d = xasprintf("%s/last/%s", statedir, arch);
	int r = mkdir_p(d, 0755);
	if (!r) {
		char *f = path_join(d, step);
		char line[66];
		memcpy(line, key, 64);
		line[64] = '\n';
		r = file_write_atomic(f, line, 65);
		free(f);
	}
	free(d);
	return r;
}
