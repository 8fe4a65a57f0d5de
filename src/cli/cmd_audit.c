/* sprout audit: every source of a plan, extracted, scanned for files
 * live-bootstrap refuses to trust, each matched with the recipe rule that
 * accounts for it (docs/trust.md). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "build/audit.h"
#include "build/session.h"
#include "cli/cmd.h"
#include "build/engine.h"
#include "core/err.h"
#include "fetch/fetch.h"
#include "build/plan.h"
#include "core/json.h"
#include "core/util.h"

struct tally {
	size_t sources, files, images, flagged, unhandled, stale;
	size_t by[3];   /* per rule action */
	struct json *j; /* --json: the findings go here, not to the table */
};

/* One finding as a JSON object (docs/cli.md). */
static void json_finding(struct json *j, const char *recipe, const char *source, const char *kind,
			 const char *handling, const char *path, const char *why, int line, const char *reason)
{
	json_object_begin(j, NULL);
	json_string(j, "recipe", recipe);
	json_string(j, "source", source);
	json_string(j, "kind", kind);
	json_string(j, "handling", handling);
	json_string(j, "path", path);
	json_string(j, "evidence", why);
	json_int_or_null(j, "rule_line", line, line > 0);
	json_string(j, "reason", reason);
	json_object_end(j);
}

static char *make_tmpdir(void)
{
	const char *t = getenv("TMPDIR");
	char *d = xasprintf("%s/sprout-audit.XXXXXX", t && t[0] == '/' ? t : "/tmp");
	if (!mkdtemp(d)) {
		free(d);
		return NULL;
	}
	return d;
}

/* Audit one source of recipe rc: unpack into a fresh directory, scan, and
 * print a row per finding. 0, or a negative code (printed). */
static int audit_source(struct ctx *c, const struct recipe *rc, const struct source *src, int rw, struct tally *t)
{
	struct fetch_ctx fc;
	struct session ss = cmd_session(c);
	char *dist = session_distdir(&ss);
	session_fetch_ctx(&ss, rc, dist, &fc);
	char *stored = fetch_store_path(&fc, src);
	char *dir = make_tmpdir();
	struct audit_scan sc = {0};
	size_t *counts = xcalloc(src->nrules + 1, sizeof *counts);
	int r = dir ? 0 : errf(-SPROUT_ERR_FORMAT, "cannot create a temporary directory for %s", src->file);
	if (!r)
		r = audit_unpack(src, stored, dir, NULL);
	if (!r)
		r = audit_scan_tree(dir, &sc);
	if (!r)
		r = audit_rule_usage(dir, src, counts);
	if (r) {
		cmd_err("audit: %s: %s", src->file, err_msg(r));
		goto out;
	}
	t->sources++;
	t->files += sc.files;
	t->images += sc.images;
	for (size_t i = 0; i < sc.n; i++) {
		const struct audit_finding *f = &sc.v[i];
		int k = audit_rule_for(src, f->path);
		t->flagged++;
		if (k < 0 && t->j) {
			t->unhandled++;
			json_finding(t->j, rc->name, src->file, audit_kind_name(f->kind), "unhandled", f->path, f->why, 0,
				     NULL);
			continue;
		}
		if (k < 0) {
			t->unhandled++;
			printf("  %-*s  %-9s  %-10s  %s  (%s)\n", rw, rc->name, audit_kind_name(f->kind), "UNHANDLED",
			       f->path, f->why);
			continue;
		}
		const struct source_rule *ru = &src->rules[k];
		t->by[ru->action]++;
		if (t->j) {
			json_finding(t->j, rc->name, src->file, audit_kind_name(f->kind), recipe_rule_action(ru->action),
				     f->path, f->why, ru->line, ru->reason);
			continue;
		}
		printf("  %-*s  %-9s  %-10s  %s  (%s; %s%sline %d%s%s)\n", rw, rc->name, audit_kind_name(f->kind),
		       recipe_rule_action(ru->action), f->path, f->why, src->recipe_path ? src->recipe_path : "",
		       src->recipe_path ? " " : "", ru->line, ru->reason ? ": " : "", ru->reason ? ru->reason : "");
	}
	for (size_t k = 0; k < src->nrules; k++)
		if (!counts[k] && t->j) {
			t->stale++;
			json_finding(t->j, rc->name, src->file, "-", "stale", src->rules[k].glob, "matches no file",
				     src->rules[k].line, NULL);
		} else if (!counts[k]) {
			t->stale++;
			printf("  %-*s  %-9s  %-10s  %s  (%s:%d: matches no file of %s%s)\n", rw, rc->name, "-", "STALE",
			       src->rules[k].glob, src->recipe_path ? src->recipe_path : rc->path, src->rules[k].line, src->file,
			       k > 0 ? ", or only files an earlier rule takes" : "");
		}
out:
	if (dir)
		rm_rf(dir);
	audit_scan_free(&sc);
	free(counts);
	free(dir);
	free(stored);
	free(dist);
	return r;
}

/* The totals that close the JSON document. */
static void audit_json_end(struct json *j, const struct tally *t)
{
	json_array_end(j);
	json_int(j, "sources", (long long)t->sources);
	json_int(j, "files", (long long)t->files);
	json_int(j, "images", (long long)t->images);
	json_int(j, "flagged", (long long)t->flagged);
	json_int(j, "regenerated", (long long)t->by[RULE_REGENERATE]);
	json_int(j, "deleted", (long long)t->by[RULE_DELETE]);
	json_int(j, "waived", (long long)t->by[RULE_WAIVE]);
	json_int(j, "unhandled", (long long)t->unhandled);
	json_int(j, "stale", (long long)t->stale);
	json_string(j, "result", t->unhandled || t->stale ? "failed" : "ok");
	json_object_end(j);
}

/* The record sprout report shows: STATE/runs/ARCH/PLAN.audit, one line
 * (docs/cache.md). */
static void audit_record(const struct ctx *c, const char *plan, const char *arch, const struct tally *t)
{
	char *dir = xasprintf("%s/runs/%s", c->statedir, arch);
	char *path = xasprintf("%s/%s.audit", dir, plan);
	char *line = xasprintf("audit %lld %s %zu %zu %zu %zu %zu %zu %zu %zu\n", (long long)time(NULL),
			       t->unhandled || t->stale ? "failed" : "ok", t->sources, t->files, t->flagged,
			       t->by[RULE_REGENERATE], t->by[RULE_DELETE], t->by[RULE_WAIVE], t->unhandled, t->stale);
	if (!mkdir_p(dir, 0755))
		file_write_atomic(path, line, strlen(line));
	free(line);
	free(path);
	free(dir);
}

int cmd_audit(struct ctx *c, int argc, char **argv)
{
	int offline = 0;
	struct plan *p;
	const char *arch;
	int rc = cmd_open_plan_offline(c, argc, argv, &offline, &p, &arch);
	if (rc)
		return rc;
	struct session ss = cmd_session(c);
	err_clear();
	int r = session_fetch_all(&ss, p, arch, offline);
	if (r) {
		cmd_err("audit: %s", err_msg(r));
		rc = cmd_exit_for(r);
		goto out;
	}
	int rw = 6;
	for (size_t i = 0; i < p->nrecipes; i++)
		if ((int)strlen(p->recipes[i]->name) > rw)
			rw = (int)strlen(p->recipes[i]->name);
	struct tally t;
	memset(&t, 0, sizeof t);
	struct buf jb = {0};
	struct json j;
	if (c->json) {
		json_init(&j, &jb);
		t.j = &j;
		json_object_begin(&j, NULL);
		json_string(&j, "plan", p->name);
		json_string(&j, "arch", arch);
		json_array_begin(&j, "findings");
	} else {
		printf("audit of plan %s: files live-bootstrap's rules refuse to trust, and what each recipe does with "
		       "them\n", p->name);
		printf("  %-*s  %-9s  %-10s  %s\n", rw, "recipe", "kind", "handling", "path  (evidence; rule)");
	}
	for (size_t i = 0; i < p->nrecipes && !rc; i++) {
		const struct recipe *rec = p->recipes[i];
		for (size_t k = 0; k < rec->nsources && !rc; k++) {
			err_clear();
			if (audit_source(c, rec, &rec->sources[k], rw, &t))
				rc = CMD_EXIT_FAIL;
		}
	}
	if (rc) {
		buf_free(&jb);
		goto out;
	}
	audit_record(c, p->name, arch, &t);
	if (c->json) {
		audit_json_end(&j, &t);
		cmd_json_print(&jb);
		rc = t.unhandled || t.stale ? CMD_EXIT_FAIL : CMD_EXIT_OK;
		goto out;
	}
	printf("%zu source%s, %zu file%s (%zu image%s, not flagged); %zu flagged: %zu regenerated, %zu deleted, "
	       "%zu waived, %zu not accounted for\n",
	       t.sources, t.sources == 1 ? "" : "s", t.files, t.files == 1 ? "" : "s", t.images, t.images == 1 ? "" : "s",
	       t.flagged, t.by[RULE_REGENERATE], t.by[RULE_DELETE], t.by[RULE_WAIVE],
	       t.unhandled);
	if (t.stale)
		printf("%zu rule%s match%s no file: remove or fix %s\n", t.stale, t.stale == 1 ? "" : "s",
		       t.stale == 1 ? "es" : "", t.stale == 1 ? "it" : "them");
	if (t.unhandled)
		printf("every flagged file needs a rule under its source: regenerate GLOB, delete GLOB, or waive GLOB "
		       "REASON (docs/recipes.md)\n");
	printf("audit: %s\n", t.unhandled || t.stale ? "FAILED" : "ok");
	rc = t.unhandled || t.stale ? CMD_EXIT_FAIL : CMD_EXIT_OK;
out:
	plan_free(p);
	return rc;
}
