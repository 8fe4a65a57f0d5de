/* sprout shell PLAN [STEP]: a shell in a step's sandbox (in the build tree
 * of its last failed attempt, else in a freshly prepared one that goes when
 * the shell ends), or, without STEP, a throwaway shell in the plan's final
 * system with the current directory at /mnt. Standard input that is not a
 * terminal is read as commands (echo 'tcc -v' | sprout shell PLAN). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "build/session.h"
#include "cli/cmd.h"
#include "build/cache.h"
#include "build/engine.h"
#include "core/err.h"
#include "build/plan.h"
#include "build/state.h"
#include "sandbox/run.h"
#include "core/util.h"

/* The shell: interactive on a terminal, else reading commands from stdin. */
static char *const sh_stdin[] = {"/bin/sh", NULL};

static void shell_io(struct run_spec *spec)
{
	spec->interactive = 1;
	spec->log = NULL;
	spec->timeout = 0;
	if (!isatty(0))
		spec->argv = sh_stdin;
}

static int shell_run(struct ctx *c, struct run_spec *spec)
{
	run_use_sandbox = c->sandbox;
	fflush(stdout);
	err_clear();
	pid_t pid = run_spawn(spec);
	if (pid < 0) {
		cmd_err("shell: %s", err_msg(pid));
		return cmd_exit_for(pid);
	}
	return cmd_wait_sandbox(pid, 1);
}

/* The missing dependencies of step i, as "a b"; "" when all are stored. */
static void missing_deps(const struct engine *e, int i, struct buf *b)
{
	const struct step *s = &e->plan->steps[i];
	for (size_t k = 0; k < s->ndeps; k++) {
		if (cache_has(e->statedir, e->keys[s->deps[k]]))
			continue;
		if (b->len)
			buf_adds(b, ", ");
		buf_adds(b, e->plan->steps[s->deps[k]].name);
	}
}

/* Lay out a fresh build tree for step i (its sources fetched when missing).
 * Prints what went wrong; 0 or an exit status. */
static int shell_prepare(struct ctx *c, struct engine *e, int i, const char *plan_arg)
{
	struct buf miss = {0};
	missing_deps(e, i, &miss);
	if (miss.len) {
		struct buf hint = {0};
		cmd_again(c, c->arch, &hint);
		cmd_err("shell: step '%s' needs steps that are not in the store (%s); build them first: %s build %s %s",
			e->plan->steps[i].name, miss.s, hint.s, plan_arg, e->plan->steps[i].name);
		buf_free(&hint);
		buf_free(&miss);
		return CMD_EXIT_FAIL;
	}
	int r = engine_lock(e);
	if (!r) {
		memset(e->want, 0, e->plan->nsteps);
		e->want[i] = 1;
		err_clear();
		r = engine_fetch(e, 1, 0);
	}
	if (!r)
		r = engine_prepare(e, i);
	/* The tree is this shell's: a build may run meanwhile. */
	if (!r) {
		/* the output directory a build would fill: a shell has its own */
		char *tmp = state_tmp(e->statedir, e->keys[i]);
		rm_rf(tmp);
		free(tmp);
	}
	if (e->lockfd >= 0)
		close(e->lockfd);
	e->lockfd = -1;
	if (r) {
		cmd_err("shell: %s", err_msg(r));
		return cmd_exit_for(r);
	}
	return 0;
}

static int shell_step(struct ctx *c, struct plan *p, const char *arch, const char *plan_arg, const char *name)
{
	int i = plan_step_index(p, name);
	if (i < 0) {
		cmd_unknown_step("shell", p, name);
		return CMD_EXIT_PARSE;
	}
	struct engine e;
	engine_init(&e, p, arch, c->statedir);
	struct session ss = cmd_session(c);
	session_engine(&ss, &e);
	char *base = engine_builddir(&e, i);
	char *work = path_join(base, "work");
	char *dest = path_join(base, "shell-destdir");
	int fresh = !path_exists(work), rc = 0;
	if (fresh)
		rc = shell_prepare(c, &e, i, plan_arg);
	if (!rc) {
		mkdir_p(dest, 0755);
		struct run_spec spec;
		struct run_dep *deps;
		struct strv hold = {0};
		e.shell = 1; /* JOBS and MAKEFLAGS as the step's build had them */
		engine_spec(&e, i, &spec, &deps, &hold, dest);
		shell_io(&spec);
		if (!c->quiet)
			fprintf(stderr, "sprout: shell in step '%s' (%s), in %s; the build tree is the working "
					"directory; exit to leave\n",
				name, p->stages[p->steps[i].stage].name,
				fresh ? "a freshly prepared build tree, removed when the shell ends"
				      : "the build tree of its last failed attempt");
		if (!c->quiet)
			fprintf(stderr, "sprout: JOBS and MAKEFLAGS are the build's; sh -ex -c \"$STEP_SCRIPT\" runs the "
					"step's script again\n");
		rc = shell_run(c, &spec);
		free(deps);
		strv_free(&hold);
	}
	if (fresh)
		rm_rf(base);
	free(base);
	free(work);
	free(dest);
	engine_free(&e);
	return rc;
}

/* A shell in the plan's final system: its root read-only, /tmp, /build and
 * /destdir throwaway, the current directory at /mnt. */
static int shell_final(struct ctx *c, struct plan *p, const char *arch, const char *plan_arg)
{
	int i = p->final ? plan_step_index(p, p->final) : -1;
	if (i < 0) {
		cmd_err("shell: plan '%s' names no final system (its 'final' line); name a step: sprout shell %s STEP",
			p->name, plan_arg);
		return CMD_EXIT_USAGE;
	}
	struct engine e;
	engine_init(&e, p, arch, c->statedir);
	int rc = 0;
	char *root = NULL;
	char cwd[4096];
	if (cache_output(p, arch, c->statedir, i, &root)) {
		struct buf hint = {0};
		cmd_again(c, c->arch, &hint);
		cmd_err("shell: the final system of plan '%s' (step '%s') is not built for %s; build it first: %s build %s",
			p->name, p->final, arch, hint.s, plan_arg);
		buf_free(&hint);
		rc = CMD_EXIT_FAIL;
	} else if (!c->sandbox) {
		cmd_err("shell: a shell in the final system needs the sandbox (not --runner=plain)");
		rc = CMD_EXIT_USAGE;
	} else if (!getcwd(cwd, sizeof cwd)) {
		cmd_err("shell: the current directory: %s", strerror(errno));
		rc = CMD_EXIT_FAIL;
	}
	if (!rc) {
		struct run_spec spec;
		memset(&spec, 0, sizeof spec);
		const char *term = getenv("TERM");
		struct strv env = {0};
		strv_add(&env, "HOME=/root");
		strv_addown(&env, xasprintf("PS1=[%s] \\w \\$ ", p->name));
		strv_addown(&env, xasprintf("TERM=%s", isatty(0) && term && *term ? term : "dumb"));
		strv_add(&env, "TZ=UTC");
		strv_add(&env, "LC_ALL=C");
		strv_addown(&env, xasprintf("ARCH=%s", arch));
		spec.step = "shell";
		spec.mode = RUN_NATIVE;
		spec.arch = arch;
		spec.rootfs = root;
		spec.mnt = cwd;
		spec.env = env.v;
		shell_io(&spec);
		if (!c->quiet)
			fprintf(stderr, "sprout: shell in the final system of plan '%s' (%s, step '%s'), read-only; "
					"the current directory is /mnt; exit to leave\n",
				p->name, arch, p->final);
		rc = shell_run(c, &spec);
		strv_free(&env);
	}
	free(root);
	engine_free(&e);
	return rc;
}

int cmd_shell(struct ctx *c, int argc, char **argv)
{
	struct strv steps = {0};
	struct plan *p;
	const char *arch, *plan_arg;
	int rc = cmd_open_plan(c, argc, argv, NULL, "PLAN [STEP]", &steps, &plan_arg, &p, &arch);
	if (rc)
		return rc;
	if (steps.n > 1) {
		cmd_err("shell: one step at a time ('%s' is extra)", steps.v[1]);
		rc = CMD_EXIT_USAGE;
	} else {
		rc = steps.n ? shell_step(c, p, arch, plan_arg, steps.v[0]) : shell_final(c, p, arch, plan_arg);
	}
	strv_free(&steps);
	plan_free(p);
	return rc;
}
