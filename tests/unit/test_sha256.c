#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/sha256.h"
#include "tap.h"

static int digest_is(const void *p, size_t n, const char *want)
{
	unsigned char d[32];
	char hex[65];
	sha256_buf(p, n, d);
	sha256_hex(d, hex);
	if (strcmp(hex, want))
		printf("# got  %s\n# want %s\n", hex, want);
	return !strcmp(hex, want);
}

static void vectors(const char *path)
{
	static const char m448[] = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
	static const char m896[] = "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmn"
		"hijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu";
	ok(digest_is("", 0, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
		"%s: empty", path);
	ok(digest_is("abc", 3, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
		"%s: abc", path);
	ok(digest_is(m448, strlen(m448), "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
		"%s: 448-bit message", path);
	ok(digest_is(m896, strlen(m896), "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1"),
		"%s: 896-bit message", path);

	char *a = malloc(1000000);
	memset(a, 'a', 1000000);
	ok(digest_is(a, 1000000, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"),
		"%s: one million 'a' at once", path);
	/* The same through many odd-sized updates. */
	struct sha256 c;
	unsigned char d[32];
	char hex[65];
	sha256_init(&c);
	for (size_t o = 0, k = 1; o < 1000000; k = k * 7 % 1013 + 1) {
		size_t m = o + k > 1000000 ? 1000000 - o : k;
		sha256_update(&c, a + o, m);
		o += m;
	}
	sha256_final(&c, d);
	sha256_hex(d, hex);
	ok(!strcmp(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"),
		"%s: one million 'a' in pieces", path);
	free(a);

	/* Every split point of a 200-byte input matches the one-shot digest. */
	unsigned char in[200], whole[32];
	for (int i = 0; i < 200; i++)
		in[i] = (unsigned char)(i * 31 + 7);
	sha256_buf(in, sizeof in, whole);
	int bad = -1;
	for (size_t s = 0; s <= sizeof in; s++) {
		sha256_init(&c);
		sha256_update(&c, in, s);
		sha256_update(&c, in + s, sizeof in - s);
		sha256_final(&c, d);
		if (memcmp(d, whole, 32) && bad < 0)
			bad = (int)s;
	}
	ok(bad < 0, "%s: incremental update at every split point (first bad %d)", path, bad);

	/* Every length 0..200 against three-way splits. */
	bad = -1;
	for (size_t n = 0; n <= sizeof in && bad < 0; n++) {
		unsigned char one[32];
		sha256_buf(in, n, one);
		sha256_init(&c);
		sha256_update(&c, in, n / 3);
		sha256_update(&c, in + n / 3, n / 3);
		sha256_update(&c, in + 2 * (n / 3), n - 2 * (n / 3));
		sha256_final(&c, d);
		if (memcmp(d, one, 32))
			bad = (int)n;
	}
	ok(bad < 0, "%s: three-way splits for lengths 0..200 (first bad %d)", path, bad);
}

static void fd_hash(void)
{
	char tmpl[] = "/tmp/sprout-sha.XXXXXX";
	int fd = mkstemp(tmpl);
	unsigned char d[32];
	char hex[65];
	size_t n = 3u << 20 | 5;   /* more than the 1 MiB read buffer, odd length */
	unsigned char *p = malloc(n);
	for (size_t i = 0; i < n; i++)
		p[i] = (unsigned char)(i ^ (i >> 9));
	ok(fd >= 0 && write(fd, p, n) == (ssize_t)n, "write scratch file");
	unsigned char want[32];
	sha256_buf(p, n, want);
	ok(sha256_file(tmpl, d) == 0 && !memcmp(d, want, 32), "sha256_file matches sha256_buf");
	ok(lseek(fd, 0, SEEK_SET) == 0 && sha256_fd(fd, d) == 0 && !memcmp(d, want, 32),
		"sha256_fd matches sha256_buf");
	ok(sha256_file("/nonexistent/sprout", d) < 0, "sha256_file of a missing file fails");
	sha256_hex(want, hex);
	printf("# %s\n", hex);
	close(fd);
	unlink(tmpl);
	free(p);
}

static void hex(void)
{
	unsigned char d[32], e[32];
	char h[65];
	for (int i = 0; i < 32; i++)
		d[i] = (unsigned char)(i * 37 + 200);
	sha256_hex(d, h);
	ok(strlen(h) == 64 && sha256_unhex(h, 64, e) == 0 && !memcmp(d, e, 32), "hex round trip");
	for (int i = 0; h[i]; i++)
		if (h[i] >= 'a' && h[i] <= 'f')
			h[i] = (char)(h[i] - 'a' + 'A');
	ok(sha256_unhex(h, 64, e) == 0 && !memcmp(d, e, 32), "unhex accepts upper case");
	memset(e, 0x55, 32);
	ok(sha256_unhex(h, 63, e) == -1, "unhex rejects 63 digits");
	ok(e[0] == 0x55, "unhex leaves the digest alone on failure");
	ok(sha256_unhex("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b85", 63, e) == -1,
		"unhex rejects a 63-digit string");
	ok(sha256_unhex("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b8550", 65, e) == -1,
		"unhex rejects 65 digits");
	ok(sha256_unhex("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b85g", 64, e) == -1,
		"unhex rejects a non-hex character");
	ok(sha256_unhex("e3b0c44298fc1c149afbf4c8996fb924 7ae41e4649b934ca495991b7852b855", 64, e) == -1,
		"unhex rejects a space");
}

int main(void)
{
	/* The vectors through whichever block function this CPU gets, then
	 * through the portable one. */
	const char *impl = sha256_impl();
	printf("# block function: %s\n", impl);
	vectors(impl);
	fd_hash();
	hex();
	if (strcmp(impl, "portable")) {
		sha256_use_portable();
		ok(!strcmp(sha256_impl(), "portable"), "switched to the portable block function");
		vectors("portable");
	}
	return tap_done();
}
