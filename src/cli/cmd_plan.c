#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "build/cache.h"
#include "cli/cmd.h"
#include "build/engine.h"
#include "core/err.h"
#include "build/plan.h"
#include "core/json.h"

int cmd_plan(struct ctx *c, int argc, char **argv)
{
	const char *why = NULL;
	const struct cmd_opt opts[] = {{"--why", NULL, &why}, {NULL, NULL, NULL}};
	struct plan *p;
	const char *arch;
	int rc = cmd_open_plan(c, argc, argv, opts, "PLAN [--why STEP]", NULL, NULL, &p, &arch);
	if (rc)
		return rc;
	struct engine e;
	engine_init(&e, p, arch, c->statedir);
	int only = -1;
	if (why) {
		only = plan_step_index(p, why);
		if (only < 0) {
			cmd_unknown_step("plan", p, why);
			engine_free(&e);
			plan_free(p);
			return CMD_EXIT_PARSE;
		}
	}
	/* engine_init knows every key the store lets it know: a step is cached
	 * when its output is there (its digest is known). */
	size_t cached = 0;
	for (size_t i = 0; i < p->nsteps; i++)
		cached += e.digests[i][0] != 0;
	struct buf jb = {0};
	struct json j;
	json_init(&j, &jb);
	if (c->json) {
		json_object_begin(&j, NULL);
		json_string(&j, "plan", p->name);
		json_string(&j, "arch", arch);
		json_int(&j, "total", (long long)p->nsteps);
		json_int(&j, "cached", (long long)cached);
		json_int(&j, "to_build", (long long)(p->nsteps - cached));
		json_array_begin(&j, "steps");
	} else if (only < 0) {
		printf("plan %s for %s: %zu step%s, %zu cached, %zu to build\n", p->name, arch, p->nsteps,
		       p->nsteps == 1 ? "" : "s", cached, p->nsteps - cached);
	}
	size_t w = 4;
	for (size_t i = 0; i < p->nsteps; i++)
		if (strlen(p->steps[i].name) > w)
			w = strlen(p->steps[i].name);
	for (size_t k = 0; k < p->nsteps; k++) {
		int i = p->order[k];
		if (only >= 0 && i != only)
			continue;
		const struct step *s = &p->steps[i];
		struct buf reason = {0};
		int is_cached = e.digests[i][0] != 0;
		if (is_cached)
			buf_addf(&reason, "digest %.12s", e.digests[i]);
		else
			cache_why(c->statedir, arch, p, i, e.digests, &reason);
		if (c->json) {
			json_object_begin(&j, NULL);
			json_string(&j, "name", s->name);
			json_string(&j, "stage", p->stages[s->stage].name);
			json_string(&j, "state", is_cached ? "cached" : "build");
			json_string(&j, "digest", is_cached ? e.digests[i] : NULL);
			json_string(&j, "reason", is_cached ? NULL : reason.s);
			json_string(&j, "key", e.keys[i][0] ? e.keys[i] : NULL);
			json_array_begin(&j, "needs");
			for (size_t d = 0; d < s->ndeps; d++)
				json_string(&j, NULL, p->steps[s->deps[d]].name);
			json_array_end(&j);
			json_object_end(&j);
			buf_free(&reason);
			continue;
		}
		printf("  %-8s %-*s  %-6s  %s\n", p->stages[s->stage].name, (int)w, s->name,
		       is_cached ? "cached" : "build", reason.s);
		if (c->verbose) {
			printf("           key %s\n", e.keys[i][0] ? e.keys[i] : "(not known until its dependencies are built)");
			for (size_t d = 0; d < s->ndeps; d++)
				printf("           needs %s\n", p->steps[s->deps[d]].name);
		}
		buf_free(&reason);
	}
	if (c->json) {
		json_array_end(&j);
		json_object_end(&j);
		cmd_json_print(&jb);
	}
	engine_free(&e);
	plan_free(p);
	return CMD_EXIT_OK;
}
