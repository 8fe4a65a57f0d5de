/* The package file: writer and streaming reader (docs/package.md).
 *
 *   sprout-package 1\n
 *   meta LEN\n       LEN bytes of metadata
 *   manifest LEN\n   LEN bytes of manifest
 *   payload COMP LEN SIZE\n   LEN stored bytes, SIZE when unpacked
 *   sha256 HEX\n     of every byte before this line
 *
 * The reader hashes every byte it consumes and trusts nothing it has read
 * before the last line has matched; the installer reads a package twice:
 * once to check it whole, once to write it. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifdef HAVE_ZSTD
#include <zstd.h>
#endif

#include "core/err.h"
#include "pkg/pkgfile.h"
#include "core/sha256.h"

enum { RBUF = 1 << 16, ZLEVEL = 19, LINE_MAX_ = 200 };

static const char MAGIC[] = "sprout-package 1\n";

int pkgfile_have_zstd(void)
{
#ifdef HAVE_ZSTD
	return 1;
#else
	return 0;
#endif
}

char *pkgfile_name(const struct pkg_meta *m)
{
	return xasprintf("%s-%s-%s-%s.spk", m->name, m->version, m->release, m->arch);
}

/* ---- writing ---- */

struct wout {
	const char *path;
	int fd;
	struct sha256 h;
	int err;
};

static void w_put(struct wout *w, const void *p, size_t n)
{
	if (w->err)
		return;
	sha256_update(&w->h, p, n);
	w->err = fd_write_all(w->fd, p, n);
	if (w->err)
		w->err = errf(w->err, "%s: write: %s", w->path, strerror(-w->err));
}

/* Call fn on every regular file's bytes of man in order, checking them. */
static int each_file(int dirfd, const struct pkg_manifest *man, int (*fn)(void *, const void *, size_t), void *arg)
{
	unsigned char *b = xmalloc(RBUF);
	int r = 0;
	for (size_t i = 0; i < man->n && !r; i++) {
		const struct pkg_entry *e = &man->e[i];
		if (e->type != 'f')
			continue;
		int fd = openat(dirfd, e->path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0) {
			r = errf(-errno, "%s: %s", e->path, strerror(errno));
			break;
		}
		struct sha256 h;
		unsigned long long got = 0;
		sha256_init(&h);
		for (;;) {
			ssize_t n = read(fd, b, RBUF);
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0) {
				r = errf(-errno, "%s: read: %s", e->path, strerror(errno));
				break;
			}
			if (n == 0)
				break;
			got += (unsigned long long)n;
			if (got > e->size)
				break;
			sha256_update(&h, b, (size_t)n);
			r = fn(arg, b, (size_t)n);
			if (r)
				break;
		}
		close(fd);
		unsigned char d[32];
		sha256_final(&h, d);
		if (!r && (got != e->size || memcmp(d, e->sha256, 32)))
			r = errf(-SPROUT_ERR_HASH, "%s: the file differs from its manifest line", e->path);
	}
	free(b);
	return r;
}

static int put_raw(void *arg, const void *p, size_t n)
{
	struct wout *w = arg;
	w_put(w, p, n);
	return w->err;
}

#ifdef HAVE_ZSTD
struct zw {
	ZSTD_CCtx *c;
	struct buf *out;
};

static int zpush(struct zw *z, const void *p, size_t n, ZSTD_EndDirective end)
{
	ZSTD_inBuffer in = {p, n, 0};
	for (;;) {
		unsigned char ob[RBUF];
		ZSTD_outBuffer out = {ob, sizeof ob, 0};
		size_t left = ZSTD_compressStream2(z->c, &out, &in, end);
		if (ZSTD_isError(left))
			return errf(-EIO, "zstd: %s", ZSTD_getErrorName(left));
		buf_add(z->out, ob, out.pos);
		if (end == ZSTD_e_end ? left == 0 : in.pos == in.size)
			return 0;
	}
}

static int put_zstd(void *arg, const void *p, size_t n)
{
	return zpush(arg, p, n, ZSTD_e_continue);
}
#endif

/* The compressed payload of man into out. */
static int compress_payload(int dirfd, const struct pkg_manifest *man, unsigned long long size, struct buf *out)
{
#ifdef HAVE_ZSTD
	struct zw z = {ZSTD_createCCtx(), out};
	int r = -ENOMEM;
	if (!z.c)
		return errf(r, "zstd: out of memory");
	/* Fixed parameters, one thread: the same bytes every time (for one
	 * libzstd version; docs/package.md). */
	if (ZSTD_isError(ZSTD_CCtx_setParameter(z.c, ZSTD_c_compressionLevel, ZLEVEL)) ||
	    ZSTD_isError(ZSTD_CCtx_setParameter(z.c, ZSTD_c_checksumFlag, 0)) ||
	    ZSTD_isError(ZSTD_CCtx_setPledgedSrcSize(z.c, size))) {
		r = errf(-EIO, "zstd: cannot set the compression parameters");
		goto out;
	}
	r = each_file(dirfd, man, put_zstd, &z);
	if (!r)
		r = zpush(&z, "", 0, ZSTD_e_end);
out:
	ZSTD_freeCCtx(z.c);
	return r;
#else
	(void)dirfd, (void)man, (void)size, (void)out;
	return errf(-ENOTSUP, "this sprout was built without libzstd: write the package with --compress=none");
#endif
}

int pkgfile_write(const char *out, int dirfd, const struct pkg_meta *m0, const struct pkg_manifest *man,
		  enum pkg_comp comp)
{
	struct pkg_meta m = *m0;
	struct buf meta = {0}, mtext = {0}, z = {0};
	struct pkg_manifest check;
	struct wout w;
	char *tmp = xasprintf("%s.tmp.%ld", out, (long)getpid());
	int r = -EIO;
	memset(&w, 0, sizeof w);
	w.fd = -1;
	w.path = tmp;
	m.installed_size = pkg_manifest_bytes(man);
	r = pkg_meta_check(&m);
	if (r)
		goto out;
	pkg_meta_format(&m, &meta);
	pkg_manifest_format(man, &mtext);
	/* What cannot be installed is not packed. */
	r = pkg_manifest_parse(mtext.s, mtext.len, &check);
	if (r) {
		r = pkg_errwrap(r, "package %s", m.name);
		goto out;
	}
	pkg_manifest_free(&check);
	if (comp == PKG_COMP_ZSTD) {
		r = compress_payload(dirfd, man, m.installed_size, &z);
		if (r)
			goto out;
	}
	w.fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (w.fd < 0) {
		r = errf(-errno, "%s: %s", tmp, strerror(errno));
		goto out;
	}
	sha256_init(&w.h);
	char line[LINE_MAX_];
	w_put(&w, MAGIC, sizeof MAGIC - 1);
	int ln = snprintf(line, sizeof line, "meta %zu\n", meta.len);
	w_put(&w, line, (size_t)ln);
	w_put(&w, meta.s, meta.len);
	ln = snprintf(line, sizeof line, "manifest %zu\n", mtext.len);
	w_put(&w, line, (size_t)ln);
	w_put(&w, mtext.s, mtext.len);
	ln = snprintf(line, sizeof line, "payload %s %llu %llu\n", comp == PKG_COMP_ZSTD ? "zstd" : "none",
		      comp == PKG_COMP_ZSTD ? (unsigned long long)z.len : m.installed_size, m.installed_size);
	w_put(&w, line, (size_t)ln);
	if (comp == PKG_COMP_ZSTD)
		w_put(&w, z.s, z.len);
	else if (!w.err)
		w.err = each_file(dirfd, man, put_raw, &w);
	if (w.err) {
		r = w.err;
		goto out;
	}
	unsigned char d[32];
	char hex[65];
	sha256_final(&w.h, d);
	sha256_hex(d, hex);
	ln = snprintf(line, sizeof line, "sha256 %s\n", hex);
	r = fd_write_all(w.fd, line, (size_t)ln);
	if (!r && fsync(w.fd) < 0)
		r = -errno;
	if (r) {
		r = errf(r, "%s: write: %s", tmp, err_str(r));
		goto out;
	}
	if (close(w.fd) < 0) {
		w.fd = -1;
		r = errf(-errno, "%s: close: %s", tmp, strerror(errno));
		goto out;
	}
	w.fd = -1;
	if (rename(tmp, out) < 0) {
		r = errf(-errno, "%s: %s", out, strerror(errno));
		goto out;
	}
	r = 0;
out:
	if (w.fd >= 0)
		close(w.fd);
	if (r)
		unlink(tmp);
	free(tmp);
	buf_free(&meta);
	buf_free(&mtext);
	buf_free(&z);
	return r;
}

/* ---- reading ---- */

#ifdef HAVE_ZSTD
/* One decompression context kept for the next package: thousands of small
 * packages would otherwise each allocate and clear one. */
static ZSTD_DCtx *spare;

static ZSTD_DCtx *dctx_get(void)
{
	ZSTD_DCtx *z = spare;
	spare = NULL;
	return z ? z : ZSTD_createDCtx();
}

static void dctx_put(ZSTD_DCtx *z)
{
	if (z && !spare && !ZSTD_isError(ZSTD_DCtx_reset(z, ZSTD_reset_session_and_parameters)))
		spare = z;
	else
		ZSTD_freeDCtx(z);
}
#endif


struct pkgfile_rd {
	int fd;                         /* -1 when reading from mem */
	const unsigned char *mem;
	size_t memlen, mempos;
	unsigned char *buf;
	size_t pos, len;
	int eof;
	struct sha256 h;                /* every byte consumed */
	unsigned long long off;         /* bytes consumed */
	unsigned long long pleft;       /* stored payload bytes not yet consumed */
	unsigned long long uleft;       /* unpacked payload bytes not yet given out */
#ifdef HAVE_ZSTD
	ZSTD_DCtx *z;
	size_t zret;                    /* last result: 0 when a frame has ended */
#endif
	unsigned char *chunk;           /* for pkgfile_read_file */
};

static int bad(struct pkgfile *pf, const char *what)
{
	return errf(-SPROUT_ERR_FORMAT, "%s: %s at byte %llu", pf->path, what, pf->rd->off);
}

static int rd_fill(struct pkgfile *pf, size_t need)
{
	struct pkgfile_rd *r = pf->rd;
	if (r->len - r->pos >= need || r->eof)
		return 0;
	bytes_unread_to_front(r->buf, &r->pos, &r->len);
	while (r->len < need && !r->eof) {
		ssize_t n;
		if (r->mem) {
			n = (ssize_t)(r->memlen - r->mempos < RBUF - r->len ? r->memlen - r->mempos : RBUF - r->len);
			memcpy(r->buf + r->len, r->mem + r->mempos, (size_t)n);
			r->mempos += (size_t)n;
		} else {
			n = read(r->fd, r->buf + r->len, RBUF - r->len);
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errf(-errno, "%s: read: %s", pf->path, strerror(errno));
		if (n == 0)
			r->eof = 1;
		r->len += (size_t)n;
	}
	return 0;
}

static void rd_take(struct pkgfile_rd *r, size_t n)
{
	sha256_update(&r->h, r->buf + r->pos, n);
	r->pos += n;
	r->off += n;
}

/* A header line "WORD ..." of at most LINE_MAX_ bytes into line (NUL
 * instead of the newline). */
static int rd_line(struct pkgfile *pf, char *line, const char *what)
{
	struct pkgfile_rd *r = pf->rd;
	int e = rd_fill(pf, LINE_MAX_);
	if (e)
		return e;
	size_t avail = r->len - r->pos;
	const unsigned char *nl = memchr(r->buf + r->pos, '\n', avail < LINE_MAX_ ? avail : LINE_MAX_);
	if (!nl)
		return avail ? bad(pf, what) : bad(pf, "the file ends early");
	size_t n = (size_t)(nl - (r->buf + r->pos));
	memcpy(line, r->buf + r->pos, n);
	line[n] = 0;
	rd_take(r, n + 1);
	return 0;
}

/* A decimal number, canonical, at most 19 digits; the end in *end. */
static int num(const char *s, unsigned long long *v, const char **end)
{
	size_t n = 0;
	*v = 0;
	while (s[n] >= '0' && s[n] <= '9' && n < 20)
		*v = *v * 10 + (unsigned)(s[n++] - '0');
	if (!n || n > 19 || (s[0] == '0' && n > 1))
		return -1;
	*end = s + n;
	return 0;
}

/* "KEY LEN" then LEN bytes (at most max) into a new buffer. */
static int rd_section(struct pkgfile *pf, const char *key, size_t max, char **out, size_t *outn)
{
	char line[LINE_MAX_];
	unsigned long long n;
	const char *e;
	size_t kl = strlen(key);
	int r = rd_line(pf, line, "bad section header");
	if (r)
		return r;
	if (strncmp(line, key, kl) || line[kl] != ' ' || num(line + kl + 1, &n, &e) || *e) {
		char what[80];
		snprintf(what, sizeof what, "expected '%s LENGTH'", key);
		return bad(pf, what);
	}
	if (n > max)
		return errf(-SPROUT_ERR_FORMAT, "%s: %s of %llu bytes, more than the %zu allowed", pf->path, key, n, max);
	char *b = xmalloc((size_t)n + 1);
	size_t got = 0;
	while (got < n) {
		r = rd_fill(pf, 1);
		if (r)
			goto fail;
		size_t avail = pf->rd->len - pf->rd->pos;
		if (!avail) {
			r = bad(pf, "the file ends early");
			goto fail;
		}
		size_t k = avail < n - got ? avail : (size_t)(n - got);
		memcpy(b + got, pf->rd->buf + pf->rd->pos, k);
		rd_take(pf->rd, k);
		got += k;
	}
	b[n] = 0;
	*out = b;
	*outn = (size_t)n;
	return 0;
fail:
	free(b);
	return r;
}

static int open_rd(const char *path, const void *mem, size_t n, struct pkgfile **out)
{
	struct pkgfile *pf = xcalloc(1, sizeof *pf);
	char line[LINE_MAX_];
	int r = -EIO;
	pf->path = xstrdup(path);
	pf->rd = xcalloc(1, sizeof *pf->rd);
	pf->rd->fd = -1;
	if (mem) {
		pf->rd->mem = mem;
		pf->rd->memlen = n;
	} else if ((pf->rd->fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		r = errf(-errno, "%s: %s", path, strerror(errno));
		goto out;
	}
	pf->rd->buf = xmalloc(RBUF);
	sha256_init(&pf->rd->h);
	r = rd_line(pf, line, "not a sprout package");
	if (r)
		goto out;
	if (strcmp(line, "sprout-package 1")) {
		r = errf(-SPROUT_ERR_FORMAT, "%s: not a sprout package (no 'sprout-package 1' line)", path);
		goto out;
	}
	r = rd_section(pf, "meta", PKG_META_MAX, &pf->meta_text, &pf->meta_len);
	if (!r)
		r = pkg_meta_parse(pf->meta_text, pf->meta_len, &pf->meta);
	if (!r)
		r = rd_section(pf, "manifest", PKG_MANIFEST_MAX, &pf->man_text, &pf->man_len);
	if (!r)
		r = pkg_manifest_parse(pf->man_text, pf->man_len, &pf->man);
	if (r) {
		if (strncmp(err_msg(r), path, strlen(path)))
			r = pkg_errwrap(r, "%s", path);
		goto out;
	}
	if (pf->meta.installed_size != pkg_manifest_bytes(&pf->man)) {
		r = errf(-SPROUT_ERR_FORMAT, "%s: installed-size differs from the manifest's files", path);
		goto out;
	}
	r = rd_line(pf, line, "bad payload line");
	if (r)
		goto out;
	const char *p = line + 8, *e;
	if (!strncmp(line, "payload none ", 13))
		pf->comp = PKG_COMP_NONE, p += 5;
	else if (!strncmp(line, "payload zstd ", 13))
		pf->comp = PKG_COMP_ZSTD, p += 5;
	else {
		r = bad(pf, "expected 'payload none|zstd LENGTH SIZE'");
		goto out;
	}
	if (num(p, &pf->stored, &e) || *e != ' ' || num(e + 1, &pf->size, &e) || *e) {
		r = bad(pf, "bad payload line");
		goto out;
	}
	if (pf->size != pf->meta.installed_size || (pf->comp == PKG_COMP_NONE && pf->stored != pf->size)) {
		r = bad(pf, "payload size differs from the manifest's files");
		goto out;
	}
	pf->rd->pleft = pf->stored;
	pf->rd->uleft = pf->size;
	if (pf->comp == PKG_COMP_ZSTD) {
#ifdef HAVE_ZSTD
		pf->rd->z = dctx_get();
		if (!pf->rd->z) {
			r = errf(-ENOMEM, "zstd: out of memory");
			goto out;
		}
		pf->rd->zret = 1;
#else
		r = errf(-ENOTSUP, "%s: the payload is compressed with zstd, and this sprout was built without libzstd",
			 path);
		goto out;
#endif
	}
	*out = pf;
	return 0;
out:
	pkgfile_close(pf);
	return r;
}

int pkgfile_open(const char *path, struct pkgfile **out)
{
	return open_rd(path, NULL, 0, out);
}

int pkgfile_open_mem(const char *name, const void *data, size_t n, struct pkgfile **out)
{
	return open_rd(name, data, n, out);
}

/* Up to n unpacked payload bytes into p; the count, or a negative code. */
#ifdef HAVE_ZSTD
/* One round of the zstd payload: the buffered bytes of the stored
 * payload (no more than are left of it, counted in *avail) through the
 * decompressor into ob. Running out of stored bytes is an error when
 * need_input, or when the frame is not still flushing output. 0 or
 * negative code. */
static int zstd_round(struct pkgfile *pf, ZSTD_outBuffer *ob, size_t *avail, int need_input)
{
	struct pkgfile_rd *r = pf->rd;
	int e = rd_fill(pf, 1);
	if (e)
		return e;
	*avail = r->len - r->pos;
	if (*avail > r->pleft)
		*avail = (size_t)r->pleft;
	if (!*avail && (need_input || r->zret == 0))
		return bad(pf, "the payload ends early");
	ZSTD_inBuffer ib = {r->buf + r->pos, *avail, 0};
	size_t zr = ZSTD_decompressStream(r->z, ob, &ib);
	if (ZSTD_isError(zr))
		return errf(-SPROUT_ERR_FORMAT, "%s: corrupt payload: %s", pf->path, ZSTD_getErrorName(zr));
	rd_take(r, ib.pos);
	r->pleft -= ib.pos;
	r->zret = zr;
	return 0;
}
#endif

static ssize_t payload_read(struct pkgfile *pf, unsigned char *p, size_t n)
{
	struct pkgfile_rd *r = pf->rd;
	if (n > r->uleft)
		n = (size_t)r->uleft;
	if (!n)
		return 0;
	if (pf->comp == PKG_COMP_NONE) {
		int e = rd_fill(pf, 1);
		if (e)
			return e;
		size_t avail = r->len - r->pos;
		if (!avail)
			return bad(pf, "the payload ends early");
		size_t k = avail < n ? avail : n;
		memcpy(p, r->buf + r->pos, k);
		rd_take(r, k);
		r->pleft -= k;
		r->uleft -= k;
		return (ssize_t)k;
	}
#ifdef HAVE_ZSTD
	ZSTD_outBuffer ob = {p, n, 0};
	while (ob.pos == 0) {
		size_t avail;
		int e = zstd_round(pf, &ob, &avail, 0);
		if (e)
			return e;
		if (!avail && ob.pos == 0)
			return bad(pf, "the payload ends early");
	}
	r->uleft -= ob.pos;
	return (ssize_t)ob.pos;
#else
	return -ENOTSUP;
#endif
}

int pkgfile_read_file(struct pkgfile *pf, const struct pkg_entry *e, int fd)
{
	struct pkgfile_rd *r = pf->rd;
	unsigned long long left = e->size;
	struct sha256 h;
	if (!r->chunk)
		r->chunk = xmalloc(RBUF);
	sha256_init(&h);
	while (left) {
		ssize_t n = payload_read(pf, r->chunk, left < RBUF ? (size_t)left : RBUF);
		if (n < 0)
			return (int)n;
		if (n == 0)
			return bad(pf, "the payload ends early");
		sha256_update(&h, r->chunk, (size_t)n);
		if (fd >= 0) {
			int w = fd_write_all(fd, r->chunk, (size_t)n);
			if (w)
				return errf(w, "%s: write: %s", e->path, strerror(-w));
		}
		left -= (unsigned long long)n;
	}
	unsigned char d[32];
	sha256_final(&h, d);
	if (memcmp(d, e->sha256, 32))
		return errf(-SPROUT_ERR_HASH, "%s: %s: the bytes differ from the manifest's sha256", pf->path, e->path);
	return 0;
}

int pkgfile_finish(struct pkgfile *pf)
{
	struct pkgfile_rd *r = pf->rd;
	char line[LINE_MAX_];
	if (r->uleft)
		return bad(pf, "finished before the last file");
#ifdef HAVE_ZSTD
	/* The frame must end exactly where the stored payload does. */
	while (pf->comp == PKG_COMP_ZSTD && (r->zret || r->pleft)) {
		unsigned char one;
		size_t avail;
		ZSTD_outBuffer ob = {&one, 1, 0};
		int e = zstd_round(pf, &ob, &avail, 1);
		if (e)
			return e;
		if (ob.pos)
			return bad(pf, "the payload is longer than its files");
		if (r->zret == 0 && r->pleft)
			return bad(pf, "bytes after the payload's frame");
	}
#endif
	struct sha256 body = r->h;
	unsigned char d[32], want[32];
	sha256_final(&body, d);
	int e = rd_line(pf, line, "bad checksum line");
	if (e)
		return e;
	if (strncmp(line, "sha256 ", 7) || strlen(line) != 71 || sha256_unhex(line + 7, 64, want))
		return bad(pf, "expected 'sha256 HEX'");
	char hex[65];
	sha256_hex(want, hex);
	if (strcmp(hex, line + 7))
		return bad(pf, "expected 'sha256 HEX' in lower case");
	if (memcmp(d, want, 32))
		return errf(-SPROUT_ERR_HASH, "%s: checksum mismatch: the file is damaged or was changed", pf->path);
	e = rd_fill(pf, 1);
	if (e)
		return e;
	if (r->len > r->pos)
		return bad(pf, "bytes after the checksum line");
	pf->file_size = r->off;
	sha256_final(&r->h, pf->sha256);
	return 0;
}

/* The e->size bytes of regular file e, unpacked into p and checked
 * against its sha256. 0 or negative code. */
static int read_file_into(struct pkgfile *pf, const struct pkg_entry *e, unsigned char *p)
{
	unsigned long long got = 0;
	while (got < e->size) {
		unsigned long long want = e->size - got;
		ssize_t n = payload_read(pf, p + got, want < (1u << 30) ? (size_t)want : (1u << 30));
		if (n < 0)
			return (int)n;
		if (n == 0)
			return bad(pf, "the payload ends early");
		got += (unsigned long long)n;
	}
	unsigned char d[32];
	sha256_buf(p, (size_t)e->size, d);
	if (memcmp(d, e->sha256, 32))
		return errf(-SPROUT_ERR_HASH, "%s: %s: the bytes differ from the manifest's sha256", pf->path, e->path);
	return 0;
}

int pkgfile_check_keep(struct pkgfile *pf, unsigned long long max)
{
	if (pf->size > max)
		return pkgfile_check(pf);
	unsigned char *p = xmalloc((size_t)pf->size + 1);
	size_t at = 0;
	int r = 0;
	for (size_t i = 0; i < pf->man.n && !r; i++) {
		const struct pkg_entry *e = &pf->man.e[i];
		if (e->type != 'f')
			continue;
		r = read_file_into(pf, e, p + at);
		at += (size_t)e->size;
	}
	if (!r)
		r = pkgfile_finish(pf);
	if (r) {
		free(p);
		return r;
	}
	free(pf->payload);
	pf->payload = p;
	return 0;
}

int pkgfile_check(struct pkgfile *pf)
{
	for (size_t i = 0; i < pf->man.n; i++) {
		if (pf->man.e[i].type != 'f')
			continue;
		int r = pkgfile_read_file(pf, &pf->man.e[i], -1);
		if (r)
			return r;
	}
	return pkgfile_finish(pf);
}

void pkgfile_drop(struct pkgfile *pf)
{
	if (!pf || !pf->rd)
		return;
	if (pf->rd->fd >= 0)
		close(pf->rd->fd);
#ifdef HAVE_ZSTD
	dctx_put(pf->rd->z);
#endif
	free(pf->rd->buf);
	free(pf->rd->chunk);
	free(pf->rd);
	pf->rd = NULL;
}

void pkgfile_close(struct pkgfile *pf)
{
	if (!pf)
		return;
	pkgfile_drop(pf);
	pkg_meta_free(&pf->meta);
	pkg_manifest_free(&pf->man);
	free(pf->payload);
	free(pf->meta_text);
	free(pf->man_text);
	free(pf->path);
	free(pf);
}
