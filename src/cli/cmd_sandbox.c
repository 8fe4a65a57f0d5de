/* sprout sandbox-run: run shell text in a sandbox whose /build and
 * /destdir are throwaway; for trying the sandbox out and for the
 * benchmark. The step's output goes to stdout. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli/cmd.h"
#include "core/err.h"
#include "sandbox/run.h"
#include "sandbox/sandbox.h"
#include "core/util.h"

int cmd_sandbox_run(struct ctx *c, int argc, char **argv)
{
	const char *rootfs = NULL, *arch = NULL, *script = NULL;
	char **cmd = NULL;
	int interactive = 0, bad = 0, nest = 0, rw = 0;
	for (int i = 1; i < argc && !bad && !cmd; i++) {
		if (!strcmp(argv[i], "--rootfs") && i + 1 < argc)
			rootfs = argv[++i];
		else if (!strcmp(argv[i], "--arch") && i + 1 < argc)
			arch = argv[++i];
		else if (!strcmp(argv[i], "-i"))
			interactive = 1;
		else if (!strcmp(argv[i], "--nest"))
			nest = 1;
		else if (!strcmp(argv[i], "--rootfs-rw"))
			rw = 1;
		else if (!strcmp(argv[i], "--") && i + 2 <= argc && argv[i + 1][0] == '/')
			cmd = argv + i + 1; /* a command run directly, without a shell */
		else if (!strcmp(argv[i], "--") && i + 2 == argc)
			script = argv[++i];
		else if (argv[i][0] != '-' && i + 1 == argc)
			script = argv[i];
		else
			bad = 1;
	}
	if (bad || !!script + !!cmd + interactive != 1) {
		cmd_err("sandbox-run: usage: sprout sandbox-run [--rootfs DIR [--arch ARCH] [--rootfs-rw]] [--nest] (SCRIPT | -i | -- /PATH ARG...)");
		return CMD_EXIT_USAGE;
	}
	struct run_spec spec;
	memset(&spec, 0, sizeof spec);
	spec.step = "sandbox-run";
	spec.mode = rootfs ? RUN_NATIVE : RUN_HOST;
	spec.rootfs = rootfs;
	spec.arch = arch ? arch : host_arch();
	spec.script = script;
	spec.argv = cmd;
	spec.timeout = c->step_timeout;
	spec.interactive = interactive;
	spec.nest = nest;
	spec.rootfs_rw = rw;
	fflush(stdout);
	err_clear();
	pid_t pid = sandbox_spawn_fd(&spec, interactive ? -1 : 1);
	if (pid < 0) {
		cmd_err("sandbox-run: %s", err_msg(pid));
		return cmd_exit_for(pid);
	}
	return cmd_wait_sandbox(pid, interactive);
}
