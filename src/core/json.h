/* A small JSON writer (RFC 8259) for sprout's --json output (docs/cli.md,
 * "Machine-readable output"): values are appended to a buf in call order,
 * two-space indentation, one member or element a line, a newline after the
 * top-level value. Strings are escaped here and nowhere else: '"', '\\'
 * and control characters are escaped, well-formed UTF-8 is copied, and a
 * byte that is not part of well-formed UTF-8 (a file name in another
 * encoding) becomes U+FFFD. */
#ifndef SPROUT_JSON_H
#define SPROUT_JSON_H

#include <stddef.h>

#include "core/util.h"

#define JSON_MAX_DEPTH 32

struct json {
	struct buf *out;
	int depth;
	unsigned char first[JSON_MAX_DEPTH + 1]; /* nothing written yet at this depth */
};

/* Start writing into out (appended to; the caller owns it). */
void json_init(struct json *j, struct buf *out);

/* In an object each value needs its member's key; in an array and at the
 * top level key is NULL. */
void json_object_begin(struct json *j, const char *key);
void json_object_end(struct json *j);
void json_array_begin(struct json *j, const char *key);
void json_array_end(struct json *j);
/* A string (null when s is NULL). */
void json_string(struct json *j, const char *key, const char *s);
/* n bytes at s as a string (they may hold NUL). */
void json_string_n(struct json *j, const char *key, const char *s, size_t n);
void json_int(struct json *j, const char *key, long long v);
/* v when known, else null. */
void json_int_or_null(struct json *j, const char *key, long long v, int known);
/* A number with up to `decimals` digits after the point, trailing zeros
 * dropped; null when v is not finite (JSON has no NaN or infinity). */
void json_number(struct json *j, const char *key, double v, int decimals);
void json_bool(struct json *j, const char *key, int v);
void json_null(struct json *j, const char *key);

/* Append n bytes at s to out as a quoted JSON string. */
void json_escape(struct buf *out, const char *s, size_t n);

#endif
