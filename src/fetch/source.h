#ifndef SPROUT_SOURCE_H
#define SPROUT_SOURCE_H

/* A source file of a recipe and where to get it: what the fetcher needs,
 * kept here so that fetch/ does not include build/ (a recipe holds these;
 * the fetcher only reads them). */

#include <stddef.h>

enum origin_kind {
	ORIGIN_URL,     /* http:// or https:// */
	ORIGIN_DEBIAN,  /* a Debian source package and version */
	ORIGIN_LOCAL,   /* a file beside the recipe (tests, small local files) */
};

struct origin {
	enum origin_kind kind;
	char *a;        /* URL, Debian package name, or path relative to the recipe's directory
			 * ("../RECIPE/PATH" for a shared file) */
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

/* An archive inside a source that is unpacked like the source itself
 * (docs/recipes.md, "inner"): GCC's orig holds the real GCC tarball. */
struct source_inner {
	char *path;                 /* relative to the build tree, as the source unpacks */
	int line;
};

struct source {
	char *file;                 /* file name in the distfiles store */
	unsigned char sha256[32];
	int extract;                /* unpack into the build tree (default: archives) */
	struct source_inner *inner; /* unpacked in this order after the source, then removed */
	size_t ninner;
	struct origin *origins;
	size_t norigins;
	struct source_rule *rules;  /* in recipe order; the first that matches a path applies */
	size_t nrules;
	int line;
	int pin_line, pin_col;      /* of its sha256's value */
	char *recipe_path;          /* the recipe file its block is written in, when that is
				     * not the recipe's own (taken with 'sources RECIPE'), else NULL */
};

#endif
