/* Lines of many words (issue 12, defect 1): a recipe or plan line of any
 * length parses correctly or fails with "path:line:col: too many words",
 * and never reads a word the splitter did not fill. Run under ASan
 * (make check-asan) a read past the words is a crash. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/util.h"
#include "build/recipe.h"
#include "recipe_tap.h"
#include "tap.h"

/* "name x\nversion 1\nlicense MIT\n" + head + " d0 d1 ..." (words of
 * them) + "\n" + tailkw (NULL: "build host\n\ttrue\n"). Caller frees. */
static char *with_line(const char *head, int words, const char *tailkw)
{
	struct buf b = {0};
	buf_adds(&b, "name x\nversion 1\nlicense MIT\n");
	buf_adds(&b, head);
	for (int i = 0; i < words; i++)
		buf_addf(&b, " d%d", i);
	buf_adds(&b, "\n");
	buf_adds(&b, tailkw ? tailkw : "build host\n\ttrue\n");
	return buf_take(&b);
}

/* The column of word k (0-based) of head + " d0 d1 ..." */
static int col_of(const char *head, int k)
{
	int c = (int)strlen(head) + 2;
	for (int i = 0; i < k; i++) {
		char w[16];
		c += snprintf(w, sizeof w, "d%d", i) + 1;
	}
	return c;
}

static void depends_ok(int nnames)
{
	char *t = with_line("depends", nnames, NULL);
	struct recipe *r = NULL;
	int e = parse(t, &r);
	int good = !e && r->ndeps == (size_t)nnames;
	for (int i = 0; good && i < nnames; i++) {
		char w[16];
		snprintf(w, sizeof w, "d%d", i);
		good = !strcmp(r->deps[i], w);
	}
	ok(good, "depends with %d names: all of them (%s)", nnames, e ? err_msg(e) : "parsed");
	if (!e)
		recipe_free(r);
	free(t);
}

static void too_many(const char *head, int nwords, int line, const char *tailkw)
{
	char *t = with_line(head, nwords, tailkw);
	char want[128];
	/* the first word past 255, counting the key */
	snprintf(want, sizeof want, "t/recipe:%d:%d: too many words (at most 255)", line, col_of(head, 254));
	bad(t, want);
	free(t);
}

/* The head of a package block's depends line, after a build script. */
#define PKG_DEPENDS "build host\n\ttrue\npackage\n\tdepends"

int main(void)
{
	depends_ok(62);
	depends_ok(63);
	depends_ok(64);
	depends_ok(200);
	depends_ok(254);
	too_many("depends", 255, 4, NULL);
	too_many("depends", 1000, 4, NULL);

	/* build NAME: DEPS, with 63 and more dependencies */
	{
		char *t = with_line("build host:", 100, "\ttrue\n");
		struct recipe *r = NULL;
		int e = parse(t, &r);
		ok(!e && r->nbuilds == 1 && r->builds[0].ndeps == 100 && !strcmp(r->builds[0].deps[99], "d99"),
		   "build host: with 100 dependencies (%s)", e ? err_msg(e) : "parsed");
		if (!e)
			recipe_free(r);
		free(t);
	}
	/* the package block's words: a correct parse, or a real column */
	{
		char *t = with_line(PKG_DEPENDS, 70, "");
		struct recipe *r = NULL;
		int e = parse(t, &r);
		ok(!e && r->pkg.ndepends == 70, "package depends with 70 names (%s)", e ? err_msg(e) : "parsed");
		if (!e)
			recipe_free(r);
		free(t);
		t = with_line(PKG_DEPENDS, 300, "");
		char want[128];
		snprintf(want, sizeof want, "t/recipe:7:%d: too many words (at most 255)", col_of("\tdepends", 254));
		bad(t, want);
		free(t);
	}
	/* a source attribute line of many words */
	{
		struct buf b = {0};
		buf_adds(&b, "name x\nversion 1\nlicense MIT\nsource f.tar\n\tsha256 "
			 "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08\n\tlocal f.tar\n\twaive f/x");
		for (int i = 0; i < 100; i++)
			buf_addf(&b, " because");
		buf_adds(&b, "\nbuild host\n\ttrue\n");
		struct recipe *r = NULL;
		int e = parse(b.s, &r);
		ok(!e && r->sources[0].nrules == 1 && strlen(r->sources[0].rules[0].reason) == 100 * 8 - 1,
		   "a waiver's reason of 100 words (%s)", e ? err_msg(e) : "parsed");
		if (!e)
			recipe_free(r);
		buf_free(&b);
	}
	return tap_done();
}
