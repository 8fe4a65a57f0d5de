#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "build/state.h"
#include "cli/cmd.h"
#include "core/err.h"
#include "core/util.h"

int cmd_clean(struct ctx *c, int argc, char **argv)
{
	int all = 0, distfiles = 0;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--all"))
			all = 1;
		else if (!strcmp(argv[i], "--distfiles"))
			distfiles = 1;
		else {
			cmd_err("clean: unexpected '%s' (usage: sprout clean [--all] [--distfiles])", argv[i]);
			return CMD_EXIT_USAGE;
		}
	}
	const char *dirs[] = {"build", "logs", "tmp", all ? "store" : NULL, all ? "last" : NULL,
			      all ? "old-records" : NULL, distfiles ? "distfiles" : NULL};
	int rc = CMD_EXIT_OK;
	for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++) {
		if (!dirs[i])
			continue;
		char *d = state_path(c->statedir, dirs[i]);
		int r = rm_rf(d);
		if (r) {
			cmd_err("clean: %s: %s", d, err_str(r));
			rc = CMD_EXIT_FAIL;
		}
		free(d);
	}
	if (!c->quiet && rc == CMD_EXIT_OK)
		printf("clean: removed build trees, logs and temporary files%s%s from %s\n",
		       all ? ", the store" : "", distfiles ? ", the distfiles" : "", c->statedir);
	return rc;
}
