#include <stdlib.h>
#include <string.h>

#include "core/escape.h"
#include "core/util.h"

/* The length of the printable character at s (n bytes left): 1 for ASCII
 * text, 2..4 for a valid UTF-8 sequence that is not a C1 control, 0 when
 * the byte at s must be escaped. */
static size_t printable(const unsigned char *s, size_t n, int keep_ws)
{
	unsigned c = s[0];
	if (c == '\t' && keep_ws)
		return 1;
	if (c == '\n' && keep_ws > 1)
		return 1;
	if (c < 0x20 || c == 0x7f)
		return 0;
	if (c < 0x80)
		return 1;
	size_t len = c >= 0xf0 && c <= 0xf4 ? 4 : c >= 0xe0 ? 3 : c >= 0xc2 && c < 0xe0 ? 2 : 0;
	if (!len || c > 0xf4 || len > n)
		return 0;
	unsigned cp = c & (0xff >> (len + 1));
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	/* overlong, surrogates, past U+10FFFF, C1 controls */
	if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || (cp >= 0x80 && cp <= 0x9f))
		return 0;
	return len;
}

int esc_needed(const char *s, size_t n, int keep_ws)
{
	const unsigned char *p = (const unsigned char *)s;
	for (size_t i = 0; i < n;) {
		size_t k = printable(p + i, n - i, keep_ws);
		if (!k)
			return 1;
		i += k;
	}
	return 0;
}

void esc_add(struct buf *out, const char *s, size_t n, int keep_ws)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)s;
	for (size_t i = 0; i < n;) {
		size_t k = printable(p + i, n - i, keep_ws);
		if (k) {
			buf_add(out, p + i, k);
			i += k;
			continue;
		}
		char e[4] = {'\\', 'x', hex[p[i] >> 4], hex[p[i] & 15]};
		buf_add(out, e, 4);
		i++;
	}
}

char *esc_dup(const char *s, size_t n, int keep_ws)
{
	struct buf b = {0};
	esc_add(&b, s, n, keep_ws);
	return buf_take(&b);
}

void esc_inplace(char *s, size_t cap, int keep_ws)
{
	size_t n = strlen(s);
	if (!esc_needed(s, n, keep_ws))
		return;
	struct buf b = {0};
	esc_add(&b, s, n, keep_ws);
	size_t len = b.len < cap ? b.len : cap - 1;
	/* do not cut an escape or a UTF-8 sequence in two */
	size_t i = 0, keep = 0;
	while (i < len) {
		size_t k = b.s[i] == '\\' && i + 3 < b.len && b.s[i + 1] == 'x' ? 4
			: printable((const unsigned char *)b.s + i, b.len - i, 2);
		if (!k)
			k = 1;
		if (i + k > len)
			break;
		i += k;
		keep = i;
	}
	memcpy(s, b.s, keep);
	s[keep] = 0;
	buf_free(&b);
}
