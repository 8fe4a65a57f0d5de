#ifndef SPROUT_TRUST_VERIFY_H
#define SPROUT_TRUST_VERIFY_H

/* sprout verify's logic (docs/trust.md, "verify"): rebuild steps from
 * scratch in variants that must not change the result, and compare their
 * digests with the reference (the normal state's) and the plan's expected
 * ones. Never prints: progress goes to a callback, results stay in struct
 * verify for the caller to show.
 *
 * The caller's order: verify_init, (fetch and build the reference with the
 * engine in v->e's settings), verify_reference, verify_setup, verify_run, then the
 * per-step results (verify_cell, verify_step_ok, verify_explain), and
 * verify_finish and verify_free. */

#include <signal.h>
#include <sys/types.h>

#include "build/engine.h"
#include "core/util.h"
#include "trust/out.h"

/* How a variant runs sprout, and what verify keeps. */
struct verify_settings {
	const char *exe;        /* sprout's own executable */
	const char *statedir;   /* the normal state: the reference */
	const char *distdir;    /* the verified sources */
	int sandbox;            /* --runner=sandbox, else plain */
	int step_timeout;       /* 0 for none */
	char **sets;            /* --set KEY=VALUE passed on */
	int nsets;
	int keep;               /* keep every variant's state */
	int shallow;            /* rebuild the named steps alone: their dependencies
				 * come from the reference's store (--shallow) */
	const char *user;       /* variant C's user, as root */
	double tick;            /* > 0: VERIFY_EV_TICK about this often while a variant runs */
	volatile sig_atomic_t *stop; /* set by a signal: stop the variant, then return */
};

enum verify_ev {
	VERIFY_EV_SKIP,         /* variant cannot run here: v->skip says why */
	VERIFY_EV_START,        /* variant started: argv is its command line */
	VERIFY_EV_TICK,         /* still running: secs so far, line the last of its log */
	VERIFY_EV_DONE,         /* ended: v->status, v->secs (v->skip when it could not build here) */
};

struct verify_event {
	enum verify_ev kind;
	int variant;
	double secs;
	const char *line;       /* VERIFY_EV_TICK: may be NULL */
	char **argv;            /* VERIFY_EV_START */
};

struct verify_variant {
	char label;             /* A, B, C: the table's column */
	char *what;             /* how it differs, for the header */
	char *state;
	int jobs, reverse, mask, junk;
	uid_t uid;              /* not 0: run as this user (gid too) */
	gid_t gid;
	char *skip;             /* why it did not run, or NULL */
	int status;             /* the child's exit status */
	double secs;
	char *log;              /* the child's output */
	struct trust_out *outs; /* per step */
	char (*keys)[65];       /* per step, in its state: a key follows its dependencies' outputs */
	int differs;
};

enum { VERIFY_NVARIANTS = 3 };

struct verify {
	struct verify_settings s;
	struct plan *p;
	const char *arch;
	char *plan_abs;
	char **steps;
	int nsteps;
	struct engine e;        /* keys, the wanted steps */
	struct trust_out *ref;  /* per step, from the normal state */
	char **expected;        /* per step: the plan's digest, or NULL */
	char *expected_path;    /* digests.ARCH beside the plan, or NULL */
	char *logdir;           /* STATE/logs/ARCH/verify */
	struct verify_variant v[VERIFY_NVARIANTS];
	int nv;
	size_t nwant;           /* the steps rebuilt and compared */
	char *dep;              /* --shallow: per step, a dependency taken from the
				 * reference's store (not rebuilt, not compared) */
	size_t ndep;
	void (*on_event)(void *arg, const struct verify_event *ev);
	void *arg;
};

/* Prepare to verify the named steps (all when nsteps is 0) of plan p for
 * arch with settings s (copied; the strings must outlive f): keys, the
 * wanted steps. f->e then takes the engine's run settings (jobs, distdir,
 * mirrors) from the caller before verify_fetch. 0 or negative code. */
int verify_init(struct verify *f, struct plan *p, const char *arch, char **steps, int nsteps,
		const struct verify_settings *s);

/* Fetch the sources of the wanted steps into the distfiles store. */
int verify_fetch(struct verify *f);

/* After the reference build: read its outputs and the plan's expected
 * digests, and make a fresh log directory. 0 or negative code. */
int verify_reference(struct verify *f);

/* Set up the variants (f->v: what each varies), after verify_reference. */
void verify_setup(struct verify *f);

/* Run each variant (events to f->on_event); a variant that cannot run here
 * gets a skip reason. 0, -SPROUT_ERR_INTERRUPTED when
 * s.stop was set, or another code when a variant could not be started. */
int verify_run(struct verify *f);

/* The cell of variant k for step i: "skip", "none", "DIFF" or "same". */
const char *verify_cell(const struct verify *f, int k, int i);

/* Whether step i is reproducible: every variant that ran agrees with the
 * reference, and the reference with the expected digest. */
int verify_step_ok(const struct verify *f, int i);

/* Whether the reference of step i differs from the plan's expected digest. */
int verify_expected_differs(const struct verify *f, int i);

/* Save what shows how step i differs in variant k under f->logdir: the
 * manifest diff (appended to diff), the variant's log, and diffoscope's
 * report when tool is not NULL (*report: its path, caller frees, or NULL
 * when diffoscope failed with *tool_status). Marks the variant to be kept.
 * Returns the diff file's path (caller frees). */
char *verify_explain(struct verify *f, int k, int i, const char *tool, struct buf *diff, char **report,
		     int *tool_status);

/* Why variant k did not build: the last line of its log, or what stopped
 * it from starting (caller frees; NULL when it printed nothing). */
char *verify_failure(const struct verify *f, int k);

/* Whether variant k's state directory is kept (--keep, or it differs). */
int verify_kept(const struct verify *f, int k);

/* Remove the variants' state directories but those kept (--keep, or a
 * variant that differs); returns how many variants ran. */
int verify_finish(struct verify *f);

/* Remove every variant's state directory (after an interruption). */
void verify_remove_states(struct verify *f);

void verify_free(struct verify *f);

#endif
