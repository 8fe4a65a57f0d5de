#ifndef SPROUT_TRUST_OUT_H
#define SPROUT_TRUST_OUT_H

#include <stddef.h>

/* What a build left in a state directory for one step: what the trust
 * checks compare. */
struct trust_out {
	char digest[65];        /* "" when not in the store */
	char *manifest;         /* NULL when not in the store */
};

/* Read the output of key from the store of state into o (both fields empty
 * when it is not there). */
void trust_out_read(const char *state, const char *key, struct trust_out *o);

/* Free the n outputs at o (NULL or from calloc) and their manifests. */
void trust_outs_free(struct trust_out *o, size_t n);

/* Whether two outputs are both in the store with the same digest. */
int trust_out_same(const struct trust_out *a, const struct trust_out *b);

#endif
