#include <string.h>

#include "core/hashblock.h"

static void store_be32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

void hashblock_init(struct hashblock *b)
{
	b->len = 0;
	b->n = 0;
}

void hashblock_update(struct hashblock *b, uint32_t *h, hashblock_fn *fn, const void *data, size_t n)
{
	const unsigned char *p = data;
	b->len += n;
	if (b->n) {
		size_t k = 64 - b->n;
		if (k > n)
			k = n;
		memcpy(b->buf + b->n, p, k);
		b->n += k;
		p += k;
		n -= k;
		if (b->n < 64)
			return;
		fn(h, b->buf, 1);
		b->n = 0;
	}
	if (n >= 64) {
		fn(h, p, n / 64);
		p += n & ~(size_t)63;
		n &= 63;
	}
	if (n) {
		memcpy(b->buf, p, n);
		b->n = n;
	}
}

void hashblock_final(struct hashblock *b, uint32_t *h, size_t nwords, hashblock_fn *fn, unsigned char *out)
{
	uint64_t bits = b->len * 8;
	b->buf[b->n++] = 0x80;
	if (b->n > 56) {
		memset(b->buf + b->n, 0, 64 - b->n);
		fn(h, b->buf, 1);
		b->n = 0;
	}
	memset(b->buf + b->n, 0, 56 - b->n);
	store_be32(b->buf + 56, (uint32_t)(bits >> 32));
	store_be32(b->buf + 60, (uint32_t)bits);
	fn(h, b->buf, 1);
	for (size_t i = 0; i < nwords; i++)
		store_be32(out + 4 * i, h[i]);
	memset(b, 0, sizeof *b);
	memset(h, 0, nwords * sizeof *h);
}
