/* 'sources RECIPE' (docs/recipes.md, "Sources of another recipe"): a
 * recipe takes another's source blocks, origins, inner archives and audit
 * rules; its key has them (docs/cache.md), the other recipe's key does
 * not change, and every misuse is an error at path:line:col. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "build/cache.h"
#include "build/plan.h"
#include "build/recipe.h"
#include "core/err.h"
#include "core/util.h"
#include "tap.h"
#include "tfile.h"

static char dir[64];

#define SHA_F "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
#define SHA_T "ab642492f5cf882b74aa0cb730cd410a81edcdbec895183ce930e706c1c759b8"

/* Recipe a, whose sources b takes: a tarball with an inner archive and
 * rules, and a file beside a. */
static void write_a(const char *comment, const char *reason)
{
	char *text = xasprintf("name a\nversion 1\nlicense MIT\n%s\nsource t.tar.gz\n\tsha256 " SHA_T "\n"
			       "\turl http://example.org/t.tar.gz\n\tdebian t 1-1\n\tinner t/u.tar.xz\n"
			       "\tdelete t/po/*.gmo\n\twaive t/configure %s\n"
			       "source f.sh\n\tsha256 " SHA_F "\n\tlocal f.sh\n\textract no\n"
			       "build host\n\ttrue\n", comment, reason);
	tfile_puts(dir, "recipes/a/recipe", text);
	free(text);
}

static void write_b(const char *extra)
{
	char *text = xasprintf("name b\nversion 2\nlicense MIT\n# a's sources\nsources a\n%sbuild host\n\ttrue\n", extra);
	tfile_puts(dir, "recipes/b/recipe", text);
	free(text);
}

/* The inputs (docs/cache.md, "The key") of step name in a plan of steps a
 * and b; NULL with the error in err_msg when it does not load. */
static char *inputs_of(const char *name)
{
	struct plan *p = NULL;
	char *path = xasprintf("%s/plan", dir);
	err_clear();
	int r = plan_load(path, "x86_64", &p);
	free(path);
	if (r)
		return NULL;
	struct buf b = {0};
	char(*dg)[65] = xcalloc(p->nsteps + 1, sizeof *dg);
	const char *saved = cache_host_arch;
	cache_host_arch = "x86_64";
	cache_inputs(p, plan_step_index(p, name), "x86_64", dg, &b);
	cache_host_arch = saved;
	free(dg);
	plan_free(p);
	return buf_take(&b);
}

static void bad_b(const char *text, const char *msg)
{
	tfile_puts(dir, "recipes/b/recipe", text);
	char *path = xasprintf("%s/recipes/b/recipe", dir), *want = xasprintf("%s:%s", path, msg);
	struct recipe *r = NULL;
	err_clear();
	int e = recipe_parse_file(path, &r);
	ok(e == -SPROUT_ERR_PARSE && !strcmp(err_msg(e), want), "error: %s (got: %s)", msg, e ? err_msg(e) : "success");
	if (!e)
		recipe_free(r);
	FREE_ALL(path, want);
}

static void taken(void)
{
	char *path = xasprintf("%s/recipes/b/recipe", dir);
	struct recipe *r = NULL;
	err_clear();
	int e = recipe_parse_file(path, &r);
	ok(e == 0, "sources a parses (%s)", e ? err_msg(e) : "ok");
	if (e) {
		free(path);
		return;
	}
	ok(r->nsources == 2 && !strcmp(r->sources[0].file, "t.tar.gz") && !strcmp(r->sources[1].file, "f.sh"),
	   "b has a's two sources, in a's order");
	const struct source *t = &r->sources[0], *f = &r->sources[1];
	ok(t->norigins == 2 && !strcmp(t->origins[0].a, "http://example.org/t.tar.gz") &&
	   !strcmp(t->origins[1].a, "t") && !strcmp(t->origins[1].b, "1-1"), "  ... with their url and debian origins");
	ok(t->ninner == 1 && !strcmp(t->inner[0].path, "t/u.tar.xz") && t->nrules == 2 &&
	   t->rules[0].action == RULE_DELETE && t->rules[1].action == RULE_WAIVE &&
	   !strcmp(t->rules[1].reason, "autoconf's output"), "  ... their inner archive and audit rules");
	ok(f->norigins == 1 && f->origins[0].kind == ORIGIN_LOCAL && !strcmp(f->origins[0].a, "../a/f.sh") && !f->extract,
	   "  ... a file beside a is ../a/f.sh from b, as 'shared a f.sh' writes it (%s)", f->origins[0].a);
	ok(t->recipe_path && strstr(t->recipe_path, "/a/recipe") && t->rules[1].line == 11,
	   "  ... and the rules' lines are a's, in a's file (%s line %d)", t->recipe_path, t->rules[1].line);
	ok(!strcmp(r->sources_of, "a") && r->sources_line == 5, "sources_of a, at line 5");
	recipe_free(r);
	free(path);
}

int main(void)
{
	tap_tmpdir(dir, sizeof dir, "sources");
	tfile_puts(dir, "recipes/a/f.sh", "test"); /* the bytes SHA_F pins */
	tfile_puts(dir, "plan", "plan t\narches x86_64\nrecipes recipes\nset SOURCE_DATE_EPOCH 1\n"
		   "stage host\n\tstep a\n\tstep b\n");
	write_a("# a comment", "autoconf's output");
	write_b("");
	taken();

	char *a1 = inputs_of("a"), *b1 = inputs_of("b");
	ok(a1 && !strstr(a1, "\nsources "), "a's key inputs have no 'sources' line: a recipe without one keeps its key");
	ok(a1 && !strncmp(a1, "sprout-inputs 2\nstep a\nrecipe a 1 ", 33) &&
	   strstr(a1, "\nbuild host\nstage host\narch x86_64\nhost-arch x86_64\nset SOURCE_DATE_EPOCH 1\n"
		  "source t.tar.gz " SHA_T "\nsource f.sh " SHA_F "\n"),
	   "  ... and are what docs/cache.md lists, in its order [%s]", a1 ? a1 : err_msg(-1));
	ok(b1 && strstr(b1, "\nrecipe b 2 ") && strstr(b1, "\nsources a ") &&
	   strstr(b1, "\nsource t.tar.gz " SHA_T "\nsource f.sh " SHA_F "\n"),
	   "b's key inputs: 'sources a HASH' and each source taken [%s]", b1 ? b1 : err_msg(-1));

	write_a("# another comment, outside every source block", "autoconf's output");
	char *a2 = inputs_of("a"), *b2 = inputs_of("b");
	ok(a1 && a2 && strcmp(a1, a2), "a comment changed in a changes a's key (its text is hashed)");
	ok(b1 && b2 && !strcmp(b1, b2), "  ... but not b's: b has a's source blocks, not a's text");
	write_a("# another comment, outside every source block", "autoconf's output, used as shipped");
	char *b3 = inputs_of("b");
	ok(b2 && b3 && strcmp(b2, b3), "a waiver's reason changed in a changes b's key");
	FREE_ALL(a1, a2, b1, b2, b3);

	const char *head = "name b\nversion 1\nlicense MIT\n";
	char *t;
	bad_b(t = xasprintf("%ssources c\nbuild host\n\ttrue\n", head), xasprintf("4:9: no recipe 'c' beside this one (%s/recipes/c/recipe)", dir));
	free(t);
	bad_b(t = xasprintf("%ssources B\nbuild host\n\ttrue\n", head), "4:9: malformed recipe name 'B'");
	free(t);
	bad_b(t = xasprintf("%ssources b\nbuild host\n\ttrue\n", head), "4:9: a recipe's own sources are 'source' blocks");
	free(t);
	bad_b(t = xasprintf("%ssources\nbuild host\n\ttrue\n", head), "4:8: expected 'sources RECIPE'");
	free(t);
	bad_b(t = xasprintf("%ssources a x\nbuild host\n\ttrue\n", head), "4:11: expected 'sources RECIPE'");
	free(t);
	bad_b(t = xasprintf("%ssources a\nsources a\nbuild host\n\ttrue\n", head), "5:1: duplicate 'sources' (first at line 4)");
	free(t);
	bad_b(t = xasprintf("%ssources a\nsource f.sh\n\tsha256 " SHA_F "\n\tlocal f.sh\nbuild host\n\ttrue\n", head),
	      "5:8: duplicate source 'f.sh' (from 'sources a', line 4)");
	free(t);
	bad_b(t = xasprintf("%ssource f.sh\n\tsha256 " SHA_F "\n\turl http://x.org/f.sh\nsources a\nbuild host\n\ttrue\n", head),
	      "7:9: source 'f.sh' of recipe 'a' is one of this recipe's too (line 4)");
	free(t);
	tfile_puts(dir, "recipes/c/recipe", "name c\nversion 1\nlicense MIT\nsources a\nbuild host\n\ttrue\n");
	bad_b(t = xasprintf("%ssources c\nbuild host\n\ttrue\n", head),
	      "4:9: recipe 'c' takes its own sources from 'a' (line 4): name that one");
	free(t);
	/* A loop is a chain too, and is not followed. */
	tfile_puts(dir, "recipes/f/recipe", "name f\nversion 1\nlicense MIT\nsources b\nbuild host\n\ttrue\n");
	bad_b(t = xasprintf("%ssources f\nbuild host\n\ttrue\n", head),
	      "4:9: recipe 'f' takes its own sources from 'b' (line 4): name that one");
	free(t);
	tfile_puts(dir, "recipes/d/recipe", "name d\nversion 1\nlicense MIT\nbuild host\n\ttrue\n");
	bad_b(t = xasprintf("%ssources d\nbuild host\n\ttrue\n", head), "4:9: recipe 'd' has no source");
	free(t);
	/* An error in the other recipe is reported where it is. */
	tfile_puts(dir, "recipes/e/recipe", "name e\nversion 1\nlicense MIT\nsource x.tar\n\tsha256 abc\n");
	char *path = xasprintf("%s/recipes/b/recipe", dir), *want = xasprintf("%s/recipes/e/recipe:5:9: malformed sha256", dir);
	tfile_puts(dir, "recipes/b/recipe", "name b\nversion 1\nlicense MIT\nsources e\nbuild host\n\ttrue\n");
	struct recipe *r = NULL;
	err_clear();
	int e = recipe_parse_file(path, &r);
	ok(e == -SPROUT_ERR_PARSE && !strncmp(err_msg(e), want, strlen(want)),
	   "an error in the other recipe names its file, line and column (%s)", e ? err_msg(e) : "success");
	if (!e)
		recipe_free(r);
	FREE_ALL(path, want);
	rm_rf(dir);
	return tap_done();
}
