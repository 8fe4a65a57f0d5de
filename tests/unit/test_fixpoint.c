/* The plan's fixpoint exclusions (docs/plans.md, "Fixpoint exclusions"):
 * the parser's errors at path:line:col, and trust_fixpoint leaving out
 * exactly the differences an exclusion covers. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "build/plan.h"
#include "core/err.h"
#include "core/util.h"
#include "tap.h"
#include "trust/provenance.h"

static char dir[] = "/tmp/sprout-test-fixpoint.XXXXXX";

/* Write the plan: a fixed head (two steps of recipe gen), then tail. */
static int load(const char *tail, struct plan **p)
{
	char *path = xasprintf("%s/plan", dir);
	FILE *f = fopen(path, "w");
	if (!f) {
		free(path);
		return -1;
	}
	fprintf(f, "plan t\narches x86_64\nrecipes recipes\nset SOURCE_DATE_EPOCH 1\nstage host\n\tstep gen-1 gen\n"
		"\tstep gen-2 gen\n%s", tail);
	fclose(f);
	err_clear();
	int r = plan_load(path, "x86_64", p);
	free(path);
	return r;
}

static void bad(const char *tail, const char *msg)
{
	struct plan *p = NULL;
	int r = load(tail, &p);
	char *want = xasprintf("%s/plan:%s", dir, msg);
	ok(r == -SPROUT_ERR_PARSE && !strcmp(err_msg(r), want), "error: %s (got: %s)", msg, r ? err_msg(r) : "success");
	free(want);
	if (!r)
		plan_free(p);
}

/* trust_fixpoint on two made-up manifests. */
static int compare(const struct plan *p, const char *m1, const char *m2, struct buf *diff, struct buf *excl,
		   size_t *hits)
{
	struct trust_build b;
	memset(&b, 0, sizeof b);
	b.p = p;
	b.digests = xcalloc(p->nsteps, sizeof *b.digests);
	b.manifests = xcalloc(p->nsteps, sizeof *b.manifests);
	strcpy(b.digests[0], strcmp(m1, m2) ? "1111" : "0000");
	strcpy(b.digests[1], "0000");
	b.manifests[0] = (char *)m1;
	b.manifests[1] = (char *)m2;
	int r = trust_fixpoint(&b, diff, excl, hits);
	free(b.digests);
	free(b.manifests);
	return r;
}

#define H "sprout-manifest 1\nd 0755 - - usr\nd 0755 - - usr/bin\n"
#define L "d 0755 - - usr/lib\nd 0755 - - usr/lib/a\n"
#define SHA_A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define SHA_B "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"

int main(void)
{
	if (!mkdtemp(dir))
		return 1;
	char *rd = xasprintf("%s/recipes/gen", dir), *rf = xasprintf("%s/recipe", rd);
	mkdir_p(rd, 0755);
	file_write_atomic(rf, "name gen\nversion 1\nlicense MIT\nbuild host\n\ttrue\n", 46);

	struct plan *p = NULL;
	int r = load("fixpoint gen-1 gen-2\nfixpoint-exclude usr/bin/cc  records the compiler that built it  \n"
		     "fixpoint-exclude usr/lib/**/*.stamp build stamps\n", &p);
	ok(r == 0, "fixpoint-exclude parses (%s)", r ? err_msg(r) : "ok");
	if (!r) {
		ok(p->nfixpoint_excl == 2, "two exclusions");
		ok(!strcmp(p->fixpoint_excl[0].glob, "usr/bin/cc") && p->fixpoint_excl[0].line == 9 &&
		   !strcmp(p->fixpoint_excl[0].reason, "records the compiler that built it"),
		   "GLOB, line, and the reason as the rest of the line [%s]", p->fixpoint_excl[0].reason);
		struct buf d = {0}, x = {0};
		size_t hits[2];
		const char *m1 = H "f 0755 3 " SHA_A " usr/bin/cc\nf 0644 3 " SHA_A " usr/bin/ld\n" L;
		const char *m2 = H "f 0755 3 " SHA_B " usr/bin/cc\nf 0644 3 " SHA_A " usr/bin/ld\n" L;
		ok(compare(p, m1, m1, &d, &x, hits) == 0 && !d.len && !x.len && !hits[0] && !hits[1],
		   "identical outputs: the fixpoint holds, nothing excluded");
		r = compare(p, m1, m2, &d, &x, hits);
		ok(r == 0 && !d.len && hits[0] == 1 && !hits[1], "a difference in an excluded file: the fixpoint holds");
		ok(x.s && !strcmp(x.s, "~ usr/bin/cc (plan line 9)\n"), "  ... and the exclusion is listed [%s]", x.s);
		buf_free(&d);
		buf_free(&x);
		const char *m3 = H "f 0755 3 " SHA_B " usr/bin/cc\nf 0644 3 " SHA_B " usr/bin/ld\n" L;
		r = compare(p, m1, m3, &d, &x, hits);
		ok(r == -SPROUT_ERR_HASH && d.s && !strcmp(d.s, "~ usr/bin/ld\n") && hits[0] == 1,
		   "a difference in another file fails it, naming only that file [%s]", d.s);
		buf_free(&d);
		buf_free(&x);
		const char *m4 = H "f 0755 3 " SHA_A " usr/bin/cc\nf 0644 3 " SHA_A " usr/bin/ld\n" L
			"f 0644 1 " SHA_A " usr/lib/a/x.stamp\n";
		r = compare(p, m1, m4, &d, &x, hits);
		ok(r == 0 && hits[1] == 1 && !hits[0] && !d.len,
		   "a file only one side has is a difference, which an exclusion can take");
		ok(!strstr(d.s ? d.s : "", "x.stamp") && x.s && strstr(x.s, "+ usr/lib/a/x.stamp (plan line 10)"),
		   "  ... taken by the ** exclusion [%s]", x.s);
		buf_free(&d);
		buf_free(&x);
		plan_free(p);
	}

	bad("fixpoint-exclude usr/bin/cc why\nfixpoint gen-1 gen-2\n",
	    "8:1: 'fixpoint-exclude' before 'fixpoint STEP STEP': nothing to exclude from");
	bad("fixpoint gen-1 gen-2\nfixpoint-exclude usr/bin/cc\n",
	    "9:28: expected 'fixpoint-exclude GLOB REASON...': an exclusion says why the files may differ");
	bad("fixpoint gen-1 gen-2\nfixpoint-exclude\n",
	    "9:17: expected 'fixpoint-exclude GLOB REASON...': an exclusion says why the files may differ");
	bad("fixpoint gen-1 gen-2\nfixpoint-exclude /usr/bin/cc why\n",
	    "9:18: bad path pattern '/usr/bin/cc': expected a relative path without '.', '..' or empty components");
	bad("fixpoint gen-1 gen-2\nfixpoint-exclude usr/../etc why\n",
	    "9:22: bad path pattern 'usr/../etc': expected a relative path without '.', '..' or empty components");
	bad("fixpoint gen-1 gen-2\nfixpoint-exclude **/* everything\n",
	    "9:18: an exclusion names the files it covers; '**/*' matches everything");
	bad("fixpoint gen-1 gen-2\nfixpoint-exclude usr/bin/cc one\nfixpoint-exclude usr/bin/cc two\n",
	    "10:18: duplicate exclusion 'usr/bin/cc' (first at line 9)");
	rm_rf(dir);
	free(rf);
	free(rd);
	return tap_done();
}
