#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "build/session.h"
#include "cli/cmd.h"
#include "core/err.h"
#include "core/escape.h"
#include "build/plan.h"
#include "build/state.h"
#include "core/util.h"

void cmd_err(const char *fmt, ...)
{
	va_list ap;
	fflush(stdout);
	fputs("sprout: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int cmd_exit_for(int r)
{
	switch (-r) {
	case 0:
		return CMD_EXIT_OK;
	case SPROUT_ERR_PARSE:
	case SPROUT_ERR_CYCLE:
	case SPROUT_ERR_NOTFOUND:
		return CMD_EXIT_PARSE;
	case SPROUT_ERR_HASH:
	case SPROUT_ERR_FETCH:
		return CMD_EXIT_FETCH;
	case SPROUT_ERR_USAGE:
		return CMD_EXIT_USAGE;
	case SPROUT_ERR_SANDBOX:
		return CMD_EXIT_SANDBOX;
	case SPROUT_ERR_BUSY:
		return CMD_EXIT_BUSY;
	case SPROUT_ERR_INTERRUPTED:
		return CMD_EXIT_INTERRUPTED;
	default:
		return CMD_EXIT_FAIL;
	}
}

int cmd_load_plan(struct ctx *c, const char *arg, struct plan **p, const char **arch)
{
	struct strv tried = {0};
	char *path = cmd_find_plan(arg, &tried);
	if (!path) {
		cmd_no_plan(arg, &tried);
		strv_free(&tried);
		return CMD_EXIT_PARSE;
	}
	strv_free(&tried);
	err_clear();
	int r = plan_load(path, c->arch, p);
	free(path);
	if (r) {
		cmd_err("%s", err_msg(r));
		return cmd_exit_for(r);
	}
	for (int i = 0; i < c->nsets; i++) {
		char *k = xstrdup(c->sets[i]), *eq = strchr(k, '=');
		*eq = 0;
		r = plan_override(*p, k, eq + 1);
		free(k);
		if (r) {
			cmd_err("%s", err_msg(r));
			plan_free(*p);
			*p = NULL;
			return CMD_EXIT_USAGE;
		}
	}
	*arch = (*p)->arch;
	return 0;
}

/* The option of opts that argv[*i] is, taking its value; 0 when it is none. */
static int take_opt(const struct cmd_opt *opts, int argc, char **argv, int *i)
{
	const char *a = argv[*i];
	for (; opts && opts->name; opts++) {
		size_t n = strlen(opts->name);
		if (!opts->arg) {
			if (!strcmp(a, opts->name)) {
				*opts->flag = 1;
				return 1;
			}
		} else if (!strcmp(a, opts->name) && *i + 1 < argc) {
			*opts->arg = argv[++*i];
			return 1;
		} else if (n == 2 && !strncmp(a, opts->name, n) && a[n]) {
			*opts->arg = a + n;
			return 1;
		}
	}
	return 0;
}

int cmd_open_plan(struct ctx *c, int argc, char **argv, const struct cmd_opt *opts, const char *usage,
		  struct strv *steps, const char **plan_arg, struct plan **p, const char **arch)
{
	const char *name = argv[0], *arg = NULL;
	int rc = CMD_EXIT_USAGE;
	for (int i = 1; i < argc; i++) {
		if (take_opt(opts, argc, argv, &i))
			continue;
		if (argv[i][0] == '-') {
			cmd_err("%s: unknown option '%s'", name, argv[i]);
			goto out;
		}
		if (!arg) {
			arg = argv[i];
		} else if (steps) {
			strv_add(steps, argv[i]);
		} else {
			cmd_err("%s: one plan at a time ('%s' is extra)", name, argv[i]);
			goto out;
		}
	}
	if (!arg) {
		cmd_err("%s: which plan? (usage: sprout %s %s)", name, name, usage);
		goto out;
	}
	rc = cmd_load_plan(c, arg, p, arch);
	if (!rc && plan_arg)
		*plan_arg = arg;
out:
	if (rc && steps)
		strv_free(steps);
	return rc;
}

struct session cmd_session(const struct ctx *c)
{
	struct session s;
	s.statedir = c->statedir;
	s.distdir = c->distdir;
	s.mirrors = c->mirrors;
	s.jobs = c->jobs;
	s.timeout = c->step_timeout;
	s.verbose = c->verbose;
	s.reverse = c->reverse;
	s.sandbox = c->sandbox;
	return s;
}

int cmd_open_plan_offline(struct ctx *c, int argc, char **argv, int *offline, struct plan **p, const char **arch)
{
	const struct cmd_opt opts[] = {{"--offline", offline, NULL}, {NULL, NULL, NULL}};
	return cmd_open_plan(c, argc, argv, opts, "PLAN", NULL, NULL, p, arch);
}

void cmd_shell_word(struct buf *b, const char *s)
{
	int plain = *s != 0;
	for (const char *p = s; *p; p++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-./=:,+@%", *p))
			plain = 0;
	if (plain) {
		buf_adds(b, s);
		return;
	}
	buf_addc(b, '\'');
	for (const char *p = s; *p; p++) {
		if (*p == '\'')
			buf_adds(b, "'\\''");
		else
			buf_addc(b, *p);
	}
	buf_addc(b, '\'');
}

void cmd_again(const struct ctx *c, const char *arch, struct buf *b)
{
	cmd_shell_word(b, c->argv0 ? c->argv0 : "sprout");
	if (c->chdir_to) {
		buf_adds(b, " -C ");
		cmd_shell_word(b, c->chdir_to);
	}
	if (c->conf_file) {
		buf_adds(b, " -c ");
		cmd_shell_word(b, c->conf_file);
	}
	if (c->state_given) {
		buf_adds(b, " --state ");
		cmd_shell_word(b, c->statedir);
	}
	if (arch) {
		buf_adds(b, " --arch ");
		cmd_shell_word(b, arch);
	}
	for (int i = 0; i < c->nsets; i++) {
		buf_adds(b, " --set ");
		cmd_shell_word(b, c->sets[i]);
	}
	if (!c->sandbox)
		buf_adds(b, " --runner=plain");
}

int cmd_wants_help(int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
			return 1;
	return 0;
}

void cmd_print_tail(const char *path, int n)
{
	struct buf b = {0};
	if (file_read(path, &b)) {
		fprintf(stderr, "    (no log)\n");
		return;
	}
	size_t i = b.len;
	if (i && b.s[i - 1] == '\n')
		i--;
	int lines = 0;
	while (i > 0 && lines < n) {
		i--;
		if (b.s[i] == '\n')
			lines++;
	}
	if (lines == n)
		i++;
	const char *p = b.s + i;
	while (*p) {
		const char *e = strchr(p, '\n');
		size_t l = e ? (size_t)(e - p) : strlen(p);
		char *line = esc_dup(p, l, 1); /* the log is the build's; the terminal is the user's */
		fprintf(stderr, "    %s\n", line);
		free(line);
		p += l + (e ? 1 : 0);
	}
	buf_free(&b);
}

static volatile sig_atomic_t got_sig;

static void on_sig(int sig)
{
	got_sig = sig;
}

int cmd_wait_sandbox(pid_t pid, int interactive)
{
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
