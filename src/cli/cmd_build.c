/* sprout build PLAN [STEP...]: build a plan's steps (all, or the named
 * ones and what they need) with build's display (cli/display.c). */
#include <stdio.h>
#include <stdlib.h>

#include "build/cache.h"
#include "build/plan.h"
#include "cli/cmd.h"
#include "cli/display.h"
#include "core/err.h"
#include "core/util.h"

/* "N interrupted, " for the totals, when a step was. */
static const char *interrupted_count(const struct build_stats *st)
{
	static char s[40];
	s[0] = 0;
	if (st->interrupted)
		snprintf(s, sizeof s, "%zu interrupted, ", st->interrupted);
	return s;
}

int cmd_build(struct ctx *c, int argc, char **argv)
{
	const char *plan_arg;
	struct strv steps = {0};
	struct plan *p;
	const char *arch;
	int rc = cmd_open_plan(c, argc, argv, NULL, "PLAN [STEP...]", &steps, &plan_arg, &p, &arch);
	if (rc)
		return rc;
	for (size_t i = 0; i < steps.n; i++) {
		if (plan_step_index(p, steps.v[i]) < 0) {
			cmd_unknown_step("build", p, steps.v[i]);
			plan_free(p);
			strv_free(&steps);
			return CMD_EXIT_PARSE;
		}
	}
	double t0 = now_sec();
	struct build_stats st;
	int r = display_build(c, p, arch, plan_arg, steps.v, (int)steps.n, &st);
	if (r && r != -SPROUT_ERR_BUILD)
		cmd_err("build: %s", err_msg(r));
	if (!c->quiet && !c->json && (!r || r == -SPROUT_ERR_BUILD || r == -SPROUT_ERR_INTERRUPTED))
		printf("%s: %zu built, %zu cached, %zu failed, %s%zu not started; %.2fs\n", p->name, st.built, st.cached,
		       st.failed, interrupted_count(&st), st.skipped, now_sec() - t0);
	/* Where the final step's output is (sprout path prints it too). */
	int fin = p->final ? plan_step_index(p, p->final) : -1;
	char *out;
	if (!c->quiet && !c->json && !r && fin >= 0 && !cache_output(p, arch, c->statedir, fin, &out)) {
		printf("output of %s: %s\n", p->final, out);
		free(out);
	}
	rc = cmd_exit_for(r);
	plan_free(p);
	strv_free(&steps);
	return rc;
}
