#ifndef SPROUT_CACHE_H
#define SPROUT_CACHE_H

#include "build/plan.h"
#include "core/util.h"

/* Step keys and the content-addressed store (docs/cache.md).
 * Where they live is build/state.h's business. */

/* The canonical serialisation of step i's inputs into out, given the keys
 * (hex) of every step, of which only i's dependencies are read. */
void cache_inputs(const struct plan *p, int i, const char *arch, char (*keys)[65], struct buf *out);

/* Compute every step's key in topological order. keys has p->nsteps
 * entries; inputs (optional) receives each step's serialisation (owned by
 * the caller, free each). */
void cache_keys(const struct plan *p, const char *arch, char (*keys)[65], char **inputs);

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

#endif
