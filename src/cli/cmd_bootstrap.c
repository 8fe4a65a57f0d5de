/* sprout bootstrap: fetch and build a plan (minimal by default), then check
 * what a user must be able to trust of it and report (docs/bootstrap.md). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "build/eta.h"
#include "build/manifest.h"
#include "build/plan.h"
#include "build/state.h"
#include "cli/cmd.h"
#include "cli/display.h"
#include "cli/cmd_bootstrap.h"
#include "core/err.h"
#include "core/util.h"
#include "trust/expect.h"
#include "trust/provenance.h"
#include "vm/sys.h"

struct bs {
	struct ctx *c;
	const char *plan_arg;
	struct trust_build tb;
	int failed;
};

/* Print each line of text (NUL-terminated lines ending in '\n') indented. */
static void print_lines(const char *text, const char *indent, int max)
{
	int shown = 0;
	for (const char *l = text; l && *l && (max < 0 || shown < max); shown++) {
		const char *e = strchr(l, '\n');
		printf("%s%.*s\n", indent, (int)(e ? e - l : (long)strlen(l)), l);
		l = e ? e + 1 : NULL;
	}
}

static int update_digests(struct bs *b)
{
	const struct plan *p = b->tb.p;
	char *dp = expect_path(p, "digests", b->tb.arch);
	int r = expect_write(p, b->tb.arch, b->tb.digests, b->tb.manifests);
	if (r)
		cmd_err("bootstrap: cannot write %s: %s", dp, err_str(r));
	else
		printf("digests:    %zu step digests written to %s\n", p->nsteps, dp);
	/* and how long each took, for a first build's ETA */
	if (!r && eta_save_planned(p, b->c->statedir, b->tb.arch, b->c->jobs))
		cmd_err("bootstrap: cannot write %s/durations.%s", p->dir, b->tb.arch);
	free(dp);
	return r;
}

/* Step i's mismatch, with the files that differ from manifests.ARCH. */
static void print_mismatch(struct bs *b, int i, const char *exp, const char *wantm)
{
	const char *name = b->tb.p->steps[i].name;
	printf("digests:    MISMATCH %s: expected %.64s, got %s\n", name, exp, b->tb.digests[i]);
	char *em = wantm ? expect_manifest(wantm, name, NULL) : NULL;
	if (em) {
		struct buf diff = {0};
		manifest_diff(em, b->tb.manifests[i], &diff);
		printf("            files that differ (- only expected, + only built, ~ changed):\n");
		print_lines(diff.s, "              ", 40);
		buf_free(&diff);
		free(em);
	}
}

static int check_digests(struct bs *b, int update)
{
	const struct plan *p = b->tb.p;
	if (update)
		return update_digests(b);
	char *dp = expect_path(p, "digests", b->tb.arch), *mp = expect_path(p, "manifests", b->tb.arch);
	char **exp = NULL;
	struct buf wantm = {0};
	enum trust_digest *res = xcalloc(p->nsteps + 1, sizeof *res);
	int r = expect_read(p, b->tb.arch, &exp);
	if (r) {
		struct buf again = {0};
		cmd_again(b->c, b->c->arch, &again);
		buf_adds(&again, " bootstrap --plan ");
		cmd_shell_word(&again, b->plan_arg);
		printf("digests:    MISSING: no %s; check the run, then record it with: %s --update-digests\n", dp, again.s);
		buf_free(&again);
		goto out;
	}
	file_read(mp, &wantm);
	size_t matched = trust_digests_check(&b->tb, exp, res);
	for (size_t i = 0; i < p->nsteps; i++) {
		if (res[i] == TRUST_DIGEST_NONE)
			printf("digests:    %s: no expected digest in %s\n", p->steps[i].name, dp);
		else if (res[i] == TRUST_DIGEST_MISMATCH)
			print_mismatch(b, (int)i, exp[i], wantm.s);
		if (res[i] == TRUST_DIGEST_NONE || res[i] == TRUST_DIGEST_MISMATCH)
			r = -SPROUT_ERR_HASH;
	}
	if (!r)
		printf("digests:    all %zu steps match %s\n", matched, dp);
out:
	expect_free(exp, p->nsteps);
	free(res);
	buf_free(&wantm);
	free(dp);
	free(mp);
	return r;
}

/* The plan's fixpoint exclusions, each with its reason and the
 * differences it left out (the lines of excluded that end in its line). */
static void print_exclusions(const struct plan *p, const size_t *hits, const char *excluded)
{
	for (size_t k = 0; k < p->nfixpoint_excl; k++) {
		const struct fixpoint_exclude *x = &p->fixpoint_excl[k];
		printf("            excluded: %s (plan line %d: %s): ", x->glob, x->line, x->reason);
		if (!hits[k]) {
			printf("identical anyway\n");
			continue;
		}
		printf("%zu difference%s\n", hits[k], hits[k] == 1 ? "" : "s");
		char tag[40];
		snprintf(tag, sizeof tag, " (plan line %d)", x->line);
		size_t tl = strlen(tag);
		for (const char *l = excluded; l && *l;) {
			const char *e = strchr(l, '\n');
			size_t n = e ? (size_t)(e - l) : strlen(l);
			if (n > tl && !memcmp(l + n - tl, tag, tl))
				printf("              %.*s\n", (int)(n - tl), l);
			l = e ? e + 1 : NULL;
		}
	}
}

static int check_fixpoint(struct bs *b)
{
	const struct plan *p = b->tb.p;
	struct buf diff = {0}, excl = {0};
	size_t *hits = xcalloc(p->nfixpoint_excl + 1, sizeof *hits);
	int r = trust_fixpoint(&b->tb, &diff, &excl, hits);
	if (p->fixpoint_gone)
		printf("fixpoint:   not checked for %s: %s are left out on this arch (the plan's only=)\n", p->arch,
		       p->fixpoint_gone);
	if (!p->fixpoint[0])
		goto out;
	int a = plan_step_index(p, p->fixpoint[0]), c = plan_step_index(p, p->fixpoint[1]);
	if (!r && !excl.len)
		printf("fixpoint:   %s and %s are identical (digest %s)\n", p->fixpoint[0], p->fixpoint[1], b->tb.digests[a]);
	else if (!r)
		printf("fixpoint:   %s (%.12s) and %s (%.12s) are identical but for what the plan excludes:\n",
		       p->fixpoint[0], b->tb.digests[a], p->fixpoint[1], b->tb.digests[c]);
	else
		printf("fixpoint:   FAILED: %s (%.12s) and %s (%.12s) differ in:\n%s", p->fixpoint[0], b->tb.digests[a],
		       p->fixpoint[1], b->tb.digests[c], diff.s ? diff.s : "");
	if (p->nfixpoint_excl)
		print_exclusions(p, hits, excl.s);
out:
	buf_free(&diff);
	buf_free(&excl);
	free(hits);
	return r;
}

/* Report the provenance of the final rootfs and write the outputs. */
static int write_outputs(struct bs *b, int fin, const char *outdir)
{
	struct provenance pv;
	provenance_compute(&b->tb, fin, &pv);
	if (!pv.nhost && !pv.nknown)
		printf("provenance: %zu entries of the final rootfs, each from a native-stage step; no host-built file\n",
		       pv.nfiles);
	else if (!pv.nhost)
		printf("provenance: %zu entries of the final rootfs; no host-built file but the known gap below\n", pv.nfiles);
	if (pv.nknown) {
		printf("known gap:  %zu host-built files stay on %s, as the plan declares (host-built %s ...):\n", pv.nknown,
		       b->tb.arch, b->tb.arch);
		print_lines(pv.known.s, "              ", -1);
	}
	if (pv.nhost) {
		printf("provenance: %zu entr%s; %zu host-built file%s remain%s:\n", pv.nfiles, pv.nfiles == 1 ? "y" : "ies",
		       pv.nhost, pv.nhost == 1 ? "" : "s", pv.nhost == 1 ? "s" : "");
		print_lines(pv.hostbuilt.s, "              ", -1);
	}
	int r = provenance_write_outputs(&b->tb, fin, &pv, outdir);
	if (r)
		cmd_err("bootstrap: cannot write the outputs to %s: %s", outdir, err_msg(r));
	else
		printf("outputs:    %s/{rootfs/,rootfs.tar,manifest,provenance}\n", outdir);
	if (pv.nhost && !r)
		r = -SPROUT_ERR_HASH;
	provenance_free(&pv);
	return r;
}

static void print_smoke(struct bs *b)
{
	int s = plan_step_index(b->tb.p, b->tb.p->smoke);
	char *rp = state_store(b->c->statedir, b->tb.keys[s], "out/smoke/report");
	struct buf rep = {0};
	if (file_read(rp, &rep)) {
		printf("smoke:      no report at %s\n", rp);
		b->failed = 1;
	} else {
		const char *l = rep.s;
		int first = 1;
		while (l && *l) {
			const char *e = strchr(l, '\n');
			printf("%s%.*s\n", first ? "smoke:      " : "            ", (int)(e ? e - l : (long)strlen(l)), l);
			first = 0;
			l = e ? e + 1 : NULL;
		}
	}
	buf_free(&rep);
	free(rp);
}

/* The report's head in VM mode: where each part ran. */
static void print_vm_head(const struct plan *p, const char *arch, const struct vm_run *vr, const struct build_stats *st)
{
	printf("\nbootstrap %s for %s (mode %s): %zu steps: %zu built on the host, %zu in the %s, the rest cached; %.1fs\n",
	       p->name, arch, vr->metal ? "metal" : "vm", p->nsteps, vr->host_built + st->built, vr->vm_built,
	       vr->metal ? "disk's run" : "VM", vr->secs);
	if (vr->vm_secs > 0)
		printf("  vm        %.1fs from qemu's start to the result (%s%s)\n", vr->vm_secs, vr->kvm ? "KVM" : "TCG",
		       vr->boot_secs >= 0 ? "" : ", no init line");
	for (size_t i = 0; i < p->nstages && i < CMD_MAX_STAGES; i++)
		if (vr->stage_secs[i] > 0)
			printf("  stage %-9s %.1fs of steps in the %s\n", p->stages[i].name, vr->stage_secs[i],
			       vr->metal ? "disk's run" : "VM");
}

/* Stage 4 of VM mode: it ran inside, its report came on the console. */
static int print_vm_stage4(const struct vm_run *vr)
{
	if (vr->stage4 > 0) {
		printf("stage4:     ok inside the VM: the system rebuilt its packages bit-identically, %s (its report: the "
		       "vm | lines above)\n", vr->stage4_sandboxed ? "each step in a sandbox of its own in the VM's kernel"
								: "its steps with --runner=plain");
		return CMD_EXIT_OK;
	}
	printf("stage4:     FAILED inside the VM%s (the vm | lines above)\n", vr->stage4 ? "" : ": no result");
	return CMD_EXIT_FAIL;
}

int cmd_bootstrap(struct ctx *c, int argc, char **argv)
{
	const char *plan_arg = "minimal", *mode = "chroot", *guest = NULL, *accel = NULL, *import = NULL, *hostarch = NULL;
	int update = 0, stage4 = 0, boot = 0;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--update-digests"))
			update = 1;
		else if (!strcmp(argv[i], "--stage4"))
			stage4 = 1;
		else if (!strcmp(argv[i], "--boot"))
			boot = 1;
		else if (!strcmp(argv[i], "--plan") && i + 1 < argc)
			plan_arg = argv[++i];
		else if (!strcmp(argv[i], "--mode") && i + 1 < argc)
			mode = argv[++i];
		else if (!strcmp(argv[i], "--host-arch") && i + 1 < argc)
			hostarch = argv[++i]; /* with --guest */
		else if (!strcmp(argv[i], "--import") && i + 1 < argc)
			import = argv[++i];
		else if (!strcmp(argv[i], "--accel") && i + 1 < argc)
			accel = argv[++i];
		else if (!strcmp(argv[i], "--guest") && i + 1 < argc)
			guest = argv[++i]; /* inside VM mode's VM (docs/modes.md) */
		else {
			cmd_err("bootstrap: unexpected '%s' (usage: sprout bootstrap [--plan PLAN] [--mode chroot|vm] [--accel tcg] [--import DISK] [--update-digests] [--stage4] [--boot])", argv[i]);
			return CMD_EXIT_USAGE;
		}
	}
	int vm = !strcmp(mode, "vm");
	if ((!vm && strcmp(mode, "chroot")) || (import && stage4) || (accel && (!vm || strcmp(accel, "tcg"))) ||
	    (vm && import)) {
		cmd_err("bootstrap: %s", stage4 && import ? "--stage4 does not run in bare-metal mode yet (docs/modes.md)"
				       : vm && import ? "--import takes the results of bare-metal mode: not with --mode vm"
				       : accel ? "--accel: expected tcg, with --mode vm"
					       : "--mode: expected chroot or vm");
		return CMD_EXIT_USAGE;
	}
	if (guest)
		return cmd_vm_guest(c, plan_arg, guest, hostarch, stage4);
	struct bs b;
	struct plan *p;
	const char *arch;
	memset(&b, 0, sizeof b);
	b.c = c;
	b.plan_arg = plan_arg;
	int rc = cmd_load_plan(c, plan_arg, &p, &arch);
	if (rc)
		return rc;
	if (stage4 && (rc = cmd_stage4_check(c, p, arch)) != 0)
		goto out;
	double t0 = now_sec();
	struct build_stats st;
	struct vm_run vr;
	memset(&vr, 0, sizeof vr);
	if (vm && (rc = cmd_bootstrap_vm(c, p, arch, plan_arg, accel != NULL, stage4, &vr)) != 0)
		goto out;
	if (import && (rc = cmd_bootstrap_import(c, p, arch, import, &vr)) != 0)
		goto out;
	vm = vm || import;
	int r = display_build(c, p, arch, plan_arg, NULL, 0, &st);
	double wall = now_sec() - t0;
	if (r) {
		if (r != -SPROUT_ERR_BUILD)
			cmd_err("bootstrap: %s", err_msg(r));
		rc = cmd_exit_for(r);
		goto out;
	}
	trust_build_load(&b.tb, p, arch, c->statedir);
	if (vm)
		print_vm_head(p, arch, &vr, &st);
	else
		printf("\nbootstrap %s for %s: %zu steps, %zu built, %zu cached, %.1fs\n", p->name, arch, p->nsteps,
		       st.built, st.cached, wall);
	for (size_t i = 0; !vm && i < p->nstages && i < CMD_MAX_STAGES; i++)
		if (st.stage_end[i] > 0)
			printf("  stage %-9s %.1fs\n", p->stages[i].name, st.stage_end[i] - st.stage_begin[i]);
	if (check_fixpoint(&b))
		b.failed = 1;
	if (check_digests(&b, update))
		b.failed = 1;
	if (p->smoke)
		print_smoke(&b);
	if (p->final) {
		char *outdir = xasprintf("%s/outputs/%s-%s", c->statedir, p->name, arch);
		if (write_outputs(&b, plan_step_index(p, p->final), outdir))
			b.failed = 1;
		free(outdir);
	}
	if (!b.failed && p->final && plan_step_index(p, "kernel") >= 0 && !boot)
		printf("boot it:    sprout%s%s boot %s (builds the kernel the first time; docs/boot.md)\n",
		       c->arch ? " --arch " : "", c->arch ? c->arch : "", plan_arg);
	printf("result:     %s\n", b.failed ? "FAILED (see above)" : "ok");
	if (!b.failed && p->final) {
		/* The way in: a shell in the final system (sprout shell PLAN). */
		struct buf cmd = {0};
		cmd_again(c, c->arch, &cmd);
		buf_adds(&cmd, " shell ");
		cmd_shell_word(&cmd, plan_arg);
		printf("enter it:   %s   (a shell in the final system, the current directory at /mnt)\n", cmd.s);
		buf_free(&cmd);
	}
	rc = b.failed ? CMD_EXIT_FAIL : CMD_EXIT_OK;
	if (!rc && stage4)
		rc = vm ? print_vm_stage4(&vr) : cmd_stage4(c, p, arch, plan_arg);
	if (!rc && boot) {
		const struct vm_boot_opts o = {.timeout = VM_BOOT_TIMEOUT};
		printf("\n");
		fflush(stdout);
		rc = cmd_boot_plan(c, p, arch, plan_arg, &o);
	}
out:
	if (b.tb.p)
		trust_build_free(&b.tb);
	plan_free(p);
	return rc;
}
