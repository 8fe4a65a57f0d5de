/* sprout bootstrap --mode vm (docs/modes.md): the host stage on the host,
 * then the native and packages stages inside a VM booted with the plan's
 * kernel; and --guest, the sprout inside that VM. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "archive/cpio.h"
#include "build/cache.h"
#include "build/engine.h"
#include "build/plan.h"
#include "build/session.h"
#include "build/state.h"
#include "cli/cmd.h"
#include "cli/cmd_bootstrap.h"
#include "cli/display.h"
#include "core/err.h"
#include "core/util.h"
#include "image/image.h"
#include "sandbox/sandbox.h"
#include "trust/stage4.h"
#include "vm/guest.h"
#include "vm/results.h"
#include "vm/sys.h"
#include "vm/vm.h"
#include "vm/vmmode.h"

#define VM_MEMORY 2048                  /* MiB: the payload, the store and the build trees are in RAM */
#define VM_MEMORY_STAGE4 3072           /* MiB: and stage 4's packages, root and rebuild */
#define VM_TIMEOUT (6 * 3600)           /* seconds: the bootstrap under TCG on a loaded machine */
#define RESULTS_SIZE (8LL << 30)        /* the results disk: sparse */

/* ---- inside the VM ---- */

struct guest {
	struct ctx *c;
	const struct plan *p;
	const char *arch;
	int fd;                 /* the results disk */
	long long off;
	char (*initial)[65];    /* each step's last key when the VM started */
	char *exported;
	size_t saved;
	int failed;
	int stage4;             /* bootstrap --stage4 after the build */
};

static double guest_secs(const struct guest *g, const char *step)
{
	char *f = state_record(g->c->statedir, STATE_DURATION, g->p->name, g->arch, step);
	struct buf b = {0};
	double s = file_read(f, &b) ? 0 : strtod(b.s, NULL);
	buf_free(&b);
	free(f);
	return s;
}

/* Append each step built since the last look to the results disk. */
static void guest_export(struct guest *g)
{
	const struct plan *p = g->p;
	for (size_t i = 0; i < p->nsteps && !g->failed; i++) {
		const char *name = p->steps[i].name;
		char key[65], dg[65];
		if (g->exported[i] || !vm_stage_inside(p, (size_t)p->steps[i].stage) ||
		    state_last(g->c->statedir, p->name, g->arch, name, key) || !strcmp(key, g->initial[i]) ||
		    !cache_has(g->c->statedir, key) || cache_digest(g->c->statedir, key, dg))
			continue;
		err_clear();
		int r = vm_results_append(g->fd, &g->off, g->c->statedir, name, key, dg, guest_secs(g, name),
					  "/tmp/sprout-vm-record.tar");
		if (r) {
			cmd_err("guest: %s", err_msg(r));
			g->failed = 1;
			continue;
		}
		g->exported[i] = 1;
		g->saved++;
		printf("sprout-vm: saved %s (%.12s) to the results disk\n", name, dg);
		fflush(stdout);
	}
}

/* Build the plan in a child while this process, the VM's init, reaps
 * every orphan and saves each finished step as it appears. */
static int guest_build(struct guest *g, struct plan *p, const char *plan_arg)
{
	fflush(stdout);
	pid_t child = fork();
	if (child < 0)
		return errf(-errno, "fork: %s", strerror(errno));
	if (child == 0) {
		struct build_stats st;
		int r = display_build(g->c, p, g->arch, plan_arg, NULL, 0, &st);
		if (r && r != -SPROUT_ERR_BUILD)
			cmd_err("build: %s", err_msg(r));
		/* Stage 4 in the VM's kernel: its steps in sandboxes of their own.
		 * Its log stays in the VM: it goes to the console. */
		int s4 = 0;
		if (!r && g->stage4 && (s4 = cmd_stage4(g->c, p, g->arch, plan_arg)) == 0) {
			char *log = xasprintf("%s/stage4/%s-%s/stage4.log", g->c->statedir, p->name, g->arch);
			printf("stage4:     its log (%s):\n", log);
			fflush(stdout);
			cmd_print_tail(log, 200);
			free(log);
		}
		fflush(stdout);
		fflush(stderr);
		_exit(r ? 1 : s4 ? 2 : 0);
	}
	int status = -1;
	while (status < 0) {
		int st;
		pid_t w = waitpid(-1, &st, WNOHANG);
		if (w == child)
			status = WIFEXITED(st) ? WEXITSTATUS(st) : 128;
		else if (w <= 0)
			sleep(1);
		guest_export(g);
	}
	if (g->stage4 && status != 1)
		printf("sprout-boot: stage4 %s runner=%s\n", status ? "FAIL" : "PASS",
		       sandbox_arch_native(g->arch) ? "sandbox" : "plain");
	return status == 1 || status > 2 ? -SPROUT_ERR_BUILD : 0;
}

int cmd_vm_guest(struct ctx *c, const char *plan_arg, const char *dev, const char *hostarch, int stage4)
{
	int pid1 = getpid() == 1, rc = CMD_EXIT_FAIL;
	struct plan *p = NULL;
	struct guest g;
	memset(&g, 0, sizeof g);
	g.fd = -1;
	g.stage4 = stage4;
	err_clear();
	int r = pid1 ? vm_guest_setup() : 0;
	struct utsname u;
	uname(&u);
	printf("sprout-boot: init on Linux %s %s\n", u.release, u.machine);
	if (r) {
		cmd_err("guest: %s", err_msg(r));
		goto out;
	}
	if (hostarch)
		cache_host_arch = hostarch; /* the keys are the host's */
	setenv("PATH", "/usr/bin:/usr/sbin:/bin", 1);
	setenv("TERM", "dumb", 1);
	c->plain = 1;
	c->color = CTX_COLOR_NEVER;
	const char *arch;
	if (cmd_load_plan(c, plan_arg, &p, &arch))
		goto out;
	g.c = c;
	g.p = p;
	g.arch = arch;
	g.fd = open(dev, O_RDWR | O_CLOEXEC);
	if (g.fd < 0) {
		cmd_err("guest: the results disk %s: %s", dev, strerror(errno));
		goto out;
	}
	g.initial = xcalloc(p->nsteps + 1, sizeof *g.initial);
	g.exported = xcalloc(p->nsteps + 1, 1);
	for (size_t i = 0; i < p->nsteps; i++)
		state_last(c->statedir, p->name, arch, p->steps[i].name, g.initial[i]);
	r = guest_build(&g, p, plan_arg);
	if (r && r != -SPROUT_ERR_BUILD)
		cmd_err("guest: %s", err_msg(r));
	else if (!g.failed)
		rc = r ? CMD_EXIT_FAIL : CMD_EXIT_OK;
	printf("sprout-vm: %zu step%s saved to the results disk\n", g.saved, g.saved == 1 ? "" : "s");
out:
	printf("sprout-boot: bootstrap %s\n", rc ? "FAIL" : "PASS");
	fflush(stdout);
	fflush(stderr);
	if (g.fd >= 0)
		close(g.fd);
	free(g.initial);
	free(g.exported);
	if (p)
		plan_free(p);
	if (pid1)
		vm_guest_halt();
	return rc;
}

/* ---- on the host ---- */

/* The output of the first step of p whose recipe is name in a stage that
 * runs on the host (the static sprout's musl), or NULL. */
static char *host_output_of(const struct ctx *c, const struct plan *p, const char *arch, const char *name)
{
	for (size_t i = 0; i < p->nsteps; i++) {
		char *out;
		if (!vm_stage_inside(p, (size_t)p->steps[i].stage) && !strcmp(p->steps[i].recipe_name, name) &&
		    !cache_output(p, arch, c->statedir, (int)i, &out))
			return out;
	}
	return NULL;
}

/* Take the state directory's lock for the rest of the run (what), so that
 * no other sprout uses the state between its builds, the VM and the
 * import. 0 or the exit status (printed). */
static int hold_state(const struct ctx *c, const char *what)
{
	err_clear();
	int r = engine_lock_hold(c->statedir);
	if (r)
		cmd_err("%s: %s", what, err_msg(r));
	return r ? cmd_exit_for(r) : 0;
}

/* The host's part: every step of the stages that run on the host (but
 * the ondemand ones), the kernel, and with mke2fs e2fsprogs. */
static int vm_host_steps(struct ctx *c, struct plan *p, const char *arch, const char *plan_arg, int mke2fs,
			 struct vm_run *vr)
{
	struct strv names = {0};
	for (size_t i = 0; i < p->nsteps; i++)
		if (!vm_stage_inside(p, (size_t)p->steps[i].stage) && !p->steps[i].ondemand)
			strv_add(&names, p->steps[i].name);
	strv_add(&names, "kernel");
	if (mke2fs)
		strv_add(&names, "e2fsprogs");
	struct build_stats st;
	int r = display_build(c, p, arch, plan_arg, names.v, (int)names.n, &st);
	vr->host_built = st.built;
	vr->host_cached = st.cached;
	strv_free(&names);
	if (r && r != -SPROUT_ERR_BUILD)
		cmd_err("bootstrap: %s", err_msg(r));
	return r ? cmd_exit_for(r) : 0;
}

/* The words of the VM's init: the sprout inside, with this run's settings. */
static void guest_args(const struct ctx *c, const struct plan *p, const char *arch, int jobs, const char *dev,
		       int stage4, struct strv *a)
{
	strv_add(a, "--state");
	strv_add(a, "/sprout/state");
	strv_add(a, "--distfiles");
	strv_add(a, "/sprout/distfiles");
	strv_add(a, "--arch");
	strv_add(a, arch);
	strv_add(a, "-j");
	strv_addown(a, xasprintf("%d", jobs));
	for (int i = 0; i < c->nsets; i++) {
		strv_add(a, "--set");
		strv_add(a, c->sets[i]);
	}
	if (!c->sandbox)
		strv_add(a, "--runner=plain");
	strv_add(a, "bootstrap");
	strv_add(a, "--plan");
	strv_addown(a, vm_payload_plan(p));
	strv_add(a, "--guest");
	strv_add(a, dev);
	strv_add(a, "--host-arch");
	strv_add(a, host_arch());
	if (stage4)
		strv_add(a, "--stage4");
}

/* With stage4, what the rebootstrap inside needs in the payload pd:
 * sprout's source tree top and the sources of PLAN-stage4. */
static int payload_stage4(struct ctx *c, const struct plan *p, const char *arch, const char *top, const char *pd)
{
	struct plan *p4 = NULL;
	struct session ss = cmd_session(c);
	char *dd = session_distdir(&ss);
	int r = stage4_check(p, arch, c->sandbox, NULL, &p4);
	if (!r)
		r = vm_payload_stage4(pd, top, p4, dd);
	if (p4)
		plan_free(p4);
	free(dd);
	return r;
}

/* The payload: the static sprout, the plan, the store entries and the
 * sources the VM needs (with stage4, those of stage 4 too), laid out in
 * dir/payload. The static sprout is built in STATE/vm/PLAN-ARCH, which VM
 * mode (dir .../bootstrap) and the bare-metal disk (.../metal) share. */
static int vm_make_payload(struct ctx *c, struct plan *p, const char *arch, const char *dir, int jobs, const char *dev,
			   int stage4)
{
	char *top = plan_source_top(p), *musl = host_output_of(c, p, arch, "musl"), *bin = NULL;
	char *base = xasprintf("%s/vm/%s-%s", c->statedir, p->name, arch);
	char *sd = path_join(base, "sprout-static"), *log = path_join(base, "sprout-static.log");
	char *pd = path_join(dir, "payload");
	struct strv args = {0}, sel = {0};
	struct engine e;
	int r = 0;
	memset(&e, 0, sizeof e);
	e.lockfd = -1;
	if (!top) {
		r = errf(SPROUT_ERR_USAGE, "sprout's source tree is not around the plan (%s/../..): VM mode builds a "
			 "static sprout from it; run it from a checkout", p->dir);
		goto out;
	}
	printf("vm:         a static sprout for %s (make static-sprout%s)\n", arch, musl ? " against the seed's musl" : "");
	fflush(stdout);
	r = vm_static_sprout(top, arch, musl, sd, jobs, log, &bin);
	if (r)
		goto out;
	struct session ss = cmd_session(c);
	engine_init(&e, p, arch, c->statedir);
	session_engine(&ss, &e);
	for (size_t i = 0; i < p->nsteps; i++)
		if (vm_stage_inside(p, (size_t)p->steps[i].stage))
			strv_add(&sel, p->steps[i].name);
	r = engine_select(&e, sel.v, (int)sel.n);
	if (!r)
		r = engine_lock(&e);
	if (!r)
		r = engine_fetch(&e, stage4, 0); /* stage 4 rebuilds the steps in the store too */
	guest_args(c, p, arch, jobs, dev, stage4, &args);
	if (!r)
		r = vm_payload(&e, bin, args.v, pd);
	if (!r && stage4)
		r = payload_stage4(c, p, arch, top, pd);
out:
	if (e.plan)
		engine_free(&e);
	strv_free(&args);
	strv_free(&sel);
	free(top);
	free(musl);
	free(bin);
	free(base);
	free(sd);
	free(log);
	free(pd);
	return r;
}

/* The seed rootfs (the root tree of the first stage that has one) and the
 * kernel step's output, in the store (caller frees). 0 or negative code. */
static int seed_and_kernel(const struct ctx *c, const struct plan *p, const char *arch, char **rootfs, char **kdir)
{
	int ki = plan_step_index(p, "kernel"), fs = -1;
	*rootfs = *kdir = NULL;
	if (ki < 0)
		return errf(SPROUT_ERR_NOTFOUND, "plan %s has no kernel step", p->name);
	for (size_t s = 0; s < p->nstages && fs < 0; s++)
		if (vm_stage_inside(p, s))
			fs = p->stages[s].rootfs;
	if (fs < 0)
		return errf(SPROUT_ERR_NOTFOUND, "plan %s has no stage with a root tree to run in a VM", p->name);
	if (cache_output(p, arch, c->statedir, ki, kdir) || cache_output(p, arch, c->statedir, fs, rootfs))
		return errf(SPROUT_ERR_NOTFOUND, "the kernel or the seed rootfs is not in the store");
	return 0;
}

/* Enter the results at file (from byte base) into the store, and say so
 * (where: how they came); *n gets how many. 0, or -SPROUT_ERR_BUILD
 * (printed). */
static int vm_take(struct ctx *c, const struct plan *p, const char *arch, const char *file, long long base,
		   const char *work, const char *where, int say_none, struct vm_run *vr, size_t *n)
{
	struct vm_imported *rows = NULL;
	struct buf diff = {0};
	int torn = 0;
	err_clear();
	int r = vm_import(p, arch, c->statedir, file, base, work, &rows, n, &torn, &diff);
	for (size_t k = 0; k < *n; k++) {
		vr->vm_built += !rows[k].already;
		if (p->steps[rows[k].step].stage < CMD_MAX_STAGES)
			vr->stage_secs[p->steps[rows[k].step].stage] += rows[k].secs;
	}
	if (*n || torn || r || say_none)
		printf("%-12s%zu step%s came back %s%s; checked and stored\n", vr->metal ? "metal:" : "vm:", *n,
		       *n == 1 ? "" : "s", where, torn ? " (and one the VM did not finish writing)" : "");
	if (r) {
		cmd_err("bootstrap: %s", err_msg(r));
		if (diff.len)
			fprintf(stderr, "files that differ (- in the manifest only, + on the disk only, ~ changed):\n%s", diff.s);
		r = -SPROUT_ERR_BUILD;
	}
	buf_free(&diff);
	free(rows);
	return r;
}

struct vm_lines {
	int inside;             /* the VM's init has started */
	struct vm_run *vr;
};

static void on_vm_line(void *arg, const char *l)
{
	struct vm_lines *vl = arg;
	if (!strncmp(l, "sprout-boot: init", 17))
		vl->inside = 1;
	if (!strncmp(l, "sprout-boot: stage4 ", 20)) {
		vl->vr->stage4 = !strncmp(l + 20, "PASS", 4) ? 1 : -1;
		vl->vr->stage4_sandboxed = strstr(l, "runner=sandbox") != NULL;
	}
	if (vl->inside && strncmp(l, "sprout-boot: ", 13)) {
		printf("  vm | %s\n", l);
		fflush(stdout);
	}
}

/* Boot the payload; what came back into the store. */
static int vm_run_boot(struct ctx *c, struct plan *p, const char *arch, const char *dir, int jobs, int no_kvm,
		       int stage4, struct vm_run *vr)
{
	char *initrd = path_join(dir, "initramfs.cpio.gz"), *results = path_join(dir, "results.img");
	char *pd = path_join(dir, "payload"), *log = path_join(dir, "console.log"), *work = path_join(dir, "import");
	char *kdir = NULL, *rootfs = NULL, *kernel = NULL, *cl = vm_cmdline_init(arch, "/sprout/init");
	struct vm_lines vl = {0, vr};
	int mem = stage4 ? VM_MEMORY_STAGE4 : VM_MEMORY;
	const char *sde = plan_setting(p, "SOURCE_DATE_EPOCH");
	struct vm_result res;
	memset(&res, 0, sizeof res);
	int r = seed_and_kernel(c, p, arch, &rootfs, &kdir);
	if (!r) {
		const char *trees[2] = {rootfs, pd};
		kernel = path_join(kdir, "boot/vmlinuz");
		r = cpio_write_trees(trees, 2, initrd, sde ? strtoll(sde, NULL, 10) : 0, CPIO_GZIP);
	}
	int fd = r ? -1 : open(results, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (!r && (fd < 0 || ftruncate(fd, RESULTS_SIZE) < 0))
		r = errf(-errno, "%s: %s", results, strerror(errno));
	if (fd >= 0)
		close(fd);
	if (r)
		goto out;
	const struct vm_spec vs = {.arch = arch, .kernel = kernel, .initrd = initrd, .cmdline = cl, .console_log = log,
				   .timeout = VM_TIMEOUT, .memory = mem, .smp = jobs, .results = results,
				   .on_line = on_vm_line, .arg = &vl, .no_kvm = no_kvm};
	vr->kvm = !no_kvm && vm_kvm_usable(arch);
	printf("vm:         booting the plan's kernel with the payload (%s, %d CPU%s, %d MiB)\n", vr->kvm ? "KVM" : "TCG",
	       jobs, jobs == 1 ? "" : "s", mem);
	fflush(stdout);
	err_clear();
	r = vm_boot(&vs, &res);
	if (r)
		goto out;
	vr->vm_secs = res.smoke_secs >= 0 ? res.smoke_secs : res.total_secs;
	vr->boot_secs = res.boot_secs;
	vr->kvm = res.accel_kvm;
	if (res.kvm_fallback)
		printf("vm:         %s; booted again under TCG\n", res.kvm_failed);
	/* Whatever came back is kept, finished or not: a run again resumes. */
	size_t n = 0;
	r = vm_take(c, p, arch, results, 0, work, "on the results disk", 1, vr, &n);
	if (r)
		goto out;
	unlink(results); /* taken */
	if (!res.pass) {
		if (res.finished)
			cmd_err("bootstrap: the bootstrap failed inside the VM (%.1fs); its console: %s", res.smoke_secs, log);
		else
			cmd_err("bootstrap: %s after %.1fs without a result; the console's last lines (all in %s):\n%s",
				res.timed_out ? "the VM timed out" : "qemu ended", res.total_secs, log, res.tail.s ? res.tail.s : "");
		if (n)
			fprintf(stderr, "the %zu finished step%s stay in the store: run the same command again to resume\n", n,
				n == 1 ? "" : "s");
		r = -SPROUT_ERR_BUILD;
	}
out:
	vm_result_free(&res);
	free(initrd);
	free(results);
	free(pd);
	free(log);
	free(work);
	free(kdir);
	free(rootfs);
	free(kernel);
	free(cl);
	return r;
}

/* Whether every step that runs inside is in the store now. */
static int vm_all_back(const struct ctx *c, const struct plan *p, const char *arch)
{
	char(*keys)[65] = xcalloc(p->nsteps + 1, sizeof *keys);
	char(*dg)[65] = xcalloc(p->nsteps + 1, sizeof *dg);
	cache_keys(p, arch, c->statedir, keys, dg, NULL);
	int r = 0;
	for (size_t i = 0; i < p->nsteps && !r; i++)
		if (vm_stage_inside(p, (size_t)p->steps[i].stage) && !p->steps[i].ondemand && !dg[i][0])
			r = errf(SPROUT_ERR_BUILD, "step %s did not come back from the VM", p->steps[i].name);
	free(keys);
	free(dg);
	return r;
}

int cmd_bootstrap_vm(struct ctx *c, struct plan *p, const char *arch, const char *plan_arg, int no_kvm, int stage4,
		     struct vm_run *vr)
{
	memset(vr, 0, sizeof *vr);
	double t0 = now_sec();
	int jobs = c->jobs > 0 ? c->jobs : 2;
	int rc = hold_state(c, "bootstrap");
	if (!rc)
		rc = vm_host_steps(c, p, arch, plan_arg, 0, vr);
	if (rc)
		return rc;
	char *dir = xasprintf("%s/vm/%s-%s/bootstrap", c->statedir, p->name, arch);
	char *results = path_join(dir, "results.img"), *work = path_join(dir, "import");
	int r = mkdir_p(dir, 0755);
	size_t n;
	/* A run that ended before its own import (the host's sprout killed):
	 * what its VM finished is on the disk it left. */
	if (!r && path_exists(results) &&
	    !(r = vm_take(c, p, arch, results, 0, work, "from the last run's results disk", 0, vr, &n)))
		unlink(results);
	/* Stage 4 runs inside even when every step came back already. */
	if (!r && (vm_all_back(c, p, arch) || stage4)) {
		err_clear();
		r = vm_make_payload(c, p, arch, dir, jobs, "/dev/vda", stage4);
		if (!r)
			r = vm_run_boot(c, p, arch, dir, jobs, no_kvm, stage4, vr);
		if (!r)
			r = vm_all_back(c, p, arch);
		if (r && r != -SPROUT_ERR_BUILD)
			cmd_err("bootstrap: %s", err_msg(r));
	}
	err_clear();
	free(dir);
	free(results);
	free(work);
	vr->secs = now_sec() - t0;
	return r ? cmd_exit_for(r) : 0;
}

/* ---- bare metal ---- */

#define METAL_RESULTS_MIB 1024
#define METAL_DEV "/dev/vda3"   /* the disk's third partition (virtio: its only disk) */

int cmd_image_bootstrap(struct ctx *c, struct plan *p, const char *arch, const char *plan_arg, const char *out,
			char digest[65])
{
	struct vm_run vr;
	memset(&vr, 0, sizeof vr);
	int rc = hold_state(c, "image");
	if (!rc)
		rc = vm_host_steps(c, p, arch, plan_arg, 1, &vr);
	if (rc)
		return rc;
	char *dir = xasprintf("%s/vm/%s-%s/metal", c->statedir, p->name, arch);
	char *pd = path_join(dir, "payload"), *init = path_join(pd, "sprout/init"), *sbin = path_join(pd, "usr/sbin");
	char *sinit = path_join(sbin, "init"), *rootfs = NULL, *kdir = NULL, *kernel = NULL, *e2 = NULL;
	char *mke2fs = NULL, *conf = NULL, *cl = vm_disk_cmdline(arch), *work = path_join(dir, "image");
	int jobs = c->jobs > 0 ? c->jobs : 2;
	err_clear();
	int r = mkdir_p(dir, 0755);
	if (!r)
		r = vm_make_payload(c, p, arch, dir, jobs, METAL_DEV, 0);
	/* The kernel's built-in command line starts /sbin/init. */
	if (!r && !(r = mkdir_p(sbin, 0755)) && !(r = file_copy(init, sinit)) && chmod(sinit, 0755) < 0)
		r = -errno;
	if (!r)
		r = seed_and_kernel(c, p, arch, &rootfs, &kdir);
	int ei = plan_step_index(p, "e2fsprogs");
	if (!r && (ei < 0 || cache_output(p, arch, c->statedir, ei, &e2)))
		r = errf(SPROUT_ERR_NOTFOUND, "plan %s has no e2fsprogs step in the store (mke2fs)", p->name);
	if (!r) {
		const char *sde = plan_setting(p, "SOURCE_DATE_EPOCH");
		kernel = path_join(kdir, "boot/vmlinuz");
		mke2fs = path_join(e2, "usr/sbin/mke2fs");
		conf = path_join(e2, "etc/mke2fs.conf");
		const struct image_spec is = {.format = IMAGE_DISK, .rootfs = rootfs, .overlay = pd,
					      .epoch = sde ? strtoll(sde, NULL, 10) : 0, .arch = arch, .kernel = kernel,
					      .cmdline = cl, .mke2fs = mke2fs, .mke2fs_conf = conf, .workdir = work,
					      .results_mib = METAL_RESULTS_MIB};
		r = image_write(&is, out, digest);
	}
	if (r && r != -SPROUT_ERR_BUILD)
		cmd_err("image: %s", err_msg(r));
	free(dir);
	free(pd);
	free(init);
	free(sbin);
	free(sinit);
	free(rootfs);
	free(kdir);
	free(kernel);
	free(e2);
	free(mke2fs);
	free(conf);
	free(cl);
	free(work);
	return r ? cmd_exit_for(r) : 0;
}

int cmd_bootstrap_import(struct ctx *c, struct plan *p, const char *arch, const char *file, struct vm_run *vr)
{
	memset(vr, 0, sizeof *vr);
	vr->metal = 1;
	double t0 = now_sec();
	long long off = 0, size = 0;
	int rc = hold_state(c, "bootstrap");
	if (rc)
		return rc;
	char *work = xasprintf("%s/vm/%s-%s/import", c->statedir, p->name, arch);
	err_clear();
	int r = image_disk_partition(file, IMAGE_RESULTS_GUID, &off, &size);
	if (r) {
		cmd_err("bootstrap: %s (a disk of sprout image --format disk --bootstrap)", err_msg(r));
		free(work);
		return cmd_exit_for(r);
	}
	size_t n = 0;
	r = vm_take(c, p, arch, file, off, work, "from the disk's results partition", 1, vr, &n);
	if (!r && (r = vm_all_back(c, p, arch)) != 0)
		cmd_err("bootstrap: %s (did the disk finish its bootstrap?)", err_msg(r));
	free(work);
	vr->secs = now_sec() - t0;
	return r ? cmd_exit_for(r) : 0;
}
