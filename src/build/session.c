#include <stdlib.h>
#include <string.h>

#include "build/cache.h"
#include "build/eta.h"
#include "build/runrec.h"
#include "build/session.h"
#include "core/err.h"
#include "core/util.h"
#include "fetch/fetch.h"
#include "sandbox/run.h"

char *session_distdir(const struct session *s)
{
	return s->distdir ? xstrdup(s->distdir) : path_join(s->statedir, "distfiles");
}

void session_engine(const struct session *s, struct engine *e)
{
	e->jobs = s->jobs;
	e->timeout = s->timeout;
	e->verbose = s->verbose;
	e->reverse = s->reverse;
	e->distdir = s->distdir;
	e->mirrors = s->mirrors;
}

void session_fetch_ctx(const struct session *s, const struct recipe *rc, const char *distdir, struct fetch_ctx *fc)
{
	memset(fc, 0, sizeof *fc);
	fc->distdir = distdir;
	fc->statedir = s->statedir;
	fc->recipedir = rc->dir;
	fc->recipe = rc->path;
	fc->verbose = s->verbose;
	fc->mirrors = (const char *const *)s->mirrors;
}

/* The engine's events: the run's record and the durations first, then
 * the command's display. */
static void run_event(void *arg, const struct engine_event *ev)
{
	struct session_run *run = arg;
	runrec_event(&run->rec, ev);
	if (ev->kind == SPROUT_EV_DONE) {
		const struct engine *e = &run->e;
		eta_record(e->statedir, e->plan->name, e->arch, e->plan->steps[ev->step].name, ev->secs);
	}
	if (run->h->on_event)
		run->h->on_event(run->h->arg, ev);
}

int session_build(const struct session *s, struct plan *p, const char *arch, char **steps, int nsteps,
		  const struct session_hooks *h, struct session_run *run)
{
	static const struct session_hooks none;
	struct engine *e = &run->e;
	run->h = h ? h : &none;
	engine_init(e, p, arch, s->statedir);
	session_engine(s, e);
	e->on_event = run_event;
	e->arg = run;
	e->tick = run->h->tick;
	runrec_begin(&run->rec, p, arch, s->jobs);
	err_clear();
	int r = run->h->attach ? run->h->attach(run->h->arg, e) : 0;
	if (!r)
		r = session_prepare(s, e, steps, nsteps);
	if (!r && run->h->ready)
		run->h->ready(run->h->arg, e);
	if (!r)
		r = engine_build(e);
	runrec_write(&run->rec, s->statedir); /* for sprout report; a build does not fail for it */
	return r;
}

void session_run_free(struct session_run *run)
{
	runrec_free(&run->rec);
	engine_free(&run->e);
}

int session_fetch_all(const struct session *s, struct plan *p, const char *arch, int offline)
{
	struct engine e;
	int r = engine_init(&e, p, arch, s->statedir);
	session_engine(s, &e);
	if (!r)
		r = engine_fetch(&e, 1, offline);
	engine_free(&e);
	return r;
}

int session_cross_tools(const struct engine *e)
{
	const struct plan *p = e->plan;
	if (!p->ncross_tools || !strcmp(e->arch, host_arch()))
		return 0;
	int need = 0;
	for (size_t i = 0; i < p->nsteps && !need; i++)
		need = e->want[i] && p->stages[p->steps[i].stage].mode == RUN_HOST &&
		       !cache_has(e->statedir, e->keys[i]);
	if (!need)
		return 0;
	struct buf miss = {0};
	for (size_t k = 0; k < p->ncross_tools; k++) {
		struct buf name = {0};
		for (const char *s = p->cross_tools[k]; *s; s++) {
			if (!strncmp(s, "$ARCH", 5)) {
				buf_adds(&name, e->arch);
				s += 4;
			} else {
				buf_addc(&name, *s);
			}
		}
		char *path = fetch_tool_find(name.s);
		if (!path) {
			buf_adds(&miss, miss.len ? ", " : "");
			buf_adds(&miss, name.s);
		}
		free(path);
		buf_free(&name);
	}
	int r = 0;
	if (miss.len)
		r = errf(-SPROUT_ERR_SANDBOX, "--arch %s: the host stage cross-compiles with %s, which is not in PATH "
					      "(on Debian: sh mk/deps.sh --cross); nothing was fetched or built",
			 e->arch, miss.s);
	buf_free(&miss);
	return r;
}

int session_prepare(const struct session *s, struct engine *e, char **steps, int nsteps)
{
	run_use_sandbox = s->sandbox;
	int r = engine_select(e, steps, nsteps);
	if (!r)
		r = session_cross_tools(e); /* before anything is fetched */
	if (!r)
		r = engine_lock(e);
	if (!r && s->sandbox)
		r = run_sandbox_check();
	if (!r)
		r = engine_fetch(e, 0, 0);
	return r;
}
