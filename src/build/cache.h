#ifndef SPROUT_CACHE_H
#define SPROUT_CACHE_H

#include "build/plan.h"
#include "core/util.h"

/* Step keys and the content-addressed store (docs/cache.md).
 * Where they live is build/state.h's business. */

/* The first line of every serialisation: a key computed another way
 * (sprout-inputs 1 hashed dependencies' keys) never matches one of these. */
#define CACHE_INPUTS_VERSION "sprout-inputs 2"

/* The arch a key names as the host's (its "host-arch" line): NULL for
 * host_arch(). The sprout inside VM mode's VM sets the host's, since it
 * builds on the host's behalf and its keys must be the host's
 * (docs/modes.md). */
extern const char *cache_host_arch;

/* The canonical serialisation of step i's inputs into out (docs/cache.md),
 * given the output digests (hex) of every step, of which only i's
 * dependencies are read; one whose digest is "" (not built yet) is left
 * out, which only sprout plan does, to compare the rest. */
void cache_inputs(const struct plan *p, int i, const char *arch, char (*digests)[65], struct buf *out);

/* Whether every dependency of step i has a digest, i.e. its key is known. */
int cache_ready(const struct plan *p, int i, char (*digests)[65]);

/* Step i's key (hex) from its dependencies' digests; its serialisation
 * into *inputs when inputs is not NULL (freeing what was there). */
void cache_key(const struct plan *p, int i, const char *arch, char (*digests)[65], char key[65], char **inputs);

/* Every key that the store lets us know now, in topological order: a
 * step's key is known when each of its dependencies' is and their outputs
 * are in statedir's store (early cutoff: a key hashes its dependencies'
 * output digests, not their keys). keys[i] is "" for the others (they wait
 * for a dependency to be built). digests (optional) receives the digest of
 * every step whose output is in the store, "" for the rest; inputs
 * (optional) each known key's serialisation (the caller frees each).
 * Returns how many keys are not known. */
size_t cache_keys(const struct plan *p, const char *arch, const char *statedir, char (*keys)[65],
		  char (*digests)[65], char **inputs);

/* The output directory of step i of plan p for arch in statedir's store,
 * by the keys the store lets us know now, into *out (caller frees): 0, or
 * -ENOENT when it is not built. */
int cache_output(const struct plan *p, const char *arch, const char *statedir, int i, char **out);

/* Whether key's output is in the store (never for the unknown key ""). */
int cache_has(const char *statedir, const char *key);
/* Read the digest of a stored key into hex. 0 or negative code. */
int cache_digest(const char *statedir, const char *key, char hex[65]);

/* Why step i is not cached, into why, given the digests of the steps in
 * the store ("" for the others): "never built", "output missing from the
 * store", or every input that differs from the last build's, e.g. "recipe
 * changed (version 1 -> 2)", "patch x changed", "source x added",
 * "dependency musl changed" (its output did), "setting K changed (a -> b)",
 * "patch y removed"; then, for a step whose key is not known yet because
 * a dependency must be built first, "; waits for musl, tcc" (or only
 * "waits for ..." when nothing of its own changed). */
void cache_why(const char *statedir, const char *arch, const struct plan *p, int i, char (*digests)[65],
	       struct buf *why);

#endif
