/* Dependency resolution: greedy and deterministic. A dependency already
 * met stays met by what meets it; else the newest package of its name
 * (the first candidate among equals), else the one package that provides
 * it. Conflicts and broken dependents are checked on the final set. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "pkg/pkgsolve.h"
#include "core/util.h"

struct solve {
	const struct pkgdb *db;
	const char *arch;
	const struct pkg_meta *const *cand;
	const unsigned char (*sha)[32];
	size_t ncand;
	struct pkgsolve_pick *p;
	size_t np;
	int flags;
};

static int arch_ok(const struct solve *s, const struct pkg_meta *m)
{
	return !s->arch || !strcmp(m->arch, s->arch) || !strcmp(m->arch, "any");
}

/* Whether installed package i is replaced by a pick of its name. */
static int replaced(const struct solve *s, size_t i)
{
	for (size_t k = 0; k < s->np; k++)
		if (!strcmp(s->cand[s->p[k].cand]->name, s->db->p[i]->meta.name))
			return 1;
	return 0;
}

static int satisfied(const struct solve *s, const struct pkg_dep *d)
{
	for (size_t k = 0; k < s->np; k++)
		if (pkg_meta_satisfies(s->cand[s->p[k].cand], d))
			return 1;
	for (size_t i = 0; i < s->db->n; i++)
		if (!replaced(s, i) && pkg_meta_satisfies(&s->db->p[i]->meta, d))
			return 1;
	return 0;
}

static int newer(const struct pkg_meta *a, const struct pkg_meta *b)
{
	return pkg_evrcmp(a->version, a->release, b->version, b->release) > 0;
}

/* The candidate for d: the newest of its name that matches, else the
 * newest of the one package that provides it. The index, -1 for none,
 * or a negative code below -1 with errf(). */
static long best(const struct solve *s, const struct pkg_dep *d)
{
	long b = -1;
	for (size_t c = 0; c < s->ncand; c++) {
		const struct pkg_meta *m = s->cand[c];
		if (m->name[0] == d->name[0] && pkg_dep_match(d, m->name, m->version, m->release) && arch_ok(s, m) &&
		    (b < 0 || newer(m, s->cand[b])))
			b = (long)c;
	}
	if (b >= 0)
		return b;
	const char *prov = NULL;
	for (size_t c = 0; c < s->ncand; c++) {
		const struct pkg_meta *m = s->cand[c];
		if (!arch_ok(s, m) || !pkg_meta_satisfies(m, d))
			continue;
		if (prov && strcmp(prov, m->name)) {
			struct buf names = {0};
			buf_adds(&names, prov);
			for (size_t k = 0; k < s->ncand; k++)
				if (arch_ok(s, s->cand[k]) && pkg_meta_satisfies(s->cand[k], d) && strcmp(s->cand[k]->name, prov) &&
				    !strstr(names.s, s->cand[k]->name)) {
					buf_adds(&names, ", ");
					buf_adds(&names, s->cand[k]->name);
				}
			int r = errf(-SPROUT_ERR_USAGE, "several packages provide %s: %s; name the one to install", d->name, names.s);
			buf_free(&names);
			return r;
		}
		prov = m->name;
		if (b < 0 || newer(m, s->cand[b]))
			b = (long)c;
	}
	return b;
}

static void pick(struct solve *s, size_t c, int requested, size_t by, size_t dep)
{
	s->p = xrealloc(s->p, (s->np + 1) * sizeof *s->p);
	s->p[s->np].cand = c;
	s->p[s->np].requested = requested;
	s->p[s->np].by = by;
	s->p[s->np].dep = dep;
	s->np++;
}

/* The pick of the package called name, or -1. */
static long picked(const struct solve *s, const char *name)
{
	for (size_t k = 0; k < s->np; k++)
		if (!strcmp(s->cand[s->p[k].cand]->name, name))
			return (long)k;
	return -1;
}

static int missing(const struct solve *s, const struct pkg_meta *m, const struct pkg_dep *d)
{
	struct buf dep = {0}, have = {0};
	pkg_dep_format(d, &dep);
	for (size_t c = 0; c < s->ncand; c++)
		if (!strcmp(s->cand[c]->name, d->name) && arch_ok(s, s->cand[c]))
			buf_addf(&have, "%s %s-%s", have.len ? "," : "; there is only", s->cand[c]->version,
				 s->cand[c]->release);
	int r = errf(-SPROUT_ERR_NOTFOUND, "%s %s-%s needs %s, which no repository provides%s", m->name, m->version, m->release,
		     dep.s, have.len ? have.s : "");
	buf_free(&dep);
	buf_free(&have);
	return r;
}

static int request(struct solve *s, const char *req)
{
	long c;
	if (req[0] == '#') {
		c = atol(req + 1);
		if (!arch_ok(s, s->cand[c]))
			return errf(-SPROUT_ERR_USAGE, "%s is for %s, the root is %s", s->cand[c]->name, s->cand[c]->arch, s->arch);
	} else {
		struct pkg_dep d;
		int r = pkg_dep_parse(req, strlen(req), &d);
		if (r)
			return r;
		c = best(s, &d);
		pkg_dep_free(&d);
		if (c < -1)
			return (int)c;
		if (c < 0) {
			for (size_t k = 0; k < s->ncand; k++)
				if (!strncmp(s->cand[k]->name, req, strcspn(req, "<>=")) &&
				    !s->cand[k]->name[strcspn(req, "<>=")] && !arch_ok(s, s->cand[k]))
					return errf(-SPROUT_ERR_NOTFOUND, "no package %s for %s (there is one for %s)", req, s->arch,
						    s->cand[k]->arch);
			return errf(-SPROUT_ERR_NOTFOUND, "no package %s in the repositories", req);
		}
	}
	const struct pkg_meta *m = s->cand[c];
	int i = pkgdb_find(s->db, m->name);
	if (i >= 0 && !memcmp(s->db->p[i]->sha256, s->sha[c], 32) && !(s->flags & PKGSOLVE_REINSTALL))
		return 0;       /* installed already, the same bytes */
	long k = picked(s, m->name);
	if (k >= 0 && s->p[k].cand == (size_t)c)
		return 0;
	if (k >= 0)
		return errf(-SPROUT_ERR_USAGE, "%s is asked for twice, in two versions", m->name);
	pick(s, (size_t)c, 1, 0, 0);
	return 0;
}

static int check_final(struct solve *s)
{
	/* Dependents that stay keep what they need. */
	for (size_t i = 0; i < s->db->n; i++) {
		const struct pkg_meta *m = &s->db->p[i]->meta;
		if (replaced(s, i))
			continue;
		for (size_t d = 0; d < m->ndepends; d++)
			if (!satisfied(s, &m->depends[d])) {
				struct buf dep = {0};
				pkg_dep_format(&m->depends[d], &dep);
				long k = picked(s, m->depends[d].name);
				int r = errf(-EEXIST, "%s needs %s: installing %s %s-%s would break it", m->name, dep.s,
					     k >= 0 ? s->cand[s->p[k].cand]->name : m->depends[d].name,
					     k >= 0 ? s->cand[s->p[k].cand]->version : "?",
					     k >= 0 ? s->cand[s->p[k].cand]->release : "?");
				buf_free(&dep);
				return r;
			}
	}
	/* No conflicts between a new package and any other. */
	size_t total = s->np + s->db->n;
	for (size_t x = 0; x < total; x++) {
		const struct pkg_meta *a = x < s->np ? s->cand[s->p[x].cand] : &s->db->p[x - s->np]->meta;
		if (!a->nconflicts || (x >= s->np && replaced(s, x - s->np)))
			continue;       /* (most packages conflict with nothing: no pairs to look at) */
		for (size_t y = 0; y < total; y++) {
			const struct pkg_meta *b = y < s->np ? s->cand[s->p[y].cand] : &s->db->p[y - s->np]->meta;
			if (x == y || (x >= s->np && y >= s->np) || (y >= s->np && replaced(s, y - s->np)) ||
			    !strcmp(a->name, b->name))
				continue;
			for (size_t c = 0; c < a->nconflicts; c++)
				if (pkg_meta_satisfies(b, &a->conflicts[c])) {
					struct buf dep = {0};
					pkg_dep_format(&a->conflicts[c], &dep);
					const char *ai = x >= s->np ? " (installed)" : "", *bi = y >= s->np ? " (installed)" : "";
					int r = strcmp(a->conflicts[c].name, b->name)
						? errf(-EEXIST, "%s%s conflicts with %s, which %s%s provides", a->name, ai, dep.s,
						       b->name, bi)
						: errf(-EEXIST, "%s%s conflicts with %s%s", a->name, ai, b->name, bi);
					buf_free(&dep);
					return r;
				}
		}
	}
	return 0;
}

int pkgsolve_install(const struct pkgdb *db, const char *arch, const struct pkg_meta *const *cand,
		     const unsigned char (*cand_sha)[32], size_t ncand, char **req, size_t nreq, int flags,
		     struct pkgsolve_pick **out, size_t *nout)
{
	struct solve s = {db, arch, cand, cand_sha, ncand, NULL, 0, flags};
	int r = 0;
	for (size_t i = 0; i < nreq && !r; i++)
		r = request(&s, req[i]);
	for (size_t k = 0; k < s.np && !r; k++) {
		const struct pkg_meta *m = cand[s.p[k].cand];
		for (size_t d = 0; d < m->ndepends && !r; d++) {
			const struct pkg_dep *dep = &m->depends[d];
			if (satisfied(&s, dep))
				continue;
			long c = best(&s, dep);
			if (c < -1) {
				r = (int)c;
			} else if (c < 0) {
				r = missing(&s, m, dep);
			} else if (picked(&s, cand[c]->name) >= 0) {
				struct buf t = {0};
				pkg_dep_format(dep, &t);
				long o = picked(&s, cand[c]->name);
				r = errf(-EEXIST, "%s needs %s, but %s %s-%s is to be installed", m->name, t.s,
					 cand[s.p[o].cand]->name, cand[s.p[o].cand]->version, cand[s.p[o].cand]->release);
				buf_free(&t);
			} else {
				pick(&s, (size_t)c, 0, k, d);
			}
		}
	}
	if (!r)
		r = check_final(&s);
	if (r) {
		free(s.p);
		return r;
	}
	*out = s.p;
	*nout = s.np;
	return 0;
}

int pkgsolve_remove(const struct pkgdb *db, char **names, size_t n)
{
	int *gone = xcalloc(db->n + 1, sizeof *gone);
	struct buf why = {0};
	int r = 0;
	for (size_t k = 0; k < n; k++) {
		int i = pkgdb_find(db, names[k]);
		if (i < 0) {
			r = errf(-SPROUT_ERR_NOTFOUND, "%s is not installed", names[k]);
			goto out;
		}
		gone[i] = 1;
	}
	for (size_t i = 0; i < db->n; i++) {
		const struct pkg_meta *m = &db->p[i]->meta;
		if (gone[i])
			continue;
		for (size_t d = 0; d < m->ndepends; d++) {
			int met = 0;
			for (size_t j = 0; j < db->n && !met; j++)
				met = !gone[j] && pkg_meta_satisfies(&db->p[j]->meta, &m->depends[d]);
			if (met)
				continue;
			struct buf dep = {0};
			pkg_dep_format(&m->depends[d], &dep);
			buf_addf(&why, "%s%s needs %s", why.len ? ", " : "", m->name, dep.s);
			buf_free(&dep);
			break;
		}
	}
	if (why.len) {
		struct buf list = {0};
		for (size_t k = 0; k < n; k++)
			buf_addf(&list, "%s%s", k ? ", " : "", names[k]);
		r = errf(-EEXIST, "cannot remove %s: %s (remove those too)", list.s, why.s);
		buf_free(&list);
	}
out:
	free(gone);
	buf_free(&why);
	return r;
}
