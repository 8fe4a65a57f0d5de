#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/json.h"

void json_init(struct json *j, struct buf *out)
{
	memset(j, 0, sizeof *j);
	j->out = out;
	j->first[0] = 1;
}

/* The length of the well-formed UTF-8 sequence at s (RFC 3629, table 3-7
 * of the Unicode standard: no overlong forms, no surrogates, nothing past
 * U+10FFFF), or 0. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	unsigned char c = s[0];
	size_t len;
	unsigned char lo = 0x80, hi = 0xbf; /* bounds of the second byte */
	if (c >= 0xc2 && c <= 0xdf)
		len = 2;
	else if (c >= 0xe0 && c <= 0xef)
		len = 3, lo = c == 0xe0 ? 0xa0 : 0x80, hi = c == 0xed ? 0x9f : 0xbf;
	else if (c >= 0xf0 && c <= 0xf4)
		len = 4, lo = c == 0xf0 ? 0x90 : 0x80, hi = c == 0xf4 ? 0x8f : 0xbf;
	else
		return 0;
	if (n < len || s[1] < lo || s[1] > hi)
		return 0;
	for (size_t k = 2; k < len; k++)
		if ((s[k] & 0xc0) != 0x80)
			return 0;
	return len;
}

void json_escape(struct buf *out, const char *str, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *s = (const unsigned char *)str;
	buf_addc(out, '"');
	for (size_t i = 0; i < n; i++) {
		unsigned char c = s[i];
		const char *e = c == '"' ? "\\\"" : c == '\\' ? "\\\\" : c == '\b' ? "\\b" : c == '\f' ? "\\f"
			      : c == '\n' ? "\\n" : c == '\r' ? "\\r" : c == '\t' ? "\\t" : NULL;
		if (e) {
			buf_adds(out, e);
		} else if (c < 0x20 || c == 0x7f) {
			buf_addf(out, "\\u00%c%c", hex[c >> 4], hex[c & 15]);
		} else if (c < 0x80) {
			buf_addc(out, (char)c);
		} else {
			size_t len = utf8_len(s + i, n - i);
			if (!len) {
				buf_adds(out, "\\ufffd");
				continue;
			}
			/* U+2028 and U+2029 are valid JSON but end a line in
			 * JavaScript: escaped, so the text can be embedded. */
			if (len == 3 && c == 0xe2 && s[i + 1] == 0x80 && (s[i + 2] == 0xa8 || s[i + 2] == 0xa9))
				buf_adds(out, s[i + 2] == 0xa8 ? "\\u2028" : "\\u2029");
			else
				buf_add(out, s + i, len);
			i += len - 1;
		}
	}
	buf_addc(out, '"');
}

static void indent(struct json *j)
{
	buf_addc(j->out, '\n');
	for (int i = 0; i < j->depth; i++)
		buf_adds(j->out, "  ");
}

/* The separator, indentation and key before a value. */
static void member(struct json *j, const char *key)
{
	if (j->depth > 0) {
		if (!j->first[j->depth])
			buf_addc(j->out, ',');
		indent(j);
	}
	j->first[j->depth] = 0;
	if (key && j->depth > 0) {
		json_escape(j->out, key, strlen(key));
		buf_adds(j->out, ": ");
	}
}

/* After a value: the top level's ends with a newline. */
static void done(struct json *j)
{
	if (j->depth == 0)
		buf_addc(j->out, '\n');
}

static void begin(struct json *j, const char *key, char brace)
{
	member(j, key);
	buf_addc(j->out, brace);
	if (j->depth < JSON_MAX_DEPTH)
		j->first[++j->depth] = 1;
}

static void end(struct json *j, char brace)
{
	if (j->depth == 0)
		return;
	int empty = j->first[j->depth];
	j->depth--;
	if (!empty)
		indent(j);
	buf_addc(j->out, brace);
	done(j);
}

void json_object_begin(struct json *j, const char *key) { begin(j, key, '{'); }
void json_object_end(struct json *j) { end(j, '}'); }
void json_array_begin(struct json *j, const char *key) { begin(j, key, '['); }
void json_array_end(struct json *j) { end(j, ']'); }

void json_string_n(struct json *j, const char *key, const char *s, size_t n)
{
	member(j, key);
	json_escape(j->out, s, n);
	done(j);
}

void json_string(struct json *j, const char *key, const char *s)
{
	if (!s)
		json_null(j, key);
	else
		json_string_n(j, key, s, strlen(s));
}

void json_int(struct json *j, const char *key, long long v)
{
	member(j, key);
	buf_addf(j->out, "%lld", v);
	done(j);
}

void json_number(struct json *j, const char *key, double v, int decimals)
{
	if (!isfinite(v)) {
		json_null(j, key);
		return;
	}
	char s[64];
	snprintf(s, sizeof s, "%.*f", decimals < 0 ? 0 : decimals > 17 ? 17 : decimals, v);
	if (strchr(s, '.')) {
		size_t n = strlen(s);
		while (s[n - 1] == '0')
			s[--n] = 0;
		if (s[n - 1] == '.')
			s[--n] = 0;
	}
	if (!strcmp(s, "-0"))
		strcpy(s, "0");
	member(j, key);
	buf_adds(j->out, s);
	done(j);
}

void json_bool(struct json *j, const char *key, int v)
{
	member(j, key);
	buf_adds(j->out, v ? "true" : "false");
	done(j);
}

void json_int_or_null(struct json *j, const char *key, long long v, int known)
{
	if (known)
		json_int(j, key, v);
	else
		json_null(j, key);
}

void json_null(struct json *j, const char *key)
{
	member(j, key);
	buf_adds(j->out, "null");
	done(j);
}
