/* The audit of pregenerated files: what live-bootstrap refuses to trust in a
 * source tree (generated configure scripts, Makefile.in, parsers, scanners,
 * binaries), and the recipe rules that say what happens to each. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "build/audit.h"
#include "core/err.h"
#include "archive/tar.h"

/* How much of a file is read: banners sit in the first lines, magic numbers
 * at the start. */
#define HEAD 16384

const char *audit_kind_name(enum audit_kind k)
{
	switch (k) {
	case AUDIT_BINARY:
		return "binary";
	case AUDIT_AUTOCONF:
		return "autoconf";
	case AUDIT_AUTOMAKE:
		return "automake";
	case AUDIT_AUTOTOOLS:
		return "autotools";
	case AUDIT_BISON:
		return "bison";
	case AUDIT_FLEX:
		return "flex";
	case AUDIT_GPERF:
		return "gperf";
	}
	return "?";
}

/* ---- globs ---- */

static int match_from(const char *pat, const char *p, const char *s)
{
	for (;;) {
		/* "**" as a whole component: any number of components. */
		if (p[0] == '*' && p[1] == '*' && (p == pat || p[-1] == '/') && (p[2] == '/' || !p[2])) {
			if (!p[2])
				return 1;
			for (p += 3;;) {
				if (match_from(pat, p, s))
					return 1;
				const char *sl = strchr(s, '/');
				if (!sl)
					return 0;
				s = sl + 1;
			}
		}
		if (*p == '*') {
			while (*p == '*')
				p++;
			for (;;) {
				if (match_from(pat, p, s))
					return 1;
				if (!*s || *s == '/')
					return 0;
				s++;
			}
		}
		if (!*p)
			return !*s;
		if (*p == '?') {
			if (!*s || *s == '/')
				return 0;
		} else if (*p != *s) {
			return 0;
		}
		p++;
		s++;
	}
}

int audit_glob_match(const char *glob, const char *path)
{
	if (match_from(glob, glob, path))
		return 1;
	/* A parent directory of path. */
	size_t n = strlen(path);
	char *pre = xstrdup(path);
	int r = 0;
	while (!r && n > 0) {
		while (n > 0 && pre[n - 1] != '/')
			n--;
		if (!n)
			break;
		pre[--n] = 0;
		r = match_from(glob, glob, pre);
	}
	free(pre);
	return r;
}

int audit_rule_for(const struct source *src, const char *path)
{
	for (size_t i = 0; i < src->nrules; i++)
		if (audit_glob_match(src->rules[i].glob, path))
			return (int)i;
	return -1;
}

/* ---- classifying one file ---- */

static int ends_with(const char *s, const char *suf)
{
	size_t n = strlen(s), m = strlen(suf);
	return n >= m && !strcmp(s + n - m, suf);
}

static unsigned le32(const unsigned char *b)
{
	return (unsigned)b[0] | (unsigned)b[1] << 8 | (unsigned)b[2] << 16 | (unsigned)b[3] << 24;
}

/* What kind of binary the head b[0..n) of file name is, or NULL for text
 * and images (*image set). */
static const char *binary_kind(const char *name, const unsigned char *b, size_t n, int *image)
{
	static const struct {
		const char *ext, *what;
	} exts[] = {
		/* Names that are binary whatever the first bytes say (.lib,
		 * .exe ... are not here: Makefile.lib is text; the content
		 * finds the real ones). */
		{".o", "object file (.o)"}, {".a", "static library (.a)"}, {".jar", "Java archive (.jar)"},
		{".class", "Java class (.class)"}, {".pyc", "Python bytecode (.pyc)"}, {".pyo", "Python bytecode (.pyo)"},
		{".mo", "gettext catalog (.mo)"}, {".gmo", "gettext catalog (.gmo)"}, {NULL, NULL},
	};
	*image = 0;
	if (n >= 4 && !memcmp(b, "\177ELF", 4))
		return "ELF";
	if (n >= 4) {
		unsigned m = le32(b);
		if (m == 0xfeedfaceu || m == 0xfeedfacfu || m == 0xcefaedfeu || m == 0xcffaedfeu)
			return "Mach-O";
		if (m == 0xbebafecau)
			return ends_with(name, ".class") ? "Java class" : "Mach-O universal binary or Java class";
		if (m == 0x950412deu || m == 0xde120495u)
			return "gettext catalog (.mo)";
	}
	if (n >= 64 && b[0] == 'M' && b[1] == 'Z') {
		unsigned off = le32(b + 0x3c);
		if (off <= n - 4 && !memcmp(b + off, "PE\0\0", 4))
			return "PE executable";
	}
	if (n >= 8 && !memcmp(b, "!<arch>\n", 8))
		return "ar archive";
	for (int i = 0; exts[i].ext; i++)
		if (ends_with(name, exts[i].ext))
			return exts[i].what;
	if (n >= 4 && !memcmp(b, "PK\003\004", 4))
		return "zip archive";
	if (n >= 2 && b[0] == 0x1f && b[1] == 0x8b)
		return "gzip data";
	if (n >= 3 && !memcmp(b, "BZh", 3))
		return "bzip2 data";
	if (n >= 6 && !memcmp(b, "\3757zXZ\0", 6))
		return "xz data";
	if (n >= 4 && !memcmp(b, "\050\265\057\375", 4))
		return "zstd data";
	if ((n >= 8 && !memcmp(b, "\211PNG\r\n\032\n", 8)) || (n >= 4 && !memcmp(b, "GIF8", 4)) ||
	    (n >= 3 && b[0] == 0xff && b[1] == 0xd8 && b[2] == 0xff) ||
	    (n >= 4 && (!memcmp(b, "II*\0", 4) || !memcmp(b, "MM\0*", 4))) ||
	    (n >= 12 && !memcmp(b, "RIFF", 4) && !memcmp(b + 8, "WEBP", 4)) ||
	    (n >= 6 && !memcmp(b, "\0\0\1\0", 4) && (ends_with(name, ".ico") || ends_with(name, ".cur"))) ||
	    (n >= 2 && b[0] == 'B' && b[1] == 'M' && ends_with(name, ".bmp"))) {
		*image = 1;
		return NULL;
	}
	/* Text has no NUL and few control bytes besides \t \n \v \f \r, ESC and
	 * backspace (used by old man pages and terminal tests). */
	size_t odd = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = b[i];
		if (!c)
			return "binary data";
		if ((c < 0x20 && c != '\t' && c != '\n' && c != '\v' && c != '\f' && c != '\r' && c != 0x1b &&
		     c != '\b') || c == 0x7f)
			odd++;
	}
	if (odd * 10 > n)
		return "binary data";
	return NULL;
}

/* The banner line that holds needle in the head, as evidence ("banner:
 * ..."), or NULL. Caller frees. */
static char *banner(const char *b, size_t n, const char *needle)
{
	const char *p = memmem(b, n, needle, strlen(needle));
	if (!p)
		return NULL;
	/* The whole line, without its comment leader. */
	while (p > b && p[-1] != '\n')
		p--;
	while (p < b + n && (*p == ' ' || *p == '\t' || *p == '#' || *p == '/' || *p == '*'))
		p++;
	if (p + 4 <= b + n && !memcmp(p, "dnl ", 4))
		p += 4;
	const char *e = p;
	while (e < b + n && *e != '\n' && *e != '\r' && e - p < 80)
		e++;
	while (e > p && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '/' || e[-1] == '*' || e[-1] == '.'))
		e--;
	return xasprintf("banner: %.*s", (int)(e - p), p);
}

/* A grammar file beside a C file called name: foo.y for foo.c, foo.tab.c
 * or lex.foo.c; any .y for y.tab.c and any .l for lex.yy.c. Returns the
 * grammar's name and sets *kind, or NULL. */
static const char *grammar_beside(const char *name, char **names, size_t n, enum audit_kind *kind)
{
	static const char *const cexts[] = {".c", ".cc", ".cpp", ".cxx", NULL};
	static const char *const gexts[] = {".y", ".yy", ".ypp", ".l", ".ll", ".lex", NULL};
	size_t len = strlen(name), stem = 0;
	for (int i = 0; cexts[i] && !stem; i++)
		if (ends_with(name, cexts[i]) && len > strlen(cexts[i]))
			stem = len - strlen(cexts[i]);
	if (!stem)
		return NULL;
	char s[512];
	if (stem >= sizeof s)
		return NULL;
	memcpy(s, name, stem);
	s[stem] = 0;
	int yacc = !strcmp(s, "y.tab"), lex = !strcmp(s, "lex.yy");
	for (size_t i = 0; (yacc || lex) && i < n; i++)
		if ((yacc && (ends_with(names[i], ".y") || ends_with(names[i], ".yy"))) ||
		    (lex && (ends_with(names[i], ".l") || ends_with(names[i], ".ll")))) {
			*kind = yacc ? AUDIT_BISON : AUDIT_FLEX;
			return names[i];
		}
	const char *cands[3] = {s, NULL, NULL};
	char t[512], u[512];
	if (ends_with(s, ".tab")) {
		snprintf(t, sizeof t, "%.*s", (int)(stem - 4), s);
		cands[1] = t;
	}
	if (!strncmp(s, "lex.", 4)) {
		snprintf(u, sizeof u, "%s", s + 4);
		cands[2] = u;
	}
	for (int c = 0; c < 3; c++) {
		if (!cands[c] || !cands[c][0])
			continue;
		for (int g = 0; gexts[g]; g++) {
			char want[600];
			snprintf(want, sizeof want, "%s%s", cands[c], gexts[g]);
			for (size_t i = 0; i < n; i++)
				if (!strcmp(names[i], want)) {
					*kind = gexts[g][1] == 'y' ? AUDIT_BISON : AUDIT_FLEX;
					return names[i];
				}
		}
	}
	return NULL;
}

static void add_finding(struct audit_scan *s, const char *rel, enum audit_kind k, char *why)
{
	s->v = xrealloc(s->v, (s->n + 1) * sizeof *s->v);
	s->v[s->n].path = xstrdup(rel);
	s->v[s->n].kind = k;
	s->v[s->n].why = why;
	s->n++;
}

static int classify(struct audit_scan *s, const char *path, const char *rel, const char *name, char **names,
		    size_t n)
{
	static const struct {
		const char *needle;
		enum audit_kind kind;
	} banners[] = {
		/* Most specific first: aclocal.m4 quotes automake's banner. */
		{"generated automatically by aclocal", AUDIT_AUTOTOOLS},
		{"Generated by GNU Autoconf", AUDIT_AUTOCONF},
		{".in generated by automake", AUDIT_AUTOMAKE},
		{"by autoheader", AUDIT_AUTOTOOLS},
		{"A Bison parser, made by", AUDIT_BISON},
		{"#define YYBYACC", AUDIT_BISON},
		{"A lexical scanner generated by flex", AUDIT_FLEX},
		{"code produced by gperf", AUDIT_GPERF},
		{NULL, 0},
	};
	unsigned char *b = xmalloc(HEAD);
	size_t got = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		int r = errf(-errno, "%s: %s", path, err_str(-errno));
		free(b);
		return r;
	}
	while (got < HEAD) {
		ssize_t k = read(fd, b + got, HEAD - got);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			int r = errf(-errno, "%s: %s", path, err_str(-errno));
			close(fd);
			free(b);
			return r;
		}
		if (!k)
			break;
		got += (size_t)k;
	}
	close(fd);
	s->files++;
	int image;
	const char *bin = binary_kind(name, b, got, &image);
	if (image)
		s->images++;
	if (bin) {
		add_finding(s, rel, AUDIT_BINARY, xstrdup(bin));
		free(b);
		return 0;
	}
	for (int i = 0; !image && banners[i].needle; i++) {
		char *why = banner((const char *)b, got, banners[i].needle);
		if (why) {
			add_finding(s, rel, banners[i].kind, why);
			free(b);
			return 0;
		}
	}
	free(b);
	enum audit_kind k;
	const char *g = grammar_beside(name, names, n, &k);
	if (g)
		add_finding(s, rel, k, xasprintf("beside %s", g));
	return 0;
}

/* Call visit for each entry of the tree at path (rel below the top), in
 * name order, a directory after what it holds: p is its path, names[i] its
 * name among its directory's sorted names. A code from visit ends the walk. */
static int walk(const char *path, const char *rel,
		int (*visit)(void *arg, const char *p, const char *rel, const struct stat *st, char **names, size_t n,
			     size_t i),
		void *arg)
{
	struct strv sv = {0};
	int r = dir_list(path, NULL, &sv);
	char **names = sv.v;
	size_t n = sv.n;
	if (r)
		r = errf(r, "%s: %s", path, err_str(r));
	for (size_t i = 0; !r && i < n; i++) {
		char *p = path_join(path, names[i]);
		char *q = rel[0] ? path_join(rel, names[i]) : xstrdup(names[i]);
		struct stat st;
		if (lstat(p, &st) < 0)
			r = errf(-errno, "%s: %s", p, err_str(-errno));
		else if (S_ISDIR(st.st_mode))
			r = walk(p, q, visit, arg);
		if (!r)
			r = visit(arg, p, q, &st, names, n, i);
		free(p);
		free(q);
	}
	strv_free(&sv);
	return r;
}

static int scan_one(void *s, const char *p, const char *rel, const struct stat *st, char **names, size_t n, size_t i)
{
	return S_ISREG(st->st_mode) ? classify(s, p, rel, names[i], names, n) : 0;
}

static int cmp_finding(const void *a, const void *b)
{
	return strcmp(((const struct audit_finding *)a)->path, ((const struct audit_finding *)b)->path);
}

int audit_scan_tree(const char *dir, struct audit_scan *out)
{
	memset(out, 0, sizeof *out);
	int r = walk(dir, "", scan_one, out);
	if (r) {
		audit_scan_free(out);
		return r;
	}
	if (out->n)
		qsort(out->v, out->n, sizeof *out->v, cmp_finding);
	return 0;
}

void audit_scan_free(struct audit_scan *s)
{
	for (size_t i = 0; i < s->n; i++) {
		free(s->v[i].path);
		free(s->v[i].why);
	}
	free(s->v);
	memset(s, 0, sizeof *s);
}

/* The rules of a source, and a count for each. */
struct rule_tally {
	const struct source *src;
	size_t *counts;
};

static int count_one(void *arg, const char *p, const char *rel, const struct stat *st, char **names, size_t n, size_t i)
{
	struct rule_tally *t = arg;
	(void)p, (void)names, (void)n, (void)i;
	int k = S_ISDIR(st->st_mode) ? -1 : audit_rule_for(t->src, rel);
	if (k >= 0)
		t->counts[k]++;
	return 0;
}

int audit_rule_usage(const char *dir, const struct source *src, size_t *counts)
{
	memset(counts, 0, src->nrules * sizeof *counts);
	struct rule_tally t = {src, counts};
	return src->nrules ? walk(dir, "", count_one, &t) : 0;
}

/* ---- applying the rules before a build ---- */

static int removes(const struct source *src, const char *rel, int *rule)
{
	*rule = audit_rule_for(src, rel);
	return *rule >= 0 && src->rules[*rule].action != RULE_WAIVE;
}

static int apply_one(void *arg, const char *p, const char *rel, const struct stat *st, char **names, size_t n, size_t i)
{
	struct rule_tally *t = arg;
	int rule;
	(void)names, (void)n, (void)i;
	if (S_ISDIR(st->st_mode)) {
		/* Emptied by the rules, and itself removed by one: gone too. */
		if (removes(t->src, rel, &rule) && rmdir(p) < 0 && errno != ENOTEMPTY && errno != EEXIST)
			return errf(-errno, "%s: %s", p, err_str(-errno));
	} else if (removes(t->src, rel, &rule)) {
		if (unlink(p) < 0)
			return errf(-errno, "%s: %s", p, err_str(-errno));
		t->counts[rule]++;
	}
	return 0;
}

int audit_apply(const char *dir, const struct source *src, struct buf *log)
{
	int has = 0;
	for (size_t i = 0; i < src->nrules; i++)
		if (src->rules[i].action != RULE_WAIVE)
			has = 1;
	if (!has)
		return 0;
	size_t *removed = xcalloc(src->nrules, sizeof *removed);
	struct rule_tally t = {src, removed};
	int r = walk(dir, "", apply_one, &t);
	for (size_t i = 0; i < src->nrules; i++)
		if (src->rules[i].action != RULE_WAIVE)
			buf_addf(log, "sprout: %s %s (%s line %d): removed %zu file%s\n",
				 recipe_rule_action(src->rules[i].action), src->rules[i].glob,
				 src->recipe_path ? src->recipe_path : "recipe", src->rules[i].line, removed[i],
				 removed[i] == 1 ? "" : "s");
	free(removed);
	return r;
}

int audit_unpack_inner(const char *dir, const struct source *src, struct buf *log)
{
	int r = 0;
	for (size_t i = 0; i < src->ninner && !r; i++) {
		const struct source_inner *in = &src->inner[i];
		char *p = path_join(dir, in->path);
		struct stat st;
		if (lstat(p, &st) < 0 || !S_ISREG(st.st_mode))
			r = errf(-SPROUT_ERR_NOTFOUND, "%s: inner archive %s (%s line %d) is not a file of the source",
				 src->file, in->path, src->recipe_path ? src->recipe_path : "recipe", in->line);
		if (!r) {
			r = tar_extract(p, dir);
			if (r) {
				char *m = xstrdup(err_msg(r));  /* errf writes where err_msg points */
				r = errf(r, "%s: inner archive %s: %s", src->file, in->path, m);
				free(m);
			}
		}
		if (!r && unlink(p) < 0)
			r = errf(-errno, "%s: %s", p, err_str(-errno));
		if (!r && log)
			buf_addf(log, "sprout: inner %s (%s line %d): unpacked and removed\n", in->path,
				 src->recipe_path ? src->recipe_path : "recipe", in->line);
		free(p);
	}
	return r;
}

int audit_unpack(const struct source *src, const char *stored, const char *dir, struct buf *log)
{
	if (src->extract) {
		int r = tar_extract(stored, dir);
		return r ? r : audit_unpack_inner(dir, src, log);
	}
	char *dst = path_join(dir, src->file);
	int r = file_copy(stored, dst);
	if (r)
		r = errf(r, "%s: %s", dst, err_str(r));
	free(dst);
	return r;
}
