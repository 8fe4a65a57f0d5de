#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "build/cache.h"
#include "build/state.h"
#include "core/err.h"
#include "core/sha256.h"

static int cmp_sets(const void *a, const void *b)
{
	return strcmp((*(const struct setting *const *)a)->key, (*(const struct setting *const *)b)->key);
}

const char *cache_host_arch;

void cache_inputs(const struct plan *p, int i, const char *arch, char (*digests)[65], struct buf *out)
{
	const struct step *s = &p->steps[i];
	const struct recipe *rc = s->recipe;
	char hex[65];
	buf_adds(out, CACHE_INPUTS_VERSION "\n");
	buf_addf(out, "step %s\n", s->name);
	sha256_hex(rc->sha256, hex);
	buf_addf(out, "recipe %s %s %s\n", rc->name, rc->version, hex);
	if (rc->sources_of) {
		sha256_hex(rc->sources_sha256, hex);
		buf_addf(out, "sources %s %s\n", rc->sources_of, hex);
	}
	buf_addf(out, "build %s\n", s->build_name);
	buf_addf(out, "stage %s\n", p->stages[s->stage].name);
	buf_addf(out, "arch %s\n", arch);
	buf_addf(out, "host-arch %s\n", cache_host_arch ? cache_host_arch : host_arch());
	const struct setting **sets = xcalloc(p->nsets + 1, sizeof *sets);
	size_t nsets = plan_step_sets(p, i, sets);
	if (nsets)
		qsort(sets, nsets, sizeof *sets, cmp_sets);
	for (size_t k = 0; k < nsets; k++)
		buf_addf(out, "set %s %s\n", sets[k]->key, sets[k]->value);
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
		if (digests[s->deps[k]][0])
			buf_addf(out, "dep %s %s\n", p->steps[s->deps[k]].name, digests[s->deps[k]]);
}

int cache_ready(const struct plan *p, int i, char (*digests)[65])
{
	for (size_t k = 0; k < p->steps[i].ndeps; k++)
		if (!digests[p->steps[i].deps[k]][0])
			return 0;
	return 1;
}

void cache_key(const struct plan *p, int i, const char *arch, char (*digests)[65], char key[65], char **inputs)
{
	struct buf b = {0};
	unsigned char d[32];
	cache_inputs(p, i, arch, digests, &b);
	sha256_buf(b.s, b.len, d);
	sha256_hex(d, key);
	if (inputs) {
		free(*inputs);
		*inputs = buf_take(&b);
	}
	buf_free(&b);
}

size_t cache_keys(const struct plan *p, const char *arch, const char *statedir, char (*keys)[65],
		  char (*digests)[65], char **inputs)
{
	char(*dg)[65] = digests ? digests : xcalloc(p->nsteps + 1, sizeof *dg);
	size_t unknown = 0;
	for (size_t n = 0; n < p->nsteps; n++) {
		int i = p->order[n];
		keys[i][0] = dg[i][0] = 0;
		if (!cache_ready(p, i, dg)) {
			unknown++;
			continue;
		}
		cache_key(p, i, arch, dg, keys[i], inputs ? &inputs[i] : NULL);
		if (cache_digest(statedir, keys[i], dg[i]))
			dg[i][0] = 0;
	}
	if (!digests)
		free(dg);
	return unknown;
}

int cache_output(const struct plan *p, const char *arch, const char *statedir, int i, char **out)
{
	char(*keys)[65] = xcalloc(p->nsteps + 1, sizeof *keys);
	char(*digests)[65] = xcalloc(p->nsteps + 1, sizeof *digests);
	cache_keys(p, arch, statedir, keys, digests, NULL);
	int r = digests[i][0] ? 0 : -ENOENT;
	*out = r ? NULL : state_store(statedir, keys[i], "out");
	free(keys);
	free(digests);
	return r;
}

int cache_has(const char *statedir, const char *key)
{
	if (!key[0])
		return 0;
	char *d = state_store(statedir, key, NULL);
	struct stat st;
	int r = stat(d, &st) == 0 && S_ISDIR(st.st_mode);
	free(d);
	return r;
}

int cache_digest(const char *statedir, const char *key, char hex[65])
{
	if (!key[0])
		return -ENOENT;
	char *p = state_store(statedir, key, "digest");
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
	} else if (is(now, "sources") && now->nw >= 2) {
		buf_addf(why, "sources of recipe %.*s changed", W(now, 1));
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

/* was without the lines "dep NAME ..." of step i's dependencies that have
 * no digest yet (the caller frees). */
static char *drop_waiting(const char *was, const struct plan *p, int i, char (*digests)[65])
{
	const struct step *s = &p->steps[i];
	struct buf b = {0};
	buf_adds(&b, "");
	for (const char *l = was; *l;) {
		const char *e = strchr(l, '\n');
		size_t len = e ? (size_t)(e - l) + 1 : strlen(l);
		int skip = 0;
		for (size_t k = 0; k < s->ndeps && !skip && !strncmp(l, "dep ", 4); k++) {
			const char *name = p->steps[s->deps[k]].name;
			size_t nl = strlen(name);
			skip = !digests[s->deps[k]][0] && !strncmp(l + 4, name, nl) && l[4 + nl] == ' ';
		}
		if (!skip)
			buf_add(&b, l, len);
		l += len;
	}
	return buf_take(&b);
}

/* Why step i itself differs from its last build (its dependencies that
 * wait aside, when waiting). */
static void own_reason(const char *statedir, const char *arch, const struct plan *p, int i, char (*digests)[65],
		       int waiting, struct buf *why)
{
	char last[65];
	struct buf old = {0}, now = {0};
	if (state_last(statedir, p->name, arch, p->steps[i].name, last)) {
		buf_adds(why, "never built");
		return;
	}
	cache_inputs(p, i, arch, digests, &now);
	char *ip = state_store(statedir, last, "inputs");
	int r = file_read(ip, &old);
	free(ip);
	size_t vl = strlen(CACHE_INPUTS_VERSION);
	if (r && !waiting) {
		unsigned char d[32];
		char hex[65];
		sha256_buf(now.s, now.len, d);
		sha256_hex(d, hex);
		/* the last build's output was removed (sprout clean --all, by hand) */
		buf_adds(why, !strcmp(hex, last) ? "output missing from the store"
						 : "its last build is gone from the store (nothing to compare with)");
	} else if (!r && (old.len < vl || memcmp(old.s, CACHE_INPUTS_VERSION, vl) || old.s[vl] != '\n')) {
		buf_adds(why, "last built by a sprout that computed keys another way");
	} else if (!r) {
		char *was = waiting ? drop_waiting(old.s, p, i, digests) : xstrdup(old.s);
		if (strcmp(was, now.s))
			changed_lines(now.s, was, why);
		else if (!waiting)
			buf_adds(why, "output missing from the store");
		free(was);
	}
	buf_free(&old);
	buf_free(&now);
}

void cache_why(const char *statedir, const char *arch, const struct plan *p, int i, char (*digests)[65],
	       struct buf *why)
{
	const struct step *s = &p->steps[i];
	struct buf w = {0};
	for (size_t k = 0; k < s->ndeps; k++)
		if (!digests[s->deps[k]][0])
			buf_addf(&w, "%s%s", w.len ? ", " : "", p->steps[s->deps[k]].name);
	own_reason(statedir, arch, p, i, digests, w.len > 0, why);
	if (w.len)
		buf_addf(why, "%swaits for %s", why->len ? "; " : "", w.s);
	buf_free(&w);
}
