#ifndef SPROUT_STATE_H
#define SPROUT_STATE_H

/* The state directory's layout (docs/cache.md, "The state directory"): the
 * one module that knows where things live under STATE. Every path into the
 * store and every per-step record is made here; no other file spells them.
 *
 *   STATE/store/KEY/{out/,manifest,digest,inputs}   finished steps
 *   STATE/tmp/KEY/                                   a step being committed
 *   STATE/last/PLAN/ARCH/STEP                        the key last built
 *   STATE/durations/PLAN/ARCH/STEP                   its wall time
 *   STATE/logs/PLAN/ARCH/STEP.log                    its log
 *   STATE/build/PLAN/ARCH/STEP/                      its build tree
 *   STATE/layout                                     "sprout-state 2"
 *   STATE/trash/, STATE/deleting/                    what runs threw away (build/trash.h)
 *
 * Per-step records are keyed by plan, arch and step, so that two plans in
 * one state directory never share them. Every returned path is the
 * caller's to free. */

/* STATE/NAME, for the state directory's own files: "lock", "distfiles",
 * "tmp", "store", "layout". */
char *state_path(const char *statedir, const char *name);

/* STATE/store/KEY, or STATE/store/KEY/NAME when name is not NULL ("out",
 * "manifest", "digest", "inputs"). */
char *state_store(const char *statedir, const char *key, const char *name);

/* STATE/tmp/KEY, where a step's output is made before it is committed. */
char *state_tmp(const char *statedir, const char *key);

/* The kinds of per-step record. */
enum state_rec {
	STATE_LAST,     /* the key a step was last built with */
	STATE_DURATION, /* the wall time of its last successful build */
	STATE_LOG,      /* its log (STEP.log) */
	STATE_BUILD,    /* its build tree (a directory) */
};

/* The directory holding plan's records of kind for arch. */
char *state_record_dir(const char *statedir, enum state_rec kind, const char *plan, const char *arch);
/* The record of kind for step of plan and arch. */
char *state_record(const char *statedir, enum state_rec kind, const char *plan, const char *arch, const char *step);

/* Read the key step was last built with into key. 0, or -ENOENT when it
 * was never built (or the record is not one). */
int state_last(const char *statedir, const char *plan, const char *arch, const char *step, char key[65]);
/* Record that step was last built with key (atomic). 0 or negative code. */
int state_set_last(const char *statedir, const char *plan, const char *arch, const char *step, const char *key);

/* Bring a state directory of an older layout to this one; call with the
 * state directory's lock held. The store is kept as it is (a key names the
 * same thing in every layout); the per-step records of layout 1, which
 * named no plan (last/ARCH/STEP ...), are moved under STATE/old-records/
 * where nothing reads them. 0 or negative code. */
int state_upgrade(const char *statedir);

#endif
