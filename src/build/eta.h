#ifndef SPROUT_ETA_H
#define SPROUT_ETA_H

#include "build/plan.h"

/* How long steps take: the wall time of each step's last successful build
 * is kept in STATE/durations/ARCH/STEP (outside the store: it is not an
 * input and changes no key or digest), and the time a run has left is
 * estimated from it by replaying the schedule. */

/* Record that step took secs to build for arch (atomic). 0 or negative code. */
int eta_record(const char *statedir, const char *arch, const char *step, double secs);

/* The duration last recorded for step, or -1 when there is none. */
double eta_recorded(const char *statedir, const char *arch, const char *step);

/* The bytes of rc's sources found in distdir (missing ones count 0). */
long long eta_source_bytes(const char *distdir, const struct recipe *rc);

/* The expected duration of every step into expect[] (seconds): the
 * recorded one, else (guessed[i] set) one from its sources' size, at the
 * rate of the steps that have both, or a default rate the first time. */
void eta_expect(const struct plan *p, const char *statedir, const char *distdir, const char *arch, double *expect,
		char *guessed);

/* A step's state for eta_left. */
enum { SPROUT_ETA_PENDING, SPROUT_ETA_RUNNING, SPROUT_ETA_DONE };

/* Seconds until the wanted steps are done: the plan's order replayed with
 * up to jobs steps at once, each taking expect[i] (a running one what is
 * left of it after ran[i] seconds, at least a second). */
double eta_left(const struct plan *p, const char *want, const char *state, const double *expect, const double *ran,
		int jobs);

#endif
