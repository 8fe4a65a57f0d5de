/* sprout verify --diverse: argument checks, the builds (one per leg, with
 * build's display) and the report; the logic is trust/diverse.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "build/manifest.h"
#include "build/plan.h"
#include "cli/cmd.h"
#include "cli/display.h"
#include "cli/cmd_verify.h"
#include "core/err.h"
#include "core/json.h"
#include "core/util.h"
#include "trust/diverse.h"

/* "gcc or clang", "gcc, clang or pcc": the legs, for the verdict. */
static void leg_list(const struct diverse *d, const char *last, struct buf *b)
{
	for (size_t k = 0; k < d->nlegs; k++)
		buf_addf(b, "%s%s", k == 0 ? "" : k + 1 == d->nlegs ? last : ", ", d->legs[k].cc);
}

/* Build each leg in turn with build's display. 0 or an exit status. */
static int build_legs_here(struct ctx *c, struct diverse *d, const char *plan_arg)
{
	for (size_t k = 0; k < d->nlegs; k++) {
		struct diverse_leg *l = &d->legs[k];
		struct build_stats st;
		if (l->skip) {
			printf("verify --diverse: %s: INCONCLUSIVE: %s\n", l->cc, l->skip);
			continue;
		}
		if (l->seed_only)
			printf("verify --diverse: building %s with %s (the seed compiler; the rest of the host stage with "
			       "the plan's CC)\n", l->p->name, l->setting);
		else
			printf("verify --diverse: building %s with %s in the host stages\n", l->p->name, l->setting);
		err_clear();
		int r = display_build(c, l->p, d->arch, plan_arg, d->names, (int)d->nnames, &st);
		if (r && r != -SPROUT_ERR_BUILD) {
			cmd_err("verify: %s", err_msg(r));
			cmd_err("verify: --diverse: the build with %s failed", l->setting);
			return cmd_exit_for(r);
		}
		diverse_leg_built(d, k, r, c->statedir);
		if (r)
			printf("verify --diverse: %s: INCONCLUSIVE: %s\n", l->setting, l->skip);
		else
			printf("verify --diverse: %s: %zu built, %zu cached\n", l->setting, st.built, st.cached);
	}
	return 0;
}

/* Each leg is built here with its compiler, never pulled from a shared
 * cache (--cache): a pulled step was built by someone else's. */
static int build_legs(struct ctx *c, struct diverse *d, const char *plan_arg)
{
	char **caches = c->caches;
	c->caches = NULL;
	int r = build_legs_here(c, d, plan_arg);
	c->caches = caches;
	return r;
}

/* The row of step i: its digest in each leg and the verdict. */
static void print_row(const struct diverse *d, int i, int nw)
{
	const struct plan *p = d->legs[0].p;
	int agrees = diverse_step_agrees(d, i);
	const char *verdict;
	if (d->cmp[i])
		verdict = agrees ? "identical" : "DIFFERENT";
	else
		verdict = agrees ? "same (not compared)" : "differ (not compared)";
	printf("  %-*s  %-8s", nw, p->steps[i].name, p->stages[p->steps[i].stage].name);
	for (size_t k = 0; k < d->nlegs; k++) {
		const struct diverse_leg *l = &d->legs[k];
		printf("  %-12.12s", l->skip || !l->outs[i].digest[0] ? "-" : l->outs[i].digest);
	}
	printf("  %s\n", verdict);
}

/* For each compared step that differs: the files, against the first leg. */
static void print_differences(const struct diverse *d)
{
	const struct plan *p = d->legs[0].p;
	const struct diverse_leg *a = NULL;
	for (size_t k = 0; k < d->nlegs && !a; k++)
		if (!d->legs[k].skip)
			a = &d->legs[k];
	for (size_t i = 0; a && i < d->n; i++) {
		if (!d->cmp[i])
			continue;
		for (size_t k = 0; k < d->nlegs; k++) {
			const struct diverse_leg *b = &d->legs[k];
			if (b == a || b->skip || !strcmp(a->outs[i].digest, b->outs[i].digest) || !a->outs[i].manifest ||
			    !b->outs[i].manifest)
				continue;
			struct buf df = {0};
			manifest_diff(a->outs[i].manifest, b->outs[i].manifest, &df);
			printf("  %s: files that differ (- only with %s, + only with %s, ~ changed):\n", p->steps[i].name,
			       a->cc, b->cc);
			int shown = 0;
			for (const char *l = df.s; l && *l && shown < 20; shown++) {
				const char *le = strchr(l, '\n');
				printf("      %.*s\n", (int)(le ? le - l : (long)strlen(l)), l);
				l = le ? le + 1 : NULL;
			}
			buf_free(&df);
		}
	}
}

/* The verdict line; the exit status. */
static int print_verdict(const struct diverse *d)
{
	struct buf legs = {0};
	int rc = CMD_EXIT_FAIL;
	leg_list(d, " or ", &legs);
	if (d->verdict == DIVERSE_FAILED) {
		printf("verdict: FAILED: %d of %d compared step%s differ depending on the compiler of the host stages\n",
		       d->differ, d->differ + d->same, d->differ + d->same == 1 ? "" : "s");
	} else if (d->twin_a >= 0) {
		printf("verdict: INCONCLUSIVE: every host-stage step gave the same bytes with %s and %s, so their builds "
		       "did not use $CC or $CXX and this compared one compiler with itself\n", d->legs[d->twin_a].cc,
		       d->legs[d->twin_b].cc);
	} else if (d->verdict == DIVERSE_INCONCLUSIVE) {
		printf("verdict: INCONCLUSIVE: %zu of %zu legs have no result:\n", d->nlegs - diverse_nbuilt(d), d->nlegs);
		for (size_t k = 0; k < d->nlegs; k++)
			if (d->legs[k].skip)
				printf("  %s: %s\n", d->legs[k].cc, d->legs[k].skip);
	} else {
		printf("verdict: PASSED: %s %d compared step%s %s bit-identical whether %s built the host stages\n",
		       d->same == 1 ? "the" : "all", d->same, d->same == 1 ? "" : "s", d->same == 1 ? "is" : "are", legs.s);
		rc = CMD_EXIT_OK;
	}
	if (d->shared && d->verdict != DIVERSE_INCONCLUSIVE)
		printf("  (%d of them had the same inputs in every leg, their dependencies' digests agreeing, so each was "
		       "built once: docs/cache.md, \"Early cutoff\")\n", d->shared);
	buf_free(&legs);
	return rc;
}

/* The table, the files that differ, the verdict and every full digest. */
static int report(const struct diverse *d)
{
	const struct plan *p = d->legs[0].p;
	struct buf legs = {0};
	int nw = 4, cw = 0;
	for (size_t i = 0; i < d->n; i++)
		if (d->want[i] && (int)strlen(p->steps[i].name) > nw)
			nw = (int)strlen(p->steps[i].name);
	for (size_t k = 0; k < d->nlegs; k++)
		if ((int)strlen(d->legs[k].cc) > cw)
			cw = (int)strlen(d->legs[k].cc);
	for (size_t k = 0; k < d->nlegs; k++)
		buf_addf(&legs, "%s%s%s", k == 0 ? "" : k + 1 == d->nlegs ? ", once with " : ", once with ",
			 d->legs[k].cc, d->legs[k].seed_only ? " (the seed compiler only)" : "");
	printf("\ndiverse double-compiling of %s for %s: the host stages built once with %s\n", p->name, d->arch, legs.s);
	buf_free(&legs);
	printf("  %-*s  %-8s", nw, "step", "stage");
	for (size_t k = 0; k < d->nlegs; k++)
		printf("  %-12s", d->legs[k].cc);
	printf("  %s\n", "result");
	for (size_t o = 0; o < d->n; o++)
		if (d->want[p->order[o]])
			print_row(d, p->order[o], nw);
	print_differences(d);
	printf("\n");
	int rc = print_verdict(d);
	for (size_t i = 0; i < d->n; i++) {
		if (!d->cmp[i])
			continue;
		for (size_t k = 0; k < d->nlegs; k++) {
			const struct diverse_leg *l = &d->legs[k];
			const char *fin = k == 0 && p->final && !strcmp(p->final, p->steps[i].name) ? "  (the final rootfs)" : "";
			printf("  %-*s  %-*s %s%s\n", nw, k == 0 ? p->steps[i].name : "", cw, l->cc,
			       l->skip || !l->outs[i].digest[0] ? "-" : l->outs[i].digest, fin);
		}
	}
	return rc;
}

/* --json: the result as one document (docs/cli.md, "Machine-readable
 * output") into b. */
static void diverse_doc(const struct diverse *d, struct buf *b)
{
	static const char *const result[] = {"passed", "failed", "inconclusive"};
	const struct plan *p = d->legs[0].p;
	struct json j;
	json_init(&j, b);
	json_object_begin(&j, NULL);
	json_string(&j, "plan", p->name);
	json_string(&j, "arch", d->arch);
	json_array_begin(&j, "legs");
	for (size_t k = 0; k < d->nlegs; k++) {
		const struct diverse_leg *l = &d->legs[k];
		json_object_begin(&j, NULL);
		json_string(&j, "compiler", l->cc);
		json_string(&j, "setting", l->setting);
		json_bool(&j, "seed_only", l->seed_only);
		json_string(&j, "status", l->skip ? "inconclusive" : "built");
		json_string(&j, "inconclusive_because", l->skip);
		json_object_end(&j);
	}
	json_array_end(&j);
	json_array_begin(&j, "steps");
	for (size_t o = 0; o < d->n; o++) {
		int i = p->order[o];
		if (!d->want[i])
			continue;
		json_object_begin(&j, NULL);
		json_string(&j, "name", p->steps[i].name);
		json_string(&j, "stage", p->stages[p->steps[i].stage].name);
		json_bool(&j, "compared", d->cmp[i]);
		json_object_begin(&j, "digests");
		for (size_t k = 0; k < d->nlegs; k++) {
			const struct diverse_leg *l = &d->legs[k];
			json_string(&j, l->cc, l->skip || !l->outs[i].digest[0] ? NULL : l->outs[i].digest);
		}
		json_object_end(&j);
		json_bool(&j, "agree", diverse_step_agrees(d, i));
		json_object_end(&j);
	}
	json_array_end(&j);
	json_int(&j, "same", d->same);
	json_int(&j, "differ", d->differ);
	json_int(&j, "shared", d->shared);
	if (d->twin_a >= 0) {
		json_array_begin(&j, "twins");
		json_string(&j, NULL, d->legs[d->twin_a].cc);
		json_string(&j, NULL, d->legs[d->twin_b].cc);
		json_array_end(&j);
	} else {
		json_null(&j, "twins");
	}
	json_string(&j, "result", result[d->verdict]);
	json_object_end(&j);
}

int cmd_verify_diverse(struct ctx *c, const char *plan_arg, char **steps, int nsteps, const char *compilers,
		       int json_fd)
{
	struct diverse d;
	const char *arch = NULL;
	err_clear();
	int r = diverse_parse(&d, compilers), rc = CMD_EXIT_OK;
	if (r) {
		cmd_err("verify: %s", err_msg(r));
		return CMD_EXIT_USAGE;
	}
	for (size_t k = 0; k < d.nlegs; k++) {
		struct plan *p;
		rc = cmd_load_plan(c, plan_arg, &p, &arch);
		if (rc)
			goto out;
		if ((r = diverse_leg_setup(&d, k, p, arch)) != 0) {
			cmd_err("verify: %s", err_msg(r));
			rc = cmd_exit_for(r);
			goto out;
		}
	}
	if ((r = diverse_select(&d, steps, nsteps, c->statedir)) != 0) {
		cmd_err("verify: %s", err_msg(r));
		rc = cmd_exit_for(r);
		goto out;
	}
	if ((rc = build_legs(c, &d, plan_arg)) != 0)
		goto out;
	diverse_compare(&d, c->statedir);
	rc = report(&d);
	if (json_fd >= 0) {
		struct buf doc = {0};
		diverse_doc(&d, &doc);
		fflush(stdout);
		if (fd_write_all(json_fd, doc.s, doc.len))
			cmd_err("verify: cannot write the JSON document");
		buf_free(&doc);
	}
out:
	diverse_free(&d);
	return rc;
}
