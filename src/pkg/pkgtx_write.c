/* The prepare step's files and links (docs/package.md, "Transactions"):
 * each package's new files written below the root, by several writers at
 * once. A package whose checked payload is kept in memory
 * (pkgfile_check_keep) is written from those bytes by whichever writer
 * takes it; the others are read again, unpacked and checked as they are
 * written, by the calling thread alone (the reader is not shared).
 *
 * The writers share nothing but a counter of the packages taken and the
 * first failure. Each walks the root with its own pkgfs; none calls
 * errf() (its message buffer is the process's): a failure is noted (what
 * failed, on which operation) and the calling thread words it once they
 * have all stopped. What a failed or killed prepare step wrote is taken
 * back by the undo whatever order it was written in. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/err.h"
#include "pkg/pkgtx_int.h"

enum { WRITERS_MAX = 4, WRITERS_MIN_ITEMS = 256 };

struct wfail {
	int r;
	const char *what;       /* "parent", "create", ..., or NULL: errf() has its message */
	size_t k;               /* the operation */
	const char *path;       /* its path */
};

struct writers {
	int rootfd;
	struct journal *j;
	struct pkgtx_add *adds;
	size_t nadds;
	size_t *first;          /* per package: the index of its first file's operation in j */
	int sync;
	pthread_mutex_t mu;
	/* The work: job(s, w, items[k], f) for k in [next, n), each by
	 * whichever writer takes it. */
	int (*job)(struct writers *s, struct pkgfs *w, size_t item, struct wfail *f);
	const size_t *items;
	size_t next, n;
	int stop;
	int cachefd;            /* -2: not opened yet; -1: none */
	int nocache;
	struct wfail fail;      /* the first failure */
};

struct writer {
	struct writers *s;
	struct pkgfs *w;        /* the caller's, or own */
	struct pkgfs own;
	pthread_t t;
};

/* Write entry e, operation k of j: a new path straight to it, a
 * replacement under its temporary name (a leftover one of an undone run
 * replaced). Its bytes are bytes when not NULL (checked already), else
 * read from pf and checked as they are written. 0, or a negative code
 * with f->what saying what failed. */
static int put_entry(struct pkgfs *w, struct journal *j, size_t k, const struct pkg_entry *e, struct pkgfile *pf,
		     const unsigned char *bytes, int sync, struct wfail *f)
{
	const char *base;
	char tmp[64];
	int pfd = pkgfs_parent_quiet(w, e->path, &base), r = 0;
	f->k = k;
	f->path = e->path;
	if (pfd < 0) {
		f->what = "parent";
		return pfd;
	}
	int direct = j->ops[k].k == OP_NEW;
	const char *name = base;
	if (!direct) {
		pkgfs_tmpname(tmp, sizeof tmp, j->id, k);
		name = tmp;
	}
	if (e->type == 'l') {
		if (symlinkat(e->target, pfd, name) < 0 &&
		    (direct || errno != EEXIST || unlinkat(pfd, name, 0) < 0 || symlinkat(e->target, pfd, name) < 0)) {
			r = -errno;
			f->what = "symlink";
			j->ops[k].foreign = direct && r == -EEXIST;
		}
		return r;
	}
	/* Created with its permissions (the umask is 0 during the
	 * transaction); the special bits only once it is whole. */
	mode_t cm = (mode_t)(e->mode & 0777);
	int fd = openat(pfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, cm);
	if (fd < 0 && errno == EEXIST && !direct && unlinkat(pfd, name, 0) == 0)
		fd = openat(pfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, cm);
	if (fd < 0) {
		r = -errno;
		f->what = "create";
		j->ops[k].foreign = direct && r == -EEXIST;
		return r;
	}
	if (bytes) {
		r = fd_write_all(fd, bytes, (size_t)e->size);
		f->what = "write";
	} else {
		r = pkgfile_read_file(pf, e, fd);
		f->what = NULL;
	}
	if (!r && (e->mode & 07000) && fchmod(fd, e->mode) < 0) {
		r = -errno;
		f->what = "chmod";
	}
	/* Start writing it out now: the syncfs() before the commit then has
	 * little left to wait for. */
	if (!r && sync && e->size)
		sync_file_range(fd, 0, 0, SYNC_FILE_RANGE_WRITE);
	if (close(fd) < 0 && !r) {
		r = -errno;
		f->what = "close";
	}
	return r;
}

/* The files of package a, from its kept payload when it has one, else
 * read again (and checked whole) from its file. */
static int put_package(struct writers *s, struct pkgfs *w, size_t a, struct wfail *f)
{
	struct pkgtx_add *ad = &s->adds[a];
	struct pkgfile *pf = NULL;
	const unsigned char *bytes = ad->pf->payload;
	int r = 0;
	f->what = NULL;
	if (!bytes) {
		r = ad->data ? pkgfile_open_mem(ad->file, ad->data, ad->len, &pf) : pkgfile_open(ad->file, &pf);
		if (r)
			return r;
		if (pf->meta_len != ad->pf->meta_len || pf->man_len != ad->pf->man_len ||
		    memcmp(pf->meta_text, ad->pf->meta_text, pf->meta_len) ||
		    memcmp(pf->man_text, ad->pf->man_text, pf->man_len)) {
			r = errf(-SPROUT_ERR_HASH, "%s: changed while being installed", ad->file);
			goto out;
		}
	}
	const struct pkg_manifest *man = &ad->pf->man;
	size_t k = s->first[a];
	for (size_t i = 0; i < man->n && !r; i++) {
		const struct pkg_entry *e = &man->e[i];
		if (e->type == 'd')
			continue;
		if (k >= s->j->n || s->j->ops[k].add != a || s->j->ops[k].ei != i) {
			f->what = "internal error: no operation";
			f->path = e->path;
			r = -EIO;
			break;
		}
		r = put_entry(w, s->j, k++, e, pf, bytes, s->sync, f);
		if (bytes && e->type == 'f')
			bytes += e->size;
		if (!r)
			pkgtx_crash_point();
	}
	if (!r && pf) {
		f->what = NULL;
		r = pkgfile_finish(pf);
		if (!r && memcmp(pf->sha256, ad->pf->sha256, 32))
			r = errf(-SPROUT_ERR_HASH, "%s: changed while being installed", ad->file);
	}
out:
	pkgfile_close(pf);
	return r;
}

/* Keep package a's file in the root's cache (made when the first package
 * is written). */
static void keep_package(struct writers *s, size_t a)
{
	pthread_mutex_lock(&s->mu);
	if (s->cachefd == -2)
		s->cachefd = pkgtx_open_path(s->rootfd, "var/cache/sprout/packages", 1);
	int cfd = s->cachefd;
	pthread_mutex_unlock(&s->mu);
	if (cfd >= 0)
		pkgtx_cache_keep(cfd, s->adds[a].file, s->adds[a].pf->sha256);
}

/* A writer: the items one after another, until they are all taken or
 * one writer failed. */
static void *writer_run(void *arg)
{
	struct writer *wr = arg;
	struct writers *s = wr->s;
	for (;;) {
		struct wfail f;
		pthread_mutex_lock(&s->mu);
		size_t k = s->next++;
		int stop = s->stop || k >= s->n;
		pthread_mutex_unlock(&s->mu);
		if (stop)
			break;
		f.what = NULL;
		int r = s->job(s, wr->w, s->items[k], &f);
		if (r) {
			pthread_mutex_lock(&s->mu);
			if (!s->stop) {
				s->stop = 1;
				f.r = r;
				s->fail = f;
			}
			pthread_mutex_unlock(&s->mu);
			break;
		}
	}
	return NULL;
}

/* Run s->job over the n items with up to want writers, this thread one
 * of them (walking with w; the others with walks of their own, whose
 * file systems w then takes over). 0, or the first failure's code with
 * s->fail saying what failed. */
static int run_writers(struct writers *s, struct pkgfs *w, const size_t *items, size_t n, int want)
{
	struct writer wr[WRITERS_MAX];
	int nw;
	s->items = items;
	s->n = n;
	s->next = 0;
	wr[0].s = s;
	wr[0].w = w;
	for (nw = 1; nw < want && (size_t)nw < n; nw++) {
		wr[nw].s = s;
		wr[nw].w = &wr[nw].own;
		pkgfs_init(&wr[nw].own, w->root);
		if (!s->sync)
			wr[nw].own.walk.opened = NULL;
		if (pthread_create(&wr[nw].t, NULL, writer_run, &wr[nw])) {
			pkgfs_done(&wr[nw].own);
			break;
		}
	}
	writer_run(&wr[0]);
	for (int k = 1; k < nw; k++) {
		pthread_join(wr[k].t, NULL);
		pkgfs_adopt(w, &wr[k].own);
		pkgfs_done(&wr[k].own);
	}
	return s->stop ? s->fail.r : 0;
}

/* One package with a kept payload: its files, then its cache copy. */
static int file_job(struct writers *s, struct pkgfs *w, size_t a, struct wfail *f)
{
	int r = put_package(s, w, a, f);
	if (!r && !s->nocache)
		keep_package(s, a);
	return r;
}

/* Directory op k of the journal, made writable for its files until the
 * commit (with the umask 0 the mode is the one asked for, but for the
 * special bits, set through a descriptor). */
static int dir_job(struct writers *s, struct pkgfs *w, size_t k, struct wfail *f)
{
	const struct op *o = &s->j->ops[k];
	const char *base;
	int fd = -1, r = 0;
	f->k = k;
	f->path = o->path;
	f->what = "parent";
	int pfd = pkgfs_parent_quiet(w, o->path, &base);
	if (pfd < 0)
		return pfd;
	unsigned dm = o->mode | 0700;
	f->what = "mkdir";
	if (mkdirat(pfd, base, (dm & 07000) ? 0700 : dm) < 0 ||
	    ((dm & 07000) && ((fd = openat(pfd, base, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0 ||
			      fchmod(fd, dm) < 0)))
		r = -errno;
	if (fd >= 0)
		close(fd);
	if (!r) {
		pkgfs_made(w);
		pkgtx_crash_point();
	}
	return r;
}

/* The writers to start for n files or directories: one per processor,
 * at most WRITERS_MAX, one for a small transaction; SPROUT_PKG_WRITERS=N
 * (the tests') sets the count. */
static int writers_wanted(size_t nitems)
{
	const char *e = getenv("SPROUT_PKG_WRITERS");
	long n = e && *e ? atol(e) : nitems < WRITERS_MIN_ITEMS ? 1 : sysconf(_SC_NPROCESSORS_ONLN);
	return n < 1 ? 1 : n > WRITERS_MAX ? WRITERS_MAX : (int)n;
}

/* The failure f, worded (a writer other than the caller has no message). */
static int fail_words(struct pkgfs *w, const struct journal *j, const struct wfail *f)
{
	const char *base;
	if (!f->what)
		return f->r;
	if (!strcmp(f->what, "parent")) {
		int p = pkgfs_parent(w, f->path, &base);
		return p < 0 ? p : errf(f->r, "%s: %s", f->path, strerror(-f->r));
	}
	if (f->r == -EIO && !strncmp(f->what, "internal", 8))
		return errf(f->r, "%s for %s", f->what, f->path);
	return errf(f->r, "%s: %s: %s%s", f->path, f->what, strerror(-f->r),
		    !strcmp(f->what, "create") && f->r == -EEXIST && j->ops[f->k].k == OP_NEW
		    ? " (it appeared in the root during the transaction)" : "");
}

static void writers_init(struct writers *s, struct pkgfs *w, struct journal *j, int sync)
{
	memset(s, 0, sizeof *s);
	s->rootfd = w->root;
	s->j = j;
	s->sync = sync;
	s->cachefd = -2;
	pthread_mutex_init(&s->mu, NULL);
}

int pkgtx_make_dirs(struct pkgfs *w, struct journal *j, int sync, size_t *made)
{
	struct writers s;
	size_t n = 0, *items = xcalloc(j->n + 1, sizeof *items), depth = 0;
	int r = 0;
	writers_init(&s, w, j, sync);
	s.job = dir_job;
	for (size_t k = 0; k < j->n; k++)
		n += j->ops[k].k == OP_MKDIR;
	int want = writers_wanted(n);
	/* A directory's parent is made before it: one depth after another,
	 * each depth's directories by all the writers. */
	for (size_t done = 0; done < n && !r; depth++) {
		size_t m = 0;
		for (size_t k = 0; k < j->n; k++) {
			const char *p = j->ops[k].path;
			size_t d = 0;
			if (j->ops[k].k != OP_MKDIR)
				continue;
			for (; *p; p++)
				d += *p == '/';
			if (d == depth)
				items[m++] = k;
		}
		r = run_writers(&s, w, items, m, want);
		if (!r)
			done += m;
		*made = done;
	}
	pkgfs_made(w);
	if (r)
		r = fail_words(w, j, &s.fail);
	pthread_mutex_destroy(&s.mu);
	free(items);
	return r;
}

int pkgtx_write_files(struct pkgfs *w, struct journal *j, struct pkgtx_add *adds, size_t nadds, int sync,
		      int nocache, int *cachefd)
{
	struct writers s;
	size_t nfiles = 0, *items = xcalloc(nadds + 1, sizeof *items), m = 0;
	int r = 0;
	writers_init(&s, w, j, sync);
	s.adds = adds;
	s.nadds = nadds;
	s.nocache = nocache;
	s.first = xcalloc(nadds + 1, sizeof *s.first);
	/* Each package's files are consecutive operations, in entry order. */
	for (size_t a = 0; a < nadds; a++)
		s.first[a] = (size_t)-1;
	for (size_t k = 0; k < j->n; k++)
		if ((j->ops[k].k == OP_ADD || j->ops[k].k == OP_NEW) && j->ops[k].add < nadds) {
			nfiles++;
			if (s.first[j->ops[k].add] == (size_t)-1)
				s.first[j->ops[k].add] = k;
		}
	/* First the packages read again, by this thread alone. */
	for (size_t a = 0; a < nadds && !r; a++) {
		struct wfail f;
		if (adds[a].pf->payload) {
			items[m++] = a;
			continue;
		}
		f.what = NULL;
		r = put_package(&s, w, a, &f);
		if (r) {
			f.r = r;
			r = fail_words(w, j, &f);
		} else if (!nocache) {
			keep_package(&s, a);
		}
	}
	s.job = file_job;
	if (!r && run_writers(&s, w, items, m, writers_wanted(nfiles)))
		r = fail_words(w, j, &s.fail);
	pthread_mutex_destroy(&s.mu);
	free(s.first);
	free(items);
	*cachefd = s.cachefd < 0 ? -1 : s.cachefd;
	return r;
}
