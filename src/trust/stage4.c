/* sprout bootstrap --stage4's logic (trust/stage4.h, docs/bootstrap.md). */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "build/pkgbuild.h"
#include "core/err.h"
#include "core/sha256.h"
#include "core/sign.h"
#include "pkg/pkgrepo.h"
#include "sandbox/run.h"
#include "sandbox/sandbox.h"
#include "trust/stage4.h"

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

static void emit(struct stage4 *s, enum stage4_ev kind, const char *step, const char *line)
{
	struct stage4_event ev = {kind, step, line};
	if (s->on_event)
		s->on_event(s->arg, &ev);
}

int stage4_check(const struct plan *p, const char *arch, int sandbox, char **top, struct plan **p4)
{
	if (!p->final || plan_step_index(p, p->final) < 0)
		return errf(SPROUT_ERR_USAGE, "plan %s has no final step to package", p->name);
	if (!sandbox)
		return errf(SPROUT_ERR_USAGE, "the rebootstrap runs in sprout's sandbox; not with --runner=plain");
	char *t = plan_source_top(p);
	if (!t)
		return errf(SPROUT_ERR_USAGE, "sprout's source tree is not around the plan (%s/../..): the rebootstrap "
			    "builds sprout from it inside the new system; run it from a checkout", p->dir);
	char *s4path = xasprintf("%s/plans/%s-stage4/plan", t, p->name);
	struct plan *q = NULL;
	int r = plan_load(s4path, arch, &q);
	free(s4path);
	if (r) {
		free(t);
		return r;
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

int stage4_init(struct stage4 *s, const struct plan *p, const char *arch, const char *statedir,
		const char *distdir, const char *plan_ref, int jobs)
{
	memset(s, 0, sizeof *s);
	s->p = p;
	s->arch = arch;
	s->statedir = statedir;
	s->distdir = distdir;
	s->plan_ref = plan_ref;
	s->jobs = jobs > 0 ? jobs : 1;
	s->dir = xasprintf("%s/stage4/%s-%s", statedir, p->name, arch);
	s->pk1 = path_join(s->dir, "packages");
	s->root = path_join(s->dir, "root");
	s->work = path_join(s->dir, "work");
	s->pk2 = path_join(s->work, "packages");
	s->log = path_join(s->dir, "stage4.log");
	s->keyp = xasprintf("%s/stage4/key", statedir);
	s->sign = sign_available();
	/* Under qemu-user the sprout inside cannot make namespaces (qemu's
	 * own threads make the kernel refuse CLONE_NEWUSER and CLONE_NEWNS):
	 * its steps run as plain processes, inside this sandbox. */
	s->plain = !sandbox_arch_native(arch);
	int r = stage4_check(p, arch, 1, &s->top, &s->p4);
	if (r)
		return r;
	/* The packages the final rootfs is made of (pkg build's default). */
	const struct step *f = &p->steps[plan_step_index(p, p->final)];
	for (size_t k = 0; k < f->ndeps; k++)
		if (f->deps[k] != p->stages[f->stage].rootfs)
			strv_add(&s->names, p->steps[f->deps[k]].recipe->name);
	return 0;
}

static void on_note(void *ud, const char *step, const char *line)
{
	emit(ud, STAGE4_EV_NOTE, step, line);
}

int stage4_publish(struct stage4 *s)
{
	struct pkgbuild_opts bo;
	int r = rm_rf(s->dir);
	if (!r)
		r = mkdir_p(s->dir, 0755);
	if (r)
		return errf(r, "%s: %s", s->dir, err_str(r));
	memset(&bo, 0, sizeof bo);
	bo.comp = PKG_COMP_NONE;
	bo.no_step_key = 1;
	bo.plan_ref = s->plan_ref;
	bo.note = on_note;
	bo.ud = s;
	r = pkgbuild_plan(s->statedir, s->p, s->arch, NULL, 0, s->pk1, &bo);
	if (r)
		return r;
	emit(s, STAGE4_EV_PACKAGED, NULL, NULL);
	char *seckey = xasprintf("%s.key", s->keyp), *ip = path_join(s->pk1, "index");
	if (s->sign && !path_exists(seckey)) {
		char *kd = path_dirname(s->keyp);
		mkdir_p(kd, 0755);
		free(kd);
		if (!(r = sign_keygen(s->keyp, s->keyid)))
			emit(s, STAGE4_EV_KEY, NULL, NULL);
	}
	if (!r && !(r = pkgrepo_index(s->pk1, NULL, &s->npkgs, NULL)))
		emit(s, STAGE4_EV_INDEXED, NULL, NULL);
	if (!r && s->sign && !(r = sign_file(ip, seckey, s->keyid)))
		emit(s, STAGE4_EV_SIGNED, NULL, NULL);
	free(seckey);
	free(ip);
	return r;
}

/* The root's trusted keys: the stage-4 key when the index is signed. */
static int trust_key(struct stage4 *s)
{
	char *keydir = path_join(s->root, "etc/sprout/keys");
	int r = mkdir_p(keydir, 0755);
	if (!r && s->sign) {
		char *pub = xasprintf("%s.pub", s->keyp), *dst = path_join(keydir, "stage4.pub");
		r = file_copy(pub, dst);
		free(pub);
		free(dst);
	}
	free(keydir);
	return r ? errf(r, "%s: %s", s->root, err_msg(r)) : 0;
}

int stage4_install(struct stage4 *s)
{
	struct pkgroot rt;
	struct pkgops_opts po;
	struct buf note = {0};
	char *repos[] = {s->pk1};
	int r = trust_key(s);
	if (r)
		return r;
	memset(&po, 0, sizeof po);
	po.repos = repos;
	po.nrepos = 1;
	po.allow_untrusted = !s->sign;
	po.arch = s->arch; /* the plan's: a fresh root has none yet, and the host's may differ */
	r = pkgroot_open(s->root, 1, &rt, &note);
	if (!r) {
		r = pkgops_install(&rt, &po, s->names.v, s->names.n, &s->inst);
		if (!r)
			r = pkgroot_verify(&rt, NULL, 0, &s->verify, &s->problems, &s->entries);
		pkgroot_close(&rt);
	}
	buf_free(&note);
	return r;
}

int stage4_prepare(struct stage4 *s)
{
	char *srcdst = path_join(s->root, "usr/src/sprout"), *dist = path_join(s->work, "state/distfiles");
	int r = plan_source_copy(s->top, srcdst);
	if (!r)
		r = plan_sources_link(s->p4, s->distdir, dist);
	free(srcdst);
	free(dist);
	return r ? errf(r, "preparing %s: %s", s->dir, err_msg(r)) : 0;
}

pid_t stage4_spawn(struct stage4 *s)
{
	char *envv[8];
	int ne = 0;
	const char *sde = plan_setting(s->p, "SOURCE_DATE_EPOCH");
	envv[ne++] = xasprintf("JOBS=%d", s->jobs);
	envv[ne++] = xasprintf("ARCH=%s", s->arch);
	envv[ne++] = xasprintf("STAGE4_PLAN=%s-stage4", s->p->name);
	envv[ne++] = xasprintf("STAGE4_RUNNER=%s", s->plain ? "--runner=plain" : "");
	envv[ne++] = xasprintf("SOURCE_DATE_EPOCH=%s", sde ? sde : "0");
	envv[ne] = NULL;
	struct run_spec spec;
	memset(&spec, 0, sizeof spec);
	spec.step = "stage4";
	spec.mode = RUN_NATIVE;
	spec.arch = s->arch;
	spec.rootfs = s->root;
	spec.rootfs_rw = 1;
	spec.nest = 1;
	spec.script = stage4_script;
	spec.builddir = s->work;
	spec.env = envv;
	spec.log = s->log;
	pid_t pid = sandbox_spawn(&spec);
	for (int i = 0; i < ne; i++)
		free(envv[i]);
	return pid;
}

/* The package files (*.spk) of dir, sorted; none when dir cannot be read. */
static void list_packages(const char *dir, struct strv *out)
{
	dir_list(dir, ".spk", out);
}

static struct stage4_row *add_row(struct stage4 *s, const char *name, enum stage4_cmp cmp)
{
	s->rows = xrealloc(s->rows, (s->nrows + 1) * sizeof *s->rows);
	struct stage4_row *w = &s->rows[s->nrows++];
	memset(w, 0, sizeof *w);
	w->name = xstrdup(name);
	w->cmp = cmp;
	return w;
}

/* Package name of the first set against its rebuild. */
static int compare_one(struct stage4 *s, const char *name)
{
	char *fa = path_join(s->pk1, name), *fb = path_join(s->pk2, name);
	unsigned char da[32], db[32];
	int ra = sha256_file(fa, da), rb = sha256_file(fb, db);
	enum stage4_cmp c = ra ? STAGE4_UNREADABLE : rb ? STAGE4_MISSING : memcmp(da, db, 32) ? STAGE4_DIFFERENT : STAGE4_SAME;
	struct stage4_row *w = add_row(s, name, c);
	if (!ra)
		sha256_hex(da, w->first);
	if (!rb)
		sha256_hex(db, w->rebuilt);
	free(fa);
	free(fb);
	return c != STAGE4_SAME;
}

int stage4_compare(struct stage4 *s)
{
	struct strv pa = {0}, pb = {0};
	int bad = 0;
	list_packages(s->pk1, &pa);
	list_packages(s->pk2, &pb);
	for (size_t i = 0; i < pa.n; i++)
		bad += compare_one(s, pa.v[i]);
	for (size_t i = 0; i < pb.n; i++) {
		char *fa = path_join(s->pk1, pb.v[i]);
		if (!path_exists(fa)) {
			add_row(s, pb.v[i], STAGE4_EXTRA);
			bad++;
		}
		free(fa);
	}
	if (!pa.n)
		bad++;
	strv_free(&pa);
	strv_free(&pb);
	return bad;
}

void stage4_free(struct stage4 *s)
{
	for (size_t i = 0; i < s->nrows; i++)
		free(s->rows[i].name);
	free(s->rows);
	pkgops_result_free(&s->inst);
	buf_free(&s->verify);
	plan_free(s->p4);
	strv_free(&s->names);
	FREE_ALL(s->top, s->dir, s->pk1, s->root, s->work, s->pk2, s->log, s->keyp);
	memset(s, 0, sizeof *s);
}
