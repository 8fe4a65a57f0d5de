/* bench/phases PLAN STATE: the engine's own costs before anything runs,
 * for bench/b_scale.sh: loading the plan (parse, recipes, graph, order)
 * and computing every step's key against STATE's store (with early cutoff
 * a key needs its dependencies' digests, so a built state is the real
 * case). Prints "load SECS keys SECS unknown N". */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "build/cache.h"
#include "build/plan.h"
#include "core/err.h"
#include "core/util.h"

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: phases PLAN STATE\n");
		return 2;
	}
	struct plan *p;
	clock_t c0 = clock();
	double t0 = now_sec();
	int r = plan_load(argv[1], NULL, &p);
	double t1 = now_sec();
	clock_t c1 = clock();
	if (r) {
		fprintf(stderr, "phases: %s\n", err_msg(r));
		return 1;
	}
	char(*keys)[65] = xcalloc(p->nsteps + 1, sizeof *keys);
	char(*digests)[65] = xcalloc(p->nsteps + 1, sizeof *digests);
	size_t unknown = cache_keys(p, p->arch, argv[2], keys, digests, NULL);
	double t2 = now_sec();
	clock_t c2 = clock();
	printf("load %.4f keys %.4f unknown %zu cpu-load %.4f cpu-keys %.4f\n", t1 - t0, t2 - t1, unknown,
	       (double)(c1 - c0) / CLOCKS_PER_SEC, (double)(c2 - c1) / CLOCKS_PER_SEC);
	free(keys);
	free(digests);
	plan_free(p);
	return 0;
}
