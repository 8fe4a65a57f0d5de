/* sprout verify --diverse's logic (trust/diverse.h, docs/trust.md). */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "build/cache.h"
#include "build/engine.h"
#include "core/err.h"
#include "core/util.h"
#include "fetch/fetch.h"
#include "trust/diverse.h"

int diverse_is_host(const struct plan *p, int i)
{
	return !strcmp(p->stages[p->steps[i].stage].name, "host");
}

/* The C++ compiler of C compiler cc's family, the same path and suffix:
 * gcc -> g++, /usr/bin/clang-14 -> /usr/bin/clang++-14; NULL when cc's
 * name has neither. */
static char *cxx_of(const char *cc)
{
	const char *base = strrchr(cc, '/');
	base = base ? base + 1 : cc;
	const char *g = strstr(base, "gcc"), *c = strstr(base, "clang");
	if (c)
		return xasprintf("%.*sclang++%s", (int)(c - cc), cc, c + 5);
	if (g)
		return xasprintf("%.*sg++%s", (int)(g - cc), cc, g + 3);
	return NULL;
}

/* Whether the host stage's recipes know how to drive compiler cc for every
 * host step (gcc's specs, clang's --sysroot). */
static int drives_whole_host(const char *cc)
{
	const char *base = strrchr(cc, '/');
	base = base ? base + 1 : cc;
	return strstr(base, "gcc") || strstr(base, "clang");
}

int diverse_parse(struct diverse *d, const char *list)
{
	memset(d, 0, sizeof *d);
	d->twin_a = d->twin_b = -1;
	struct strv v = {0};
	int r = 0;
	for (const char *s = list;;) {
		const char *c = strchr(s, ',');
		size_t n = c ? (size_t)(c - s) : strlen(s);
		if (!n) {
			r = errf(SPROUT_ERR_USAGE, "--compilers: expected two or more compilers, as A,B[,C...] (got '%s')",
				 list);
			goto out;
		}
		char *cc = xstrndup(s, n);
		for (size_t k = 0; k < v.n; k++)
			if (!strcmp(v.v[k], cc))
				r = errf(SPROUT_ERR_USAGE, "--diverse needs different compilers (got %s twice)", cc);
		strv_addown(&v, cc);
		if (r)
			goto out;
		if (!c)
			break;
		s = c + 1;
	}
	if (v.n < 2) {
		r = errf(SPROUT_ERR_USAGE, "--compilers: expected two or more compilers, as A,B[,C...] (got '%s')", list);
		goto out;
	}
	d->nlegs = v.n;
	d->legs = xcalloc(v.n, sizeof *d->legs);
	for (size_t k = 0; k < v.n; k++) {
		struct diverse_leg *l = &d->legs[k];
		l->cc = xstrdup(v.v[k]);
		l->seed_only = !drives_whole_host(l->cc);
		l->cxx = l->seed_only ? NULL : cxx_of(l->cc);
		if (l->cxx)
			l->setting = xasprintf("CC=%s CXX=%s", l->cc, l->cxx);
		else
			l->setting = xasprintf("%s=%s", l->seed_only ? "SEED_CC" : "CC", l->cc);
	}
out:
	strv_free(&v);
	return r;
}

int diverse_leg_setup(struct diverse *d, size_t k, struct plan *p, const char *arch)
{
	struct diverse_leg *l = &d->legs[k];
	l->p = p;
	d->arch = arch;
	d->n = p->nsteps;
	char *t = l->cc[0] == '/' ? xstrdup(l->cc) : fetch_tool_find(l->cc);
	if (!t || access(t, X_OK) < 0)
		l->skip = xasprintf("no compiler '%s' on this host (install it, or choose others with --compilers A,B...)",
				    l->cc);
	free(t);
	int r = plan_override_stage(p, l->seed_only ? "SEED_CC" : "CC", l->cc, "host");
	if (!r && l->cxx)
		r = plan_override_stage(p, "CXX", l->cxx, "host");
	/* The keys follow the outputs: known once the leg is built
	 * (diverse_leg_built). */
	l->keys = xcalloc(p->nsteps + 1, sizeof *l->keys);
	return r;
}

int diverse_select(struct diverse *d, char **steps, int nsteps, const char *statedir)
{
	struct plan *p = d->legs[0].p;
	struct strv names = {0};
	d->cmp = xcalloc(d->n, 1);
	d->want = xcalloc(d->n, 1);
	for (int i = 0; i < nsteps; i++) {
		int s = plan_step_index(p, steps[i]);
		if (s < 0)
			return errf(SPROUT_ERR_NOTFOUND, "plan '%s' has no step '%s'", p->name, steps[i]);
		d->cmp[s] = 1;
	}
	if (!nsteps)
		for (size_t i = 0; i < d->n; i++)
			d->cmp[i] = !diverse_is_host(p, (int)i);
	for (size_t i = 0; i < d->n; i++)
		if (d->cmp[i])
			strv_add(&names, p->steps[i].name);
	d->nnames = names.n;
	d->names = names.v;
	if (!names.n)
		return errf(SPROUT_ERR_USAGE, "--diverse: plan '%s' has no step after its host stage; name the steps to "
			    "compare", p->name);
	/* Every step the compared ones need, and the compared ones. */
	struct engine e;
	int r = engine_init(&e, p, d->arch, statedir);
	if (!r)
		r = engine_select(&e, d->names, (int)d->nnames);
	for (size_t i = 0; !r && i < d->n; i++)
		d->want[i] = (char)e.want[i];
	if (e.keys)
		engine_free(&e);
	return r;
}

void diverse_leg_built(struct diverse *d, size_t k, int r, const char *statedir)
{
	struct diverse_leg *l = &d->legs[k];
	cache_keys(l->p, d->arch, statedir, l->keys, NULL, NULL);
	if (!r)
		return;
	struct buf b = {0};
	const struct plan *p = l->p;
	for (size_t o = 0; o < d->n; o++) {
		int i = p->order[o];
		char hex[65];
		if (d->want[i] && cache_digest(statedir, l->keys[i], hex))
			buf_addf(&b, "%s%s", b.len ? ", " : "", p->steps[i].name);
	}
	l->skip = xasprintf("the build failed (%s: %s)", b.len ? "not built" : "error", b.len ? b.s : err_str(r));
	buf_free(&b);
}

size_t diverse_nbuilt(const struct diverse *d)
{
	size_t n = 0;
	for (size_t k = 0; k < d->nlegs; k++)
		n += !d->legs[k].skip;
	return n;
}

int diverse_step_agrees(const struct diverse *d, int i)
{
	const struct trust_out *first = NULL;
	for (size_t k = 0; k < d->nlegs; k++) {
		const struct diverse_leg *l = &d->legs[k];
		if (l->skip)
			continue;
		if (!first)
			first = &l->outs[i];
		else if (strcmp(first->digest, l->outs[i].digest))
			return 0;
	}
	return 1;
}

/* Two built legs whose host-stage steps all gave the same bytes: their
 * builds did not use the compiler, and one compiler was compared with
 * itself. 1 with *a, *b, or 0. */
static int find_twins(const struct diverse *d, int *a, int *b)
{
	const struct plan *p = d->legs[0].p;
	for (size_t x = 0; x < d->nlegs; x++)
		for (size_t y = x + 1; y < d->nlegs; y++) {
			const struct diverse_leg *l = &d->legs[x], *m = &d->legs[y];
			int nhost = 0, differs = 0;
			if (l->skip || m->skip)
				continue;
			for (size_t i = 0; i < d->n; i++)
				if (d->want[i] && !d->cmp[i] && diverse_is_host(p, (int)i)) {
					nhost++;
					differs += strcmp(l->outs[i].digest, m->outs[i].digest) != 0;
				}
			if (nhost && !differs) {
				*a = (int)x;
				*b = (int)y;
				return 1;
			}
		}
	return 0;
}

/* Whether every built leg has the same key for step i: its inputs were the
 * same (its dependencies' digests agree), so it was built once. */
static int same_key(const struct diverse *d, int i)
{
	const char *first = NULL;
	for (size_t k = 0; k < d->nlegs; k++) {
		if (d->legs[k].skip)
			continue;
		if (!first)
			first = d->legs[k].keys[i];
		else if (strcmp(first, d->legs[k].keys[i]))
			return 0;
	}
	return 1;
}

void diverse_compare(struct diverse *d, const char *statedir)
{
	for (size_t k = 0; k < d->nlegs; k++) {
		struct diverse_leg *l = &d->legs[k];
		l->outs = xcalloc(d->n, sizeof *l->outs);
		for (size_t i = 0; i < d->n; i++)
			if (d->want[i] && !l->skip)
				trust_out_read(statedir, l->keys[i], &l->outs[i]);
	}
	d->same = d->differ = d->shared = 0;
	for (size_t i = 0; i < d->n; i++)
		if (d->cmp[i]) {
			d->shared += diverse_nbuilt(d) > 1 && same_key(d, (int)i);
			if (diverse_step_agrees(d, (int)i))
				d->same++;
			else
				d->differ++;
		}
	if (d->differ)
		d->verdict = DIVERSE_FAILED;
	else if (diverse_nbuilt(d) < d->nlegs || find_twins(d, &d->twin_a, &d->twin_b))
		d->verdict = DIVERSE_INCONCLUSIVE;
	else
		d->verdict = DIVERSE_PASSED;
}

void diverse_free(struct diverse *d)
{
	for (size_t k = 0; k < d->nlegs; k++) {
		struct diverse_leg *l = &d->legs[k];
		trust_outs_free(l->outs, d->n);
		free(l->cc);
		free(l->cxx);
		free(l->setting);
		free(l->keys);
		free(l->skip);
		plan_free(l->p);
	}
	free(d->legs);
	free(d->cmp);
	free(d->want);
	if (d->names) {
		struct strv v = {d->names, d->nnames, 0};
		strv_free(&v);
	}
	memset(d, 0, sizeof *d);
}
