#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/err.h"
#include "core/lex.h"
#include "core/util.h"

void lex_init(struct lex *lx, const char *path, const char *text, size_t len)
{
	lx->path = path;
	lx->p = text;
	lx->end = text + len;
	lx->lineno = 0;
}

int lex_next(struct lex *lx, struct lexline *l)
{
	if (lx->p >= lx->end)
		return 0;
	const char *e = memchr(lx->p, '\n', (size_t)(lx->end - lx->p));
	if (!e)
		e = lx->end;
	l->s = lx->p;
	l->len = (size_t)(e - lx->p);
	if (l->len && l->s[l->len - 1] == '\r')
		l->len--;
	l->lineno = ++lx->lineno;
	l->indent = 0;
	while ((size_t)l->indent < l->len && (l->s[l->indent] == ' ' || l->s[l->indent] == '\t'))
		l->indent++;
	l->blank = (size_t)l->indent == l->len;
	lx->p = e < lx->end ? e + 1 : e;
	return 1;
}

int lex_split(const struct lexline *l, struct slice *w, int max)
{
	int n = 0;
	const char *p = l->s, *e = l->s + l->len;
	while (n < max) {
		while (p < e && (*p == ' ' || *p == '\t'))
			p++;
		if (p == e)
			break;
		const char *s = p;
		while (p < e && *p != ' ' && *p != '\t')
			p++;
		w[n].s = s;
		w[n].len = (size_t)(p - s);
		n++;
	}
	return n;
}

int lex_words(const struct lex *lx, const struct lexline *l, struct slice *w, int *n)
{
	*n = lex_split(l, w, LEX_MAX_WORDS + 1);
	if (*n > LEX_MAX_WORDS)
		return lex_error(lx, l, w[LEX_MAX_WORDS].s, "too many words (at most %d)", LEX_MAX_WORDS);
	return 0;
}

int lex_col(const struct lexline *l, const char *p)
{
	return (int)(p - l->s) + 1;
}

int lex_error(const struct lex *lx, const struct lexline *l, const char *at, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	int line = l ? l->lineno : 1;
	int col = l && at ? lex_col(l, at) : 1;
	return errf(SPROUT_ERR_PARSE, "%s:%d:%d: %s", lx->path, line, col, msg);
}

int slice_eq(struct slice s, const char *w)
{
	return strlen(w) == s.len && !memcmp(s.s, w, s.len);
}

char *slice_dup(struct slice s)
{
	return xstrndup(s.s, s.len);
}

const char *slice_bad_path(struct slice g)
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

int slice_is_name(struct slice s)
{
	if (!s.len)
		return 0;
	for (size_t i = 0; i < s.len; i++) {
		char c = s.s[i];
		int ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
		if (i && (c == '.' || c == '_' || c == '+' || c == '-'))
			ok = 1;
		if (!ok)
			return 0;
	}
	return 1;
}
