/* sprout report PLAN [-o FILE.html]: one self-contained HTML page about the
 * last build of a plan (its run record, docs/cache.md): a timeline of the
 * steps as they ran in the job slots (inline SVG; no script, no network),
 * each step's time, size and digest, the fixpoint, the digest check, the
 * provenance of the final rootfs, the smoke report, and verify and audit
 * when they were run. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "build/cache.h"
#include "build/plan.h"
#include "build/runrec.h"
#include "cli/cmd.h"
#include "core/err.h"
#include "core/util.h"
#include "trust/provenance.h"

struct rep {
	const struct ctx *c;
	const struct plan *p;
	const char *arch;
	struct runrec r;
	char (*keys)[65];
	struct buf *h;          /* the page */
};

/* Text into HTML (element content and attribute values alike). */
static void esc(struct buf *b, const char *s)
{
	for (; s && *s; s++) {
		switch (*s) {
		case '&': buf_adds(b, "&amp;"); break;
		case '<': buf_adds(b, "&lt;"); break;
		case '>': buf_adds(b, "&gt;"); break;
		case '"': buf_adds(b, "&quot;"); break;
		case '\'': buf_adds(b, "&#39;"); break;
		default:
			if ((unsigned char)*s < 0x20 && *s != '\n' && *s != '\t')
				buf_addc(b, '?');
			else
				buf_addc(b, *s);
		}
	}
}

static const char *stage_color(const char *stage)
{
	static const char *const names[] = {"host", "cross", "native", "packages"};
	static const char *const colors[] = {"#4e79a7", "#f28e2b", "#59a14f", "#b07aa1"};
	for (size_t i = 0; i < 4; i++)
		if (!strcmp(stage, names[i]))
			return colors[i];
	return "#9c755f";
}

static void fmt_secs(double s, char *out, size_t n)
{
	if (s < 60)
		snprintf(out, n, "%.1fs", s);
	else
		snprintf(out, n, "%dm%02ds", (int)(s / 60), (int)s % 60);
}

/* A tick step that gives about 8 ticks over wall seconds. */
static double tick_step(double wall)
{
	static const double steps[] = {0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200};
	for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++)
		if (wall / steps[i] <= 10)
			return steps[i];
	return 14400;
}

/* The timeline: one lane per job slot, a bar per step that ran. */
static void svg_timeline(struct rep *rp)
{
	struct buf *h = rp->h;
	const struct runrec *r = &rp->r;
	int lanes = r->jobs > 0 ? r->jobs : 1;
	const int W = 960, left = 64, lane = 30, top = 10, axis = 34;
	double wall = r->wall > 0 ? r->wall : 1;
	for (size_t i = 0; i < r->nsteps; i++)
		if (r->steps[i].end > wall)
			wall = r->steps[i].end;
	double sx = (W - left - 10) / wall;
	int H = top + lanes * lane + axis;
	buf_addf(h, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
		    "role=\"img\" aria-label=\"timeline of the steps in %d job slot%s\">\n",
		 W, H, W, H, lanes, lanes == 1 ? "" : "s");
	for (int k = 0; k < lanes; k++) {
		int y = top + k * lane;
		buf_addf(h, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"%s\"/>\n", left, y, W - left - 10,
			 lane, k % 2 ? "#f4f4f4" : "#fafafa");
		buf_addf(h, "<text x=\"%d\" y=\"%d\" class=\"lane\">slot %d</text>\n", left - 8, y + lane / 2 + 4, k + 1);
	}
	double ts = tick_step(wall);
	for (double t = 0; t <= wall + 1e-9; t += ts) {
		int x = left + (int)(t * sx + 0.5);
		char lab[32];
		fmt_secs(t, lab, sizeof lab);
		buf_addf(h, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" class=\"tick\"/>\n", x, top, x,
			 top + lanes * lane + 4);
		buf_addf(h, "<text x=\"%d\" y=\"%d\" class=\"axis\">%s</text>\n", x, top + lanes * lane + 18, lab);
	}
	for (size_t i = 0; i < r->nsteps; i++) {
		const struct runrec_step *s = &r->steps[i];
		if (s->start < 0 || s->slot < 0 || s->slot >= lanes)
			continue;
		double x = left + s->start * sx, w = (s->end - s->start) * sx;
		int y = top + s->slot * lane + 3;
		char t[32];
		fmt_secs(s->end - s->start, t, sizeof t);
		buf_addf(h, "<g><title>");
		esc(h, s->name);
		buf_addf(h, " (%s, %s): %s, %.1fs to %.1fs</title>\n", s->stage, runrec_result_name(s->result), t,
			 s->start, s->end);
		buf_addf(h, "<rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\" rx=\"3\" fill=\"%s\"%s/>\n", x, y,
			 w < 1 ? 1 : w, lane - 6, stage_color(s->stage),
			 s->result == RUNREC_FAILED ? " stroke=\"#d62728\" stroke-width=\"3\"" : "");
		/* the name inside the bar when it fits (about 7 px a letter) */
		if (w > 7.0 * (double)strlen(s->name) + 8) {
			buf_addf(h, "<text x=\"%.1f\" y=\"%d\" class=\"bar\">", x + 4, y + lane / 2 + 2);
			esc(h, s->name);
			buf_adds(h, "</text>\n");
		}
		buf_adds(h, "</g>\n");
	}
	buf_adds(h, "</svg>\n<p class=\"legend\">");
	static const char *const st[] = {"host", "cross", "native", "packages"};
	for (size_t i = 0; i < 4; i++)
		buf_addf(h, "<span class=\"sw\" style=\"background:%s\"></span>%s ", stage_color(st[i]), st[i]);
	buf_adds(h, "&#8212; a red outline is a failed step; hover a bar for its times.</p>\n");
}

/* The digest of step name in this run (the record), else in the store. */
static const char *digest_of(struct rep *rp, const char *name, char hex[65])
{
	for (size_t i = 0; i < rp->r.nsteps; i++)
		if (!strcmp(rp->r.steps[i].name, name) && rp->r.steps[i].digest[0])
			return rp->r.steps[i].digest;
	int i = plan_step_index(rp->p, name);
	if (i >= 0 && !cache_digest(rp->c->statedir, rp->keys[i], hex))
		return hex;
	return NULL;
}

static void html_steps(struct rep *rp)
{
	struct buf *h = rp->h;
	buf_adds(h, "<h2>Steps</h2>\n<table>\n<tr><th>step</th><th>stage</th><th>result</th><th>slot</th>"
		    "<th>start</th><th>time</th><th>size</th><th>digest</th></tr>\n");
	for (size_t i = 0; i < rp->r.nsteps; i++) {
		const struct runrec_step *s = &rp->r.steps[i];
		char t[32] = "-", st[32] = "-", sz[32] = "-", slot[16] = "-";
		if (s->start >= 0) {
			fmt_secs(s->end - s->start, t, sizeof t);
			fmt_secs(s->start, st, sizeof st);
			snprintf(slot, sizeof slot, "%d", s->slot + 1);
		}
		if (s->size >= 0)
			cmd_human_size(s->size, sz, sizeof sz);
		buf_adds(h, "<tr><td>");
		esc(h, s->name);
		buf_addf(h, "</td><td><span class=\"sw\" style=\"background:%s\"></span>%s</td><td class=\"r-%s\">%s</td>"
			    "<td class=\"n\">%s</td><td class=\"n\">%s</td><td class=\"n\">%s</td><td class=\"n\">%s</td>"
			    "<td class=\"d\">%s</td></tr>\n",
			 stage_color(s->stage), s->stage, s->result == RUNREC_FAILED ? "bad" : "ok",
			 runrec_result_name(s->result), slot, st, t, sz, s->digest[0] ? s->digest : "-");
	}
	buf_adds(h, "</table>\n");
}

/* The plan's expected digests against this build's. */
static void html_digests(struct rep *rp, struct buf *out)
{
	char *path = xasprintf("%s/digests.%s", rp->p->dir, rp->arch);
	struct buf want = {0};
	if (file_read(path, &want)) {
		buf_addf(out, "<li><b>digests:</b> no expected digests (<code>");
		esc(out, path);
		buf_adds(out, "</code>)</li>\n");
		free(path);
		return;
	}
	size_t match = 0, differ = 0, missing = 0;
	struct buf bad = {0};
	char *save = NULL;
	for (char *l = strtok_r(want.s, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		char name[256], hex[65], have[65];
		if (l[0] == '#' || sscanf(l, "%255s %64s", name, hex) != 2)
			continue;
		const char *d = digest_of(rp, name, have);
		if (!d) {
			missing++;
		} else if (strcmp(d, hex)) {
			differ++;
			buf_adds(&bad, bad.len ? ", " : "");
			esc(&bad, name);
		} else {
			match++;
		}
	}
	buf_addf(out, "<li><b>digests:</b> <span class=\"%s\">%zu of %zu steps match</span> <code>", differ ? "bad" : "ok",
		 match, match + differ + missing);
	esc(out, path);
	buf_adds(out, "</code>");
	if (differ)
		buf_addf(out, "; %zu differ: %s", differ, bad.s);
	if (missing)
		buf_addf(out, "; %zu not built", missing);
	buf_adds(out, "</li>\n");
	buf_free(&bad);
	buf_free(&want);
	free(path);
}

/* Two fixpoint outputs that differ, and a plan that excludes paths from
 * the comparison: whether the rest is identical, and each exclusion. */
static void html_fixpoint_excluded(struct rep *rp, struct buf *out, const char *a, const char *b)
{
	const struct plan *p = rp->p;
	struct trust_build tb;
	struct buf diff = {0}, excl = {0};
	trust_build_load(&tb, p, rp->arch, rp->c->statedir);
	int r = trust_fixpoint(&tb, &diff, &excl, NULL);
	trust_build_free(&tb);
	buf_addf(out, "<span class=\"%s\">%s</span> (<code>%.12s</code>, <code>%.12s</code>)<ul>\n", r ? "bad" : "ok",
		 r ? "differ" : "are identical but for what the plan excludes", a, b);
	for (size_t k = 0; k < p->nfixpoint_excl; k++) {
		buf_addf(out, "<li>excluded: <code>");
		esc(out, p->fixpoint_excl[k].glob);
		buf_addf(out, "</code> (plan line %d: ", p->fixpoint_excl[k].line);
		esc(out, p->fixpoint_excl[k].reason);
		buf_adds(out, ")</li>\n");
	}
	buf_adds(out, "</ul></li>\n");
	buf_free(&diff);
	buf_free(&excl);
}

static void html_fixpoint(struct rep *rp, struct buf *out)
{
	const struct plan *p = rp->p;
	if (p->fixpoint_gone) {
		buf_adds(out, "<li><b>fixpoint:</b> not checked for ");
		esc(out, p->arch);
		buf_adds(out, ": ");
		esc(out, p->fixpoint_gone);
		buf_adds(out, " are left out on this arch (the plan's <code>only=</code>)</li>\n");
	}
	if (!p->fixpoint[0])
		return;
	char h0[65], h1[65];
	const char *a = digest_of(rp, p->fixpoint[0], h0), *b = digest_of(rp, p->fixpoint[1], h1);
	buf_addf(out, "<li><b>fixpoint:</b> %s and %s ", p->fixpoint[0], p->fixpoint[1]);
	if (!a || !b)
		buf_adds(out, "not both built</li>\n");
	else if (!strcmp(a, b))
		buf_addf(out, "<span class=\"ok\">are identical</span> (<code>%s</code>)</li>\n", a);
	else if (!p->nfixpoint_excl)
		buf_addf(out, "<span class=\"bad\">differ</span> (<code>%.12s</code>, <code>%.12s</code>)</li>\n", a, b);
	else
		html_fixpoint_excluded(rp, out, a, b);
}

/* The final rootfs's provenance (bootstrap's outputs): entries, and how
 * many come from a host or cross stage. */
static void html_provenance(struct rep *rp, struct buf *out)
{
	char *path = xasprintf("%s/outputs/%s-%s/provenance", rp->c->statedir, rp->p->name, rp->arch);
	struct buf b = {0};
	if (file_read(path, &b)) {
		buf_adds(out, "<li><b>provenance:</b> not written (<code>sprout bootstrap</code> writes it)</li>\n");
		free(path);
		return;
	}
	size_t n = 0, host = 0;
	char *save = NULL;
	for (char *l = strtok_r(b.s, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		char step[256], stage[64];
		if (l[0] == '#' || !strncmp(l, "sprout-provenance", 17) || sscanf(l, "%255s %63s", step, stage) != 2)
			continue;
		n++;
		host += !strcmp(stage, "host") || !strcmp(stage, "cross");
	}
	if (!host)
		buf_addf(out, "<li><b>provenance:</b> <span class=\"ok\">%zu entries of the final rootfs, each from a "
			      "native-stage step</span>; no host-built file</li>\n", n);
	else
		buf_addf(out, "<li><b>provenance:</b> %zu entries of the final rootfs; <span class=\"%s\">%zu from a host "
			      "stage</span>%s</li>\n", n, rp->p->nhost_built ? "warn" : "bad", host,
			 rp->p->nhost_built ? " (the known gap the plan declares)" : "");
	buf_free(&b);
	free(path);
}

/* A record line of verify or audit (STATE/runs/ARCH/PLAN.what). */
static void html_record(struct rep *rp, const char *what, struct buf *out)
{
	char *path = xasprintf("%s/runs/%s/%s.%s", rp->c->statedir, rp->arch, rp->p->name, what);
	struct buf b = {0};
	char when[40] = "?", res[40] = "";
	long long t = 0;
	unsigned long v[8] = {0};
	if (file_read(path, &b) ||
	    sscanf(b.s, "%*s %lld %39s %lu %lu %lu %lu %lu %lu %lu %lu", &t, res, &v[0], &v[1], &v[2], &v[3], &v[4],
		   &v[5], &v[6], &v[7]) < 3) {
		buf_addf(out, "<li><b>%s:</b> not run</li>\n", what);
		goto out;
	}
	time_t tt = (time_t)t;
	struct tm tm;
	if (gmtime_r(&tt, &tm))
		strftime(when, sizeof when, "%Y-%m-%d %H:%M UTC", &tm);
	int good = !strcmp(res, "ok") || !strcmp(res, "reproducible");
	buf_addf(out, "<li><b>%s:</b> <span class=\"%s\">%s</span>", what, good ? "ok" : "bad", res);
#define S_(n) ((n) == 1 ? "" : "s")
	if (!strcmp(what, "verify"))
		buf_addf(out, ": %lu of %lu step%s reproducible in %lu variant%s", v[0], v[1], S_(v[1]), v[2], S_(v[2]));
	else
		buf_addf(out, ": %lu source%s, %lu file%s, %lu flagged (%lu regenerated, %lu deleted, %lu waived), "
			      "%lu not accounted for, %lu stale rule%s", v[0], S_(v[0]), v[1], S_(v[1]), v[2], v[3], v[4],
			 v[5], v[6], v[7], S_(v[7]));
#undef S_
	buf_addf(out, " (%s)</li>\n", when);
out:
	buf_free(&b);
	free(path);
}

static void html_smoke(struct rep *rp)
{
	int i = rp->p->smoke ? plan_step_index(rp->p, rp->p->smoke) : -1;
	if (i < 0)
		return;
	char *path = xasprintf("%s/store/%s/out/smoke/report", rp->c->statedir, rp->keys[i]);
	struct buf b = {0};
	if (!file_read(path, &b) && b.len) {
		buf_adds(rp->h, "<h2>Smoke test</h2>\n<pre>");
		esc(rp->h, b.s);
		buf_adds(rp->h, "</pre>\n");
	}
	buf_free(&b);
	free(path);
}

static const char CSS[] =
	"body{font:15px/1.45 system-ui,sans-serif;margin:24px auto;max-width:1000px;color:#222;padding:0 12px}"
	"h1{font-size:22px;margin:0 0 4px}h2{font-size:18px;margin:26px 0 8px}"
	"table{border-collapse:collapse;font-size:13px}td,th{padding:3px 8px;border-bottom:1px solid #e4e4e4;"
	"text-align:left}td.n{text-align:right;font-variant-numeric:tabular-nums}"
	"td.d,code{font-family:ui-monospace,monospace;font-size:12px;word-break:break-all}"
	".ok{color:#1a7f37}.bad{color:#c62828;font-weight:bold}.warn{color:#9a6700}.r-bad{color:#c62828}"
	".sw{display:inline-block;width:10px;height:10px;border-radius:2px;margin:0 5px 0 0}"
	"svg text{font:12px system-ui,sans-serif}svg .lane{text-anchor:end;fill:#555}"
	"svg .axis{text-anchor:middle;fill:#555}svg .bar{fill:#fff}svg .tick{stroke:#ccc}"
	".legend{font-size:13px;color:#555}.meta{color:#555}ul{padding-left:20px}pre{white-space:pre-wrap;font-size:13px}";

static void html_page(struct rep *rp)
{
	struct buf *h = rp->h;
	const struct runrec *r = &rp->r;
	char when[40] = "?", wall[32];
	time_t tt = (time_t)r->started;
	struct tm tm;
	if (gmtime_r(&tt, &tm))
		strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S UTC", &tm);
	fmt_secs(r->wall, wall, sizeof wall);
	size_t n[RUNREC_RESULTS] = {0};
	for (size_t i = 0; i < r->nsteps; i++)
		n[r->steps[i].result]++;
	buf_adds(h, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>sprout report: ");
	esc(h, rp->p->name);
	buf_addf(h, " for %s</title>\n<style>%s</style>\n</head>\n<body>\n<h1>Plan ", rp->arch, CSS);
	esc(h, rp->p->name);
	buf_addf(h, " for %s</h1>\n<p class=\"meta\">", rp->arch);
	esc(h, rp->p->description);
	buf_addf(h, "</p>\n<p>Last build: %s, -j%d, %s: <b class=\"%s\">%s</b>; %zu built, %zu cached, %zu failed, "
		    "%zu not started.</p>\n",
		 when, r->jobs, wall, r->failed ? "bad" : "ok", r->failed ? "failed" : "ok", n[RUNREC_BUILT],
		 n[RUNREC_CACHED], n[RUNREC_FAILED], n[RUNREC_SKIPPED]);
	buf_adds(h, "<h2>Timeline</h2>\n");
	svg_timeline(rp);
	html_steps(rp);
	struct buf checks = {0};
	html_fixpoint(rp, &checks);
	html_digests(rp, &checks);
	html_provenance(rp, &checks);
	html_record(rp, "verify", &checks);
	html_record(rp, "audit", &checks);
	buf_addf(h, "<h2>Checks</h2>\n<ul>\n%s</ul>\n", checks.s ? checks.s : "");
	buf_free(&checks);
	html_smoke(rp);
	buf_adds(h, "<p class=\"meta\">Written by <code>sprout report</code> from the state directory's run record "
		    "(docs/cache.md); nothing here needs a network or a script.</p>\n</body>\n</html>\n");
}

int cmd_report(struct ctx *c, int argc, char **argv)
{
	const char *out = NULL, *plan_arg;
	const struct cmd_opt opts[] = {{"-o", NULL, &out}, {NULL, NULL, NULL}};
	struct rep rp;
	memset(&rp, 0, sizeof rp);
	struct plan *p;
	const char *arch;
	int rc = cmd_open_plan(c, argc, argv, opts, "PLAN [-o FILE.html]", NULL, &plan_arg, &p, &arch);
	if (rc)
		return rc;
	rp.c = c;
	rp.p = p;
	rp.arch = arch;
	err_clear();
	int r = runrec_read(&rp.r, c->statedir, arch, p->name);
	if (r) {
		struct buf again = {0};
		cmd_again(c, c->arch, &again);
		if (r == -ENOENT)
			cmd_err("report: no build of plan %s for %s is recorded in %s; build it first: %s build %s", p->name,
				arch, c->statedir, again.s, plan_arg);
		else
			cmd_err("report: %s", err_msg(r));
		buf_free(&again);
		plan_free(p);
		return CMD_EXIT_FAIL;
	}
	rp.keys = xcalloc(p->nsteps + 1, sizeof *rp.keys);
	cache_keys(p, arch, c->statedir, rp.keys, NULL, NULL);
	struct buf page = {0};
	rp.h = &page;
	html_page(&rp);
	if (out) {
		r = file_write_atomic(out, page.s, page.len);
		if (r) {
			cmd_err("report: %s: %s", out, err_str(r));
			rc = CMD_EXIT_FAIL;
		} else if (!c->quiet) {
			fprintf(stderr, "report: %s: plan %s for %s, the build of %zu steps\n", out, p->name, arch,
				rp.r.nsteps);
		}
	} else if (fwrite(page.s, 1, page.len, stdout) != page.len) {
		rc = CMD_EXIT_FAIL;
	}
	buf_free(&page);
	free(rp.keys);
	runrec_free(&rp.r);
	plan_free(p);
	return rc;
}
