/* sprout sandbox-run: run shell text in a sandbox whose /build and
 * /destdir are throwaway; for trying the sandbox out and for the
 * benchmark. The step's output goes to stdout. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cmd.h"
#include "err.h"
#include "run.h"
#include "sandbox.h"
#include "util.h"

/* Until cmd.h declares it with the other subcommands. */
int cmd_sandbox_run(struct ctx *c, int argc, char **argv);

static volatile sig_atomic_t got_sig;

static void on_sig(int sig)
{
	got_sig = sig;
}

int cmd_sandbox_run(struct ctx *c, int argc, char **argv)
{
	const char *rootfs = NULL, *arch = NULL, *script = NULL;
	int interactive = 0, bad = 0;
	for (int i = 1; i < argc && !bad; i++) {
		if (!strcmp(argv[i], "--rootfs") && i + 1 < argc)
			rootfs = argv[++i];
		else if (!strcmp(argv[i], "--arch") && i + 1 < argc)
			arch = argv[++i];
		else if (!strcmp(argv[i], "-i"))
			interactive = 1;
		else if (!strcmp(argv[i], "--") && i + 2 == argc)
			script = argv[++i];
		else if (argv[i][0] != '-' && i + 1 == argc)
			script = argv[i];
		else
			bad = 1;
	}
	if (bad || !script == !interactive) {
		cmd_err("sandbox-run: usage: sprout sandbox-run [--rootfs DIR [--arch ARCH]] (SCRIPT | -i)");
		return EXIT_USAGE;
	}
	struct run_spec spec;
	memset(&spec, 0, sizeof spec);
	spec.step = "sandbox-run";
	spec.mode = rootfs ? RUN_NATIVE : RUN_HOST;
	spec.rootfs = rootfs;
	spec.arch = arch ? arch : host_arch();
	spec.script = script;
	spec.timeout = c->step_timeout;
	spec.interactive = interactive;
	fflush(stdout);
	err_clear();
	pid_t pid = sandbox_spawn_fd(&spec, interactive ? -1 : 1);
	if (pid < 0) {
		cmd_err("sandbox-run: %s", err_msg(pid));
		return cmd_exit_for(pid);
	}
	/* The sandbox's init ends it on a signal: pass ours on. */
	struct sigaction sa, old[3];
	static const int sigs[3] = {SIGINT, SIGTERM, SIGHUP};
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = interactive ? SIG_IGN : on_sig;
	for (int k = 0; k < 3; k++)
		sigaction(sigs[k], &sa, &old[k]);
	int st = 0;
	while (waitpid(pid, &st, 0) < 0) {
		if (errno != EINTR)
			break;
		if (got_sig)
			kill(pid, got_sig);
	}
	for (int k = 0; k < 3; k++)
		sigaction(sigs[k], &old[k], NULL);
	if (interactive && isatty(0)) {
		/* The sandbox took the terminal's foreground: take it back. */
		sa.sa_handler = SIG_IGN;
		sigaction(SIGTTOU, &sa, &old[0]);
		tcsetpgrp(0, getpgrp());
		sigaction(SIGTTOU, &old[0], NULL);
	}
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}
