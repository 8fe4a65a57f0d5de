#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/util.h"

static void oom(void)
{
	static const char m[] = "sprout: out of memory\n";
	ssize_t w = write(2, m, sizeof m - 1);
	(void)w;
	abort();
}

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		oom();
	return p;
}

void *xcalloc(size_t n, size_t m)
{
	void *p = calloc(n ? n : 1, m ? m : 1);
	if (!p)
		oom();
	return p;
}

void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		oom();
	return p;
}

char *xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

char *xstrndup(const char *s, size_t n)
{
	char *p = xmalloc(n + 1);
	memcpy(p, s, n);
	p[n] = 0;
	return p;
}

static void buf_grow(struct buf *b, size_t n)
{
	if (b->len + n + 1 <= b->cap)
		return;
	size_t c = b->cap ? b->cap : 64;
	while (c < b->len + n + 1)
		c *= 2;
	b->s = xrealloc(b->s, c);
	b->cap = c;
}

void buf_add(struct buf *b, const void *p, size_t n)
{
	buf_grow(b, n);
	if (n)
		memcpy(b->s + b->len, p, n);
	b->len += n;
	b->s[b->len] = 0;
}

void buf_adds(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

void buf_addc(struct buf *b, int c)
{
	char ch = (char)c;
	buf_add(b, &ch, 1);
}

/* buf_addf with ap; ap is used up. */
static void buf_vaddf(struct buf *b, const char *fmt, va_list ap)
#if defined(__GNUC__)
	__attribute__((format(printf, 2, 0)))
#endif
	;
static void buf_vaddf(struct buf *b, const char *fmt, va_list ap)
{
	va_list aq;
	va_copy(aq, ap);
	int n = vsnprintf(NULL, 0, fmt, aq);
	va_end(aq);
	if (n < 0)
		oom();
	buf_grow(b, (size_t)n);
	vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
}

void buf_addf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	buf_vaddf(b, fmt, ap);
	va_end(ap);
}

char *xasprintf(const char *fmt, ...)
{
	struct buf b = {0};
	va_list ap;
	va_start(ap, fmt);
	buf_vaddf(&b, fmt, ap);
	va_end(ap);
	return b.s;
}

char *buf_take(struct buf *b)
{
	char *s = b->s ? b->s : xstrdup("");
	b->s = NULL;
	b->len = b->cap = 0;
	return s;
}

void buf_free(struct buf *b)
{
	free(b->s);
	b->s = NULL;
	b->len = b->cap = 0;
}

void strv_addown(struct strv *sv, char *s)
{
	if (sv->n + 2 > sv->cap) {
		sv->cap = sv->cap ? sv->cap * 2 : 8;
		sv->v = xrealloc(sv->v, sv->cap * sizeof *sv->v);
	}
	sv->v[sv->n++] = s;
	sv->v[sv->n] = NULL;
}

void strv_add(struct strv *sv, const char *s)
{
	strv_addown(sv, xstrdup(s));
}

void bytes_unread_to_front(unsigned char *buf, size_t *pos, size_t *len)
{
	if (!*pos)
		return;
	memmove(buf, buf + *pos, *len - *pos);
	*len -= *pos;
	*pos = 0;
}

void free_each(void *const *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
}

void strs_free(char **v, size_t n)
{
	for (size_t i = 0; v && i < n; i++)
		free(v[i]);
	free(v);
}

void strv_free(struct strv *sv)
{
	strs_free(sv->v, sv->n);
	sv->v = NULL;
	sv->n = sv->cap = 0;
}

int file_read(const char *path, struct buf *b)
{
	return file_read_at(AT_FDCWD, path, b);
}

int file_read_at(int dirfd, const char *name, struct buf *b)
{
	int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	int r = fd_read(fd, b);
	close(fd);
	return r;
}

char *file_last_line(const char *path)
{
	struct buf b = {0};
	char *line = NULL;
	if (!file_read(path, &b) && b.len) {
		size_t e = b.len;
		while (e && strchr("\n\r \t", b.s[e - 1]))
			e--;
		size_t a = e;
		while (a && b.s[a - 1] != '\n')
			a--;
		if (e > a)
			line = xstrndup(b.s + a, e - a);
	}
	buf_free(&b);
	return line;
}

int fd_read(int fd, struct buf *b)
{
	int r = 0;
	for (;;) {
		buf_grow(b, 65536);
		ssize_t n = read(fd, b->s + b->len, b->cap - b->len - 1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			r = -errno;
			break;
		}
		if (n == 0)
			break;
		b->len += (size_t)n;
	}
	b->s[b->len] = 0;
	return r;
}

int fd_each_chunk(int fd, void *buf, size_t cap, int (*fn)(void *arg, const void *p, size_t n), void *arg)
{
	for (;;) {
		ssize_t n = read(fd, buf, cap);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return 0;
		int r = fn(arg, buf, (size_t)n);
		if (r)
			return r;
	}
}

int fd_write_all(int fd, const void *p, size_t n)
{
	const char *s = p;
	while (n) {
		ssize_t w = write(fd, s, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -errno;
		s += w;
		n -= (size_t)w;
	}
	return 0;
}

int fd_pwrite_all(int fd, const void *p, size_t n, long long off)
{
	const char *s = p;
	while (n) {
		ssize_t w = pwrite(fd, s, n, (off_t)off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return w < 0 ? -errno : -EIO;
		s += w;
		n -= (size_t)w;
		off += w;
	}
	return 0;
}

int file_copy(const char *src, const char *dst)
{
	struct buf b = {0};
	int r = file_read(src, &b);
	if (!r) {
		int fd = open(dst, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (fd < 0) {
			r = -errno;
		} else {
			r = fd_write_all(fd, b.s, b.len);
			if (close(fd) < 0 && !r)
				r = -errno;
		}
	}
	buf_free(&b);
	return r;
}

int file_write_atomic(const char *path, const void *data, size_t n)
{
	char *tmp = xasprintf("%s.tmp.%ld", path, (long)getpid());
	int r = -EIO;
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		r = -errno;
		goto out;
	}
	r = fd_write_all(fd, data, n);
	if (r)
		goto out_close;
	if (fsync(fd) < 0) {
		r = -errno;
		goto out_close;
	}
	if (close(fd) < 0) {
		fd = -1;
		r = -errno;
		goto out_unlink;
	}
	fd = -1;
	if (rename(tmp, path) < 0) {
		r = -errno;
		goto out_unlink;
	}
	free(tmp);
	return 0;
out_close:
	close(fd);
out_unlink:
	unlink(tmp);
out:
	free(tmp);
	return r;
}

/* call(fd) on the directory at path, opened for it. 0 or -errno. */
static int on_dir(const char *path, int (*call)(int))
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	int r = call(fd) < 0 ? -errno : 0;
	close(fd);
	return r;
}

int dir_sync(const char *path)
{
	return on_dir(path, fsync);
}

int fs_sync(const char *path)
{
	return on_dir(path, syncfs);
}


int mkdir_p(const char *path, mode_t mode)
{
	char *p = xstrdup(path);
	int r = 0;
	for (char *s = p + 1;; s++) {
		if (*s != '/' && *s)
			continue;
		char c = *s;
		*s = 0;
		if (mkdir(p, mode) < 0 && errno != EEXIST) {
			r = -errno;
			break;
		}
		*s = c;
		if (!c)
			break;
	}
	if (!r) {
		struct stat st;
		if (stat(path, &st) < 0)
			r = -errno;
		else if (!S_ISDIR(st.st_mode))
			r = -ENOTDIR;
	}
	free(p);
	return r;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int dir_list(const char *path, const char *suffix, struct strv *out)
{
	DIR *d = opendir(path);
	if (!d)
		return -errno;
	size_t from = out->n, sn = suffix ? strlen(suffix) : 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		size_t n = strlen(de->d_name);
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..") ||
		    (suffix && (n <= sn || strcmp(de->d_name + n - sn, suffix))))
			continue;
		strv_add(out, de->d_name);
	}
	closedir(d);
	if (out->n > from)
		qsort(out->v + from, out->n - from, sizeof *out->v, cmp_names);
	return 0;
}

DIR *dir_fdopen(int fd)
{
	if (fd < 0)
		return NULL;
	DIR *d = fdopendir(fd);
	if (!d) {
		int e = errno;
		close(fd);
		errno = e;
	}
	return d;
}

static int rm_at(int dfd, const char *name)
{
	if (unlinkat(dfd, name, 0) == 0 || errno == ENOENT)
		return 0;
	if (errno != EISDIR && errno != EPERM)
		return -errno;
	/* A directory: make it ours to empty, then recurse. */
	fchmodat(dfd, name, 0700, 0);
	DIR *d = dir_fdopen(openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
	if (!d) /* gone meanwhile: another deleter's work (build/trash.h) */
		return errno == ENOENT ? 0 : -errno;
	int r = 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		r = rm_at(dirfd(d), de->d_name);
		if (r)
			break;
	}
	closedir(d);
	if (!r && unlinkat(dfd, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
		r = -errno;
	return r;
}

int rm_rf(const char *path)
{
	return rm_at(AT_FDCWD, path);
}

/* fd_each_chunk's fn: write the piece to the fd at arg. */
static int write_chunk(void *arg, const void *p, size_t n)
{
	return fd_write_all(*(int *)arg, p, n);
}

static int copy_file(int sfd, int dfd, const char *name, mode_t mode)
{
	int in = openat(sfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (in < 0)
		return -errno;
	int out = openat(dfd, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode & 07777);
	if (out < 0) {
		int e = errno;
		close(in);
		return -e;
	}
	char b[65536];
	int r = fd_each_chunk(in, b, sizeof b, write_chunk, &out);
	if (!r && fchmod(out, mode & 07777) < 0)
		r = -errno;
	close(in);
	close(out);
	return r;
}

static int copy_at(int sfd, int dfd, int link)
{
	int r = 0;
	DIR *d = dir_fdopen(dup(sfd));
	if (!d)
		return -errno;
	struct dirent *de;
	while (!r && (de = readdir(d))) {
		const char *n = de->d_name;
		if (!strcmp(n, ".") || !strcmp(n, ".."))
			continue;
		struct stat st;
		if (fstatat(sfd, n, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			r = -errno;
			break;
		}
		if (S_ISDIR(st.st_mode)) {
			if (mkdirat(dfd, n, 0700) < 0 && errno != EEXIST) {
				r = -errno;
				break;
			}
			int s2 = openat(sfd, n, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			int d2 = openat(dfd, n, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (s2 < 0 || d2 < 0)
				r = -errno;
			else
				r = copy_at(s2, d2, link);
			if (!r && fchmod(d2, st.st_mode & 07777) < 0)
				r = -errno;
			if (s2 >= 0)
				close(s2);
			if (d2 >= 0)
				close(d2);
		} else if (S_ISLNK(st.st_mode)) {
			char t[4096];
			ssize_t l = readlinkat(sfd, n, t, sizeof t - 1);
			if (l < 0) {
				r = -errno;
				break;
			}
			t[l] = 0;
			unlinkat(dfd, n, 0);
			if (symlinkat(t, dfd, n) < 0)
				r = -errno;
		} else if (S_ISREG(st.st_mode)) {
			unlinkat(dfd, n, 0);
			if (link && linkat(sfd, n, dfd, n, 0) == 0)
				continue;
			r = copy_file(sfd, dfd, n, st.st_mode);
		}
		/* Other types (devices, fifos, sockets) are not part of outputs. */
	}
	closedir(d);
	return r;
}

int tree_copy(const char *src, const char *dst, int link)
{
	int r = mkdir_p(dst, 0755);
	if (r)
		return r;
	int s = open(src, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (s < 0)
		return -errno;
	int d = open(dst, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (d < 0) {
		int e = errno;
		close(s);
		return -e;
	}
	r = copy_at(s, d, link);
	close(s);
	close(d);
	return r;
}

char *path_join(const char *a, const char *b)
{
	size_t la = strlen(a);
	while (la > 1 && a[la - 1] == '/')
		la--;
	while (*b == '/')
		b++;
	return xasprintf("%.*s/%s", (int)la, a, b);
}

int path_exists(const char *path)
{
	struct stat st;
	return lstat(path, &st) == 0;
}

char *path_dirname(const char *path)
{
	const char *s = strrchr(path, '/');
	if (!s)
		return xstrdup(".");
	if (s == path)
		return xstrdup("/");
	return xstrndup(path, (size_t)(s - path));
}

const char *host_arch(void)
{
	static char m[65];
	if (!m[0]) {
		struct utsname u;
		if (uname(&u) == 0)
			snprintf(m, sizeof m, "%s", u.machine);
		else
			snprintf(m, sizeof m, "unknown");
		if (!strcmp(m, "arm64"))
			snprintf(m, sizeof m, "aarch64");
	}
	return m;
}

double now_sec(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

void hex_encode(const unsigned char *d, size_t n, char *out)
{
	static const char hx[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = hx[d[i] >> 4];
		out[2 * i + 1] = hx[d[i] & 15];
	}
	out[2 * n] = 0;
}

enum path_link path_link_where(const char *t, size_t depth)
{
	int named = 0;
	for (const char *p = t; *p;) {
		const char *e = strchr(p, '/');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		if (len == 2 && p[0] == '.' && p[1] == '.') {
			if (named)
				return PATH_LINK_NAME_DOTDOT;
			if (depth == 0)
				return PATH_LINK_ABOVE;
			depth--;
		} else if (len && !(len == 1 && p[0] == '.')) {
			named = 1;
			depth++;
		}
		if (!e)
			break;
		p = e + 1;
	}
	return PATH_LINK_INSIDE;
}

int proc_wait(pid_t pid, int *status)
{
	while (waitpid(pid, status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	return 0;
}
