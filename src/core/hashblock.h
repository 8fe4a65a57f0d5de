#ifndef SPROUT_HASHBLOCK_H
#define SPROUT_HASHBLOCK_H

/* What SHA-1 and SHA-256 share (FIPS 180-4, 5.1.1 and 6.x): the message
 * cut into 64-byte blocks for a compression function, and the padding of
 * the last block with 0x80, zeros and the length in bits, big-endian. */

#include <stddef.h>
#include <stdint.h>

struct hashblock {
	uint64_t len;          /* bytes hashed so far */
	unsigned char buf[64];
	size_t n;              /* bytes waiting in buf */
};

/* A compression function: fold the nblk 64-byte blocks at p into the
 * state words h. */
typedef void hashblock_fn(uint32_t *h, const unsigned char *p, size_t nblk);

/* Start an empty message. */
void hashblock_init(struct hashblock *b);
/* Add the n bytes at p, compressing each whole block into h with fn (as
 * many as there are in one call). */
void hashblock_update(struct hashblock *b, uint32_t *h, hashblock_fn *fn, const void *p, size_t n);
/* Pad the message and compress what is left into h; then the nwords
 * words of h, big-endian, into out, and b and h cleared. */
void hashblock_final(struct hashblock *b, uint32_t *h, size_t nwords, hashblock_fn *fn, unsigned char *out);

#endif
