#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "build/session.h"
#include "cli/cmd.h"
#include "build/engine.h"
#include "core/err.h"
#include "build/plan.h"
#include "core/util.h"

int cmd_fetch(struct ctx *c, int argc, char **argv)
{
	int offline = 0;
	struct plan *p;
	const char *arch;
	int rc = cmd_open_plan_offline(c, argc, argv, &offline, &p, &arch);
	if (rc)
		return rc;
	struct session ss = cmd_session(c);
	size_t n = 0, had = 0;
	char *distdir = session_distdir(&ss);
	for (size_t i = 0; i < p->nrecipes; i++)
		for (size_t k = 0; k < p->recipes[i]->nsources; k++) {
			char *f = path_join(distdir, p->recipes[i]->sources[k].file);
			had += path_exists(f);
			n++;
			free(f);
		}
	free(distdir);
	err_clear();
	int r = session_fetch_all(&ss, p, arch, offline);
	if (r) {
		cmd_err("fetch: %s", err_msg(r));
		rc = cmd_exit_for(r);
	} else if (!c->quiet) {
		printf("fetch: %zu sources of plan %s verified: %zu were in the store, %zu fetched\n", n, p->name, had,
		       n - had);
	}
	plan_free(p);
	return rc;
}
