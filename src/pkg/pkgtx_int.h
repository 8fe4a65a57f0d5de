#ifndef SPROUT_PKGTX_INT_H
#define SPROUT_PKGTX_INT_H

/* Shared by pkgtx.c (journal, recovery, the root) and pkgtx_plan.c
 * (planning and running a transaction). Not for other modules. */

#include "pkg/pkgfs.h"
#include "pkg/pkgtx.h"

/* One journal line. The commit performs them by kind: del, add, rmdir,
 * chmod (mkdir and new belong to the prepare step). OP_NEW is a file or
 * link written straight to its path, which did not exist: nothing is
 * replaced, so there is nothing to rename at the commit, and the undo
 * removes it. Planning keeps OP_NEW in the list of OP_ADD, in entry order. */
enum op_kind { OP_MKDIR, OP_ADD, OP_DEL, OP_RMDIR, OP_CHMOD, OP_NEW };

struct op {
	enum op_kind k;
	char *path;
	unsigned mode;          /* mkdir, chmod */
	size_t add, ei;         /* add, new: which package, which manifest entry */
	int foreign;            /* new: something else was there first; not ours to remove */
};

struct journal {
	unsigned long id;
	struct op *ops;         /* op k's temporary name is .sprout-tx.ID.K */
	size_t n, cap;
};

void pkgtx_op_add(struct journal *j, enum op_kind k, const char *path, unsigned mode, size_t add, size_t ei);
void pkgtx_journal_free(struct journal *j);
/* Append the journal's text. */
void pkgtx_journal_format(const struct journal *j, struct buf *b);

/* A crash point of the test hook (SPROUT_PKG_CRASH_AT). */
void pkgtx_crash_point(void);

/* Write b to name in dirfd (through name.tmp and a rename when atomic;
 * fsync'd first when sync). 0 or -errno. */
int pkgtx_write_at(int dirfd, const char *name, const struct buf *b, int atomic, int sync);
int pkgtx_exists_at(int dirfd, const char *name);
/* Open directory path below dirfd, each component without following a
 * link, making missing ones when create. The descriptor, or -errno. */
int pkgtx_open_path(int dirfd, const char *path, int create);

/* The prepare step's directories: every OP_MKDIR of j, a directory's
 * parent before it, those of one depth by several threads at once (as
 * pkgtx_write_files); *made counts them. 0 or negative code (errf). */
int pkgtx_make_dirs(struct pkgfs *w, struct journal *j, int sync, size_t *made);
/* The prepare step's files and links: every OP_ADD and OP_NEW of j,
 * written from the packages adds (those with a kept payload by several
 * threads at once; pkgtx_write.c), each kept in the root's cache unless
 * nocache (the cache's directory into *cachefd, or -1). w is the calling
 * thread's walk; it takes over the file systems the others met. 0 or
 * negative code (errf). */
int pkgtx_write_files(struct pkgfs *w, struct journal *j, struct pkgtx_add *adds, size_t nadds, int sync,
		      int nocache, int *cachefd);

/* The commit's work (also the redo of a committed journal). With skipped,
 * an operation whose path is no longer reachable without following a
 * link is left out, with a line into skipped, rather than failing. */
int pkgtx_apply(struct pkgroot *rt, struct pkgfs *w, const struct journal *j, int sync, struct buf *skipped);
/* Take back the prepare step's work and the journal. */
int pkgtx_undo(struct pkgroot *rt, struct pkgfs *w, const struct journal *j);
/* Keep a package file in the root's cache, the directory cfd
 * (ROOT/var/cache/sprout/packages), for rollback: a hard link when it
 * can be, else a copy. Best effort: failing costs only that. */
void pkgtx_cache_keep(int cfd, const char *file, const unsigned char sha256[32]);

#endif
