#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/err.h"
#include "pkg/pkgfs.h"
#include "core/util.h"

static void opened(void *ud, int fd);

void pkgfs_init(struct pkgfs *w, int rootfd)
{
	memset(w, 0, sizeof *w);
	w->root = rootfd;
	dirwalk_init(&w->walk, rootfd);
	w->walk.opened = opened;
	w->walk.ud = w;
}

void pkgfs_reset(struct pkgfs *w)
{
	dirwalk_reset(&w->walk);
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
	dirwalk_done(&w->walk);
	for (size_t i = 0; i < w->ndev; i++)
		close(w->devfd[i]);
	free(w->comp);
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

static void opened(void *ud, int fd)
{
	note_dev(ud, fd);
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

void pkgfs_adopt(struct pkgfs *w, struct pkgfs *from)
{
	for (size_t k = 0; k < from->ndev; k++) {
		size_t i = 0;
		while (i < w->ndev && w->dev[i] != from->dev[k])
			i++;
		if (i == w->ndev && w->ndev < sizeof w->dev / sizeof *w->dev) {
			w->dev[w->ndev] = from->dev[k];
			w->devfd[w->ndev++] = from->devfd[k];
		} else {
			close(from->devfd[k]);
		}
	}
	from->ndev = 0;
}

/* pkgfs_parent without errf(): -errno of the walk, w->tmp holding the
 * path up to the component that failed. */
int pkgfs_parent_quiet(struct pkgfs *w, const char *path, const char **base)
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
	size_t n = 0;
	char *s = w->tmp;
	for (;;) {
		char *sl = strchr(s, '/');
		if (!sl)
			break;
		if (n == w->compcap) {
			w->compcap = n + 32;
			w->comp = xrealloc(w->comp, w->compcap * sizeof *w->comp);
		}
		*sl = 0;
		w->comp[n++] = s;
		s = sl + 1;
	}
	*base = s;
	struct dirwalk_fail f;
	int fd = dirwalk_comps(&w->walk, w->comp, n, 0, &f);
	if (fd >= 0)
		return fd;
	/* The path up to the component that failed. */
	for (size_t k = 0; k < f.at; k++)
		w->comp[k][strlen(w->comp[k])] = '/';
	if (fd == -ENOENT) {
		/* Its members, which usually follow, need not look again. */
		free(w->missing);
		w->missing = xstrdup(w->tmp);
	}
	return fd;
}

int pkgfs_parent(struct pkgfs *w, const char *path, const char **base)
{
	int fd = pkgfs_parent_quiet(w, path, base);
	if (fd >= 0 || fd == -ENOENT)
		return fd;
	if (fd == -ELOOP || fd == -ENOTDIR)
		return errf(-SPROUT_ERR_UNSAFE, "%s: not a directory (a link, or a file) in the root", w->tmp);
	return errf(fd, "%s: %s", path, strerror(-fd));
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
