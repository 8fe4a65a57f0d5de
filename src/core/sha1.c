#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "core/sha1.h"
#include "core/util.h"

static uint32_t rol(uint32_t x, int n)
{
	return x << n | x >> (32 - n);
}

static void block(uint32_t *h, const unsigned char *p)
{
	uint32_t w[80], a = h[0], b = h[1], d = h[3], e = h[4], cc = h[2];
	for (int i = 0; i < 16; i++)
		w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 | (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
	for (int i = 16; i < 80; i++)
		w[i] = rol(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
	for (int i = 0; i < 80; i++) {
		uint32_t f, k;
		if (i < 20) {
			f = (b & cc) | (~b & d);
			k = 0x5a827999;
		} else if (i < 40) {
			f = b ^ cc ^ d;
			k = 0x6ed9eba1;
		} else if (i < 60) {
			f = (b & cc) | (b & d) | (cc & d);
			k = 0x8f1bbcdc;
		} else {
			f = b ^ cc ^ d;
			k = 0xca62c1d6;
		}
		uint32_t t = rol(a, 5) + f + e + k + w[i];
		e = d;
		d = cc;
		cc = rol(b, 30);
		b = a;
		a = t;
	}
	h[0] += a;
	h[1] += b;
	h[2] += cc;
	h[3] += d;
	h[4] += e;
}

static void blocks(uint32_t *h, const unsigned char *p, size_t nblk)
{
	for (size_t i = 0; i < nblk; i++)
		block(h, p + 64 * i);
}

void sha1_init(struct sha1 *c)
{
	static const uint32_t iv[5] = {0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476, 0xc3d2e1f0};
	memcpy(c->h, iv, sizeof iv);
	hashblock_init(&c->b);
}

void sha1_update(struct sha1 *c, const void *data, size_t n)
{
	hashblock_update(&c->b, c->h, blocks, data, n);
}

void sha1_final(struct sha1 *c, unsigned char out[20])
{
	hashblock_final(&c->b, c->h, 5, blocks, out);
}

void sha1_hex(const unsigned char d[20], char out[41])
{
	hex_encode(d, 20, out);
}

/* fd_each_chunk's fn: hash the piece into the context at arg. */
static int feed(void *arg, const void *p, size_t n)
{
	sha1_update(arg, p, n);
	return 0;
}

int sha1_file_hex(const char *path, char out[41])
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	struct sha1 c;
	unsigned char buf[65536], d[20];
	sha1_init(&c);
	int r = fd_each_chunk(fd, buf, sizeof buf, feed, &c);
	close(fd);
	if (r)
		return r;
	sha1_final(&c, d);
	sha1_hex(d, out);
	return 0;
}
