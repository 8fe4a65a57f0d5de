#ifndef SPROUT_CACHE_H
#define SPROUT_CACHE_H

#include "build/plan.h"
#include "core/util.h"

/* Step keys and the content-addressed store (docs/cache.md).
 * state/store/KEY/{out/,manifest,digest,inputs} is a finished step: it is
 * renamed into place only when complete. state/last/ARCH/STEP names the
 * key a step was last built with, for explaining rebuilds. */

/* The canonical serialisation of step i's inputs into out, given the keys
 * (hex) of every step, of which only i's dependencies are read. */
void cache_inputs(const struct plan *p, int i, const char *arch, char (*keys)[65], struct buf *out);

/* Compute every step's key in topological order. keys has p->nsteps
 * entries; inputs (optional) receives each step's serialisation (owned by
 * the caller, free each). */
void cache_keys(const struct plan *p, const char *arch, char (*keys)[65], char **inputs);

/* The store directory of key (caller frees). */
char *cache_dir(const char *statedir, const char *key);
/* Whether key's output is in the store. */
int cache_has(const char *statedir, const char *key);
/* Read the digest of a stored key into hex. 0 or negative code. */
int cache_digest(const char *statedir, const char *key, char hex[65]);

/* Why step i is not cached, into why: "never built", "output missing from
 * the store", or every input that differs from the last build's, e.g.
 * "recipe changed (version 1 -> 2)", "patch x changed", "source x added",
 * "dependency musl changed", "setting K changed (a -> b)", "patch y removed". */
void cache_why(const char *statedir, const char *arch, const struct plan *p, int i, const char *inputs,
	       struct buf *why);

/* Record that step was last built with key (atomic). 0 or negative code. */
int cache_set_last(const char *statedir, const char *arch, const char *step, const char *key);

#endif
