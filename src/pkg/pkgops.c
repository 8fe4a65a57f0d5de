/* sprout pkg install, remove and rollback as a library: find the
 * packages, check them whole, resolve, run one transaction. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/dirwalk.h"
#include "core/err.h"
#include "core/sha256.h"
#include "pkg/pkgops.h"
#include "pkg/pkgrepo.h"
#include "pkg/pkgsolve.h"

int pkgops_root_arch(const struct pkgroot *rt, const char *want, const char **arch)
{
	if (rt->db.arch && want && strcmp(rt->db.arch, want))
		return errf(-SPROUT_ERR_USAGE, "%s is a root for %s, not %s", rt->path, rt->db.arch, want);
	*arch = rt->db.arch ? rt->db.arch : want ? want : host_arch();
	return 0;
}

void pkgops_result_free(struct pkgops_result *res)
{
	for (size_t i = 0; i < res->nadd; i++) {
		struct pkgops_item *it = &res->add[i];
		free(it->name);
		free(it->version);
		free(it->release);
		free(it->old_version);
		free(it->old_release);
		free(it->needed_by);
	}
	free(res->add);
	buf_free(&res->notes);
	memset(res, 0, sizeof *res);
}

static void free_repos(struct pkgrepo *r, size_t n)
{
	for (size_t i = 0; i < n; i++)
		pkgrepo_free(&r[i]);
	free(r);
}

/* The indexes a root has accepted: per signing key, the newest sequence
 * and that index's sha256 (ROOT/var/lib/sprout/indexes, docs/package.md). */
struct seen {
	char keyid[17];
	unsigned long long seq;
	unsigned char sha[32];
};

static size_t seen_read(struct pkgroot *rt, struct seen **out)
{
	struct buf b = {0};
	size_t n = 0;
	*out = NULL;
	if (pkgroot_read_state(rt, "indexes", &b) || strncmp(b.s, "sprout-indexes 1\n", 17)) {
		buf_free(&b);
		return 0;
	}
	for (char *l = strtok(b.s + 17, "\n"); l; l = strtok(NULL, "\n")) {
		struct seen s;
		char hex[65];
		memset(&s, 0, sizeof s);
		if (sscanf(l, "%16s %llu %64s", s.keyid, &s.seq, hex) != 3 || sha256_unhex(hex, 64, s.sha))
			continue;
		*out = xrealloc(*out, (n + 1) * sizeof **out);
		(*out)[n++] = s;
	}
	buf_free(&b);
	return n;
}

/* Refuse a signed index older than one the root has accepted from its key
 * (a replay: TUF's rollback and freeze attacks), then remember it. */
static int seen_check(struct pkgroot *rt, const struct pkgops_opts *o, struct pkgrepo *repos, size_t n)
{
	struct seen *s;
	size_t ns = seen_read(rt, &s), before = ns;
	int r = 0, changed = 0;
	for (size_t i = 0; i < n && !r; i++) {
		const struct pkgrepo *p = &repos[i];
		size_t k = 0;
		if (!p->trusted)
			continue;
		while (k < ns && strcmp(s[k].keyid, p->keyid))
			k++;
		if (k < ns && p->sequence < s[k].seq)
			r = errf(-SPROUT_ERR_HASH, "%s/index: sequence %llu from key %s, but this root has seen sequence %llu from "
				 "it: an older index (a replayed or rolled-back repository): refused", p->dir, p->sequence,
				 p->keyid, s[k].seq);
		else if (k < ns && p->sequence == s[k].seq && memcmp(p->sha256, s[k].sha, 32))
			r = errf(-SPROUT_ERR_HASH, "%s/index: not the index of sequence %llu from key %s this root has seen: "
				 "refused", p->dir, p->sequence, p->keyid);
		else if (k == ns || p->sequence > s[k].seq) {
			if (k == ns)
				s = xrealloc(s, ++ns * sizeof *s);
			memcpy(s[k].keyid, p->keyid, 17);
			s[k].seq = p->sequence;
			memcpy(s[k].sha, p->sha256, 32);
			changed = 1;
		}
	}
	if (!r && changed && rt->lockfd >= 0) {
		struct buf b = {0};
		char hex[65];
		buf_adds(&b, "sprout-indexes 1\n");
		for (size_t k = 0; k < ns; k++) {
			sha256_hex(s[k].sha, hex);
			buf_addf(&b, "%s %llu %s\n", s[k].keyid, s[k].seq, hex);
		}
		r = pkgroot_write_state(rt, "indexes", &b, !o->nosync);
		if (r == -EACCES && !before)
			r = 0;  /* a root that cannot be written remembers nothing */
		else if (r)
			r = errf(r, "%s/var/lib/sprout/indexes: %s", rt->path, err_str(r));
		buf_free(&b);
	}
	free(s);
	return r;
}

/* The root's trusted keys: o->keys, else ROOT/etc/sprout/keys, reached
 * from the root's descriptor without following a link (a link to another
 * etc would make other keys trusted). *label names it; the descriptor or
 * a negative errno. */
static int open_keys(struct pkgroot *rt, const struct pkgops_opts *o, char **label)
{
	if (o->keys) {
		*label = xstrdup(o->keys);
		int fd = open(o->keys, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		return fd < 0 ? -errno : fd;
	}
	int fd = dirwalk_open_path(rt->fd, "etc/sprout/keys", 0);
	*label = xasprintf("%s/etc/sprout/keys%s", rt->path,
			   fd == -ELOOP || fd == -ENOTDIR ? " (a link on the way, not followed)" : "");
	return fd;
}

/* The lines of ROOT/etc/sprout/repositories, read from inside the root. */
static void root_repos(struct pkgroot *rt, struct strv *dirs)
{
	struct buf b = {0};
	int fd = dirwalk_open_path(rt->fd, "etc/sprout", 0);
	if (fd < 0)
		return;
	int ffd = openat(fd, "repositories", O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	close(fd);
	if (ffd < 0)
		return;
	int r = fd_read(ffd, &b);
	close(ffd);
	for (char *l = !r && b.len ? strtok(b.s, "\n") : NULL; l; l = strtok(NULL, "\n"))
		if (l[0] && l[0] != '#')
			strv_add(dirs, l);
	buf_free(&b);
}

/* o->repos, else the lines of ROOT/etc/sprout/repositories; each signed
 * index fresh, and none older than the root has seen, unless pinned: the
 * packages wanted are named by their sha256 (rollback, fix), so an old
 * index cannot take the root anywhere it did not ask to go. */
static int load_repos(struct pkgroot *rt, const struct pkgops_opts *o, struct pkgrepo **out, size_t *n,
		      struct buf *notes, int pinned)
{
	struct strv dirs = {0};
	char *label = NULL;
	int r = 0;
	for (size_t i = 0; i < o->nrepos; i++)
		strv_add(&dirs, o->repos[i]);
	if (!dirs.n)
		root_repos(rt, &dirs);
	int kfd = open_keys(rt, o, &label);
	long long now = pinned ? 0 : o->now ? o->now : (long long)time(NULL);
	*out = xcalloc(dirs.n + 1, sizeof **out);
	*n = 0;
	for (size_t i = 0; i < dirs.n && !r; i++) {
		r = pkgrepo_load_at(dirs.v[i], kfd, label, !o->keys, o->allow_untrusted, now, &(*out)[*n], notes);
		if (!r)
			++*n;
	}
	if (!r && !pinned)
		r = seen_check(rt, o, *out, *n);
	if (kfd >= 0)
		close(kfd);
	free(label);
	strv_free(&dirs);
	if (r) {
		free_repos(*out, *n);
		*out = NULL;
		*n = 0;
	}
	return r;
}

/* A package file named rather than a package name. */
static int is_file_arg(const char *a)
{
	struct stat st;
	size_t l = strlen(a);
	return (strchr(a, '/') || (l > 4 && !strcmp(a + l - 4, ".spk"))) && stat(a, &st) == 0 && S_ISREG(st.st_mode);
}

enum { IN_MEMORY_MAX = 16 << 20 };
/* How many unpacked bytes a transaction keeps from checking its
 * packages, so that it writes them without unpacking and hashing them
 * again (pkgfile_check_keep); the packages past it are read again.
 * SPROUT_PKG_KEEP=BYTES (the tests') sets it. */
static unsigned long long keep_max(void)
{
	const char *e = getenv("SPROUT_PKG_KEEP");
	return e && *e ? strtoull(e, NULL, 10) : 256ULL << 20;
}

/* Open and check package file path whole; when want_sha, it must have
 * those bytes (and want_size of them, unless that is 0). A file up to
 * IN_MEMORY_MAX is read into data once and checked there: the bytes
 * checked are the bytes installed. On success *pf is dropped
 * (pkgfile_drop) and the caller closes it and frees data. */
static int check_file(const char *path, const unsigned char *want_sha, unsigned long long want_size, struct pkgfile **pf,
		      struct buf *data, unsigned long long *keep)
{
	struct stat st;
	int r = -1;
	err_clear();
	/* One open for the size and the bytes. */
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size <= IN_MEMORY_MAX)
		r = fd_read(fd, data);
	if (fd >= 0)
		close(fd);
	if (!r) {
		r = pkgfile_open_mem(path, data->s, data->len, pf);
	} else {
		buf_free(data);
		r = pkgfile_open(path, pf);
	}
	if (!r) {
		r = pkgfile_check_keep(*pf, *keep);
		if (!r && (*pf)->payload)
			*keep -= (*pf)->size;
	}
	if (!r && want_sha && (memcmp((*pf)->sha256, want_sha, 32) || (want_size && (*pf)->file_size != want_size))) {
		char got[65], want[65];
		sha256_hex((*pf)->sha256, got);
		sha256_hex(want_sha, want);
		r = errf(-SPROUT_ERR_HASH, "%s: sha256 %s, but the index says %s: refused", path, got, want);
	}
	if (r) {
		pkgfile_close(*pf);
		*pf = NULL;
		buf_free(data);
		return r;
	}
	pkgfile_drop(*pf);
	return 0;
}

/* "VERB a b", the operands' base names with unprintable bytes as '?'. */
static char *what_of(const char *verb, char **args, size_t n)
{
	struct buf b = {0};
	buf_adds(&b, verb);
	for (size_t i = 0; i < n; i++) {
		const char *a = strrchr(args[i], '/');
		buf_addc(&b, ' ');
		for (const char *s = a ? a + 1 : args[i]; *s; s++)
			buf_addc(&b, (unsigned char)*s > 0x20 && (unsigned char)*s < 0x7f ? *s : '?');
	}
	return buf_take(&b);
}

/* Record in res the package m goes in (replacing what rt has of its name). */
static void note_add(struct pkgops_result *res, const struct pkgroot *rt, const struct pkg_meta *m, const char *by)
{
	int i = pkgdb_find(&rt->db, m->name);
	struct pkgops_item *it;
	res->add = xrealloc(res->add, (res->nadd + 1) * sizeof *res->add);
	it = &res->add[res->nadd++];
	memset(it, 0, sizeof *it);
	it->name = xstrdup(m->name);
	it->version = xstrdup(m->version);
	it->release = xstrdup(m->release);
	if (i >= 0) {
		it->old_version = xstrdup(rt->db.p[i]->meta.version);
		it->old_release = xstrdup(rt->db.p[i]->meta.release);
	}
	it->needed_by = by ? xstrdup(by) : NULL;
}

static int run_tx(struct pkgroot *rt, const struct pkgops_opts *o, const char *arch, struct pkgtx_add *adds,
		  size_t nadds, char **removes, size_t nremoves, const char *what, struct pkgops_result *res)
{
	struct pkgtx_opts to = {what, arch, o->allow_setuid, o->overwrite, o->nosync, o->nocache};
	size_t replaced = 0;
	for (size_t a = 0; a < nadds; a++)
		replaced += pkgdb_find(&rt->db, adds[a].pf->meta.name) >= 0;
	err_clear();
	int r = pkgtx_run(rt, adds, nadds, removes, nremoves, &to, &res->st);
	if (!r) {
		res->installed = nadds;
		res->removed = nremoves + replaced;
	}
	return r;
}

/* What an install gathers: the candidates (package files named first,
 * then every repository's), what the solver picked, and the checked
 * package files to add. */
struct inst {
	struct pkgrepo *repos;
	size_t nrepos;
	const struct pkg_meta **cand;
	unsigned char (*sha)[32];
	size_t ncand, first_repo;
	struct pkgfile **locals;        /* per operand: its package file, when it names one */
	struct buf *ldata;
	char **req;
	struct pkgsolve_pick *picks;
	size_t npicks;
	struct pkgtx_add *adds;
	struct buf *adata;
	int *adds_local;                /* adds[k].file is an operand (not to be freed) */
	size_t nadds;
	unsigned long long keep;        /* unpacked bytes that may still be kept (keep_max) */
};

/* The operands that are package files: checked whole and made candidates;
 * the others are requests by name. */
static int take_files(struct inst *in, const struct pkgops_opts *o, char **args, size_t nargs)
{
	for (size_t i = 0; i < nargs; i++) {
		if (!is_file_arg(args[i])) {
			in->req[i] = xstrdup(args[i]);
			continue;
		}
		int r = check_file(args[i], NULL, 0, &in->locals[i], &in->ldata[i], &in->keep);
		if (r)
			return r;
		int known = 0;
		for (size_t k = 0; k < in->nrepos && !known; k++)
			for (size_t e = 0; e < in->repos[k].n && !known; e++)
				known = in->repos[k].trusted && !memcmp(in->repos[k].e[e].sha256, in->locals[i]->sha256, 32);
		if (!known && !o->allow_untrusted)
			return errf(-SPROUT_ERR_HASH, "%s is in no signed repository's index; --allow-untrusted installs it",
				    args[i]);
		in->req[i] = xasprintf("#%zu", in->ncand);
		memcpy(in->sha[in->ncand], in->locals[i]->sha256, 32);
		in->cand[in->ncand++] = &in->locals[i]->meta;
	}
	return 0;
}

/* The package file of pick k, checked whole (against its index when it
 * comes from a repository), into in->adds. */
static int take_pick(struct inst *in, char **args, size_t nargs, size_t k)
{
	size_t ci = in->picks[k].cand;
	if (ci < in->first_repo) {
		for (size_t i = 0; i < nargs; i++)
			if (in->locals[i] && &in->locals[i]->meta == in->cand[ci]) {
				struct pkgtx_add *a = &in->adds[in->nadds];
				a->file = args[i];
				a->data = in->ldata[i].s;
				a->len = in->ldata[i].len;
				a->pf = in->locals[i];
				in->adds_local[in->nadds++] = 1;
				in->locals[i] = NULL;
			}
		return 0;
	}
	size_t off = ci - in->first_repo, rk = 0;
	while (off >= in->repos[rk].n)
		off -= in->repos[rk++].n;
	const struct pkgrepo_entry *e = &in->repos[rk].e[off];
	char *path = pkgrepo_path(&in->repos[rk], e);
	struct pkgfile *pf = NULL;
	struct buf *data = &in->adata[in->nadds];
	int r = check_file(path, e->sha256, e->size, &pf, data, &in->keep);
	if (!r && (pf->meta_len != e->meta_len || memcmp(pf->meta_text, e->meta_text, e->meta_len))) {
		r = errf(-SPROUT_ERR_HASH, "%s: its metadata differs from the index's", path);
		pkgfile_close(pf);
		buf_free(data);
	}
	if (r) {
		free(path);
		return r;
	}
	struct pkgtx_add *a = &in->adds[in->nadds++];
	a->file = path;
	a->data = data->s;
	a->len = data->len;
	a->pf = pf;
	return 0;
}

/* An installed package is never replaced by an older one unasked: an old
 * index (or package) served again must not take a root back. */
static int no_downgrade(const struct pkgroot *rt, const struct inst *in)
{
	for (size_t k = 0; k < in->npicks; k++) {
		const struct pkg_meta *m = in->cand[in->picks[k].cand];
		int i = pkgdb_find(&rt->db, m->name);
		if (i < 0)
			continue;
		const struct pkg_meta *old = &rt->db.p[i]->meta;
		if (pkg_evrcmp(m->version, m->release, old->version, old->release) < 0)
			return errf(-EPERM, "%s %s-%s is installed; %s-%s is older: not downgraded (--allow-downgrade "
				    "does it)", m->name, old->version, old->release, m->version, m->release);
	}
	return 0;
}

static void inst_free(struct inst *in, size_t nargs)
{
	for (size_t a = 0; a < in->nadds; a++) {
		if (!in->adds_local[a])
			free((char *)in->adds[a].file);
		pkgfile_close(in->adds[a].pf);
	}
	for (size_t i = 0; in->locals && i < nargs; i++) {
		pkgfile_close(in->locals[i]);
		buf_free(&in->ldata[i]);
	}
	for (size_t a = 0; in->adata && a < in->npicks; a++)
		buf_free(&in->adata[a]);
	for (size_t i = 0; in->req && i < nargs; i++)
		free(in->req[i]);
	free(in->ldata);
	free(in->adata);
	free(in->adds_local);
	free(in->req);
	free(in->locals);
	free(in->adds);
	free(in->picks);
	free(in->cand);
	free(in->sha);
	free_repos(in->repos, in->nrepos);
}

/* The installed packages (those named, or all) that a repository offers
 * a newer version-release of, as requests into *out. */
static void upgrades(const struct pkgroot *rt, const struct inst *in, const char *arch, char **names, size_t n,
		     struct strv *out)
{
	for (size_t i = 0; i < rt->db.n; i++) {
		const struct pkg_meta *m = &rt->db.p[i]->meta;
		int want = !n, newer = 0;
		for (size_t k = 0; k < n; k++)
			want |= !strcmp(names[k], m->name);
		for (size_t c = in->first_repo; want && c < in->ncand && !newer; c++) {
			const struct pkg_meta *cm = in->cand[c];
			newer = !strcmp(cm->name, m->name) && (!strcmp(cm->arch, arch) || !strcmp(cm->arch, "any")) &&
				pkg_evrcmp(cm->version, cm->release, m->version, m->release) > 0;
		}
		if (newer)
			strv_add(out, m->name);
	}
}

enum { INSTALL, UPGRADE };

static int install(struct pkgroot *rt, const struct pkgops_opts *o, char **args, size_t nargs, int mode,
		   struct pkgops_result *res)
{
	struct inst in;
	struct strv up = {0};
	const char *arch;
	char *what = NULL;
	memset(&in, 0, sizeof in);
	in.keep = keep_max();
	memset(res, 0, sizeof *res);
	int r = -SPROUT_ERR_USAGE;
	if (!nargs && mode == INSTALL) {
		r = errf(-SPROUT_ERR_USAGE, "expected NAME... or FILE...");
		goto out;
	}
	for (size_t k = 0; mode == UPGRADE && k < nargs; k++)
		if (pkgdb_find(&rt->db, args[k]) < 0) {
			r = errf(-SPROUT_ERR_NOTFOUND, "%s is not installed in %s", args[k], rt->path);
			goto out;
		}
	if ((r = pkgops_root_arch(rt, o->arch, &arch)) || (r = load_repos(rt, o, &in.repos, &in.nrepos, &res->notes, 0)))
		goto out;
	if (mode == UPGRADE) {
		/* The candidates are the repositories' only: find what is newer. */
		size_t total = 0;
		for (size_t i = 0; i < in.nrepos; i++)
			total += in.repos[i].n;
		in.cand = xcalloc(total + 1, sizeof *in.cand);
		for (size_t k = 0; k < in.nrepos; k++)
			for (size_t e = 0; e < in.repos[k].n; e++)
				in.cand[in.ncand++] = &in.repos[k].e[e].meta;
		upgrades(rt, &in, arch, args, nargs, &up);
		free(in.cand);
		in.cand = NULL;
		in.ncand = 0;
		if (!up.n) {
			res->nothing = 1;
			goto out;
		}
		args = up.v;
		nargs = up.n;
	}
	size_t total = nargs;
	for (size_t i = 0; i < in.nrepos; i++)
		total += in.repos[i].n;
	in.cand = xcalloc(total + 1, sizeof *in.cand);
	in.sha = xcalloc(total + 1, sizeof *in.sha);
	in.locals = xcalloc(nargs + 1, sizeof *in.locals);
	in.ldata = xcalloc(nargs + 1, sizeof *in.ldata);
	in.req = xcalloc(nargs + 1, sizeof *in.req);
	if ((r = take_files(&in, o, args, nargs)))
		goto out;
	in.first_repo = in.ncand;
	for (size_t k = 0; k < in.nrepos; k++)
		for (size_t e = 0; e < in.repos[k].n; e++) {
			memcpy(in.sha[in.ncand], in.repos[k].e[e].sha256, 32);
			in.cand[in.ncand++] = &in.repos[k].e[e].meta;
		}
	err_clear();
	r = pkgsolve_install(&rt->db, arch, in.cand, (const unsigned char(*)[32])in.sha, in.ncand, in.req, nargs,
			     o->reinstall ? PKGSOLVE_REINSTALL : 0, &in.picks, &in.npicks);
	if (r)
		goto out;
	if (!in.npicks) {
		res->nothing = 1;
		goto out;
	}
	if (!o->allow_downgrade && (r = no_downgrade(rt, &in)))
		goto out;
	in.adds = xcalloc(in.npicks, sizeof *in.adds);
	in.adata = xcalloc(in.npicks, sizeof *in.adata);
	in.adds_local = xcalloc(in.npicks, sizeof *in.adds_local);
	for (size_t k = 0; k < in.npicks; k++)
		if ((r = take_pick(&in, args, nargs, k)))
			goto out;
	for (size_t k = 0; k < in.npicks; k++) {
		const struct pkgsolve_pick *pk = &in.picks[k];
		note_add(res, rt, in.cand[pk->cand], pk->requested ? NULL : in.cand[in.picks[pk->by].cand]->name);
	}
	what = what_of(mode == UPGRADE ? "upgrade" : "install", args, nargs);
	r = run_tx(rt, o, arch, in.adds, in.nadds, NULL, 0, what, res);
out:
	inst_free(&in, nargs);
	strv_free(&up);
	free(what);
	return r;
}

int pkgops_install(struct pkgroot *rt, const struct pkgops_opts *o, char **args, size_t nargs,
		   struct pkgops_result *res)
{
	return install(rt, o, args, nargs, INSTALL, res);
}

int pkgops_upgrade(struct pkgroot *rt, const struct pkgops_opts *o, char **names, size_t n, struct pkgops_result *res)
{
	return install(rt, o, names, n, UPGRADE, res);
}

int pkgops_remove(struct pkgroot *rt, const struct pkgops_opts *o, char **names, size_t n, struct pkgops_result *res)
{
	memset(res, 0, sizeof *res);
	if (!n)
		return errf(-SPROUT_ERR_USAGE, "expected NAME...");
	err_clear();
	int r = pkgsolve_remove(&rt->db, names, n);
	if (r)
		return r;
	char *what = what_of("remove", names, n);
	r = run_tx(rt, o, rt->db.arch, NULL, 0, names, n, what, res);
	free(what);
	return r;
}

/* The package file of change t (kept in the root's cache, or in one of
 * repos), checked whole, into *add. */
static int known_file(struct pkgroot *rt, const struct pkgdb_change *t, struct pkgrepo *repos, size_t nrepos,
		      struct pkgtx_add *add, struct buf *data, unsigned long long *keep)
{
	char *path = pkgtx_cache_path(rt, t->sha256);
	struct stat st;
	for (size_t rk = 0; rk < nrepos && stat(path, &st) != 0; rk++)
		for (size_t e = 0; e < repos[rk].n; e++)
			if (!memcmp(repos[rk].e[e].sha256, t->sha256, 32)) {
				free(path);
				path = pkgrepo_path(&repos[rk], &repos[rk].e[e]);
				break;
			}
	struct pkgfile *pf = NULL;
	int r = check_file(path, t->sha256, 0, &pf, data, keep);
	if (r && !path_exists(path))
		r = errf(-SPROUT_ERR_NOTFOUND, "%s %s-%s is neither in %s/var/cache/sprout/packages nor in a --repo", t->name,
			 t->version, t->release, rt->path);
	if (r) {
		free(path);
		return r;
	}
	add->file = path;
	add->data = data->s;
	add->len = data->len;
	add->pf = pf;
	return 0;
}

int pkgops_rollback(struct pkgroot *rt, const struct pkgops_opts *o, unsigned long id, struct pkgops_result *res)
{
	struct pkgdb_change *target = NULL;
	size_t nt = 0, nrepos = 0, nadds = 0, nrem = 0;
	struct pkgrepo *repos = NULL;
	struct pkgtx_add *adds = NULL;
	struct buf *adata = NULL;
	char **rem = NULL;
	unsigned long long keep = keep_max();
	memset(res, 0, sizeof *res);
	err_clear();
	int r = pkgdb_state_at(&rt->db, id, &target, &nt);
	if (r)
		goto out;
	if (o->nrepos && (r = load_repos(rt, o, &repos, &nrepos, &res->notes, 1)))
		goto out;
	rem = xcalloc(rt->db.n + 1, sizeof *rem);
	adds = xcalloc(nt + 1, sizeof *adds);
	adata = xcalloc(nt + 1, sizeof *adata);
	for (size_t i = 0; i < rt->db.n; i++) {
		const struct pkgdb_pkg *p = rt->db.p[i];
		size_t k = 0;
		while (k < nt && strcmp(target[k].name, p->meta.name))
			k++;
		if (k == nt)
			rem[nrem++] = p->meta.name;
	}
	for (size_t k = 0; k < nt; k++) {
		int i = pkgdb_find(&rt->db, target[k].name);
		if (i >= 0 && !memcmp(rt->db.p[i]->sha256, target[k].sha256, 32))
			continue;
		if ((r = known_file(rt, &target[k], repos, nrepos, &adds[nadds], &adata[nadds], &keep)))
			goto out;
		nadds++;
	}
	if (!nadds && !nrem) {
		res->nothing = 1;
		goto out;
	}
	char what[64];
	snprintf(what, sizeof what, "rollback %lu", id);
	r = run_tx(rt, o, rt->db.arch, adds, nadds, rem, nrem, what, res);
out:
	for (size_t a = 0; a < nadds; a++) {
		free((char *)adds[a].file);
		pkgfile_close(adds[a].pf);
	}
	for (size_t a = 0; adata && a <= nt; a++)
		buf_free(&adata[a]);
	free(adata);
	free(adds);
	free(rem);
	pkgdb_changes_free(target, nt);
	free_repos(repos, nrepos);
	return r;
}

/* The installed packages (those named, or all) whose files pkg verify
 * finds different, into *out (indexes into rt->db). */
static int differing(struct pkgroot *rt, char **names, size_t n, size_t **out, size_t *nout)
{
	*out = xcalloc(rt->db.n + 1, sizeof **out);
	*nout = 0;
	for (size_t i = 0; i < n; i++)
		if (pkgdb_find(&rt->db, names[i]) < 0)
			return errf(-SPROUT_ERR_NOTFOUND, "%s is not installed in %s", names[i], rt->path);
	for (size_t i = 0; i < rt->db.n; i++) {
		char *name = rt->db.p[i]->meta.name;
		struct buf lines = {0};
		size_t problems = 0, entries = 0, want = !n;
		for (size_t k = 0; k < n; k++)
			want |= !strcmp(names[k], name);
		int r = want ? pkgroot_verify(rt, &name, 1, &lines, &problems, &entries) : 0;
		buf_free(&lines);
		if (r)
			return r;
		if (problems)
			(*out)[(*nout)++] = i;
	}
	return 0;
}

int pkgops_fix(struct pkgroot *rt, const struct pkgops_opts *o, char **names, size_t n, struct pkgops_result *res)
{
	struct pkgrepo *repos = NULL;
	struct pkgtx_add *adds = NULL;
	struct buf *adata = NULL;
	struct strv fixed = {0};
	size_t *bad = NULL, nbad = 0, nrepos = 0, nadds = 0;
	unsigned long long keep = keep_max();
	char *what = NULL;
	memset(res, 0, sizeof *res);
	err_clear();
	int r = differing(rt, names, n, &bad, &nbad);
	if (r)
		goto out;
	if (!nbad) {
		res->nothing = 1;
		goto out;
	}
	if (o->nrepos && (r = load_repos(rt, o, &repos, &nrepos, &res->notes, 1)))
		goto out;
	adds = xcalloc(nbad, sizeof *adds);
	adata = xcalloc(nbad, sizeof *adata);
	for (size_t k = 0; k < nbad; k++) {
		struct pkgdb_pkg *p = rt->db.p[bad[k]];
		struct pkgdb_change t = {'+', p->meta.name, p->meta.version, p->meta.release, {0}};
		memcpy(t.sha256, p->sha256, 32);
		if ((r = known_file(rt, &t, repos, nrepos, &adds[nadds], &adata[nadds], &keep)))
			goto out;
		nadds++;
		strv_add(&fixed, p->meta.name);
		note_add(res, rt, &p->meta, NULL);
	}
	what = what_of("fix", fixed.v, fixed.n);
	r = run_tx(rt, o, rt->db.arch, adds, nadds, NULL, 0, what, res);
out:
	for (size_t a = 0; a < nadds; a++) {
		free((char *)adds[a].file);
		pkgfile_close(adds[a].pf);
		buf_free(&adata[a]);
	}
	free(adds);
	free(adata);
	free(bad);
	free(what);
	strv_free(&fixed);
	free_repos(repos, nrepos);
	return r;
}
