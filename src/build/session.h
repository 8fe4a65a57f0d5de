#ifndef SPROUT_SESSION_H
#define SPROUT_SESSION_H

/* The settings of one run, as the library needs them (the command line
 * and sprout.conf fill them in), and what every command that builds does
 * before the engine runs. Shared by build, bootstrap, verify, diverse,
 * fetch and audit. */

#include "build/engine.h"

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

/* Fetch and verify every source of every step of plan p for arch (from
 * the store only when offline). 0 or a negative code (errf set). */
int session_fetch_all(const struct session *s, struct plan *p, const char *arch, int offline);

#endif
