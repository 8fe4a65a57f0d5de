#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "decomp.h"
#include "err.h"
#include "fetch.h"
#include "util.h"

#define SPROUT_VERSION "0.1.0"

struct command {
	const char *name;
	int (*fn)(struct ctx *c, int argc, char **argv);
	const char *args;
	const char *summary;
	const char *help;
};

static int cmd_help(struct ctx *c, int argc, char **argv);

static const struct command commands[] = {
	{"plan", cmd_plan, "PLAN [--why STEP]",
	 "show the steps in order, each cached or to build, and why",
	 "A dry run: nothing is fetched or built. Each step is listed in build order with its\n"
	 "stage and whether its output is in the store; a step to build says why: never built,\n"
	 "or which input changed (recipe, patch, source, dependency, setting).\n"
	 "  --why STEP   explain only STEP\n"},
	{"bootstrap", cmd_bootstrap, "[--plan PLAN] [--update-digests]",
	 "fetch and build the minimal plan, check it, and report",
	 "Fetches and builds the minimal plan (or --plan PLAN) for --arch, then checks the\n"
	 "result: the compiler's fixpoint, every step's digest against the plan's\n"
	 "digests.ARCH, the smoke test of the final system, and the provenance of every file\n"
	 "of the final rootfs. Writes the rootfs, its tarball, manifest and provenance under\n"
	 "STATE/outputs/PLAN-ARCH/ and prints a short report.\n"
	 "  --update-digests  record this run's digests as the expected ones\n"},
	{"fetch", cmd_fetch, "PLAN [--offline]",
	 "get and verify every source of a plan",
	 "Every source of every step is looked up in the distfiles store and, when missing,\n"
	 "fetched from its origins in order; a file enters the store only when its sha256\n"
	 "matches. After fetch, build needs no network.\n"
	 "  --offline    only check the store\n"},
	{"build", cmd_build, "PLAN [STEP...]",
	 "build what is needed, skip what is cached",
	 "Builds the named steps (all by default) and what they depend on, skipping every step\n"
	 "whose output is already in the store. Independent steps run in parallel up to -j.\n"
	 "A failed step prints its log's tail and keeps its build tree.\n"},
	{"shell", cmd_shell, "PLAN STEP",
	 "open a shell in a step's sandbox",
	 "Opens an interactive shell with the step's root, environment and build tree (that of\n"
	 "its last failed attempt when there is one, else a freshly prepared one).\n"},
	{"clean", cmd_clean, "[--all] [--distfiles]",
	 "remove build trees, logs and temporary files",
	 "Removes build trees, logs and leftovers of interrupted runs from the state directory.\n"
	 "  --all        also the store of step outputs\n"
	 "  --distfiles  also the downloaded sources\n"},
	{"hash", cmd_hash, "FILE...", "print the sha256 of files", "Prints 'HEX  FILE' for each file, like sha256sum.\n"},
	{"extract", cmd_extract, "ARCHIVE DIR", "safely extract a tar archive",
	 "Extracts a tar archive (plain, gzip, bzip2, xz or zstd) into DIR, refusing members\n"
	 "that would land outside it.\n"},
	{"tar", cmd_tar, "DIR OUT [--mtime N]", "write a deterministic tar archive of a tree",
	 "Writes a sorted ustar/pax archive of DIR with uid/gid 0 and times clamped to N.\n"},
	{"help", cmd_help, "[COMMAND]", "show help for a command", "Shows the help of COMMAND, or the list of commands.\n"},
};

#define NCOMMANDS (sizeof commands / sizeof commands[0])

static void usage(FILE *f)
{
	fprintf(f, "usage: sprout [global options] COMMAND [args]\n\n"
		   "Builds a self-hosting Linux system from source, in stages, reproducibly.\n\n"
		   "commands:\n");
	for (size_t i = 0; i < NCOMMANDS; i++)
		fprintf(f, "  %-8s %s\n", commands[i].name, commands[i].summary);
	fprintf(f, "\nglobal options:\n"
		   "  -C DIR             change to DIR first\n"
		   "  -j N               run up to N steps at once; builds get $JOBS and MAKEFLAGS=-jN\n"
		   "  --arch ARCH        target arch (default: the plan's default, usually the host's)\n"
		   "  --state DIR        state directory (default: $XDG_CACHE_HOME/sprout)\n"
		   "  --step-timeout S   kill a step that runs longer than S seconds\n"
		   "  --runner=KIND      sandbox (default) or plain (no isolation)\n"
		   "  -v, -q             more or less output\n"
		   "  --version          print the version\n"
		   "\nsprout help COMMAND shows a command's help; exit codes are in docs/cli.md.\n");
}

static const struct command *find_command(const char *name)
{
	for (size_t i = 0; i < NCOMMANDS; i++)
		if (!strcmp(commands[i].name, name))
			return &commands[i];
	return NULL;
}

static void command_help(const struct command *cmd)
{
	printf("usage: sprout %s %s\n\n%s.\n\n%s", cmd->name, cmd->args, cmd->summary, cmd->help);
}

static int cmd_help(struct ctx *c, int argc, char **argv)
{
	(void)c;
	if (argc < 2) {
		usage(stdout);
		return EXIT_OK;
	}
	const struct command *cmd = find_command(argv[1]);
	if (!cmd) {
		cmd_err("help: no command '%s'", argv[1]);
		return EXIT_USAGE;
	}
	command_help(cmd);
	return EXIT_OK;
}

static int parse_int(const char *opt, const char *s, int min, int *out)
{
	char *e;
	errno = 0;
	long v = strtol(s, &e, 10);
	if (errno || e == s || *e || v < min || v > 1000000) {
		cmd_err("%s: expected a number >= %d, got '%s'", opt, min, s);
		return -1;
	}
	*out = (int)v;
	return 0;
}

/* Whether argv[*i] is option name, as "name value" or "name=value"; sets
 * *v to the value. A missing value ends the program with a usage error. */
static int optval(int argc, char **argv, int *i, const char *name, const char **v)
{
	const char *a = argv[*i];
	size_t n = strlen(name);
	if (!strcmp(a, name)) {
		if (*i + 1 >= argc) {
			cmd_err("%s needs a value", name);
			exit(EXIT_USAGE);
		}
		*v = argv[++*i];
		return 1;
	}
	if (!strncmp(a, name, n) && a[n] == '=') {
		*v = a + n + 1;
		return 1;
	}
	return 0;
}

static char *default_state(void)
{
	const char *x = getenv("XDG_CACHE_HOME");
	if (x && x[0] == '/')
		return path_join(x, "sprout");
	const char *h = getenv("HOME");
	if (h && h[0] == '/')
		return xasprintf("%s/.cache/sprout", h);
	return xstrdup("/var/tmp/sprout");
}

static char *absolute(const char *p)
{
	if (p[0] == '/')
		return xstrdup(p);
	char cwd[4096];
	if (!getcwd(cwd, sizeof cwd))
		return xstrdup(p);
	return path_join(cwd, p);
}

int main(int argc, char **argv)
{
	struct ctx c;
	char *state = NULL;
	const char *chdir_to = NULL;
	struct strv rest = {0};
	memset(&c, 0, sizeof c);
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	c.jobs = ncpu > 0 ? (int)ncpu : 1;
	c.sandbox = 1;
	setvbuf(stdout, NULL, _IOLBF, 0);

	/* Global options may come before or after the command's name. */
	int ended = 0;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *v = NULL;
		if (ended || a[0] != '-' || !strcmp(a, "-")) {
			strv_add(&rest, a);
		} else if (!strcmp(a, "--")) {
			ended = 1;
			strv_add(&rest, a);
		} else if (optval(argc, argv, &i, "-C", &v)) {
			chdir_to = v;
		} else if (optval(argc, argv, &i, "-j", &v) || optval(argc, argv, &i, "--jobs", &v)) {
			if (parse_int("-j", v, 1, &c.jobs))
				return EXIT_USAGE;
		} else if (!strncmp(a, "-j", 2) && a[2] >= '0' && a[2] <= '9') {
			if (parse_int("-j", a + 2, 1, &c.jobs))
				return EXIT_USAGE;
		} else if (optval(argc, argv, &i, "--arch", &v)) {
			c.arch = v;
		} else if (optval(argc, argv, &i, "--state", &v)) {
			free(state);
			state = xstrdup(v);
		} else if (optval(argc, argv, &i, "--step-timeout", &v)) {
			if (parse_int("--step-timeout", v, 0, &c.step_timeout))
				return EXIT_USAGE;
		} else if (optval(argc, argv, &i, "--runner", &v)) {
			if (!strcmp(v, "plain"))
				c.sandbox = 0;
			else if (!strcmp(v, "sandbox"))
				c.sandbox = 1;
			else {
				cmd_err("--runner: expected sandbox or plain, got '%s'", v);
				return EXIT_USAGE;
			}
		} else if (!strcmp(a, "-v") || !strcmp(a, "--verbose")) {
			c.verbose++;
		} else if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) {
			c.quiet = 1;
		} else if (!strcmp(a, "--version")) {
			printf("sprout %s (decompression: %s; http: %s)\n", SPROUT_VERSION, decomp_builtin(),
			       fetch_http_backend());
			return EXIT_OK;
		} else if ((!strcmp(a, "--help") || !strcmp(a, "-h")) && !rest.n) {
			usage(stdout);
			return EXIT_OK;
		} else {
			strv_add(&rest, a); /* the command's own option */
		}
	}
	if (!rest.n) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (chdir_to && chdir(chdir_to) < 0) {
		cmd_err("-C %s: %s", chdir_to, strerror(errno));
		return EXIT_USAGE;
	}
	if (!state)
		state = default_state();
	char *abs = absolute(state);
	free(state);
	c.statedir = abs;
	const struct command *cmd = find_command(rest.v[0]);
	if (!cmd) {
		cmd_err("unknown command '%s' (see sprout --help)", rest.v[0]);
		return EXIT_USAGE;
	}
	if (cmd->fn != cmd_help && cmd_wants_help((int)rest.n, rest.v)) {
		command_help(cmd);
		return EXIT_OK;
	}
	int rc = cmd->fn(&c, (int)rest.n, rest.v);
	strv_free(&rest);
	free(abs);
	return rc;
}
