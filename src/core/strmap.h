#ifndef SPROUT_STRMAP_H
#define SPROUT_STRMAP_H

#include <stddef.h>

/* A map from strings to ints: open addressing, FNV-1a, grown at half
 * full, so that looking a name up among n costs the same for any n (a
 * plan of 10,000 steps must not compare every name with every other). The
 * keys are borrowed: they must outlive the map and not change. */
struct strmap {
	const char **keys;
	int *vals;
	size_t cap, n;
};

/* Set key to val (replacing an earlier value). */
void strmap_put(struct strmap *m, const char *key, int val);
/* The value of key, or -1 when it has none. */
int strmap_get(const struct strmap *m, const char *key);
/* The value of the len bytes at key (not NUL-terminated), or -1. */
int strmap_getn(const struct strmap *m, const char *key, size_t len);
/* Forget every key; the map can be used again. */
void strmap_free(struct strmap *m);

#endif
