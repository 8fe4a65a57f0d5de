#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "archive/tar.h"
#include "build/audit.h"
#include "build/cache.h"
#include "build/manifest.h"
#include "build/state.h"
#include "core/err.h"
#include "trust/provenance.h"

void trust_build_load(struct trust_build *b, const struct plan *p, const char *arch, const char *statedir)
{
	size_t n = p->nsteps;
	memset(b, 0, sizeof *b);
	b->p = p;
	b->arch = arch;
	b->statedir = statedir;
	b->keys = xcalloc(n, sizeof *b->keys);
	b->digests = xcalloc(n, sizeof *b->digests);
	b->manifests = xcalloc(n, sizeof *b->manifests);
	cache_keys(p, arch, statedir, b->keys, NULL, NULL);
	for (size_t i = 0; i < n; i++) {
		struct buf m = {0};
		char *mp = state_store(statedir, b->keys[i], "manifest");
		if (!file_read(mp, &m))
			manifest_digest(&m, b->digests[i]);
		b->manifests[i] = m.s ? buf_take(&m) : xstrdup("");
		free(mp);
	}
}

void trust_build_free(struct trust_build *b)
{
	strs_free(b->manifests, b->manifests ? b->p->nsteps : 0);
	free(b->keys);
	free(b->digests);
	memset(b, 0, sizeof *b);
}

int trust_fixpoint(const struct trust_build *b, struct buf *diff, struct buf *excluded, size_t *hits)
{
	const struct plan *p = b->p;
	if (hits)
		memset(hits, 0, p->nfixpoint_excl * sizeof *hits);
	if (!p->fixpoint[0])
		return 0;
	int a = plan_step_index(p, p->fixpoint[0]), c = plan_step_index(p, p->fixpoint[1]);
	if (!strcmp(b->digests[a], b->digests[c]))
		return 0;
	struct buf all = {0};
	manifest_diff(b->manifests[a], b->manifests[c], &all);
	int differ = 0;
	for (char *l = all.s; l && *l;) {
		char *e = strchr(l, '\n');
		if (e)
			*e = 0;
		size_t k = 0;
		while (k < p->nfixpoint_excl && !audit_glob_match(p->fixpoint_excl[k].glob, l + 2))
			k++;
		if (k < p->nfixpoint_excl) {
			buf_addf(excluded, "%s (plan line %d)\n", l, p->fixpoint_excl[k].line);
			if (hits)
				hits[k]++;
		} else {
			buf_addf(diff, "%s\n", l);
			differ = 1;
		}
		l = e ? e + 1 : NULL;
	}
	buf_free(&all);
	return differ ? -SPROUT_ERR_HASH : 0;
}

size_t trust_digests_check(const struct trust_build *b, char *const *exp, enum trust_digest *res)
{
	size_t matched = 0;
	for (size_t i = 0; i < b->p->nsteps; i++) {
		if (!b->digests[i][0] && b->p->steps[i].ondemand)
			res[i] = TRUST_DIGEST_ONDEMAND;
		else if (!exp[i])
			res[i] = TRUST_DIGEST_NONE;
		else if (strncmp(exp[i], b->digests[i], 64))
			res[i] = TRUST_DIGEST_MISMATCH;
		else
			res[i] = TRUST_DIGEST_MATCH;
		matched += res[i] == TRUST_DIGEST_MATCH;
	}
	return matched;
}

/* One manifest line, indexed for lookups. */
struct mline {
	const char *s;
	size_t len;
	int step;
	int rank;   /* 0 native, 1 host: the order among equal lines */
};

struct lines {
	struct mline *v;
	size_t n, cap;
};

static int cmp_mline(const void *x, const void *y)
{
	const struct mline *a = x, *b = y;
	int c = memcmp(a->s, b->s, a->len < b->len ? a->len : b->len);
	return c ? c : (a->len > b->len) - (a->len < b->len);
}

static int cmp_ranked(const void *x, const void *y)
{
	int c = cmp_mline(x, y);
	return c ? c : ((const struct mline *)x)->rank - ((const struct mline *)y)->rank;
}

static void lines_add(struct lines *l, const char *s, size_t len, int step, int rank)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 256;
		l->v = xrealloc(l->v, l->cap * sizeof *l->v);
	}
	l->v[l->n].s = s;
	l->v[l->n].len = len;
	l->v[l->n].step = step;
	l->v[l->n].rank = rank;
	l->n++;
}

static void split_manifest(const char *m, int step, struct lines *l)
{
	for (const char *p = m; p && *p;) {
		const char *e = strchr(p, '\n');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		if (strncmp(p, "sprout-manifest ", 16))
			lines_add(l, p, len, step, 0);
		p = e ? e + 1 : NULL;
	}
}

/* The sha256 field of a file line ("f MODE SIZE SHA PATH"), or NULL. */
static const char *line_sha(const struct mline *l)
{
	if (l->s[0] != 'f')
		return NULL;
	const char *p = l->s;
	for (int f = 0; f < 3; f++) {
		p = memchr(p, ' ', l->len - (size_t)(p - l->s));
		if (!p)
			return NULL;
		p++;
	}
	return p;
}

/* The path of a manifest line: its fifth field; its length into *len. */
static const char *line_path(const struct mline *l, size_t *len)
{
	const char *path = l->s;
	for (int f = 0; f < 4 && path; f++) {
		path = memchr(path, ' ', l->len - (size_t)(path - l->s));
		if (path)
			path++;
	}
	*len = path ? l->len - (size_t)(path - l->s) : 0;
	return path ? path : "";
}

static int is_host(const struct plan *p, int step)
{
	return p->stages[p->steps[step].stage].mode == RUN_HOST;
}

/* The lines of the final step's dependencies (its rootfs aside), sorted
 * by content with native steps first among equal lines; and the contents
 * (sha256) of every host-built file, sorted. */
static void index_lines(const struct trust_build *b, int fin, struct lines *deps, struct lines *host_shas)
{
	const struct plan *p = b->p;
	const struct step *fs = &p->steps[fin];
	struct lines hv = {0};
	for (int pass = 0; pass < 2; pass++)
		for (size_t k = 0; k < fs->ndeps; k++) {
			int d = fs->deps[k];
			if (is_host(p, d) == pass && d != p->stages[fs->stage].rootfs)
				split_manifest(b->manifests[d], d, deps);
		}
	for (size_t i = 0; i < deps->n; i++)
		deps->v[i].rank = is_host(p, deps->v[i].step);
	if (deps->n)
		qsort(deps->v, deps->n, sizeof *deps->v, cmp_ranked);
	for (size_t i = 0; i < p->nsteps; i++)
		if (is_host(p, (int)i))
			split_manifest(b->manifests[i], (int)i, &hv);
	for (size_t i = 0; i < hv.n; i++) {
		const char *sha = line_sha(&hv.v[i]);
		if (sha)
			lines_add(host_shas, sha, 64, hv.v[i].step, 0);
	}
	if (host_shas->n)
		qsort(host_shas->v, host_shas->n, sizeof *host_shas->v, cmp_mline);
	free(hv.v);
}

/* The step entry l of the final step came from; *copied the host step
 * whose file has the same bytes, when that is how it is host-built. */
static int origin(const struct trust_build *b, int fin, const struct lines *deps, const struct lines *host_shas,
		  const struct mline *l, const char **copied)
{
	const struct plan *p = b->p;
	int from = fin;
	struct mline *hit = deps->n ? bsearch(l, deps->v, deps->n, sizeof *deps->v, cmp_mline) : NULL;
	*copied = NULL;
	if (hit) {
		/* bsearch may land on any equal line: walk back to the first. */
		while (hit > deps->v && !cmp_mline(hit - 1, l))
			hit--;
		from = hit->step;
	}
	const char *sha = line_sha(l);
	if (!is_host(p, from) && from == fin && sha && host_shas->n) {
		struct mline key = {sha, 64, 0, 0};
		struct mline *h = bsearch(&key, host_shas->v, host_shas->n, sizeof *host_shas->v, cmp_mline);
		if (h)
			*copied = p->steps[h->step].name;
	}
	return from;
}

void provenance_compute(const struct trust_build *b, int fin, struct provenance *pv)
{
	const struct plan *p = b->p;
	struct lines deps = {0}, host_shas = {0}, fv = {0};
	memset(pv, 0, sizeof *pv);
	index_lines(b, fin, &deps, &host_shas);
	split_manifest(b->manifests[fin], fin, &fv);
	buf_addf(&pv->text, "sprout-provenance 1\n# plan %s, arch %s, final step %s: STEP STAGE TYPE PATH\n", p->name,
		 b->arch, p->steps[fin].name);
	pv->nfiles = fv.n;
	for (size_t i = 0; i < fv.n; i++) {
		const char *copied;
		int from = origin(b, fin, &deps, &host_shas, &fv.v[i], &copied);
		size_t pl;
		const char *path = line_path(&fv.v[i], &pl);
		buf_addf(&pv->text, "%s %s %c %.*s\n", p->steps[from].name, p->stages[p->steps[from].stage].name,
			 fv.v[i].s[0], (int)pl, path);
		if (!(is_host(p, from) || copied) || fv.v[i].s[0] == 'd')
			continue;
		const char *src = copied ? copied : p->steps[from].name;
		if (plan_host_built_ok(p, src)) {
			pv->nknown++;
			buf_addf(&pv->known, "%.*s (%s)\n", (int)pl, path, src);
		} else {
			pv->nhost++;
			buf_addf(&pv->hostbuilt, "%.*s (%s %s)\n", (int)pl, path,
				 copied ? "same bytes as host step" : "from host step", src);
		}
	}
	free(deps.v);
	free(host_shas.v);
	free(fv.v);
}

void provenance_free(struct provenance *pv)
{
	buf_free(&pv->text);
	buf_free(&pv->hostbuilt);
	buf_free(&pv->known);
}

int provenance_write_outputs(const struct trust_build *b, int fin, const struct provenance *pv, const char *outdir)
{
	const struct plan *p = b->p;
	char *stamp = path_join(outdir, "digest");
	struct buf old = {0};
	int r = 0;
	if (!file_read(stamp, &old) && old.len >= 64 && !strncmp(old.s, b->digests[fin], 64))
		goto out;
	char *rootfs = path_join(outdir, "rootfs");
	char *tarp = path_join(outdir, "rootfs.tar");
	char *src = state_store(b->statedir, b->keys[fin], "out");
	char *mf = path_join(outdir, "manifest");
	char *pf = path_join(outdir, "provenance");
	const char *sde = plan_setting(p, "SOURCE_DATE_EPOCH");
	unlink(stamp);
	r = rm_rf(rootfs);
	if (!r)
		r = mkdir_p(outdir, 0755);
	if (!r)
		r = tree_copy(src, rootfs, 0);
	if (!r)
		r = tar_write_tree(rootfs, tarp, sde ? strtoll(sde, NULL, 10) : 0);
	if (!r)
		r = file_write_atomic(mf, b->manifests[fin], strlen(b->manifests[fin]));
	if (!r)
		r = file_write_atomic(pf, pv->text.s, pv->text.len);
	if (!r) {
		char line[66];
		memcpy(line, b->digests[fin], 64);
		line[64] = '\n';
		r = file_write_atomic(stamp, line, 65);
	}
	free(rootfs);
	free(tarp);
	free(src);
	free(mf);
	free(pf);
out:
	buf_free(&old);
	free(stamp);
	return r;
}
