#ifndef SPROUT_ENGINE_H
#define SPROUT_ENGINE_H

#include <sys/types.h>

#include "build/plan.h"

/* Runs a plan's steps: fetches sources, prepares build trees, starts steps
 * through the runner up to the job count, and records finished outputs in
 * the store. It reports through a callback; it prints nothing itself. */

enum engine_ev {
	SPROUT_EV_CACHED,      /* step output already in the store */
	SPROUT_EV_START,       /* step started */
	SPROUT_EV_DONE,        /* step finished and stored */
	SPROUT_EV_FAIL,        /* step failed; status, log, builddir set */
	SPROUT_EV_SKIP,        /* not started because an earlier step failed */
	SPROUT_EV_TICK,        /* steps are running (step is -1); only when tick > 0 */
	SPROUT_EV_FETCH,       /* source, not in the store, is about to be fetched for step */
	SPROUT_EV_INTERRUPTED, /* step was running when the run was interrupted: stopped, nothing of
				* it kept (it starts again next time); secs set */
};

struct engine_event {
	enum engine_ev kind;
	int step;
	double secs;            /* SPROUT_EV_DONE, SPROUT_EV_FAIL, SPROUT_EV_INTERRUPTED: wall time */
	int status;             /* SPROUT_EV_FAIL: the runner's exit status */
	const char *digest;     /* SPROUT_EV_DONE, SPROUT_EV_CACHED */
	const char *log;        /* SPROUT_EV_FAIL */
	const char *builddir;   /* SPROUT_EV_FAIL: kept for inspection */
	const char *error;      /* SPROUT_EV_FAIL: a setup error instead of a status */
	long long size;         /* SPROUT_EV_DONE, SPROUT_EV_CACHED: output bytes */
	const char *source;     /* SPROUT_EV_FETCH: the file's name; SPROUT_EV_CACHED: the remote
				 * the output was pulled from this run (e->remote), else NULL */
};

/* Where finished steps may come from besides the store: the shared step
 * cache (dist/dist.h) fills this in. The engine defines it so that it
 * needs to know nothing of the cache (which sits above it). */
struct engine;
struct run_spec;
struct engine_remote {
	/* Fill outdir (an empty directory) with the output of e's step i,
	 * whose key e->keys[i] is known, checked as the remote's rules say;
	 * *from names the remote (valid while it lives). 0 when it did: the
	 * engine then stores it as it stores a build's output; a negative
	 * code when not (not there, refused, unreachable): the step is
	 * built here. */
	int (*pull)(void *arg, const struct engine *e, int i, const char *outdir, const char **from);
	void *arg;
};

struct engine {
	struct plan *plan;
	const char *arch;
	const char *statedir;
	int jobs;
	int timeout;
	int verbose;
	int reverse;            /* start ready steps in reverse plan order (sprout verify) */
	int shell;              /* engine_spec is for sprout shell: JOBS as the step's last build had
				 * them, and STEP_SCRIPT, the step's script, to run again */
	double tick;            /* > 0: emit SPROUT_EV_TICK about this often (seconds) while steps run */
	const char *distdir;    /* the distfiles store, or NULL for STATE/distfiles */
	char **mirrors;         /* URL prefixes tried before each source's origins (NULL-terminated), or NULL */
	char (*keys)[65];       /* per step; "" until its dependencies' outputs are known */
	char (*digests)[65];    /* per step: its output's digest, "" until it is built or found cached */
	char **inputs;          /* per step: the key's serialisation */
	char *want;             /* per step: part of this run */
	void (*on_event)(void *arg, const struct engine_event *ev);
	void *arg;
	const struct engine_remote *remote; /* or NULL: only the store and builds */
	const char *farm_netns; /* host-stage steps run in this network namespace, which reaches
				  * only the farm (docs/sandbox.md, "The farm"), or NULL */
	const char *farm_socket; /* with farm_netns: the local icecream daemon's socket */
	const char *farm_env;   /* with farm_socket: the compiler's icecc-create-env tarball */
	/* with farm_netns, for a native-stage step: set spec->farm_env and
	 * farm_client when the step's root has a compiler the farm can run
	 * (dist/farm.h), else leave them NULL (the step is built here) */
	void (*farm_native)(void *arg, struct run_spec *spec);
	void *farm_arg;
	const char **pulled;    /* per step: the remote its output came from this run, or NULL */
	char *asked;            /* per step: the remote was asked for it this run (once is enough) */
	int lockfd;
};

struct fetch_ctx;
struct buf;
/* Lay recipe rc's build tree out in dir: each source fetched through fc
 * (verified again; set fc->offline to refuse downloads) and unpacked or
 * copied with its inner archives, its regenerate and delete rules applied
 * (a line per inner archive unpacked and per rule appended to removed),
 * then its patches copied under dir/patches. The
 * engine's and the VM overlay's one way to do it. 0 or negative code. */
int engine_lay_sources(const struct recipe *rc, const struct fetch_ctx *fc, const char *dir, struct buf *removed);

/* Prepare to run plan p for arch: compute keys, mark every step wanted but
 * those marked ondemand=yes that no other step needs.
 * 0 or negative code. */
int engine_init(struct engine *e, struct plan *p, const char *arch, const char *statedir);
void engine_free(struct engine *e);

/* Restrict the run to the named steps and what they depend on. 0, or
 * SPROUT_ERR_NOTFOUND naming an unknown step. */
int engine_select(struct engine *e, char **names, int n);

/* Take the state directory's lock and clear what an interrupted run left
 * (temporary outputs). 0, or SPROUT_ERR_BUSY when another sprout holds it. */
int engine_lock(struct engine *e);
/* Take the lock of the state directory statedir as engine_lock does and
 * keep it until the process ends; every later engine_lock of that
 * directory in this process shares it. For a command made of several
 * runs (bootstrap --mode vm: the host's steps, the payload, the VM, the
 * import), which must stay the state's one user from its first run to its
 * last. 0, or SPROUT_ERR_BUSY when another sprout holds it. */
int engine_lock_hold(const char *statedir);

/* Fetch and verify every source of the wanted steps that are not cached
 * (all of them when all is non-zero). With e->remote (and neither all nor
 * offline), first pull from it, in plan order, every wanted step whose key
 * the store and the pulls let it know, so that nothing is fetched for what
 * the remote has. 0 or negative code (errf set). */
int engine_fetch(struct engine *e, int all, int offline);

/* Build the wanted steps that are not cached. 0, SPROUT_ERR_BUILD when a step
 * failed (reported through SPROUT_EV_FAIL), SPROUT_ERR_INTERRUPTED, or another negative
 * code for a setup failure. */
int engine_build(struct engine *e);

/* Lay out step i's build tree afresh, as a build would (sources unpacked,
 * patches, dependencies' outputs): for sprout shell of a step that has no
 * failed attempt. Its sources must be in the distfiles store (engine_fetch)
 * and its dependencies' outputs in the store. 0 or negative code (errf). */
int engine_prepare(struct engine *e, int i);

/* Paths for step i (caller frees): its build tree, log. */
char *engine_builddir(const struct engine *e, int i);
char *engine_logpath(const struct engine *e, int i);

/* Fill spec for step i (prepared trees must exist); the strings are owned
 * by *hold, freed with strv_free. */
struct run_spec;
struct strv;
void engine_spec(const struct engine *e, int i, struct run_spec *spec, struct run_dep **deps, struct strv *hold,
		 const char *destdir);

#endif
