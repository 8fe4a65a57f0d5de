/* Walking below a directory descriptor without following links. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/dirwalk.h"
#include "core/util.h"

#ifndef O_PATH
#define O_PATH O_RDONLY
#endif

/* Open directory name in pfd with flags, not through a link; made first
 * when missing and create. The descriptor, or -errno with *f filled. */
static int step(int pfd, const char *name, int flags, int create, size_t at, struct dirwalk_fail *f)
{
	for (int tries = 0;; tries++) {
		int fd = openat(pfd, name, flags | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd >= 0)
			return fd;
		int e = errno;
		f->at = at;
		f->link = f->mkdir = 0;
		if (e == ENOENT && create && tries < 2) {
			if (mkdirat(pfd, name, 0755) < 0 && errno != EEXIST) {
				f->mkdir = 1;
				return -errno;
			}
			continue;
		}
		struct stat st;
		if ((e == ELOOP || e == ENOTDIR) && fstatat(pfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0)
			f->link = S_ISLNK(st.st_mode);
		return -e;
	}
}

void dirwalk_init(struct dirwalk *w, int rootfd)
{
	memset(w, 0, sizeof *w);
	w->root = rootfd;
}

static void trim(struct dirwalk *w, size_t depth)
{
	while (w->depth > depth) {
		w->depth--;
		close(w->fd[w->depth]);
		free(w->name[w->depth]);
	}
}

void dirwalk_reset(struct dirwalk *w)
{
	trim(w, 0);
}

void dirwalk_done(struct dirwalk *w)
{
	trim(w, 0);
	free(w->name);
	free(w->fd);
	w->name = NULL;
	w->fd = NULL;
	w->cap = 0;
}

int dirwalk_comps(struct dirwalk *w, char *const *comp, size_t n, int create, struct dirwalk_fail *f)
{
	struct dirwalk_fail spare;
	size_t j = 0;
	if (!f)
		f = &spare;
	while (j < n && j < w->depth && !strcmp(w->name[j], comp[j]))
		j++;
	trim(w, j);
	if (n > w->cap) {
		w->cap = n + 16;
		w->name = xrealloc(w->name, w->cap * sizeof *w->name);
		w->fd = xrealloc(w->fd, w->cap * sizeof *w->fd);
	}
	for (; j < n; j++) {
		int fd = step(j ? w->fd[j - 1] : w->root, comp[j], O_PATH, create, j, f);
		if (fd < 0)
			return fd;
		if (w->opened)
			w->opened(w->ud, fd);
		w->name[j] = xstrdup(comp[j]);
		w->fd[j] = fd;
		w->depth = j + 1;
	}
	return n ? w->fd[n - 1] : w->root;
}

int dirwalk_open(int rootfd, char *const *comp, size_t n, int create, struct dirwalk_fail *f)
{
	struct dirwalk_fail spare;
	if (!f)
		f = &spare;
	f->at = n;      /* none: the root itself */
	f->link = f->mkdir = 0;
	int fd = fcntl(rootfd, F_DUPFD_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	for (size_t i = 0; i < n; i++) {
		int nfd = step(fd, comp[i], O_PATH, create, i, f);
		close(fd);
		if (nfd < 0)
			return nfd;
		fd = nfd;
	}
	return fd;
}

int dirwalk_open_path(int dirfd, const char *path, int create)
{
	struct dirwalk_fail f;
	int fd = fcntl(dirfd, F_DUPFD_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	char *p = xstrdup(path), *s = p;
	for (size_t i = 0; s; i++) {
		char *sl = strchr(s, '/');
		if (sl)
			*sl = 0;
		int nfd = step(fd, s, O_RDONLY, create, i, &f);
		close(fd);
		if (nfd < 0) {
			free(p);
			return nfd;
		}
		fd = nfd;
		s = sl ? sl + 1 : NULL;
	}
	free(p);
	return fd;
}
