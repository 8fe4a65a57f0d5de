/* Planning and running one transaction: every path of the packages
 * coming and going is looked at, and every clash refused, before the
 * journal is written; then prepare, commit and apply (pkgtx.c). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/err.h"
#include "pkg/pkgtx_int.h"

enum { T_KEPT = 1, T_ADD };

struct run {
	struct pkgroot *rt;
	struct pkgtx_add *adds;
	size_t nadds;
	struct pkgdb_pkg **np;          /* the database records of adds */
	int *gone;                      /* per installed package: removed or replaced */
	const struct pkgtx_opts *o;
	int sync;                       /* fsync and syncfs (not --no-sync) */
	struct pkgdb_map *live;         /* paths after the transaction */
	struct pkgdb_map *old;          /* paths of the packages going */
	struct journal ops[5];          /* by kind, joined in the journal */
	int cachefd;                    /* ROOT/var/cache/sprout/packages, or -1 */
	struct pkgfs w;
};

static const char *kind_of(char t)
{
	return t == 'f' ? "file" : t == 'd' ? "directory" : "link";
}

static int clash(const struct pkg_entry *e, const struct pkgdb_pkg *p, const struct pkgdb_owner *o)
{
	return errf(-EEXIST, "file clash: %s is a %s in %s and a %s in %s%s", e->path, kind_of(e->type),
		    p->meta.name, kind_of(o->e->type), o->pkg->meta.name, o->tag == T_KEPT ? " (installed)" : "");
}

/* What to do with the path of entry e of new package p (the first new
 * package that has it). */
static int plan_entry(struct run *u, const struct pkgdb_pkg *p, size_t a, size_t ei)
{
	const struct pkg_entry *e = &p->man.e[ei];
	struct stat st;
	int r = pkgfs_lstat(&u->w, e->path, &st);
	if (r && r != -ENOENT)
		return r == -SPROUT_ERR_UNSAFE ? r : pkg_errwrap(r, "%s", e->path);
	struct pkgdb_owner *g = pkgdb_map_get(u->old, e->path);
	const char *root = u->rt->path;
	if (e->type == 'd') {
		if (r == -ENOENT) {
			pkgtx_op_add(&u->ops[OP_MKDIR], OP_MKDIR, e->path, e->mode, a, ei);
			/* Made writable for its files; its mode is set at the commit. */
			if ((e->mode | 0700) != e->mode)
				pkgtx_op_add(&u->ops[OP_CHMOD], OP_CHMOD, e->path, e->mode, a, ei);
			return 0;
		}
		if (!S_ISDIR(st.st_mode)) {
			if (g && g->e->type != 'd')
				return errf(-EEXIST, "%s: a %s in %s, a directory in %s: remove %s first", e->path,
					    kind_of(g->e->type), g->pkg->meta.name, p->meta.name, g->pkg->meta.name);
			return errf(-EEXIST, "%s: exists in %s and is not a directory (%s needs one there)", e->path, root,
				    p->meta.name);
		}
		int kept = 0;
		for (struct pkgdb_owner *o = pkgdb_map_get(u->live, e->path); o; o = o->next)
			kept |= o->tag == T_KEPT;
		if (!kept && (unsigned)(st.st_mode & 07777) != e->mode)
			pkgtx_op_add(&u->ops[OP_CHMOD], OP_CHMOD, e->path, e->mode, a, ei);
		return 0;
	}
	if (e->type == 'f' && (e->mode & 06000) && !u->o->allow_setuid)
		return errf(-SPROUT_ERR_UNSAFE, "%s: %s is setuid or setgid (mode %04o); --allow-setuid installs it", e->path,
			    p->meta.name, e->mode);
	if (r == 0 && S_ISDIR(st.st_mode)) {
		if (g && g->e->type == 'd')
			return errf(-EEXIST, "%s: a directory in %s, a %s in %s: remove %s first", e->path,
				    g->pkg->meta.name, kind_of(e->type), p->meta.name, g->pkg->meta.name);
		return errf(-EEXIST, "%s: a directory is in the way in %s", e->path, root);
	}
	if (r == 0 && !g && !u->o->overwrite)
		return errf(-EEXIST, "%s: exists in %s and belongs to no package (--overwrite replaces it)", e->path,
			    root);
	/* A path that is not there is written straight to (OP_NEW); one
	 * that is gets replaced by a rename at the commit. */
	pkgtx_op_add(&u->ops[OP_ADD], r == -ENOENT ? OP_NEW : OP_ADD, e->path, 0, a, ei);
	return 0;
}

static int op_cmp(const void *x, const void *y)
{
	return strcmp(((const struct op *)x)->path, ((const struct op *)y)->path);
}

static int op_rcmp(const void *x, const void *y)
{
	return op_cmp(y, x);
}

/* The paths of what goes must be reachable from the root without a link
 * on the way, and a directory must still be one: else the commit could
 * not be applied. ERR_UNSAFE saying what to do. */
static int check_gone(struct run *u)
{
	static const enum op_kind kinds[] = {OP_DEL, OP_RMDIR};
	for (size_t k = 0; k < 2; k++) {
		const struct journal *ops = &u->ops[kinds[k]];
		for (size_t i = 0; i < ops->n; i++) {
			struct stat st;
			char why[512];
			int r = pkgfs_lstat(&u->w, ops->ops[i].path, &st);
			if (!r && kinds[k] == OP_RMDIR && !S_ISDIR(st.st_mode))
				r = errf(-SPROUT_ERR_UNSAFE, "%s: a directory of the package, now %s", ops->ops[i].path,
					 S_ISLNK(st.st_mode) ? "a link" : "a file");
			if (!r || r == -ENOENT)
				continue;
			snprintf(why, sizeof why, "%s", err_msg(r));
			return errf(r, "%s (in %s): nothing was changed; put the directory back, or remove what is in its "
				    "place, and try again", why, u->rt->path);
		}
	}
	return 0;
}

/* Every check, and the operations into u->ops. */
static int plan(struct run *u)
{
	int r;
	struct pkgdb *db = &u->rt->db;
	size_t hint = 0;
	for (size_t i = 0; i < db->n; i++)
		hint += db->p[i]->man.n;
	for (size_t a = 0; a < u->nadds; a++)
		hint += u->np[a]->man.n;
	u->live = pkgdb_map_new(hint);
	u->old = pkgdb_map_new(64);
	for (size_t i = 0; i < db->n; i++)
		for (size_t k = 0; k < db->p[i]->man.n; k++)
			pkgdb_map_add(u->gone[i] ? u->old : u->live, db->p[i], &db->p[i]->man.e[k], T_KEPT);
	for (size_t a = 0; a < u->nadds; a++) {
		struct pkgdb_pkg *p = u->np[a];
		for (size_t k = 0; k < p->man.n; k++) {
			const struct pkg_entry *e = &p->man.e[k];
			struct pkgdb_owner *o = pkgdb_map_get(u->live, e->path);
			int first = 1;
			/* A directory that an earlier package of this transaction
			 * has: its owners were all looked at when that one was
			 * added (a directory every package has, usr/bin, would
			 * otherwise cost the square of the packages). */
			if (o && o->tag == T_ADD && o->e->type == 'd' && e->type == 'd') {
				first = 0;
				o = NULL;
			}
			for (; o; o = o->next) {
				if (o->e->type != 'd' || e->type != 'd')
					return clash(e, p, o);
				first &= o->tag != T_ADD;
			}
			pkgdb_map_add(u->live, p, e, T_ADD);
			if (first && (r = plan_entry(u, p, a, k)))
				return r;
		}
	}
	/* What goes and nothing keeps. */
	struct pkgdb_map *done = pkgdb_map_new(64);
	for (size_t i = 0; i < db->n; i++) {
		if (!u->gone[i])
			continue;
		for (size_t k = 0; k < db->p[i]->man.n; k++) {
			const struct pkg_entry *e = &db->p[i]->man.e[k];
			if (pkgdb_map_get(u->live, e->path) || pkgdb_map_get(done, e->path))
				continue;
			pkgdb_map_add(done, db->p[i], e, 0);
			if (e->type == 'd')
				pkgtx_op_add(&u->ops[OP_RMDIR], OP_RMDIR, e->path, 0, 0, 0);
			else
				pkgtx_op_add(&u->ops[OP_DEL], OP_DEL, e->path, 0, 0, 0);
		}
	}
	pkgdb_map_free(done);
	r = check_gone(u);
	if (r)
		return r;
	if (u->ops[OP_MKDIR].n > 1)
		qsort(u->ops[OP_MKDIR].ops, u->ops[OP_MKDIR].n, sizeof(struct op), op_cmp);
	if (u->ops[OP_RMDIR].n > 1)
		qsort(u->ops[OP_RMDIR].ops, u->ops[OP_RMDIR].n, sizeof(struct op), op_rcmp);
	return 0;
}

/* The database after the transaction, as text; the new transaction's
 * record into *t. */
static void new_db(struct run *u, struct pkgdb_txn *t, struct buf *out)
{
	struct pkgdb *db = &u->rt->db, nd;
	memset(&nd, 0, sizeof nd);
	nd.borrowed = 1;
	nd.arch = db->arch ? db->arch : (char *)u->o->arch;
	for (size_t i = 0; i < db->n; i++)
		if (!u->gone[i])
			pkgdb_add(&nd, db->p[i]);
	for (size_t a = 0; a < u->nadds; a++)
		pkgdb_add(&nd, u->np[a]);
	memset(t, 0, sizeof *t);
	t->id = db->nt ? db->t[db->nt - 1].id + 1 : 1;
	t->time = (long long)time(NULL);
	t->what = xstrdup(u->o->what ? u->o->what : "");
	for (int pass = 0; pass < 2; pass++) {
		size_t n = pass ? u->nadds : db->n;
		for (size_t i = 0; i < n; i++) {
			const struct pkgdb_pkg *p = pass ? u->np[i] : db->p[i];
			if (!pass && !u->gone[i])
				continue;
			t->c = xrealloc(t->c, (t->n + 1) * sizeof *t->c);
			struct pkgdb_change *c = &t->c[t->n++];
			c->op = pass ? '+' : '-';
			c->name = xstrdup(p->meta.name);
			c->version = xstrdup(p->meta.version);
			c->release = xstrdup(p->meta.release);
			memcpy(c->sha256, p->sha256, 32);
		}
	}
	nd.t = xmalloc((db->nt + 1) * sizeof *nd.t);
	if (db->nt)
		memcpy(nd.t, db->t, db->nt * sizeof *nd.t);
	nd.t[db->nt] = *t;
	nd.nt = db->nt + 1;
	pkgdb_format(&nd, out);
	free(nd.t);
	free(nd.p);
}

/* The root's database becomes what the transaction made it. */
static void adopt(struct run *u, struct pkgdb_txn *t)
{
	struct pkgdb *db = &u->rt->db;
	struct pkgdb nd;
	memset(&nd, 0, sizeof nd);
	for (size_t i = 0; i < db->n; i++) {
		if (u->gone[i])
			pkgdb_pkg_free(db->p[i]);
		else
			pkgdb_add(&nd, db->p[i]);
	}
	for (size_t a = 0; a < u->nadds; a++) {
		pkgdb_add(&nd, u->np[a]);
		u->np[a] = NULL;
	}
	free(db->p);
	db->p = nd.p;
	db->n = nd.n;
	if (!db->arch && u->o->arch)
		db->arch = xstrdup(u->o->arch);
	db->t = xrealloc(db->t, (db->nt + 1) * sizeof *db->t);
	db->t[db->nt++] = *t;
	memset(t, 0, sizeof *t);
}

static int name_cmp(const void *x, const void *y)
{
	return strcmp(*(const char *const *)x, *(const char *const *)y);
}

/* The database records of the packages coming, and which installed ones
 * go (replaced, or removed). 0 or negative code. */
static int records(struct run *u, char **removes, size_t nremoves)
{
	const struct pkgdb *db = &u->rt->db;
	for (size_t a = 0; a < u->nadds; a++) {
		struct pkgfile *pf = u->adds[a].pf;
		int r = pkgdb_pkg_new_parsed(pf->meta_text, pf->meta_len, pf->man_text, pf->man_len, &pf->man, pf->sha256,
					     &u->np[a]);
		if (r)
			return r;
		int i = pkgdb_find(db, pf->meta.name);
		if (i >= 0)
			u->gone[i] = 1;
	}
	/* A name twice: next to each other once sorted. */
	const char **names = xcalloc(u->nadds + 1, sizeof *names);
	for (size_t a = 0; a < u->nadds; a++)
		names[a] = u->np[a]->meta.name;
	qsort(names, u->nadds, sizeof *names, name_cmp);
	for (size_t a = 1; a < u->nadds; a++)
		if (!strcmp(names[a - 1], names[a])) {
			int r = errf(-EEXIST, "%s is named twice", names[a]);
			free(names);
			return r;
		}
	free(names);
	for (size_t k = 0; k < nremoves; k++) {
		int i = pkgdb_find(db, removes[k]);
		if (i < 0)
			return errf(-SPROUT_ERR_NOTFOUND, "%s is not installed", removes[k]);
		u->gone[i] = 1;
	}
	return 0;
}

/* The journal: the operations by kind, each keeping its index; written
 * (and made durable with its directory unless --no-sync). 0 or negative code. */
static int write_journal(struct run *u, struct journal *j)
{
	struct pkgroot *rt = u->rt;
	struct buf b = {0};
	j->id = rt->db.nt ? rt->db.t[rt->db.nt - 1].id + 1 : 1;
	for (int k = OP_MKDIR; k <= OP_CHMOD; k++)
		for (size_t i = 0; i < u->ops[k].n; i++) {
			struct op *op = &u->ops[k].ops[i];
			pkgtx_op_add(j, op->k, op->path, op->mode, op->add, op->ei);
		}
	pkgtx_journal_format(j, &b);
	int r = pkgtx_write_at(rt->dbfd, "journal", &b, 1, u->sync);
	if (!r && u->sync && fsync(rt->dbfd) < 0)
		r = -errno;
	buf_free(&b);
	return r ? errf(r, "%s/var/lib/sprout/journal: %s", rt->path, err_str(r)) : 0;
}

int pkgtx_run(struct pkgroot *rt, struct pkgtx_add *adds, size_t nadds, char **removes, size_t nremoves,
	      const struct pkgtx_opts *o, struct pkgtx_stats *st)
{
	struct run u;
	struct journal j;
	struct pkgdb_txn t;
	struct buf b = {0};
	int r = -EIO, prepared = 0, sync = !o->nosync;
	memset(&u, 0, sizeof u);
	memset(&j, 0, sizeof j);
	memset(&t, 0, sizeof t);
	memset(st, 0, sizeof *st);
	if (rt->lockfd < 0)
		return errf(-EACCES, "%s: cannot change this root (no write access to var/lib/sprout)", rt->path);
	/* The history keeps the description whole, on one line, or not at all. */
	if (o->what && (strlen(o->what) > PKGDB_LINE_MAX - 64 || strchr(o->what, '\n')))
		return errf(-SPROUT_ERR_USAGE, "'%.40s...' (%zu bytes) is too long for one line of the history (at most %d): "
			    "do it in several transactions", o->what, strlen(o->what), PKGDB_LINE_MAX - 64);
	u.rt = rt;
	u.sync = sync;
	u.cachefd = -1;
	u.adds = adds;
	u.nadds = nadds;
	u.o = o;
	u.np = xcalloc(nadds + 1, sizeof *u.np);
	u.gone = xcalloc(rt->db.n + 1, sizeof *u.gone);
	pkgfs_init(&u.w, rt->fd);
	if (!sync)
		u.w.walk.opened = NULL;     /* the file systems are only noted for syncfs() */
	mode_t mask = umask(0);
	r = records(&u, removes, nremoves);
	if (r)
		goto out;
	r = plan(&u);
	if (r)
		goto out;
	pkgfs_reset(&u.w);
	r = write_journal(&u, &j);
	if (r)
		goto out;
	prepared = 1;
	pkgtx_crash_point();
	/* Prepare. */
	r = pkgtx_make_dirs(&u.w, &j, sync, &st->dirs);
	if (!r)
		r = pkgtx_write_files(&u.w, &j, adds, nadds, sync, o->nocache, &u.cachefd);
	if (r)
		goto out;
	new_db(&u, &t, &b);
	r = pkgtx_write_at(rt->dbfd, "db.new", &b, 0, 0);
	buf_free(&b);
	if (r) {
		r = errf(r, "%s/var/lib/sprout/db.new: %s", rt->path, err_str(r));
		goto out;
	}
	pkgtx_crash_point();
	if (sync) {
		const char *base;
		pkgfs_parent(&u.w, "var/lib/sprout/db", &base);
		r = pkgfs_syncfs(&u.w);
		if (r) {
			r = errf(r, "%s: syncfs: %s", rt->path, err_str(r));
			goto out;
		}
		pkgtx_crash_point();
	}
	/* Commit. */
	if (renameat(rt->dbfd, "journal", rt->dbfd, "journal.commit") < 0) {
		r = errf(-errno, "%s/var/lib/sprout/journal: %s", rt->path, strerror(errno));
		goto out;
	}
	if (sync)
		fsync(rt->dbfd);
	prepared = 0;
	pkgtx_crash_point();
	r = pkgtx_apply(rt, &u.w, &j, sync, NULL);
	if (r) {
		r = pkg_errwrap(r, "transaction %lu is committed but could not be finished; the next sprout pkg "
				"command on %s finishes it", j.id, rt->path);
		goto out;
	}
	for (size_t i = 0; i < j.n; i++)
		if (j.ops[i].k == OP_ADD || j.ops[i].k == OP_NEW)
			st->written++;
		else if (j.ops[i].k == OP_DEL)
			st->deleted++;
	st->id = j.id;
	adopt(&u, &t);
out:
	if (prepared) {
		int e = pkgtx_undo(rt, &u.w, &j);
		if (e)
			r = pkg_errwrap(r, "undoing the transaction failed too");
	}
	free(t.what);
	pkgdb_changes_free(t.c, t.n);
	pkgtx_journal_free(&j);
	for (int k = 0; k < 5; k++)
		pkgtx_journal_free(&u.ops[k]);
	for (size_t a = 0; a < nadds; a++)
		pkgdb_pkg_free(u.np[a]);
	free(u.np);
	free(u.gone);
	pkgdb_map_free(u.live);
	pkgdb_map_free(u.old);
	pkgfs_done(&u.w);
	if (u.cachefd >= 0)
		close(u.cachefd);
	umask(mask);
	return r;
}
