/* ed25519 signatures through libsodium. Key and signature files are
 * short text (docs/package.md):
 *
 *   sprout-public-key 1      sprout-secret-key 1      sprout-signature 1
 *   id KEYID                 id KEYID                 id KEYID
 *   ed25519 HEX(32 bytes)    ed25519 HEX(64 bytes)    ed25519 HEX(64 bytes)
 *
 * KEYID is the first 16 hex digits of the sha256 of the public key. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifdef HAVE_SODIUM
#include <sodium.h>
#endif

#include "core/err.h"
#include "core/sha256.h"
#include "core/sign.h"
#include "core/util.h"

int sign_available(void)
{
#ifdef HAVE_SODIUM
	return 1;
#else
	return 0;
#endif
}

#ifdef HAVE_SODIUM
static void tohex(const unsigned char *p, size_t n, char *out)
{
	static const char hx[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = hx[p[i] >> 4];
		out[2 * i + 1] = hx[p[i] & 15];
	}
	out[2 * n] = 0;
}

static int fromhex(const char *s, size_t sn, unsigned char *p, size_t n)
{
	if (sn != 2 * n)
		return -1;
	for (size_t i = 0; i < 2 * n; i++) {
		int c = s[i], v = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
		if (v < 0)
			return -1;
		if (i % 2)
			p[i / 2] = (unsigned char)(p[i / 2] << 4 | v);
		else
			p[i / 2] = (unsigned char)v;
	}
	return 0;
}

static void key_id(const unsigned char pk[32], char id[17])
{
	unsigned char d[32];
	char hex[65];
	sha256_buf(pk, 32, d);
	sha256_hex(d, hex);
	memcpy(id, hex, 16);
	id[16] = 0;
}

/* Parse "HEADER\nid ID\ned25519 HEX\n" with n bytes behind HEX. */
static int parse_keyish(const char *text, size_t len, const char *header, unsigned char *v, size_t n, char id[17])
{
	size_t hl = strlen(header);
	const char *p = text, *end = text + len;
	if (len < hl + 1 || memcmp(p, header, hl) || p[hl] != '\n')
		return -1;
	p += hl + 1;
	if (end - p < 21 || memcmp(p, "id ", 3) || p[19] != '\n')
		return -1;
	for (int i = 0; i < 16; i++) {
		char c = p[3 + i];
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
			return -1;
	}
	memcpy(id, p + 3, 16);
	id[16] = 0;
	p += 20;
	if ((size_t)(end - p) != 8 + 2 * n + 1 || memcmp(p, "ed25519 ", 8) || end[-1] != '\n')
		return -1;
	return fromhex(p + 8, 2 * n, v, n);
}
#endif

#ifdef HAVE_SODIUM
/* file_read and file_write_atomic, with the path in the message. */
static int read_named(const char *path, struct buf *b)
{
	int r = file_read(path, b);
	return r ? errf(r, "%s: %s", path, err_str(r)) : 0;
}

static int write_named(const char *path, const struct buf *b)
{
	int r = file_write_atomic(path, b->s, b->len);
	return r ? errf(r, "%s: %s", path, err_str(r)) : 0;
}

static int init(void)
{
	if (sodium_init() < 0)
		return errf(-EIO, "libsodium could not start");
	return 0;
}
#endif

#ifndef HAVE_SODIUM
static int nosodium(void)
{
	return errf(-ENOTSUP, "this sprout was built without libsodium and cannot make or check signatures");
}
#endif

int sign_keygen(const char *prefix, char id[17])
{
#ifdef HAVE_SODIUM
	unsigned char pk[crypto_sign_PUBLICKEYBYTES], sk[crypto_sign_SECRETKEYBYTES];
	char hex[2 * crypto_sign_SECRETKEYBYTES + 1];
	char *kp = xasprintf("%s.key", prefix), *pp = xasprintf("%s.pub", prefix);
	struct buf b = {0};
	int fd = -1, r = init();
	if (r)
		goto out;
	crypto_sign_keypair(pk, sk);
	key_id(pk, id);
	fd = open(kp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		r = errf(-errno, "%s: %s", kp, errno == EEXIST ? "exists already (a key is never overwritten)"
			 : strerror(errno));
		goto out;
	}
	tohex(sk, sizeof sk, hex);
	buf_addf(&b, "sprout-secret-key 1\nid %s\ned25519 %s\n", id, hex);
	if (write(fd, b.s, b.len) != (ssize_t)b.len || fsync(fd) < 0) {
		r = errf(-EIO, "%s: write failed", kp);
		unlink(kp);
		goto out;
	}
	buf_free(&b);
	tohex(pk, sizeof pk, hex);
	buf_addf(&b, "sprout-public-key 1\nid %s\ned25519 %s\n", id, hex);
	r = write_named(pp, &b);
out:
	sodium_memzero(sk, sizeof sk);
	sodium_memzero(hex, sizeof hex);
	if (b.s)
		sodium_memzero(b.s, b.len);
	if (fd >= 0)
		close(fd);
	buf_free(&b);
	free(kp);
	free(pp);
	return r;
#else
	(void)prefix, (void)id;
	return nosodium();
#endif
}

int sign_file(const char *path, const char *key, char id[17])
{
#ifdef HAVE_SODIUM
	unsigned char sk[crypto_sign_SECRETKEYBYTES], sig[crypto_sign_BYTES];
	char hex[2 * crypto_sign_BYTES + 1];
	struct buf kb = {0}, data = {0}, out = {0};
	char *sp = xasprintf("%s.sig", path);
	int r = init();
	if (r)
		goto out;
	if ((r = read_named(key, &kb)) != 0)
		goto out;
	if (parse_keyish(kb.s, kb.len, "sprout-secret-key 1", sk, sizeof sk, id)) {
		r = errf(-SPROUT_ERR_FORMAT, "%s: not a sprout secret key (sprout pkg keygen writes them)", key);
		goto out;
	}
	if ((r = read_named(path, &data)) != 0)
		goto out;
	crypto_sign_detached(sig, NULL, (const unsigned char *)data.s, data.len, sk);
	tohex(sig, sizeof sig, hex);
	buf_addf(&out, "sprout-signature 1\nid %s\ned25519 %s\n", id, hex);
	r = write_named(sp, &out);
out:
	sodium_memzero(sk, sizeof sk);
	if (kb.s)
		sodium_memzero(kb.s, kb.len);
	buf_free(&kb);
	buf_free(&data);
	buf_free(&out);
	free(sp);
	return r;
#else
	(void)path, (void)key, (void)id;
	return nosodium();
#endif
}

#ifdef HAVE_SODIUM
/* Read the (small) key file name in dirfd, not through a link when
 * nofollow. 0 or negative code. */
static int read_key(int dirfd, const char *name, int nofollow, struct buf *b)
{
	int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | (nofollow ? O_NOFOLLOW : 0));
	if (fd < 0)
		return -errno;
	int r = fd_read(fd, b);
	close(fd);
	return r;
}
#endif

int sign_verify(const void *data, size_t n, const char *sig, size_t siglen, const char *keydir, char id[17])
{
	int fd = open(keydir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int e = errno;
	int r = sign_verify_at(data, n, sig, siglen, fd < 0 ? -e : fd, keydir, 0, id);
	if (fd >= 0)
		close(fd);
	return r;
}

int sign_verify_at(const void *data, size_t n, const char *sig, size_t siglen, int keydirfd, const char *keydir,
		   int nofollow, char id[17])
{
#ifdef HAVE_SODIUM
	unsigned char s[crypto_sign_BYTES], pk[crypto_sign_PUBLICKEYBYTES];
	char kid[17];
	int r = init(), found = 0;
	if (r)
		return r;
	if (parse_keyish(sig, siglen, "sprout-signature 1", s, sizeof s, id))
		return errf(-SPROUT_ERR_FORMAT, "malformed signature file");
	int dfd = keydirfd < 0 ? keydirfd : openat(keydirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = dfd < 0 ? NULL : fdopendir(dfd);
	if (!d) {
		int e = dfd < 0 ? -dfd : errno;
		if (dfd >= 0)
			close(dfd);
		return errf(-SPROUT_ERR_HASH, "signed by key %s, but there are no trusted keys (%s: %s)", id, keydir,
			    strerror(e));
	}
	struct dirent *de;
	while (!found && (de = readdir(d))) {
		size_t l = strlen(de->d_name);
		if (l < 5 || strcmp(de->d_name + l - 4, ".pub"))
			continue;
		struct buf kb = {0};
		if (!read_key(dirfd(d), de->d_name, nofollow, &kb) &&
		    !parse_keyish(kb.s, kb.len, "sprout-public-key 1", pk, sizeof pk, kid)) {
			char real[17];
			key_id(pk, real);
			found = !strcmp(kid, id) && !strcmp(real, id);
		}
		buf_free(&kb);
	}
	closedir(d);
	if (!found)
		return errf(-SPROUT_ERR_HASH, "signed by key %s, which is not among the trusted keys in %s", id, keydir);
	if (crypto_sign_verify_detached(s, data, n, pk))
		return errf(-SPROUT_ERR_HASH, "bad signature: key %s did not sign these bytes (changed after signing?)", id);
	return 0;
#else
	(void)data, (void)n, (void)sig, (void)siglen, (void)keydirfd, (void)keydir, (void)nofollow, (void)id;
	return nosodium();
#endif
}
