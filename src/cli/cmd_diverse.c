/* sprout verify --diverse: David A. Wheeler's diverse double-compiling
 * (docs/trust.md). The plan is built twice in the normal state directory,
 * with --set CC=A and --set CC=B; CC is part of every key, so the two
 * builds live side by side in the store and a second run reuses them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "build/cache.h"
#include "cli/cmd.h"
#include "build/engine.h"
#include "core/err.h"
#include "fetch/fetch.h"
#include "build/manifest.h"
#include "build/plan.h"
#include "core/util.h"

static int is_host_stage(const struct plan *p, int i)
{
	return !strcmp(p->stages[p->steps[i].stage].name, "host");
}

int cmd_verify_diverse(struct ctx *c, const char *plan_arg, char **steps, int nsteps, const char *compilers)
{
	char *cc[2] = {NULL, NULL};
	struct plan *p[2] = {NULL, NULL};
	char (*keys[2])[65] = {NULL, NULL};
	struct cmd_out *outs[2] = {NULL, NULL};
	const char *arch = NULL;
	char *cmp = NULL;
	struct strv names = {0};
	int rc = CMD_EXIT_OK;
	const char *comma = strchr(compilers, ',');
	if (!comma || comma == compilers || !comma[1] || strchr(comma + 1, ',')) {
		cmd_err("verify: --compilers: expected two compilers, as A,B (got '%s')", compilers);
		return CMD_EXIT_USAGE;
	}
	cc[0] = xstrndup(compilers, (size_t)(comma - compilers));
	cc[1] = xstrdup(comma + 1);
	if (!strcmp(cc[0], cc[1])) {
		cmd_err("verify: --diverse needs two different compilers (got %s twice)", cc[0]);
		rc = CMD_EXIT_USAGE;
		goto out;
	}
	for (int k = 0; k < 2; k++) {
		char *t = cc[k][0] == '/' ? xstrdup(cc[k]) : fetch_tool_find(cc[k]);
		if (!t || access(t, X_OK) < 0) {
			cmd_err("verify: --diverse: no compiler '%s' on this host (install it, or choose two with "
				"--compilers A,B)", cc[k]);
			free(t);
			rc = CMD_EXIT_FAIL;
			goto out;
		}
		free(t);
	}
	for (int k = 0; k < 2; k++) {
		rc = cmd_load_plan(c, plan_arg, &p[k], &arch);
		if (rc)
			goto out;
		plan_override(p[k], "CC", cc[k]);
	}
	size_t n = p[0]->nsteps;
	cmp = xcalloc(n, 1);
	for (int i = 0; i < nsteps; i++) {
		int s = plan_step_index(p[0], steps[i]);
		if (s < 0) {
			cmd_err("verify: plan '%s' has no step '%s'", p[0]->name, steps[i]);
			rc = CMD_EXIT_PARSE;
			goto out;
		}
		cmp[s] = 1;
	}
	if (!nsteps)
		for (size_t i = 0; i < n; i++)
			cmp[i] = !is_host_stage(p[0], (int)i);
	for (size_t i = 0; i < n; i++)
		if (cmp[i])
			strv_add(&names, p[0]->steps[i].name);
	if (!names.n) {
		cmd_err("verify: --diverse: plan '%s' has no step after its host stage; name the steps to compare",
			p[0]->name);
		rc = CMD_EXIT_USAGE;
		goto out;
	}
	for (int k = 0; k < 2; k++) {
		struct build_stats st;
		printf("verify --diverse: building %s with CC=%s in the host stages\n", p[k]->name, cc[k]);
		err_clear();
		int r = cmd_build_plan(c, p[k], arch, plan_arg, names.v, (int)names.n, &st);
		if (r) {
			if (r != -SPROUT_ERR_BUILD)
				cmd_err("verify: %s", err_msg(r));
			cmd_err("verify: --diverse: the build with CC=%s failed", cc[k]);
			rc = cmd_exit_for(r);
			goto out;
		}
		printf("verify --diverse: CC=%s: %zu built, %zu cached\n", cc[k], st.built, st.cached);
		keys[k] = xcalloc(n, sizeof *keys[k]);
		cache_keys(p[k], arch, keys[k], NULL);
		outs[k] = xcalloc(n, sizeof *outs[k]);
	}
	/* Every step the compared ones need, and the compared ones. */
	struct engine e;
	engine_init(&e, p[0], arch, c->statedir);
	engine_select(&e, names.v, (int)names.n);
	for (size_t i = 0; i < n; i++)
		if (e.want[i])
			for (int k = 0; k < 2; k++)
				cmd_read_out(c->statedir, keys[k][i], &outs[k][i]);
	int nw = 4;
	for (size_t i = 0; i < n; i++)
		if (e.want[i] && (int)strlen(p[0]->steps[i].name) > nw)
			nw = (int)strlen(p[0]->steps[i].name);
	printf("\ndiverse double-compiling of %s for %s: the host stages built once with %s, once with %s\n",
	       p[0]->name, arch, cc[0], cc[1]);
	printf("  %-*s  %-8s  %-12s  %-12s  %s\n", nw, "step", "stage", cc[0], cc[1], "result");
	int host_differs = 0, nhost = 0, same = 0, differ = 0;
	for (size_t o = 0; o < n; o++) {
		int i = p[0]->order[o];
		if (!e.want[i])
			continue;
		int eq = !strcmp(outs[0][i].digest, outs[1][i].digest);
		const char *verdict;
		if (cmp[i]) {
			verdict = eq ? "identical" : "DIFFERENT";
			if (eq)
				same++;
			else
				differ++;
		} else {
			verdict = eq ? "same (not compared)" : "differ (not compared)";
			if (is_host_stage(p[0], i)) {
				nhost++;
				host_differs += !eq;
			}
		}
		printf("  %-*s  %-8s  %.12s  %.12s  %s\n", nw, p[0]->steps[i].name, p[0]->stages[p[0]->steps[i].stage].name,
		       outs[0][i].digest, outs[1][i].digest, verdict);
	}
	for (size_t i = 0; i < n; i++)
		if (cmp[i] && strcmp(outs[0][i].digest, outs[1][i].digest) && outs[0][i].manifest && outs[1][i].manifest) {
			struct buf d = {0};
			manifest_diff(outs[0][i].manifest, outs[1][i].manifest, &d);
			printf("  %s: files that differ (- only with %s, + only with %s, ~ changed):\n", p[0]->steps[i].name,
			       cc[0], cc[1]);
			int shown = 0;
			for (const char *l = d.s; l && *l && shown < 20; shown++) {
				const char *le = strchr(l, '\n');
				printf("      %.*s\n", (int)(le ? le - l : (long)strlen(l)), l);
				l = le ? le + 1 : NULL;
			}
			buf_free(&d);
		}
	printf("\n");
	if (differ) {
		printf("verdict: FAILED: %d of %d compared step%s differ depending on the compiler of the host stages\n",
		       differ, differ + same, differ + same == 1 ? "" : "s");
		rc = CMD_EXIT_FAIL;
	} else if (nhost && !host_differs) {
		printf("verdict: INCONCLUSIVE: every host-stage step gave the same bytes with %s and %s, so their builds "
		       "did not use $CC and this compared one compiler with itself\n", cc[0], cc[1]);
		rc = CMD_EXIT_FAIL;
	} else {
		printf("verdict: PASSED: %s %d compared step%s %s bit-identical whether %s or %s built the host stages\n",
		       same == 1 ? "the" : "all", same, same == 1 ? "" : "s", same == 1 ? "is" : "are", cc[0], cc[1]);
		rc = CMD_EXIT_OK;
	}
	int cw = (int)(strlen(cc[0]) > strlen(cc[1]) ? strlen(cc[0]) : strlen(cc[1]));
	for (size_t i = 0; i < n; i++)
		if (cmp[i])
			printf("  %-*s  %-*s %s%s\n  %-*s  %-*s %s\n", nw, p[0]->steps[i].name, cw, cc[0], outs[0][i].digest,
			       p[0]->final && !strcmp(p[0]->final, p[0]->steps[i].name) ? "  (the final rootfs)" : "", nw, "",
			       cw, cc[1], outs[1][i].digest);
	engine_free(&e);
out:
	for (int k = 0; k < 2; k++) {
		if (outs[k])
			cmd_free_outs(outs[k], p[0]->nsteps);
		free(keys[k]);
		plan_free(p[k]);
		free(cc[k]);
	}
	free(cmp);
	strv_free(&names);
	return rc;
}
