/* sprout audit: every source of a plan, extracted, scanned for files
 * live-bootstrap refuses to trust, each matched with the recipe rule that
 * accounts for it (docs/trust.md). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "build/audit.h"
#include "build/session.h"
#include "cli/cmd.h"
#include "build/engine.h"
#include "core/err.h"
#include "fetch/fetch.h"
#include "build/plan.h"
#include "core/util.h"

struct tally {
	size_t sources, files, images, flagged, unhandled, stale;
	size_t by[3];   /* per rule action */
};

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
	memset(&fc, 0, sizeof fc);
	struct session ss = cmd_session(c);
	char *dist = session_distdir(&ss);
	fc.distdir = dist;
	fc.statedir = c->statedir;
	fc.recipedir = rc->dir;
	char *stored = fetch_store_path(&fc, src);
	char *dir = make_tmpdir();
	struct audit_scan sc = {0};
	size_t *counts = xcalloc(src->nrules + 1, sizeof *counts);
	int r = dir ? 0 : errf(-SPROUT_ERR_FORMAT, "cannot create a temporary directory for %s", src->file);
	if (!r)
		r = audit_unpack(src, stored, dir);
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
		if (k < 0) {
			t->unhandled++;
			printf("  %-*s  %-9s  %-10s  %s  (%s)\n", rw, rc->name, audit_kind_name(f->kind), "UNHANDLED",
			       f->path, f->why);
			continue;
		}
		const struct source_rule *ru = &src->rules[k];
		t->by[ru->action]++;
		printf("  %-*s  %-9s  %-10s  %s  (%s; line %d%s%s)\n", rw, rc->name, audit_kind_name(f->kind),
		       recipe_rule_action(ru->action), f->path, f->why, ru->line, ru->reason ? ": " : "",
		       ru->reason ? ru->reason : "");
	}
	for (size_t k = 0; k < src->nrules; k++)
		if (!counts[k]) {
			t->stale++;
			printf("  %-*s  %-9s  %-10s  %s  (%s:%d: matches no file of %s%s)\n", rw, rc->name, "-", "STALE",
			       src->rules[k].glob, rc->path, src->rules[k].line, src->file,
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
	printf("audit of plan %s: files live-bootstrap's rules refuse to trust, and what each recipe does with them\n",
	       p->name);
	printf("  %-*s  %-9s  %-10s  %s\n", rw, "recipe", "kind", "handling", "path  (evidence; rule)");
	struct tally t;
	memset(&t, 0, sizeof t);
	for (size_t i = 0; i < p->nrecipes && !rc; i++) {
		const struct recipe *rec = p->recipes[i];
		for (size_t k = 0; k < rec->nsources && !rc; k++) {
			err_clear();
			if (audit_source(c, rec, &rec->sources[k], rw, &t))
				rc = CMD_EXIT_FAIL;
		}
	}
	if (rc)
		goto out;
	printf("%zu sources, %zu files (%zu images, not flagged); %zu flagged: %zu regenerated, %zu deleted, %zu waived, "
	       "%zu not accounted for\n",
	       t.sources, t.files, t.images, t.flagged, t.by[RULE_REGENERATE], t.by[RULE_DELETE], t.by[RULE_WAIVE],
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
