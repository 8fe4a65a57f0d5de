/* Steps for some arches only (docs/plans.md, only=): on another arch the
 * step is left out, and what names it resolves as if it were not written:
 * a dependency goes to an earlier stage's step, a use: or after= naming it
 * is passed over, and a fixpoint on it is not checked (and says so). A
 * name that is no step on any arch is still an error. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "build/plan.h"
#include "core/err.h"
#include "core/util.h"
#include "tap.h"
#include "tfile.h"

static char dir[64];

/* cc: a compiler built in the cross stage and again (twice) natively;
 * sys: the final system, which wants the last compiler. */
static void recipes(void)
{
	tfile_puts(dir, "recipes/cc/recipe", "name cc\nversion 1\nlicense MIT\nbuild cross\n\ttrue\n"
		   "build native: cc\n\ttrue\n");
	tfile_puts(dir, "recipes/sys/recipe", "name sys\nversion 1\nlicense MIT\nbuild cross\n\ttrue\n"
		   "build native: cc\n\ttrue\n");
}

static int load(const char *rest, const char *arch, struct plan **p)
{
	char *text = xasprintf("plan t\narches x86_64 aarch64\nrecipes recipes\nset SOURCE_DATE_EPOCH 1\n"
			       "stage cross\n\tstep seed-cc cc\n\tstep seed sys\n"
			       "stage native rootfs=seed\n%s", rest);
	tfile_puts(dir, "plan", text);
	free(text);
	char *path = xasprintf("%s/plan", dir);
	err_clear();
	*p = NULL;
	int r = plan_load(path, arch, p);
	free(path);
	return r;
}

/* The names of step's dependencies, space-separated. */
static const char *deps_of(const struct plan *p, const char *step, char *out, size_t size)
{
	int i = plan_step_index(p, step);
	out[0] = 0;
	if (i < 0)
		return "(no such step)";
	const struct step *s = &p->steps[i];
	size_t n = 0;
	for (size_t k = 0; k < s->ndeps && n < size; k++)
		n += (size_t)snprintf(out + n, size - n, "%s%s", k ? " " : "", p->steps[s->deps[k]].name);
	return out;
}

#define NATIVE "\tstep cc-1 cc use:cc=seed-cc only=x86_64\n\tstep cc-2 cc use:cc=cc-1 only=x86_64\n" \
	       "\tstep sys use:cc=cc-2 after=cc-1\nfixpoint cc-1 cc-2\n"

int main(void)
{
	char b[256];
	struct plan *p;
	tap_tmpdir(dir, sizeof dir, "only");
	recipes();

	int r = load(NATIVE, "x86_64", &p);
	ok(r == 0, "the plan loads for x86_64: %s", r ? err_msg(r) : "ok");
	if (!r) {
		ok(!strcmp(deps_of(p, "sys", b, sizeof b), "seed cc-1 cc-2"), "x86_64: sys has the native compiler (%s)", b);
		ok(p->fixpoint[0] && !p->fixpoint_gone && !p->nabsent, "  ... and the fixpoint is checked");
		plan_free(p);
	}

	r = load(NATIVE, "aarch64", &p);
	ok(r == 0, "the plan loads for aarch64, where cc-1 and cc-2 are left out: %s", r ? err_msg(r) : "ok");
	if (!r) {
		ok(plan_step_index(p, "cc-1") < 0 && plan_absent(p, "cc-1") && plan_absent(p, "cc-2") &&
		   !plan_absent(p, "sys"), "  ... which knows them as absent");
		ok(!strcmp(deps_of(p, "sys", b, sizeof b), "seed-cc seed"),
		   "  ... use:cc=cc-2 and after=cc-1 are passed over: sys takes the cross stage's compiler (%s)", b);
		ok(!p->fixpoint[0] && p->fixpoint_gone && !strcmp(p->fixpoint_gone, "cc-1 and cc-2"),
		   "  ... and the fixpoint is not checked, naming its steps (%s)", p->fixpoint_gone ? p->fixpoint_gone : "");
		plan_free(p);
	}

	/* A name that is no step anywhere is still an error. */
	r = load("\tstep cc-1 cc use:cc=seed-cc only=x86_64\n\tstep sys use:cc=cc-9\n", "aarch64", &p);
	ok(r == -SPROUT_ERR_PARSE && strstr(err_msg(r), "use:cc=cc-9 names an unknown step"),
	   "an unknown step in use: is an error: %s", r ? err_msg(r) : "loaded");
	if (!r)
		plan_free(p);
	r = load("\tstep cc-1 cc use:cc=seed-cc only=x86_64\n\tstep sys after=cc-9\n", "aarch64", &p);
	ok(r == -SPROUT_ERR_PARSE && strstr(err_msg(r), "after=cc-9 names an unknown step"),
	   "  ... and in after=: %s", r ? err_msg(r) : "loaded");
	if (!r)
		plan_free(p);
	r = load("\tstep sys\nfixpoint sys cc-9\n", "aarch64", &p);
	ok(r == -SPROUT_ERR_PARSE && strstr(err_msg(r), "no step 'cc-9'"), "  ... and in fixpoint: %s",
	   r ? err_msg(r) : "loaded");
	if (!r)
		plan_free(p);
	rm_rf(dir);
	return tap_done();
}
