/* sprout bootstrap: fetch and build a plan (minimal by default), then check
 * what a user must be able to trust of it and report (docs/bootstrap.md). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "build/cache.h"
#include "cli/cmd.h"
#include "core/err.h"
#include "build/manifest.h"
#include "build/eta.h"
#include "build/plan.h"
#include "build/state.h"
#include "archive/tar.h"
#include "core/util.h"

struct bs {
	struct ctx *c;
	const char *plan_arg;
	struct plan *p;
	const char *arch;
	char (*keys)[65];
	char (*digests)[65];
	char **manifests;       /* per step, from the store */
	int failed;
};

static void load_outputs(struct bs *b)
{
	size_t n = b->p->nsteps;
	b->keys = xcalloc(n, sizeof *b->keys);
	b->digests = xcalloc(n, sizeof *b->digests);
	b->manifests = xcalloc(n, sizeof *b->manifests);
	cache_keys(b->p, b->arch, b->c->statedir, b->keys, NULL, NULL);
	for (size_t i = 0; i < n; i++) {
		struct buf m = {0};
		char *mp = state_store(b->c->statedir, b->keys[i], "manifest");
		if (!file_read(mp, &m))
			manifest_digest(&m, b->digests[i]);
		b->manifests[i] = buf_take(&m);
		free(mp);
	}
}

static char *expect_path(const struct bs *b, const char *what)
{
	return xasprintf("%s/%s.%s", b->p->dir, what, b->arch);
}

/* The manifest recorded for step in manifests.ARCH ("== STEP DIGEST" then
 * its lines), or NULL. Caller frees. */
static char *expected_manifest(const char *all, const char *step)
{
	size_t sl = strlen(step);
	for (const char *p = all; p && *p;) {
		if (!strncmp(p, "== ", 3) && !strncmp(p + 3, step, sl) && p[3 + sl] == ' ') {
			const char *s = strchr(p, '\n');
			if (!s)
				return NULL;
			s++;
			const char *e = strstr(s, "\n== ");
			return xstrndup(s, e ? (size_t)(e - s + 1) : strlen(s));
		}
		const char *nl = strchr(p, '\n');
		p = nl ? nl + 1 : NULL;
	}
	return NULL;
}

/* The line "STEP DIGEST" of digests and the manifest of manifests recorded
 * for step, appended to d and m when there are. */
static void keep_recorded(struct buf *d, struct buf *m, const char *digests, const char *manifests, const char *step)
{
	size_t sl = strlen(step);
	for (const char *l = digests; l && *l;) {
		const char *e = strchr(l, '\n');
		size_t n = e ? (size_t)(e - l) : strlen(l);
		if (n == sl + 65 && !strncmp(l, step, sl) && l[sl] == ' ') {
			buf_addf(d, "%.*s\n", (int)n, l);
			char *em = manifests ? expected_manifest(manifests, step) : NULL;
			if (em)
				buf_addf(m, "== %.*s\n%s", (int)n, l, em);
			free(em);
			return;
		}
		l = e ? e + 1 : NULL;
	}
}

static int check_digests(struct bs *b, int update)
{
	const struct plan *p = b->p;
	char *dp = expect_path(b, "digests"), *mp = expect_path(b, "manifests");
	struct buf want = {0}, wantm = {0};
	int r = 0;
	if (update) {
		struct buf d = {0}, m = {0};
		file_read(dp, &want);
		file_read(mp, &wantm);
		buf_addf(&d, "# The expected digest of every step of plan %s on %s.\n"
			     "# Written by 'sprout bootstrap --update-digests'; checked by every bootstrap.\n",
			 p->name, b->arch);
		for (size_t i = 0; i < p->nsteps; i++) {
			if (!b->digests[i][0] && p->steps[i].ondemand) {
				/* Not built by this run: what was recorded stays. */
				keep_recorded(&d, &m, want.s, wantm.s, p->steps[i].name);
				continue;
			}
			buf_addf(&d, "%s %s\n", p->steps[i].name, b->digests[i]);
			buf_addf(&m, "== %s %s\n%s", p->steps[i].name, b->digests[i], b->manifests[i]);
		}
		r = file_write_atomic(dp, d.s, d.len);
		if (!r)
			r = file_write_atomic(mp, m.s, m.len);
		if (r)
			cmd_err("bootstrap: cannot write %s: %s", dp, err_str(r));
		else
			printf("digests:    %zu step digests written to %s\n", p->nsteps, dp);
		/* and how long each took, for a first build's ETA */
		if (!r && eta_save_planned(p, b->c->statedir, b->arch, b->c->jobs))
			cmd_err("bootstrap: cannot write %s/durations.%s", p->dir, b->arch);
		buf_free(&d);
		buf_free(&m);
		goto out;
	}
	if (file_read(dp, &want)) {
		struct buf again = {0};
		cmd_again(b->c, b->c->arch, &again);
		buf_adds(&again, " bootstrap --plan ");
		cmd_shell_word(&again, b->plan_arg);
		printf("digests:    MISSING: no %s; check the run, then record it with: %s --update-digests\n", dp, again.s);
		buf_free(&again);
		r = -ENOENT;
		goto out;
	}
	file_read(mp, &wantm);
	size_t matched = 0;
	for (size_t i = 0; i < p->nsteps; i++) {
		const char *name = p->steps[i].name;
		const char *exp = NULL;
		if (!b->digests[i][0] && p->steps[i].ondemand)
			continue; /* built on demand, and not yet */
		size_t nl = strlen(name);
		for (const char *l = want.s; l && *l;) {
			if (!strncmp(l, name, nl) && l[nl] == ' ')
				exp = l + nl + 1;
			const char *e = strchr(l, '\n');
			l = e ? e + 1 : NULL;
		}
		if (exp && !strncmp(exp, b->digests[i], 64)) {
			matched++;
			continue;
		}
		r = -SPROUT_ERR_HASH;
		if (!exp) {
			printf("digests:    %s: no expected digest in %s\n", name, dp);
			continue;
		}
		printf("digests:    MISMATCH %s: expected %.64s, got %s\n", name, exp, b->digests[i]);
		char *em = wantm.s ? expected_manifest(wantm.s, name) : NULL;
		if (em) {
			struct buf diff = {0};
			manifest_diff(em, b->manifests[i], &diff);
			printf("            files that differ (- only expected, + only built, ~ changed):\n");
			int shown = 0;
			for (const char *l = diff.s; l && *l && shown < 40; shown++) {
				const char *e = strchr(l, '\n');
				printf("              %.*s\n", (int)(e ? e - l : (long)strlen(l)), l);
				l = e ? e + 1 : NULL;
			}
			buf_free(&diff);
			free(em);
		}
	}
	if (!r)
		printf("digests:    all %zu steps match %s\n", matched, dp);
out:
	buf_free(&want);
	buf_free(&wantm);
	free(dp);
	free(mp);
	return r;
}

static int check_fixpoint(struct bs *b)
{
	const struct plan *p = b->p;
	if (!p->fixpoint[0])
		return 0;
	int a = plan_step_index(p, p->fixpoint[0]), c = plan_step_index(p, p->fixpoint[1]);
	if (!strcmp(b->digests[a], b->digests[c])) {
		printf("fixpoint:   %s and %s are identical (digest %s)\n", p->fixpoint[0], p->fixpoint[1], b->digests[a]);
		return 0;
	}
	struct buf diff = {0};
	manifest_diff(b->manifests[a], b->manifests[c], &diff);
	printf("fixpoint:   FAILED: %s (%.12s) and %s (%.12s) differ in:\n%s", p->fixpoint[0], b->digests[a],
	       p->fixpoint[1], b->digests[c], diff.s ? diff.s : "");
	buf_free(&diff);
	return -SPROUT_ERR_HASH;
}

/* One manifest line, indexed for lookups. */
struct mline {
	const char *s;
	size_t len;
	int step;
	int rank;   /* 0 native, 1 host: the order among equal lines */
};

static int cmp_mline(const void *x, const void *y)
{
	const struct mline *a = x, *b = y;
	int c = memcmp(a->s, b->s, a->len < b->len ? a->len : b->len);
	return c ? c : (a->len > b->len) - (a->len < b->len);
}

static int cmp_ranked(const void *x, const void *y)
{
	int c = cmp_mline(x, y);
	return c ? c : ((const struct mline *)x)->rank - ((const struct mline *)y)->rank;
}

static void split_manifest(const char *m, int step, struct mline **v, size_t *n, size_t *cap)
{
	for (const char *p = m; p && *p;) {
		const char *e = strchr(p, '\n');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		if (strncmp(p, "sprout-manifest ", 16)) {
			if (*n == *cap) {
				*cap = *cap ? *cap * 2 : 256;
				*v = xrealloc(*v, *cap * sizeof **v);
			}
			(*v)[*n].s = p;
			(*v)[*n].len = len;
			(*v)[*n].step = step;
			(*v)[*n].rank = 0;
			(*n)++;
		}
		p = e ? e + 1 : NULL;
	}
}

/* The sha256 field of a file line ("f MODE SIZE SHA PATH"), or NULL. */
static const char *line_sha(const struct mline *l, size_t *len)
{
	if (l->s[0] != 'f')
		return NULL;
	const char *p = l->s;
	for (int f = 0; f < 3; f++) {
		p = memchr(p, ' ', l->len - (size_t)(p - l->s));
		if (!p)
			return NULL;
		p++;
	}
	*len = 64;
	return p;
}

/* Write the provenance of the final step's output: for each entry, the
 * step whose output it came from (an identical manifest line in one of
 * the final step's dependencies), else the final step itself. Entries
 * from host stages, and files of the final step whose content equals a
 * host-built file, are host-built: listed in hostbuilt. */
static void provenance(struct bs *b, int fin, struct buf *out, struct buf *hostbuilt, size_t *nfiles, size_t *nhost,
		       struct buf *known, size_t *nknown)
{
	const struct plan *p = b->p;
	const struct step *fs = &p->steps[fin];
	struct mline *dv = NULL, *hv = NULL, *fv = NULL;
	size_t dn = 0, dc = 0, hn = 0, hc = 0, fn = 0, fc = 0;
	/* Native dependencies first, so that a line found in both counts as native. */
	for (int pass = 0; pass < 2; pass++)
		for (size_t k = 0; k < fs->ndeps; k++) {
			int d = fs->deps[k];
			int host = p->stages[p->steps[d].stage].mode == RUN_HOST;
			if (host == pass && d != p->stages[fs->stage].rootfs)
				split_manifest(b->manifests[d], d, &dv, &dn, &dc);
		}
	for (size_t i = 0; i < p->nsteps; i++)
		if (p->stages[p->steps[i].stage].mode == RUN_HOST)
			split_manifest(b->manifests[i], (int)i, &hv, &hn, &hc);
	split_manifest(b->manifests[fin], fin, &fv, &fn, &fc);
	/* Sorted by content, native steps first among equal lines. */
	for (size_t i = 0; i < dn; i++)
		dv[i].rank = p->stages[p->steps[dv[i].step].stage].mode == RUN_HOST;
	if (dn)
		qsort(dv, dn, sizeof *dv, cmp_ranked);
	/* Host file contents, by sha. */
	struct mline *hs = xcalloc(hn + 1, sizeof *hs);
	size_t hsn = 0;
	for (size_t i = 0; i < hn; i++) {
		size_t l;
		const char *sha = line_sha(&hv[i], &l);
		if (sha) {
			hs[hsn].s = sha;
			hs[hsn].len = l;
			hs[hsn].step = hv[i].step;
			hs[hsn].rank = 0;
			hsn++;
		}
	}
	if (hsn)
		qsort(hs, hsn, sizeof *hs, cmp_mline);
	buf_addf(out, "sprout-provenance 1\n# plan %s, arch %s, final step %s: STEP STAGE TYPE PATH\n", p->name,
		 b->arch, fs->name);
	*nfiles = fn;
	*nhost = 0;
	*nknown = 0;
	for (size_t i = 0; i < fn; i++) {
		int from = fin;
		struct mline *hit = dn ? bsearch(&fv[i], dv, dn, sizeof *dv, cmp_mline) : NULL;
		if (hit) {
			/* bsearch may land on any equal line: walk back to the first. */
			while (hit > dv && !cmp_mline(hit - 1, &fv[i]))
				hit--;
			from = hit->step;
		}
		int host = p->stages[p->steps[from].stage].mode == RUN_HOST;
		const char *copied = NULL;
		size_t l;
		const char *sha = line_sha(&fv[i], &l);
		if (!host && from == fin && sha && hsn) {
			struct mline key = {sha, 64, 0, 0};
			struct mline *h = bsearch(&key, hs, hsn, sizeof *hs, cmp_mline);
			if (h) {
				host = 1;
				copied = p->steps[h->step].name;
			}
		}
		/* The path is the fifth field. */
		const char *path = fv[i].s;
		for (int f = 0; f < 4 && path; f++) {
			path = memchr(path, ' ', fv[i].len - (size_t)(path - fv[i].s));
			if (path)
				path++;
		}
		size_t pl = path ? fv[i].len - (size_t)(path - fv[i].s) : 0;
		buf_addf(out, "%s %s %c %.*s\n", p->steps[from].name, p->stages[p->steps[from].stage].name, fv[i].s[0],
			 (int)pl, path ? path : "");
		if (host && fv[i].s[0] != 'd') {
			const char *src = copied ? copied : p->steps[from].name;
			if (plan_host_built_ok(p, src)) {
				(*nknown)++;
				buf_addf(known, "%.*s (%s)\n", (int)pl, path ? path : "", src);
				continue;
			}
			(*nhost)++;
			buf_addf(hostbuilt, "%.*s (%s %s)\n", (int)pl, path ? path : "", copied ? "same bytes as host step" : "from host step",
				 copied ? copied : p->steps[from].name);
		}
	}
	free(dv);
	free(hv);
	free(fv);
	free(hs);
}

/* Copy the final rootfs out, pack it, and write its manifest and provenance
 * under outdir; skipped when outdir already holds this digest. */
static int write_outputs(struct bs *b, int fin, const char *outdir)
{
	const struct plan *p = b->p;
	char *stamp = path_join(outdir, "digest");
	struct buf old = {0}, prov = {0}, host = {0}, known = {0};
	size_t nfiles = 0, nhost = 0, nknown = 0;
	int r = 0;
	provenance(b, fin, &prov, &host, &nfiles, &nhost, &known, &nknown);
	if (!nhost && !nknown)
		printf("provenance: %zu entries of the final rootfs, each from a native-stage step; no host-built file\n", nfiles);
	else if (!nhost)
		printf("provenance: %zu entries of the final rootfs; no host-built file but the known gap below\n", nfiles);
	if (nknown) {
		printf("known gap:  %zu host-built files stay on %s, as the plan declares (host-built %s ...):\n", nknown,
		       b->arch, b->arch);
		for (const char *l = known.s; l && *l;) {
			const char *e = strchr(l, '\n');
			printf("              %.*s\n", (int)(e ? e - l : (long)strlen(l)), l);
			l = e ? e + 1 : NULL;
		}
	}
	if (nhost) {
		printf("provenance: %zu entr%s; %zu host-built file%s remain%s:\n", nfiles, nfiles == 1 ? "y" : "ies", nhost,
		       nhost == 1 ? "" : "s", nhost == 1 ? "s" : "");
		for (const char *l = host.s; l && *l;) {
			const char *e = strchr(l, '\n');
			printf("              %.*s\n", (int)(e ? e - l : (long)strlen(l)), l);
			l = e ? e + 1 : NULL;
		}
	}
	if (!file_read(stamp, &old) && old.len >= 64 && !strncmp(old.s, b->digests[fin], 64))
		goto done;
	char *rootfs = path_join(outdir, "rootfs");
	char *tarp = path_join(outdir, "rootfs.tar");
	char *src = state_store(b->c->statedir, b->keys[fin], "out");
	char *mf = path_join(outdir, "manifest");
	char *pf = path_join(outdir, "provenance");
	const char *sde = plan_setting(p, "SOURCE_DATE_EPOCH");
	unlink(stamp);
	r = rm_rf(rootfs);
	if (!r)
		r = mkdir_p(outdir, 0755);
	if (!r)
		r = tree_copy(src, rootfs, 0);
	if (!r)
		r = tar_write_tree(rootfs, tarp, sde ? strtoll(sde, NULL, 10) : 0);
	if (!r)
		r = file_write_atomic(mf, b->manifests[fin], strlen(b->manifests[fin]));
	if (!r)
		r = file_write_atomic(pf, prov.s, prov.len);
	if (!r) {
		char line[66];
		memcpy(line, b->digests[fin], 64);
		line[64] = '\n';
		r = file_write_atomic(stamp, line, 65);
	}
	if (r)
		cmd_err("bootstrap: cannot write the outputs to %s: %s", outdir, err_msg(r));
	free(rootfs);
	free(tarp);
	free(src);
	free(mf);
	free(pf);
done:
	if (!r)
		printf("outputs:    %s/{rootfs/,rootfs.tar,manifest,provenance}\n", outdir);
	if (nhost && !r)
		r = -SPROUT_ERR_HASH;
	buf_free(&old);
	buf_free(&prov);
	buf_free(&host);
	buf_free(&known);
	free(stamp);
	return r;
}

static void print_smoke(struct bs *b)
{
	int s = plan_step_index(b->p, b->p->smoke);
	char *rp = state_store(b->c->statedir, b->keys[s], "out/smoke/report");
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

int cmd_bootstrap(struct ctx *c, int argc, char **argv)
{
	const char *plan_arg = "minimal";
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
		else {
			cmd_err("bootstrap: unexpected '%s' (usage: sprout bootstrap [--plan PLAN] [--update-digests] [--stage4] [--boot])", argv[i]);
			return CMD_EXIT_USAGE;
		}
	}
	struct bs b;
	memset(&b, 0, sizeof b);
	b.c = c;
	b.plan_arg = plan_arg;
	int rc = cmd_load_plan(c, plan_arg, &b.p, &b.arch);
	if (rc)
		return rc;
	const struct plan *p = b.p;
	if (stage4 && (rc = cmd_stage4_check(c, p, b.arch)) != 0)
		goto out;
	double t0 = now_sec();
	struct build_stats st;
	int r = cmd_build_plan(c, b.p, b.arch, plan_arg, NULL, 0, &st);
	double wall = now_sec() - t0;
	if (r) {
		if (r != -SPROUT_ERR_BUILD)
			cmd_err("bootstrap: %s", err_msg(r));
		rc = cmd_exit_for(r);
		goto out;
	}
	load_outputs(&b);
	printf("\nbootstrap %s for %s: %zu steps, %zu built, %zu cached, %.1fs\n", p->name, b.arch, p->nsteps, st.built,
	       st.cached, wall);
	for (size_t i = 0; i < p->nstages && i < CMD_MAX_STAGES; i++)
		if (st.stage_end[i] > 0)
			printf("  stage %-9s %.1fs\n", p->stages[i].name, st.stage_end[i] - st.stage_begin[i]);
	if (check_fixpoint(&b))
		b.failed = 1;
	if (check_digests(&b, update))
		b.failed = 1;
	if (p->smoke)
		print_smoke(&b);
	if (p->final) {
		char *outdir = xasprintf("%s/outputs/%s-%s", c->statedir, p->name, b.arch);
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
		rc = cmd_stage4(c, p, b.arch, plan_arg);
	if (!rc && boot) {
		char *bargv[] = {"boot", (char *)plan_arg, NULL};
		printf("\n");
		fflush(stdout);
		rc = cmd_boot(c, 2, bargv);
	}
out:
	if (b.manifests)
		for (size_t i = 0; i < p->nsteps; i++)
			free(b.manifests[i]);
	free(b.manifests);
	free(b.keys);
	free(b.digests);
	plan_free(b.p);
	return rc;
}
