/* Helpers for the recipe parser's unit tests (test_recipe.c and
 * test_pkgrecipe.c): parse a recipe from a string, and expect an error. */
#ifndef SPROUT_RECIPE_TAP_H
#define SPROUT_RECIPE_TAP_H

#include <string.h>

#include "core/err.h"
#include "build/recipe.h"
#include "tap.h"

static int parse(const char *text, struct recipe **r)
{
	err_clear();
	return recipe_parse("t/recipe", text, strlen(text), r);
}

/* Parse text, expect failure with exactly msg. */
static void bad(const char *text, const char *msg)
{
	struct recipe *r = NULL;
	int e = parse(text, &r);
	ok(e == -SPROUT_ERR_PARSE && !strcmp(err_msg(e), msg), "error: %s (got: %s)", msg, e ? err_msg(e) : "success");
	if (!e)
		recipe_free(r);
}

#endif
