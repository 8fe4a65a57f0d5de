/* trust/: verify's cells and verdicts, and verify --diverse's legs and
 * verdicts, on a small plan whose outputs are written into a scratch store
 * by hand (no build runs). */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "build/cache.h"
#include "build/plan.h"
#include "core/err.h"
#include "core/util.h"
#include "tap.h"
#include "tfile.h"
#include "trust/diverse.h"
#include "trust/verify.h"

static char dir[] = "/tmp/sprout-test-trust.XXXXXX";

static void put(const char *rel, const char *text)
{
	tfile_puts(dir, rel, text);
}

/* A plan: host steps cc and tool, a native step out. */
static struct plan *load(void)
{
	static const char *const names[] = {"cc", "tool", "out"};
	for (int i = 0; i < 3; i++) {
		char *rel = xasprintf("p/recipes/%s/recipe", names[i]), *text;
		text = xasprintf("name %s\nversion 1\nlicense MIT\n%sbuild %s\n\ttrue\n", names[i],
				 i == 2 ? "depends cc\n" : "", i == 2 ? "native" : "host");
		put(rel, text);
		free(rel);
		free(text);
	}
	put("p/plan", "plan t\narches x86_64\nrecipes recipes\nset SOURCE_DATE_EPOCH 1\nstage host\n\tstep cc\n\tstep tool\n"
		      "stage native rootfs=tool\n\tstep out\n");
	char *pp = path_join(dir, "p/plan");
	struct plan *p = NULL;
	int r = plan_load(pp, "x86_64", &p);
	free(pp);
	return r ? NULL : p;
}

/* Store a fake output for key with digest d (64 hex digits from one char). */
static void store(const char *key, char d)
{
	char hex[66], *rel;
	memset(hex, d, 64);
	hex[64] = '\n';
	hex[65] = 0;
	rel = xasprintf("state/store/%s/digest", key);
	put(rel, hex);
	free(rel);
	rel = xasprintf("state/store/%s/manifest", key);
	put(rel, "f 0644 1 x\n");
	free(rel);
}

static void test_parse(void)
{
	struct diverse d;
	ok(diverse_parse(&d, "gcc,clang,pcc,/usr/bin/chibicc") == 0 && d.nlegs == 4, "four legs");
	ok(!d.legs[0].seed_only && !strcmp(d.legs[0].setting, "CC=gcc CXX=g++"), "gcc sets CC and CXX");
	ok(!d.legs[1].seed_only && !strcmp(d.legs[1].setting, "CC=clang CXX=clang++"), "clang sets CC and CXX");
	ok(d.legs[2].seed_only && !strcmp(d.legs[2].setting, "SEED_CC=pcc"), "pcc sets SEED_CC");
	ok(d.legs[3].seed_only && !strcmp(d.legs[3].setting, "SEED_CC=/usr/bin/chibicc"), "a path keeps its name");
	diverse_free(&d);
	ok(diverse_parse(&d, "x86_64-linux-gnu-gcc-12,/usr/bin/clang-14") == 0 && !d.legs[0].seed_only &&
	   !d.legs[1].seed_only, "versioned gcc and clang drive the whole host stage");
	ok(!strcmp(d.legs[0].cxx, "x86_64-linux-gnu-g++-12") && !strcmp(d.legs[1].cxx, "/usr/bin/clang++-14"),
	   "  ... with the C++ compiler of the same name: %s, %s", d.legs[0].cxx, d.legs[1].cxx);
	diverse_free(&d);
	ok(diverse_parse(&d, "gcc") == -SPROUT_ERR_USAGE, "one compiler is refused");
	ok(diverse_parse(&d, "gcc,,clang") == -SPROUT_ERR_USAGE, "an empty name is refused");
	ok(diverse_parse(&d, "gcc,clang,gcc") == -SPROUT_ERR_USAGE && strstr(err_msg(-1), "gcc twice"),
	   "a compiler twice is refused: %s", err_msg(-1));
}

/* Legs gcc, clang, pcc on the plan; digests per leg for cc, tool, out. */
static void diverse_run(const char *state, const char dg[3][3], const char *built, struct diverse *d)
{
	rm_rf(state);
	mkdir_p(state, 0755);
	diverse_parse(d, "sh,true,env");
	for (size_t k = 0; k < 3; k++) {
		struct plan *p = load();
		diverse_leg_setup(d, k, p, "x86_64");
		/* sh, true and env are on every host; none is gcc or clang. A
		 * key follows the outputs of its step's dependencies (early
		 * cutoff): the steps are stored in order, the keys computed
		 * again after each. */
		for (int i = 0; i < 3; i++) {
			cache_keys(p, "x86_64", state, d->legs[k].keys, NULL, NULL);
			if (dg[k][i] && d->legs[k].keys[i][0])
				store(d->legs[k].keys[i], dg[k][i]);
		}
	}
	diverse_select(d, NULL, 0, state);
	for (size_t k = 0; k < 3; k++)
		diverse_leg_built(d, k, built[k] == 'y' ? 0 : -SPROUT_ERR_BUILD, state);
	diverse_compare(d, state);
}

static void test_diverse(const char *state)
{
	struct diverse d;
	const char pass[3][3] = {{'1', '2', 'a'}, {'3', '2', 'a'}, {'4', '2', 'a'}};
	diverse_run(state, pass, "yyy", &d);
	ok(d.nnames == 1 && !strcmp(d.names[0], "out"), "by default the steps after the host stage are compared");
	ok(d.verdict == DIVERSE_PASSED && d.same == 1 && d.differ == 0, "three legs agree: PASSED");
	ok(d.legs[0].keys[1][0] && strcmp(d.legs[0].keys[1], d.legs[1].keys[1]), "each leg's host steps have keys of "
	   "their own");
	ok(d.legs[0].keys[2][0] && strcmp(d.legs[0].keys[2], d.legs[1].keys[2]) && d.shared == 0,
	   "  ... and so does a later step whose dependency (cc) differs (shared %d)", d.shared);
	diverse_free(&d);

	const char fail[3][3] = {{'1', '2', 'a'}, {'3', '2', 'a'}, {'4', '5', 'b'}};
	diverse_run(state, fail, "yyy", &d);
	ok(d.verdict == DIVERSE_FAILED && d.differ == 1 && !diverse_step_agrees(&d, 2), "one leg differs: FAILED");
	ok(d.shared == 0 && strcmp(d.legs[0].keys[2], d.legs[2].keys[2]), "  ... its step has a key of its own there");
	diverse_free(&d);

	const char twins[3][3] = {{'1', '2', 'a'}, {'3', '2', 'a'}, {'1', '2', 'a'}};
	diverse_run(state, twins, "yyy", &d);
	ok(d.verdict == DIVERSE_INCONCLUSIVE && d.twin_a == 0 && d.twin_b == 2,
	   "two legs with the same host stage: INCONCLUSIVE, naming them");
	ok(!strcmp(d.legs[0].keys[2], d.legs[2].keys[2]) && strcmp(d.legs[0].keys[2], d.legs[1].keys[2]),
	   "  ... the later step has one key in those two, its dependencies' digests agreeing (early cutoff)");
	diverse_free(&d);

	const char broken[3][3] = {{'1', '2', 'a'}, {'3', '2', 'a'}, {'4', 0, 0}};
	diverse_run(state, broken, "yyn", &d);
	ok(d.verdict == DIVERSE_INCONCLUSIVE && d.twin_a < 0, "a leg whose build failed: INCONCLUSIVE");
	ok(d.legs[2].skip && strstr(d.legs[2].skip, "tool, out") && !strstr(d.legs[2].skip, "cc,"),
	   "  ... naming the steps it did not build: %s", d.legs[2].skip ? d.legs[2].skip : "(none)");
	ok(diverse_nbuilt(&d) == 2 && diverse_step_agrees(&d, 2), "  ... the others are still compared");
	diverse_free(&d);
}

static void test_verify_cells(void)
{
	struct verify f;
	struct trust_out ref[1], a[1], b[1], c[1];
	char *expected[1] = {NULL};
	memset(&f, 0, sizeof f);
	memset(ref, 0, sizeof ref);
	memset(a, 0, sizeof a);
	memset(b, 0, sizeof b);
	memset(c, 0, sizeof c);
	strcpy(ref[0].digest, "aa");
	strcpy(a[0].digest, "aa");
	strcpy(b[0].digest, "bb");
	f.ref = ref;
	f.expected = expected;
	f.nv = 3;
	f.v[0].outs = a;
	f.v[1].outs = b;
	f.v[2].outs = c;
	ok(!strcmp(verify_cell(&f, 0, 0), "same") && !strcmp(verify_cell(&f, 1, 0), "DIFF") &&
	   !strcmp(verify_cell(&f, 2, 0), "none"), "cells: same, DIFF, none");
	ok(!verify_step_ok(&f, 0), "a DIFF makes the step not reproducible");
	strcpy(b[0].digest, "aa");
	ok(!verify_step_ok(&f, 0), "a variant with no output does too");
	f.v[2].skip = "not root";
	ok(!strcmp(verify_cell(&f, 2, 0), "skip") && verify_step_ok(&f, 0), "a skipped variant does not count");
	expected[0] = "cc";
	ok(verify_expected_differs(&f, 0) && !verify_step_ok(&f, 0), "a reference unlike the plan's digest fails");
	expected[0] = "aa";
	ok(!verify_expected_differs(&f, 0) && verify_step_ok(&f, 0), "  ... and like it passes");
}

int main(void)
{
	if (!mkdtemp(dir)) {
		ok(0, "mkdtemp");
		return tap_done();
	}
	char *state = path_join(dir, "state");
	mkdir_p(state, 0755);
	test_parse();
	struct plan *p = load();
	ok(p != NULL, "the test plan loads");
	plan_free(p);
	if (p)
		test_diverse(state);
	test_verify_cells();
	rm_rf(dir);
	free(state);
	return tap_done();
}
