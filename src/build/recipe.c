#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/lex.h"
#include "pkg/pkg.h"
#include "build/recipe.h"
#include "core/sha256.h"
#include "core/util.h"

/* The recipe format is specified in docs/recipes.md. The parser reads a
 * line at a time; a key line is looked up in TOP, an indented line in the
 * table of the block it belongs to (SOURCE_ATTRS, PACKAGE_ATTRS) or added
 * to the open build script. */

enum block { BLOCK_NONE, BLOCK_SOURCE, BLOCK_BUILD, BLOCK_PACKAGE };

struct parser {
	struct lex lx;
	struct lexline l;           /* the line being parsed */
	struct lexline block_line;  /* the key line of the open block */
	enum block block;
	struct recipe *rc;
	int seen[4];                /* line of name, version, license, description */
	int have_sha;               /* the open source block has its sha256 */
	int nested;                 /* parsing the recipe a 'sources' line names: its own
				     * 'sources' line is noted, not followed (no chains, no loops) */
	struct buf script;          /* the open build script */
	struct slice indent;        /* its first line's indentation */
};

/* A key or attribute: fn parses the line's words w[0..n) (w[0] the key);
 * arg tells keys that share a function apart. */
struct keyword {
	const char *word;
	int (*fn)(struct parser *ps, struct slice *w, int n, int arg);
	int arg;
};

static const struct keyword *keyword_find(const struct keyword *t, struct slice w)
{
	for (; t->word; t++)
		if (slice_eq(w, t->word))
			return t;
	return NULL;
}

/* "a, b or c": the words of table t, for "expected ..." messages. */
static void keyword_list(const struct keyword *t, struct buf *out)
{
	for (size_t i = 0; t[i].word; i++)
		buf_addf(out, "%s%s", i == 0 ? "" : t[i + 1].word ? ", " : " or ", t[i].word);
}

static int unknown(struct parser *ps, struct slice w, const char *what, const struct keyword *t)
{
	struct buf b = {0};
	keyword_list(t, &b);
	int r = lex_error(&ps->lx, &ps->l, w.s, "unknown %s '%.*s' (expected %s)", what, (int)w.len, w.s, b.s);
	buf_free(&b);
	return r;
}

static int parse_file(const char *path, int nested, struct recipe **out);

/* An error at position at of the line being read: "path:line:col: ...". */
#define err_at(ps, at, ...) lex_error(&(ps)->lx, &(ps)->l, (at), __VA_ARGS__)

static void add_word(char ***v, size_t *n, struct slice s)
{
	*v = xrealloc(*v, (*n + 1) * sizeof **v);
	(*v)[(*n)++] = slice_dup(s);
}

/* Add the recipe names w[from..n) to *v. */
static int add_deps(struct parser *ps, const struct slice *w, int from, int n, char ***v, size_t *nv)
{
	for (int i = from; i < n; i++) {
		if (!slice_is_name(w[i]))
			return err_at(ps, w[i].s, "bad recipe name '%.*s'", (int)w[i].len, w[i].s);
		add_word(v, nv, w[i]);
	}
	return 0;
}

static int is_archive(const char *f)
{
	static const char *const ext[] = {".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tbz2",
		".tar.xz", ".txz", ".tar.zst", ".tar.lzma", NULL};
	size_t n = strlen(f);
	for (int i = 0; ext[i]; i++) {
		size_t m = strlen(ext[i]);
		if (n > m && !strcmp(f + n - m, ext[i]))
			return 1;
	}
	return 0;
}

/* An SPDX license expression: ids made of [A-Za-z0-9.+-] joined by AND, OR,
 * WITH and parentheses. Returns a pointer to the first bad byte or NULL. */
static const char *bad_license(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '+' || c == '-' || c == ' ' || c == '(' || c == ')' || c == ':'))
			return s + i;
	}
	return NULL;
}

/* The rest of a line after its first word, without trailing blanks. */
static struct slice rest_of(const struct lexline *l, struct slice key)
{
	const char *p = key.s + key.len, *e = l->s + l->len;
	while (p < e && (*p == ' ' || *p == '\t'))
		p++;
	while (e > p && (e[-1] == ' ' || e[-1] == '\t'))
		e--;
	struct slice s = {p, (size_t)(e - p)};
	return s;
}

static int glob_error(struct parser *ps, const char *bad, struct slice g)
{
	return err_at(ps, bad, "bad path pattern '%.*s': expected a relative path without '.', '..' or empty "
		      "components", (int)g.len, g.s);
}

/* ---- source attributes ---- */

static struct source *open_source(struct parser *ps)
{
	return &ps->rc->sources[ps->rc->nsources - 1];
}

static int attr_sha256(struct parser *ps, struct slice *w, int n, int arg)
{
	struct source *src = open_source(ps);
	(void)arg;
	if (n != 2)
		return err_at(ps, w[0].s, "expected 'sha256 HEX'");
	if (ps->have_sha)
		return err_at(ps, w[0].s, "duplicate sha256 for source '%s'", src->file);
	if (sha256_unhex(w[1].s, w[1].len, src->sha256))
		return err_at(ps, w[1].s, "malformed sha256 '%.*s': expected 64 hex digits", (int)w[1].len, w[1].s);
	ps->have_sha = 1;
	src->pin_line = ps->l.lineno;
	src->pin_col = lex_col(&ps->l, w[1].s);
	return 0;
}

/* attr_origin's argument for "shared": stored as an ORIGIN_LOCAL. */
#define ATTR_SHARED 100

/* "shared RECIPE PATH": a file beside another recipe of the same tree
 * (docs/recipes.md). Checked here, so that a bad reference is a parse
 * error at its word; *rel is the path from this recipe's directory,
 * "../RECIPE/PATH" (caller frees). */
static int shared_path(struct parser *ps, struct slice *w, int n, char **rel)
{
	if (n != 3)
		return err_at(ps, n < 3 ? w[0].s : w[3].s, "expected 'shared RECIPE PATH'");
	if (!slice_is_name(w[1]))
		return err_at(ps, w[1].s, "malformed recipe name '%.*s'", (int)w[1].len, w[1].s);
	const char *own = strrchr(ps->rc->dir, '/');
	if (slice_eq(w[1], own ? own + 1 : ps->rc->dir))
		return err_at(ps, w[1].s, "a file beside this recipe is 'local PATH'");
	if (w[2].s[0] == '/' || memmem(w[2].s, w[2].len, "..", 2))
		return err_at(ps, w[2].s, "shared path must stay beside recipe '%.*s'", (int)w[1].len, w[1].s);
	struct buf b = {0};
	buf_addf(&b, "../%.*s/recipe", (int)w[1].len, w[1].s);
	char *at = path_join(ps->rc->dir, b.s);
	int r = 0;
	if (!path_exists(at))
		r = err_at(ps, w[1].s, "no recipe '%.*s' beside this one (%s)", (int)w[1].len, w[1].s, at);
	b.len = 0;
	buf_addf(&b, "../%.*s/%.*s", (int)w[1].len, w[1].s, (int)w[2].len, w[2].s);
	free(at);
	at = path_join(ps->rc->dir, b.s);
	if (!r && !path_exists(at))
		r = err_at(ps, w[2].s, "recipe '%.*s' has no file '%.*s'", (int)w[1].len, w[1].s, (int)w[2].len,
			   w[2].s);
	free(at);
	if (r) {
		buf_free(&b);
		return r;
	}
	*rel = buf_take(&b);
	return 0;
}

static int attr_origin(struct parser *ps, struct slice *w, int n, int kind)
{
	struct source *src = open_source(ps);
	struct origin o = {0};
	o.line = ps->l.lineno;
	o.kind = (enum origin_kind)kind;
	if (kind == ORIGIN_URL) {
		if (n != 2)
			return err_at(ps, w[0].s, "expected 'url URL'");
		if (!(w[1].len > 7 && !strncmp(w[1].s, "http://", 7)) &&
		    !(w[1].len > 8 && !strncmp(w[1].s, "https://", 8)))
			return err_at(ps, w[1].s, "url must start with http:// or https://");
	} else if (kind == ORIGIN_DEBIAN) {
		if (n != 3)
			return err_at(ps, w[0].s, "expected 'debian PACKAGE VERSION'");
		o.b = slice_dup(w[2]);
	} else if (kind == ATTR_SHARED) {
		int e = shared_path(ps, w, n, &o.a);
		if (e)
			return e;
		o.kind = ORIGIN_LOCAL;
	} else {
		if (n != 2)
			return err_at(ps, w[0].s, "expected 'local PATH'");
		if (w[1].s[0] == '/' || memmem(w[1].s, w[1].len, "..", 2))
			return err_at(ps, w[1].s, "local path must stay beside the recipe");
	}
	if (!o.a)
		o.a = slice_dup(w[1]);
	src->origins = xrealloc(src->origins, (src->norigins + 1) * sizeof *src->origins);
	src->origins[src->norigins++] = o;
	return 0;
}

static int attr_extract(struct parser *ps, struct slice *w, int n, int arg)
{
	(void)arg;
	if (n != 2 || !(slice_eq(w[1], "yes") || slice_eq(w[1], "no")))
		return err_at(ps, w[0].s, "expected 'extract yes' or 'extract no'");
	if (open_source(ps)->ninner && slice_eq(w[1], "no"))
		return err_at(ps, w[1].s, "'extract no' with 'inner' (line %d): an inner archive is in an unpacked source",
			      open_source(ps)->inner[0].line);
	open_source(ps)->extract = slice_eq(w[1], "yes");
	return 0;
}

/* "inner PATH": an archive inside this source, unpacked like it (before
 * the rules apply), so that what it holds is audited and ruled like the
 * source's own files. */
static int attr_inner(struct parser *ps, struct slice *w, int n, int arg)
{
	struct source *src = open_source(ps);
	(void)arg;
	if (n != 2)
		return err_at(ps, n < 2 ? w[0].s + w[0].len : w[2].s, "expected 'inner PATH'");
	if (!src->extract)
		return err_at(ps, w[0].s, "'inner' needs a source that is unpacked ('%s' is copied)", src->file);
	const char *bad = slice_bad_path(w[1]);
	if (bad || memchr(w[1].s, '*', w[1].len) || memchr(w[1].s, '?', w[1].len))
		return err_at(ps, bad ? bad : w[1].s, "bad inner archive '%.*s': expected a relative path without "
			      "wildcards, '.', '..' or empty components", (int)w[1].len, w[1].s);
	char *path = slice_dup(w[1]);
	int r = 0;
	if (!is_archive(path))
		r = err_at(ps, w[1].s, "inner archive '%s' is not a tar archive (.tar, .tar.gz, .tar.xz ...)", path);
	for (size_t i = 0; !r && i < src->ninner; i++)
		if (!strcmp(path, src->inner[i].path))
			r = err_at(ps, w[1].s, "duplicate inner archive '%s' (first at line %d)", path, src->inner[i].line);
	if (r) {
		free(path);
		return r;
	}
	src->inner = xrealloc(src->inner, (src->ninner + 1) * sizeof *src->inner);
	src->inner[src->ninner].path = path;
	src->inner[src->ninner++].line = ps->l.lineno;
	return 0;
}

/* "regenerate GLOB", "delete GLOB" or "waive GLOB REASON...": what happens
 * to the files of this source that sprout audit flags. */
static int attr_rule(struct parser *ps, struct slice *w, int n, int action)
{
	struct source *src = open_source(ps);
	struct source_rule rule = {0};
	rule.action = (enum rule_action)action;
	if (rule.action == RULE_WAIVE && n < 3)
		return err_at(ps, n < 2 ? w[0].s + w[0].len : w[1].s + w[1].len,
			      "expected 'waive GLOB REASON...': a waiver says why the file may stay");
	if (rule.action != RULE_WAIVE && n != 2)
		return err_at(ps, n < 2 ? w[0].s + w[0].len : w[2].s, "expected '%.*s GLOB'", (int)w[0].len, w[0].s);
	const char *bad = slice_bad_path(w[1]);
	if (bad)
		return glob_error(ps, bad, w[1]);
	size_t wild = 0;
	while (wild < w[1].len && strchr("*?/", w[1].s[wild]))
		wild++;
	if (rule.action == RULE_WAIVE && wild == w[1].len)
		return err_at(ps, w[1].s, "a waiver names the files it covers; '%.*s' matches everything", (int)w[1].len,
			      w[1].s);
	for (size_t i = 0; i < src->nrules; i++)
		if (slice_eq(w[1], src->rules[i].glob))
			return err_at(ps, w[1].s, "duplicate rule for '%s' (first at line %d)", src->rules[i].glob,
				      src->rules[i].line);
	rule.glob = slice_dup(w[1]);
	if (rule.action == RULE_WAIVE)
		rule.reason = slice_dup(rest_of(&ps->l, w[1]));
	rule.line = ps->l.lineno;
	src->rules = xrealloc(src->rules, (src->nrules + 1) * sizeof *src->rules);
	src->rules[src->nrules++] = rule;
	return 0;
}

static const struct keyword SOURCE_ATTRS[] = {
	{"sha256", attr_sha256, 0},
	{"url", attr_origin, ORIGIN_URL},
	{"debian", attr_origin, ORIGIN_DEBIAN},
	{"local", attr_origin, ORIGIN_LOCAL},
	{"shared", attr_origin, ATTR_SHARED},
	{"extract", attr_extract, 0},
	{"inner", attr_inner, 0},
	{"regenerate", attr_rule, RULE_REGENERATE},
	{"delete", attr_rule, RULE_DELETE},
	{"waive", attr_rule, RULE_WAIVE},
	{NULL, NULL, 0},
};

/* ---- package attributes ---- */

static int attr_release(struct parser *ps, struct slice *w, int n, int arg)
{
	struct recipe_package *pk = &ps->rc->pkg;
	(void)arg;
	int ok = n == 2 && w[1].len <= 9 && !(w[1].s[0] == '0');
	for (size_t i = 0; ok && i < w[1].len; i++)
		ok = w[1].s[i] >= '0' && w[1].s[i] <= '9';
	if (!ok)
		return err_at(ps, n < 2 ? w[0].s + w[0].len : w[1].s, "expected 'release N' (N from 1)");
	if (pk->release)
		return err_at(ps, w[0].s, "duplicate release");
	pk->release = slice_dup(w[1]);
	return 0;
}

enum { ATOMS_DEPENDS, ATOMS_PROVIDES, ATOMS_CONFLICTS };

static int attr_atoms(struct parser *ps, struct slice *w, int n, int which)
{
	struct recipe_package *pk = &ps->rc->pkg;
	if (n < 2)
		return err_at(ps, w[0].s + w[0].len, "expected '%.*s NAME...'", (int)w[0].len, w[0].s);
	for (int i = 1; i < n; i++) {
		struct pkg_dep d;
		if (pkg_dep_parse(w[i].s, w[i].len, &d))
			return err_at(ps, w[i].s, "bad package '%.*s': expected NAME, NAME=VERSION or, but for provides, "
				      "NAME>=VERSION, NAME<VERSION ...", (int)w[i].len, w[i].s);
		int bad = which == ATOMS_PROVIDES && d.op != PKG_OP_ANY && d.op != PKG_OP_EQ;
		pkg_dep_free(&d);
		if (bad)
			return err_at(ps, w[i].s, "a package provides NAME or NAME=VERSION");
		if (which == ATOMS_DEPENDS)
			add_word(&pk->depends, &pk->ndepends, w[i]);
		else if (which == ATOMS_PROVIDES)
			add_word(&pk->provides, &pk->nprovides, w[i]);
		else
			add_word(&pk->conflicts, &pk->nconflicts, w[i]);
	}
	return 0;
}

static int attr_subpackage(struct parser *ps, struct slice *w, int n, int arg)
{
	struct recipe_package *pk = &ps->rc->pkg;
	(void)arg;
	if (n < 3 || !slice_is_name(w[1]))
		return err_at(ps, n < 2 ? w[0].s + w[0].len : w[1].s, "expected 'subpackage SUFFIX GLOB...'");
	for (size_t i = 0; i < pk->nsubs; i++)
		if (slice_eq(w[1], pk->subs[i].suffix))
			return err_at(ps, w[1].s, "duplicate subpackage '%s' (first at line %d)", pk->subs[i].suffix,
				      pk->subs[i].line);
	for (int i = 2; i < n; i++) {
		const char *bad = slice_bad_path(w[i]);
		if (bad)
			return glob_error(ps, bad, w[i]);
	}
	struct subpackage sp = {0};
	for (int i = 2; i < n; i++)
		add_word(&sp.globs, &sp.nglobs, w[i]);
	sp.suffix = slice_dup(w[1]);
	sp.line = ps->l.lineno;
	pk->subs = xrealloc(pk->subs, (pk->nsubs + 1) * sizeof *pk->subs);
	pk->subs[pk->nsubs++] = sp;
	return 0;
}

static const struct keyword PACKAGE_ATTRS[] = {
	{"release", attr_release, 0},
	{"depends", attr_atoms, ATOMS_DEPENDS},
	{"provides", attr_atoms, ATOMS_PROVIDES},
	{"conflicts", attr_atoms, ATOMS_CONFLICTS},
	{"subpackage", attr_subpackage, 0},
	{NULL, NULL, 0},
};

/* ---- key lines ---- */

enum { TEXT_NAME, TEXT_VERSION, TEXT_LICENSE, TEXT_DESCRIPTION };

/* name, version, license and description: once each, the rest of the line. */
static int key_text(struct parser *ps, struct slice *w, int n, int which)
{
	struct recipe *rc = ps->rc;
	char **dst = which == TEXT_NAME ? &rc->name : which == TEXT_VERSION ? &rc->version
		: which == TEXT_LICENSE ? &rc->license : &rc->description;
	struct slice key = w[0];
	if (ps->seen[which])
		return err_at(ps, key.s, "duplicate '%.*s' (first at line %d)", (int)key.len, key.s, ps->seen[which]);
	struct slice v = rest_of(&ps->l, key);
	if (!v.len)
		return err_at(ps, key.s + key.len, "expected a value after '%.*s'", (int)key.len, key.s);
	if (which == TEXT_NAME && (n != 2 || !slice_is_name(v)))
		return err_at(ps, v.s, "bad name '%.*s': expected lower-case letters, digits and . _ + -", (int)v.len, v.s);
	if (which == TEXT_VERSION && n != 2)
		return err_at(ps, w[2].s, "a version is one word");
	if (which == TEXT_LICENSE) {
		const char *bad = bad_license(v.s, v.len);
		if (bad)
			return err_at(ps, bad, "bad character in SPDX license expression");
	}
	ps->seen[which] = ps->l.lineno;
	*dst = slice_dup(v);
	return 0;
}

static int key_source(struct parser *ps, struct slice *w, int n, int arg)
{
	struct recipe *rc = ps->rc;
	(void)arg;
	if (n != 2)
		return err_at(ps, n < 2 ? w[0].s + w[0].len : w[2].s, "expected 'source FILE'");
	if (memchr(w[1].s, '/', w[1].len) || slice_eq(w[1], ".") || slice_eq(w[1], ".."))
		return err_at(ps, w[1].s, "a source file name has no '/'");
	for (size_t i = 0; i < rc->nsources; i++)
		if (slice_eq(w[1], rc->sources[i].file) && rc->sources[i].recipe_path)
			return err_at(ps, w[1].s, "duplicate source '%s' (from 'sources %s', line %d)", rc->sources[i].file,
				      rc->sources_of, rc->sources_line);
		else if (slice_eq(w[1], rc->sources[i].file))
			return err_at(ps, w[1].s, "duplicate source '%s' (first at line %d)", rc->sources[i].file,
				      rc->sources[i].line);
	rc->sources = xrealloc(rc->sources, (rc->nsources + 1) * sizeof *rc->sources);
	struct source *src = &rc->sources[rc->nsources++];
	memset(src, 0, sizeof *src);
	src->file = slice_dup(w[1]);
	src->extract = is_archive(src->file);
	src->line = ps->l.lineno;
	ps->block = BLOCK_SOURCE;
	ps->have_sha = 0;
	return 0;
}

static int key_patch(struct parser *ps, struct slice *w, int n, int arg)
{
	struct recipe *rc = ps->rc;
	(void)arg;
	if (n != 2)
		return err_at(ps, w[0].s, "expected 'patch FILE'");
	if (memchr(w[1].s, '/', w[1].len))
		return err_at(ps, w[1].s, "a patch is a file beside the recipe (no '/')");
	struct patch p = {0};
	p.file = slice_dup(w[1]);
	char *pp = path_join(rc->dir, p.file);
	int e = sha256_file(pp, p.sha256);
	free(pp);
	if (e) {
		int r = err_at(ps, w[1].s, "cannot read patch '%s': %s", p.file, err_str(e));
		free(p.file);
		return r;
	}
	rc->patches = xrealloc(rc->patches, (rc->npatches + 1) * sizeof *rc->patches);
	rc->patches[rc->npatches++] = p;
	return 0;
}

static int key_depends(struct parser *ps, struct slice *w, int n, int arg)
{
	(void)arg;
	if (n < 2)
		return err_at(ps, w[0].s + w[0].len, "expected 'depends RECIPE...'");
	return add_deps(ps, w, 1, n, &ps->rc->deps, &ps->rc->ndeps);
}

/* "build NAME [: RECIPE...]"; "build NAME: DEP" and "build NAME : DEP" are the same. */
static int key_build(struct parser *ps, struct slice *w, int n, int arg)
{
	struct recipe *rc = ps->rc;
	(void)arg;
	int colon = 0;
	if (n >= 2 && w[1].len > 1 && w[1].s[w[1].len - 1] == ':') {
		w[1].len--;
		colon = 1;
	}
	if (n < 2 || !slice_is_name(w[1]))
		return err_at(ps, n < 2 ? w[0].s + w[0].len : w[1].s, "expected 'build NAME [: RECIPE...]'");
	for (size_t i = 0; i < rc->nbuilds; i++)
		if (slice_eq(w[1], rc->builds[i].name))
			return err_at(ps, w[1].s, "duplicate build script '%s' (first at line %d)", rc->builds[i].name,
				      rc->builds[i].line);
	rc->builds = xrealloc(rc->builds, (rc->nbuilds + 1) * sizeof *rc->builds);
	struct build *b = &rc->builds[rc->nbuilds++];
	memset(b, 0, sizeof *b);
	b->name = slice_dup(w[1]);
	b->line = ps->l.lineno;
	if (n > 2 || colon) {
		if (!colon && !slice_eq(w[2], ":"))
			return err_at(ps, w[2].s, "expected ':' before the script's own dependencies");
		int r = add_deps(ps, w, colon ? 2 : 3, n, &b->deps, &b->ndeps);
		if (r)
			return r;
	}
	ps->block = BLOCK_BUILD;
	ps->indent.s = NULL;
	return 0;
}

void recipe_sources_text(const struct recipe *r, struct buf *out)
{
	static const char *const kinds[] = {"url", "debian", "local"};
	char hex[65];
	for (size_t i = 0; i < r->nsources; i++) {
		const struct source *y = &r->sources[i];
		sha256_hex(y->sha256, hex);
		buf_addf(out, "source %s %s extract=%d\n", y->file, hex, y->extract);
		for (size_t k = 0; k < y->norigins; k++)
			buf_addf(out, "\t%s %s%s%s\n", kinds[y->origins[k].kind], y->origins[k].a, y->origins[k].b ? " " : "",
				 y->origins[k].b ? y->origins[k].b : "");
		for (size_t k = 0; k < y->ninner; k++)
			buf_addf(out, "\tinner %s\n", y->inner[k].path);
		for (size_t k = 0; k < y->nrules; k++)
			buf_addf(out, "\t%s %s%s%s\n", recipe_rule_action(y->rules[k].action), y->rules[k].glob,
				 y->rules[k].reason ? " " : "", y->rules[k].reason ? y->rules[k].reason : "");
	}
}

/* A copy of source y of the recipe in directory rdir (a sibling of ours:
 * "../RECIPE"), for 'sources RECIPE': a file beside that recipe becomes
 * "../RECIPE/PATH" from ours, as 'shared' writes it. */
static void copy_source(struct source *d, const struct source *y, const char *rname, const char *rpath)
{
	*d = *y;
	d->file = xstrdup(y->file);
	d->recipe_path = xstrdup(rpath);
	d->origins = xcalloc(y->norigins + 1, sizeof *d->origins);
	for (size_t k = 0; k < y->norigins; k++) {
		d->origins[k] = y->origins[k];
		d->origins[k].a = y->origins[k].kind == ORIGIN_LOCAL && strncmp(y->origins[k].a, "../", 3)
			? xasprintf("../%s/%s", rname, y->origins[k].a) : xstrdup(y->origins[k].a);
		d->origins[k].b = y->origins[k].b ? xstrdup(y->origins[k].b) : NULL;
	}
	d->rules = xcalloc(y->nrules + 1, sizeof *d->rules);
	for (size_t k = 0; k < y->nrules; k++) {
		d->rules[k] = y->rules[k];
		d->rules[k].glob = xstrdup(y->rules[k].glob);
		d->rules[k].reason = y->rules[k].reason ? xstrdup(y->rules[k].reason) : NULL;
	}
	d->inner = xcalloc(y->ninner + 1, sizeof *d->inner);
	for (size_t k = 0; k < y->ninner; k++) {
		d->inner[k] = y->inner[k];
		d->inner[k].path = xstrdup(y->inner[k].path);
	}
}

/* "sources RECIPE": every source block of another recipe of the same tree,
 * with its origins, inner archives and audit rules, as if written here
 * (docs/recipes.md, "Sources of another recipe"). */
static int key_sources(struct parser *ps, struct slice *w, int n, int arg)
{
	struct recipe *rc = ps->rc;
	(void)arg;
	if (n != 2)
		return err_at(ps, n < 2 ? w[0].s + w[0].len : w[2].s, "expected 'sources RECIPE'");
	if (rc->sources_of)
		return err_at(ps, w[0].s, "duplicate 'sources' (first at line %d)", rc->sources_line);
	if (!slice_is_name(w[1]))
		return err_at(ps, w[1].s, "malformed recipe name '%.*s'", (int)w[1].len, w[1].s);
	const char *own = strrchr(rc->dir, '/');
	if (slice_eq(w[1], own ? own + 1 : rc->dir))
		return err_at(ps, w[1].s, "a recipe's own sources are 'source' blocks");
	if (ps->nested) {
		rc->sources_of = slice_dup(w[1]);
		rc->sources_line = ps->l.lineno;
		return 0;
	}
	char *name = slice_dup(w[1]), *up = path_dirname(rc->dir), *sub = xasprintf("%s/recipe", name);
	char *path = path_join(up, sub);
	struct recipe *o = NULL;
	int r = 0;
	if (!path_exists(path))
		r = err_at(ps, w[1].s, "no recipe '%s' beside this one (%s)", name, path);
	if (!r)
		r = parse_file(path, 1, &o);
	if (!r && o->sources_of)
		r = err_at(ps, w[1].s, "recipe '%s' takes its own sources from '%s' (line %d): name that one", name,
			   o->sources_of, o->sources_line);
	if (!r && !o->nsources)
		r = err_at(ps, w[1].s, "recipe '%s' has no source", name);
	for (size_t i = 0; !r && i < o->nsources; i++)
		for (size_t k = 0; !r && k < rc->nsources; k++)
			if (!strcmp(o->sources[i].file, rc->sources[k].file))
				r = err_at(ps, w[1].s, "source '%s' of recipe '%s' is one of this recipe's too (line %d)",
					   o->sources[i].file, name, rc->sources[k].line);
	if (!r) {
		struct buf t = {0};
		recipe_sources_text(o, &t);
		sha256_buf(t.s ? t.s : "", t.len, rc->sources_sha256);
		buf_free(&t);
		rc->sources = xrealloc(rc->sources, (rc->nsources + o->nsources) * sizeof *rc->sources);
		for (size_t i = 0; i < o->nsources; i++)
			copy_source(&rc->sources[rc->nsources++], &o->sources[i], name, path);
		rc->sources_of = name;
		rc->sources_line = ps->l.lineno;
		name = NULL;
	}
	recipe_free(o);
	FREE_ALL(name, up, sub, path);
	return r;
}

static int key_package(struct parser *ps, struct slice *w, int n, int arg)
{
	(void)arg;
	if (n != 1)
		return err_at(ps, w[1].s, "expected 'package' alone on its line, its attributes indented below");
	if (ps->rc->pkg.line)
		return err_at(ps, w[0].s, "duplicate 'package' (first at line %d)", ps->rc->pkg.line);
	ps->rc->pkg.line = ps->l.lineno;
	ps->block = BLOCK_PACKAGE;
	return 0;
}

static const struct keyword TOP[] = {
	{"name", key_text, TEXT_NAME},
	{"version", key_text, TEXT_VERSION},
	{"license", key_text, TEXT_LICENSE},
	{"description", key_text, TEXT_DESCRIPTION},
	{"source", key_source, 0},
	{"sources", key_sources, 0},
	{"patch", key_patch, 0},
	{"depends", key_depends, 0},
	{"build", key_build, 0},
	{"package", key_package, 0},
	{NULL, NULL, 0},
};

/* ---- lines and blocks ---- */

/* Split the line and hand it to its keyword in table t. */
static int dispatch(struct parser *ps, const struct keyword *t, const char *what)
{
	struct slice w[LEX_MAX_WORDS + 1];
	int n;
	int r = lex_words(&ps->lx, &ps->l, w, &n);
	if (r)
		return r;
	const struct keyword *k = keyword_find(t, w[0]);
	if (!k)
		return unknown(ps, w[0], what, t);
	return k->fn(ps, w, n, k->arg);
}

/* End the open block: a source needs its sha256 and an origin; a script
 * loses its trailing blank lines. */
static int close_block(struct parser *ps)
{
	enum block b = ps->block;
	ps->block = BLOCK_NONE;
	if (b == BLOCK_SOURCE) {
		struct source *src = open_source(ps);
		if (!ps->have_sha)
			return lex_error(&ps->lx, &ps->block_line, NULL, "source '%s' has no sha256", src->file);
		if (!src->norigins)
			return lex_error(&ps->lx, &ps->block_line, NULL,
					 "source '%s' has no origin (expected url, debian, local or shared)", src->file);
	} else if (b == BLOCK_BUILD) {
		struct buf *script = &ps->script;
		while (script->len && script->s[script->len - 1] == '\n' &&
		       (script->len == 1 || script->s[script->len - 2] == '\n'))
			script->s[--script->len] = 0;
		ps->rc->builds[ps->rc->nbuilds - 1].script = buf_take(script);
	}
	return 0;
}

/* A line of the open build script, with the first line's indentation removed. */
static int script_line(struct parser *ps)
{
	const struct lexline *l = &ps->l;
	if (l->blank) {
		/* Kept inside a script; trailing ones are dropped at its end. */
		buf_addc(&ps->script, '\n');
		return 0;
	}
	if (!ps->indent.s) {
		ps->indent.s = l->s;
		ps->indent.len = (size_t)l->indent;
	}
	if ((size_t)l->indent < ps->indent.len || memcmp(l->s, ps->indent.s, ps->indent.len))
		return err_at(ps, l->s + l->indent, "script line is indented less than the first line of its script");
	buf_add(&ps->script, l->s + ps->indent.len, l->len - ps->indent.len);
	buf_addc(&ps->script, '\n');
	return 0;
}

static int parse_line(struct parser *ps)
{
	const struct lexline *l = &ps->l;
	if (ps->block == BLOCK_BUILD && (l->blank || l->indent))
		return script_line(ps);
	if (l->blank)
		return 0;
	if (l->indent) {
		if (ps->block != BLOCK_SOURCE && ps->block != BLOCK_PACKAGE)
			return err_at(ps, l->s + l->indent, "unexpected indented line (only source and package attributes "
				      "and build scripts are indented)");
		if (l->s[l->indent] == '#')
			return 0;
		return ps->block == BLOCK_SOURCE ? dispatch(ps, SOURCE_ATTRS, "source attribute")
			: dispatch(ps, PACKAGE_ATTRS, "package attribute");
	}
	if (l->s[0] == '#')
		return 0;
	/* A new key line ends the open block. */
	int r = close_block(ps);
	if (r)
		return r;
	ps->block_line = *l;
	return dispatch(ps, TOP, "key");
}

/* What a whole recipe needs once every line is read. */
static int finish(struct parser *ps)
{
	struct recipe *rc = ps->rc;
	int r = close_block(ps);
	if (r)
		return r;
	for (size_t i = 0; i < rc->nbuilds; i++)
		if (!rc->builds[i].script[0]) {
			struct lexline bl = {0};
			bl.lineno = rc->builds[i].line;
			return lex_error(&ps->lx, &bl, NULL, "build script '%s' is empty", rc->builds[i].name);
		}
	const char *missing = !ps->seen[TEXT_NAME] ? "name" : !ps->seen[TEXT_VERSION] ? "version"
		: !ps->seen[TEXT_LICENSE] ? "license" : !rc->nbuilds ? "build" : NULL;
	if (missing)
		return lex_error(&ps->lx, NULL, NULL, "missing required key '%s'", missing);
	return 0;
}

static int parse_text(const char *path, const char *text, size_t len, int nested, struct recipe **out)
{
	struct parser ps;
	memset(&ps, 0, sizeof ps);
	ps.nested = nested;
	ps.rc = xcalloc(1, sizeof *ps.rc);
	ps.rc->path = xstrdup(path);
	ps.rc->dir = path_dirname(path);
	sha256_buf(text, len, ps.rc->sha256);
	lex_init(&ps.lx, path, text, len);
	int r = 0;
	while (!r && lex_next(&ps.lx, &ps.l))
		r = parse_line(&ps);
	if (!r)
		r = finish(&ps);
	buf_free(&ps.script);
	if (r) {
		recipe_free(ps.rc);
		return r;
	}
	*out = ps.rc;
	return 0;
}

int recipe_parse(const char *path, const char *text, size_t len, struct recipe **out)
{
	return parse_text(path, text, len, 0, out);
}

static int parse_file(const char *path, int nested, struct recipe **out)
{
	struct buf b = {0};
	int r = file_read(path, &b);
	if (r) {
		buf_free(&b);
		return errf(r, "%s: %s", path, err_str(r));
	}
	r = parse_text(path, b.s ? b.s : "", b.len, nested, out);
	buf_free(&b);
	return r;
}

int recipe_parse_file(const char *path, struct recipe **out)
{
	return parse_file(path, 0, out);
}

void recipe_free(struct recipe *r)
{
	if (!r)
		return;
	FREE_ALL(r->path, r->dir, r->name, r->version, r->license, r->description);
	for (size_t i = 0; i < r->nsources; i++) {
		struct source *s = &r->sources[i];
		for (size_t j = 0; j < s->norigins; j++) {
			free(s->origins[j].a);
			free(s->origins[j].b);
		}
		free(s->origins);
		for (size_t j = 0; j < s->nrules; j++) {
			free(s->rules[j].glob);
			free(s->rules[j].reason);
		}
		free(s->rules);
		for (size_t j = 0; j < s->ninner; j++)
			free(s->inner[j].path);
		free(s->inner);
		free(s->file);
		free(s->recipe_path);
	}
	free(r->sources);
	free(r->sources_of);
	for (size_t i = 0; i < r->npatches; i++)
		free(r->patches[i].file);
	free(r->patches);
	strs_free(r->deps, r->ndeps);
	for (size_t i = 0; i < r->nbuilds; i++) {
		free(r->builds[i].name);
		free(r->builds[i].script);
		strs_free(r->builds[i].deps, r->builds[i].ndeps);
	}
	free(r->builds);
	free(r->pkg.release);
	strs_free(r->pkg.depends, r->pkg.ndepends);
	strs_free(r->pkg.provides, r->pkg.nprovides);
	strs_free(r->pkg.conflicts, r->pkg.nconflicts);
	for (size_t i = 0; i < r->pkg.nsubs; i++) {
		free(r->pkg.subs[i].suffix);
		strs_free(r->pkg.subs[i].globs, r->pkg.subs[i].nglobs);
	}
	free(r->pkg.subs);
	free(r);
}

const char *recipe_rule_action(enum rule_action a)
{
	return a == RULE_REGENERATE ? "regenerate" : a == RULE_DELETE ? "delete" : "waive";
}

const struct build *recipe_build(const struct recipe *r, const char *name)
{
	for (size_t i = 0; i < r->nbuilds; i++)
		if (!strcmp(r->builds[i].name, name))
			return &r->builds[i];
	return NULL;
}

int recipe_check_local(const struct recipe *rc)
{
	for (size_t i = 0; i < rc->nsources; i++) {
		const struct source *src = &rc->sources[i];
		for (size_t k = 0; k < src->norigins; k++) {
			const struct origin *o = &src->origins[k];
			if (o->kind != ORIGIN_LOCAL || o->a[0] == '/')
				continue;
			char *from = path_join(rc->dir, o->a);
			unsigned char d[32];
			if (sha256_file(from, d) == 0 && memcmp(d, src->sha256, 32)) {
				char got[65], want[65];
				sha256_hex(d, got);
				sha256_hex(src->sha256, want);
				int r = errf(SPROUT_ERR_HASH, "%s:%d:%d: %s: sha256 mismatch from local %s: expected %s, got %s "
					     "(%s: a file changed without its pin, or a mistyped pin)", src->recipe_path ?
					     src->recipe_path : rc->path, src->pin_line, src->pin_col, src->file, o->a, want, got,
					     from);
				free(from);
				return r;
			}
			free(from);
		}
	}
	return 0;
}
