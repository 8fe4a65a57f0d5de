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

enum { KEEP = 64 };      /* directories kept open */

void dirwalk_init(struct dirwalk *w, int rootfd)
{
	memset(w, 0, sizeof *w);
	w->root = rootfd;
}

void dirwalk_reset(struct dirwalk *w)
{
	for (size_t i = 0; i < w->n; i++) {
		close(w->slot[i].fd);
		free(w->slot[i].path);
	}
	w->n = 0;
}

void dirwalk_done(struct dirwalk *w)
{
	dirwalk_reset(w);
	free(w->slot);
	free(w->key);
	w->slot = NULL;
	w->key = NULL;
	w->cap = w->keycap = 0;
}

static struct dirwalk_slot *find(struct dirwalk *w, const char *key, size_t len)
{
	for (size_t i = 0; i < w->n; i++)
		if (w->slot[i].len == len && !memcmp(w->slot[i].path, key, len)) {
			w->slot[i].used = w->tick;
			return &w->slot[i];
		}
	return NULL;
}

/* Keep fd as the directory key[0..len), in place of the one used longest
 * ago (never one used by this lookup: those have the current tick). */
static void keep(struct dirwalk *w, const char *key, size_t len, int fd)
{
	struct dirwalk_slot *s = NULL;
	if (w->n >= KEEP)
		for (size_t i = 0; i < w->n; i++)
			if (w->slot[i].used != w->tick && (!s || w->slot[i].used < s->used))
				s = &w->slot[i];
	if (s) {
		close(s->fd);
		free(s->path);
	} else {
		if (w->n == w->cap) {
			w->cap = w->cap ? 2 * w->cap : 16;
			w->slot = xrealloc(w->slot, w->cap * sizeof *w->slot);
		}
		s = &w->slot[w->n++];
	}
	s->path = xstrndup(key, len);
	s->len = len;
	s->fd = fd;
	s->used = w->tick;
}

int dirwalk_comps(struct dirwalk *w, char *const *comp, size_t n, int create, struct dirwalk_fail *f)
{
	struct dirwalk_fail spare;
	size_t len = 0, j;
	if (!f)
		f = &spare;
	if (!n)
		return w->root;
	w->tick++;
	for (size_t i = 0; i < n; i++)
		len += strlen(comp[i]) + 1;
	if (len > w->keycap) {
		w->keycap = len + 64;
		w->key = xrealloc(w->key, w->keycap);
	}
	/* The key, and where each prefix ends (end[i]: after comp[i]). */
	size_t stack_end[32], *end = n <= 32 ? stack_end : xcalloc(n, sizeof *end), at = 0;
	for (size_t i = 0; i < n; i++) {
		size_t cl = strlen(comp[i]);
		if (i)
			w->key[at++] = '/';
		memcpy(w->key + at, comp[i], cl);
		at += cl;
		end[i] = at;
	}
	/* The longest prefix kept open, then the rest one at a time. */
	int fd = w->root;
	for (j = n; j > 0; j--) {
		struct dirwalk_slot *s = find(w, w->key, end[j - 1]);
		if (s) {
			fd = s->fd;
			break;
		}
	}
	for (; j < n; j++) {
		int nfd = step(fd, comp[j], O_PATH, create, j, f);
		if (nfd < 0) {
			fd = nfd;
			break;
		}
		if (w->opened)
			w->opened(w->ud, nfd);
		keep(w, w->key, end[j], nfd);
		fd = nfd;
	}
	if (end != stack_end)
		free(end);
	return fd;
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
