/* sprout pkg list, info, files, owner, verify, history: what a root has. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cli/cmd_pkg.h"
#include "core/err.h"
#include "core/sha256.h"

int cmd_pkg_list(struct ctx *c, struct pkgopts *o)
{
	struct pkgroot rt;
	if (o->args.n) {
		cmd_err("pkg list: takes no NAME (see pkg info)");
		return CMD_EXIT_USAGE;
	}
	int rc = cmd_pkg_open_root(o, 0, &rt);
	if (rc)
		return rc;
	if (c->json)
		cmd_json_pkg_list(o->root, &rt.db);
	for (size_t i = 0; i < rt.db.n && !c->json; i++)
		printf("%s %s-%s\n", rt.db.p[i]->meta.name, rt.db.p[i]->meta.version, rt.db.p[i]->meta.release);
	pkgroot_close(&rt);
	return CMD_EXIT_OK;
}

static void print_deps(const char *key, const struct pkg_dep *d, size_t n)
{
	printf("%-13s", key);
	if (!n)
		printf("(none)");
	for (size_t i = 0; i < n; i++) {
		struct buf b = {0};
		pkg_dep_format(&d[i], &b);
		printf("%s%s", i ? ", " : "", b.s);
		buf_free(&b);
	}
	printf("\n");
}

static void print_info(const struct pkg_meta *m, const struct pkg_manifest *man, const unsigned char sha[32])
{
	size_t nf = 0, nd = 0, nl = 0;
	char hex[65];
	for (size_t i = 0; i < man->n; i++)
		nf += man->e[i].type == 'f', nd += man->e[i].type == 'd', nl += man->e[i].type == 'l';
	printf("%-13s%s\n%-13s%s-%s\n%-13s%s\n%-13s%s\n", "name", m->name, "version", m->version, m->release, "arch",
	       m->arch, "license", m->license);
	if (m->description)
		printf("%-13s%s\n", "description", m->description);
	print_deps("depends", m->depends, m->ndepends);
	print_deps("provides", m->provides, m->nprovides);
	print_deps("conflicts", m->conflicts, m->nconflicts);
	printf("%-13s%llu bytes in %zu file%s, %zu link%s, %zu director%s\n", "size", m->installed_size, nf,
	       nf == 1 ? "" : "s", nl, nl == 1 ? "" : "s", nd, nd == 1 ? "y" : "ies");
	if (m->step_key)
		printf("%-13s%s\n", "step-key", m->step_key);
	printf("%-13s%s\n", "build-digest", m->build_digest);
	sha256_hex(sha, hex);
	printf("%-13s%s\n", "sha256", hex);
}

/* The installed package named by the only operand, or an exit status. */
static int one_package(struct pkgopts *o, struct pkgroot *rt, const struct pkgdb_pkg **p)
{
	if (o->args.n != 1) {
		cmd_err("pkg %s: expected one NAME", o->verb);
		return CMD_EXIT_USAGE;
	}
	int rc = cmd_pkg_open_root(o, 0, rt);
	if (rc)
		return rc;
	int i = pkgdb_find(&rt->db, o->args.v[0]);
	if (i < 0) {
		cmd_err("pkg %s: %s is not installed in %s", o->verb, o->args.v[0], o->root);
		pkgroot_close(rt);
		return CMD_EXIT_FAIL;
	}
	*p = rt->db.p[i];
	return 0;
}

int cmd_pkg_info(struct ctx *c, struct pkgopts *o)
{
	struct pkgroot rt;
	const struct pkgdb_pkg *p;
	void (*show)(const struct pkg_meta *, const struct pkg_manifest *, const unsigned char *) =
		c->json ? cmd_json_pkg_info : print_info;
	struct stat st;
	if (o->args.n == 1 && !o->root && stat(o->args.v[0], &st) == 0 && S_ISREG(st.st_mode)) {
		/* A package file. */
		struct pkgfile *pf = NULL;
		err_clear();
		int r = pkgfile_open(o->args.v[0], &pf);
		if (!r)
			r = pkgfile_check(pf);
		if (r) {
			pkgfile_close(pf);
			return cmd_pkg_fail(o, r);
		}
		show(&pf->meta, &pf->man, pf->sha256);
		pkgfile_close(pf);
		return CMD_EXIT_OK;
	}
	int rc = one_package(o, &rt, &p);
	if (rc)
		return rc;
	show(&p->meta, &p->man, p->sha256);
	pkgroot_close(&rt);
	return CMD_EXIT_OK;
}

int cmd_pkg_files(struct ctx *c, struct pkgopts *o)
{
	struct pkgroot rt;
	const struct pkgdb_pkg *p;
	(void)c;
	int rc = one_package(o, &rt, &p);
	if (rc)
		return rc;
	for (size_t i = 0; i < p->man.n; i++) {
		const struct pkg_entry *e = &p->man.e[i];
		struct buf b = {0};
		pkg_escape(&b, e->path);
		if (e->type == 'd')
			buf_addc(&b, '/');
		if (e->type == 'l') {
			buf_adds(&b, " -> ");
			pkg_escape(&b, e->target);
		}
		printf("%s\n", b.s);
		buf_free(&b);
	}
	pkgroot_close(&rt);
	return CMD_EXIT_OK;
}

static int entry_cmp(const void *key, const void *el)
{
	return strcmp(key, ((const struct pkg_entry *)el)->path);
}

int cmd_pkg_owner(struct ctx *c, struct pkgopts *o)
{
	struct pkgroot rt;
	(void)c;
	if (o->args.n != 1) {
		cmd_err("pkg owner: expected one PATH");
		return CMD_EXIT_USAGE;
	}
	int rc = cmd_pkg_open_root(o, 0, &rt);
	if (rc)
		return rc;
	const char *path = o->args.v[0];
	size_t rl = strlen(o->root);
	while (rl > 1 && o->root[rl - 1] == '/')
		rl--;
	if (rl > 1 && !strncmp(path, o->root, rl) && path[rl] == '/')
		path += rl;     /* the root's own path in front */
	while (*path == '/' || (path[0] == '.' && path[1] == '/'))
		path += *path == '/' ? 1 : 2;
	char *clean = xstrdup(path);
	size_t cl = strlen(clean);
	while (cl > 0 && clean[cl - 1] == '/')
		clean[--cl] = 0;
	int found = 0;
	for (size_t i = 0; i < rt.db.n; i++) {
		const struct pkgdb_pkg *p = rt.db.p[i];
		if (bsearch(clean, p->man.e, p->man.n, sizeof *p->man.e, entry_cmp)) {
			printf("/%s: %s %s-%s\n", clean, p->meta.name, p->meta.version, p->meta.release);
			found = 1;
		}
	}
	if (!found) {
		cmd_err("pkg owner: no package has /%s", clean);
		rc = CMD_EXIT_FAIL;
	}
	free(clean);
	pkgroot_close(&rt);
	return rc;
}

int cmd_pkg_verify(struct ctx *c, struct pkgopts *o)
{
	struct pkgroot rt;
	struct buf out = {0};
	size_t problems, entries;
	(void)c;
	int rc = cmd_pkg_open_root(o, 0, &rt);
	if (rc)
		return rc;
	err_clear();
	int r = pkgroot_verify(&rt, o->args.v, o->args.n, &out, &problems, &entries);
	if (r) {
		rc = cmd_pkg_fail(o, r);
	} else {
		fputs(out.s ? out.s : "", stdout);
		size_t np = o->args.n ? o->args.n : rt.db.n;
		printf("%zu package%s, %zu entr%s: %s", np, np == 1 ? "" : "s", entries, entries == 1 ? "y" : "ies",
		       problems ? "" : "no difference\n");
		if (problems)
			printf("%zu difference%s\n", problems, problems == 1 ? "" : "s");
		rc = problems ? CMD_EXIT_FAIL : CMD_EXIT_OK;
	}
	buf_free(&out);
	pkgroot_close(&rt);
	return rc;
}

int cmd_pkg_history(struct ctx *c, struct pkgopts *o)
{
	struct pkgroot rt;
	int rc = cmd_pkg_open_root(o, 0, &rt);
	if (rc)
		return rc;
	if (c->json)
		cmd_json_pkg_history(o->root, &rt.db);
	for (size_t i = 0; i < rt.db.nt && !c->json; i++) {
		const struct pkgdb_txn *t = &rt.db.t[i];
		char when[32] = "?";
		time_t tt = (time_t)t->time;
		struct tm tm;
		if (gmtime_r(&tt, &tm))
			strftime(when, sizeof when, "%Y-%m-%d %H:%M:%SZ", &tm);
		printf("%lu  %s  %s\n", t->id, when, t->what);
		for (size_t k = 0; k < t->n; k++)
			printf("    %c %s %s-%s\n", t->c[k].op, t->c[k].name, t->c[k].version, t->c[k].release);
	}
	pkgroot_close(&rt);
	return CMD_EXIT_OK;
}
