#ifndef SPROUT_CMD_H
#define SPROUT_CMD_H

/* The settings every subcommand gets from the global options. */
struct ctx {
	const char *statedir;   /* --state, or $XDG_CACHE_HOME/sprout */
	const char *arch;       /* --arch, or NULL for the plan's default */
	int jobs;               /* -j */
	int verbose;            /* -v count */
	int quiet;              /* -q */
	int step_timeout;       /* --step-timeout seconds, 0 for none */
	int sandbox;            /* 1: namespace sandbox; 0: --runner=plain */
};

/* Each subcommand: argv[0] is its name; returns the process exit status
 * (see docs/cli.md). Only these and main.c print. */
int cmd_plan(struct ctx *c, int argc, char **argv);
int cmd_fetch(struct ctx *c, int argc, char **argv);
int cmd_build(struct ctx *c, int argc, char **argv);
int cmd_clean(struct ctx *c, int argc, char **argv);
int cmd_shell(struct ctx *c, int argc, char **argv);
int cmd_hash(struct ctx *c, int argc, char **argv);
int cmd_extract(struct ctx *c, int argc, char **argv);
int cmd_tar(struct ctx *c, int argc, char **argv);

/* Exit statuses (docs/cli.md). */
enum {
	EXIT_OK = 0,
	EXIT_FAIL = 1,      /* a step failed, a check failed */
	EXIT_USAGE = 2,     /* bad command line */
	EXIT_PARSE = 3,     /* malformed recipe or plan, cycle, unknown name */
	EXIT_FETCH = 4,     /* a source could not be fetched or verified */
	EXIT_SANDBOX = 5,   /* the sandbox cannot run here */
	EXIT_BUSY = 6,      /* another sprout holds the state directory */
	EXIT_INTERRUPTED = 130,
};

#endif
