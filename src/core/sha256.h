#ifndef SPROUT_SHA256_H
#define SPROUT_SHA256_H

#include <stddef.h>
#include <stdint.h>

#include "core/hashblock.h"

struct sha256 {
	uint32_t h[8];
	struct hashblock b;
};

void sha256_init(struct sha256 *c);
void sha256_update(struct sha256 *c, const void *p, size_t n);
void sha256_final(struct sha256 *c, unsigned char out[32]);
/* One-shot hash of a memory block. */
void sha256_buf(const void *p, size_t n, unsigned char out[32]);
/* Hash everything readable from fd (to EOF). 0 or -errno. */
int sha256_fd(int fd, unsigned char out[32]);
/* Hash the file at path. 0 or -errno. */
int sha256_file(const char *path, unsigned char out[32]);
/* Lower-case hex of a digest into out (65 bytes with the NUL). */
void sha256_hex(const unsigned char d[32], char out[65]);
/* Parse 64 hex digits (either case) into d. 0, or -1 when s is not exactly
 * 64 hex digits. */
int sha256_unhex(const char *s, size_t n, unsigned char d[32]);
/* Which block function hashes: "sha-ni" or "portable" (static). */
const char *sha256_impl(void);
/* Hash with the portable block function from now on (tests, benchmarks). */
void sha256_use_portable(void);

#endif
