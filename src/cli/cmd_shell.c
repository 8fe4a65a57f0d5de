#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "cli/cmd.h"
#include "build/engine.h"
#include "core/err.h"
#include "build/plan.h"
#include "sandbox/run.h"
#include "core/util.h"

int cmd_shell(struct ctx *c, int argc, char **argv)
{
	if (argc != 3) {
		cmd_err("shell: usage: sprout shell PLAN STEP");
		return CMD_EXIT_USAGE;
	}
	struct plan *p;
	const char *arch;
	int rc = cmd_load_plan(c, argv[1], &p, &arch);
	if (rc)
		return rc;
	int i = plan_step_index(p, argv[2]);
	if (i < 0) {
		cmd_err("shell: plan '%s' has no step '%s'", p->name, argv[2]);
		plan_free(p);
		return CMD_EXIT_PARSE;
	}
	struct engine e;
	engine_init(&e, p, arch, c->statedir);
	char *base = engine_builddir(&e, i);
	char *work = path_join(base, "work");
	char *dest = path_join(base, "shell-destdir");
	if (!path_exists(work)) {
		cmd_err("shell: step '%s' has no build tree (it has not failed since its last success); "
			"run 'sprout build %s %s' first, or look at its output in the store",
			argv[2], argv[1], argv[2]);
		rc = CMD_EXIT_FAIL;
		goto out;
	}
	mkdir_p(dest, 0755);
	run_use_sandbox = c->sandbox;
	struct run_spec spec;
	struct run_dep *deps;
	struct strv hold = {0};
	e.shell = 1;
	engine_spec(&e, i, &spec, &deps, &hold, dest);
	spec.interactive = 1;
	spec.log = "/dev/tty";
	spec.timeout = 0;
	fprintf(stderr, "sprout: shell in step '%s' (%s); the build tree is the working directory; exit to leave\n"
			"sprout: JOBS and MAKEFLAGS are the build's; sh -ex -c \"$STEP_SCRIPT\" runs the step's script again\n",
		argv[2], p->stages[p->steps[i].stage].name);
	pid_t pid = run_spawn(&spec);
	if (pid < 0) {
		cmd_err("shell: %s", err_msg(pid));
		rc = cmd_exit_for(pid);
	} else {
		rc = cmd_wait_sandbox(pid, 1);
	}
	free(deps);
	strv_free(&hold);
out:
	free(base);
	free(work);
	free(dest);
	engine_free(&e);
	plan_free(p);
	return rc;
}
