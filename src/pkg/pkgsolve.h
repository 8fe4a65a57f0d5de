#ifndef SPROUT_PKGSOLVE_H
#define SPROUT_PKGSOLVE_H

#include <stddef.h>

#include "pkg/pkg.h"
#include "pkg/pkgdb.h"

/* Which packages an install needs, and whether a removal may happen
 * (docs/package.md, "Resolving"). */

struct pkgsolve_pick {
	size_t cand;            /* index into the candidates */
	int requested;          /* named on the command line, else needed */
	size_t by;              /* when needed: the pick (index into picks) that needs it */
	size_t dep;             /* ... and which of its depends */
};

/* Pick what installing the requests (dependency atoms: NAME, NAME>=1.2;
 * or "#N" for candidate N itself, a package file named on the command
 * line) needs, from the candidates (in order of preference: the first of
 * equal versions wins) for a root whose packages are db and whose arch is
 * arch. A request already met by the installed package of the same bytes
 * is left out. Each dependency is met by an installed package, a pick,
 * or the newest candidate of that name (or the only package providing
 * it). SPROUT_ERR_NOTFOUND when nothing provides a dependency, -EEXIST for a
 * conflict, SPROUT_ERR_USAGE when several packages provide a name; errf() says
 * which and why. *out is the caller's (free). */
enum { PKGSOLVE_REINSTALL = 1 };         /* a request met by the same bytes is picked all the same */
int pkgsolve_install(const struct pkgdb *db, const char *arch, const struct pkg_meta *const *cand,
		     const unsigned char (*cand_sha)[32], size_t ncand, char **req, size_t nreq, int flags,
		     struct pkgsolve_pick **out, size_t *nout);

/* Whether the installed packages named may go: every package staying
 * must keep its dependencies. SPROUT_ERR_NOTFOUND for a name not installed,
 * -EEXIST naming the packages that need one (remove them too). */
int pkgsolve_remove(const struct pkgdb *db, char **names, size_t n);

#endif
