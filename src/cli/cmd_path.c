/* sprout path PLAN [STEP]: where a step's output is in the store. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "build/cache.h"
#include "build/plan.h"
#include "build/state.h"
#include "cli/cmd.h"
#include "core/err.h"
#include "core/util.h"

int cmd_path(struct ctx *c, int argc, char **argv)
{
	const char *plan_arg;
	struct strv steps = {0};
	struct plan *p;
	const char *arch;
	int rc = cmd_open_plan(c, argc, argv, NULL, "PLAN [STEP]", &steps, &plan_arg, &p, &arch);
	if (rc)
		return rc;
	int i = -1;
	if (steps.n > 1) {
		cmd_err("path: one step at a time ('%s' is extra)", steps.v[1]);
		rc = CMD_EXIT_USAGE;
		goto out;
	}
	/* The final step by default: the plan's 'final', else the last to build. */
	const char *name = steps.n ? steps.v[0] : p->final;
	i = name ? plan_step_index(p, name) : p->order[p->nsteps - 1];
	if (i < 0) {
		cmd_err("path: plan '%s' has no step '%s'", p->name, name);
		rc = CMD_EXIT_PARSE;
		goto out;
	}
	char *path;
	if (cache_output(p, arch, c->statedir, i, &path)) {
		cmd_err("path: step '%s' of plan %s is not built for %s: run 'sprout build %s%s%s' first",
			p->steps[i].name, p->name, arch, plan_arg, steps.n ? " " : "", steps.n ? steps.v[0] : "");
		rc = CMD_EXIT_FAIL;
		goto out;
	}
	printf("%s\n", path);
	free(path);
out:
	strv_free(&steps);
	plan_free(p);
	return rc;
}
