#ifndef SPROUT_CMD_H
#define SPROUT_CMD_H

#include <sys/types.h>
#include <stddef.h>

struct config;

/* The settings every subcommand gets from the global options. */
struct ctx {
	const char *statedir;   /* --state, or $XDG_CACHE_HOME/sprout */
	const char *arch;       /* --arch, or NULL for the plan's default */
	int jobs;               /* -j */
	int verbose;            /* -v count */
	int quiet;              /* -q */
	int step_timeout;       /* --step-timeout seconds, 0 for none */
	int sandbox;            /* 1: namespace sandbox; 0: --runner=plain */
	int reverse;            /* --order=reverse: ready steps start in reverse plan order */
	char **sets;            /* --set KEY=VALUE, in order: plan settings to override */
	int nsets;
	int plain;              /* --plain: line per step start and end, even on a terminal */
	int color;              /* --color: CTX_COLOR_AUTO (0), _NEVER or _ALWAYS */
	const char *distdir;    /* the distfiles store, or NULL for STATE/distfiles */
	char **mirrors;         /* URL prefixes tried first (NULL-terminated) */
	const char *argv0;      /* how to name sprout in a command to run again */
	const char *chdir_to;   /* -C, or NULL */
	const char *conf_file;  /* -c, or NULL */
	int state_given;        /* the state came from the command line or -c */
	struct config *conf;    /* the effective settings and their origins */
	int json;               /* --json: machine-readable output (docs/cli.md) */
	char **caches;          /* --cache URL / cache: shared step caches, in order (NULL-terminated) */
	const char *cache_trust; /* --cache-trust / cache-trust: trusted keys' directory, or NULL */
	const char *cache_key;  /* cache-key: the secret key cache push signs with, or NULL */
	const char *farm;       /* --farm / farm: the network namespace that reaches the farm, or NULL */
	const char *farm_socket; /* --farm-socket / farm-socket: the local iceccd's socket, or NULL */
};

enum { CTX_COLOR_AUTO, CTX_COLOR_NEVER, CTX_COLOR_ALWAYS };

/* Each subcommand: argv[0] is its name; returns the process exit status
 * (see docs/cli.md). Only these and main.c print. */
int cmd_plan(struct ctx *c, int argc, char **argv);
int cmd_fetch(struct ctx *c, int argc, char **argv);
int cmd_build(struct ctx *c, int argc, char **argv);
int cmd_clean(struct ctx *c, int argc, char **argv);
int cmd_shell(struct ctx *c, int argc, char **argv);
int cmd_path(struct ctx *c, int argc, char **argv);
int cmd_hash(struct ctx *c, int argc, char **argv);
int cmd_extract(struct ctx *c, int argc, char **argv);
int cmd_tar(struct ctx *c, int argc, char **argv);
int cmd_bootstrap(struct ctx *c, int argc, char **argv);
int cmd_sandbox_run(struct ctx *c, int argc, char **argv);
int cmd_verify(struct ctx *c, int argc, char **argv);
int cmd_audit(struct ctx *c, int argc, char **argv);
int cmd_sbom(struct ctx *c, int argc, char **argv);
int cmd_graph(struct ctx *c, int argc, char **argv);
int cmd_parts(struct ctx *c, int argc, char **argv);
int cmd_config(struct ctx *c, int argc, char **argv);
int cmd_pkg(struct ctx *c, int argc, char **argv);
int cmd_script(struct ctx *c, int argc, char **argv);
int cmd_report(struct ctx *c, int argc, char **argv);
int cmd_image(struct ctx *c, int argc, char **argv);
int cmd_boot(struct ctx *c, int argc, char **argv);
int cmd_cache(struct ctx *c, int argc, char **argv);

/* Exit statuses (docs/cli.md). */
enum {
	CMD_EXIT_OK = 0,
	CMD_EXIT_FAIL = 1,      /* a step failed, a check failed */
	CMD_EXIT_USAGE = 2,     /* bad command line */
	CMD_EXIT_PARSE = 3,     /* malformed recipe or plan, cycle, unknown name */
	CMD_EXIT_FETCH = 4,     /* a source could not be fetched or verified */
	CMD_EXIT_SANDBOX = 5,   /* the sandbox cannot run here */
	CMD_EXIT_BUSY = 6,      /* another sprout holds the state directory */
	CMD_EXIT_INTERRUPTED = 130,
};

#endif

#ifndef SPROUT_CMD_COMMON
#define SPROUT_CMD_COMMON
struct plan;
struct engine;
struct strv;
struct session;
/* Shared by the subcommands (cmd_common.c). */
/* Print "sprout: " and the message to stderr. */
void cmd_err(const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 1, 2)))
#endif
	;
/* The exit status for a negative code. */
int cmd_exit_for(int r);
/* Load the plan named by arg and pick the arch; prints the error and
 * returns an exit status, or 0 with *p (free with plan_free) and *arch. */
int cmd_load_plan(struct ctx *c, const char *arg, struct plan **p, const char **arch);
/* An option of a subcommand that takes a PLAN; a table of them ends with
 * a NULL name. A flag sets *flag to 1; an option with a value sets *arg
 * to the next argument, or for a one-letter option ("-o") to the rest of
 * this one ("-oFILE"). */
struct cmd_opt {
	const char *name;
	int *flag;
	const char **arg;
};
/* Parse argv as "NAME [OPTION...] PLAN" with the options in opts (NULL
 * for none), then load the plan as cmd_load_plan does. The operands after
 * PLAN go to steps, or are refused when steps is NULL; usage is what
 * "usage: sprout NAME" is followed by when PLAN is missing. Prints the
 * error and returns an exit status (steps freed), or 0 with *plan_arg
 * (unless plan_arg is NULL; points into argv), *p (free with plan_free)
 * and *arch. */
int cmd_open_plan(struct ctx *c, int argc, char **argv, const struct cmd_opt *opts, const char *usage,
		  struct strv *steps, const char **plan_arg, struct plan **p, const char **arch);
/* cmd_open_plan for "NAME [--offline] PLAN" (fetch, audit). */
int cmd_open_plan_offline(struct ctx *c, int argc, char **argv, int *offline, struct plan **p, const char **arch);
/* Append s to b as one shell word: as is when it needs no quoting, else
 * in single quotes. */
struct buf;
void cmd_shell_word(struct buf *b, const char *s);
/* Append to b how to run sprout again as this command line did: argv0 and
 * the global options that pick the same directory, settings file, state,
 * arch (when arch is not NULL), --set values and runner. For the commands
 * a hint tells the user to run. */
void cmd_again(const struct ctx *c, const char *arch, struct buf *b);
/* Names (cmd_hint.c). The name of names[0..n) closest to word, close
 * enough to be a typing mistake, or NULL. */
const char *cmd_closest(const char *word, const char *const *names, size_t n);
/* Print that plan p has no step name, the closest step, and its steps; who
 * is the command's name. */
void cmd_unknown_step(const char *who, const struct plan *p, const char *name);
/* Where installed plans and recipes are: $SPROUT_DATADIR, else
 * PREFIX/share/sprout beside the program's PREFIX/bin, else the PREFIX it
 * was built for. Caller frees. */
char *cmd_datadir(void);
/* The plan file arg names: plan_find's (a directory holding 'plan', a
 * plan file, plans/NAME/plan), else DATADIR/plans/NAME/plan. NULL when
 * none, with the paths looked at added to tried (when not NULL). Caller
 * frees. */
char *cmd_find_plan(const char *arg, struct strv *tried);
/* Print that there is no plan arg, where it was looked for (tried), and
 * the closest plan name. */
void cmd_no_plan(const char *arg, const struct strv *tried);
/* n bytes for a person: "512 B", "1.5 KiB", "3.2 MiB" (cmd_hint.c). */
void cmd_human_size(long long n, char *out, size_t size);
/* --json output (cmd_json.c, schemas in docs/cli.md). The build summary
 * of the run record r, result "ok" or "failed", on stdout. */
struct runrec;
/* Write b (a JSON document) to stdout and free it. */
void cmd_json_print(struct buf *b);
void cmd_json_build(const struct ctx *c, const struct runrec *r, const char *result);
/* Whether argv[i] is --help or -h. */
int cmd_wants_help(int argc, char **argv);
/* Print the last n lines of the file at path, each indented. */
void cmd_print_tail(const char *path, int n);

/* Wait for a sandbox or runner started by run_spawn, passing SIGINT, SIGTERM
 * and SIGHUP on (ignoring them for an interactive shell, and taking the
 * terminal back afterwards). Returns its exit status. */
int cmd_wait_sandbox(pid_t pid, int interactive);

/* The stages a build's report times (cli/display.h). */
#define CMD_MAX_STAGES 8
/* The run's settings for the library (build/session.h), from c. */
struct session cmd_session(const struct ctx *c);
/* bootstrap --mode vm (cmd_vmmode.c, docs/modes.md): the host stage and
 * the kernel on the host, then the stages with a root tree inside a VM
 * booted with the plan's kernel (TCG with no_kvm, else KVM when it works),
 * with stage4 stage 4 after them in the VM (vr->stage4 says how it ended);
 * what came back is checked and stored.
 * Prints; 0 when every step is in the store, else the exit status. */
struct vm_run {
	size_t host_built, host_cached, vm_built;
	double secs;            /* the whole of it */
	double vm_secs;         /* qemu's start to the VM's result */
	double boot_secs;       /* qemu's start to the VM's init, or -1 */
	double stage_secs[CMD_MAX_STAGES]; /* the VM's steps' wall times, summed per stage */
	int kvm;
	int metal;              /* the results came from a bare-metal disk image */
	int stage4;             /* with stage4: 1 when stage 4 passed inside the VM, -1 failed, 0 no result */
	int stage4_sandboxed;   /* its steps ran in sandboxes of the VM's kernel (not --runner=plain) */
};
int cmd_bootstrap_vm(struct ctx *c, struct plan *p, const char *arch, const char *plan_arg, int no_kvm, int stage4,
		     struct vm_run *vr);
/* sprout image --format disk --bootstrap (bare-metal mode, docs/modes.md):
 * the host stage, the kernel and mke2fs on the host, then a GPT disk image
 * at out whose root is the seed rootfs with VM mode's payload and whose
 * third partition takes the results; its sha256 into digest. Prints
 * errors; 0 or the exit status. */
int cmd_image_bootstrap(struct ctx *c, struct plan *p, const char *arch, const char *plan_arg, const char *out,
			char digest[65]);
/* bootstrap --import FILE: enter the results partition of such a disk
 * image, after it ran, into the store, each record checked. Prints; 0
 * when every step that runs inside is in the store, else the exit status. */
int cmd_bootstrap_import(struct ctx *c, struct plan *p, const char *arch, const char *file, struct vm_run *vr);
/* bootstrap --guest DEV [--host-arch A] [--stage4]: the sprout inside VM
 * mode's VM (its init): build the plan with keys naming A as the host's
 * arch, append each finished step to the results disk DEV, with stage4 run
 * stage 4 (cmd_stage4) and say how it ended, end the VM. Returns the exit
 * status when it is not pid 1. */
int cmd_vm_guest(struct ctx *c, const char *plan_arg, const char *dev, const char *hostarch, int stage4);
/* sprout boot of plan p for arch (cmd_boot.c), and bootstrap --boot:
 * display_build_sys for the boot (mke2fs too for o->disk), vm_sys_boot as
 * o says, and the report (docs/boot.md). 0 when the smoke test passed in
 * the VM (or the interactive console ended), else the exit status. */
struct vm_boot_opts;
int cmd_boot_plan(struct ctx *c, struct plan *p, const char *arch, const char *plan_arg, const struct vm_boot_opts *o);
#endif
