/* SHA-256 (FIPS 180-4). A portable, unrolled block function, and on x86_64
 * with gcc or clang one built on the SHA extensions, picked at run time by
 * cpuid. Both give the same digests; tcc builds only get the portable one. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/hashblock.h"
#include "core/sha256.h"
#include "core/util.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__)) && !defined(__TINYC__)
#define SHA256_HAVE_SHANI 1
#include <cpuid.h>
#include <immintrin.h>
#endif

static const uint32_t K[64] = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
	0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
	0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
	0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
	0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
	0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
	0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
	0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

static uint32_t load_be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

#define ROR(x, n) ((x) >> (n) | (x) << (32 - (n)))
#define S0(x) (ROR(x, 2) ^ ROR(x, 13) ^ ROR(x, 22))
#define S1(x) (ROR(x, 6) ^ ROR(x, 11) ^ ROR(x, 25))
#define s0(x) (ROR(x, 7) ^ ROR(x, 18) ^ ((x) >> 3))
#define s1(x) (ROR(x, 17) ^ ROR(x, 19) ^ ((x) >> 10))
#define CH(x, y, z) ((z) ^ ((x) & ((y) ^ (z))))
#define MAJ(x, y, z) (((x) & (y)) | ((z) & ((x) | (y))))

/* W is a 16-word ring: round i >= 16 computes its word in place. */
#define W16(i) (w[(i) & 15] += s1(w[((i) - 2) & 15]) + w[((i) - 7) & 15] + s0(w[((i) - 15) & 15]))
#define RND(a, b, c, d, e, f, g, h, i, wi) do { \
	uint32_t t1 = h + S1(e) + CH(e, f, g) + K[i] + (wi); \
	d += t1; \
	h = t1 + S0(a) + MAJ(a, b, c); \
} while (0)
#define R8(i, W) do { \
	RND(a, b, c, d, e, f, g, h, (i) + 0, W((i) + 0)); \
	RND(h, a, b, c, d, e, f, g, (i) + 1, W((i) + 1)); \
	RND(g, h, a, b, c, d, e, f, (i) + 2, W((i) + 2)); \
	RND(f, g, h, a, b, c, d, e, (i) + 3, W((i) + 3)); \
	RND(e, f, g, h, a, b, c, d, (i) + 4, W((i) + 4)); \
	RND(d, e, f, g, h, a, b, c, (i) + 5, W((i) + 5)); \
	RND(c, d, e, f, g, h, a, b, (i) + 6, W((i) + 6)); \
	RND(b, c, d, e, f, g, h, a, (i) + 7, W((i) + 7)); \
} while (0)
#define W0(i) (w[i])

static void blocks_portable(uint32_t st[8], const unsigned char *p, size_t nblk)
{
	while (nblk--) {
		uint32_t w[16];
		uint32_t a = st[0], b = st[1], c = st[2], d = st[3];
		uint32_t e = st[4], f = st[5], g = st[6], h = st[7];
		for (int i = 0; i < 16; i++)
			w[i] = load_be32(p + 4 * i);
		R8(0, W0);
		R8(8, W0);
		R8(16, W16);
		R8(24, W16);
		R8(32, W16);
		R8(40, W16);
		R8(48, W16);
		R8(56, W16);
		st[0] += a; st[1] += b; st[2] += c; st[3] += d;
		st[4] += e; st[5] += f; st[6] += g; st[7] += h;
		p += 64;
	}
}

#ifdef SHA256_HAVE_SHANI
/* The usual SHA-NI schedule: state kept as ABEF/CDGH, four rounds per
 * sha256rnds2 pair, message words extended with sha256msg1/msg2. */
__attribute__((target("sha,sse4.1")))
static void blocks_shani(uint32_t st[8], const unsigned char *p, size_t nblk)
{
	const __m128i bswap = _mm_set_epi64x(0x0c0d0e0f08090a0bULL, 0x0405060700010203ULL);
	__m128i tmp = _mm_loadu_si128((const __m128i *)(const void *)&st[0]);
	__m128i s1 = _mm_loadu_si128((const __m128i *)(const void *)&st[4]);
	tmp = _mm_shuffle_epi32(tmp, 0xB1);          /* CDAB */
	s1 = _mm_shuffle_epi32(s1, 0x1B);            /* EFGH */
	__m128i s0 = _mm_alignr_epi8(tmp, s1, 8);    /* ABEF */
	s1 = _mm_blend_epi16(s1, tmp, 0xF0);         /* CDGH */

	while (nblk--) {
		__m128i a0 = s0, c0 = s1, msg, m0, m1, m2, m3, t;

#define KV(i) _mm_loadu_si128((const __m128i *)(const void *)&K[i])
#define QR(m, i) do { \
	msg = _mm_add_epi32(m, KV(i)); \
	s1 = _mm_sha256rnds2_epu32(s1, s0, msg); \
	msg = _mm_shuffle_epi32(msg, 0x0E); \
	s0 = _mm_sha256rnds2_epu32(s0, s1, msg); \
} while (0)
/* Rounds i..i+3 on mc, then extend: mn += alignr(mc, mp) and msg2 with mc;
 * mp = msg1(mp, mc). */
#define QRX(mc, mp, mn, i) do { \
	QR(mc, i); \
	t = _mm_alignr_epi8(mc, mp, 4); \
	mn = _mm_add_epi32(mn, t); \
	mn = _mm_sha256msg2_epu32(mn, mc); \
	mp = _mm_sha256msg1_epu32(mp, mc); \
} while (0)

		m0 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(const void *)(p + 0)), bswap);
		m1 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(const void *)(p + 16)), bswap);
		m2 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(const void *)(p + 32)), bswap);
		m3 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(const void *)(p + 48)), bswap);

		QR(m0, 0);
		QR(m1, 4);
		m0 = _mm_sha256msg1_epu32(m0, m1);
		QR(m2, 8);
		m1 = _mm_sha256msg1_epu32(m1, m2);
		QRX(m3, m2, m0, 12);
		QRX(m0, m3, m1, 16);
		QRX(m1, m0, m2, 20);
		QRX(m2, m1, m3, 24);
		QRX(m3, m2, m0, 28);
		QRX(m0, m3, m1, 32);
		QRX(m1, m0, m2, 36);
		QRX(m2, m1, m3, 40);
		QRX(m3, m2, m0, 44);
		QRX(m0, m3, m1, 48);
		/* The last three groups need no more message words. */
		QR(m1, 52);
		t = _mm_alignr_epi8(m1, m0, 4);
		m2 = _mm_add_epi32(m2, t);
		m2 = _mm_sha256msg2_epu32(m2, m1);
		QR(m2, 56);
		t = _mm_alignr_epi8(m2, m1, 4);
		m3 = _mm_add_epi32(m3, t);
		m3 = _mm_sha256msg2_epu32(m3, m2);
		QR(m3, 60);
#undef QRX
#undef QR
#undef KV
		s0 = _mm_add_epi32(s0, a0);
		s1 = _mm_add_epi32(s1, c0);
		p += 64;
	}

	tmp = _mm_shuffle_epi32(s0, 0x1B);           /* FEBA */
	s1 = _mm_shuffle_epi32(s1, 0xB1);            /* DCHG */
	s0 = _mm_blend_epi16(tmp, s1, 0xF0);         /* DCBA */
	s1 = _mm_alignr_epi8(s1, tmp, 8);            /* HGFE */
	_mm_storeu_si128((__m128i *)(void *)&st[0], s0);
	_mm_storeu_si128((__m128i *)(void *)&st[4], s1);
}

static int cpu_has_shani(void)
{
	unsigned a, b, c, d;
	if (!__get_cpuid(1, &a, &b, &c, &d))
		return 0;
	if (!(c & bit_SSE4_1) || !(c & bit_SSSE3))
		return 0;
	if (__get_cpuid_max(0, NULL) < 7)
		return 0;
	__cpuid_count(7, 0, a, b, c, d);
	return (b >> 29) & 1;    /* CPUID.(7,0):EBX.SHA */
}
#endif

typedef hashblock_fn blocks_fn;

static blocks_fn *blocks_chosen;

/* Chosen once; SPROUT_SHA256=portable in the environment forces the
 * portable path (for comparing the two in benchmarks). */
static blocks_fn *blocks_pick(void)
{
	if (blocks_chosen)
		return blocks_chosen;
	blocks_fn *f = blocks_portable;
#ifdef SHA256_HAVE_SHANI
	const char *env = getenv("SPROUT_SHA256");
	if (!(env && !strcmp(env, "portable")) && cpu_has_shani())
		f = blocks_shani;
#endif
	blocks_chosen = f;
	return f;
}

const char *sha256_impl(void)
{
	return blocks_pick() == blocks_portable ? "portable" : "sha-ni";
}

void sha256_use_portable(void)
{
	blocks_chosen = blocks_portable;
}

void sha256_init(struct sha256 *c)
{
	static const uint32_t iv[8] = {
		0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
		0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
	};
	memcpy(c->h, iv, sizeof iv);
	hashblock_init(&c->b);
}

void sha256_update(struct sha256 *c, const void *data, size_t n)
{
	hashblock_update(&c->b, c->h, blocks_pick(), data, n);
}

void sha256_final(struct sha256 *c, unsigned char out[32])
{
	hashblock_final(&c->b, c->h, 8, blocks_pick(), out);
}

void sha256_buf(const void *p, size_t n, unsigned char out[32])
{
	struct sha256 c;
	sha256_init(&c);
	sha256_update(&c, p, n);
	sha256_final(&c, out);
}

enum { SHA256_FD_BUF = 1 << 20 };

/* fd_each_chunk's fn: hash the piece into the context at arg. */
static int feed(void *arg, const void *p, size_t n)
{
	sha256_update(arg, p, n);
	return 0;
}

int sha256_fd(int fd, unsigned char out[32])
{
	struct sha256 c;
	unsigned char *b = xmalloc(SHA256_FD_BUF);
	sha256_init(&c);
	int r = fd_each_chunk(fd, b, SHA256_FD_BUF, feed, &c);
	if (!r)
		sha256_final(&c, out);
	free(b);
	return r;
}

int sha256_file(const char *path, unsigned char out[32])
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
#ifdef POSIX_FADV_SEQUENTIAL
	posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
#endif
	int r = sha256_fd(fd, out);
	close(fd);
	return r;
}

void sha256_hex(const unsigned char d[32], char out[65])
{
	hex_encode(d, 32, out);
}

static int hexval(int ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

int sha256_unhex(const char *s, size_t n, unsigned char d[32])
{
	unsigned char t[32];
	if (n != 64)
		return -1;
	for (int i = 0; i < 32; i++) {
		int hi = hexval((unsigned char)s[2 * i]), lo = hexval((unsigned char)s[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return -1;
		t[i] = (unsigned char)(hi << 4 | lo);
	}
	memcpy(d, t, 32);
	return 0;
}
