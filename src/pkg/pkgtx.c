/* Transactions on a root (docs/package.md, "Transactions").
 *
 * In ROOT/var/lib/sprout: db (the database), lock, and while a transaction
 * runs its journal: every operation, in the order the commit performs
 * them. The steps, each followed by a crash point:
 *
 *   prepare   journal.tmp written, fsync'd, renamed to journal
 *             new directories made; each new file and link written under
 *             a temporary name beside its target (.sprout-tx.ID.K)
 *             db.new written; syncfs
 *   commit    journal renamed to journal.commit, directory fsync'd
 *   apply     old files unlinked, temporary names renamed over the targets,
 *             emptied directories removed, modes set, db.new renamed to db;
 *             syncfs; journal.commit removed
 *
 * A run cut short before the commit is undone by the next one (temporary
 * files and new directories removed); after it, finished (every step of
 * apply is done again if it has not been: each one can be). */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/dirwalk.h"
#include "core/err.h"
#include "pkg/pkgfs.h"
#include "pkg/pkgtx.h"
#include "pkg/pkgtx_int.h"
#include "core/sha256.h"

static const char *const op_word[] = {"mkdir", "add", "del", "rmdir", "chmod", "new"};

/* ---- the test hook ---- */

static int crash_at = -1, crash_n;
/* The prepare step's writers (pkgtx_write.c) pass crash points at once. */
static pthread_mutex_t crash_mu = PTHREAD_MUTEX_INITIALIZER;

void pkgtx_crash_point(void)
{
	pthread_mutex_lock(&crash_mu);
	if (crash_at < 0) {
		const char *s = getenv("SPROUT_PKG_CRASH_AT");
		crash_at = s ? atoi(s) : 0;
	}
	if (++crash_n == crash_at) {
		raise(SIGKILL);
		_exit(137);
	}
	pthread_mutex_unlock(&crash_mu);
}

int pkgtx_crash_points(void)
{
	pthread_mutex_lock(&crash_mu);
	int n = crash_n;
	pthread_mutex_unlock(&crash_mu);
	return n;
}

/* ---- the journal ---- */

void pkgtx_op_add(struct journal *j, enum op_kind k, const char *path, unsigned mode, size_t add, size_t ei)
{
	if (j->n == j->cap) {
		j->cap = j->cap ? 2 * j->cap : 256;
		j->ops = xrealloc(j->ops, j->cap * sizeof *j->ops);
	}
	struct op *o = &j->ops[j->n++];
	o->k = k;
	o->path = xstrdup(path);
	o->mode = mode;
	o->add = add;
	o->ei = ei;
	o->foreign = 0;
}

void pkgtx_journal_free(struct journal *j)
{
	for (size_t i = 0; i < j->n; i++)
		free(j->ops[i].path);
	free(j->ops);
	memset(j, 0, sizeof *j);
}

void pkgtx_journal_format(const struct journal *j, struct buf *b)
{
	buf_addf(b, "sprout-journal 1\ntxn %lu\n", j->id);
	for (size_t i = 0; i < j->n; i++) {
		const struct op *o = &j->ops[i];
		buf_adds(b, op_word[o->k]);
		if (o->k == OP_MKDIR || o->k == OP_CHMOD)
			buf_addf(b, " %04o", o->mode);
		buf_addc(b, ' ');
		pkg_escape(b, o->path);
		buf_addc(b, '\n');
	}
	buf_adds(b, "end\n");
}

static int path_sane(const char *p)
{
	if (!*p || *p == '/')
		return 0;
	for (const char *s = p;;) {
		const char *e = strchr(s, '/');
		size_t n = e ? (size_t)(e - s) : strlen(s);
		if (!n || (n == 2 && s[0] == '.' && s[1] == '.') || (n == 1 && s[0] == '.'))
			return 0;
		if (!e)
			return 1;
		s = e + 1;
	}
}

static int journal_parse(const char *text, size_t n, struct journal *j)
{
	const char *p = text, *end = text + n;
	int line = 0;
	memset(j, 0, sizeof *j);
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		line++;
		if (!nl)
			break;
		char *l = xstrndup(p, (size_t)(nl - p));
		p = nl + 1;
		int ok = 0;
		if (line == 1) {
			ok = !strcmp(l, "sprout-journal 1");
		} else if (line == 2) {
			ok = !strncmp(l, "txn ", 4) && (j->id = strtoul(l + 4, NULL, 10)) > 0;
		} else if (!strcmp(l, "end")) {
			free(l);
			return p == end ? 0 : errf(-SPROUT_ERR_FORMAT, "journal: something after 'end'");
		} else {
			for (int k = OP_MKDIR; k <= OP_NEW && !ok; k++) {
				size_t wl = strlen(op_word[k]);
				if (strncmp(l, op_word[k], wl) || l[wl] != ' ')
					continue;
				const char *a = l + wl + 1;
				unsigned mode = 0;
				if (k == OP_MKDIR || k == OP_CHMOD) {
					char *e;
					mode = (unsigned)strtoul(a, &e, 8);
					if (e != a + 4 || *e != ' ' || mode > 07777)
						break;
					a = e + 1;
				}
				char *path = pkg_unescape(a, strlen(a));
				if (path && path_sane(path)) {
					pkgtx_op_add(j, (enum op_kind)k, path, mode, 0, 0);
					ok = 1;
				}
				free(path);
			}
		}
		free(l);
		if (!ok)
			break;
	}
	pkgtx_journal_free(j);
	return errf(-SPROUT_ERR_FORMAT, "journal line %d: malformed", line);
}

/* ---- small file helpers ---- */

/* Write name in dirfd: through name.tmp and a rename when atomic, with an
 * fsync before when sync. */
int pkgtx_write_at(int dirfd, const char *name, const struct buf *b, int atomic, int sync)
{
	char tmp[64];
	snprintf(tmp, sizeof tmp, "%s.tmp", name);
	const char *to = atomic ? tmp : name;
	int fd = openat(dirfd, to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	int r = fd_write_all(fd, b->s, b->len);
	if (!r && sync && fsync(fd) < 0)
		r = -errno;
	if (close(fd) < 0 && !r)
		r = -errno;
	if (!r && atomic && renameat(dirfd, tmp, dirfd, name) < 0)
		r = -errno;
	if (r)
		unlinkat(dirfd, to, 0);
	return r;
}

int pkgtx_exists_at(int dirfd, const char *name)
{
	struct stat st;
	return fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0;
}

/* ---- applying, undoing ---- */

/* The commit's work, also the redo of a committed journal: every step
 * can be done again. 0 or negative code. */
int pkgtx_apply(struct pkgroot *rt, struct pkgfs *w, const struct journal *j, int sync, struct buf *skipped)
{
	static const enum op_kind order[] = {OP_DEL, OP_ADD, OP_RMDIR, OP_CHMOD};
	char tmp[64];
	int r = 0;
	pkgfs_reset(w);
	for (size_t pass = 0; pass < 4; pass++)
		for (size_t i = 0; i < j->n; i++) {
			const struct op *o = &j->ops[i];
			const char *base;
			if (o->k != order[pass])
				continue;
			int pfd = pkgfs_parent(w, o->path, &base);
			if (pfd == -ENOENT)
				continue;
			if (pfd == -SPROUT_ERR_UNSAFE && skipped) {
				/* Replaced by a link (or a file) since: nothing of the
				 * transaction is reachable there, and nothing is followed. */
				pkg_escape(skipped, o->path);
				buf_addf(skipped, ": %s: a link or a file on the way, left alone\n", op_word[o->k]);
				continue;
			}
			if (pfd < 0)
				return pfd;
			switch (o->k) {
			case OP_DEL:
				r = unlinkat(pfd, base, 0) < 0 && errno != ENOENT ? -errno : 0;
				break;
			case OP_ADD:
				pkgfs_tmpname(tmp, sizeof tmp, j->id, i);
				r = renameat(pfd, tmp, pfd, base) < 0 && errno != ENOENT ? -errno : 0;
				break;
			case OP_RMDIR:
				r = unlinkat(pfd, base, AT_REMOVEDIR) < 0 && errno != ENOENT && errno != ENOTEMPTY &&
					errno != EEXIST ? -errno : 0;
				break;
			case OP_CHMOD: {
				/* Through a descriptor: fchmodat would follow a link. */
				int fd = openat(pfd, base, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
				r = fd < 0 ? (errno == ENOENT ? 0 : -errno) : fchmod(fd, o->mode) < 0 ? -errno : 0;
				if (fd >= 0)
					close(fd);
				break;
			}
			default:
				break;
			}
			if ((r == -ENOTDIR || r == -ELOOP) && skipped) {
				pkg_escape(skipped, o->path);
				buf_addf(skipped, ": %s: not a directory any more, left alone\n", op_word[o->k]);
				r = 0;
			}
			if (r)
				return errf(r, "%s: %s: %s", o->path, op_word[o->k], strerror(-r));
			pkgtx_crash_point();
		}
	if (renameat(rt->dbfd, "db.new", rt->dbfd, "db") < 0 && errno != ENOENT)
		return errf(-errno, "%s/var/lib/sprout/db: %s", rt->path, strerror(errno));
	pkgtx_crash_point();
	if (sync) {
		pkgfs_syncfs(w);
		pkgtx_crash_point();
	}
	if (unlinkat(rt->dbfd, "journal.commit", 0) < 0 && errno != ENOENT)
		return errf(-errno, "%s/var/lib/sprout/journal.commit: %s", rt->path, strerror(errno));
	if (sync)
		fsync(rt->dbfd);
	pkgtx_crash_point();
	return 0;
}

/* Take back what the prepare step of j made. 0 or negative code. */
int pkgtx_undo(struct pkgroot *rt, struct pkgfs *w, const struct journal *j)
{
	char tmp[64];
	pkgfs_reset(w);
	for (size_t i = 0; i < j->n; i++) {
		const char *base;
		if ((j->ops[i].k != OP_ADD && j->ops[i].k != OP_NEW) || j->ops[i].foreign)
			continue;
		int pfd = pkgfs_parent(w, j->ops[i].path, &base);
		if (pfd < 0)
			continue;
		pkgfs_tmpname(tmp, sizeof tmp, j->id, i);
		if (unlinkat(pfd, j->ops[i].k == OP_NEW ? base : tmp, 0) == 0)
			pkgtx_crash_point();
	}
	for (size_t i = j->n; i-- > 0;) {
		const char *base;
		if (j->ops[i].k != OP_MKDIR)
			continue;
		int pfd = pkgfs_parent(w, j->ops[i].path, &base);
		if (pfd >= 0 && unlinkat(pfd, base, AT_REMOVEDIR) == 0)
			pkgtx_crash_point();
	}
	pkgfs_reset(w);
	unlinkat(rt->dbfd, "db.new", 0);
	pkgtx_crash_point();
	if (unlinkat(rt->dbfd, "journal", 0) < 0 && errno != ENOENT)
		return errf(-errno, "%s/var/lib/sprout/journal: %s", rt->path, strerror(errno));
	fsync(rt->dbfd);
	pkgtx_crash_point();
	return 0;
}

/* Finish or undo what a killed run left. */
static int recover(struct pkgroot *rt, struct buf *note)
{
	struct buf b = {0}, skipped = {0};
	struct journal j;
	struct pkgfs w;
	int committed = pkgtx_exists_at(rt->dbfd, "journal.commit");
	int r = 0;
	if (!committed && !pkgtx_exists_at(rt->dbfd, "journal")) {
		unlinkat(rt->dbfd, "journal.tmp", 0);
		unlinkat(rt->dbfd, "db.new", 0);
		return 0;
	}
	r = file_read_at(rt->dbfd, committed ? "journal.commit" : "journal", &b);
	if (!r)
		r = journal_parse(b.s, b.len, &j);
	buf_free(&b);
	if (r)
		return pkg_errwrap(r, "%s/var/lib/sprout: cannot read the journal of an interrupted transaction",
				   rt->path);
	pkgfs_init(&w, rt->fd);
	r = committed ? pkgtx_apply(rt, &w, &j, 1, &skipped) : pkgtx_undo(rt, &w, &j);
	if (!r)
		buf_addf(note, "%s interrupted transaction %lu\n", committed ? "finished" : "undid", j.id);
	if (!r && skipped.len) {
		for (char *l = strtok(skipped.s, "\n"); l; l = strtok(NULL, "\n"))
			buf_addf(note, "  %s\n", l);
		buf_addf(note, "sprout pkg verify --root %s shows what that left different\n", rt->path);
	}
	if (r && committed)
		r = pkg_errwrap(r, "%s: transaction %lu was committed but cannot be finished; fix what this says, then "
				"any sprout pkg command on the root finishes it", rt->path, j.id);
	buf_free(&skipped);
	pkgfs_done(&w);
	pkgtx_journal_free(&j);
	return r;
}

/* ---- the root ---- */

int pkgtx_open_path(int dirfd, const char *path, int create)
{
	return dirwalk_open_path(dirfd, path, create);
}

int pkgroot_open(const char *path, int create, struct pkgroot *rt, struct buf *note)
{
	struct buf b = {0};
	int r = -EIO;
	memset(rt, 0, sizeof *rt);
	rt->path = xstrdup(path);
	rt->dbfd = rt->lockfd = -1;
	if (create) {
		r = mkdir_p(path, 0755);
		if (r) {
			r = errf(r, "%s: %s", path, err_str(r));
			goto fail;
		}
	}
	rt->fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (rt->fd < 0) {
		r = errf(-errno, "root %s: %s", path, strerror(errno));
		goto fail;
	}
	rt->dbfd = pkgtx_open_path(rt->fd, "var/lib/sprout", create);
	if (rt->dbfd == -ENOENT && !create) {
		rt->dbfd = -1;
		return 0;       /* nothing was ever installed */
	}
	if (rt->dbfd < 0) {
		r = errf(rt->dbfd, "%s/var/lib/sprout: %s%s", path, err_str(rt->dbfd),
			 rt->dbfd == -ELOOP || rt->dbfd == -ENOTDIR ? " (a link or a file on the way)" : "");
		rt->dbfd = -1;
		goto fail;
	}
	rt->lockfd = openat(rt->dbfd, "lock", O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (rt->lockfd < 0) {
		if ((errno == EACCES || errno == EROFS || errno == EPERM) && !create &&
		    !pkgtx_exists_at(rt->dbfd, "journal") && !pkgtx_exists_at(rt->dbfd, "journal.commit"))
			goto load;      /* read only */
		r = errf(-errno, "%s/var/lib/sprout/lock: %s", path, strerror(errno));
		goto fail;
	}
	if (flock(rt->lockfd, LOCK_EX | LOCK_NB) < 0) {
		r = errno == EWOULDBLOCK ? errf(-SPROUT_ERR_BUSY, "another sprout is changing the root %s", path)
			: errf(-errno, "%s/var/lib/sprout/lock: %s", path, strerror(errno));
		goto fail;
	}
	r = recover(rt, note);
	if (r)
		goto fail;
load:
	r = file_read_at(rt->dbfd, "db", &b);
	if (r == -ENOENT)
		return 0;
	if (!r)
		r = pkgdb_parse(b.s, b.len, &rt->db);
	buf_free(&b);
	if (r) {
		r = pkg_errwrap(r, "%s/var/lib/sprout/db", path);
		goto fail;
	}
	return 0;
fail:
	buf_free(&b);
	pkgroot_close(rt);
	return r;
}

void pkgroot_close(struct pkgroot *rt)
{
	if (rt->lockfd >= 0)
		close(rt->lockfd);
	if (rt->dbfd >= 0)
		close(rt->dbfd);
	if (rt->fd >= 0)
		close(rt->fd);
	pkgdb_free(&rt->db);
	free(rt->path);
	memset(rt, 0, sizeof *rt);
	rt->fd = rt->dbfd = rt->lockfd = -1;
}

char *pkgtx_cache_path(const struct pkgroot *rt, const unsigned char sha256[32])
{
	char hex[65];
	sha256_hex(sha256, hex);
	return xasprintf("%s/var/cache/sprout/packages/%s.spk", rt->path, hex);
}

void pkgtx_cache_keep(int cfd, const char *file, const unsigned char sha256[32])
{
	char hex[65], name[80], tmp[96];
	sha256_hex(sha256, hex);
	snprintf(name, sizeof name, "%s.spk", hex);
	if (linkat(AT_FDCWD, file, cfd, name, 0) == 0 || errno == EEXIST)
		return;
	snprintf(tmp, sizeof tmp, "%s.tmp", name);
	int in = open(file, O_RDONLY | O_CLOEXEC);
	int out = openat(cfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	int ok = in >= 0 && out >= 0;
	char b[65536];
	ssize_t n;
	while (ok && (n = read(in, b, sizeof b)) > 0)
		ok = !fd_write_all(out, b, (size_t)n);
	if (in >= 0)
		close(in);
	if (out >= 0 && close(out) < 0)
		ok = 0;
	if (!ok || renameat(cfd, tmp, cfd, name) < 0)
		unlinkat(cfd, tmp, 0);
}

int pkgroot_read_state(struct pkgroot *rt, const char *name, struct buf *b)
{
	if (rt->dbfd < 0)
		return -ENOENT;
	int fd = openat(rt->dbfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	close(fd);
	return file_read_at(rt->dbfd, name, b);
}

int pkgroot_write_state(struct pkgroot *rt, const char *name, const struct buf *b, int sync)
{
	if (rt->dbfd < 0 || rt->lockfd < 0)
		return -EACCES;
	int r = pkgtx_write_at(rt->dbfd, name, b, 1, sync);
	if (!r && sync && fsync(rt->dbfd) < 0)
		r = -errno;
	return r;
}
