#ifndef SPROUT_SHA1_H
#define SPROUT_SHA1_H

#include <stddef.h>
#include <stdint.h>

#include "core/hashblock.h"

/* SHA-1 (FIPS 180-4), only because SPDX requires it for every file and for
 * its package verification code; sprout itself trusts sha256 alone. */

struct sha1 {
	uint32_t h[5];
	struct hashblock b;
};

void sha1_init(struct sha1 *c);
void sha1_update(struct sha1 *c, const void *p, size_t n);
void sha1_final(struct sha1 *c, unsigned char out[20]);
/* Hash the file at path into lower-case hex (41 bytes with the NUL). 0 or -errno. */
int sha1_file_hex(const char *path, char out[41]);
/* Lower-case hex of a digest into out (41 bytes with the NUL). */
void sha1_hex(const unsigned char d[20], char out[41]);

#endif
