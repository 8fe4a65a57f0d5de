#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "engine.h"
#include "err.h"
#include "plan.h"
#include "util.h"

int cmd_fetch(struct ctx *c, int argc, char **argv)
{
	const char *plan_arg = NULL;
	int offline = 0;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--offline"))
			offline = 1;
		else if (argv[i][0] == '-') {
			cmd_err("fetch: unknown option '%s'", argv[i]);
			return EXIT_USAGE;
		} else if (!plan_arg)
			plan_arg = argv[i];
		else {
			cmd_err("fetch: one plan at a time ('%s' is extra)", argv[i]);
			return EXIT_USAGE;
		}
	}
	if (!plan_arg) {
		cmd_err("fetch: which plan? (usage: sprout fetch PLAN)");
		return EXIT_USAGE;
	}
	struct plan *p;
	const char *arch;
	int rc = cmd_load_plan(c, plan_arg, &p, &arch);
	if (rc)
		return rc;
	struct engine e;
	engine_init(&e, p, arch, c->statedir);
	cmd_engine_setup(c, &e);
	size_t n = 0, had = 0;
	char *distdir = cmd_distdir(c);
	for (size_t i = 0; i < p->nrecipes; i++)
		for (size_t k = 0; k < p->recipes[i]->nsources; k++) {
			char *f = path_join(distdir, p->recipes[i]->sources[k].file);
			had += path_exists(f);
			n++;
			free(f);
		}
	free(distdir);
	err_clear();
	int r = engine_fetch(&e, 1, offline);
	if (r) {
		cmd_err("fetch: %s", err_msg(r));
		rc = cmd_exit_for(r);
	} else if (!c->quiet) {
		printf("fetch: %zu sources of plan %s verified: %zu were in the store, %zu fetched\n", n, p->name, had,
		       n - had);
	}
	engine_free(&e);
	plan_free(p);
	return rc;
}
