#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/lex.h"
#include "pkg/pkg.h"
#include "build/recipe.h"
#include "core/sha256.h"
#include "core/util.h"

/* The recipe format is specified in docs/recipes.md. */

static const char KEYS[] = "name, version, license, description, source, patch, depends, build or package";

static void add_dep(char ***v, size_t *n, struct slice s)
{
	*v = xrealloc(*v, (*n + 1) * sizeof **v);
	(*v)[(*n)++] = slice_dup(s);
}

/* Add the recipe names w[from..n) (of the first 64 words) to *v. */
static int add_deps(struct lex *lx, struct lexline *l, const struct slice *w, int from, int n, char ***v, size_t *nv)
{
	for (int i = from; i < n && i < 64; i++) {
		if (!slice_is_name(w[i]))
			return lex_error(lx, l, w[i].s, "bad recipe name '%.*s'", (int)w[i].len, w[i].s);
		add_dep(v, nv, w[i]);
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

struct seen {
	int name, version, license, description;
};

/* Where glob g (one word) is malformed, or NULL: it is relative, and has no
 * empty, "." or ".." component. */
static const char *bad_glob(struct slice g)
{
	const char *p = g.s, *e = g.s + g.len;
	if (*p == '/')
		return p;
	while (p < e) {
		const char *c = memchr(p, '/', (size_t)(e - p));
		size_t n = c ? (size_t)(c - p) : (size_t)(e - p);
		if (!n || (n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
			return p;
		if (!c)
			break;
		p = c + 1;
		if (p == e)
			return c;
	}
	return NULL;
}

/* "regenerate GLOB", "delete GLOB" or "waive GLOB REASON...": what happens
 * to the files of this source that sprout audit flags. */
static int parse_rule(struct lex *lx, struct lexline *l, struct slice *w, int n, struct source *src)
{
	struct source_rule rule = {0};
	rule.action = slice_eq(w[0], "regenerate") ? RULE_REGENERATE : slice_eq(w[0], "delete") ? RULE_DELETE
		: RULE_WAIVE;
	if (rule.action == RULE_WAIVE && n < 3)
		return lex_error(lx, l, n < 2 ? w[0].s + w[0].len : w[1].s + w[1].len,
				 "expected 'waive GLOB REASON...': a waiver says why the file may stay");
	if (rule.action != RULE_WAIVE && n != 2)
		return lex_error(lx, l, n < 2 ? w[0].s + w[0].len : w[2].s, "expected '%.*s GLOB'", (int)w[0].len,
				 w[0].s);
	const char *bad = bad_glob(w[1]);
	if (bad)
		return lex_error(lx, l, bad, "bad path pattern '%.*s': expected a relative path without '.', '..' "
			"or empty components", (int)w[1].len, w[1].s);
	size_t wild = 0;
	while (wild < w[1].len && strchr("*?/", w[1].s[wild]))
		wild++;
	if (rule.action == RULE_WAIVE && wild == w[1].len)
		return lex_error(lx, l, w[1].s, "a waiver names the files it covers; '%.*s' matches everything",
				 (int)w[1].len, w[1].s);
	for (size_t i = 0; i < src->nrules; i++)
		if (slice_eq(w[1], src->rules[i].glob))
			return lex_error(lx, l, w[1].s, "duplicate rule for '%s' (first at line %d)", src->rules[i].glob,
					 src->rules[i].line);
	rule.glob = slice_dup(w[1]);
	if (rule.action == RULE_WAIVE)
		rule.reason = slice_dup(rest_of(l, w[1]));
	rule.line = l->lineno;
	src->rules = xrealloc(src->rules, (src->nrules + 1) * sizeof *src->rules);
	src->rules[src->nrules++] = rule;
	return 0;
}

static int parse_source_attr(struct lex *lx, struct lexline *l, struct source *src, int *have_sha)
{
	struct slice w[4];
	int n = lex_words(l, w, 3);
	if (l->s[l->indent] == '#')
		return 0;
	if (slice_eq(w[0], "sha256")) {
		if (n != 2)
			return lex_error(lx, l, w[0].s, "expected 'sha256 HEX'");
		if (*have_sha)
			return lex_error(lx, l, w[0].s, "duplicate sha256 for source '%s'", src->file);
		if (sha256_unhex(w[1].s, w[1].len, src->sha256))
			return lex_error(lx, l, w[1].s, "malformed sha256 '%.*s': expected 64 hex digits",
					 (int)w[1].len, w[1].s);
		*have_sha = 1;
		return 0;
	}
	if (slice_eq(w[0], "url") || slice_eq(w[0], "debian") || slice_eq(w[0], "local")) {
		struct origin o = {0};
		o.line = l->lineno;
		if (slice_eq(w[0], "url")) {
			if (n != 2)
				return lex_error(lx, l, w[0].s, "expected 'url URL'");
			if (!(w[1].len > 7 && !strncmp(w[1].s, "http://", 7)) &&
			    !(w[1].len > 8 && !strncmp(w[1].s, "https://", 8)))
				return lex_error(lx, l, w[1].s, "url must start with http:// or https://");
			o.kind = ORIGIN_URL;
			o.a = slice_dup(w[1]);
		} else if (slice_eq(w[0], "debian")) {
			if (n != 3)
				return lex_error(lx, l, w[0].s, "expected 'debian PACKAGE VERSION'");
			o.kind = ORIGIN_DEBIAN;
			o.a = slice_dup(w[1]);
			o.b = slice_dup(w[2]);
		} else {
			if (n != 2)
				return lex_error(lx, l, w[0].s, "expected 'local PATH'");
			if (w[1].s[0] == '/' || memmem(w[1].s, w[1].len, "..", 2))
				return lex_error(lx, l, w[1].s, "local path must stay beside the recipe");
			o.kind = ORIGIN_LOCAL;
			o.a = slice_dup(w[1]);
		}
		src->origins = xrealloc(src->origins, (src->norigins + 1) * sizeof *src->origins);
		src->origins[src->norigins++] = o;
		return 0;
	}
	if (slice_eq(w[0], "extract")) {
		if (n != 2 || !(slice_eq(w[1], "yes") || slice_eq(w[1], "no")))
			return lex_error(lx, l, w[0].s, "expected 'extract yes' or 'extract no'");
		src->extract = slice_eq(w[1], "yes");
		return 0;
	}
	if (slice_eq(w[0], "regenerate") || slice_eq(w[0], "delete") || slice_eq(w[0], "waive"))
		return parse_rule(lx, l, w, n, src);
	return lex_error(lx, l, w[0].s,
			 "unknown source attribute '%.*s' (expected sha256, url, debian, local, extract, regenerate, "
			 "delete or waive)",
			 (int)w[0].len, w[0].s);
}

static void add_word(char ***v, size_t *n, struct slice s)
{
	add_dep(v, n, s);
}

/* An attribute of the package block: release, depends, provides,
 * conflicts or subpackage. */
static int parse_package_attr(struct lex *lx, struct lexline *l, struct recipe_package *pk)
{
	struct slice w[64];
	int n = lex_words(l, w, 63);
	if (l->s[l->indent] == '#')
		return 0;
	if (n > 63)
		return lex_error(lx, l, w[63].s, "too many words");
	if (slice_eq(w[0], "release")) {
		int ok = n == 2 && w[1].len <= 9 && !(w[1].s[0] == '0');
		for (size_t i = 0; ok && i < w[1].len; i++)
			ok = w[1].s[i] >= '0' && w[1].s[i] <= '9';
		if (!ok)
			return lex_error(lx, l, n < 2 ? w[0].s + w[0].len : w[1].s, "expected 'release N' (N from 1)");
		if (pk->release)
			return lex_error(lx, l, w[0].s, "duplicate release");
		pk->release = slice_dup(w[1]);
		return 0;
	}
	if (slice_eq(w[0], "depends") || slice_eq(w[0], "provides") || slice_eq(w[0], "conflicts")) {
		int prov = slice_eq(w[0], "provides");
		if (n < 2)
			return lex_error(lx, l, w[0].s + w[0].len, "expected '%.*s NAME...'", (int)w[0].len, w[0].s);
		for (int i = 1; i < n; i++) {
			struct pkg_dep d;
			if (pkg_dep_parse(w[i].s, w[i].len, &d))
				return lex_error(lx, l, w[i].s, "bad package '%.*s': expected NAME, NAME=VERSION or, but for "
						 "provides, NAME>=VERSION, NAME<VERSION ...", (int)w[i].len, w[i].s);
			int bad = prov && d.op != PKG_OP_ANY && d.op != PKG_OP_EQ;
			pkg_dep_free(&d);
			if (bad)
				return lex_error(lx, l, w[i].s, "a package provides NAME or NAME=VERSION");
			if (slice_eq(w[0], "depends"))
				add_word(&pk->depends, &pk->ndepends, w[i]);
			else if (prov)
				add_word(&pk->provides, &pk->nprovides, w[i]);
			else
				add_word(&pk->conflicts, &pk->nconflicts, w[i]);
		}
		return 0;
	}
	if (slice_eq(w[0], "subpackage")) {
		if (n < 3 || !slice_is_name(w[1]))
			return lex_error(lx, l, n < 2 ? w[0].s + w[0].len : w[1].s, "expected 'subpackage SUFFIX GLOB...'");
		for (size_t i = 0; i < pk->nsubs; i++)
			if (slice_eq(w[1], pk->subs[i].suffix))
				return lex_error(lx, l, w[1].s, "duplicate subpackage '%s' (first at line %d)", pk->subs[i].suffix,
						 pk->subs[i].line);
		struct subpackage sp = {0};
		for (int i = 2; i < n; i++) {
			const char *bad = bad_glob(w[i]);
			if (bad) {
				for (size_t k = 0; k < sp.nglobs; k++)
					free(sp.globs[k]);
				free(sp.globs);
				return lex_error(lx, l, bad, "bad path pattern '%.*s': expected a relative path without '.', "
						 "'..' or empty components", (int)w[i].len, w[i].s);
			}
			add_word(&sp.globs, &sp.nglobs, w[i]);
		}
		sp.suffix = slice_dup(w[1]);
		sp.line = l->lineno;
		pk->subs = xrealloc(pk->subs, (pk->nsubs + 1) * sizeof *pk->subs);
		pk->subs[pk->nsubs++] = sp;
		return 0;
	}
	return lex_error(lx, l, w[0].s,
			 "unknown package attribute '%.*s' (expected release, depends, provides, conflicts or subpackage)",
			 (int)w[0].len, w[0].s);
}

static int finish_source(struct lex *lx, const struct lexline *at, struct source *src, int have_sha)
{
	if (!have_sha)
		return lex_error(lx, at, NULL, "source '%s' has no sha256", src->file);
	if (!src->norigins)
		return lex_error(lx, at, NULL, "source '%s' has no origin (expected url, debian or local)", src->file);
	return 0;
}

static void finish_script(struct buf *script, struct build *b)
{
	/* Drop trailing blank lines. */
	while (script->len && script->s[script->len - 1] == '\n' &&
	       (script->len == 1 || script->s[script->len - 2] == '\n'))
		script->s[--script->len] = 0;
	b->script = buf_take(script);
}

int recipe_parse(const char *path, const char *text, size_t len, struct recipe **out)
{
	struct recipe *rc = xcalloc(1, sizeof *rc);
	struct lex lx;
	struct lexline l, block_line = {0};
	struct seen seen = {0};
	int r = -SPROUT_ERR_PARSE;
	enum { NONE, SOURCE, BUILD, PACKAGE } block = NONE;
	int have_sha = 0;
	struct buf script = {0};
	struct slice indent = {NULL, 0};

	rc->path = xstrdup(path);
	rc->dir = path_dirname(path);
	sha256_buf(text, len, rc->sha256);
	lex_init(&lx, path, text, len);

	while (lex_next(&lx, &l)) {
		if (block == BUILD && l.blank) {
			/* Kept inside a script; trailing ones are dropped at its end. */
			buf_addc(&script, '\n');
			continue;
		}
		if (l.indent && block == BUILD) {
			/* A script line: remove the first script line's indentation. */
			if (!indent.s) {
				indent.s = l.s;
				indent.len = (size_t)l.indent;
			}
			if ((size_t)l.indent < indent.len || memcmp(l.s, indent.s, indent.len)) {
				r = lex_error(&lx, &l, l.s + l.indent,
					      "script line is indented less than the first line of its script");
				goto out;
			}
			buf_add(&script, l.s + indent.len, l.len - indent.len);
			buf_addc(&script, '\n');
			continue;
		}
		if (l.blank)
			continue;
		if (l.indent) {
			if (block == PACKAGE) {
				r = parse_package_attr(&lx, &l, &rc->pkg);
				if (r)
					goto out;
				continue;
			}
			if (block != SOURCE) {
				r = lex_error(&lx, &l, l.s + l.indent,
					      "unexpected indented line (only source and package attributes and build scripts "
					      "are indented)");
				goto out;
			}
			r = parse_source_attr(&lx, &l, &rc->sources[rc->nsources - 1], &have_sha);
			if (r)
				goto out;
			continue;
		}
		if (l.s[0] == '#')
			continue;
		/* A new top-level key ends the open block. */
		if (block == SOURCE) {
			r = finish_source(&lx, &block_line, &rc->sources[rc->nsources - 1], have_sha);
			if (r)
				goto out;
		} else if (block == BUILD) {
			finish_script(&script, &rc->builds[rc->nbuilds - 1]);
		}
		block = NONE;

		struct slice w[64];
		int n = lex_words(&l, w, 63);
		struct slice key = w[0];
		if (slice_eq(key, "name") || slice_eq(key, "version") || slice_eq(key, "license") ||
		    slice_eq(key, "description")) {
			int *s = slice_eq(key, "name") ? &seen.name : slice_eq(key, "version") ? &seen.version
				: slice_eq(key, "license") ? &seen.license : &seen.description;
			char **dst = slice_eq(key, "name") ? &rc->name : slice_eq(key, "version") ? &rc->version
				: slice_eq(key, "license") ? &rc->license : &rc->description;
			if (*s) {
				r = lex_error(&lx, &l, key.s, "duplicate '%.*s' (first at line %d)", (int)key.len, key.s, *s);
				goto out;
			}
			struct slice v = rest_of(&l, key);
			if (!v.len) {
				r = lex_error(&lx, &l, key.s + key.len, "expected a value after '%.*s'", (int)key.len, key.s);
				goto out;
			}
			if (slice_eq(key, "name") && (n != 2 || !slice_is_name(v))) {
				r = lex_error(&lx, &l, v.s, "bad name '%.*s': expected lower-case letters, digits and . _ + -",
					      (int)v.len, v.s);
				goto out;
			}
			if (slice_eq(key, "version") && n != 2) {
				r = lex_error(&lx, &l, w[2].s, "a version is one word");
				goto out;
			}
			if (slice_eq(key, "license")) {
				const char *bad = bad_license(v.s, v.len);
				if (bad) {
					r = lex_error(&lx, &l, bad, "bad character in SPDX license expression");
					goto out;
				}
			}
			*s = l.lineno;
			*dst = slice_dup(v);
		} else if (slice_eq(key, "source")) {
			if (n != 2) {
				r = lex_error(&lx, &l, n < 2 ? key.s + key.len : w[2].s, "expected 'source FILE'");
				goto out;
			}
			if (memchr(w[1].s, '/', w[1].len) || slice_eq(w[1], ".") || slice_eq(w[1], "..")) {
				r = lex_error(&lx, &l, w[1].s, "a source file name has no '/'");
				goto out;
			}
			for (size_t i = 0; i < rc->nsources; i++)
				if (slice_eq(w[1], rc->sources[i].file)) {
					r = lex_error(&lx, &l, w[1].s, "duplicate source '%s' (first at line %d)",
						      rc->sources[i].file, rc->sources[i].line);
					goto out;
				}
			rc->sources = xrealloc(rc->sources, (rc->nsources + 1) * sizeof *rc->sources);
			struct source *src = &rc->sources[rc->nsources++];
			memset(src, 0, sizeof *src);
			src->file = slice_dup(w[1]);
			src->extract = is_archive(src->file);
			src->line = l.lineno;
			block = SOURCE;
			block_line = l;
			have_sha = 0;
		} else if (slice_eq(key, "patch")) {
			if (n != 2) {
				r = lex_error(&lx, &l, key.s, "expected 'patch FILE'");
				goto out;
			}
			if (memchr(w[1].s, '/', w[1].len)) {
				r = lex_error(&lx, &l, w[1].s, "a patch is a file beside the recipe (no '/')");
				goto out;
			}
			struct patch p = {0};
			p.file = slice_dup(w[1]);
			char *pp = path_join(rc->dir, p.file);
			int e = sha256_file(pp, p.sha256);
			free(pp);
			if (e) {
				r = lex_error(&lx, &l, w[1].s, "cannot read patch '%s': %s", p.file, err_str(e));
				free(p.file);
				goto out;
			}
			rc->patches = xrealloc(rc->patches, (rc->npatches + 1) * sizeof *rc->patches);
			rc->patches[rc->npatches++] = p;
		} else if (slice_eq(key, "depends")) {
			if (n < 2) {
				r = lex_error(&lx, &l, key.s + key.len, "expected 'depends RECIPE...'");
				goto out;
			}
			r = add_deps(&lx, &l, w, 1, n, &rc->deps, &rc->ndeps);
			if (r)
				goto out;
		} else if (slice_eq(key, "build")) {
			/* "build NAME: DEP" and "build NAME : DEP" are the same. */
			int colon = 0;
			if (n >= 2 && w[1].len > 1 && w[1].s[w[1].len - 1] == ':') {
				w[1].len--;
				colon = 1;
			}
			if (n < 2 || !slice_is_name(w[1])) {
				r = lex_error(&lx, &l, n < 2 ? key.s + key.len : w[1].s, "expected 'build NAME [: RECIPE...]'");
				goto out;
			}
			for (size_t i = 0; i < rc->nbuilds; i++)
				if (slice_eq(w[1], rc->builds[i].name)) {
					r = lex_error(&lx, &l, w[1].s, "duplicate build script '%s' (first at line %d)",
						      rc->builds[i].name, rc->builds[i].line);
					goto out;
				}
			rc->builds = xrealloc(rc->builds, (rc->nbuilds + 1) * sizeof *rc->builds);
			struct build *b = &rc->builds[rc->nbuilds++];
			memset(b, 0, sizeof *b);
			b->name = slice_dup(w[1]);
			b->line = l.lineno;
			if (n > 2 || colon) {
				if (!colon && !slice_eq(w[2], ":")) {
					r = lex_error(&lx, &l, w[2].s, "expected ':' before the script's own dependencies");
					goto out;
				}
				r = add_deps(&lx, &l, w, colon ? 2 : 3, n, &b->deps, &b->ndeps);
				if (r)
					goto out;
			}
			block = BUILD;
			block_line = l;
			indent.s = NULL;
		} else if (slice_eq(key, "package")) {
			if (n != 1) {
				r = lex_error(&lx, &l, w[1].s, "expected 'package' alone on its line, its attributes indented below");
				goto out;
			}
			if (rc->pkg.line) {
				r = lex_error(&lx, &l, key.s, "duplicate 'package' (first at line %d)", rc->pkg.line);
				goto out;
			}
			rc->pkg.line = l.lineno;
			block = PACKAGE;
		} else {
			r = lex_error(&lx, &l, key.s, "unknown key '%.*s' (expected %s)", (int)key.len, key.s, KEYS);
			goto out;
		}
	}
	if (block == SOURCE) {
		r = finish_source(&lx, &block_line, &rc->sources[rc->nsources - 1], have_sha);
		if (r)
			goto out;
	} else if (block == BUILD) {
		finish_script(&script, &rc->builds[rc->nbuilds - 1]);
	}
	for (size_t i = 0; i < rc->nbuilds; i++)
		if (!rc->builds[i].script[0]) {
			struct lexline bl = {0};
			bl.lineno = rc->builds[i].line;
			r = lex_error(&lx, &bl, NULL, "build script '%s' is empty", rc->builds[i].name);
			goto out;
		}
	{
		const char *missing = !seen.name ? "name" : !seen.version ? "version" : !seen.license ? "license"
			: !rc->nbuilds ? "build" : NULL;
		if (missing) {
			r = lex_error(&lx, NULL, NULL, "missing required key '%s'", missing);
			goto out;
		}
	}
	*out = rc;
	return 0;
out:
	buf_free(&script);
	recipe_free(rc);
	return r;
}

int recipe_parse_file(const char *path, struct recipe **out)
{
	struct buf b = {0};
	int r = file_read(path, &b);
	if (r) {
		buf_free(&b);
		return errf(r, "%s: %s", path, err_str(r));
	}
	r = recipe_parse(path, b.s, b.len, out);
	buf_free(&b);
	return r;
}

static void free_names(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

void recipe_free(struct recipe *r)
{
	if (!r)
		return;
	free(r->path);
	free(r->dir);
	free(r->name);
	free(r->version);
	free(r->license);
	free(r->description);
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
		free(s->file);
	}
	free(r->sources);
	for (size_t i = 0; i < r->npatches; i++)
		free(r->patches[i].file);
	free(r->patches);
	free_names(r->deps, r->ndeps);
	for (size_t i = 0; i < r->nbuilds; i++) {
		free(r->builds[i].name);
		free(r->builds[i].script);
		free_names(r->builds[i].deps, r->builds[i].ndeps);
	}
	free(r->builds);
	free(r->pkg.release);
	free_names(r->pkg.depends, r->pkg.ndepends);
	free_names(r->pkg.provides, r->pkg.nprovides);
	free_names(r->pkg.conflicts, r->pkg.nconflicts);
	for (size_t i = 0; i < r->pkg.nsubs; i++) {
		free(r->pkg.subs[i].suffix);
		free_names(r->pkg.subs[i].globs, r->pkg.subs[i].nglobs);
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
