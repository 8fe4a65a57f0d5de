/* The ETA: durations recorded per step, estimates from source sizes, and
 * the schedule replayed with the job count. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "build/eta.h"
#include "tap.h"
#include "core/util.h"

static char dir[] = "/tmp/sprout-test-eta.XXXXXX";

/* A plan of n steps where each step depends on the ones listed in deps[i]
 * (-1 ends a list), in index order. */
static struct plan *mkplan(size_t n, const int deps[][3], struct recipe *rc)
{
	struct plan *p = xcalloc(1, sizeof *p);
	p->name = (char *)"p";
	p->nsteps = n;
	p->steps = xcalloc(n, sizeof *p->steps);
	p->order = xcalloc(n, sizeof *p->order);
	for (size_t i = 0; i < n; i++) {
		p->order[i] = (int)i;
		p->steps[i].name = xasprintf("s%zu", i);
		p->steps[i].recipe = rc;
		p->steps[i].deps = xcalloc(3, sizeof(int));
		for (int k = 0; k < 3 && deps[i][k] >= 0; k++)
			p->steps[i].deps[p->steps[i].ndeps++] = deps[i][k];
	}
	return p;
}

static void freeplan(struct plan *p)
{
	for (size_t i = 0; i < p->nsteps; i++) {
		free(p->steps[i].name);
		free(p->steps[i].deps);
	}
	free(p->steps);
	free(p->order);
	free(p);
}

static int near(double a, double b)
{
	return a > b - 0.001 && a < b + 0.001;
}

int main(void)
{
	if (!mkdtemp(dir))
		return 1;
	struct recipe rc;
	memset(&rc, 0, sizeof rc);
	/* s0, s1 independent; s2 needs both; s3 needs s2 */
	const int deps[4][3] = {{-1}, {-1}, {0, 1, -1}, {2, -1}};
	struct plan *p = mkplan(4, deps, &rc);
	char want[4] = {1, 1, 1, 1}, st[4] = {SPROUT_ETA_PENDING, SPROUT_ETA_PENDING, SPROUT_ETA_PENDING, SPROUT_ETA_PENDING};
	double expect[4] = {10, 4, 3, 2}, ran[4] = {0};
	ok(near(eta_left(p, want, st, expect, ran, 1), 19), "one job: the sum (%g)", eta_left(p, want, st, expect, ran, 1));
	ok(near(eta_left(p, want, st, expect, ran, 2), 15), "two jobs: the longest path (%g)",
	   eta_left(p, want, st, expect, ran, 2));
	st[0] = SPROUT_ETA_RUNNING, ran[0] = 6;
	st[1] = SPROUT_ETA_DONE;
	ok(near(eta_left(p, want, st, expect, ran, 2), 9), "a running step counts what is left of it (%g)",
	   eta_left(p, want, st, expect, ran, 2));
	ran[0] = 12;
	ok(near(eta_left(p, want, st, expect, ran, 2), 6.2), "  ... past its estimate, a tenth of its time so far (%g)",
	   eta_left(p, want, st, expect, ran, 2));
	ran[0] = 30;
	ok(near(eta_left(p, want, st, expect, ran, 2), 8), "  ... which grows as it runs on (%g)",
	   eta_left(p, want, st, expect, ran, 2));
	ran[0] = 5;
	expect[0] = 5.5;
	ok(near(eta_left(p, want, st, expect, ran, 2), 6), "  ... and at least a second (%g)",
	   eta_left(p, want, st, expect, ran, 2));
	expect[0] = 10;
	ran[0] = 30;
	want[3] = 0;
	ok(near(eta_left(p, want, st, expect, ran, 2), 6), "steps not wanted do not count (%g)",
	   eta_left(p, want, st, expect, ran, 2));
	memset(st, SPROUT_ETA_DONE, sizeof st);
	ok(near(eta_left(p, want, st, expect, ran, 2), 0), "nothing left: 0");

	ok(eta_recorded(dir, "p", "x86_64", "s0") < 0, "no duration recorded yet");
	ok(eta_record(dir, "p", "x86_64", "s0", 12.5) == 0, "record one");
	ok(near(eta_recorded(dir, "p", "x86_64", "s0"), 12.5), "  ... and read it back");
	double ex[4];
	char guessed[4];
	eta_expect(p, dir, dir, "x86_64", ex, guessed);
	ok(!guessed[0] && near(ex[0], 12.5), "expected: the recorded duration");
	ok(guessed[1] && near(ex[1], 1), "  ... else a guess (no sources: a second)");
	/* With sources: the rate of the timed steps applies to the others. */
	struct source src;
	memset(&src, 0, sizeof src);
	src.file = "src.tar";
	rc.sources = &src;
	rc.nsources = 1;
	char *big = path_join(dir, "src.tar");
	char *data = xcalloc(1, 1 << 20);
	file_write_atomic(big, data, 1 << 20);
	free(data);
	free(big);
	ok(eta_source_bytes(dir, &rc) == 1 << 20, "source bytes from the distfiles");
	eta_expect(p, dir, dir, "x86_64", ex, guessed);
	ok(guessed[1] && near(ex[1], 12.5), "  ... a step not timed yet takes as long per byte as one timed (%g)", ex[1]);
	eta_record(dir, "p", "x86_64", "s0", -1);
	eta_expect(p, dir, dir, "x86_64", ex, guessed);
	ok(guessed[1] && near(ex[1], 9), "  ... the first time, about 8 s per MiB (%g)", ex[1]);
	rc.sources = NULL;
	rc.nsources = 0;

	/* The plan's durations, scaled by this machine's pace. */
	p->dir = dir;
	double planned[4], took[4] = {0};
	ok(eta_planned(p, "x86_64", planned) < 0 && planned[0] < 0, "no durations.ARCH: none planned");
	char *dp = path_join(dir, "durations.x86_64");
	const char *text = "# comment\ns1 100\ns2 50.5\nnosuch 7\n";
	file_write_atomic(dp, text, strlen(text));
	ok(eta_planned(p, "x86_64", planned) == 0 && planned[0] < 0 && near(planned[1], 100) && near(planned[2], 50.5),
	   "durations.ARCH read, steps it does not list -1");
	ok(near(eta_scale(4, planned, took), 1), "nothing finished yet: scale 1");
	took[1] = 25;
	ok(near(eta_scale(4, planned, took), 0.25), "s1 took 25 s of the plan's 100: this machine runs at 0.25");
	char g[4] = {0, 1, 1, 1};
	double ex2[4] = {7, 7, 7, 7};
	eta_use_planned(4, planned, 0.25, ex2, g);
	ok(near(ex2[0], 7) && near(ex2[1], 25) && near(ex2[2], 12.625) && near(ex2[3], 7),
	   "  ... applied to the steps not timed here that the plan lists");
	ok(g[0] == 0 && g[1] == ETA_FROM_PLAN && g[3] == 1, "  ... marked as from the plan");
	eta_record(dir, "p", "x86_64", "s0", 3);
	ok(eta_save_planned(p, dir, "x86_64", 2) == 0, "write durations.ARCH from the state's records");
	ok(eta_planned(p, "x86_64", planned) == 0 && near(planned[0], 3) && planned[1] < 0, "  ... and read them back");
	free(dp);
	p->dir = NULL;
	char *state = path_join(dir, "durations/p/x86_64/s0");
	ok(path_exists(state), "durations live in STATE/durations/PLAN/ARCH/STEP, outside the store");
	free(state);

	freeplan(p);
	if (rm_rf(dir))
		ok(0, "cleanup");
	return tap_done();
}
