/* sprout fetch PLAN [--offline]: every source of every step of the plan
 * into the distfiles store, verified. Goes on past a source that fails, so
 * that the report names every missing file; -v names what served each. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "build/session.h"
#include "cli/cmd.h"
#include "core/err.h"
#include "fetch/fetch.h"
#include "build/plan.h"
#include "core/util.h"

struct fetch_tally {
	size_t n, had, fetched;
	struct strv seen;   /* file names done (recipes may share a file) */
	struct strv failed; /* file names */
};

static int seen(struct strv *sv, const char *file)
{
	for (size_t i = 0; i < sv->n; i++)
		if (!strcmp(sv->v[i], file))
			return 1;
	strv_add(sv, file);
	return 0;
}

/* Fetch every source of recipe rc; prints what failed (and with -v what
 * served each). Returns the worst error code, or 0. */
static int fetch_recipe(const struct ctx *c, const struct recipe *rc, const char *distdir, int offline,
			struct fetch_tally *t)
{
	int worst = 0;
	struct buf served = {0};
	struct session ss = cmd_session(c);
	for (size_t k = 0; k < rc->nsources; k++) {
		const struct source *src = &rc->sources[k];
		if (seen(&t->seen, src->file))
			continue;
		struct fetch_ctx fc;
		session_fetch_ctx(&ss, rc, distdir, &fc);
		fc.offline = offline;
		fc.served = &served;
		char *path = NULL;
		served.len = 0;
		err_clear();
		int r = fetch_source(&fc, src, &path);
		free(path);
		t->n++;
		if (r) {
			cmd_err("fetch: %s", err_msg(r));
			strv_add(&t->failed, src->file);
			if (!worst || r == -SPROUT_ERR_HASH)
				worst = r;
			continue;
		}
		int from_store = served.s && !strcmp(served.s, "store");
		if (from_store)
			t->had++;
		else
			t->fetched++;
		if (c->verbose)
			printf("fetch: %s: %s\n", src->file, from_store ? "in the store" : served.s ? served.s : "?");
	}
	buf_free(&served);
	return worst;
}

int cmd_fetch(struct ctx *c, int argc, char **argv)
{
	int offline = 0;
	const struct cmd_opt opts[] = {{"--offline", &offline, NULL}, {NULL, NULL, NULL}};
	struct plan *p;
	const char *arch;
	const char *plan_arg;
	int rc = cmd_open_plan(c, argc, argv, opts, "PLAN", NULL, &plan_arg, &p, &arch);
	if (rc)
		return rc;
	struct session ss = cmd_session(c);
	char *distdir = session_distdir(&ss);
	struct fetch_tally t;
	memset(&t, 0, sizeof t);
	int worst = 0;
	/* each recipe once, in the order of the plan's steps */
	char *done = xcalloc(p->nrecipes + 1, 1);
	for (size_t i = 0; i < p->nsteps; i++) {
		const struct recipe *r = p->steps[p->order ? (size_t)p->order[i] : i].recipe;
		size_t ri = 0;
		while (ri < p->nrecipes && p->recipes[ri] != r)
			ri++;
		if (done[ri])
			continue;
		done[ri] = 1;
		int e = fetch_recipe(c, r, distdir, offline, &t);
		if (e && (!worst || e == -SPROUT_ERR_HASH))
			worst = e;
	}
	free(done);
	if (t.failed.n) {
		struct buf again = {0};
		cmd_again(c, c->arch, &again);
		buf_adds(&again, " fetch ");
		cmd_shell_word(&again, plan_arg);
		cmd_err("fetch: %zu of %zu source%s of plan %s %s (above)%s%s", t.failed.n, t.n, t.n == 1 ? "" : "s",
			p->name, offline ? "not in the store" : "could not be fetched and verified",
			offline ? "; fetch them with: " : "", offline ? again.s : "");
		buf_free(&again);
		rc = cmd_exit_for(worst);
	} else if (!c->quiet) {
		printf("fetch: %zu source%s of plan %s verified: %zu %s in the store, %zu fetched\n", t.n,
		       t.n == 1 ? "" : "s", p->name, t.had, t.had == 1 ? "was" : "were", t.fetched);
	}
	strv_free(&t.failed);
	strv_free(&t.seen);
	free(distdir);
	plan_free(p);
	return rc;
}
