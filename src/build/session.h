#ifndef SPROUT_SESSION_H
#define SPROUT_SESSION_H

/* The settings of one run, as the library needs them (the command line
 * and sprout.conf fill them in), and what every command that builds does
 * before the engine runs. Shared by build, bootstrap, verify, diverse,
 * fetch and audit. */

#include "build/engine.h"
#include "build/runrec.h"

struct session {
	const char *statedir;
	const char *distdir;    /* the distfiles store, or NULL for STATE/distfiles */
	char **mirrors;         /* URL prefixes tried first (NULL-terminated), or NULL */
	int jobs;
	int timeout;            /* a step's time limit in seconds, 0 for none */
	int verbose;
	int reverse;            /* ready steps start in reverse plan order */
	int sandbox;            /* 1: the namespace sandbox; 0: the plain runner */
};

/* The distfiles store of the run (caller frees). */
char *session_distdir(const struct session *s);

/* A fetch_ctx for the sources of recipe rc, into the run's distfiles
 * store distdir (session_distdir's, which fc points to): the state, the
 * recipe's directory and file, the verbosity and the mirrors; not
 * offline, and no served. */
struct fetch_ctx;
struct recipe;
void session_fetch_ctx(const struct session *s, const struct recipe *rc, const char *distdir, struct fetch_ctx *fc);

/* Give engine e the run's settings: jobs, step timeout, verbosity, order,
 * the distfiles store and the mirrors. */
void session_engine(const struct session *s, struct engine *e);

/* When e's arch is not the host's and a host-stage step is to be built:
 * each of the plan's cross-tools must be in PATH. 0, or
 * -SPROUT_ERR_SANDBOX naming what is missing (errf). */
int session_cross_tools(const struct engine *e);

/* Everything before engine_build: restrict e to the named steps (all when
 * nsteps is 0), check the cross tools (session_cross_tools), lock the
 * state directory, check that the sandbox can run (when s->sandbox), and
 * fetch what the steps to build need. 0 or a negative code (errf set). */
int session_prepare(const struct session *s, struct engine *e, char **steps, int nsteps);

/* What a command adds to session_build: its display and what it attaches
 * to the engine. Every member may be NULL (0). */
struct session_hooks {
	void *arg;
	/* After the engine is set up with the run's settings, before anything
	 * is fetched: attach a shared cache or a compile farm to e. 0, or a
	 * code that ends the build. */
	int (*attach)(void *arg, struct engine *e);
	/* After session_prepare, before engine_build: e->want says which
	 * steps the run has. */
	void (*ready)(void *arg, struct engine *e);
	/* Each event of the engine, after the run's record took it. */
	void (*on_event)(void *arg, const struct engine_event *ev);
	double tick;            /* > 0: SPROUT_EV_TICK about this often while steps run */
};

/* One build, as every command that builds makes it. */
struct session_run {
	struct engine e;        /* the run's engine, for the hooks to read */
	struct runrec rec;      /* its record (build/runrec.h) */
	const struct session_hooks *h;
};

/* Build the named steps (all when nsteps is 0) of plan p for arch with
 * the run's settings: the engine set up, h's attach, session_prepare, h's
 * ready, engine_build. Every event goes to the run's record, a built
 * step's time to the state's durations (eta_record), then to h's
 * on_event; the record is written to the state directory at the end, for
 * sprout report. Free run with session_run_free, also after an error. 0,
 * -SPROUT_ERR_BUILD after a failed step, or another code (errf set). */
int session_build(const struct session *s, struct plan *p, const char *arch, char **steps, int nsteps,
		  const struct session_hooks *h, struct session_run *run);
void session_run_free(struct session_run *run);

/* Fetch and verify every source of every step of plan p for arch (from
 * the store only when offline). 0 or a negative code (errf set). */
int session_fetch_all(const struct session *s, struct plan *p, const char *arch, int offline);

#endif
