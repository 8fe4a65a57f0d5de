/* The recipe parser: fields, scripts, and each error's location. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/err.h"
#include "build/recipe.h"
#include "recipe_tap.h"
#include "core/sha256.h"
#include "core/util.h"
#include "tap.h"

/* "shared RECIPE PATH" (docs/recipes.md): in a temporary tree of two
 * recipes, a/ and b/, where b has the file f.sh. */
static void shared_cases(void)
{
	char top[] = "/tmp/sprout-test-recipe.XXXXXX", path[256], want[512];
	if (!mkdtemp(top)) {
		ok(0, "mkdtemp");
		return;
	}
	snprintf(path, sizeof path, "%s/a", top);
	mkdir(path, 0755);
	snprintf(path, sizeof path, "%s/b", top);
	mkdir(path, 0755);
	snprintf(path, sizeof path, "%s/b/recipe", top);
	file_write_atomic(path, "name b\n", 7);
	snprintf(path, sizeof path, "%s/b/f.sh", top);
	file_write_atomic(path, "echo\n", 5);
	snprintf(path, sizeof path, "%s/a/recipe", top);
	static const char *const cases[][2] = {
		{"\tshared b f.sh\n", NULL},
		{"\tshared c f.sh\n", "%s:6:9: no recipe 'c' beside this one (%s/a/../c/recipe)"},
		{"\tshared b g.sh\n", "%s:6:11: recipe 'b' has no file 'g.sh'"},
		{"\tshared b ../b/f.sh\n", "%s:6:11: shared path must stay beside recipe 'b'"},
		{"\tshared b\n", "%s:6:2: expected 'shared RECIPE PATH'"},
		{"\tshared B f.sh\n", "%s:6:9: malformed recipe name 'B'"},
		{"\tshared a f.sh\n", "%s:6:9: a file beside this recipe is 'local PATH'"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		char text[512];
		snprintf(text, sizeof text,
			 "name a\nversion 1\nlicense MIT\nsource f.sh\n"
			 "\tsha256 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08\n%sbuild host\n\ttrue\n",
			 cases[i][0]);
		struct recipe *r = NULL;
		err_clear();
		int e = recipe_parse(path, text, strlen(text), &r);
		if (!cases[i][1]) {
			ok(e == 0 && r->sources[0].norigins == 1 && r->sources[0].origins[0].kind == ORIGIN_LOCAL &&
			   !strcmp(r->sources[0].origins[0].a, "../b/f.sh"),
			   "shared b f.sh: a local origin ../b/f.sh (%s)", e ? err_msg(e) : "ok");
		} else {
			snprintf(want, sizeof want, cases[i][1], path, top);
			ok(e == -SPROUT_ERR_PARSE && !strcmp(err_msg(e), want), "error: %s (got: %s)", want,
			   e ? err_msg(e) : "success");
		}
		if (!e)
			recipe_free(r);
	}
	rm_rf(top);
}

int main(void)
{
	static const char good[] =
		"# a comment\n"
		"name        demo\n"
		"version     1.2\n"
		"license     GPL-2.0-only WITH Linux-syscall-note\n"
		"description A demo recipe\n"
		"\n"
		"source demo-1.2.tar.gz\n"
		"\tsha256 9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A08\n"
		"\turl    https://example.org/demo-1.2.tar.gz\n"
		"\tdebian demo 1.2-1\n"
		"source extra.txt\n"
		"  sha256 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08\n"
		"  local  extra.txt\n"
		"depends musl tcc\n"
		"build host\n"
		"\tcd demo-1.2\n"
		"\tif true; then\n"
		"\t\techo nested\n"
		"\tfi\n"
		"\n"
		"\t# a shell comment stays\n"
		"\n"
		"build native: busybox\n"
		"    make\n"
		"      install\n";
	struct recipe *r = NULL;
	int e = parse(good, &r);
	ok(e == 0, "a complete recipe parses (%s)", e ? err_msg(e) : "ok");
	if (e)
		return tap_done();
	ok(!strcmp(r->name, "demo") && !strcmp(r->version, "1.2"), "name and version");
	ok(!strcmp(r->license, "GPL-2.0-only WITH Linux-syscall-note"), "license expression kept whole");
	ok(!strcmp(r->description, "A demo recipe"), "description is the rest of the line");
	ok(r->nsources == 2, "two sources");
	char hex[65];
	sha256_hex(r->sources[0].sha256, hex);
	ok(!strcmp(hex, "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"), "upper-case hex accepted");
	ok(r->sources[0].norigins == 2 && r->sources[0].origins[0].kind == ORIGIN_URL &&
	   r->sources[0].origins[1].kind == ORIGIN_DEBIAN && !strcmp(r->sources[0].origins[1].b, "1.2-1"),
	   "origins in order: url, debian with version");
	ok(r->sources[0].extract == 1 && r->sources[1].extract == 0, "archives extract, other files do not");
	ok(r->ndeps == 2 && !strcmp(r->deps[1], "tcc"), "depends");
	ok(r->nbuilds == 2, "two build scripts");
	ok(!strcmp(r->builds[0].script, "cd demo-1.2\nif true; then\n\techo nested\nfi\n\n# a shell comment stays\n"),
	   "script: first indentation removed, inner kept, trailing blanks dropped [%s]", r->builds[0].script);
	ok(r->builds[1].ndeps == 1 && !strcmp(r->builds[1].deps[0], "busybox"), "script's own dependencies");
	ok(!strcmp(r->builds[1].script, "make\n  install\n"), "space-indented script");
	ok(recipe_build(r, "native") == &r->builds[1] && !recipe_build(r, "cross"), "recipe_build finds by name");
	recipe_free(r);

	static const char head[] = "name a\nversion 1\nlicense MIT\n";
	char buf[1024];
#define WITH(s) (snprintf(buf, sizeof buf, "%s%s", head, s), buf)
	bad(WITH("homepage x\nbuild host\n\ttrue\n"),
	    "t/recipe:4:1: unknown key 'homepage' (expected name, version, license, description, source, sources, patch, depends, build or package)");
	bad(WITH("source a.tar.gz\n\turl https://x/a.tar.gz\nbuild host\n\ttrue\n"), "t/recipe:4:1: source 'a.tar.gz' has no sha256");
	bad(WITH("source a.tar.gz\n\tsha256 abc\n\turl https://x/a\nbuild host\n\ttrue\n"),
	    "t/recipe:5:9: malformed sha256 'abc': expected 64 hex digits");
	bad(WITH("source a.tar.gz\n\tsha256 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a0g\n\turl https://x/a\nbuild host\n\ttrue\n"),
	    "t/recipe:5:9: malformed sha256 '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a0g': expected 64 hex digits");
	bad(WITH("source a.tar.gz\n\tsha256 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08\nbuild host\n\ttrue\n"),
	    "t/recipe:4:1: source 'a.tar.gz' has no origin (expected url, debian, local or shared)");
	bad(WITH("source a.tar.gz\n\tsha256 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08\n\turl ftp://x/a\nbuild host\n\ttrue\n"),
	    "t/recipe:6:6: url must start with http:// or https://");
	bad(WITH("source a.tar.gz\n\tsha256 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08\n\tmirror x\nbuild host\n\ttrue\n"),
	    "t/recipe:6:2: unknown source attribute 'mirror' (expected sha256, url, debian, local, shared, extract, inner, "
	    "regenerate, "
	    "delete or waive)");
	bad(WITH("version 2\nbuild host\n\ttrue\n"), "t/recipe:4:1: duplicate 'version' (first at line 2)");
	bad(WITH("build host\n\ttrue\nbuild host\n\ttrue\n"), "t/recipe:6:7: duplicate build script 'host' (first at line 4)");
	bad(WITH("build host\n"), "t/recipe:4:1: build script 'host' is empty");
	bad(WITH("build host\n\t\tcd x\n\tmake\n"), "t/recipe:6:2: script line is indented less than the first line of its script");
	bad(WITH("build host extra\n\ttrue\n"), "t/recipe:4:12: expected ':' before the script's own dependencies");
	bad(WITH("depends Bad\nbuild host\n\ttrue\n"), "t/recipe:4:9: bad recipe name 'Bad'");
	bad(WITH("patch missing.patch\nbuild host\n\ttrue\n"),
	    "t/recipe:4:7: cannot read patch 'missing.patch': No such file or directory");
	bad("name a\nversion 1\nbuild host\n\ttrue\n", "t/recipe:1:1: missing required key 'license'");
	bad("name a\nversion 1\nlicense MIT;rm\nbuild host\n\ttrue\n", "t/recipe:3:12: bad character in SPDX license expression");
	bad("name A\n", "t/recipe:1:6: bad name 'A': expected lower-case letters, digits and . _ + -");
	bad(WITH("  build host\n"), "t/recipe:4:3: unexpected indented line (only source and package attributes and build scripts are indented)");
	bad(WITH("source ../a\n"), "t/recipe:4:8: a source file name has no '/'");

	/* Audit rules under a source. */
#define SRC "source a.tar.gz\n\tsha256 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08\n\turl https://x/a\n"
/* bad() of the recipe whose source SRC has these attribute lines. */
#define bad_src(lines, msg) bad(WITH(SRC lines "build host\n\ttrue\n"), msg)
	e = parse(WITH(SRC "\tregenerate a-1/configure\n\tdelete a-1/po/*.gmo\n"
		       "\twaive  a-1/tests/**/*.bin  test vectors, read by the test suite only  \nbuild host\n\ttrue\n"), &r);
	ok(e == 0, "regenerate, delete and waive parse (%s)", e ? err_msg(e) : "ok");
	if (!e) {
		const struct source *s = &r->sources[0];
		ok(s->nrules == 3, "three rules");
		ok(s->rules[0].action == RULE_REGENERATE && !strcmp(s->rules[0].glob, "a-1/configure") &&
		   !s->rules[0].reason && s->rules[0].line == 7, "regenerate GLOB, with its line");
		ok(s->rules[1].action == RULE_DELETE && !strcmp(s->rules[1].glob, "a-1/po/*.gmo"), "delete GLOB");
		ok(s->rules[2].action == RULE_WAIVE && !strcmp(s->rules[2].glob, "a-1/tests/**/*.bin") &&
		   !strcmp(s->rules[2].reason, "test vectors, read by the test suite only"),
		   "waive GLOB REASON: the reason is the rest of the line [%s]", s->rules[2].reason);
		recipe_free(r);
	}
	bad_src("\twaive a-1/x.o\n",
	        "t/recipe:7:15: expected 'waive GLOB REASON...': a waiver says why the file may stay");
	bad_src("\tdelete\n", "t/recipe:7:8: expected 'delete GLOB'");
	bad_src("\tregenerate a b\n", "t/recipe:7:15: expected 'regenerate GLOB'");
	bad_src("\tdelete /etc/passwd\n",
	        "t/recipe:7:9: bad path pattern '/etc/passwd': expected a relative path without '.', '..' or empty components");
	bad_src("\tdelete a-1/../../x\n",
	        "t/recipe:7:13: bad path pattern 'a-1/../../x': expected a relative path without '.', '..' or empty components");
	bad_src("\tdelete a-1/\n",
	        "t/recipe:7:12: bad path pattern 'a-1/': expected a relative path without '.', '..' or empty components");
	bad_src("\twaive **/* whatever\n",
	        "t/recipe:7:8: a waiver names the files it covers; '**/*' matches everything");
	bad_src("\tdelete a-1/x\n\twaive a-1/x because\n",
	        "t/recipe:8:8: duplicate rule for 'a-1/x' (first at line 7)");
	e = parse(WITH(SRC "\tdelete a-1/x\nsource b.txt\n\tsha256 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08\n"
		       "\tlocal b.txt\n\tdelete a-1/x\nbuild host\n\ttrue\n"), &r);
	ok(e == 0, "the same glob under two sources is two rules (%s)", e ? err_msg(e) : "ok");
	if (!e)
		recipe_free(r);

	/* Inner archives: unpacked after the source, before its rules. */
	e = parse(WITH(SRC "\tinner a-1/b-2.tar.xz\n\tinner b-2/c.tar\n\tdelete b-2/x.o\nbuild host\n\ttrue\n"), &r);
	ok(e == 0, "inner PATH parses (%s)", e ? err_msg(e) : "ok");
	if (!e) {
		const struct source *s = &r->sources[0];
		ok(s->ninner == 2 && !strcmp(s->inner[0].path, "a-1/b-2.tar.xz") && s->inner[0].line == 7 &&
		   !strcmp(s->inner[1].path, "b-2/c.tar") && s->inner[1].line == 8, "two inner archives, in order, with lines");
		ok(s->nrules == 1, "and the rule beside them");
		recipe_free(r);
	}
	bad_src("\tinner\n", "t/recipe:7:7: expected 'inner PATH'");
	bad_src("\tinner a b.tar\n", "t/recipe:7:10: expected 'inner PATH'");
	bad_src("\tinner a-1/*.tar.xz\n",
	        "t/recipe:7:8: bad inner archive 'a-1/*.tar.xz': expected a relative path without wildcards, '.', '..' or "
	        "empty components");
	bad_src("\tinner a-1/../x.tar\n",
	        "t/recipe:7:12: bad inner archive 'a-1/../x.tar': expected a relative path without wildcards, '.', '..' or "
	        "empty components");
	bad_src("\tinner a-1/notes.txt\n",
	        "t/recipe:7:8: inner archive 'a-1/notes.txt' is not a tar archive (.tar, .tar.gz, .tar.xz ...)");
	bad_src("\tinner a-1/b.tar\n\tinner a-1/b.tar\n",
	        "t/recipe:8:8: duplicate inner archive 'a-1/b.tar' (first at line 7)");
	bad_src("\textract no\n\tinner a-1/b.tar\n",
	        "t/recipe:8:2: 'inner' needs a source that is unpacked ('a.tar.gz' is copied)");
	bad_src("\tinner a-1/b.tar\n\textract no\n",
	        "t/recipe:8:10: 'extract no' with 'inner' (line 7): an inner archive is in an unpacked source");
	shared_cases();
	return tap_done();
}
