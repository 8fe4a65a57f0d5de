/* The package library (pkg/pkgops.h) as stage 4 and the CLI use it:
 * install from a repository, install again (nothing to do), remove,
 * rollback; the results say what happened and nothing is printed. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "build/pkgbuild.h"
#include "core/err.h"
#include "core/sign.h"
#include "core/util.h"
#include "pkg/pkgops.h"
#include "pkg/pkgrepo.h"
#include "tap.h"
#include "tfile.h"

static char base[64];

/* The package NAME-VERSION-1 of a tree with one file, into repo. */
static int make_pkg(const char *repo, const char *name, const char *version, const char *dep)
{
	char *tree = xasprintf("%s/tree-%s-%s", base, name, version), *rel = xasprintf("usr/share/%s", name);
	char *out = xasprintf("%s/%s-%s.spk", repo, name, version);
	struct pkg_meta m;
	tfile_puts(tree, rel, version);
	memset(&m, 0, sizeof m);
	m.name = xstrdup(name);
	m.version = xstrdup(version);
	m.release = xstrdup("1");
	m.arch = xstrdup("x86_64");
	m.license = xstrdup("MIT");
	if (dep) {
		m.depends = xcalloc(1, sizeof *m.depends);
		m.ndepends = 1;
		pkg_dep_parse(dep, strlen(dep), &m.depends[0]);
	}
	int r = pkgbuild_tree(tree, &m, PKG_COMP_NONE, out);
	pkg_meta_free(&m);
	free(tree);
	free(rel);
	free(out);
	return r;
}

/* stderr goes to a file while the library runs; whether it stayed empty. */
static int quiet_fd = -1, saved_err = -1;
static void hush(void)
{
	char *p = xasprintf("%s/stderr", base);
	fflush(stderr);
	saved_err = dup(2);
	quiet_fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	dup2(quiet_fd, 2);
	free(p);
}
static int unhush(void)
{
	struct stat st;
	fflush(stderr);
	dup2(saved_err, 2);
	close(saved_err);
	fstat(quiet_fd, &st);
	close(quiet_fd);
	return st.st_size == 0;
}

int main(void)
{
	struct pkgroot rt;
	struct pkgops_opts po;
	struct pkgops_result res;
	struct buf note = {0};
	size_t n = 0;
	tap_tmpdir(base, sizeof base, "pkgops");
	char *repo = xasprintf("%s/repo", base), *root = xasprintf("%s/root", base);
	mkdir_p(repo, 0755);
	ok(make_pkg(repo, "lib", "1.0", NULL) == 0 && make_pkg(repo, "app", "2.0", "lib>=1.0") == 0, "packages written");
	ok(pkgrepo_index(repo, NULL, &n, NULL) == 0 && n == 2, "indexed");
	memset(&po, 0, sizeof po);
	po.repos = &repo;
	po.nrepos = 1;
	po.arch = "x86_64";
	po.nosync = 1;
	char *app[] = {"app"};
	hush();
	int r = pkgroot_open(root, 1, &rt, &note);
	int ri = r ? r : pkgops_install(&rt, &po, app, 1, &res);
	int quiet = unhush();
	ok(r == 0, "root opened");
	ok(ri == (sign_available() ? -SPROUT_ERR_HASH : -ENOTSUP), "an unsigned index is refused without allow_untrusted (%s)",
	   err_msg(ri));
	pkgops_result_free(&res);
	po.allow_untrusted = 1;
	hush();
	ri = pkgops_install(&rt, &po, app, 1, &res);
	quiet &= unhush();
	ok(ri == 0, "install (%s)", err_msg(ri));
	ok(res.nadd == 2 && !strcmp(res.add[0].name, "app") && !res.add[0].needed_by && !strcmp(res.add[1].name, "lib") &&
		   res.add[1].needed_by && !strcmp(res.add[1].needed_by, "app"),
	   "  ... says what went in, and why");
	ok(res.installed == 2 && res.removed == 0 && res.st.id == 1 && res.notes.len > 0,
	   "  ... transaction 1, 2 installed; the unchecked signature noted");
	char *f = xasprintf("%s/usr/share/lib", root);
	ok(path_exists(f), "  ... the files are there");
	pkgops_result_free(&res);
	ok(pkgops_install(&rt, &po, app, 1, &res) == 0 && res.nothing, "installing again: nothing to do");
	pkgops_result_free(&res);
	char *lib[] = {"lib"};
	ok(pkgops_remove(&rt, &po, lib, 1, &res) == -EEXIST, "lib is needed by app: not removed");
	pkgops_result_free(&res);
	ok(pkgops_remove(&rt, &po, app, 1, &res) == 0 && res.removed == 1 && res.st.id == 2, "app removed");
	pkgops_result_free(&res);
	hush();
	ri = pkgops_rollback(&rt, &po, 1, &res);
	quiet &= unhush();
	ok(ri == 0 && res.installed == 1 && pkgdb_find(&rt.db, "app") >= 0, "rollback 1 brings app back");
	pkgops_result_free(&res);
	ok(quiet, "the library printed nothing");
	pkgroot_close(&rt);
	buf_free(&note);
	free(f);
	free(repo);
	free(root);
	rm_rf(base);
	return tap_done();
}
