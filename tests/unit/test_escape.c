/* core/escape.c: what sprout echoes from hostile input cannot drive a
 * terminal (issue 12, defect 5). */
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/escape.h"
#include "core/util.h"
#include "tap.h"

static void same(const char *in, size_t n, int ws, const char *want)
{
	char *got = esc_dup(in, n, ws);
	ok(!strcmp(got, want), "escape '%s' (got '%s')", want, got);
	free(got);
}

int main(void)
{
	same("plain text", 10, 0, "plain text");
	same("\x1b[2J\x1b]0;pwned\a", 14, 0, "\\x1b[2J\\x1b]0;pwned\\x07");
	same("a\tb\nc", 5, 0, "a\\x09b\\x0ac");
	same("a\tb\nc", 5, 1, "a\tb\\x0ac");
	same("a\tb\nc", 5, 2, "a\tb\nc");
	same("del\x7f", 4, 0, "del\\x7f");
	same("nul\0x", 5, 0, "nul\\x00x");
	same("caf\xc3\xa9 \xe2\x9c\x93", 9, 0, "caf\xc3\xa9 \xe2\x9c\x93");
	/* C1 controls: the raw byte, and U+009B (CSI) in UTF-8 */
	same("\x9b" "31m", 4, 0, "\\x9b31m");
	same("\xc2\x9b" "31m", 5, 0, "\\xc2\\x9b31m");
	same("bad \xc3", 5, 0, "bad \\xc3");
	same("over \xc0\xaf", 7, 0, "over \\xc0\\xaf");
	same("sur \xed\xa0\x80", 7, 0, "sur \\xed\\xa0\\x80");
	ok(!esc_needed("ok\tfine", 7, 1) && esc_needed("ok\tfine", 7, 0), "esc_needed and tabs");

	char small[8] = "ab\x1b\x1b\x1b";
	esc_inplace(small, sizeof small, 0);
	ok(!strcmp(small, "ab\\x1b"), "esc_inplace cuts at an escape's end (got '%s')", small);

	/* every library error message goes out escaped */
	int r = errf(SPROUT_ERR_PARSE, "p:1:1: unknown key '%s'", "\x1b[31mevil\x1b[0m");
	ok(r == -SPROUT_ERR_PARSE && !strcmp(err_msg(r), "p:1:1: unknown key '\\x1b[31mevil\\x1b[0m'"),
	   "errf escapes what it quotes (got '%s')", err_msg(r));
	r = errf(SPROUT_ERR_FETCH, "f: no origin worked:\n  url: 404\n  debian:\tgone");
	ok(!strcmp(err_msg(r), "f: no origin worked:\n  url: 404\n  debian:\tgone"), "errf keeps its own lines");
	return tap_done();
}
