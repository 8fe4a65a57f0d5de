#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/err.h"
#include "pkg/pkgfs.h"
#include "core/util.h"

#ifndef O_PATH
#define O_PATH O_RDONLY
#endif

void pkgfs_init(struct pkgfs *w, int rootfd)
{
	memset(w, 0, sizeof *w);
	w->root = rootfd;
}

static void trim(struct pkgfs *w, size_t depth)
{
	while (w->depth > depth) {
		w->depth--;
		close(w->fd[w->depth]);
		free(w->name[w->depth]);
	}
}

void pkgfs_reset(struct pkgfs *w)
{
	trim(w, 0);
	free(w->missing);
	w->missing = NULL;
}

void pkgfs_made(struct pkgfs *w)
{
	free(w->missing);
	w->missing = NULL;
}

void pkgfs_done(struct pkgfs *w)
{
	pkgfs_reset(w);
	for (size_t i = 0; i < w->ndev; i++)
		close(w->devfd[i]);
	free(w->name);
	free(w->fd);
	free(w->tmp);
	memset(w, 0, sizeof *w);
}

void pkgfs_tmpname(char *out, size_t n, unsigned long id, size_t k)
{
	snprintf(out, n, ".sprout-tx.%lu.%zu", id, k);
}

/* Remember the file system of directory fd, for pkgfs_syncfs. */
static void note_dev(struct pkgfs *w, int fd)
{
	struct stat st;
	if (fstat(fd, &st) < 0)
		return;
	for (size_t i = 0; i < w->ndev; i++)
		if (w->dev[i] == st.st_dev)
			return;
	if (w->ndev == sizeof w->dev / sizeof *w->dev)
		return;
	int d = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (d < 0)
		return;
	w->dev[w->ndev] = st.st_dev;
	w->devfd[w->ndev++] = d;
}

int pkgfs_syncfs(struct pkgfs *w)
{
	int r = 0;
	note_dev(w, w->root);
	for (size_t i = 0; i < w->ndev; i++)
		if (syncfs(w->devfd[i]) < 0 && !r)
			r = -errno;
	return r;
}

int pkgfs_parent(struct pkgfs *w, const char *path, const char **base)
{
	size_t len = strlen(path);
	if (w->missing) {
		size_t ml = strlen(w->missing);
		if (!strncmp(path, w->missing, ml) && path[ml] == '/')
			return -ENOENT;
	}
	if (len + 1 > w->tmpcap) {
		w->tmpcap = len + 64;
		w->tmp = xrealloc(w->tmp, w->tmpcap);
	}
	memcpy(w->tmp, path, len + 1);
	/* The directory components, in place. */
	char *comp[512];
	size_t n = 0;
	char *s = w->tmp;
	for (;;) {
		char *sl = strchr(s, '/');
		if (!sl)
			break;
		if (n == sizeof comp / sizeof *comp)
			return errf(-ENAMETOOLONG, "%s: too deep", path);
		*sl = 0;
		comp[n++] = s;
		s = sl + 1;
	}
	*base = s;
	size_t j = 0;
	while (j < n && j < w->depth && !strcmp(w->name[j], comp[j]))
		j++;
	trim(w, j);
	if (n > w->cap) {
		w->cap = n + 16;
		w->name = xrealloc(w->name, w->cap * sizeof *w->name);
		w->fd = xrealloc(w->fd, w->cap * sizeof *w->fd);
	}
	for (; j < n; j++) {
		int pfd = j ? w->fd[j - 1] : w->root;
		int fd = openat(pfd, comp[j], O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0) {
			int e = errno;
			if (e == ENOENT) {
				/* Its members, which usually follow, need not look again. */
				for (size_t k = 0; k < j; k++)
					comp[k][strlen(comp[k])] = '/';
				free(w->missing);
				w->missing = xstrdup(w->tmp);
				return -ENOENT;
			}
			if (e == ELOOP || e == ENOTDIR) {
				for (size_t k = 0; k < j; k++)
					comp[k][strlen(comp[k])] = '/';
				return errf(-SPROUT_ERR_UNSAFE, "%s: not a directory (a link, or a file) in the root", w->tmp);
			}
			return errf(-e, "%s: %s", path, strerror(e));
		}
		note_dev(w, fd);
		w->name[j] = xstrdup(comp[j]);
		w->fd[j] = fd;
		w->depth = j + 1;
	}
	return n ? w->fd[n - 1] : w->root;
}

int pkgfs_lstat(struct pkgfs *w, const char *path, struct stat *st)
{
	const char *base;
	int pfd = pkgfs_parent(w, path, &base);
	if (pfd < 0)
		return pfd;
	if (fstatat(pfd, base, st, AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	return 0;
}
