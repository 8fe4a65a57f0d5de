#ifndef SPROUT_PKGFS_H
#define SPROUT_PKGFS_H

#include <stddef.h>
#include <sys/stat.h>

#include "core/dirwalk.h"

/* Paths below a root directory, walked one component at a time from the
 * root's descriptor with O_NOFOLLOW: a link in the root never leads a
 * write (or a check) anywhere else. The descriptors of the last
 * directory's components are kept for the next path. */
struct pkgfs {
	int root;
	struct dirwalk walk;    /* the kept directories */
	char **comp;            /* scratch: the components of the path being split */
	size_t compcap;
	char *missing;          /* a directory found missing, until the next reset */
	char *tmp;              /* scratch copy of the path being split */
	size_t tmpcap;
	int devfd[16];          /* a directory on each file system met */
	dev_t dev[16];
	size_t ndev;
};

/* Start walking below rootfd (not owned). */
void pkgfs_init(struct pkgfs *w, int rootfd);
/* Close the kept descriptors (and forget them, and what was missing). */
void pkgfs_reset(struct pkgfs *w);
/* A directory was made: forget what was found missing. */
void pkgfs_made(struct pkgfs *w);
void pkgfs_done(struct pkgfs *w);

/* The descriptor of path's directory (kept by w: do not close it) and in
 * *base its last component (valid until the next call). -ENOENT when a
 * directory on the way is missing; SPROUT_ERR_UNSAFE (errf() naming it) when one
 * is a link or not a directory. */
int pkgfs_parent(struct pkgfs *w, const char *path, const char **base);
/* As pkgfs_parent, without a message (errf): for a thread of its own
 * (each with its own w). */
int pkgfs_parent_quiet(struct pkgfs *w, const char *path, const char **base);
/* Take over the file systems from has met (for pkgfs_syncfs); from keeps
 * none. */
void pkgfs_adopt(struct pkgfs *w, struct pkgfs *from);
/* lstat of path below the root: 0, -ENOENT (the path or a directory on
 * the way is missing), or another negative code. */
int pkgfs_lstat(struct pkgfs *w, const char *path, struct stat *st);

/* syncfs() every file system the walk has been on, and the root's.
 * 0 or negative code. */
int pkgfs_syncfs(struct pkgfs *w);

/* The temporary name of operation k of transaction id, in the same
 * directory as its target: ".sprout-tx.ID.K". */
void pkgfs_tmpname(char *out, size_t n, unsigned long id, size_t k);

#endif
