/* SHA-1 against FIPS 180 vectors (the SBOM's file checksums and package
 * verification code), a file hashed through fd_each_chunk, and the SBOM's
 * JSON string escaping. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

/* fd_each_chunk's fn: count the pieces into *arg; 7 ends the read at the
 * second piece. */
static int count_piece(void *arg, const void *p, size_t n)
{
	(void)p;
	(void)n;
	return ++*(int *)arg == 2 ? 7 : 0;
}

/* A file of a million a's: hashed in 64 KiB pieces as the vector says; a
 * missing file and a read error are errors; fn's code stops the read. */
static void file_hash(void)
{
	char path[] = "/tmp/sprout-test-sha1.XXXXXX", h[41];
	int fd = mkstemp(path);
	unsigned char a[1000];
	memset(a, 'a', sizeof a);
	for (int i = 0; i < 1000 && fd >= 0; i++)
		if (fd_write_all(fd, a, sizeof a))
			break;
	ok(fd >= 0 && !sha1_file_hex(path, h) && !strcmp(h, "34aa973cd4c4daa4f61eeb2bdbad27316534016f"),
	   "sha1_file_hex: a million a's from a file");
	ok(sha1_file_hex("/nonexistent/sprout-sha1", h) == -ENOENT, "sha1_file_hex: a missing file is -ENOENT");
	int pieces = 0;
	unsigned char b[4096];
	int in = open(path, O_RDONLY);
	ok(fd_each_chunk(in, b, sizeof b, count_piece, &pieces) == 7 && pieces == 2,
	   "fd_each_chunk stops at fn's first non-zero return, and returns it");
	close(in);
	ok(fd_each_chunk(-1, b, sizeof b, count_piece, &pieces) == -EBADF && pieces == 2,
	   "fd_each_chunk: a failed read is -errno, fn not called");
	close(fd);
	unlink(path);
	char x[7];
	hex_encode((const unsigned char *)"\x00\xa5\xff", 3, x);
	ok(!strcmp(x, "00a5ff"), "hex_encode: lower-case, two digits a byte [%s]", x);
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
	file_hash();

	struct buf b = {0};
	sbom_json_str(&b, "a\"b\\c\nd\te\001f", 11);
	ok(!strcmp(b.s, "\"a\\\"b\\\\c\\nd\\te\\u0001f\""), "JSON: quotes, backslashes and control bytes escaped [%s]", b.s);
	buf_free(&b);
	sbom_json_str(&b, "caf\xc3\xa9 \xff", 7);
	ok(!strcmp(b.s, "\"caf\xc3\xa9 \\u00ff\""), "JSON: UTF-8 kept, a stray byte escaped [%s]", b.s);
	buf_free(&b);
	return tap_done();
}
