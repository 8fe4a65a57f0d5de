#ifndef SPROUT_DIRWALK_H
#define SPROUT_DIRWALK_H

#include <stddef.h>

/* Directories below a root directory's descriptor, opened one component
 * at a time with O_NOFOLLOW from that descriptor: a link (or a file) on
 * the way is never followed, so nothing a walk leads to is outside the
 * root. The one walker of the tar extractor, the package manager's paths
 * and its transactions. */

/* A walk that keeps the descriptors of the directories it opened most
 * recently (by path below the root) for the next paths: installing many
 * packages goes through usr/bin, usr/lib and usr/share again and again. */
struct dirwalk_slot {
	char *path;             /* "a/b/c" below the root */
	size_t len;
	int fd;                 /* opened O_PATH */
	unsigned long used;     /* when it was last used */
};

struct dirwalk {
	int root;               /* not owned */
	struct dirwalk_slot *slot;
	size_t n, cap;
	unsigned long tick;
	char *key;              /* scratch: the path being looked up */
	size_t keycap;
	/* Called with each directory the walk opens (when not NULL). */
	void (*opened)(void *ud, int fd);
	void *ud;
};

/* Why a walk stopped: which component, and what failed on it. */
struct dirwalk_fail {
	size_t at;              /* the component's index */
	int link;               /* it is a symbolic link */
	int mkdir;              /* making it failed (else opening it) */
};

/* Start walking below rootfd (not owned). */
void dirwalk_init(struct dirwalk *w, int rootfd);
/* The descriptor (owned by w; valid until the next call) of the directory
 * comp[0]/.../comp[n-1] (the root when n is 0), making missing ones (0755)
 * when create. -errno of the step that failed (-ENOENT: missing; -ENOTDIR
 * or -ELOOP: not a directory, a link when f->link), with *f saying where
 * (f may be NULL). */
int dirwalk_comps(struct dirwalk *w, char *const *comp, size_t n, int create, struct dirwalk_fail *f);
/* Close the kept descriptors. */
void dirwalk_reset(struct dirwalk *w);
void dirwalk_done(struct dirwalk *w);

/* As dirwalk_comps, without keeping anything: a new O_PATH descriptor the
 * caller closes (f->at is n when the root itself could not be had). */
int dirwalk_open(int rootfd, char *const *comp, size_t n, int create, struct dirwalk_fail *f);
/* A new descriptor opened O_RDONLY (the caller closes) of the directory
 * path ("a/b/c") below dirfd, made when missing with create. -errno. */
int dirwalk_open_path(int dirfd, const char *path, int create);

#endif
