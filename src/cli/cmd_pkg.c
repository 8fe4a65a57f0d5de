/* sprout pkg: binary packages, repositories, and the roots they are
 * installed into (docs/package.md). The root's verbs are here; making
 * packages and repositories is in cmd_pkgrepo.c. */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cli/cmd_pkg.h"
#include "core/err.h"
#include "pkg/pkgrepo.h"
#include "pkg/pkgsolve.h"
#include "pkg/pkgtx.h"
#include "core/sha256.h"

int cmd_pkg_fail(const struct pkgopts *o, int r)
{
	cmd_err("pkg %s: %s", o->verb, err_msg(r));
	return cmd_exit_for(r);
}

/* Print what opening the root finished or undid. */
static void notes(struct buf *b)
{
	for (char *l = b->len ? strtok(b->s, "\n") : NULL; l; l = strtok(NULL, "\n"))
		cmd_err("%s", l);
	b->len = 0;
}

int cmd_pkg_open_root(struct pkgopts *o, int create, struct pkgroot *rt)
{
	struct buf note = {0};
	if (!o->root) {
		cmd_err("pkg %s: --root DIR is required (--root / for this system)", o->verb);
		return CMD_EXIT_USAGE;
	}
	err_clear();
	int r = pkgroot_open(o->root, create, rt, &note);
	notes(&note);
	buf_free(&note);
	return r ? cmd_pkg_fail(o, r) : 0;
}

/* The root's arch: the one it records, which --arch must not contradict;
 * else --arch, else the host's. NULL after printing an error. */
static const char *root_arch(struct ctx *c, struct pkgopts *o, struct pkgroot *rt)
{
	if (rt->db.arch && c->arch && strcmp(rt->db.arch, c->arch)) {
		cmd_err("pkg %s: %s is a root for %s, not %s", o->verb, o->root, rt->db.arch, c->arch);
		return NULL;
	}
	return rt->db.arch ? rt->db.arch : c->arch ? c->arch : host_arch();
}

/* --repo DIR..., else the lines of ROOT/etc/sprout/repositories. */
static int load_repos(struct pkgopts *o, struct pkgrepo **out, size_t *n)
{
	struct strv dirs = {0};
	struct buf warn = {0};
	int rc = 0;
	for (size_t i = 0; i < o->repos.n; i++)
		strv_add(&dirs, o->repos.v[i]);
	if (!dirs.n) {
		char *cf = xasprintf("%s/etc/sprout/repositories", o->root);
		struct buf b = {0};
		if (!file_read(cf, &b))
			for (char *l = strtok(b.s, "\n"); l; l = strtok(NULL, "\n"))
				if (l[0] && l[0] != '#')
					strv_add(&dirs, l);
		buf_free(&b);
		free(cf);
	}
	char *keys = o->keys ? xstrdup(o->keys) : xasprintf("%s/etc/sprout/keys", o->root);
	*out = xcalloc(dirs.n + 1, sizeof **out);
	*n = 0;
	for (size_t i = 0; i < dirs.n && !rc; i++) {
		err_clear();
		int r = pkgrepo_load(dirs.v[i], keys, o->allow_untrusted, &(*out)[*n], &warn);
		if (r)
			rc = cmd_pkg_fail(o, r);
		else
			++*n;
	}
	notes(&warn);
	buf_free(&warn);
	free(keys);
	strv_free(&dirs);
	return rc;
}

static void free_repos(struct pkgrepo *r, size_t n)
{
	for (size_t i = 0; i < n; i++)
		pkgrepo_free(&r[i]);
	free(r);
}

/* A package file named on the command line rather than a package name. */
static int is_file_arg(const char *a)
{
	struct stat st;
	size_t l = strlen(a);
	return (strchr(a, '/') || (l > 4 && !strcmp(a + l - 4, ".spk"))) && stat(a, &st) == 0 && S_ISREG(st.st_mode);
}

enum { IN_MEMORY_MAX = 16 << 20 };

/* Open and check package file path whole; when want_sha, it must have
 * those bytes (and want_size of them, unless that is 0). A file up to
 * IN_MEMORY_MAX is read into data once and checked there: the bytes
 * checked are the bytes installed. The caller drops or closes *pf and
 * frees data after. */
static int check_file(const char *path, const unsigned char *want_sha, unsigned long long want_size, struct pkgfile **pf,
		      struct buf *data)
{
	struct stat st;
	int r;
	if (stat(path, &st) == 0 && st.st_size <= IN_MEMORY_MAX && !(r = file_read(path, data)))
		r = pkgfile_open_mem(path, data->s, data->len, pf);
	else
		r = pkgfile_open(path, pf);
	if (!r)
		r = pkgfile_check(*pf);
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
	}
	return r;
}

/* Make the package file at path, which check_file gave r for, *add, with
 * its bytes in data; on failure free path and print r. 0 or an exit status. */
static int add_checked(const struct pkgopts *o, int r, char *path, struct pkgfile *pf, const struct buf *data,
		       struct pkgtx_add *add)
{
	if (r) {
		free(path);
		pkgfile_close(pf);
		return cmd_pkg_fail(o, r);
	}
	pkgfile_drop(pf);
	add->file = path;
	add->data = data->s;
	add->len = data->len;
	add->pf = pf;
	return 0;
}

static void print_stats(const struct pkgtx_stats *st, size_t in, size_t out)
{
	printf("transaction %lu: %zu installed, %zu removed; %zu files written, %zu removed\n", st->id, in, out,
	       st->written, st->deleted);
}

static int run_tx(struct pkgopts *o, struct pkgroot *rt, const char *arch, struct pkgtx_add *adds, size_t nadds,
		  char **removes, size_t nremoves, const char *what)
{
	struct pkgtx_opts to = {what, arch, o->allow_setuid, o->overwrite, o->nosync, o->nocache};
	struct pkgtx_stats st;
	size_t replaced = 0;
	for (size_t a = 0; a < nadds; a++)
		replaced += pkgdb_find(&rt->db, adds[a].pf->meta.name) >= 0;
	err_clear();
	int r = pkgtx_run(rt, adds, nadds, removes, nremoves, &to, &st);
	if (r)
		return cmd_pkg_fail(o, r);
	print_stats(&st, nadds, nremoves + replaced);
	return CMD_EXIT_OK;
}

static char *what_of(const char *verb, struct strv *args)
{
	struct buf b = {0};
	buf_adds(&b, verb);
	for (size_t i = 0; i < args->n; i++) {
		const char *a = strrchr(args->v[i], '/');
		buf_addc(&b, ' ');
		for (const char *s = a ? a + 1 : args->v[i]; *s; s++)
			buf_addc(&b, (unsigned char)*s > 0x20 && (unsigned char)*s < 0x7f ? *s : '?');
	}
	return buf_take(&b);
}

static int pkg_install(struct ctx *c, struct pkgopts *o)
{
	struct pkgroot rt;
	struct pkgrepo *repos = NULL;
	size_t nrepos = 0, ncand = 0, npicks = 0, nadds = 0;
	const struct pkg_meta **cand = NULL;
	unsigned char (*sha)[32] = NULL;
	struct pkgfile **locals = NULL;
	struct buf *ldata = NULL, *adata = NULL;
	struct pkgsolve_pick *picks = NULL;
	struct pkgtx_add *adds = NULL;
	char **req = NULL, *what = NULL;
	int rc;
	if (!o->args.n) {
		cmd_err("pkg install: expected NAME... or FILE...");
		return CMD_EXIT_USAGE;
	}
	rc = cmd_pkg_open_root(o, 1, &rt);
	if (rc)
		return rc;
	const char *arch = root_arch(c, o, &rt);
	if (!arch) {
		rc = CMD_EXIT_USAGE;
		goto out;
	}
	rc = load_repos(o, &repos, &nrepos);
	if (rc)
		goto out;
	/* Candidates: the package files named, then every repository's. */
	size_t total = o->args.n;
	for (size_t i = 0; i < nrepos; i++)
		total += repos[i].n;
	cand = xcalloc(total + 1, sizeof *cand);
	sha = xcalloc(total + 1, sizeof *sha);
	locals = xcalloc(o->args.n + 1, sizeof *locals);
	ldata = xcalloc(o->args.n + 1, sizeof *ldata);
	req = xcalloc(o->args.n + 1, sizeof *req);
	for (size_t i = 0; i < o->args.n; i++) {
		if (!is_file_arg(o->args.v[i])) {
			req[i] = xstrdup(o->args.v[i]);
			continue;
		}
		err_clear();
		int r = check_file(o->args.v[i], NULL, 0, &locals[i], &ldata[i]);
		if (r) {
			rc = cmd_pkg_fail(o, r);
			goto out;
		}
		pkgfile_drop(locals[i]);
		int known = 0;
		for (size_t k = 0; k < nrepos && !known; k++)
			for (size_t e = 0; e < repos[k].n && !known; e++)
				known = repos[k].trusted && !memcmp(repos[k].e[e].sha256, locals[i]->sha256, 32);
		if (!known && !o->allow_untrusted) {
			cmd_err("pkg install: %s is in no signed repository's index; --allow-untrusted installs it",
				o->args.v[i]);
			rc = CMD_EXIT_FETCH;
			goto out;
		}
		req[i] = xasprintf("#%zu", ncand);
		memcpy(sha[ncand], locals[i]->sha256, 32);
		cand[ncand++] = &locals[i]->meta;
	}
	size_t first_repo = ncand;
	for (size_t k = 0; k < nrepos; k++)
		for (size_t e = 0; e < repos[k].n; e++) {
			memcpy(sha[ncand], repos[k].e[e].sha256, 32);
			cand[ncand++] = &repos[k].e[e].meta;
		}
	err_clear();
	int r = pkgsolve_install(&rt.db, arch, cand, (const unsigned char(*)[32])sha, ncand, req, o->args.n, &picks,
				 &npicks);
	if (r) {
		rc = cmd_pkg_fail(o, r);
		goto out;
	}
	if (!npicks) {
		printf("nothing to do: installed already\n");
		goto out;
	}
	/* Each package from a repository is checked whole against its index. */
	adds = xcalloc(npicks, sizeof *adds);
	adata = xcalloc(npicks, sizeof *adata);
	printf("install:");
	for (size_t k = 0; k < npicks; k++) {
		const struct pkg_meta *m = cand[picks[k].cand];
		printf("%s %s %s-%s", k ? "," : "", m->name, m->version, m->release);
		if (!picks[k].requested)
			printf(" (for %s)", cand[picks[picks[k].by].cand]->name);
	}
	printf("\n");
	for (size_t k = 0; k < npicks; k++) {
		size_t ci = picks[k].cand;
		if (ci < first_repo) {
			for (size_t i = 0; i < o->args.n; i++)
				if (locals[i] && &locals[i]->meta == cand[ci]) {
					adds[nadds].file = o->args.v[i];
					adds[nadds].data = ldata[i].s;
					adds[nadds].len = ldata[i].len;
					adds[nadds++].pf = locals[i];
					locals[i] = NULL;
				}
			continue;
		}
		size_t off = ci - first_repo, rk = 0;
		while (off >= repos[rk].n)
			off -= repos[rk++].n;
		const struct pkgrepo_entry *e = &repos[rk].e[off];
		char *path = pkgrepo_path(&repos[rk], e);
		struct pkgfile *pf = NULL;
		err_clear();
		r = check_file(path, e->sha256, e->size, &pf, &adata[nadds]);
		if (!r && (pf->meta_len != e->meta_len || memcmp(pf->meta_text, e->meta_text, e->meta_len)))
			r = errf(-SPROUT_ERR_HASH, "%s: its metadata differs from the index's", path);
		rc = add_checked(o, r, path, pf, &adata[nadds], &adds[nadds]);
		if (rc)
			goto out;
		nadds++;
	}
	what = what_of("install", &o->args);
	rc = run_tx(o, &rt, arch, adds, nadds, NULL, 0, what);
out:
	for (size_t a = 0; a < nadds; a++) {
		int local = 0;
		for (size_t i = 0; i < o->args.n; i++)
			local |= adds[a].file == o->args.v[i];
		if (!local)
			free((char *)adds[a].file);
		pkgfile_close(adds[a].pf);
	}
	for (size_t i = 0; locals && i < o->args.n; i++) {
		pkgfile_close(locals[i]);
		buf_free(&ldata[i]);
	}
	for (size_t a = 0; adata && a < npicks; a++)
		buf_free(&adata[a]);
	free(ldata);
	free(adata);
	for (size_t i = 0; req && i < o->args.n; i++)
		free(req[i]);
	free(req);
	free(locals);
	free(adds);
	free(picks);
	free(cand);
	free(sha);
	free(what);
	free_repos(repos, nrepos);
	pkgroot_close(&rt);
	return rc;
}

static int pkg_remove(struct ctx *c, struct pkgopts *o)
{
	struct pkgroot rt;
	(void)c;
	if (!o->args.n) {
		cmd_err("pkg remove: expected NAME...");
		return CMD_EXIT_USAGE;
	}
	int rc = cmd_pkg_open_root(o, 0, &rt);
	if (rc)
		return rc;
	err_clear();
	int r = pkgsolve_remove(&rt.db, o->args.v, o->args.n);
	if (r) {
		rc = cmd_pkg_fail(o, r);
	} else {
		char *what = what_of("remove", &o->args);
		rc = run_tx(o, &rt, rt.db.arch, NULL, 0, o->args.v, o->args.n, what);
		free(what);
	}
	pkgroot_close(&rt);
	return rc;
}

static int pkg_rollback(struct ctx *c, struct pkgopts *o)
{
	struct pkgroot rt;
	struct pkgdb_change *target = NULL;
	size_t nt = 0, nrepos = 0, nadds = 0, nrem = 0;
	struct pkgrepo *repos = NULL;
	struct pkgtx_add *adds = NULL;
	struct buf *adata = NULL;
	char **rem = NULL, *end;
	(void)c;
	if (o->args.n != 1) {
		cmd_err("pkg rollback: expected N, a transaction number (see sprout pkg history)");
		return CMD_EXIT_USAGE;
	}
	unsigned long id = strtoul(o->args.v[0], &end, 10);
	if (*end || end == o->args.v[0]) {
		cmd_err("pkg rollback: expected a transaction number, got '%s'", o->args.v[0]);
		return CMD_EXIT_USAGE;
	}
	int rc = cmd_pkg_open_root(o, 0, &rt);
	if (rc)
		return rc;
	err_clear();
	int r = pkgdb_state_at(&rt.db, id, &target, &nt);
	if (r) {
		rc = cmd_pkg_fail(o, r);
		goto out;
	}
	if (o->repos.n && (rc = load_repos(o, &repos, &nrepos)))
		goto out;
	rem = xcalloc(rt.db.n + 1, sizeof *rem);
	adds = xcalloc(nt + 1, sizeof *adds);
	adata = xcalloc(nt + 1, sizeof *adata);
	for (size_t i = 0; i < rt.db.n; i++) {
		const struct pkgdb_pkg *p = rt.db.p[i];
		size_t k = 0;
		while (k < nt && strcmp(target[k].name, p->meta.name))
			k++;
		if (k == nt)
			rem[nrem++] = p->meta.name;
	}
	for (size_t k = 0; k < nt; k++) {
		int i = pkgdb_find(&rt.db, target[k].name);
		if (i >= 0 && !memcmp(rt.db.p[i]->sha256, target[k].sha256, 32))
			continue;
		/* The package file: kept in the root's cache, or in a repository. */
		char *path = pkgtx_cache_path(&rt, target[k].sha256);
		struct stat st;
		for (size_t rk = 0; rk < nrepos && stat(path, &st) != 0; rk++)
			for (size_t e = 0; e < repos[rk].n; e++)
				if (!memcmp(repos[rk].e[e].sha256, target[k].sha256, 32)) {
					free(path);
					path = pkgrepo_path(&repos[rk], &repos[rk].e[e]);
					break;
				}
		struct pkgfile *pf = NULL;
		err_clear();
		r = check_file(path, target[k].sha256, 0, &pf, &adata[nadds]);
		if (r && !path_exists(path))
			r = errf(-SPROUT_ERR_NOTFOUND, "%s %s-%s is neither in %s/var/cache/sprout/packages nor in a --repo",
				 target[k].name, target[k].version, target[k].release, o->root);
		rc = add_checked(o, r, path, pf, &adata[nadds], &adds[nadds]);
		if (rc)
			goto out;
		nadds++;
	}
	if (!nadds && !nrem) {
		printf("nothing to do: the root is as transaction %lu left it\n", id);
		goto out;
	}
	char what[64];
	snprintf(what, sizeof what, "rollback %lu", id);
	rc = run_tx(o, &rt, rt.db.arch, adds, nadds, rem, nrem, what);
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
	pkgroot_close(&rt);
	return rc;
}


struct verb {
	const char *name;
	int (*fn)(struct ctx *c, struct pkgopts *o);
	const char *opts;       /* the options it takes, each with a space on both sides */
};

static const struct verb verbs[] = {
	{"build", cmd_pkg_build, " -o --out --compress --no-step-key "},
	{"create", cmd_pkg_create,
	 " -o --out --compress --release --license --description --depends --provides --conflicts "},
	{"check", cmd_pkg_check, " "},
	{"index", cmd_pkg_index, " --key "},
	{"keygen", cmd_pkg_keygen, " "},
	{"sign", cmd_pkg_sign, " --key "},
	{"install", pkg_install,
	 " --root --repo --keys --allow-untrusted --allow-setuid --overwrite --no-sync --no-cache "},
	{"remove", pkg_remove, " --root --no-sync "},
	{"rollback", pkg_rollback,
	 " --root --repo --keys --allow-untrusted --allow-setuid --overwrite --no-sync --no-cache "},
	{"list", cmd_pkg_list, " --root "},
	{"info", cmd_pkg_info, " --root "},
	{"files", cmd_pkg_files, " --root "},
	{"owner", cmd_pkg_owner, " --root "},
	{"verify", cmd_pkg_verify, " --root "},
	{"history", cmd_pkg_history, " --root "},
};

static const char *const flags[] = {"--allow-untrusted", "--allow-setuid", "--overwrite", "--no-sync", "--no-cache",
	"--no-step-key", NULL};

/* Where option name's value goes. */
static const char **value_slot(struct pkgopts *o, const char *name, struct strv **multi)
{
	static const struct {
		const char *name;
		size_t off;
	} one[] = {
		{"--root", offsetof(struct pkgopts, root)}, {"--keys", offsetof(struct pkgopts, keys)},
		{"-o", offsetof(struct pkgopts, out)}, {"--out", offsetof(struct pkgopts, out)},
		{"--key", offsetof(struct pkgopts, key)}, {"--compress", offsetof(struct pkgopts, compress)},
		{"--release", offsetof(struct pkgopts, release)}, {"--license", offsetof(struct pkgopts, license)},
		{"--description", offsetof(struct pkgopts, description)},
	};
	*multi = !strcmp(name, "--repo") ? &o->repos : !strcmp(name, "--depends") ? &o->depends
		: !strcmp(name, "--provides") ? &o->provides : !strcmp(name, "--conflicts") ? &o->conflicts : NULL;
	for (size_t i = 0; i < sizeof one / sizeof *one; i++)
		if (!strcmp(one[i].name, name))
			return (const char **)((char *)o + one[i].off);
	return NULL;
}

static void usage_verbs(FILE *f)
{
	fprintf(f, "usage: sprout pkg VERB [options] [args]   (sprout help pkg)\nverbs:");
	for (size_t i = 0; i < sizeof verbs / sizeof *verbs; i++)
		fprintf(f, " %s", verbs[i].name);
	fprintf(f, "\n");
}

int cmd_pkg(struct ctx *c, int argc, char **argv)
{
	struct pkgopts o;
	const struct verb *v = NULL;
	int rc = CMD_EXIT_USAGE;
	memset(&o, 0, sizeof o);
	if (argc < 2) {
		usage_verbs(stderr);
		return CMD_EXIT_USAGE;
	}
	for (size_t i = 0; i < sizeof verbs / sizeof *verbs; i++)
		if (!strcmp(verbs[i].name, argv[1]))
			v = &verbs[i];
	if (!v) {
		cmd_err("pkg: unknown verb '%s'", argv[1]);
		usage_verbs(stderr);
		return CMD_EXIT_USAGE;
	}
	o.verb = v->name;
	int ended = 0;
	for (int i = 2; i < argc; i++) {
		const char *a = argv[i];
		if (ended || a[0] != '-' || !a[1]) {
			strv_add(&o.args, a);
			continue;
		}
		if (!strcmp(a, "--")) {
			ended = 1;
			continue;
		}
		char name[64];
		const char *eq = strchr(a, '='), *val = NULL;
		snprintf(name, sizeof name, " %.*s ", (int)(eq ? (size_t)(eq - a) : strlen(a)), a);
		if (!strstr(v->opts, name)) {
			cmd_err("pkg %s: unknown option '%s'", v->name, a);
			goto out;
		}
		name[strlen(name) - 1] = 0;
		int flag = 0;
		for (int k = 0; flags[k]; k++)
			if (!strcmp(name + 1, flags[k]))
				flag = k + 1;
		if (flag) {
			int *f[] = {&o.allow_untrusted, &o.allow_setuid, &o.overwrite, &o.nosync, &o.nocache,
				    &o.nostepkey};
			*f[flag - 1] = 1;
			continue;
		}
		if (eq)
			val = eq + 1;
		else if (i + 1 < argc)
			val = argv[++i];
		else {
			cmd_err("pkg %s: %s needs a value", v->name, a);
			goto out;
		}
		struct strv *multi;
		const char **slot = value_slot(&o, name + 1, &multi);
		if (multi)
			strv_add(multi, val);
		else
			*slot = val;
	}
	rc = v->fn(c, &o);
	{
		/* The test hook counts its crash points when told to crash at 0. */
		const char *crash = getenv("SPROUT_PKG_CRASH_AT");
		if (crash && !strcmp(crash, "0"))
			cmd_err("pkg %s: %d crash points", v->name, pkgtx_crash_points());
	}
out:
	strv_free(&o.args);
	strv_free(&o.repos);
	strv_free(&o.depends);
	strv_free(&o.provides);
	strv_free(&o.conflicts);
	return rc;
}
