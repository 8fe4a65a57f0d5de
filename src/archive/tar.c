/* tar: a careful extractor and a deterministic writer.
 *
 * The extractor never follows a symlink while it creates members: every
 * path is walked one component at a time from a descriptor of the
 * destination with O_NOFOLLOW, and members are made with *at() calls
 * relative to their parent's descriptor. The descriptors of the last
 * parent directory's components are kept, since archives list a
 * directory's members together. Directories are only ever created, never
 * replaced, so a kept descriptor stays the directory its path names. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

#include "archive/decomp.h"
#include "core/dirwalk.h"
#include "core/err.h"
#include "archive/tar.h"
#include "core/util.h"

#ifndef O_PATH
#define O_PATH O_RDONLY
#endif

enum {
	TAR_BLOCK = 512,
	TAR_RBUF = 1 << 20,         /* read buffer; must hold TAR_META_MAX */
	TAR_META_MAX = 1 << 20,     /* largest pax or GNU long-name payload */
	TAR_WBUF = 1 << 20,
};

/* Header field offsets and sizes (POSIX ustar). */
enum {
	H_NAME = 0, H_MODE = 100, H_UID = 108, H_GID = 116, H_SIZE = 124,
	H_MTIME = 136, H_CHKSUM = 148, H_TYPE = 156, H_LINK = 157,
	H_MAGIC = 257, H_VERSION = 263, H_UNAME = 265, H_GNAME = 297,
	H_DEVMAJOR = 329, H_DEVMINOR = 337, H_PREFIX = 345,
};

/* ---- reading the archive ---- */

struct rd {
	struct decomp *d;
	unsigned char *buf;
	size_t pos, len;
	unsigned long long off;     /* archive offset of buf[pos] */
	int eof;
};

/* Make at least need bytes (need <= TAR_RBUF) available, unless the
 * archive ends first. 0 or negative code. */
static int rd_fill(struct rd *r, size_t need)
{
	if (r->len - r->pos >= need || r->eof)
		return 0;
	bytes_unread_to_front(r->buf, &r->pos, &r->len);
	while (r->len < need && !r->eof) {
		ssize_t n = decomp_read(r->d, r->buf + r->len, TAR_RBUF - r->len);
		if (n < 0)
			return (int)n;
		if (n == 0)
			r->eof = 1;
		r->len += (size_t)n;
	}
	return 0;
}

static void rd_take(struct rd *r, size_t n)
{
	r->pos += n;
	r->off += n;
}

/* ---- extraction state ---- */

struct dirmode {
	char *path;
	mode_t mode;
};

struct ex {
	const char *archive;
	int root;               /* the destination */
	mode_t umask;
	struct rd rd;
	/* The open components of the last parent directory. */
	struct dirwalk walk;
	/* Directories whose mode is set at the end, once their members are in. */
	struct dirmode *dm;
	size_t ndm, cdm;
	/* Pending pax and GNU long-name values for the next member. */
	char *pax_path, *pax_link, *gnu_name, *gnu_link;
	unsigned long long pax_size;
	int have_pax_size;
	long long pax_mtime;
	int have_pax_mtime;
};

/* The member being extracted. */
struct member {
	const char *name;       /* as in the archive, for messages */
	const char *link;
	char **comp;            /* the cleaned path's components */
	size_t ncomp;
	unsigned long long size;
	mode_t mode;
	int type;
	long long mtime;        /* restored on files and links: builds compare them */
};

static int fail(struct ex *x, const struct member *m, int r, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 4, 5)))
#endif
	;

/* errf() with "ARCHIVE: member 'NAME': " in front. */
static int fail(struct ex *x, const struct member *m, int r, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return errf(r, "%s: member '%s': %s", x->archive, m->name, msg);
}

/* Put "ARCHIVE: " in front of the message a lower layer stored. */
static int fail_io(struct ex *x, int r)
{
	char msg[1024];
	snprintf(msg, sizeof msg, "%s", err_msg(r));
	return errf(r, "%s: %s", x->archive, msg);
}

static int fail_format(struct ex *x, const char *what)
{
	return errf(-SPROUT_ERR_FORMAT, "%s: %s at offset %llu", x->archive, what, x->rd.off);
}

/* Parse a numeric header field: octal (space or NUL terminated) or
 * base-256 (high bit of the first byte set). 0, or -1 when malformed. */
static int parse_num(const unsigned char *p, size_t n, unsigned long long *out)
{
	unsigned long long v = 0;
	size_t i = 0;
	if (p[0] & 0x80) {
		if (p[0] != 0x80)      /* negative, or too big for 64 bits */
			return -1;
		for (i = 1; i < n; i++) {
			if (v >> 56)
				return -1;
			v = v << 8 | p[i];
		}
		*out = v;
		return 0;
	}
	while (i < n && (p[i] == ' ' || p[i] == 0))
		i++;
	if (i == n) {
		*out = 0;
		return 0;
	}
	for (; i < n && p[i] >= '0' && p[i] <= '7'; i++) {
		if (v >> 61)
			return -1;
		v = v << 3 | (unsigned)(p[i] - '0');
	}
	for (; i < n; i++)
		if (p[i] != ' ' && p[i] != 0)
			return -1;
	*out = v;
	return 0;
}

static int header_checksum_ok(const unsigned char *h)
{
	unsigned long long want;
	unsigned long usum = 0;
	long ssum = 0;
	if (parse_num(h + H_CHKSUM, 8, &want))
		return 0;
	for (int i = 0; i < TAR_BLOCK; i++) {
		int c = i >= H_CHKSUM && i < H_CHKSUM + 8 ? ' ' : h[i];
		usum += (unsigned)c;
		ssum += (signed char)c;
	}
	/* Some old writers summed signed chars. */
	return want == usum || (long long)want == (long long)ssum;
}

static int all_zero(const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return 0;
	return 1;
}

static unsigned long long padded(unsigned long long size)
{
	return (size + TAR_BLOCK - 1) & ~(unsigned long long)(TAR_BLOCK - 1);
}

/* Read a member's payload (pax records, a GNU long name) into a new
 * NUL-terminated string, and skip its padding. 0 or negative code. */
static int read_meta(struct ex *x, unsigned long long size, char **out)
{
	if (size > TAR_META_MAX)
		return fail_format(x, "extended header too large");
	size_t n = (size_t)size, pn = (size_t)padded(size);
	int r = rd_fill(&x->rd, pn);
	if (r)
		return fail_io(x, r);
	if (x->rd.len - x->rd.pos < pn)
		return fail_format(x, "truncated archive");
	*out = xstrndup((const char *)x->rd.buf + x->rd.pos, n);
	rd_take(&x->rd, pn);
	return 0;
}

/* Skip n bytes of the archive. 0 or negative code. */
static int skip_bytes(struct ex *x, unsigned long long n)
{
	while (n) {
		int r = rd_fill(&x->rd, 1);
		if (r)
			return fail_io(x, r);
		size_t avail = x->rd.len - x->rd.pos;
		if (!avail)
			return fail_format(x, "truncated archive");
		size_t k = avail < n ? avail : (size_t)n;
		rd_take(&x->rd, k);
		n -= k;
	}
	return 0;
}

/* Skip a member's data and its padding. */
static int skip_data(struct ex *x, unsigned long long size)
{
	if (size > ULLONG_MAX - TAR_BLOCK)
		return fail_format(x, "bad member size");
	return skip_bytes(x, padded(size));
}

/* A pax time: [-]DIGITS[.DIGITS], the whole seconds within +-10^11 (about
 * the year 5138; GNU tar refuses what time_t cannot hold, and nothing real
 * is older than 1970 by as much). 0 and *out, or -1 when malformed. */
static int pax_time(const char *v, size_t n, long long *out)
{
	size_t k = n && v[0] == '-' ? 1 : 0, start = k;
	long long t = 0;
	for (; k < n && v[k] >= '0' && v[k] <= '9'; k++) {
		if (t >= 10000000000LL)
			return -1;
		t = t * 10 + (v[k] - '0');
	}
	if (k == start)
		return -1;
	if (k < n && v[k] == '.') {
		size_t f = ++k;
		while (k < n && v[k] >= '0' && v[k] <= '9')
			k++;
		if (k == f)
			return -1;
	}
	if (k != n)
		return -1;
	*out = start ? -t : t;
	return 0;
}

/* Apply pax records ("LEN key=value\n"...). Global headers ('g') are read
 * for well-formedness and otherwise ignored. 0 or negative code. */
static int apply_pax(struct ex *x, const char *p, size_t n, int global)
{
	size_t off = 0;
	while (off < n) {
		size_t len = 0, i = off;
		while (i < n && p[i] >= '0' && p[i] <= '9' && len < n)
			len = len * 10 + (size_t)(p[i++] - '0');
		if (i == off || i >= n || p[i] != ' ' || len > n - off || len < 5 ||
		    p[off + len - 1] != '\n')
			return fail_format(x, "malformed pax header");
		const char *key = p + i + 1, *end = p + off + len - 1;
		const char *eq = memchr(key, '=', (size_t)(end - key));
		if (!eq)
			return fail_format(x, "malformed pax header");
		size_t klen = (size_t)(eq - key), vlen = (size_t)(end - eq - 1);
		const char *val = eq + 1;
		off += len;
		if (global)
			continue;
#define KEY(s) (klen == sizeof(s) - 1 && !memcmp(key, s, klen))
		if (KEY("path") || KEY("linkpath")) {
			if (memchr(val, 0, vlen))
				return fail_format(x, "NUL in a pax path");
			char **dst = KEY("path") ? &x->pax_path : &x->pax_link;
			free(*dst);
			*dst = xstrndup(val, vlen);
		} else if (KEY("size")) {
			unsigned long long v = 0;
			if (!vlen)
				return fail_format(x, "bad pax size");
			for (size_t k = 0; k < vlen; k++) {
				if (val[k] < '0' || val[k] > '9' || v > (ULLONG_MAX - 9) / 10)
					return fail_format(x, "bad pax size");
				v = v * 10 + (unsigned)(val[k] - '0');
			}
			x->pax_size = v;
			x->have_pax_size = 1;
		} else if (KEY("mtime")) {
			if (pax_time(val, vlen, &x->pax_mtime))
				return fail_format(x, "bad pax mtime");
			x->have_pax_mtime = 1;
		} else if (klen > 11 && !memcmp(key, "GNU.sparse.", 11)) {
			return fail_format(x, "sparse files are not supported");
		}
#undef KEY
	}
	return 0;
}

static void meta_reset(struct ex *x)
{
	free(x->pax_path);
	free(x->pax_link);
	free(x->gnu_name);
	free(x->gnu_link);
	x->pax_path = x->pax_link = x->gnu_name = x->gnu_link = NULL;
	x->have_pax_size = 0;
	x->have_pax_mtime = 0;
}

/* Split name into components, dropping empty ones and ".". Refuses
 * absolute paths and "..". Returns 0 (comp, *n filled, *slash set when the
 * name ended in '/'), or a negative code with the reason in *why. */
static int path_split(char *s, char **comp, size_t *n, const char **why)
{
	size_t k = 0;
	if (s[0] == '/') {
		*why = "absolute path";
		return -SPROUT_ERR_UNSAFE;
	}
	for (char *p = s; *p;) {
		char *e = strchr(p, '/');
		if (e)
			*e = 0;
		if (!strcmp(p, "..")) {
			*why = "path has a '..' component";
			return -SPROUT_ERR_UNSAFE;
		}
		if (*p && strcmp(p, "."))
			comp[k++] = p;
		if (!e)
			break;
		p = e + 1;
	}
	*n = k;
	return 0;
}

/* Whether symlink target t, placed in the directory with depth
 * components, stays inside the destination when resolved lexically.
 * A ".." after a name is refused too: that name might be a symlink, and
 * then the lexical answer is wrong. NULL when safe, else the reason. */
static const char *symlink_check(const char *t, size_t depth)
{
	if (!*t)
		return "empty symlink target";
	if (t[0] == '/')
		return "symlink to an absolute path";
	static const char *const why[] = {
		[PATH_LINK_ABOVE] = "symlink leads outside the destination",
		[PATH_LINK_NAME_DOTDOT] = "symlink target has '..' after a name",
	};
	return why[path_link_where(t, depth)];
}

/* The error of a walk to comp[...] that stopped with r, f, naming the
 * member and what is in the way. */
static int walk_fail(struct ex *x, const struct member *m, char *const *comp, int r, const struct dirwalk_fail *f)
{
	const char *name = comp[f->at];
	if (f->mkdir)
		return fail(x, m, r, "mkdir '%s': %s", name, strerror(-r));
	if ((r == -ELOOP || r == -ENOTDIR) && f->link)
		return fail(x, m, -SPROUT_ERR_UNSAFE, "path goes through the symlink '%s'", name);
	return fail(x, m, r, "open directory '%s': %s", name, strerror(-r));
}

/* The descriptor of the directory comp[0..n), creating missing ones; owned
 * by the walk. Negative code on failure. */
static int parent_open(struct ex *x, const struct member *m, char **comp, size_t n)
{
	struct dirwalk_fail f;
	int fd = dirwalk_comps(&x->walk, comp, n, 1, &f);
	return fd < 0 ? walk_fail(x, m, comp, fd, &f) : fd;
}

/* A new descriptor of the existing directory comp[0..n) (the caller
 * closes it). Negative code on failure. */
static int dir_walk(struct ex *x, const struct member *m, char **comp, size_t n)
{
	struct dirwalk_fail f;
	int fd = dirwalk_open(x->root, comp, n, 0, &f);
	if (fd >= 0)
		return fd;
	if (f.at >= n)
		return fail(x, m, fd, "dup: %s", strerror(-fd));
	return walk_fail(x, m, comp, fd, &f);
}

/* Something is in the way of name in pfd: remove it unless it is a
 * directory. 0 or negative code. */
static int clear_way(struct ex *x, const struct member *m, int pfd, const char *name)
{
	struct stat st;
	if (fstatat(pfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : fail(x, m, -errno, "stat: %s", strerror(errno));
	if (S_ISDIR(st.st_mode))
		return fail(x, m, -EISDIR, "a directory is in the way");
	if (unlinkat(pfd, name, 0) < 0 && errno != ENOENT)
		return fail(x, m, -errno, "remove the old '%s': %s", name, strerror(errno));
	return 0;
}

static int make_file(struct ex *x, const struct member *m, int pfd, const char *name)
{
	int r = -EIO;
	mode_t cmode = m->mode & 0777;
	int fd;
	for (int tries = 0;; tries++) {
		fd = openat(pfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, cmode);
		if (fd >= 0)
			break;
		if (errno != EEXIST || tries)
			return fail(x, m, -errno, "create: %s", strerror(errno));
		r = clear_way(x, m, pfd, name);
		if (r)
			return r;
	}
	unsigned long long left = m->size;
	while (left) {
		r = rd_fill(&x->rd, 1);
		if (r) {
			r = fail_io(x, r);
			goto out;
		}
		size_t avail = x->rd.len - x->rd.pos;
		if (!avail) {
			r = fail_format(x, "truncated archive");
			goto out;
		}
		size_t k = avail < left ? avail : (size_t)left;
		r = fd_write_all(fd, x->rd.buf + x->rd.pos, k);
		if (r) {
			r = fail(x, m, r, "write: %s", strerror(-r));
			goto out;
		}
		rd_take(&x->rd, k);
		left -= k;
	}
	if ((cmode & ~x->umask) != m->mode && fchmod(fd, m->mode) < 0) {
		r = fail(x, m, -errno, "chmod: %s", strerror(errno));
		goto out;
	}
	{
		struct timespec ts[2];
		ts[0].tv_sec = ts[1].tv_sec = (time_t)m->mtime;
		ts[0].tv_nsec = ts[1].tv_nsec = 0;
		futimens(fd, ts);
	}
	r = close(fd) < 0 ? fail(x, m, -errno, "close: %s", strerror(errno)) : 0;
	fd = -1;
	if (!r)
		r = skip_bytes(x, padded(m->size) - m->size);
out:
	if (fd >= 0)
		close(fd);
	/* A member cut short is not left behind looking whole. */
	if (r)
		unlinkat(pfd, name, 0);
	return r;
}

static void defer_mode(struct ex *x, const struct member *m, mode_t mode)
{
	struct buf b = {0};
	for (size_t i = 0; i < m->ncomp; i++) {
		if (i)
			buf_addc(&b, '/');
		buf_adds(&b, m->comp[i]);
	}
	if (x->ndm == x->cdm) {
		x->cdm = x->cdm ? 2 * x->cdm : 16;
		x->dm = xrealloc(x->dm, x->cdm * sizeof *x->dm);
	}
	x->dm[x->ndm].path = buf_take(&b);
	x->dm[x->ndm].mode = mode;
	x->ndm++;
}

static int make_dir(struct ex *x, const struct member *m, int pfd, const char *name)
{
	/* Owner rwx until the end, so that members can go in. */
	mode_t cmode = m->mode | 0700;
	for (int tries = 0;; tries++) {
		if (mkdirat(pfd, name, cmode) == 0) {
			if ((cmode & ~x->umask) != m->mode)
				defer_mode(x, m, m->mode);
			return 0;
		}
		if (errno != EEXIST || tries)
			return fail(x, m, -errno, "mkdir: %s", strerror(errno));
		struct stat st;
		if (fstatat(pfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			return fail(x, m, -errno, "stat: %s", strerror(errno));
		if (S_ISDIR(st.st_mode)) {
			if ((st.st_mode & 07777) != m->mode)
				defer_mode(x, m, m->mode);
			return 0;
		}
		if (S_ISLNK(st.st_mode))
			return fail(x, m, -SPROUT_ERR_UNSAFE, "a symlink is in the way");
		if (unlinkat(pfd, name, 0) < 0)
			return fail(x, m, -errno, "remove the old file: %s", strerror(errno));
	}
}

static int make_symlink(struct ex *x, const struct member *m, int pfd, const char *name)
{
	const char *why = symlink_check(m->link, m->ncomp - 1);
	if (why)
		return fail(x, m, -SPROUT_ERR_UNSAFE, "%s ('%s')", why, m->link);
	for (int tries = 0;; tries++) {
		if (symlinkat(m->link, pfd, name) == 0) {
			struct timespec ts[2];
			ts[0].tv_sec = ts[1].tv_sec = (time_t)m->mtime;
			ts[0].tv_nsec = ts[1].tv_nsec = 0;
			utimensat(pfd, name, ts, AT_SYMLINK_NOFOLLOW);
			return 0;
		}
		if (errno != EEXIST || tries)
			return fail(x, m, -errno, "symlink: %s", strerror(errno));
		int r = clear_way(x, m, pfd, name);
		if (r)
			return r;
	}
}

static int make_hardlink(struct ex *x, const struct member *m, int pfd, const char *name)
{
	int r = -SPROUT_ERR_UNSAFE;
	char *t = xstrdup(m->link);
	size_t tn = strlen(t) / 2 + 2, n = 0;
	char **tc = xcalloc(tn, sizeof *tc);
	const char *why;
	int tfd = -1;
	struct stat st;
	r = path_split(t, tc, &n, &why);
	if (r) {
		r = fail(x, m, r, "hard link target '%s': %s", m->link, why);
		goto out;
	}
	if (!n) {
		r = fail(x, m, -SPROUT_ERR_UNSAFE, "hard link to the destination itself");
		goto out;
	}
	tfd = dir_walk(x, m, tc, n - 1);
	if (tfd < 0) {
		r = tfd;
		goto out;
	}
	if (fstatat(tfd, tc[n - 1], &st, AT_SYMLINK_NOFOLLOW) < 0) {
		r = fail(x, m, -errno, "hard link target '%s': %s", m->link, strerror(errno));
		goto out;
	}
	if (S_ISLNK(st.st_mode)) {
		/* A link to a symlink is that symlink in a new place: check
		 * its target from there. */
		char tgt[PATH_MAX];
		ssize_t k = readlinkat(tfd, tc[n - 1], tgt, sizeof tgt - 1);
		if (k < 0) {
			r = fail(x, m, -errno, "readlink '%s': %s", m->link, strerror(errno));
			goto out;
		}
		tgt[k] = 0;
		why = symlink_check(tgt, m->ncomp - 1);
		if (why) {
			r = fail(x, m, -SPROUT_ERR_UNSAFE, "hard link to a symlink: %s ('%s')", why, tgt);
			goto out;
		}
	}
	for (int tries = 0;; tries++) {
		if (linkat(tfd, tc[n - 1], pfd, name, 0) == 0)
			break;
		if (errno != EEXIST || tries) {
			r = fail(x, m, -errno, "hard link to '%s': %s", m->link, strerror(errno));
			goto out;
		}
		struct stat old;
		if (fstatat(pfd, name, &old, AT_SYMLINK_NOFOLLOW) == 0 &&
		    old.st_dev == st.st_dev && old.st_ino == st.st_ino)
			break;      /* already that file */
		r = clear_way(x, m, pfd, name);
		if (r)
			goto out;
	}
	r = 0;
out:
	if (tfd >= 0)
		close(tfd);
	free(tc);
	free(t);
	return r;
}

/* Create the member whose header has been read; its data follows. */
static int extract_member(struct ex *x, struct member *m, char *path)
{
	const char *why;
	size_t max = strlen(path) / 2 + 2;
	int r = -SPROUT_ERR_UNSAFE;
	m->comp = xcalloc(max, sizeof *m->comp);
	r = path_split(path, m->comp, &m->ncomp, &why);
	if (r) {
		r = fail(x, m, r, "%s", why);
		goto out;
	}
	if (m->type == '3' || m->type == '4' || m->type == '6') {
		r = fail(x, m, -SPROUT_ERR_UNSAFE, "devices and fifos are not extracted");
		goto out;
	}
	if (m->ncomp == 0) {
		/* "./": the destination itself. */
		if (m->type == '5') {
			r = skip_data(x, m->size);
			goto out;
		}
		r = fail(x, m, -SPROUT_ERR_UNSAFE, "empty path");
		goto out;
	}
	int pfd = parent_open(x, m, m->comp, m->ncomp - 1);
	if (pfd < 0) {
		r = pfd;
		goto out;
	}
	const char *base = m->comp[m->ncomp - 1];
	switch (m->type) {
	case '0':
		if (m->size > ULLONG_MAX - TAR_BLOCK) {
			r = fail_format(x, "bad member size");
			goto out;
		}
		r = make_file(x, m, pfd, base);
		goto out;
	case '5':
		r = make_dir(x, m, pfd, base);
		break;
	case '2':
		r = make_symlink(x, m, pfd, base);
		break;
	case '1':
		r = make_hardlink(x, m, pfd, base);
		break;
	default:
		r = fail(x, m, -SPROUT_ERR_FORMAT, "unsupported member type '%c'", m->type);
		goto out;
	}
	if (!r)
		r = skip_data(x, m->size);
out:
	free(m->comp);
	m->comp = NULL;
	return r;
}

/* One header block at rd: apply it, extract its member. 1 at the end of
 * the archive, 0 to go on, or a negative code. */
static int extract_next(struct ex *x)
{
	int r = rd_fill(&x->rd, TAR_BLOCK);
	if (r)
		return fail_io(x, r);
	if (x->rd.len - x->rd.pos < TAR_BLOCK) {
		if (x->rd.len == x->rd.pos && x->rd.off == 0)
			return fail_format(x, "empty archive");
		if (x->rd.off == 0)
			return fail_format(x, "not a tar archive (too short)");
		if (x->rd.len == x->rd.pos)
			return fail_format(x, "truncated archive (no end-of-archive marker)");
		return fail_format(x, "truncated archive");
	}
	const unsigned char *h = x->rd.buf + x->rd.pos;
	if (all_zero(h, TAR_BLOCK))
		return 1;
	if (!header_checksum_ok(h))
		return fail_format(x, x->rd.off ? "bad header checksum" : "not a tar archive");
	unsigned long long size, mode, mtime;
	if (parse_num(h + H_SIZE, 12, &size) || parse_num(h + H_MODE, 8, &mode))
		return fail_format(x, "bad number in header");
	if (parse_num(h + H_MTIME, 12, &mtime))
		mtime = 0;
	int type = h[H_TYPE] ? h[H_TYPE] : '0';

	char name[256 + 100 + 1], link[101];
	size_t nl = strnlen((const char *)h + H_NAME, 100);
	if (!memcmp(h + H_MAGIC, "ustar\0", 6) && h[H_PREFIX]) {
		size_t pl = strnlen((const char *)h + H_PREFIX, 155);
		memcpy(name, h + H_PREFIX, pl);
		name[pl] = '/';
		memcpy(name + pl + 1, h + H_NAME, nl);
		name[pl + 1 + nl] = 0;
	} else {
		memcpy(name, h + H_NAME, nl);
		name[nl] = 0;
	}
	size_t ll = strnlen((const char *)h + H_LINK, 100);
	memcpy(link, h + H_LINK, ll);
	link[ll] = 0;
	rd_take(&x->rd, TAR_BLOCK);

	char *meta;
	switch (type) {
	case 'x':
	case 'g':
		r = read_meta(x, size, &meta);
		if (r)
			return r;
		r = apply_pax(x, meta, (size_t)size, type == 'g');
		free(meta);
		return r;
	case 'L':
	case 'K':
		r = read_meta(x, size, &meta);
		if (r)
			return r;
		free(type == 'L' ? x->gnu_name : x->gnu_link);
		*(type == 'L' ? &x->gnu_name : &x->gnu_link) = meta;
		return 0;
	case 'V':       /* GNU volume label */
		meta_reset(x);
		return skip_data(x, size);
	case 'D':       /* GNU dump directory: a directory with a listing */
		type = '5';
		break;
	case '7':       /* contiguous file */
		type = '0';
		break;
	case 'S':
		return fail_format(x, "sparse files are not supported");
	case 'M':
	case 'N':
		return fail_format(x, "multi-volume and old GNU long-name members are not supported");
	default:
		break;
	}

	struct member m = {0};
	char *path = xstrdup(x->pax_path ? x->pax_path : x->gnu_name ? x->gnu_name : name);
	char *shown = xstrdup(path);
	char *lk = xstrdup(x->pax_link ? x->pax_link : x->gnu_link ? x->gnu_link : link);
	m.name = shown;
	m.link = lk;
	m.size = x->have_pax_size ? x->pax_size : size;
	m.mode = (mode_t)(mode & 01777);
	m.type = type;
	m.mtime = x->have_pax_mtime ? x->pax_mtime : (long long)mtime;
	meta_reset(x);
	size_t pl = strlen(path);
	if (m.type == '0' && pl && path[pl - 1] == '/')
		m.type = '5';       /* old archives: a directory is a file named "d/" */
	r = extract_member(x, &m, path);
	free(path);
	free(shown);
	free(lk);
	return r;
}

static int dm_cmp(const void *a, const void *b)
{
	const struct dirmode *p = a, *q = b;
	return strcmp(q->path, p->path);    /* descending: members first */
}

/* Set the modes of directories made writable for extraction. */
static int apply_modes(struct ex *x)
{
	int r = 0;
	if (x->ndm > 1)
		qsort(x->dm, x->ndm, sizeof *x->dm, dm_cmp);
	for (size_t i = 0; i < x->ndm && !r; i++) {
		char *p = xstrdup(x->dm[i].path);
		size_t max = strlen(p) / 2 + 2, n = 0;
		char **comp = xcalloc(max, sizeof *comp);
		const char *why;
		struct member m = {0};
		m.name = x->dm[i].path;
		if (path_split(p, comp, &n, &why) == 0 && n) {
			int pfd = dir_walk(x, &m, comp, n - 1);
			if (pfd < 0) {
				r = pfd;
			} else {
				int fd = openat(pfd, comp[n - 1], O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
				if (fd < 0 || fchmod(fd, x->dm[i].mode) < 0)
					r = fail(x, &m, -errno, "chmod: %s", strerror(errno));
				if (fd >= 0)
					close(fd);
				close(pfd);
			}
		}
		free(comp);
		free(p);
	}
	return r;
}

int tar_extract(const char *path, const char *dest)
{
	struct ex x;
	int r = -EIO;
	memset(&x, 0, sizeof x);
	err_clear();
	x.archive = path;
	x.root = -1;
	x.umask = umask(022);
	umask(x.umask);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		r = errf(-errno, "%s: %s", path, strerror(errno));
		goto out;
	}
	x.root = open(dest, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (x.root < 0) {
		r = errf(-errno, "%s: %s", dest, strerror(errno));
		close(fd);
		goto out;
	}
	dirwalk_init(&x.walk, x.root);
	r = decomp_open(fd, &x.rd.d);
	if (r) {
		r = fail_io(&x, r);
		goto out;
	}
	x.rd.buf = xmalloc(TAR_RBUF);
	while ((r = extract_next(&x)) == 0)
		;
	if (r < 0)
		goto out;
	/* Read to the end, so that the decompressor checks the whole stream. */
	for (;;) {
		x.rd.pos = x.rd.len = 0;
		ssize_t n = decomp_read(x.rd.d, x.rd.buf, TAR_RBUF);
		if (n < 0) {
			r = fail_io(&x, (int)n);
			goto out;
		}
		if (n == 0)
			break;
	}
	r = apply_modes(&x);
out:
	if (x.rd.d) {
		int cr = decomp_close(x.rd.d);
		if (!r && cr)
			r = fail_io(&x, cr);
	}
	dirwalk_done(&x.walk);
	for (size_t i = 0; i < x.ndm; i++)
		free(x.dm[i].path);
	free(x.dm);
	free(x.rd.buf);
	meta_reset(&x);
	if (x.root >= 0)
		close(x.root);
	return r;
}

/* ---- writing ---- */

struct ent {
	char *path;
	struct stat st;
};

struct wr {
	const char *out;
	int fd;
	unsigned char *buf;
	size_t len;
	dev_t odev;             /* the archive itself, to leave it out */
	ino_t oino;
	struct ent *e;
	size_t n, cap;
};

static int wr_flush(struct wr *w)
{
	int r = fd_write_all(w->fd, w->buf, w->len);
	w->len = 0;
	return r ? errf(r, "%s: write: %s", w->out, strerror(-r)) : 0;
}

static int wr_put(struct wr *w, const void *p, size_t n)
{
	const unsigned char *s = p;
	while (n) {
		if (w->len == TAR_WBUF) {
			int r = wr_flush(w);
			if (r)
				return r;
		}
		size_t k = TAR_WBUF - w->len < n ? TAR_WBUF - w->len : n;
		memcpy(w->buf + w->len, s, k);
		w->len += k;
		s += k;
		n -= k;
	}
	return 0;
}

static int wr_zeros(struct wr *w, size_t n)
{
	static const unsigned char z[TAR_BLOCK];
	while (n) {
		size_t k = n < sizeof z ? n : sizeof z;
		int r = wr_put(w, z, k);
		if (r)
			return r;
		n -= k;
	}
	return 0;
}

/* Collect the tree under dfd (path prefix pre) into w->e. */
static int collect(struct wr *w, int dfd, const char *pre)
{
	int r = -EIO;
	DIR *d = dir_fdopen(dup(dfd));
	if (!d)
		return errf(-errno, "%s: %s", *pre ? pre : ".", strerror(errno));
	struct dirent *de;
	r = 0;
	while ((errno = 0, de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		struct ent e;
		e.path = *pre ? xasprintf("%s/%s", pre, de->d_name) : xstrdup(de->d_name);
		if (fstatat(dfd, de->d_name, &e.st, AT_SYMLINK_NOFOLLOW) < 0) {
			r = errf(-errno, "%s: %s", e.path, strerror(errno));
			free(e.path);
			break;
		}
		if (e.st.st_dev == w->odev && e.st.st_ino == w->oino) {
			free(e.path);
			continue;
		}
		if (!S_ISREG(e.st.st_mode) && !S_ISDIR(e.st.st_mode) && !S_ISLNK(e.st.st_mode)) {
			r = errf(-SPROUT_ERR_FORMAT, "%s: not a regular file, directory or symlink", e.path);
			free(e.path);
			break;
		}
		if (w->n == w->cap) {
			w->cap = w->cap ? 2 * w->cap : 256;
			w->e = xrealloc(w->e, w->cap * sizeof *w->e);
		}
		w->e[w->n++] = e;
		if (S_ISDIR(e.st.st_mode)) {
			int sub = openat(dfd, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (sub < 0) {
				r = errf(-errno, "%s: %s", e.path, strerror(errno));
				break;
			}
			r = collect(w, sub, e.path);
			close(sub);
			if (r)
				break;
		}
	}
	if (!r && errno)
		r = errf(-errno, "%s: readdir: %s", *pre ? pre : ".", strerror(errno));
	closedir(d);
	return r;
}

static int ent_cmp(const void *a, const void *b)
{
	const struct ent *p = a, *q = b;
	return strcmp(p->path, q->path);
}

static void put_octal(unsigned char *f, size_t n, unsigned long long v)
{
	/* n-1 digits and a NUL. */
	f[n - 1] = 0;
	for (size_t i = n - 1; i-- > 0;) {
		f[i] = (unsigned char)('0' + (v & 7));
		v >>= 3;
	}
}

/* One pax record "LEN key=value\n", LEN counting itself. */
static void pax_add(struct buf *b, const char *key, const char *val)
{
	size_t body = 1 + strlen(key) + 1 + strlen(val) + 1;
	size_t len = body + 1;
	while (len != body + (size_t)snprintf(NULL, 0, "%zu", len))
		len = body + (size_t)snprintf(NULL, 0, "%zu", len);
	buf_addf(b, "%zu %s=%s\n", len, key, val);
}

static int put_header(struct wr *w, const char *name, const char *link, int type,
	unsigned long mode, unsigned long long size, unsigned long long mtime)
{
	unsigned char h[TAR_BLOCK];
	memset(h, 0, sizeof h);
	size_t nl = strlen(name), ll = strlen(link);
	memcpy(h + H_NAME, name, nl < 100 ? nl : 100);
	put_octal(h + H_MODE, 8, mode);
	put_octal(h + H_UID, 8, 0);
	put_octal(h + H_GID, 8, 0);
	put_octal(h + H_SIZE, 12, size);
	put_octal(h + H_MTIME, 12, mtime);
	h[H_TYPE] = (unsigned char)type;
	memcpy(h + H_LINK, link, ll < 100 ? ll : 100);
	memcpy(h + H_MAGIC, "ustar\0" "00", 8);
	put_octal(h + H_DEVMAJOR, 8, 0);
	put_octal(h + H_DEVMINOR, 8, 0);
	memset(h + H_CHKSUM, ' ', 8);
	unsigned sum = 0;
	for (int i = 0; i < TAR_BLOCK; i++)
		sum += h[i];
	put_octal(h + H_CHKSUM, 7, sum);
	h[H_CHKSUM + 7] = ' ';
	return wr_put(w, h, sizeof h);
}

enum { OCTAL11_MAX = 077777777777ULL };

static int write_file_data(struct wr *w, int dfd, const struct ent *e)
{
	int r = -EIO;
	int fd = openat(dfd, e->path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return errf(-errno, "%s: %s", e->path, strerror(errno));
	unsigned long long left = (unsigned long long)e->st.st_size;
	while (left) {
		if (w->len == TAR_WBUF && (r = wr_flush(w)))
			goto out;
		size_t room = TAR_WBUF - w->len;
		ssize_t n = read(fd, w->buf + w->len, room < left ? room : (size_t)left);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = errf(-errno, "%s: read: %s", e->path, strerror(errno));
			goto out;
		}
		if (n == 0) {
			r = errf(-EIO, "%s: file shrank while being archived", e->path);
			goto out;
		}
		w->len += (size_t)n;
		left -= (unsigned long long)n;
	}
	r = wr_zeros(w, (TAR_BLOCK - (size_t)(e->st.st_size % TAR_BLOCK)) % TAR_BLOCK);
out:
	close(fd);
	return r;
}

static int write_entry(struct wr *w, int dfd, const struct ent *e, long long clamp)
{
	int r = -EIO;
	char *name = S_ISDIR(e->st.st_mode) ? xasprintf("%s/", e->path) : xstrdup(e->path);
	char *link = NULL;
	struct buf pax = {0};
	unsigned long long size = 0;
	int type = '0';
	long long mt = (long long)e->st.st_mtime;
	if (mt > clamp)
		mt = clamp;
	if (mt < 0)
		mt = 0;
	if ((unsigned long long)mt > OCTAL11_MAX)
		mt = (long long)OCTAL11_MAX;
	if (S_ISDIR(e->st.st_mode)) {
		type = '5';
	} else if (S_ISLNK(e->st.st_mode)) {
		type = '2';
		size_t cap = (size_t)e->st.st_size + 1 > 256 ? (size_t)e->st.st_size + 1 : 256;
		for (;;) {
			link = xrealloc(link, cap);
			ssize_t n = readlinkat(dfd, e->path, link, cap);
			if (n < 0) {
				r = errf(-errno, "%s: readlink: %s", e->path, strerror(errno));
				goto out;
			}
			if ((size_t)n < cap) {
				link[n] = 0;
				break;
			}
			cap *= 2;
		}
	} else {
		size = (unsigned long long)e->st.st_size;
	}
	if (strlen(name) > 100)
		pax_add(&pax, "path", name);
	if (link && strlen(link) > 100)
		pax_add(&pax, "linkpath", link);
	if (size > OCTAL11_MAX) {
		char num[32];
		snprintf(num, sizeof num, "%llu", size);
		pax_add(&pax, "size", num);
	}
	if (pax.len) {
		r = put_header(w, "././@PaxHeader", "", 'x', 0644, pax.len, 0);
		if (!r)
			r = wr_put(w, pax.s, pax.len);
		if (!r)
			r = wr_zeros(w, (TAR_BLOCK - pax.len % TAR_BLOCK) % TAR_BLOCK);
		if (r)
			goto out;
	}
	r = put_header(w, name, link ? link : "", type, (unsigned long)(e->st.st_mode & 07777),
		size > OCTAL11_MAX ? 0 : size, (unsigned long long)mt);
	if (!r && type == '0')
		r = write_file_data(w, dfd, e);
out:
	buf_free(&pax);
	free(name);
	free(link);
	return r;
}

int tar_write_tree(const char *dir, const char *out, long long mtime_clamp)
{
	struct wr w;
	struct stat st;
	int r = -EIO;
	memset(&w, 0, sizeof w);
	w.out = out;
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return errf(-errno, "%s: %s", dir, strerror(errno));
	w.fd = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (w.fd < 0) {
		r = errf(-errno, "%s: %s", out, strerror(errno));
		close(dfd);
		return r;
	}
	if (fstat(w.fd, &st) == 0) {
		w.odev = st.st_dev;
		w.oino = st.st_ino;
	}
	w.buf = xmalloc(TAR_WBUF);
	r = collect(&w, dfd, "");
	if (r)
		goto out;
	if (w.n > 1)
		qsort(w.e, w.n, sizeof *w.e, ent_cmp);
	for (size_t i = 0; i < w.n && !r; i++)
		r = write_entry(&w, dfd, &w.e[i], mtime_clamp);
	if (r)
		goto out;
	/* Two zero blocks end the archive; pad to a 10240-byte record like tar. */
	r = wr_zeros(&w, 2 * TAR_BLOCK);
	if (!r)
		r = wr_flush(&w);
	if (r)
		goto out;
	off_t end = lseek(w.fd, 0, SEEK_CUR);
	if (end > 0 && end % 10240)
		r = wr_zeros(&w, (size_t)(10240 - end % 10240));
	if (!r)
		r = wr_flush(&w);
out:
	if (close(w.fd) < 0 && !r)
		r = errf(-errno, "%s: close: %s", out, strerror(errno));
	if (r)
		unlink(out);
	close(dfd);
	for (size_t i = 0; i < w.n; i++)
		free(w.e[i].path);
	free(w.e);
	free(w.buf);
	return r;
}
