#ifndef SPROUT_RECIPE_H
#define SPROUT_RECIPE_H

#include <stddef.h>

#include "core/util.h"
#include "fetch/source.h"

struct patch {
	char *file;                 /* name of a file beside the recipe */
	unsigned char sha256[32];   /* of its bytes, read at parse time */
};

struct build {
	char *name;                 /* script name: usually a stage (host, native) */
	char **deps;                /* recipe names needed by this script only */
	size_t ndeps;
	char *script;               /* shell text, indentation removed */
	int line;
};

/* A part of a step's output packaged on its own (docs/recipes.md,
 * "Packages"): NAME-SUFFIX gets the entries the globs match. */
struct subpackage {
	char *suffix;
	char **globs;               /* as for audit rules: a directory covers all beneath */
	size_t nglobs;
	int line;
};

/* The package block: what `sprout pkg build` writes into the packages of
 * this recipe's steps (docs/package.md). */
struct recipe_package {
	int line;                   /* of the block, 0 when there is none */
	char *release;              /* NULL: 1 */
	char **depends, **provides, **conflicts;    /* dependency atoms, as written */
	size_t ndepends, nprovides, nconflicts;
	struct subpackage *subs;
	size_t nsubs;
};

struct recipe {
	char *path;                 /* the recipe file */
	char *dir;                  /* its directory */
	unsigned char sha256[32];   /* of the recipe file's bytes */
	char *name, *version, *license, *description;
	struct source *sources;
	size_t nsources;
	struct patch *patches;
	size_t npatches;
	char **deps;                /* recipe names needed by every script */
	size_t ndeps;
	struct build *builds;
	size_t nbuilds;
	struct recipe_package pkg;
	char *sources_of;           /* sources RECIPE: whose source blocks were taken, or NULL */
	unsigned char sources_sha256[32]; /* of those blocks (recipe_sources_text), when sources_of */
	int sources_line;
};

/* Parse the recipe file at path. On error returns SPROUT_ERR_PARSE (or -errno)
 * and errf() holds "path:line:col: message". *out is the caller's, freed
 * with recipe_free. */
int recipe_parse_file(const char *path, struct recipe **out);
/* Parse recipe text already in memory; path is used for messages and to
 * find patches beside it. */
int recipe_parse(const char *path, const char *text, size_t len, struct recipe **out);
void recipe_free(struct recipe *r);
/* Whether each of the recipe's own files (a source with a local origin
 * beside it, or shared from another recipe) that is there still has the
 * bytes its pin says: a file edited without its pin would build from the
 * store's old copy. 0, or -SPROUT_ERR_HASH with errf's "path:line:col"
 * at the pin. A file that is not there is for the fetch to report. */
int recipe_check_local(const struct recipe *rc);
/* The name of a rule action: "regenerate", "delete" or "waive". Static. */
const char *recipe_rule_action(enum rule_action a);
/* The canonical text of r's source blocks (every attribute but comments
 * and origins' lines), appended to out: what 'sources RECIPE' hashes into
 * the keys of the recipe that takes them (docs/cache.md). */
void recipe_sources_text(const struct recipe *r, struct buf *out);
/* The build script called name, or NULL. */
const struct build *recipe_build(const struct recipe *r, const char *name);

#endif
