/* The run record: what the last build of a plan did, step by step, as it
 * ran (docs/cache.md, "The run record"): when each step started and ended,
 * on which job slot, its result, size and digest. Written at the end of a
 * build that ran a step; read by sprout report. */
#ifndef SPROUT_RUNREC_H
#define SPROUT_RUNREC_H

#include <time.h>

#include "build/engine.h"
#include "build/plan.h"

enum runrec_result { RUNREC_NONE, RUNREC_BUILT, RUNREC_CACHED, RUNREC_FAILED, RUNREC_SKIPPED, RUNREC_INTERRUPTED };
#define RUNREC_RESULTS 6        /* the results, for arrays of counts */

struct runrec_step {
	char *name;             /* owned */
	char *stage;            /* owned */
	enum runrec_result result;
	double start, end;      /* seconds since the run began; -1 when it did not run */
	int slot;               /* 0..jobs-1, the job slot it ran in; -1 when it did not run */
	long long size;         /* output bytes; -1 when unknown */
	char digest[65];        /* "" when none */
};

struct runrec {
	char *plan, *arch;      /* owned */
	int jobs;
	long long started;      /* the run's start, Unix seconds */
	double wall;            /* the run's length in seconds */
	int failed;             /* a step failed */
	struct runrec_step *steps;
	size_t nsteps;
	/* while recording */
	double t0;
	unsigned char *busy;    /* per slot */
	int *index_of;          /* per step of the plan: its index in steps */
};

/* Start recording a build of p for arch with up to jobs steps at once. */
void runrec_begin(struct runrec *r, const struct plan *p, const char *arch, int jobs);
/* Take one engine event (SPROUT_EV_CACHED, _START, _DONE, _FAIL, _SKIP; the
 * rest are ignored). */
void runrec_event(struct runrec *r, const struct engine_event *ev);
/* Write the record to STATE/runs/ARCH/PLAN (atomically), when a step ran:
 * a run where every step was cached leaves the last one in place. 0 or a
 * negative code. */
int runrec_write(struct runrec *r, const char *statedir);
/* Read STATE/runs/ARCH/PLAN into r. 0, -ENOENT when there is none, or
 * SPROUT_ERR_FORMAT (errf names the line). */
int runrec_read(struct runrec *r, const char *statedir, const char *arch, const char *plan);
void runrec_free(struct runrec *r);
/* "built", "cached", "failed", "not started". */
const char *runrec_result_name(enum runrec_result res);

#endif
