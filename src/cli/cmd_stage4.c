/* sprout bootstrap --stage4: the rebootstrap from packages
 * (docs/bootstrap.md, "Stage 4").
 *
 * After the plan's bootstrap: package what its final rootfs is made of,
 * index and sign the packages, install a fresh root from them alone with
 * sprout's package manager, and inside that root (a sandbox; qemu-user for
 * a foreign arch) build sprout with the system's own tcc and let it run
 * the plan's stage-4 plan (PLAN-stage4, beside PLAN): the native stage
 * again, seeded from the installed packages, and its packages. Those must
 * be bit-identical to the packages the root was installed from. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cmd.h"
#include "core/err.h"
#include "build/pkgbuild.h"
#include "build/plan.h"
#include "pkg/pkgops.h"
#include "pkg/pkgrepo.h"
#include "sandbox/run.h"
#include "sandbox/sandbox.h"
#include "core/sha256.h"
#include "core/sign.h"
#include "core/util.h"

/* What the root runs: sprout built by the system's tcc, installed into the
 * system, then the stage-4 plan and its packages. */
static const char stage4_script[] =
	"export PATH=/usr/bin:/usr/sbin\n"
	"echo \"stage4: building sprout with $(command -v tcc)\"\n"
	"rm -rf /build/sprout /build/packages\n"
	"cp -a /usr/src/sprout /build/sprout\n"
	"cd /build/sprout\n"
	"make CC=tcc AR='tcc -ar' CFLAGS=-O2 >/build/make.log 2>&1 || { tail -n 25 /build/make.log; exit 1; }\n"
	"cp sprout /usr/bin/sprout\n"
	"sprout --version\n"
	"sprout --plain --state /build/state -j \"$JOBS\" --arch \"$ARCH\" $STAGE4_RUNNER build \"plans/$STAGE4_PLAN\"\n"
	"sprout --state /build/state --arch \"$ARCH\" pkg build \"plans/$STAGE4_PLAN\" --compress=none --no-step-key "
	"-o /build/packages\n";

/* The names of the packages the final rootfs is made of (pkg build's
 * default choice). */
static void final_packages(const struct plan *p, struct strv *names)
{
	const struct step *f = &p->steps[plan_step_index(p, p->final)];
	for (size_t k = 0; k < f->ndeps; k++)
		if (f->deps[k] != p->stages[f->stage].rootfs)
			strv_add(names, p->steps[f->deps[k]].recipe->name);
}

static void stage4_fail(int r)
{
	cmd_err("bootstrap --stage4: %s", err_msg(r));
}

static void build_note(void *ud, const char *step, const char *line)
{
	(void)ud;
	printf(strchr(line, ':') ? "%s: %s\n" : "%s: wrote %s\n", step, line);
}

/* Packages of the final rootfs's parts into pk1, and their index (signed
 * with the key at keyp when sign). 0 or an exit status. */
static int stage4_publish(struct ctx *c, const struct plan *p, const char *arch, const char *plan_arg,
			  const char *pk1, const char *keyp, int sign)
{
	struct pkgbuild_opts bo;
	char id[17];
	size_t n = 0;
	memset(&bo, 0, sizeof bo);
	bo.comp = PKG_COMP_NONE;
	bo.no_step_key = 1;
	bo.plan_ref = plan_arg;
	bo.note = build_note;
	err_clear();
	int r = pkgbuild_plan(c->statedir, p, arch, NULL, 0, pk1, &bo);
	if (r)
		goto fail;
	printf("packages of %s (%s) in %s\n", p->name, arch, pk1);
	/* A signed index (libsodium), with a key of the state directory's. */
	char *seckey = xasprintf("%s.key", keyp), *ip = path_join(pk1, "index");
	if (sign && !path_exists(seckey)) {
		char *kd = path_dirname(keyp);
		mkdir_p(kd, 0755);
		free(kd);
		if (!(r = sign_keygen(keyp, id)))
			printf("key %s: secret %s.key, public %s.pub\n", id, keyp, keyp);
	}
	if (!r && !(r = pkgrepo_index(pk1, NULL, &n, NULL)))
		printf("%s: %zu package%s\n", ip, n, n == 1 ? "" : "s");
	if (!r && sign && !(r = sign_file(ip, seckey, id)))
		printf("%s.sig: signed with key %s\n", ip, id);
	free(seckey);
	free(ip);
	if (!r)
		return 0;
fail:
	stage4_fail(r);
	return cmd_exit_for(r);
}

/* Install the packages names for arch from the repository pk1 into root, and
 * check what was installed. 0 or an exit status. */
static int stage4_install(const char *root, const char *pk1, const char *arch, const struct strv *names,
			  int sign)
{
	struct pkgroot rt;
	struct pkgops_opts po;
	struct pkgops_result res;
	struct buf out = {0}, note = {0};
	size_t problems = 0, entries = 0;
	char *repos[] = {(char *)pk1};
	memset(&po, 0, sizeof po);
	memset(&res, 0, sizeof res);
	po.repos = repos;
	po.nrepos = 1;
	po.allow_untrusted = !sign;
	po.arch = arch; /* the plan's: a fresh root has none yet, and the host's may differ */
	if (!sign)
		printf("stage4:     this sprout has no libsodium: installing with --allow-untrusted\n");
	err_clear();
	int r = pkgroot_open(root, 1, &rt, &note);
	if (r)
		goto out;
	r = pkgops_install(&rt, &po, names->v, names->n, &res);
	if (!r) {
		printf("install:");
		for (size_t k = 0; k < res.nadd; k++)
			printf("%s %s %s-%s", k ? "," : "", res.add[k].name, res.add[k].version, res.add[k].release);
		printf("\ntransaction %lu: %zu installed, %zu removed; %zu files written, %zu removed\n", res.st.id,
		       res.installed, res.removed, res.st.written, res.st.deleted);
		r = pkgroot_verify(&rt, NULL, 0, &out, &problems, &entries);
	}
	pkgroot_close(&rt);
	if (!r) {
		fputs(out.s ? out.s : "", stdout);
		printf("%zu packages, %zu entries: %s\n", names->n, entries, problems ? "DIFFERENT" : "no difference");
	}
out:
	if (r)
		stage4_fail(r);
	pkgops_result_free(&res);
	buf_free(&out);
	buf_free(&note);
	return r ? cmd_exit_for(r) : problems ? CMD_EXIT_FAIL : 0;
}

/* Copy what building and running sprout needs from the source tree top
 * into dst. */
static int copy_source(const char *top, const char *dst)
{
	static const char *const parts[] = {"src", "mk", "recipes", "plans", "Makefile"};
	int r = mkdir_p(dst, 0755);
	for (size_t i = 0; !r && i < sizeof parts / sizeof *parts; i++) {
		char *s = path_join(top, parts[i]), *d = path_join(dst, parts[i]);
		struct stat st;
		if (stat(s, &st) < 0)
			r = errf(-errno, "%s: %s", s, strerror(errno));
		else if (S_ISDIR(st.st_mode))
			r = tree_copy(s, d, 0);
		else
			r = file_copy(s, d);
		free(s);
		free(d);
	}
	return r;
}

/* Hard-link (or copy) every source of every recipe of p from the distfiles
 * store dd into dst. */
static int copy_distfiles(const struct plan *p, const char *dd, const char *dst)
{
	int r = mkdir_p(dst, 0755);
	for (size_t i = 0; !r && i < p->nsteps; i++) {
		const struct recipe *rc = p->steps[i].recipe;
		for (size_t k = 0; !r && k < rc->nsources; k++) {
			char *s = path_join(dd, rc->sources[k].file), *d = path_join(dst, rc->sources[k].file);
			if (!path_exists(d) && link(s, d) < 0)
				r = file_copy(s, d);
			free(s);
			free(d);
		}
	}
	return r;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The package files (*.spk) of dir, sorted. */
static void list_packages(const char *dir, struct strv *out)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	if (!d)
		return;
	while ((de = readdir(d))) {
		size_t n = strlen(de->d_name);
		if (n > 4 && !strcmp(de->d_name + n - 4, ".spk"))
			strv_add(out, de->d_name);
	}
	closedir(d);
	if (out->n)
		qsort(out->v, out->n, sizeof *out->v, cmp_names);
}

/* Compare the packages of a (the first) and b (the rebuilt), printing a
 * row for each; the number that are not identical. */
static int compare_packages(const char *a, const char *b)
{
	struct strv pa = {0}, pb = {0};
	int bad = 0;
	list_packages(a, &pa);
	list_packages(b, &pb);
	for (size_t i = 0; i < pa.n; i++) {
		char *fa = path_join(a, pa.v[i]), *fb = path_join(b, pa.v[i]);
		unsigned char da[32], db[32];
		char ha[65], hb[65];
		int ra = sha256_file(fa, da), rb = sha256_file(fb, db);
		if (!ra)
			sha256_hex(da, ha);
		if (!rb)
			sha256_hex(db, hb);
		if (ra || rb) {
			printf("            %-40s %s\n", pa.v[i], ra ? "unreadable" : "MISSING from the rebuild");
			bad++;
		} else if (memcmp(da, db, 32)) {
			printf("            %-40s DIFFERENT %.12s / %.12s\n", pa.v[i], ha, hb);
			bad++;
		} else {
			printf("            %-40s identical %.12s\n", pa.v[i], ha);
		}
		free(fa);
		free(fb);
	}
	for (size_t i = 0; i < pb.n; i++) {
		char *fa = path_join(a, pb.v[i]);
		if (!path_exists(fa)) {
			printf("            %-40s only in the rebuild\n", pb.v[i]);
			bad++;
		}
		free(fa);
	}
	if (!pa.n) {
		printf("            no packages in %s\n", a);
		bad++;
	}
	strv_free(&pa);
	strv_free(&pb);
	return bad;
}

/* Where sprout's own source tree is: the top of the tree the plan lives in
 * (PLAN's directory is TOP/plans/NAME). NULL when it is not there. */
static char *source_top(const struct plan *p)
{
	char *up = path_join(p->dir, "../.."), *top = realpath(up, NULL);
	free(up);
	if (!top)
		return NULL;
	char *m = path_join(top, "src/cli/main.c"), *mk = path_join(top, "Makefile");
	int ok = path_exists(m) && path_exists(mk);
	free(m);
	free(mk);
	if (!ok) {
		free(top);
		return NULL;
	}
	return top;
}

/* What the rebootstrap needs before anything is built: a final step, the
 * sandbox, sprout's source tree around the plan, and the plan PLAN-stage4
 * beside it (loaded into *p4 for arch when p4 is not NULL; *top gets the
 * source tree when top is not NULL). Prints what is missing; 0 or an exit
 * status. */
static int stage4_ready(struct ctx *c, const struct plan *p, const char *arch, char **top, struct plan **p4)
{
	if (!p->final || plan_step_index(p, p->final) < 0) {
		cmd_err("bootstrap --stage4: plan %s has no final step to package", p->name);
		return CMD_EXIT_USAGE;
	}
	if (!c->sandbox) {
		cmd_err("bootstrap --stage4: the rebootstrap runs in sprout's sandbox; not with --runner=plain");
		return CMD_EXIT_USAGE;
	}
	char *t = source_top(p);
	if (!t) {
		cmd_err("bootstrap --stage4: sprout's source tree is not around the plan (%s/../..): the rebootstrap "
			"builds sprout from it inside the new system; run it from a checkout",
			p->dir);
		return CMD_EXIT_USAGE;
	}
	char *s4path = xasprintf("%s/plans/%s-stage4/plan", t, p->name);
	struct plan *q = NULL;
	err_clear();
	int r = plan_load(s4path, arch, &q);
	free(s4path);
	if (r) {
		cmd_err("bootstrap --stage4: %s", err_msg(r));
		free(t);
		return cmd_exit_for(r);
	}
	if (p4)
		*p4 = q;
	else
		plan_free(q);
	if (top)
		*top = t;
	else
		free(t);
	return 0;
}

int cmd_stage4_check(struct ctx *c, const struct plan *p, const char *arch)
{
	return stage4_ready(c, p, arch, NULL, NULL);
}

int cmd_stage4(struct ctx *c, const struct plan *p, const char *arch, const char *plan_arg)
{
	int rc, r;
	struct plan *p4 = NULL;
	struct strv names = {0};
	char *top = NULL, *dd = NULL, *s4name = xasprintf("%s-stage4", p->name);
	char *dir = xasprintf("%s/stage4/%s-%s", c->statedir, p->name, arch);
	char *pk1 = path_join(dir, "packages"), *root = path_join(dir, "root"), *work = path_join(dir, "work");
	char *pk2 = path_join(work, "packages"), *log = path_join(dir, "stage4.log");
	char *keyp = xasprintf("%s/stage4/key", c->statedir);
	char *seckey = xasprintf("%s.key", keyp), *pubkey = xasprintf("%s.pub", keyp);
	double t0 = now_sec();

	if ((rc = stage4_ready(c, p, arch, &top, &p4)) != 0)
		goto out;
	rc = CMD_EXIT_FAIL;
	final_packages(p, &names);

	printf("\nstage 4:    the rebootstrap from packages (%s)\n", dir);
	/* 1. Packages of the final rootfs's parts, uncompressed (the sprout
	 *    inside has no libzstd) and without step keys (the rebuild's keys
	 *    name another seed; the content is what must match). */
	r = rm_rf(dir);
	if (!r)
		r = mkdir_p(dir, 0755);
	if (r) {
		cmd_err("bootstrap --stage4: %s: %s", dir, err_str(r));
		goto out;
	}
	/* 2. A signed index (libsodium), with a key of the state directory's. */
	int sign = sign_available();
	if ((rc = stage4_publish(c, p, arch, plan_arg, pk1, keyp, sign)) != 0)
		goto out;
	/* 3. A fresh root from those packages alone, trusting that key. */
	rc = CMD_EXIT_FAIL;
	char *keydir = path_join(root, "etc/sprout/keys");
	r = mkdir_p(keydir, 0755);
	if (!r && sign) {
		char *dst = path_join(keydir, "stage4.pub");
		r = file_copy(pubkey, dst);
		free(dst);
	}
	free(keydir);
	if (r) {
		cmd_err("bootstrap --stage4: %s: %s", root, err_msg(r));
		goto out;
	}
	if ((rc = stage4_install(root, pk1, arch, &names, sign)) != 0)
		goto out;
	rc = CMD_EXIT_FAIL;
	/* 4. sprout's source and the sources of the stage-4 plan. */
	char *srcdst = path_join(root, "usr/src/sprout"), *dist = path_join(work, "state/distfiles");
	dd = cmd_distdir(c);
	r = copy_source(top, srcdst);
	if (!r)
		r = copy_distfiles(p4, dd, dist);
	free(srcdst);
	free(dist);
	if (r) {
		cmd_err("bootstrap --stage4: preparing %s: %s", dir, err_msg(r));
		goto out;
	}
	/* 5. Inside the root. */
	char jobs[16], *envv[8];
	int ne = 0;
	snprintf(jobs, sizeof jobs, "%d", c->jobs > 0 ? c->jobs : 1);
	envv[ne++] = xasprintf("JOBS=%s", jobs);
	envv[ne++] = xasprintf("ARCH=%s", arch);
	envv[ne++] = xasprintf("STAGE4_PLAN=%s", s4name);
	/* Under qemu-user the sprout inside cannot make namespaces (qemu's
	 * own threads make the kernel refuse CLONE_NEWUSER and CLONE_NEWNS):
	 * its steps run as plain processes, inside this sandbox. */
	int plain = !sandbox_arch_native(arch);
	envv[ne++] = xasprintf("STAGE4_RUNNER=%s", plain ? "--runner=plain" : "");
	const char *sde = plan_setting(p, "SOURCE_DATE_EPOCH");
	envv[ne++] = xasprintf("SOURCE_DATE_EPOCH=%s", sde ? sde : "0");
	envv[ne] = NULL;
	struct run_spec spec;
	memset(&spec, 0, sizeof spec);
	spec.step = "stage4";
	spec.mode = RUN_NATIVE;
	spec.arch = arch;
	spec.rootfs = root;
	spec.rootfs_rw = 1;
	spec.nest = 1;
	spec.script = stage4_script;
	spec.builddir = work;
	spec.env = envv;
	spec.log = log;
	printf("stage4:     installed %zu packages into %s; building sprout and the native stage there (log: %s)\n",
	       names.n, root, log);
	if (plain)
		printf("stage4:     (under qemu-user, which cannot make namespaces: the steps inside run with "
		       "--runner=plain, in this sandbox)\n");
	fflush(stdout);
	err_clear();
	pid_t pid = sandbox_spawn(&spec);
	int st = pid < 0 ? -1 : cmd_wait_sandbox(pid, 0);
	for (int i = 0; i < ne; i++)
		free(envv[i]);
	if (pid < 0) {
		cmd_err("bootstrap --stage4: %s", err_msg(pid));
		rc = cmd_exit_for(pid);
		goto out;
	}
	if (st) {
		printf("stage4:     the rebuild inside failed (exit status %d); the end of %s:\n", st, log);
		cmd_print_tail(log, 25);
		printf("stage4:     look inside: %s sandbox-run --rootfs %s --rootfs-rw --nest -i\n",
		       c->argv0 ? c->argv0 : "sprout", root);
		rc = st == 130 ? CMD_EXIT_INTERRUPTED : CMD_EXIT_FAIL;
		goto out;
	}
	/* 6. The verdict. */
	printf("stage4:     rebuilt inside in %.1fs; the packages, first and rebuilt:\n", now_sec() - t0);
	int bad = compare_packages(pk1, pk2);
	if (bad)
		printf("stage4:     FAILED: %d package(s) differ (first: %s, rebuilt: %s)\n", bad, pk1, pk2);
	else
		printf("stage4:     ok: the system rebuilt its packages bit-identically\n");
	rc = bad ? CMD_EXIT_FAIL : CMD_EXIT_OK;
out:
	plan_free(p4);
	strv_free(&names);
	free(top);
	free(dd);
	free(s4name);
	free(dir);
	free(pk1);
	free(root);
	free(work);
	free(pk2);
	free(log);
	free(keyp);
	free(seckey);
	free(pubkey);
	return rc;
}
