#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/err.h"
#include "build/manifest.h"
#include "core/sha256.h"

/* Paths and link targets are written with bytes outside 0x21..0x7e and the
 * backslash as \xHH, so every line splits on single spaces. */
static void add_escaped(struct buf *b, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p <= 0x20 || *p >= 0x7f || *p == '\\') {
			char e[4] = {'\\', 'x', hex[*p >> 4], hex[*p & 15]};
			buf_add(b, e, 4);
		} else {
			buf_addc(b, *p);
		}
	}
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* List dir's entries sorted; the caller frees the vector. */
static int list_sorted(int dfd, struct strv *names)
{
	DIR *d = dir_fdopen(dup(dfd));
	if (!d)
		return -errno;
	struct dirent *de;
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			strv_add(names, de->d_name);
	closedir(d);
	if (names->n)
		qsort(names->v, names->n, sizeof *names->v, cmp_names);
	return 0;
}

/* Entries are sorted by whole path, so "a/b" comes before "a.b" only if
 * '/' < '.'; it is not, so a directory's children cannot simply follow the
 * directory. Collect every line with its path, then sort. */
struct entry {
	char *path;
	char *line;
};

struct walk {
	struct entry *e;
	size_t n, cap;
};

static int walk_dir(int dfd, const char *prefix, struct walk *w)
{
	struct strv names = {0};
	int r = list_sorted(dfd, &names);
	for (size_t i = 0; !r && i < names.n; i++) {
		const char *n = names.v[i];
		char *path = prefix[0] ? xasprintf("%s/%s", prefix, n) : xstrdup(n);
		struct stat st;
		struct buf l = {0};
		if (fstatat(dfd, n, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			r = -errno;
			free(path);
			break;
		}
		unsigned mode = st.st_mode & 07777;
		if (S_ISREG(st.st_mode)) {
			unsigned char d[32];
			char hex[65];
			int fd = openat(dfd, n, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
			if (fd < 0) {
				r = -errno;
			} else {
				r = sha256_fd(fd, d);
				close(fd);
			}
			if (r) {
				r = errf(r, "%s: %s", path, err_str(r));
				free(path);
				break;
			}
			sha256_hex(d, hex);
			buf_addf(&l, "f %04o %lld %s ", mode, (long long)st.st_size, hex);
			add_escaped(&l, path);
		} else if (S_ISDIR(st.st_mode)) {
			buf_addf(&l, "d %04o - - ", mode);
			add_escaped(&l, path);
		} else if (S_ISLNK(st.st_mode)) {
			char t[4096];
			ssize_t tl = readlinkat(dfd, n, t, sizeof t - 1);
			if (tl < 0) {
				r = -errno;
				free(path);
				break;
			}
			t[tl] = 0;
			buf_addf(&l, "l 0777 %zd - ", tl);
			add_escaped(&l, path);
			buf_addc(&l, ' ');
			add_escaped(&l, t);
		} else {
			r = errf(SPROUT_ERR_FORMAT, "%s: not a regular file, directory or symlink", path);
			free(path);
			break;
		}
		buf_addc(&l, '\n');
		if (w->n == w->cap) {
			w->cap = w->cap ? w->cap * 2 : 256;
			w->e = xrealloc(w->e, w->cap * sizeof *w->e);
		}
		w->e[w->n].path = path;
		w->e[w->n].line = buf_take(&l);
		w->n++;
		if (S_ISDIR(st.st_mode)) {
			int sub = openat(dfd, n, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (sub < 0) {
				r = -errno;
				break;
			}
			r = walk_dir(sub, path, w);
			close(sub);
		}
	}
	strv_free(&names);
	return r;
}

static int cmp_entries(const void *a, const void *b)
{
	return strcmp(((const struct entry *)a)->path, ((const struct entry *)b)->path);
}

int manifest_build(const char *dir, struct buf *out)
{
	struct walk w = {0};
	int r = -ENOENT;
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0) {
		r = -errno;
		goto out;
	}
	r = walk_dir(dfd, "", &w);
	close(dfd);
	if (r)
		goto out;
	if (w.n)
		qsort(w.e, w.n, sizeof *w.e, cmp_entries);
	buf_adds(out, "sprout-manifest 1\n");
	for (size_t i = 0; i < w.n; i++)
		buf_adds(out, w.e[i].line);
out:
	for (size_t i = 0; i < w.n; i++) {
		free(w.e[i].path);
		free(w.e[i].line);
	}
	free(w.e);
	return r;
}

void manifest_digest(const struct buf *m, char hex[65])
{
	unsigned char d[32];
	sha256_buf(m->s ? m->s : "", m->len, d);
	sha256_hex(d, hex);
}

/* The path field of a manifest line: the fifth space-separated field. */
static size_t line_path(const char *l, size_t len, const char **p)
{
	size_t f = 0, i = 0;
	while (i < len && f < 4) {
		if (l[i] == ' ')
			f++;
		i++;
	}
	size_t s = i;
	while (i < len && l[i] != ' ')
		i++;
	*p = l + s;
	return i - s;
}

struct mline {
	const char *s;
	size_t len;
};

static void split_lines(const char *m, struct mline **v, size_t *n)
{
	size_t cap = 0;
	*v = NULL;
	*n = 0;
	for (const char *p = m; *p;) {
		const char *e = strchr(p, '\n');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		if (strncmp(p, "sprout-manifest ", 16)) {
			if (*n == cap) {
				cap = cap ? cap * 2 : 64;
				*v = xrealloc(*v, cap * sizeof **v);
			}
			(*v)[*n].s = p;
			(*v)[*n].len = len;
			(*n)++;
		}
		p += len + (e ? 1 : 0);
	}
}

static int path_cmp(const struct mline *a, const struct mline *b)
{
	const char *pa, *pb;
	size_t la = line_path(a->s, a->len, &pa), lb = line_path(b->s, b->len, &pb);
	int c = memcmp(pa, pb, la < lb ? la : lb);
	return c ? c : (la > lb) - (la < lb);
}

void manifest_diff(const char *a, const char *b, struct buf *out)
{
	struct mline *va, *vb;
	size_t na, nb, i = 0, j = 0;
	split_lines(a, &va, &na);
	split_lines(b, &vb, &nb);
	while (i < na || j < nb) {
		int c = i == na ? 1 : j == nb ? -1 : path_cmp(&va[i], &vb[j]);
		const char *p;
		size_t l;
		if (c < 0) {
			l = line_path(va[i].s, va[i].len, &p);
			buf_addf(out, "- %.*s\n", (int)l, p);
			i++;
		} else if (c > 0) {
			l = line_path(vb[j].s, vb[j].len, &p);
			buf_addf(out, "+ %.*s\n", (int)l, p);
			j++;
		} else {
			if (va[i].len != vb[j].len || memcmp(va[i].s, vb[j].s, va[i].len)) {
				l = line_path(va[i].s, va[i].len, &p);
				buf_addf(out, "~ %.*s\n", (int)l, p);
			}
			i++;
			j++;
		}
	}
	free(va);
	free(vb);
}
