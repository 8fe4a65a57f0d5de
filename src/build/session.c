#include "build/session.h"
#include "core/util.h"
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

int session_prepare(const struct session *s, struct engine *e, char **steps, int nsteps)
{
	run_use_sandbox = s->sandbox;
	int r = engine_select(e, steps, nsteps);
	if (!r)
		r = engine_lock(e);
	if (!r && s->sandbox)
		r = run_sandbox_check();
	if (!r)
		r = engine_fetch(e, 0, 0);
	return r;
}
