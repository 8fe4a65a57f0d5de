/* The engine's scheduler (engine_build, src/build/engine_run.c), driven
 * through the library on a small plan whose steps are shell scripts run
 * by the plain runner: the order ready steps start in (plan order, or
 * reversed), the -j limit (never more running, and that many used), a
 * step started only once its dependencies are done, and what a failure
 * does (running steps finish; nothing new starts; the rest is skipped). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "build/engine.h"
#include "build/eta.h"
#include "build/plan.h"
#include "build/session.h"
#include "core/err.h"
#include "core/util.h"
#include "sandbox/run.h"
#include "tap.h"

#define MAXEV 64

/* What the engine reported, in order. */
struct seen {
	struct plan *p;
	int kind[MAXEV], step[MAXEV], n;
	int running, most;      /* steps started and not finished; the most at once */
};

static void on_event(void *arg, const struct engine_event *ev)
{
	struct seen *s = arg;
	if (ev->kind == SPROUT_EV_TICK || ev->kind == SPROUT_EV_FETCH || s->n == MAXEV)
		return;
	s->kind[s->n] = (int)ev->kind;
	s->step[s->n++] = ev->step;
	if (ev->kind == SPROUT_EV_START && ++s->running > s->most)
		s->most = s->running;
	if (ev->kind == SPROUT_EV_DONE || (ev->kind == SPROUT_EV_FAIL && s->running > 0))
		s->running--;
}

/* The index of the first event kind for the step called name, or -1. */
static int at(const struct seen *s, int kind, const char *name)
{
	int i = plan_step_index(s->p, name);
	for (int k = 0; k < s->n; k++)
		if (s->kind[k] == kind && s->step[k] == i)
			return k;
	return -1;
}

/* The steps started, in order, as "a b c". */
static void starts(const struct seen *s, char *out, size_t n)
{
	size_t len = 0;
	out[0] = 0;
	for (int k = 0; k < s->n && len + 1 < n; k++)
		if (s->kind[k] == SPROUT_EV_START)
			len += (size_t)snprintf(out + len, n - len, "%s%s", len ? " " : "", s->p->steps[s->step[k]].name);
}

/* What -j1 must start, in order, by the rule: of the steps whose
 * dependencies are done, the one first in the plan's order (p->order;
 * last, when reverse). A model of the rule, not of the heap. */
static void expected(const struct plan *p, int reverse, char *out, size_t n)
{
	char done[64] = {0};
	size_t len = 0;
	out[0] = 0;
	for (size_t round = 0; round < p->nsteps && round < sizeof done; round++) {
		int pick = -1;
		for (size_t k = 0; k < p->nsteps; k++) {
			int i = p->order[reverse ? p->nsteps - 1 - k : k], ready = !done[i];
			for (size_t d = 0; ready && d < p->steps[i].ndeps; d++)
				ready = done[p->steps[i].deps[d]];
			if (ready) {
				pick = i;
				break;
			}
		}
		if (pick < 0)
			break;
		done[pick] = 1;
		len += (size_t)snprintf(out + len, n - len, "%s%s", len ? " " : "", p->steps[pick].name);
	}
}

static char *top;

/* recipes/NAME/recipe: sleeps a little, then writes its name (or fails).
 * usleep where sleep takes whole seconds only (busybox's, as in plans/gnu's
 * final system, where make check-gnu runs this test). */
static void recipe(const char *name, const char *deps, double secs, int fail)
{
	char *d = xasprintf("%s/recipes/%s", top, name), *f = path_join(d, "recipe");
	char *text = xasprintf("name %s\nversion 1\nlicense MIT\n%s%s%sbuild host\n\tsleep %.1f 2>/dev/null || usleep %d\n\t%s\n",
			       name, deps ? "depends " : "", deps ? deps : "", deps ? "\n" : "", secs, (int)(secs * 1e6),
			       fail ? "exit 3" : "echo done >\"$DESTDIR/$STEP\"");
	mkdir_p(d, 0755);
	file_write_atomic(f, text, strlen(text));
	free(text);
	free(f);
	free(d);
}

/* Load plan sched (its step lines) into s->p, with a fresh state
 * directory st. */
static int load(const char *steps, const char *st, struct seen *s)
{
	char *pf = path_join(top, "plan");
	char *text = xasprintf("plan sched\narches %s\nrecipes recipes\nset SOURCE_DATE_EPOCH 0\nstage host\n%s",
			       host_arch(), steps);
	rm_rf(st);
	file_write_atomic(pf, text, strlen(text));
	memset(s, 0, sizeof *s);
	int r = plan_load(pf, host_arch(), &s->p);
	ok(r == 0, "the plan loads (%s)", r ? err_msg(r) : "ok");
	free(text);
	free(pf);
	return r;
}

/* Run plan (its step lines) in a fresh state directory with jobs and
 * order; the result of engine_build. */
static int run(const char *steps, int jobs, int reverse, struct seen *s)
{
	char *st = path_join(top, "state");
	int r = load(steps, st, s);
	if (!r) {
		struct engine e;
		r = engine_init(&e, s->p, host_arch(), st);
		e.jobs = jobs;
		e.reverse = reverse;
		e.on_event = on_event;
		e.arg = s;
		if (!r)
			r = engine_lock(&e);
		if (!r)
			r = engine_build(&e);
		engine_free(&e);
	}
	free(st);
	return r;
}

/* session_build's hooks: attach and ready counted, attach's answer. */
struct hooked {
	struct seen s;
	int attached, readied, attach_r;
	size_t wanted;
};

static int hook_attach(void *arg, struct engine *e)
{
	struct hooked *h = arg;
	(void)e;
	h->attached++;
	return h->attach_r;
}

static void hook_ready(void *arg, struct engine *e)
{
	struct hooked *h = arg;
	h->readied++;
	for (size_t i = 0; i < e->plan->nsteps; i++)
		h->wanted += e->want[i] ? 1 : 0;
}

static void hook_event(void *arg, const struct engine_event *ev)
{
	on_event(&((struct hooked *)arg)->s, ev);
}

/* session_build, the build every command makes: the hooks in order, the
 * run's record and the steps' durations kept, an attach that fails ends
 * it before anything runs. */
static void session_builds(void)
{
	char *st = path_join(top, "state");
	struct session ss = {st, NULL, NULL, 2, 0, 0, 0, 0};
	struct hooked h;
	memset(&h, 0, sizeof h);
	struct session_hooks hooks = {&h, hook_attach, hook_ready, hook_event, 0};
	struct session_run run;
	char *only[] = {"d"};
	int r = load("\tstep d\n\tstep c\n\tstep b\n\tstep a\n", st, &h.s);
	if (!r)
		r = session_build(&ss, h.s.p, host_arch(), only, 1, &hooks, &run);
	ok(r == 0 && h.attached == 1 && h.readied == 1, "session_build: builds, attach and ready once each (%s)",
	   r ? err_msg(r) : "ok");
	ok(h.wanted == 3 && at(&h.s, SPROUT_EV_DONE, "d") >= 0 && at(&h.s, SPROUT_EV_START, "c") < 0,
	   "  ... the named step and what it needs, nothing else (%zu wanted)", h.wanted);
	char *rec = xasprintf("%s/runs/%s/sched", st, host_arch());
	ok(path_exists(rec) && run.rec.nsteps == 4, "  ... the run's record, of the plan's four steps, is written for sprout report (%zu)", run.rec.nsteps);
	ok(eta_recorded(st, "sched", host_arch(), "a") > 0, "  ... and each built step's time kept");
	session_run_free(&run);
	plan_free(h.s.p);

	memset(&h, 0, sizeof h);
	h.attach_r = -SPROUT_ERR_USAGE;
	r = load("\tstep a\n", st, &h.s);
	if (!r)
		r = session_build(&ss, h.s.p, host_arch(), NULL, 0, &hooks, &run);
	ok(r == -SPROUT_ERR_USAGE && !h.readied && at(&h.s, SPROUT_EV_START, "a") < 0,
	   "session_build: an attach that fails ends the build before anything runs");
	session_run_free(&run);
	plan_free(h.s.p);
	free(rec);
	free(st);
}

int main(void)
{
	char tmpl[] = "/tmp/sprout-test-sched.XXXXXX";
	struct seen s;
	char order[256], want[256];
	top = mkdtemp(tmpl);
	if (!top)
		return ok(0, "mkdtemp"), tap_done();
	run_use_sandbox = 0;
	recipe("a", NULL, 0.3, 0);
	recipe("b", NULL, 0.3, 0);
	recipe("c", NULL, 0.3, 0);
	recipe("d", "a b", 0.1, 0);
	recipe("e", "d", 0.1, 0);
	recipe("slow", NULL, 1.0, 0);
	recipe("bad", NULL, 0.1, 1);
	recipe("after", "bad", 0.1, 0);

	/* -j1: one at a time, ready steps in plan order; d waits for a and b. */
	static const char diamond[] = "\tstep e\n\tstep d\n\tstep c\n\tstep b\n\tstep a\n";
	int r = run(diamond, 1, 0, &s);
	ok(r == 0, "-j1: every step built (%s)", r ? err_msg(r) : "ok");
	starts(&s, order, sizeof order);
	expected(s.p, 0, want, sizeof want);
	ok(s.most == 1, "-j1: never more than one step running (most %d)", s.most);
	ok(!strcmp(order, want), "-j1: ready steps start in the plan's order, each after its dependencies [%s; %s]",
	   order, want);
	ok(at(&s, SPROUT_EV_START, "d") > at(&s, SPROUT_EV_DONE, "a") &&
	   at(&s, SPROUT_EV_START, "d") > at(&s, SPROUT_EV_DONE, "b") &&
	   at(&s, SPROUT_EV_START, "e") > at(&s, SPROUT_EV_DONE, "d") &&
	   at(&s, SPROUT_EV_START, "a") < at(&s, SPROUT_EV_START, "c"),
	   "-j1: d after a and b, e after d; c, which nothing needs, after a");
	plan_free(s.p);

	/* Reversed: the last ready step in plan order first; a step that
	 * becomes ready goes before those waiting longer when it comes later
	 * in the plan (sprout verify's second build). */
	r = run(diamond, 1, 1, &s);
	starts(&s, order, sizeof order);
	expected(s.p, 1, want, sizeof want);
	char fwd[256];
	expected(s.p, 0, fwd, sizeof fwd);
	ok(r == 0 && !strcmp(order, want) && strcmp(want, fwd),
	   "--order reverse: ready steps start last-in-the-order first [%s; %s]", order, want);
	plan_free(s.p);

	/* -j2: two at once, and never three; d only after a and b are done. */
	r = run(diamond, 2, 0, &s);
	ok(r == 0, "-j2: every step built (%s)", r ? err_msg(r) : "ok");
	ok(s.most == 2, "-j2: two steps ran at once, never more (most %d)", s.most);
	ok(at(&s, SPROUT_EV_START, "d") > at(&s, SPROUT_EV_DONE, "a") &&
	   at(&s, SPROUT_EV_START, "d") > at(&s, SPROUT_EV_DONE, "b") &&
	   at(&s, SPROUT_EV_START, "e") > at(&s, SPROUT_EV_DONE, "d"),
	   "-j2: a step starts only after each of its dependencies is done");
	plan_free(s.p);

	r = run(diamond, 8, 0, &s);
	ok(s.most == 3, "-j8: as many at once as are ready (a, b, c: most %d)", s.most);
	plan_free(s.p);

	/* A failure: the running step finishes, nothing new starts, the rest
	 * is skipped (its dependents and the independent steps alike). */
	r = run("\tstep slow\n\tstep bad\n\tstep after\n\tstep a\n\tstep b\n", 2, 0, &s);
	ok(r == -SPROUT_ERR_BUILD, "a failed step: engine_build says so (%d)", r);
	int fail = at(&s, SPROUT_EV_FAIL, "bad");
	ok(fail >= 0, "  ... reported as SPROUT_EV_FAIL");
	ok(at(&s, SPROUT_EV_DONE, "slow") > fail, "  ... the step running beside it finishes");
	ok(at(&s, SPROUT_EV_START, "after") < 0 && at(&s, SPROUT_EV_SKIP, "after") >= 0,
	   "  ... its dependent never starts and is skipped");
	ok(at(&s, SPROUT_EV_START, "a") < 0 && at(&s, SPROUT_EV_SKIP, "a") >= 0 && at(&s, SPROUT_EV_SKIP, "b") >= 0,
	   "  ... nothing else starts after a failure: the independent steps are skipped too");
	int started_after = 0;
	for (int k = fail + 1; k < s.n; k++)
		started_after |= s.kind[k] == SPROUT_EV_START;
	ok(fail >= 0 && !started_after, "  ... no SPROUT_EV_START after the failure");
	plan_free(s.p);

	session_builds();
	rm_rf(top);
	return tap_done();
}
