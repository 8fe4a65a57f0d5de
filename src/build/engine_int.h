#ifndef SPROUT_ENGINE_INT_H
#define SPROUT_ENGINE_INT_H

#include <sys/types.h>

#include "build/engine.h"

/* What engine.c (preparing and committing one step) gives engine_run.c
 * (the scheduler of engine_build). Not for other modules. */

/* STATE/tmp/KEY of step i (caller frees). */
char *engine_tmpdir(const struct engine *e, int i);
/* Lay out step i's build tree and empty output directory. 0 or negative
 * code (errf set). */
int engine_prepare(struct engine *e, int i);
/* engine_prepare, but for step i's sources and patches, when laid: they
 * are in its build tree already, laid by engine_lay_ahead's child, which
 * ended well. */
int engine_prepare_laid(struct engine *e, int i, int laid);
/* Start laying step i's sources and patches into its build tree ahead of
 * its start (its dependencies need not be done: the sources are the
 * recipe's), in a child process that ends 0 when they are all there. The
 * child's pid, or -1 when it did not start (the step's build tree exists:
 * a failed run kept it; or no process). */
pid_t engine_lay_ahead(struct engine *e, int i);

/* The tests' hook: with VAR=STEP:FILE in the environment and step i named
 * STEP, create FILE.waiting, then wait until FILE exists (60 s at most),
 * signals or not. */
void engine_test_hold(struct engine *e, int i, const char *var);
/* Store step i's output from its tmp directory: its digest into hex, its
 * size in bytes into *size; records the key as last built. 0 or negative
 * code (errf set). */
int engine_commit(struct engine *e, int i, char hex[65], long long *size);
/* Pull step i, whose key is known and whose output is not in the store,
 * from e->remote into the store: 1 when it is now there (its digest in
 * e->digests[i], its bytes in *size, e->pulled[i] set), else 0. */
int engine_pull(struct engine *e, int i, long long *size);
/* The bytes of the regular files a manifest lists. */
long long engine_manifest_size(const char *m);
/* Hand ev to e->on_event, when there is one. */
void engine_emit(struct engine *e, struct engine_event *ev);

#endif
