/* The results disk of VM mode (docs/modes.md): records of finished steps
 * appended by the sprout inside the VM, read back by the host's. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "archive/tar.h"
#include "build/state.h"
#include "core/err.h"
#include "core/sha256.h"
#include "core/util.h"
#include "vm/results.h"

#define CHUNK 65536

/* Where copy_in writes, and the hash of what it wrote. */
struct copy_in {
	int fd;
	long long off, size;
	struct sha256 h;
};

static int copy_piece(void *arg, const void *p, size_t n)
{
	struct copy_in *ci = arg;
	sha256_update(&ci->h, p, n);
	int r = fd_pwrite_all(ci->fd, p, n, ci->off + ci->size);
	ci->size += (long long)n;
	return r;
}

/* Copy the file at path to fd at off, hashing it; its size into *size. */
static int copy_in(const char *path, int fd, long long off, long long *size, char hex[65])
{
	struct copy_in ci = {.fd = fd, .off = off};
	int in = open(path, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return -errno;
	sha256_init(&ci.h);
	char *b = xmalloc(CHUNK);
	int r = fd_each_chunk(in, b, CHUNK, copy_piece, &ci);
	unsigned char d[32];
	sha256_final(&ci.h, d);
	sha256_hex(d, hex);
	*size = ci.size;
	free(b);
	close(in);
	return r;
}

int vm_results_append(int fd, long long *off, const char *statedir, const char *step, const char *key,
		      const char *digest, double secs, const char *tmp)
{
	char *dir = state_store(statedir, key, NULL);
	int r = tar_write_tree(dir, tmp, 0x7fffffffLL);
	long long size = 0, data = *off + VM_RESULTS_BLOCK;
	char hex[65];
	if (r) {
		r = errf(r, "results: cannot write the tar of %s: %s", step, err_str(r));
		goto out;
	}
	/* The tar and a zero block after it (the end of the list until the
	 * next record) are on the disk before the header that makes them
	 * count. */
	r = copy_in(tmp, fd, data, &size, hex);
	unsigned char z[VM_RESULTS_BLOCK * 2];
	memset(z, 0, sizeof z);
	long long pad = (VM_RESULTS_BLOCK - size % VM_RESULTS_BLOCK) % VM_RESULTS_BLOCK;
	if (!r)
		r = fd_pwrite_all(fd, z, (size_t)pad + VM_RESULTS_BLOCK, data + size);
	if (!r && fdatasync(fd) < 0)
		r = -errno;
	char head[VM_RESULTS_BLOCK];
	memset(head, 0, sizeof head);
	snprintf(head, sizeof head, "%sstep %s\nkey %s\ndigest %s\nsecs %.1f\nsize %lld\nsha256 %s\n", VM_RESULTS_MAGIC,
		 step, key, digest, secs, size, hex);
	if (!r)
		r = fd_pwrite_all(fd, head, sizeof head, *off);
	if (!r && fdatasync(fd) < 0)
		r = -errno;
	if (r) {
		r = errf(r, "results: cannot write the record of %s: %s", step, err_str(r));
		goto out;
	}
	*off = data + size + pad;
out:
	unlink(tmp);
	free(dir);
	return r;
}

/* The value of "KEY " on a line of the header, copied into out (size n). */
static int field(const char *h, const char *key, char *out, size_t n)
{
	size_t kl = strlen(key);
	for (const char *l = h; l && *l;) {
		const char *e = strchr(l, '\n');
		if (!e)
			break;
		if ((size_t)(e - l) > kl && !strncmp(l, key, kl) && l[kl] == ' ') {
			size_t vl = (size_t)(e - l) - kl - 1;
			if (vl == 0 || vl >= n)
				return -1;
			memcpy(out, l + kl + 1, vl);
			out[vl] = 0;
			return 0;
		}
		l = e + 1;
	}
	return -1;
}

static int is_hex64(const char *s)
{
	unsigned char d[32];
	return strlen(s) == 64 && sha256_unhex(s, 64, d) == 0;
}

int vm_results_parse(const unsigned char b[VM_RESULTS_BLOCK], struct vm_record *rec)
{
	char h[VM_RESULTS_BLOCK + 1], secs[32], size[32];
	memcpy(h, b, VM_RESULTS_BLOCK);
	h[VM_RESULTS_BLOCK] = 0;
	memset(rec, 0, sizeof *rec);
	if (strncmp(h, VM_RESULTS_MAGIC, strlen(VM_RESULTS_MAGIC)))
		return -SPROUT_ERR_FORMAT;
	if (field(h, "step", rec->step, sizeof rec->step) || field(h, "key", rec->key, sizeof rec->key) ||
	    field(h, "digest", rec->digest, sizeof rec->digest) || field(h, "secs", secs, sizeof secs) ||
	    field(h, "size", size, sizeof size) || field(h, "sha256", rec->sha256, sizeof rec->sha256))
		return -SPROUT_ERR_FORMAT;
	char *end;
	rec->size = strtoll(size, &end, 10);
	if (*end || rec->size <= 0 || !is_hex64(rec->key) || !is_hex64(rec->digest) || !is_hex64(rec->sha256) ||
	    strchr(rec->step, '/') || rec->step[0] == '.')
		return -SPROUT_ERR_FORMAT;
	rec->secs = strtod(secs, NULL);
	return 0;
}

/* Copy rec's tar from fd to the file out; 1 when it hashes to the
 * header's sha256, 0 when not (a torn record), or a negative code. */
static int copy_out(int fd, const struct vm_record *rec, const char *out)
{
	int o = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (o < 0)
		return -errno;
	struct sha256 h;
	sha256_init(&h);
	char *b = xmalloc(CHUNK);
	long long done = 0;
	int r = 0;
	while (!r && done < rec->size) {
		size_t want = rec->size - done < CHUNK ? (size_t)(rec->size - done) : CHUNK;
		ssize_t got = pread(fd, b, want, (off_t)(rec->offset + VM_RESULTS_BLOCK + done));
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			break; /* the disk ends inside the record: torn */
		sha256_update(&h, b, (size_t)got);
		r = fd_write_all(o, b, (size_t)got);
		done += got;
	}
	free(b);
	if (close(o) < 0 && !r)
		r = -errno;
	if (r)
		return r;
	unsigned char d[32];
	char hex[65];
	sha256_final(&h, d);
	sha256_hex(d, hex);
	return done == rec->size && !strcmp(hex, rec->sha256);
}

int vm_results_read(const char *path, long long base, const char *dir, struct vm_record **recs, size_t *n,
		    int *torn)
{
	*recs = NULL;
	*n = 0;
	*torn = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errf(-errno, "results: %s: %s", path, strerror(errno));
	int r = mkdir_p(dir, 0755);
	size_t cap = 0;
	long long off = base;
	while (!r) {
		unsigned char b[VM_RESULTS_BLOCK];
		struct vm_record rec;
		ssize_t got = pread(fd, b, sizeof b, (off_t)off);
		if (got < 0 && errno == EINTR)
			continue;
		if (got != (ssize_t)sizeof b || vm_results_parse(b, &rec))
			break;
		rec.offset = off;
		char *out = xasprintf("%s/%zu.tar", dir, *n);
		int whole = copy_out(fd, &rec, out);
		free(out);
		if (whole < 0)
			r = errf(whole, "results: %s: %s", path, err_str(whole));
		if (whole <= 0) {
			*torn = whole == 0;
			break;
		}
		if (*n == cap) {
			cap = cap ? cap * 2 : 16;
			*recs = xrealloc(*recs, cap * sizeof **recs);
		}
		(*recs)[(*n)++] = rec;
		off += VM_RESULTS_BLOCK + (rec.size + VM_RESULTS_BLOCK - 1) / VM_RESULTS_BLOCK * VM_RESULTS_BLOCK;
	}
	close(fd);
	return r;
}
