#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/err.h"
#include "sandbox/run.h"
#include "sandbox/sandbox.h"
#include "core/util.h"

int run_use_sandbox = 1;

int run_sandbox_check(void)
{
	return sandbox_check();
}

/* The plain runner: a child process with a cleared environment, in its
 * own process group so that a timeout or an interrupt ends all of it. */

static volatile sig_atomic_t got_signal;

static void on_signal(int sig)
{
	got_signal = sig;
}

static void on_alarm(int sig)
{
	(void)sig;
	got_signal = SIGALRM;
}

static char **plain_env(const struct run_spec *s)
{
	struct strv env = {0};
	for (char *const *e = s->env; e && *e; e++)
		strv_add(&env, *e);
	strv_addown(&env, xasprintf("BUILDDIR=%s", s->builddir));
	strv_addown(&env, xasprintf("DESTDIR=%s", s->destdir));
	strv_addown(&env, xasprintf("SYSROOT=%s", s->sysroot ? s->sysroot : ""));
	strv_addown(&env, xasprintf("DEPS=%s", s->depsdir ? s->depsdir : ""));
	strv_addown(&env, xasprintf("HOME=%s", s->builddir));
	int has_path = 0;
	for (char *const *e = s->env; e && *e; e++)
		if (!strncmp(*e, "PATH=", 5))
			has_path = 1;
	if (!has_path)
		strv_add(&env, "PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin");
	return env.v;
}

static void plain_monitor(const struct run_spec *s, char **env, int logfd);

static pid_t plain_spawn(const struct run_spec *s)
{
	/* Everything the grandchild needs is prepared before fork, so that
	 * it calls only async-signal-safe functions before exec. */
	char **env = plain_env(s);
	/* An interactive shell (sprout shell) talks to the caller's stdio. */
	int logfd = s->interactive && !s->log ? fcntl(1, F_DUPFD_CLOEXEC, 3)
					      : open(s->log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (logfd < 0) {
		int e = errno;
		for (char **p = env; *p; p++)
			free(*p);
		free(env);
		return -e;
	}
	pid_t mon = fork();
	if (mon < 0) {
		int e = errno;
		close(logfd);
		return -e;
	}
	if (mon > 0) {
		close(logfd);
		for (char **p = env; *p; p++)
			free(*p);
		free(env);
		return mon;
	}
	plain_monitor(s, env, logfd);
	return -1; /* not reached: the monitor ends with _exit */
}

/* The monitor: runs the script in a new process group, enforces the
 * timeout, and ends the whole group on the way out. Never returns. */
static void plain_monitor(const struct run_spec *s, char **env, int logfd)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	/* Ctrl-C in an interactive shell is the shell's business. */
	sa.sa_handler = s->interactive ? SIG_IGN : on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGQUIT, &sa, NULL);
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sa.sa_handler = on_alarm;
	sigaction(SIGALRM, &sa, NULL);
	/* If sprout dies (even by SIGKILL), the monitor hears of it and ends
	 * the step's processes, so that no orphan writes into a step that the
	 * next run starts again. */
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (getppid() == 1)
		_exit(RUN_EXIT_SETUP);
	pid_t kid = fork();
	if (kid < 0)
		_exit(RUN_EXIT_SETUP);
	if (kid == 0) {
		/* A step gets its own process group, so that a timeout or an
		 * interrupt ends all of it; an interactive shell stays in the
		 * terminal's foreground group, with the terminal as its input. */
		if (!s->interactive)
			setpgid(0, 0);
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		signal(SIGHUP, SIG_DFL);
		if (!s->interactive) {
			int in = open("/dev/null", O_RDONLY);
			if (in < 0 || dup2(in, 0) < 0 || dup2(logfd, 1) < 0 || dup2(logfd, 2) < 0)
				_exit(RUN_EXIT_SETUP);
		}
		umask(022);
		if (chdir(s->builddir) < 0)
			_exit(RUN_EXIT_SETUP);
		if (s->argv) {
			execve(s->argv[0], s->argv, env);
		} else if (s->interactive) {
			char *argv[] = {"/bin/sh", "-i", NULL};
			execve(argv[0], argv, env);
		} else {
			char *argv[] = {"/bin/sh", s->trace ? "-ex" : "-e", "-c", (char *)s->script, "sprout-step", NULL};
			execve(argv[0], argv, env);
		}
		_exit(127);
	}
	if (!s->interactive)
		setpgid(kid, kid);
	if (s->timeout > 0)
		alarm((unsigned)s->timeout);
	int st = 0;
	for (;;) {
		pid_t w = waitpid(kid, &st, 0);
		if (w == kid)
			break;
		if (w < 0 && errno != EINTR)
			_exit(RUN_EXIT_SETUP);
		if (got_signal) {
			kill(-kid, SIGKILL);
			if (got_signal == SIGALRM) {
				waitpid(kid, &st, 0);
				kill(-kid, SIGKILL);
				static const char m[] = "sprout: step timed out\n";
				ssize_t wr = write(logfd, m, sizeof m - 1);
				(void)wr;
				_exit(RUN_EXIT_TIMEOUT);
			}
		}
	}
	/* Anything the script left behind in its group goes too. */
	kill(-kid, SIGKILL);
	if (got_signal && got_signal != SIGALRM)
		_exit(128 + got_signal);
	if (WIFEXITED(st))
		_exit(WEXITSTATUS(st));
	_exit(128 + WTERMSIG(st));
}

pid_t run_spawn(const struct run_spec *spec)
{
	if (run_use_sandbox)
		return sandbox_spawn(spec);
	return plain_spawn(spec);
}
