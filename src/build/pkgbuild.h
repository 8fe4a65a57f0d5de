#ifndef SPROUT_PKGBUILD_H
#define SPROUT_PKGBUILD_H

#include "pkg/pkgfile.h"
#include "build/plan.h"
#include "core/util.h"

/* Packages from step outputs in the store (docs/package.md, "Building"). */

/* Write the packages of step i of plan p (built for arch, its output in
 * the store under key) into outdir: the package called name with the
 * recipe's metadata and package block, and one NAME-SUFFIX per subpackage
 * the recipe declares (empty ones are left out). Appends a line per
 * package written to done ("FILE"), and per subpackage left out
 * ("NAME-SUFFIX: nothing matched"). 0 or negative code with errf(). */
int pkgbuild_step(const char *statedir, const struct plan *p, int i, const char *arch, const char *key,
		  const char *name, enum pkg_comp comp, const char *outdir, struct buf *done);
/* Leave the step-key out of the packages pkgbuild_step writes (pkg build
 * --no-step-key): set for packages that must come out the same whatever
 * built them, like the stage-4 rebootstrap's. */
extern int pkgbuild_no_step_key;

/* Write a package of the tree at dir with metadata m (its build-digest is
 * the tree's manifest digest) to the file out. 0 or negative code. */
int pkgbuild_tree(const char *dir, struct pkg_meta *m, enum pkg_comp comp, const char *out);

#endif
