#ifndef SPROUT_PKGTX_H
#define SPROUT_PKGTX_H

#include <stddef.h>

#include "pkg/pkgdb.h"
#include "pkg/pkgfile.h"
#include "core/util.h"

/* A root directory packages are installed into, and the transactions
 * that change it (docs/package.md, "Transactions"). Every change is one
 * transaction: a journal, files written under temporary names, a commit
 * mark, renames, the new database. A transaction cut short anywhere is
 * finished or undone by the next pkgroot_open. */

struct pkgroot {
	char *path;
	int fd;                 /* the root directory */
	int dbfd;               /* ROOT/var/lib/sprout, or -1 when there is none */
	int lockfd;             /* held while the root is open, or -1 (read only) */
	struct pkgdb db;
};

/* Open the root at path (created with create, else it must exist), lock
 * it, finish or undo an interrupted transaction (a line saying which is
 * added to note) and load its database. A root that cannot be written and
 * has nothing to recover opens read only. SPROUT_ERR_BUSY when another sprout
 * holds it. Close with pkgroot_close. */
int pkgroot_open(const char *path, int create, struct pkgroot *rt, struct buf *note);
void pkgroot_close(struct pkgroot *rt);
/* Read ROOT/var/lib/sprout/NAME into b; -ENOENT when the root has none. */
int pkgroot_read_state(struct pkgroot *rt, const char *name, struct buf *b);
/* Replace ROOT/var/lib/sprout/NAME with b atomically (fsync'd when
 * sync). -EACCES when the root is open read only. */
int pkgroot_write_state(struct pkgroot *rt, const char *name, const struct buf *b, int sync);

/* Check the files of the installed packages (all when n is 0, else those
 * named) against the database: type, mode, size, sha256, link target; a
 * directory's mode when all its packages agree on it. One line per
 * difference into out ("NAME: PATH: what"); *problems counts them and
 * *entries the entries looked at. 0, or SPROUT_ERR_NOTFOUND for a name not
 * installed. */
int pkgroot_verify(struct pkgroot *rt, char **names, size_t n, struct buf *out, size_t *problems, size_t *entries);

/* A package to install: its file, opened and checked whole
 * (pkgfile_check), which gives its metadata, manifest and sha256; and
 * when it was read into memory to be checked, those bytes, which are then
 * the ones installed. */
struct pkgtx_add {
	const char *file;
	struct pkgfile *pf;
	const void *data;       /* the file's bytes, as checked, or NULL to read it again */
	size_t len;
};

struct pkgtx_opts {
	const char *what;       /* for the history: "install a b" */
	const char *arch;       /* the root's arch, recorded at its first transaction */
	int allow_setuid;       /* files with setuid or setgid bits may be installed */
	int overwrite;          /* files no package owns may be replaced */
	int nosync;             /* no fsync or syncfs: safe against a kill, not a power loss */
	int nocache;            /* do not keep the package files in ROOT/var/cache/sprout */
};

struct pkgtx_stats {
	unsigned long id;       /* the transaction's number */
	size_t written;         /* files and links written */
	size_t deleted;         /* files and links removed */
	size_t dirs;            /* directories made */
};

/* One transaction: add the packages adds (each replacing the installed
 * package of its name) and take away the installed packages named in
 * removes. Everything is checked before anything is written: a path
 * that two packages have (file clash), a path that exists in the root and
 * belongs to no package (unless overwrite), setuid files (unless
 * allow_setuid), a link or file where a directory must be. -EEXIST or
 * SPROUT_ERR_UNSAFE with errf() naming the path and packages; other codes after
 * the transaction was undone. */
int pkgtx_run(struct pkgroot *rt, struct pkgtx_add *adds, size_t nadds, char **removes, size_t nremoves,
	      const struct pkgtx_opts *o, struct pkgtx_stats *st);

/* Test hook: with SPROUT_PKG_CRASH_AT=N in the environment, the N-th
 * crash point of the process raises SIGKILL. The crash points passed so
 * far. */
int pkgtx_crash_points(void);

/* The path of a cached package file, ROOT/var/cache/sprout/packages/SHA.spk
 * (caller frees). */
char *pkgtx_cache_path(const struct pkgroot *rt, const unsigned char sha256[32]);

#endif
