/* The recipe parser (docs/recipes.md) on arbitrary text. */
#include "fuzz.h"
#include "build/recipe.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct recipe *r = NULL;
	err_clear();
	/* a directory that does not exist: a "patch" key reads nothing */
	int e = recipe_parse("/nonexistent/fuzz/recipe", (const char *)data, size, &r);
	if (e) {
		if (e != -SPROUT_ERR_PARSE)
			abort();
		fuzz_msg_ok(e);
		return 0;
	}
	/* what a parse promises: the required keys, non-empty scripts */
	if (!r->name || !r->version || !r->license || !r->nbuilds)
		abort();
	for (size_t i = 0; i < r->nbuilds; i++)
		if (!r->builds[i].script || !r->builds[i].script[0] || recipe_build(r, r->builds[i].name) != &r->builds[i])
			abort();
	recipe_free(r);
	return 0;
}
