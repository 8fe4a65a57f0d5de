/* Plan settings in step keys and environments (docs/cache.md, "The key"):
 * a plan's `set` and --set reach every step; a setting for one stage alone
 * (plan_override_stage, verify --diverse's legs) reaches that stage's
 * steps, replacing the plan's value there, and no other step's key. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "build/cache.h"
#include "build/plan.h"
#include "core/err.h"
#include "core/util.h"
#include "tap.h"
#include "tfile.h"

static char dir[64];

static struct plan *load(const char *sets)
{
	tfile_puts(dir, "recipes/a/recipe", "name a\nversion 1\nlicense MIT\nbuild host\n\ttrue\nbuild native\n\ttrue\n");
	char *text = xasprintf("plan t\narches x86_64\nrecipes recipes\n%sstage host\n\tstep h a\n\tstep seed a\n"
			       "stage native rootfs=seed\n\tstep n a\n", sets);
	tfile_puts(dir, "plan", text);
	free(text);
	char *path = xasprintf("%s/plan", dir);
	struct plan *p = NULL;
	err_clear();
	if (plan_load(path, "x86_64", &p))
		p = NULL;
	free(path);
	return p;
}

/* The "set" lines of step name's key inputs, joined by ';'. */
static char *sets_of(const struct plan *p, const char *name)
{
	struct buf b = {0}, out = {0};
	char(*dg)[65] = xcalloc(p->nsteps + 1, sizeof *dg);
	cache_inputs(p, plan_step_index(p, name), "x86_64", dg, &b);
	for (char *l = b.s; l && *l;) {
		char *nl = strchr(l, '\n');
		if (!strncmp(l, "set ", 4))
			buf_addf(&out, "%s%.*s", out.len ? ";" : "", (int)(nl - l - 4), l + 4);
		l = nl ? nl + 1 : NULL;
	}
	free(dg);
	buf_free(&b);
	if (!out.s)
		return xstrdup("");
	return buf_take(&out);
}

static void check(const struct plan *p, const char *step, const char *want)
{
	char *got = sets_of(p, step);
	ok(!strcmp(got, want), "%s sees '%s' (got '%s')", step, want, got);
	free(got);
}

int main(void)
{
	tap_tmpdir(dir, sizeof dir, "settings");
	struct plan *p = load("set SOURCE_DATE_EPOCH 1\nset CC gcc\n");
	ok(p != NULL, "the plan loads: %s", p ? "" : err_msg(-1));
	if (!p)
		return tap_done();
	check(p, "h", "CC gcc;SOURCE_DATE_EPOCH 1");
	check(p, "n", "CC gcc;SOURCE_DATE_EPOCH 1");

	/* --set replaces the plan's value everywhere. */
	ok(plan_override(p, "CC", "tcc") == 0, "--set CC=tcc");
	check(p, "n", "CC tcc;SOURCE_DATE_EPOCH 1");
	ok(plan_override(p, "CC", "gcc") == 0, "--set CC=gcc");

	/* For the host stage alone: there it replaces the plan's CC, the
	 * native step keeps the plan's; a new name reaches the host alone. */
	ok(plan_override_stage(p, "CC", "clang", "host") == 0 && plan_override_stage(p, "CXX", "clang++", "host") == 0,
	   "CC=clang CXX=clang++ for stage host");
	check(p, "h", "CC clang;CXX clang++;SOURCE_DATE_EPOCH 1");
	check(p, "seed", "CC clang;CXX clang++;SOURCE_DATE_EPOCH 1");
	check(p, "n", "CC gcc;SOURCE_DATE_EPOCH 1");
	ok(plan_override_stage(p, "CC", "clang-14", "host") == 0, "a second value for the stage replaces the first");
	check(p, "h", "CC clang-14;CXX clang++;SOURCE_DATE_EPOCH 1");
	size_t n = 0;
	for (size_t i = 0; i < p->nsets; i++)
		n += !strcmp(p->sets[i].key, "CC");
	ok(n == 2, "  ... one entry for the plan, one for the stage (%zu)", n);

	/* The environment a step's script gets follows the same rule. */
	const struct setting **sets = xcalloc(p->nsets + 1, sizeof *sets);
	size_t k = plan_step_sets(p, plan_step_index(p, "n"), sets);
	int found = 0;
	for (size_t i = 0; i < k; i++)
		found |= !strcmp(sets[i]->key, "CXX") || (!strcmp(sets[i]->key, "CC") && strcmp(sets[i]->value, "gcc"));
	ok(k == 2 && !found, "the native step's environment has the plan's CC and no CXX (%zu settings)", k);
	free(sets);

	err_clear();
	ok(plan_override_stage(p, "CC", "clang", "cross") == -SPROUT_ERR_NOTFOUND &&
	   strstr(err_msg(-1), "no stage 'cross'"), "a stage the plan lacks: %s", err_msg(-1));
	ok(plan_override_stage(p, "ARCH", "x", "host") == -SPROUT_ERR_USAGE, "a reserved name is refused");
	plan_free(p);

	/* A plan without CC: the host-only setting is no input of the rest. */
	p = load("set SOURCE_DATE_EPOCH 1\n");
	char *before = sets_of(p, "n");
	plan_override_stage(p, "CC", "clang", "host");
	check(p, "h", "CC clang;SOURCE_DATE_EPOCH 1");
	check(p, "n", before);
	free(before);
	plan_free(p);
	rm_rf(dir);
	return tap_done();
}
