/* The package solver (pkg/pkgsolve.h, docs/package.md "Resolving"): the
 * newest candidate, dependencies met by what is installed or picked, a
 * provider, conflicts, what an installed package needs, reinstalling. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/util.h"
#include "pkg/pkgdb.h"
#include "pkg/pkgsolve.h"
#include "tap.h"

/* A package's metadata from "NAME VERSION [d:DEP] [p:PROV] [c:CONFLICT]". */
static struct pkg_meta meta(const char *spec)
{
	struct pkg_meta m;
	char *s = xstrdup(spec), *save = NULL;
	memset(&m, 0, sizeof m);
	m.name = xstrdup(strtok_r(s, " ", &save));
	m.version = xstrdup(strtok_r(NULL, " ", &save));
	m.release = xstrdup("1");
	m.arch = xstrdup("x86_64");
	m.license = xstrdup("MIT");
	m.build_digest = xstrdup("0000000000000000000000000000000000000000000000000000000000000000");
	for (char *w; (w = strtok_r(NULL, " ", &save));) {
		struct pkg_dep **v = w[0] == 'd' ? &m.depends : w[0] == 'p' ? &m.provides : &m.conflicts;
		size_t *n = w[0] == 'd' ? &m.ndepends : w[0] == 'p' ? &m.nprovides : &m.nconflicts;
		*v = xrealloc(*v, (*n + 1) * sizeof **v);
		pkg_dep_parse(w + 2, strlen(w + 2), &(*v)[(*n)++]);
	}
	free(s);
	return m;
}

static struct pkg_meta cm[8];
static const struct pkg_meta *cp[8];
static unsigned char sha[8][32];
static size_t nc;

static void cand(const char *spec)
{
	cm[nc] = meta(spec);
	cp[nc] = &cm[nc];
	memset(sha[nc], (int)nc + 1, 32);
	nc++;
}

/* Installed: candidate c's package, as the db has it. */
static void install(struct pkgdb *db, size_t c)
{
	struct buf t = {0};
	struct pkgdb_pkg *p;
	pkg_meta_format(&cm[c], &t);
	const char *man = "sprout-manifest 1\n";
	if (pkgdb_pkg_new(t.s, t.len, man, strlen(man), sha[c], &p) == 0)
		pkgdb_add(db, p);
	buf_free(&t);
}

static int solve(const struct pkgdb *db, const char *req, int flags, struct pkgsolve_pick **p, size_t *n)
{
	char *r = xstrdup(req);
	err_clear();
	int e = pkgsolve_install(db, "x86_64", cp, (const unsigned char(*)[32])sha, nc, &r, 1, flags, p, n);
	free(r);
	return e;
}

int main(void)
{
	struct pkgdb db;
	struct pkgsolve_pick *p = NULL;
	size_t n = 0;
	memset(&db, 0, sizeof db);
	cand("libc 1.0");
	cand("libc 1.2");
	cand("tcc 0.9 d:libc>=1.1 p:cc=0.9");
	cand("gcc 12 d:libc p:cc=12 c:tcc");
	cand("app 1 d:cc");
	cand("old 1 d:libc<1.0");
	ok(solve(&db, "tcc", 0, &p, &n) == 0 && n == 2 && p[0].cand == 2 && p[0].requested && p[1].cand == 1 &&
		   !p[1].requested && p[1].by == 0,
	   "tcc and the newest libc that meets libc>=1.1, needed by it");
	free(p);
	ok(solve(&db, "libc<1.2", 0, &p, &n) == 0 && n == 1 && p[0].cand == 0, "an atom picks the newest that matches");
	free(p);
	int e = solve(&db, "app", 0, &p, &n);
	ok(e == -SPROUT_ERR_USAGE && strstr(err_msg(e), "several packages provide cc"),
	   "a dependency two packages provide: the user must choose (%s)", err_msg(e));
	ok(solve(&db, "old", 0, &p, &n) == -SPROUT_ERR_NOTFOUND && strstr(err_msg(-1), "needs libc<1.0"),
	   "a dependency nothing meets, named (%s)", err_msg(-1));
	ok(solve(&db, "nosuch", 0, &p, &n) == -SPROUT_ERR_NOTFOUND, "an unknown package");
	install(&db, 1);
	install(&db, 2);
	ok(solve(&db, "tcc", 0, &p, &n) == 0 && n == 0, "installed with the same bytes: nothing to do");
	free(p);
	ok(solve(&db, "tcc", PKGSOLVE_REINSTALL, &p, &n) == 0 && n == 1 && p[0].cand == 2, "  ... unless reinstalling");
	free(p);
	ok(solve(&db, "app", 0, &p, &n) == 0 && n == 1 && p[0].cand == 4, "a dependency met by an installed provider");
	free(p);
	e = solve(&db, "gcc", 0, &p, &n);
	ok(e == -EEXIST && strstr(err_msg(e), "conflicts"), "a conflict with an installed package (%s)", err_msg(e));
	ok(solve(&db, "libc=1.0", 0, &p, &n) == -EEXIST && strstr(err_msg(-EEXIST), "tcc needs libc>=1.1"),
	   "replacing what an installed package needs breaks it: refused (%s)", err_msg(-EEXIST));
	char *rm[] = {"libc"};
	ok(pkgsolve_remove(&db, rm, 1) == -EEXIST, "removing libc while tcc needs it: refused");
	char *rm2[] = {"libc", "tcc"};
	ok(pkgsolve_remove(&db, rm2, 2) == 0, "  ... with tcc too: allowed");
	pkgdb_free(&db);
	for (size_t i = 0; i < nc; i++)
		pkg_meta_free(&cm[i]);
	return tap_done();
}
