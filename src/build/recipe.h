#ifndef SPROUT_RECIPE_H
#define SPROUT_RECIPE_H

#include <stddef.h>

enum origin_kind {
	ORIGIN_URL,     /* http:// or https:// */
	ORIGIN_DEBIAN,  /* a Debian source package and version */
	ORIGIN_LOCAL,   /* a file beside the recipe (tests, small local files) */
};

struct origin {
	enum origin_kind kind;
	char *a;        /* URL, Debian package name, or path relative to the recipe */
	char *b;        /* Debian version, else NULL */
	int line;       /* where it was declared */
};

/* What the build does with a pregenerated or binary file of a source
 * (docs/recipes.md, "Audit rules"; checked by sprout audit). */
enum rule_action {
	RULE_REGENERATE,    /* deleted before the build, which makes it again */
	RULE_DELETE,        /* deleted before the build, which does not need it */
	RULE_WAIVE,         /* kept, for the written reason */
};

struct source_rule {
	enum rule_action action;
	char *glob;                 /* relative to the build tree: * ? and ** (docs/recipes.md) */
	char *reason;               /* RULE_WAIVE: why the file may stay; else NULL */
	int line;
};

struct source {
	char *file;                 /* file name in the distfiles store */
	unsigned char sha256[32];
	int extract;                /* unpack into the build tree (default: archives) */
	struct origin *origins;
	size_t norigins;
	struct source_rule *rules;  /* in recipe order; the first that matches a path applies */
	size_t nrules;
	int line;
};

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
};

/* Parse the recipe file at path. On error returns SPROUT_ERR_PARSE (or -errno)
 * and errf() holds "path:line:col: message". *out is the caller's, freed
 * with recipe_free. */
int recipe_parse_file(const char *path, struct recipe **out);
/* Parse recipe text already in memory; path is used for messages and to
 * find patches beside it. */
int recipe_parse(const char *path, const char *text, size_t len, struct recipe **out);
void recipe_free(struct recipe *r);
/* The name of a rule action: "regenerate", "delete" or "waive". Static. */
const char *recipe_rule_action(enum rule_action a);
/* The build script called name, or NULL. */
const struct build *recipe_build(const struct recipe *r, const char *name);

#endif
