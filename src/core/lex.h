#ifndef SPROUT_LEX_H
#define SPROUT_LEX_H

#include <stddef.h>

/* Line and word scanning shared by the recipe and plan parsers: slices into
 * the text, no copies. */

struct slice {
	const char *s;
	size_t len;
};

struct lex {
	const char *path;   /* for messages */
	const char *p, *end;
	int lineno;         /* of the line last returned */
};

struct lexline {
	const char *s;      /* the line without its newline */
	size_t len;
	int lineno;
	int indent;         /* bytes of leading blanks (space or tab) */
	int blank;          /* only blanks, or empty */
};

void lex_init(struct lex *lx, const char *path, const char *text, size_t len);
/* The next line, or 0 at the end. */
int lex_next(struct lex *lx, struct lexline *l);
/* The most words a recipe or plan line may hold (docs/recipes.md). */
#define LEX_MAX_WORDS 255

/* Split l into words separated by blanks, filling at most max slots of w;
 * returns how many it filled, never more, so w[0..n) are always the words.
 * To refuse lines of more than LIMIT words, pass LIMIT + 1: a result of
 * LIMIT + 1 means too many, and w[LIMIT] is the first word too many. */
int lex_split(const struct lexline *l, struct slice *w, int max);
/* lex_split with max LEX_MAX_WORDS + 1 into w (of that many slots): 0 and
 * *n, or SPROUT_ERR_PARSE "too many words (at most 255)" at the first one past. */
int lex_words(const struct lex *lx, const struct lexline *l, struct slice *w, int *n);
/* The 1-based column of position p within l. */
int lex_col(const struct lexline *l, const char *p);
/* SPROUT_ERR_PARSE with the message "path:line:col: ...". */
int lex_error(const struct lex *lx, const struct lexline *l, const char *at, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 4, 5)))
#endif
	;
/* Whether s equals the NUL-terminated word w. */
int slice_eq(struct slice s, const char *w);
/* A NUL-terminated copy of s (caller frees). */
char *slice_dup(struct slice s);
/* Whether s is a name: [a-z0-9][a-z0-9._+-]*. */
int slice_is_name(struct slice s);
/* Where path or glob s (one word) is malformed, or NULL: it must be
 * relative, with no empty, "." or ".." component (recipes' audit rules,
 * plans' fixpoint-exclude). */
const char *slice_bad_path(struct slice s);

#endif
