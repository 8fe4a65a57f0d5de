/* SHA-1 against FIPS 180 vectors (the SBOM's file checksums and package
 * verification code), and the SBOM's JSON string escaping. */
#include <string.h>

#include "trust/sbom.h"
#include "core/sha1.h"
#include "tap.h"
#include "core/util.h"

static const char *hex_of(const void *p, size_t n, char out[41])
{
	struct sha1 c;
	unsigned char d[20];
	sha1_init(&c);
	sha1_update(&c, p, n);
	sha1_final(&c, d);
	sha1_hex(d, out);
	return out;
}

int main(void)
{
	char h[41];
	ok(!strcmp(hex_of("", 0, h), "da39a3ee5e6b4b0d3255bfef95601890afd80709"), "empty");
	ok(!strcmp(hex_of("abc", 3, h), "a9993e364706816aba3e25717850c26c9cd0d89d"), "abc");
	const char *m = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
	ok(!strcmp(hex_of(m, strlen(m), h), "84983e441c3bd26ebaae4aa1f95129e5e54670f1"), "56 bytes (two padding blocks)");
	struct sha1 c;
	unsigned char d[20], a[1000];
	memset(a, 'a', sizeof a);
	sha1_init(&c);
	for (int i = 0; i < 1000; i++)
		sha1_update(&c, a, sizeof a);
	sha1_final(&c, d);
	sha1_hex(d, h);
	ok(!strcmp(h, "34aa973cd4c4daa4f61eeb2bdbad27316534016f"), "a million a's, in pieces");

	struct buf b = {0};
	sbom_json_str(&b, "a\"b\\c\nd\te\001f", 11);
	ok(!strcmp(b.s, "\"a\\\"b\\\\c\\nd\\te\\u0001f\""), "JSON: quotes, backslashes and control bytes escaped [%s]", b.s);
	buf_free(&b);
	sbom_json_str(&b, "caf\xc3\xa9 \xff", 7);
	ok(!strcmp(b.s, "\"caf\xc3\xa9 \\u00ff\""), "JSON: UTF-8 kept, a stray byte escaped [%s]", b.s);
	buf_free(&b);
	return tap_done();
}
