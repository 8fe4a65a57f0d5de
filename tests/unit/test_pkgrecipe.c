/* The package block of recipes (docs/recipes.md, "Packages"): its
 * attributes and each error's location. */
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "build/recipe.h"
#include "recipe_tap.h"
#include "tap.h"

#define HEAD "name x\nversion 1\nlicense MIT\nbuild host\n\ttrue\n"

int main(void)
{
	struct recipe *r = NULL;
	int e = parse(HEAD "package\n\trelease 3\n\tdepends musl libz>=1.2\n\tprovides cc=0.9\n\tconflicts gcc\n"
		      "\t# a comment\n\tsubpackage dev usr/include usr/lib/*.a\n\tsubpackage doc usr/share/doc\n", &r);
	ok(e == 0, "a package block parses (%s)", e ? err_msg(e) : "ok");
	if (e)
		return tap_done();
	ok(r->pkg.line == 6 && !strcmp(r->pkg.release, "3"), "its line and release");
	ok(r->pkg.ndepends == 2 && !strcmp(r->pkg.depends[1], "libz>=1.2"), "depends, as written");
	ok(r->pkg.nprovides == 1 && r->pkg.nconflicts == 1, "provides and conflicts");
	ok(r->pkg.nsubs == 2 && !strcmp(r->pkg.subs[0].suffix, "dev") && r->pkg.subs[0].nglobs == 2 &&
	   !strcmp(r->pkg.subs[0].globs[1], "usr/lib/*.a") && r->pkg.subs[1].line == 13, "subpackages with their globs");
	recipe_free(r);
	ok(parse(HEAD, &r) == 0 && r->pkg.line == 0 && !r->pkg.release, "no package block: nothing set");
	recipe_free(r);
	bad(HEAD "package extra\n", "t/recipe:6:9: expected 'package' alone on its line, its attributes indented below");
	bad(HEAD "package\n\trelease 0\n", "t/recipe:7:10: expected 'release N' (N from 1)");
	bad(HEAD "package\n\trelease 1\n\trelease 2\n", "t/recipe:8:2: duplicate release");
	bad(HEAD "package\n\tdepends Musl\n",
	    "t/recipe:7:10: bad package 'Musl': expected NAME, NAME=VERSION or, but for provides, NAME>=VERSION, "
	    "NAME<VERSION ...");
	bad(HEAD "package\n\tprovides cc>=1\n", "t/recipe:7:11: a package provides NAME or NAME=VERSION");
	bad(HEAD "package\n\tsubpackage dev\n", "t/recipe:7:13: expected 'subpackage SUFFIX GLOB...'");
	bad(HEAD "package\n\tsubpackage dev ../x\n",
	    "t/recipe:7:17: bad path pattern '../x': expected a relative path without '.', '..' or empty components");
	bad(HEAD "package\n\tsubpackage dev a\n\tsubpackage dev b\n", "t/recipe:8:13: duplicate subpackage 'dev' (first at line 7)");
	bad(HEAD "package\n\thomepage x\n",
	    "t/recipe:7:2: unknown package attribute 'homepage' (expected release, depends, provides, conflicts or subpackage)");
	bad(HEAD "package\npackage\n", "t/recipe:7:1: duplicate 'package' (first at line 6)");
	/* The minimal plan's packages say what they need to run (issue 16). */
	ok(recipe_parse_file("recipes/tcc/recipe", &r) == 0 && r->pkg.ndepends == 1 && !strcmp(r->pkg.depends[0], "musl"),
	   "recipes/tcc: the tcc package depends on musl (its crt files, libc and headers)");
	recipe_free(r);
	r = NULL;
	ok(recipe_parse_file("recipes/make/recipe", &r) == 0 && r->pkg.ndepends == 2 &&
		   !strcmp(r->pkg.depends[0], "busybox") && !strcmp(r->pkg.depends[1], "base"),
	   "recipes/make: the make package depends on busybox and base (/bin/sh)");
	recipe_free(r);
	return tap_done();
}
