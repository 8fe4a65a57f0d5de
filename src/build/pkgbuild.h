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

struct pkgbuild_opts {
	enum pkg_comp comp;
	int no_step_key;        /* as pkgbuild_no_step_key */
	const char *plan_ref;   /* the plan as the user named it, for hints; NULL: the plan's name */
	/* Called for each line pkgbuild_step adds to done, with the step's name. */
	void (*note)(void *ud, const char *step, const char *line);
	void *ud;
};

/* Package the steps of plan p built for arch into outdir (made when
 * missing): those named in steps, else (nsteps 0) what the plan's final
 * system is made of, else every step. Every step must be built, and no
 * two may make a package of the same name. 0 or negative code with
 * errf(): SPROUT_ERR_NOTFOUND for a step the plan has not, SPROUT_ERR_USAGE for two
 * steps of one name, -ENOENT for a step not built. */
int pkgbuild_plan(const char *statedir, const struct plan *p, const char *arch, char **steps, size_t nsteps,
		  const char *outdir, const struct pkgbuild_opts *o);

/* Write a package of the tree at dir with metadata m (its build-digest is
 * the tree's manifest digest) to the file out. 0 or negative code. */
int pkgbuild_tree(const char *dir, struct pkg_meta *m, enum pkg_comp comp, const char *out);

#endif
