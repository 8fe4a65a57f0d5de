#ifndef SPROUT_ETA_H
#define SPROUT_ETA_H

#include "build/plan.h"

/* How long steps take: the wall time of each step's last successful build
 * is kept in STATE/durations/PLAN/ARCH/STEP (outside the store: it is not an
 * input and changes no key or digest), and the time a run has left is
 * estimated from it by replaying the schedule. */

/* Record that step of plan took secs to build for arch (atomic). 0 or
 * negative code. */
int eta_record(const char *statedir, const char *plan, const char *arch, const char *step, double secs);

/* The duration last recorded for step of plan, or -1 when there is none. */
double eta_recorded(const char *statedir, const char *plan, const char *arch, const char *step);

/* The bytes of rc's sources found in distdir (missing ones count 0). */
long long eta_source_bytes(const char *distdir, const struct recipe *rc);

/* The expected duration of every step into expect[] (seconds): the
 * recorded one, else (guessed[i] set) one from its sources' size, at the
 * rate of the steps that have both, or a default rate the first time. */
void eta_expect(const struct plan *p, const char *statedir, const char *distdir, const char *arch, double *expect,
		char *guessed);

/* The durations recorded with the plan (PLAN/durations.ARCH, "STEP SECS"
 * lines, written by bootstrap --update-digests) into planned[] (seconds;
 * -1 for a step it does not list). 0, or -ENOENT when there is none. */
int eta_planned(const struct plan *p, const char *arch, double *planned);

/* Write PLAN/durations.ARCH from the durations recorded in statedir
 * (jobs: the -j they were built with, noted in its comment). 0 or
 * negative code. */
int eta_save_planned(const struct plan *p, const char *statedir, const char *arch, int jobs);

/* This machine's pace against the plan's record: the time the steps that
 * have both took (took[i] > 0: in this run, or running past their
 * estimate) over what the plan says they take; 1 when none has both. */
double eta_scale(size_t n, const double *planned, const double *took);

/* guessed[] value of a step expected from the plan's durations. */
#define ETA_FROM_PLAN 2

/* For every step not timed on this machine (guessed[i] set) that the plan
 * lists: expect the plan's duration times scale; guessed[i] becomes
 * ETA_FROM_PLAN. */
void eta_use_planned(size_t n, const double *planned, double scale, double *expect, char *guessed);

/* A step's state for eta_left. */
enum { SPROUT_ETA_PENDING, SPROUT_ETA_RUNNING, SPROUT_ETA_DONE };

/* Seconds until the wanted steps are done: the plan's order replayed with
 * up to jobs steps at once, each taking expect[i] (a running one what is
 * left of it after ran[i] seconds; past its estimate, a tenth of ran[i],
 * and at least a second). */
double eta_left(const struct plan *p, const char *want, const char *state, const double *expect, const double *ran,
		int jobs);

#endif
