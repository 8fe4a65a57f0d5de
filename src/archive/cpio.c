/* A deterministic cpio "newc" writer (docs/images.md): what the kernel
 * unpacks as an initramfs, and GNU cpio reads. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include "archive/cpio.h"
#include "core/err.h"
#include "core/util.h"

#define CPIO_WBUF 65536

struct ent {
	char *path;             /* relative to its tree, no leading "/" */
	int tree;
};

struct cw {
	int fd;                 /* the file, or gzip's stdin */
	char *buf;
	size_t len;
	unsigned long long off; /* bytes written so far (for padding) */
	const char *out;
	struct ent *e;
	size_t n, cap;
};

static int cw_flush(struct cw *w)
{
	int r = fd_write_all(w->fd, w->buf, w->len);
	w->len = 0;
	if (r)
		return errf(r, "%s: %s", w->out, err_str(r));
	return 0;
}

static int cw_put(struct cw *w, const void *p, size_t n)
{
	const char *s = p;
	while (n) {
		size_t k = CPIO_WBUF - w->len;
		if (k > n)
			k = n;
		memcpy(w->buf + w->len, s, k);
		w->len += k;
		w->off += k;
		s += k;
		n -= k;
		if (w->len == CPIO_WBUF) {
			int r = cw_flush(w);
			if (r)
				return r;
		}
	}
	return 0;
}

static int cw_pad4(struct cw *w)
{
	static const char z[4];
	size_t k = (size_t)((4 - w->off % 4) % 4);
	return k ? cw_put(w, z, k) : 0;
}

static void add_ent(struct cw *w, char *path, int tree)
{
	if (w->n == w->cap) {
		w->cap = w->cap ? 2 * w->cap : 256;
		w->e = xrealloc(w->e, w->cap * sizeof *w->e);
	}
	w->e[w->n].path = path;
	w->e[w->n].tree = tree;
	w->n++;
}

/* Every entry under dfd (prefix is its path in the tree), never following
 * a symlink. */
static int collect(struct cw *w, int dfd, const char *prefix, int tree)
{
	int fd = dup(dfd);
	if (fd < 0)
		return -errno;
	DIR *d = fdopendir(fd);
	if (!d) {
		int r = -errno;
		close(fd);
		return r;
	}
	int r = 0;
	struct dirent *de;
	while (!r && (errno = 0, de = readdir(d)) != NULL) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		char *p = *prefix ? xasprintf("%s/%s", prefix, de->d_name) : xstrdup(de->d_name);
		struct stat st;
		if (fstatat(dfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			r = errf(-errno, "%s: %s", p, strerror(errno));
			free(p);
			break;
		}
		add_ent(w, p, tree);
		if (S_ISDIR(st.st_mode)) {
			int sub = openat(dfd, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (sub < 0)
				r = errf(-errno, "%s: %s", p, strerror(errno));
			else {
				r = collect(w, sub, p, tree);
				close(sub);
			}
		}
	}
	if (!r && errno)
		r = -errno;
	closedir(d);
	return r;
}

static int ent_cmp(const void *a, const void *b)
{
	const struct ent *x = a, *y = b;
	int c = strcmp(x->path, y->path);
	if (c)
		return c;
	return x->tree - y->tree;
}

static int put_header(struct cw *w, unsigned long ino, unsigned long mode, unsigned long nlink, unsigned long mtime,
		      unsigned long size, unsigned long rmaj, unsigned long rmin, const char *name)
{
	char h[200];
	size_t nl = strlen(name) + 1;
	/* Every field fits 8 hex digits: sizes are checked, the rest are small. */
	snprintf(h, sizeof h, "070701%08lX%08lX%08lX%08lX%08lX%08lX%08lX%08lX%08lX%08lX%08lX%08lX%08lX", ino, mode,
		 0ul, 0ul, nlink, mtime, size, 0ul, 0ul, rmaj, rmin, (unsigned long)nl, 0ul);
	int r = cw_put(w, h, 110);
	if (!r)
		r = cw_put(w, name, nl);
	if (!r)
		r = cw_pad4(w);
	return r;
}

static int put_file_data(struct cw *w, int rootfd, const char *path, off_t size)
{
	int fd = openat(rootfd, path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return errf(-errno, "%s: %s", path, strerror(errno));
	char b[65536];
	off_t left = size;
	int r = 0;
	while (left > 0) {
		ssize_t k = read(fd, b, left < (off_t)sizeof b ? (size_t)left : sizeof b);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0) {
			r = errf(k < 0 ? -errno : -EIO, "%s: %s", path, k < 0 ? strerror(errno) : "changed while read");
			break;
		}
		r = cw_put(w, b, (size_t)k);
		if (r)
			break;
		left -= k;
	}
	close(fd);
	return r ? r : cw_pad4(w);
}

static int put_entry(struct cw *w, int rootfd, const char *path, unsigned long ino, long long clamp)
{
	struct stat st;
	if (fstatat(rootfd, path, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errf(-errno, "%s: %s", path, strerror(errno));
	unsigned long mtime = (unsigned long)(st.st_mtime < clamp ? (st.st_mtime < 0 ? 0 : st.st_mtime) : clamp);
	unsigned long mode = st.st_mode & (S_IFMT | 07777);
	if (S_ISREG(st.st_mode)) {
		if (st.st_size > 0xffffffffLL)
			return errf(SPROUT_ERR_FORMAT, "%s: too large for cpio newc (4 GiB)", path);
		int r = put_header(w, ino, mode, 1, mtime, (unsigned long)st.st_size, 0, 0, path);
		return r ? r : put_file_data(w, rootfd, path, st.st_size);
	}
	if (S_ISLNK(st.st_mode)) {
		char t[4096];
		ssize_t k = readlinkat(rootfd, path, t, sizeof t);
		if (k < 0 || k == (ssize_t)sizeof t)
			return errf(k < 0 ? -errno : -ENAMETOOLONG, "%s: cannot read the link", path);
		int r = put_header(w, ino, mode, 1, mtime, (unsigned long)k, 0, 0, path);
		if (!r)
			r = cw_put(w, t, (size_t)k);
		return r ? r : cw_pad4(w);
	}
	unsigned long rmaj = 0, rmin = 0;
	if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)) {
		rmaj = major(st.st_rdev);
		rmin = minor(st.st_rdev);
	}
	return put_header(w, ino, mode, S_ISDIR(st.st_mode) ? 2 : 1, mtime, 0, rmaj, rmin, path);
}

/* Start `gzip -n -9` writing to ofd; *in is its stdin. */
static int gzip_start(int ofd, int *in, pid_t *pid)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	pid_t c = fork();
	if (c < 0) {
		int r = -errno;
		close(p[0]);
		close(p[1]);
		return r;
	}
	if (c == 0) {
		if (dup2(p[0], 0) < 0 || dup2(ofd, 1) < 0)
			_exit(127);
		execlp("gzip", "gzip", "-n", "-9", "-c", (char *)NULL);
		_exit(127);
	}
	close(p[0]);
	*in = p[1];
	*pid = c;
	return 0;
}

static int gzip_end(pid_t pid)
{
	int st, r = proc_wait(pid, &st);
	if (r)
		return r;
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
		return 0;
	return errf(-EIO, "gzip failed (%s %d)", WIFEXITED(st) ? "exit" : "signal",
		    WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
}

static int write_all_entries(struct cw *w, const int *roots, long long clamp)
{
	int r = 0;
	unsigned long ino = 1;
	for (size_t i = 0; i < w->n && !r; i++) {
		/* The same path in a later tree replaces it. */
		if (i + 1 < w->n && !strcmp(w->e[i].path, w->e[i + 1].path))
			continue;
		r = put_entry(w, roots[w->e[i].tree], w->e[i].path, ino++, clamp);
	}
	if (!r)
		r = put_header(w, 0, 0, 1, 0, 0, 0, 0, "TRAILER!!!");
	/* Pad to 512 bytes, as GNU cpio does. */
	static const char z[512];
	if (!r && w->off % 512)
		r = cw_put(w, z, (size_t)(512 - w->off % 512));
	if (!r)
		r = cw_flush(w);
	return r;
}

int cpio_write_trees(const char *const *dirs, int ndirs, const char *out, long long mtime_clamp, int flags)
{
	struct cw w;
	int r = -EIO, ofd = -1;
	pid_t gz = -1;
	int *roots = xcalloc((size_t)(ndirs > 0 ? ndirs : 1), sizeof *roots);
	memset(&w, 0, sizeof w);
	w.out = out;
	w.fd = -1;
	for (int t = 0; t < ndirs; t++)
		roots[t] = -1;
	for (int t = 0; t < ndirs; t++) {
		roots[t] = open(dirs[t], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (roots[t] < 0) {
			r = errf(-errno, "%s: %s", dirs[t], strerror(errno));
			goto out;
		}
		r = collect(&w, roots[t], "", t);
		if (r) {
			r = errf(r, "%s: %s", dirs[t], err_msg(r));
			goto out;
		}
	}
	if (w.n > 1)
		qsort(w.e, w.n, sizeof *w.e, ent_cmp);
	ofd = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (ofd < 0) {
		r = errf(-errno, "%s: %s", out, strerror(errno));
		goto out;
	}
	w.fd = ofd;
	if (flags & CPIO_GZIP) {
		r = gzip_start(ofd, &w.fd, &gz);
		if (r) {
			r = errf(r, "cannot run gzip: %s", err_str(r));
			goto out;
		}
	}
	w.buf = xmalloc(CPIO_WBUF);
	/* A gzip that died makes the writes fail (EPIPE), not end sprout. */
	void (*old)(int) = signal(SIGPIPE, SIG_IGN);
	r = write_all_entries(&w, roots, mtime_clamp);
	signal(SIGPIPE, old);
out:
	if (gz > 0) {
		close(w.fd);
		int g = gzip_end(gz);
		if (!r)
			r = g;
	}
	if (ofd >= 0 && close(ofd) < 0 && !r)
		r = errf(-errno, "%s: close: %s", out, strerror(errno));
	if (r && ofd >= 0)
		unlink(out);
	for (int t = 0; t < ndirs; t++)
		if (roots[t] >= 0)
			close(roots[t]);
	for (size_t i = 0; i < w.n; i++)
		free(w.e[i].path);
	free(w.e);
	free(w.buf);
	free(roots);
	return r;
}
