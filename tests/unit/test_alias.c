/* Plan aliases (docs/plans.md, "Aliases"): `alias NAME RECIPE` makes a
 * dependency on NAME resolve as one on RECIPE, by the usual rules; one
 * recipe that depends on `libc` resolves to musl in one plan and to glibc
 * in another; and every misuse is an error at path:line:col. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "build/plan.h"
#include "core/err.h"
#include "core/util.h"
#include "tap.h"
#include "tfile.h"

static char dir[64];

/* The recipes: two C libraries, a tool that needs `libc` and `cc` in
 * every stage, a compiler, and one that asks for `libc` only in its
 * native script. */
static void recipes(void)
{
	static const char *const names[] = {"musl", "glibc", "gcc", "clang"};
	for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
		char *rel = xasprintf("recipes/%s/recipe", names[i]);
		char *text = xasprintf("name %s\nversion 1\nlicense MIT\nbuild host\n\ttrue\nbuild native\n\ttrue\n", names[i]);
		tfile_puts(dir, rel, text);
		free(rel);
		free(text);
	}
	tfile_puts(dir, "recipes/tool/recipe", "name tool\nversion 1\nlicense MIT\ndepends cc\n"
		   "build host: libc\n\ttrue\nbuild native: libc\n\ttrue\n");
}

/* Write plan text as dir/plan and load it for x86_64. */
static int load(const char *text, struct plan **p)
{
	tfile_puts(dir, "plan", text);
	char *path = xasprintf("%s/plan", dir);
	err_clear();
	*p = NULL;
	int r = plan_load(path, "x86_64", p);
	free(path);
	return r;
}

#define HEAD "plan t\narches x86_64\nrecipes recipes\nset SOURCE_DATE_EPOCH 1\n"

/* The names of step's dependencies, space-separated, into out. */
static const char *deps_of(const struct plan *p, const char *step, char *out, size_t size)
{
	const struct step *s = &p->steps[plan_step_index(p, step)];
	size_t n = 0;
	out[0] = 0;
	for (size_t i = 0; i < s->ndeps && n < size; i++)
		n += (size_t)snprintf(out + n, size - n, "%s%s", i ? " " : "", p->steps[s->deps[i]].name);
	return out;
}

static void good(const char *text, const char *step, const char *want, const char *what)
{
	struct plan *p;
	char got[256];
	int r = load(text, &p);
	ok(r == 0 && !strcmp(deps_of(p, step, got, sizeof got), want), "%s: %s depends on [%s] (got [%s]%s%s)", what,
	   step, want, r ? "" : got, r ? ", " : "", r ? err_msg(r) : "");
	if (!r)
		plan_free(p);
}

static void bad(const char *text, const char *msg)
{
	struct plan *p;
	int r = load(text, &p);
	char *want = xasprintf("%s/plan:%s", dir, msg);
	ok(r == -SPROUT_ERR_PARSE && !strcmp(err_msg(r), want), "error: %s (got: %s)", msg, r ? err_msg(r) : "success");
	free(want);
	if (!r)
		plan_free(p);
}

int main(void)
{
	tap_tmpdir(dir, sizeof dir, "alias");
	recipes();

	/* The same recipe, two plans, two C libraries. */
	good(HEAD "alias libc musl\nalias cc gcc\nstage host\n\tstep musl\n\tstep gcc\n\tstep tool\n", "tool", "musl gcc",
	     "libc is musl in one plan");
	good(HEAD "alias libc glibc\nalias cc gcc\nstage host\n\tstep glibc\n\tstep gcc\n\tstep tool\n", "tool",
	     "glibc gcc", "libc is glibc in the other");
	/* The usual rules: same stage first, else the nearest earlier stage. */
	good(HEAD "alias libc glibc\nalias cc gcc\nstage host\n\tstep cross-glibc glibc\n\tstep gcc\n"
	     "stage native rootfs=gcc\n\tstep glibc\n\tstep tool\n", "tool", "gcc glibc",
	     "an alias resolves to the step of its recipe in the same stage");
	good(HEAD "alias libc glibc\nalias cc gcc\nstage host\n\tstep cross-glibc glibc\n\tstep gcc\n"
	     "stage native rootfs=gcc\n\tstep tool\n", "tool", "cross-glibc gcc",
	     "... else in the nearest earlier stage");
	/* Aliases may come after the steps, and before the stages. */
	good(HEAD "stage host\n\tstep musl\n\tstep gcc\n\tstep tool\nalias cc gcc\nalias libc musl\n", "tool", "musl gcc",
	     "alias lines after the steps");
	/* use: with the alias's name or the recipe's. */
	good(HEAD "alias libc glibc\nalias cc gcc\nstage host\n\tstep g1 glibc\n\tstep g2 glibc\n\tstep gcc\n"
	     "\tstep tool use:libc=g2\n", "tool", "g2 gcc", "use:ALIAS=STEP");
	good(HEAD "alias libc glibc\nalias cc gcc\nstage host\n\tstep g1 glibc\n\tstep g2 glibc\n\tstep gcc\n"
	     "\tstep tool use:glibc=g1\n", "tool", "g1 gcc", "use:RECIPE=STEP for a dependency on its alias");
	/* A plan's aliases are not in its keys: a step of a recipe that does
	 * not use them has the same dependencies with or without them. */
	good(HEAD "alias libc glibc\nstage host\n\tstep musl\n\tstep gcc\n", "gcc", "", "an unused alias changes nothing");

	bad(HEAD "alias libc glibc\nalias cc gcc\nstage host\n\tstep g1 glibc\n\tstep g2 glibc\n\tstep gcc\n\tstep tool\n",
	    "11:7: dependency 'libc' (alias of 'glibc', line 5) is built by several steps of this stage (g1, g2); "
	    "choose one with use:libc=STEP");
	bad(HEAD "alias libc glibc\nalias cc gcc\nstage host\n\tstep musl\n\tstep gcc\n\tstep tool\n",
	    "10:7: unknown dependency 'libc' (alias of 'glibc', line 5): no step of this stage or an earlier one builds it");
	bad(HEAD "alias libc glibc\nalias cc gcc\nstage host\n\tstep musl\n\tstep glibc\n\tstep gcc\n\tstep tool use:libc=musl\n",
	    "11:7: use:libc=musl names a step of recipe 'musl', but dependency 'libc' (alias of 'glibc', line 5) is built "
	    "by recipe 'glibc'");
	bad(HEAD "alias libc glibc\nalias libc musl\nstage host\n\tstep gcc\n",
	    "6:7: duplicate alias 'libc' (first at line 5)");
	bad(HEAD "alias libc glibcx\nstage host\n\tstep gcc\n",
	    xasprintf("5:12: alias 'libc' names no recipe 'glibcx' (looked in %s/recipes)", dir));
	bad(HEAD "alias gcc clang\nstage host\n\tstep clang\n",
	    xasprintf("5:7: alias 'gcc' has the name of recipe %s/recipes/gcc/recipe: a dependency on 'gcc' could mean "
		      "either", dir));
	bad(HEAD "alias libc c\nalias c glibc\nstage host\n\tstep gcc\n",
	    "5:12: alias 'libc' names alias 'c': an alias names a recipe");
	bad(HEAD "alias libc libc\nstage host\n\tstep gcc\n", "5:12: alias 'libc' names itself");
	bad(HEAD "alias libc\nstage host\n\tstep gcc\n", "5:11: expected 'alias NAME RECIPE'");
	bad(HEAD "alias libc glibc musl\nstage host\n\tstep gcc\n", "5:18: expected 'alias NAME RECIPE'");
	bad(HEAD "alias LibC glibc\nstage host\n\tstep gcc\n",
	    "5:7: bad alias name 'LibC': expected lower-case letters, digits and . _ + -");
	/* A step names a recipe, never an alias. */
	struct plan *p;
	int r = load(HEAD "alias libc glibc\nstage host\n\tstep c libc\n", &p);
	char *want = xasprintf("%s/plan:7:7: no recipe 'libc' (looked in %s/./recipes)", dir, dir);
	ok(r == -SPROUT_ERR_NOTFOUND, "a step names a recipe, not an alias (%s)", r ? err_msg(r) : "success");
	free(want);
	if (!r)
		plan_free(p);
	rm_rf(dir);
	return tap_done();
}
