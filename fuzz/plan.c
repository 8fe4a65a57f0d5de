/* The plan loader (docs/plans.md): the input is a plan file beside a
 * recipes/ directory of two small recipes, so that loading goes on to
 * resolve steps, dependencies and stages. */
#include <sys/stat.h>

#include "fuzz.h"
#include "build/plan.h"

static char *plan_path;

static void setup(void)
{
	const char *d = fuzz_dir();
	static const char a[] = "name a\nversion 1\nlicense MIT\nbuild host\n\ttrue\nbuild native\n\ttrue\n";
	static const char b[] = "name b\nversion 1\nlicense MIT\ndepends a\nbuild host: a\n\ttrue\n"
		"build native\n\ttrue\n";
	char *p = xasprintf("%s/recipes/a", d);
	mkdir_p(p, 0755);
	free(p);
	p = xasprintf("%s/recipes/b", d);
	mkdir_p(p, 0755);
	free(p);
	p = xasprintf("%s/recipes/a/recipe", d);
	fuzz_put(p, a, sizeof a - 1);
	free(p);
	p = xasprintf("%s/recipes/b/recipe", d);
	fuzz_put(p, b, sizeof b - 1);
	free(p);
	plan_path = xasprintf("%s/plan", d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!plan_path)
		setup();
	fuzz_put(plan_path, data, size);
	struct plan *p = NULL;
	err_clear();
	int e = plan_load(plan_path, "x86_64", &p);
	if (e) {
		fuzz_msg_ok(e);
		return 0;
	}
	/* what a load promises: a topological order of every step */
	char *seen = xcalloc(p->nsteps, 1);
	for (size_t k = 0; k < p->nsteps; k++) {
		int i = p->order[k];
		if (i < 0 || (size_t)i >= p->nsteps || seen[i])
			abort();
		for (size_t d = 0; d < p->steps[i].ndeps; d++)
			if (!seen[p->steps[i].deps[d]])
				abort();
		seen[i] = 1;
	}
	free(seen);
	plan_free(p);
	return 0;
}
