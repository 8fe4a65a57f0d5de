#ifndef SPROUT_PLAN_H
#define SPROUT_PLAN_H

#include <stddef.h>

#include "build/recipe.h"
#include "core/strmap.h"
#include "sandbox/run.h"

/* A plan (docs/plans.md) with its recipes loaded and its step graph
 * resolved: every dependency is a step index, the order is topological. */

struct setting {
	char *key, *value;
	char *stage;            /* NULL: every step; else only the steps of the
	                         * stage of this name (plan_override_stage) */
};

struct stage {
	char *name;             /* host, cross, native or packages */
	enum run_mode mode;
	int rootfs;             /* step index of the root tree, or -1 */
	char *rootfs_name;      /* as written in the plan, or NULL */
	int line;
};

struct use {
	char *recipe, *step;
};

/* alias NAME RECIPE: a dependency on NAME resolves as one on RECIPE. */
struct alias {
	char *name, *recipe;
	int line, col, recipe_col; /* of NAME and RECIPE in the plan */
};

/* fixpoint-exclude GLOB REASON...: paths of the fixpoint steps' outputs
 * that may differ between them (a file that records the compiler that
 * built it), and why. */
struct fixpoint_exclude {
	char *glob;             /* as for audit rules: * ? **, a directory covers all beneath */
	char *reason;
	int line;
};

struct step {
	char *name;
	char *recipe_name;
	char *build_name;
	int stage;              /* index into plan->stages */
	int line, col;          /* of the step's name in the plan */
	struct use *uses;
	size_t nuses;
	char **after;           /* explicit extra dependencies (step names) */
	size_t nafter;
	char **only;            /* only=: the arches the step exists for (none: all) */
	size_t nonly;
	int ondemand;           /* ondemand=yes: built only when named or needed (not by a whole-plan run) */
	struct recipe *recipe;  /* shared between steps of one recipe */
	const struct build *build;
	int *deps;              /* step indices, sorted, no duplicates */
	size_t ndeps;
};

struct plan {
	char *path;             /* the plan file */
	char *dir;
	char *name, *description;
	char **arches;
	size_t narches;
	char *default_arch;     /* "host" or an arch */
	struct setting *sets;   /* in file order */
	size_t nsets;
	struct alias *aliases;  /* in file order */
	size_t naliases;
	char **recipe_dirs;     /* absolute or relative to the cwd */
	size_t nrecipe_dirs;
	struct stage *stages;
	size_t nstages;
	struct step *steps;     /* in plan order */
	size_t nsteps;
	int *order;             /* topological order of step indices */
	char *fixpoint[2];      /* two steps whose outputs must be identical, or NULL */
	char *fixpoint_gone;    /* the plan's fixpoint steps, "A and B", when they are
				 * left out for this arch (only=): fixpoint is NULL then */
	char **absent;          /* steps left out for this arch (only=) */
	size_t nabsent;
	struct fixpoint_exclude *fixpoint_excl; /* in plan order: what the comparison leaves out */
	size_t nfixpoint_excl;
	char *final;            /* the step whose output is the final rootfs, or NULL */
	char **host_built;      /* host-built ARCH STEP...: for this plan's arch, the steps
				 * whose host-built files may stay in the final rootfs */
	size_t nhost_built;
	char **cross_tools;     /* cross-tools TOOL...: what the host stage needs on the host when
				 * the arch is not the host's ($ARCH in a name is the arch) */
	size_t ncross_tools;
	const char *arch;       /* the arch the plan was loaded for (one of arches) */
	char *smoke;            /* the step that tests the final rootfs, or NULL */
	int check_line[3];      /* lines of fixpoint, final, smoke */
	struct recipe **recipes;/* loaded recipes, owned */
	size_t nrecipes;
	struct strmap steps_by_name;    /* step name -> index */
	struct strmap recipes_by_name;  /* recipe name -> index in recipes */
};

/* Find the plan named by arg: a directory holding a file "plan", a plan
 * file, or a name under "plans/". Caller frees the returned path, or NULL. */
char *plan_find(const char *arg);

/* sprout's own source tree around plan p (p's directory is TOP/plans/NAME:
 * TOP holds src/cli/main.c and a Makefile), or NULL when it is not there.
 * Stage 4 and VM mode carry that tree into the system they build. Caller
 * frees. */
char *plan_source_top(const struct plan *p);
/* Copy what building and running sprout needs of the source tree top
 * (src, mk, recipes, plans, the Makefile) into dst. 0 or negative code
 * (errf names the file). */
int plan_source_copy(const char *top, const char *dst);
/* Hard-link (or copy) every source of every step of p from the distfiles
 * store dd into the directory dst (made); one there already is kept. 0 or
 * negative code (errf names the file). */
int plan_sources_link(const struct plan *p, const char *dd, const char *dst);

/* Parse the plan file for arch (NULL: the plan's default; see plan_arch),
 * keep the steps that exist for it (only=), load their recipes and resolve
 * the graph. SPROUT_ERR_PARSE with "path:line:col: message", SPROUT_ERR_CYCLE with the
 * cycle's path, SPROUT_ERR_NOTFOUND for a missing recipe, SPROUT_ERR_USAGE for an arch
 * the plan does not support. *out is freed with plan_free. */
int plan_load(const char *path, const char *arch, struct plan **out);
void plan_free(struct plan *p);

/* The arch a run uses: requested when given (it must be one of the plan's),
 * else the plan's default. Static or plan storage; NULL with errf() set
 * when the arch is not supported. */
const char *plan_arch(const struct plan *p, const char *requested);

/* The step called name, or -1. */
int plan_step_index(const struct plan *p, const char *name);

/* Whether the plan lets host-built files of step stay in the final rootfs
 * on its arch (host-built ARCH STEP...): a known gap, reported, not fatal. */
int plan_host_built_ok(const struct plan *p, const char *step);

/* The alias called name (alias NAME RECIPE), or NULL. */
const struct alias *plan_alias(const struct plan *p, const char *name);

/* Whether step is one of the plan's, left out for this arch (only=). */
int plan_absent(const struct plan *p, const char *step);

/* A plan setting's value, or NULL. */
const char *plan_setting(const struct plan *p, const char *key);

/* Set key to value as if the plan said 'set KEY VALUE' (replacing its own
 * value): the global option --set. SPROUT_ERR_USAGE (errf says why) for a bad or
 * reserved name or an empty value. */
int plan_override(struct plan *p, const char *key, const char *value);

/* Set key to value for the steps of stage `stage` alone (verify --diverse's
 * legs: the host stage's compiler); the other stages keep what the plan
 * says, or lack the setting. Not part of any other step's key or
 * environment. Errors as plan_override's, and SPROUT_ERR_NOTFOUND for a
 * stage the plan does not have. */
int plan_override_stage(struct plan *p, const char *key, const char *value, const char *stage);

/* The settings step i sees (in its key and its environment), in plan
 * order: every setting for all stages, except where one for the step's
 * own stage replaces it. out has room for p->nsets; gives how many. */
size_t plan_step_sets(const struct plan *p, int i, const struct setting **out);

#endif
