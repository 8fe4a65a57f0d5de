#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "engine.h"
#include "err.h"
#include "plan.h"
#include "run.h"
#include "util.h"

struct report {
	struct ctx *c;
	struct engine *e;
	const char *plan_arg;
	struct build_stats *st;
	size_t total, done;
};

static void describe_status(int status, char *out, size_t n)
{
	if (status == RUN_EXIT_TIMEOUT)
		snprintf(out, n, "timed out");
	else if (status == RUN_EXIT_SETUP)
		snprintf(out, n, "the runner could not set up the step (see the log)");
	else if (status > 128)
		snprintf(out, n, "killed by signal %d", status - 128);
	else
		snprintf(out, n, "exit status %d", status);
}

static void on_event(void *arg, const struct engine_event *ev)
{
	struct report *rp = arg;
	const struct plan *p = rp->e->plan;
	const struct step *s = &p->steps[ev->step];
	const char *stage = p->stages[s->stage].name;
	struct build_stats *bs = rp->st;
	if (ev->kind == EV_START || ev->kind == EV_DONE || ev->kind == EV_FAIL) {
		double t = now_sec();
		double *b = &bs->stage_begin[s->stage], *e = &bs->stage_end[s->stage];
		if (ev->kind == EV_START && (*b == 0 || t < *b))
			*b = t;
		if (ev->kind != EV_START && t > *e)
			*e = t;
	}
	switch (ev->kind) {
	case EV_CACHED:
		rp->done++;
		bs->cached++;
		if (rp->c->verbose && !rp->c->quiet)
			printf("[%zu/%zu] cached %s (%s) %.12s\n", rp->done, rp->total, s->name, stage, ev->digest);
		break;
	case EV_START:
		if (!rp->c->quiet)
			printf("[%zu/%zu] start  %s (%s)\n", rp->done + 1, rp->total, s->name, stage);
		break;
	case EV_DONE:
		rp->done++;
		bs->built++;
		if (!rp->c->quiet)
			printf("[%zu/%zu] done   %s (%s) %.1fs %.12s\n", rp->done, rp->total, s->name, stage, ev->secs,
			       ev->digest);
		break;
	case EV_FAIL: {
		char st[128];
		bs->failed++;
		if (ev->error)
			snprintf(st, sizeof st, "%s", "setup failed");
		else
			describe_status(ev->status, st, sizeof st);
		cmd_err("step '%s' (stage %s) failed: %s after %.1fs", s->name, stage, ev->error ? ev->error : st,
			ev->secs);
		if (!ev->error || path_exists(ev->log)) {
			fprintf(stderr, "--- last 25 lines of %s ---\n", ev->log);
			cmd_print_tail(ev->log, 25);
			fprintf(stderr, "---\n");
		}
		fprintf(stderr, "log:        %s\n", ev->log);
		fprintf(stderr, "build tree: %s/work (kept)\n", ev->builddir);
		fprintf(stderr, "to look inside: sprout --state %s%s%s shell %s %s\n", rp->c->statedir,
			rp->c->arch ? " --arch " : "", rp->c->arch ? rp->c->arch : "", rp->plan_arg, s->name);
		break;
	}
	case EV_SKIP:
		bs->skipped++;
		break;
	}
	fflush(stdout);
}

int cmd_build_plan(struct ctx *c, struct plan *p, const char *arch, const char *plan_arg, char **steps, int nsteps,
		   struct build_stats *st)
{
	struct engine e;
	struct report rp;
	memset(&rp, 0, sizeof rp);
	memset(st, 0, sizeof *st);
	engine_init(&e, p, arch, c->statedir);
	e.jobs = c->jobs;
	e.timeout = c->step_timeout;
	e.verbose = c->verbose;
	e.reverse = c->reverse;
	e.on_event = on_event;
	e.arg = &rp;
	rp.c = c;
	rp.e = &e;
	rp.st = st;
	rp.plan_arg = plan_arg;
	run_use_sandbox = c->sandbox;
	err_clear();
	int r = engine_select(&e, steps, nsteps);
	if (!r)
		r = engine_lock(&e);
	if (!r && c->sandbox)
		r = run_sandbox_check();
	if (!r)
		r = engine_fetch(&e, 0, 0);
	for (size_t i = 0; i < p->nsteps; i++)
		rp.total += e.want[i] ? 1 : 0;
	if (!r)
		r = engine_build(&e);
	engine_free(&e);
	return r;
}

int cmd_build(struct ctx *c, int argc, char **argv)
{
	const char *plan_arg = NULL;
	struct strv steps = {0};
	for (int i = 1; i < argc; i++) {
		if (argv[i][0] == '-') {
			cmd_err("build: unknown option '%s'", argv[i]);
			strv_free(&steps);
			return EXIT_USAGE;
		}
		if (!plan_arg)
			plan_arg = argv[i];
		else
			strv_add(&steps, argv[i]);
	}
	if (!plan_arg) {
		cmd_err("build: which plan? (usage: sprout build PLAN [STEP...])");
		return EXIT_USAGE;
	}
	struct plan *p;
	const char *arch;
	int rc = cmd_load_plan(c, plan_arg, &p, &arch);
	if (rc) {
		strv_free(&steps);
		return rc;
	}
	double t0 = now_sec();
	struct build_stats st;
	int r = cmd_build_plan(c, p, arch, plan_arg, steps.v, (int)steps.n, &st);
	if (r && r != -ERR_BUILD)
		cmd_err("build: %s", err_msg(r));
	if (!c->quiet && (!r || r == -ERR_BUILD))
		printf("%s: %zu built, %zu cached, %zu failed, %zu not started; %.2fs\n", p->name, st.built, st.cached,
		       st.failed, st.skipped, now_sec() - t0);
	rc = cmd_exit_for(r);
	plan_free(p);
	strv_free(&steps);
	return rc;
}
