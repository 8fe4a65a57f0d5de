/* engine_build: the scheduler. Steps become ready when their dependencies
 * are done; a ready step's key is then known (it hashes the dependencies'
 * output digests), and it is either found in the store (early cutoff: a
 * dependency rebuilt to the same bytes leaves it cached) or started, up to
 * the job count, in plan order. Every step is looked at a bounded number
 * of times: the cost grows with the steps and edges, not their square. */
#include <errno.h>
#include <stdio.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

#include "build/cache.h"
#include "build/engine.h"
#include "build/engine_int.h"
#include "build/state.h"
#include "build/trash.h"
#include "core/err.h"
#include "sandbox/run.h"
#include "core/util.h"

static volatile sig_atomic_t interrupted, nsignals;

static void on_interrupt(int sig)
{
	interrupted = sig;
	nsignals++;
}

enum { ST_PENDING, ST_RUNNING, ST_DONE, ST_FAILED };

/* What engine_build keeps per run. */
struct sched {
	char *state;            /* ST_* per step */
	pid_t *pids;
	double *start;
	int *left;              /* dependencies not done yet */
	int *rdep, *rdep_at;    /* the steps that depend on step i: rdep[rdep_at[i] .. rdep_at[i+1]) */
	int *pos;               /* step -> its place in the order steps start in */
	int *heap, nheap;       /* the ready steps, by pos */
	int *run, nrun;         /* the running steps */
	int failed, r;
	sig_atomic_t signals_seen; /* signals the run has acted on (killed its steps) */
	/* Sources laid ahead (engine_lay_ahead): per step, AHEAD_* */
	char *ahead;
	pid_t ahead_pid;        /* the child laying some, or 0 */
	int ahead_step;         /* its step */
	int ahead_unused;       /* steps laid (or being laid) and not started */
	size_t ahead_from;      /* where in the order to look for the next */
};

/* A step's sources: not laid ahead, being laid, laid (the child ended
 * well), or not to be used (the child failed or was stopped: its start
 * lays them again, after putting that tree away). */
enum { AHEAD_NO, AHEAD_BUSY, AHEAD_LAID, AHEAD_BAD };

/* ---- the ready set: a binary heap of steps by their place in the order ---- */

static void heap_push(struct sched *sc, int i)
{
	int k = sc->nheap++;
	while (k > 0) {
		int up = (k - 1) / 2;
		if (sc->pos[sc->heap[up]] <= sc->pos[i])
			break;
		sc->heap[k] = sc->heap[up];
		k = up;
	}
	sc->heap[k] = i;
}

static int heap_pop(struct sched *sc)
{
	if (!sc->nheap)
		return -1;
	int top = sc->heap[0], last = sc->heap[--sc->nheap], k = 0;
	for (;;) {
		int c = 2 * k + 1;
		if (c >= sc->nheap)
			break;
		if (c + 1 < sc->nheap && sc->pos[sc->heap[c + 1]] < sc->pos[sc->heap[c]])
			c++;
		if (sc->pos[last] <= sc->pos[sc->heap[c]])
			break;
		sc->heap[k] = sc->heap[c];
		k = c;
	}
	if (sc->nheap)
		sc->heap[k] = last;
	return top;
}

/* The reverse edges, the order and the count of dependencies per step. */
static void sched_init(const struct engine *e, struct sched *sc)
{
	const struct plan *p = e->plan;
	size_t n = p->nsteps, edges = 0;
	sc->state = xcalloc(n + 1, 1);
	sc->pids = xcalloc(n + 1, sizeof *sc->pids);
	sc->start = xcalloc(n + 1, sizeof *sc->start);
	sc->left = xcalloc(n + 1, sizeof *sc->left);
	sc->rdep_at = xcalloc(n + 2, sizeof *sc->rdep_at);
	sc->pos = xcalloc(n + 1, sizeof *sc->pos);
	sc->heap = xcalloc(n + 1, sizeof *sc->heap);
	sc->run = xcalloc(n + 1, sizeof *sc->run);
	sc->ahead = xcalloc(n + 1, 1);
	for (size_t i = 0; i < n; i++) {
		edges += p->steps[i].ndeps;
		for (size_t d = 0; d < p->steps[i].ndeps; d++)
			sc->rdep_at[p->steps[i].deps[d] + 1]++;
	}
	for (size_t i = 0; i < n; i++)
		sc->rdep_at[i + 1] += sc->rdep_at[i];
	sc->rdep = xcalloc(edges + 1, sizeof *sc->rdep);
	int *fill = xcalloc(n + 1, sizeof *fill);
	for (size_t i = 0; i < n; i++)
		for (size_t d = 0; d < p->steps[i].ndeps; d++) {
			int dep = p->steps[i].deps[d];
			sc->rdep[sc->rdep_at[dep] + fill[dep]++] = (int)i;
		}
	free(fill);
	for (size_t k = 0; k < n; k++)
		sc->pos[p->order[k]] = e->reverse ? (int)(n - 1 - k) : (int)k;
	for (size_t i = 0; i < n; i++)
		sc->left[i] = (int)p->steps[i].ndeps;
}

static void sched_free(struct sched *sc)
{
	free(sc->state);
	free(sc->pids);
	free(sc->start);
	free(sc->left);
	free(sc->rdep);
	free(sc->rdep_at);
	free(sc->pos);
	free(sc->heap);
	free(sc->run);
	free(sc->ahead);
}

/* ---- sources laid ahead ----
 * When a job slot is free and no step is ready to take it (a chain: one
 * step runs, the next waits for its output), a child process lays the
 * sources of a step that is not ready yet into its build tree
 * (engine_lay_ahead): its start then does not unpack them while every
 * step after it waits. Only with more than one job (at -j1 a run keeps
 * to one processor, like the script it is measured against), one child
 * at a time, at most as many trees laid and not started as jobs; steps
 * are looked at in the order they start in, each once. */

static void ahead_ended(struct sched *sc, int st)
{
	sc->ahead[sc->ahead_step] = WIFEXITED(st) && WEXITSTATUS(st) == 0 ? AHEAD_LAID : AHEAD_BAD;
	sc->ahead_pid = 0;
}

/* Stop the child laying ahead, if there is one, and wait for it. */
static void ahead_stop(struct sched *sc)
{
	int st;
	if (sc->ahead_pid <= 0)
		return;
	kill(sc->ahead_pid, SIGKILL);
	while (waitpid(sc->ahead_pid, &st, 0) < 0 && errno == EINTR)
		;
	sc->ahead[sc->ahead_step] = AHEAD_BAD;
	sc->ahead_pid = 0;
}

/* Step i, about to start: whether its sources are laid in its tree (after
 * waiting for the child laying them, when it is still at it). */
static int ahead_take(struct sched *sc, int i)
{
	int st;
	pid_t w;
	if (sc->ahead[i] == AHEAD_NO)
		return 0;
	if (sc->ahead[i] == AHEAD_BUSY) {
		while ((w = waitpid(sc->ahead_pid, &st, 0)) < 0 && errno == EINTR && !interrupted)
			;
		if (w == sc->ahead_pid)
			ahead_ended(sc, st);
		else
			ahead_stop(sc);
	}
	int laid = sc->ahead[i] == AHEAD_LAID;
	sc->ahead[i] = AHEAD_NO;
	sc->ahead_unused--;
	return laid;
}

/* A tree laid for step i that will not be used (the step was found in
 * the store, or the run ends) goes to the trash. */
static void ahead_drop(struct engine *e, struct sched *sc, int i)
{
	if (sc->ahead[i] == AHEAD_NO || sc->ahead[i] == AHEAD_BUSY)
		return;
	char *bd = engine_builddir(e, i);
	trash_put(e->statedir, bd);
	free(bd);
	sc->ahead[i] = AHEAD_NO;
	sc->ahead_unused--;
}

/* Start laying the sources of the next step not ready yet, when a slot
 * is free. */
static void ahead_start(struct engine *e, struct sched *sc)
{
	const struct plan *p = e->plan;
	size_t n = p->nsteps;
	if (e->jobs < 2 || sc->ahead_pid || !sc->nrun || sc->nrun >= e->jobs || sc->ahead_unused >= e->jobs ||
	    sc->failed || interrupted)
		return;
	while (sc->ahead_from < n) {
		size_t k = sc->ahead_from++;
		int i = p->order[e->reverse ? n - 1 - k : k];
		const struct recipe *rc = p->steps[i].recipe;
		/* A step that is not pending now never is again. */
		if (!e->want[i] || sc->state[i] != ST_PENDING || sc->left[i] == 0 || (!rc->nsources && !rc->npatches))
			continue;
		pid_t pid = engine_lay_ahead(e, i);
		if (pid < 0)
			continue;
		sc->ahead[i] = AHEAD_BUSY;
		sc->ahead_pid = pid;
		sc->ahead_step = i;
		sc->ahead_unused++;
		return;
	}
}

/* Step i is done (its digest is known): wanted steps waiting only for it
 * become ready. */
static void mark_done(struct engine *e, struct sched *sc, int i)
{
	sc->state[i] = ST_DONE;
	ahead_drop(e, sc, i);
	for (int k = sc->rdep_at[i]; k < sc->rdep_at[i + 1]; k++) {
		int j = sc->rdep[k];
		if (--sc->left[j] == 0 && e->want[j] && sc->state[j] == ST_PENDING)
			heap_push(sc, j);
	}
}

/* Whether ready step i's output is in the store, by the key its
 * dependencies' digests give it; when it is, it is done (SPROUT_EV_CACHED). */
static int try_cached(struct engine *e, struct sched *sc, int i)
{
	/* engine_init found the digest of every step the store had then. */
	if (!e->keys[i][0] || !e->inputs[i]) {
		cache_key(e->plan, i, e->arch, e->digests, e->keys[i], &e->inputs[i]);
		e->digests[i][0] = 0;
	}
	struct engine_event ev = {0};
	/* not in the store: the shared cache (e->remote) may have it */
	if (!e->digests[i][0] && cache_digest(e->statedir, e->keys[i], e->digests[i]) &&
	    !engine_pull(e, i, &ev.size)) {
		e->digests[i][0] = 0;
		return 0;
	}
	char *mp = state_store(e->statedir, e->keys[i], "manifest");
	struct buf m = {0};
	if (!file_read(mp, &m))
		ev.size = engine_manifest_size(m.s);
	buf_free(&m);
	free(mp);
	ev.source = e->pulled[i];
	ev.kind = SPROUT_EV_CACHED;
	ev.step = i;
	ev.digest = e->digests[i];
	engine_emit(e, &ev);
	mark_done(e, sc, i);
	return 1;
}

/* Before anything starts: every wanted step whose output is in the store
 * is done, in plan order; the others whose dependencies are done are
 * ready. */
static void mark_cached(struct engine *e, struct sched *sc)
{
	const struct plan *p = e->plan;
	for (size_t k = 0; k < p->nsteps; k++) {
		int i = p->order[k];
		if (e->want[i] && sc->left[i] == 0 && !try_cached(e, sc, i))
			sc->state[i] = ST_PENDING;
	}
	sc->nheap = 0;
	for (size_t k = 0; k < p->nsteps; k++) {
		int i = p->order[k];
		if (e->want[i] && sc->left[i] == 0 && sc->state[i] == ST_PENDING)
			heap_push(sc, i);
	}
}

/* The next ready step to start, or -1: ready steps found in the store on
 * the way (early cutoff) are done. */
static int next_ready(struct engine *e, struct sched *sc)
{
	int i;
	while ((i = heap_pop(sc)) >= 0)
		if (sc->state[i] == ST_PENDING && !try_cached(e, sc, i))
			return i;
	return -1;
}

/* Mark step i failed and report it: as failed, or as interrupted when
 * the run was (whatever its status: its work is not kept). */
static void fail_step(struct engine *e, struct sched *sc, int i, struct engine_event *ev)
{
	char *log = engine_logpath(e, i);
	char *bd = engine_builddir(e, i);
	sc->state[i] = ST_FAILED;
	sc->failed = 1;
	ev->kind = interrupted ? SPROUT_EV_INTERRUPTED : SPROUT_EV_FAIL;
	ev->step = i;
	ev->log = log;
	ev->builddir = bd;
	engine_emit(e, ev);
	free(log);
	free(bd);
}

/* Prepare step i and start its script. 0, or -1 when it could not start
 * (reported as its failure). */
static int start_step(struct engine *e, struct sched *sc, int i)
{
	struct engine_event ev = {0};
	ev.kind = SPROUT_EV_START;
	ev.step = i;
	engine_emit(e, &ev);
	sc->start[i] = now_sec();
	err_clear();
	int laid = ahead_take(sc, i);
	/* A signal while waiting for the tree laid ahead: it is not laid
	 * again here. */
	int pr = interrupted ? -SPROUT_ERR_INTERRUPTED : engine_prepare_laid(e, i, laid);
	if (!pr)
		engine_test_hold(e, i, "SPROUT_PREPARE_HOLD");
	/* A signal while the tree was laid (unpacking GCC takes a while):
	 * the script does not start. */
	if (!pr && interrupted)
		pr = -SPROUT_ERR_INTERRUPTED;
	pid_t pid = -1;
	if (!pr) {
		struct run_spec spec;
		struct run_dep *deps;
		struct strv hold = {0};
		char *tmp = engine_tmpdir(e, i);
		char *out = path_join(tmp, "out");
		engine_spec(e, i, &spec, &deps, &hold, out);
		free(tmp);
		free(out);
		pid = run_spawn(&spec);
		if (pid < 0)
			pr = pid;
		free(deps);
		strv_free(&hold);
	}
	if (pr) {
		ev.secs = now_sec() - sc->start[i];
		ev.error = err_msg(pr);
		fail_step(e, sc, i, &ev);
		if (pr != -SPROUT_ERR_BUILD && !sc->r)
			sc->r = pr;
		return -1;
	}
	sc->pids[i] = pid;
	sc->state[i] = ST_RUNNING;
	sc->run[sc->nrun++] = i;
	return 0;
}

/* A finished step's build tree goes to the trash (build/trash.h): on
 * ext4, files created soon after many were deleted are slow to create, and
 * the next step's sources are exactly that; it is deleted once the run is
 * over, in the background. */
static void discard_tree(struct engine *e, const char *dir)
{
	trash_put(e->statedir, dir);
}

/* Step i's process ended with wait status st: commit its output, or
 * record its failure. */
static void finish_step(struct engine *e, struct sched *sc, int i, int st)
{
	int status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	struct engine_event ev = {0};
	ev.step = i;
	ev.secs = now_sec() - sc->start[i];
	int cr = status == 0 && !interrupted ? engine_commit(e, i, e->digests[i], &ev.size) : 0;
	if (status == 0 && !interrupted && !cr) {
		char *bd = engine_builddir(e, i);
		discard_tree(e, bd);
		free(bd);
		ev.kind = SPROUT_EV_DONE;
		ev.digest = e->digests[i];
		engine_emit(e, &ev);
		mark_done(e, sc, i);
		return;
	}
	e->digests[i][0] = 0;
	char *tmp = engine_tmpdir(e, i);
	trash_put(e->statedir, tmp);
	free(tmp);
	ev.status = status;
	ev.error = cr ? err_msg(cr) : NULL;
	fail_step(e, sc, i, &ev);
}

/* waitpid(-1) that emits SPROUT_EV_TICK every e->tick seconds (when it
 * is above 0) while it waits. With ticks it polls (WNOHANG and short
 * sleeps) rather than catching SIGCHLD, so that nothing else in the
 * process sees an interrupted call. A signal the run has not acted on yet (more than
 * `seen`), whether it came while waiting or before (while a step's sources
 * were unpacked, say), gives -1 and EINTR, like a blocking waitpid. */
static pid_t wait_any(struct engine *e, sig_atomic_t seen, int *st)
{
	if (nsignals != seen) {
		errno = EINTR;
		return -1;
	}
	/* No ticks: block. The handler has no SA_RESTART, so a signal from
	 * here on ends the wait with EINTR. */
	if (e->tick <= 0)
		return waitpid(-1, st, 0);
	double next = now_sec() + e->tick;
	for (;;) {
		pid_t w = waitpid(-1, st, WNOHANG);
		if (w != 0)
			return w;
		if (nsignals != seen) {
			errno = EINTR;
			return -1;
		}
		double t = now_sec();
		if (t >= next) {
			struct engine_event ev = {0};
			ev.kind = SPROUT_EV_TICK;
			ev.step = -1;
			engine_emit(e, &ev);
			next = t + e->tick;
		}
		struct timespec ts = {0, 20 * 1000 * 1000};
		nanosleep(&ts, NULL);
	}
}

/* Wait for one running step and finish it. 0, or -1 when the run must
 * stop (sc->r set). */
static int reap_one(struct engine *e, struct sched *sc)
{
	int st;
	pid_t w = wait_any(e, sc->signals_seen, &st);
	if (w < 0) {
		if (errno != EINTR) {
			sc->r = -errno;
			return -1;
		}
		sc->signals_seen = nsignals;
		for (int k = 0; k < sc->nrun; k++)
			kill(sc->pids[sc->run[k]], SIGTERM);
		return 0;
	}
	if (w == sc->ahead_pid) {
		ahead_ended(sc, st);
		return 0;
	}
	for (int k = 0; k < sc->nrun; k++)
		if (sc->pids[sc->run[k]] == w) {
			int i = sc->run[k];
			sc->run[k] = sc->run[--sc->nrun];
			finish_step(e, sc, i, st);
			break;
		}
	return 0;
}

int engine_build(struct engine *e)
{
	const struct plan *p = e->plan;
	size_t n = p->nsteps;
	struct sched sc;
	struct sigaction sa, old_int, old_term;
	memset(&sc, 0, sizeof sc);
	sched_init(e, &sc);
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_interrupt;
	interrupted = 0;
	sc.signals_seen = nsignals;
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);

	mark_cached(e, &sc);
	for (;;) {
		while (!sc.failed && !interrupted && sc.nrun < e->jobs) {
			int next = next_ready(e, &sc);
			if (next < 0 || start_step(e, &sc, next))
				break;
		}
		ahead_start(e, &sc);
		if (!sc.nrun || reap_one(e, &sc))
			break;
	}
	ahead_stop(&sc);
	for (size_t i = 0; i < n; i++)
		ahead_drop(e, &sc, (int)i);
	for (size_t k = 0; k < n; k++) {
		int i = p->order[k];
		if (e->want[i] && sc.state[i] == ST_PENDING) {
			struct engine_event ev = {0};
			ev.kind = SPROUT_EV_SKIP;
			ev.step = i;
			engine_emit(e, &ev);
		}
	}
	trash_empty_later(e->statedir);
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	sched_free(&sc);
	if (interrupted)
		return errf(SPROUT_ERR_INTERRUPTED, "interrupted by signal %d", (int)interrupted);
	if (sc.r)
		return sc.r;
	return sc.failed ? -SPROUT_ERR_BUILD : 0;
}
