/* The shared cache's entry (docs/cache.md, "The shared cache"): what is
 * written is read back; anything else is refused, naming the line. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/util.h"
#include "dist/dist.h"
#include "tap.h"

#define K64 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define D64 "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210"

static void bad(const char *text, const char *msg)
{
	struct dist_entry en;
	err_clear();
	int r = dist_entry_parse(text, strlen(text), &en);
	ok(r == -SPROUT_ERR_FORMAT && strstr(err_msg(r), msg), "refused: %s (got %s)", msg,
	   r ? err_msg(r) : "success");
}

/* The notes' lines, and dist_init's timeout: given, from
 * $SPROUT_CACHE_TIMEOUT, or the default. */
static void notes_and_timeouts(void)
{
	struct buf b = {0};
	dist_note_text(DIST_REFUSED, "http://c", "gcc", "bad signature", &b);
	ok(!strcmp(b.s, "[cache] refused gcc from http://c: bad signature; building it here\n"),
	   "a refused pull's line");
	b.len = 0;
	dist_note_text(DIST_PRESENT, "http://c", "gcc", NULL, &b);
	ok(!strcmp(b.s, "present gcc (http://c has it)\n"), "a push the cache had's line");
	buf_free(&b);
	struct dist d;
	char *urls[] = {"http://c//", NULL};
	unsetenv("SPROUT_CACHE_TIMEOUT");
	dist_init(&d, "/s", urls, NULL, 0);
	int dflt = d.http.connect_timeout;
	ok(d.ncaches == 1 && !strcmp(d.caches[0].url, "http://c") && dflt > 0,
	   "one cache, its URL without the trailing slashes; a default timeout (%d s)", dflt);
	dist_free(&d);
	setenv("SPROUT_CACHE_TIMEOUT", "3", 1);
	dist_init(&d, "/s", urls, NULL, 0);
	ok(d.http.connect_timeout == 3 && d.http.stall_time == 3, "$SPROUT_CACHE_TIMEOUT sets the timeouts");
	dist_free(&d);
	dist_init(&d, "/s", urls, NULL, 9);
	ok(d.http.connect_timeout == 9, "a timeout given wins over $SPROUT_CACHE_TIMEOUT");
	dist_free(&d);
	unsetenv("SPROUT_CACHE_TIMEOUT");
}

int main(void)
{
	struct dist_entry en, back;
	struct buf b = {0};
	memset(&en, 0, sizeof en);
	memcpy(en.key, K64, 65);
	memcpy(en.digest, D64, 65);
	memcpy(en.archive, K64, 65);
	snprintf(en.step, sizeof en.step, "gcc-pass1");
	en.size = 123456789012LL;
	dist_entry_format(&en, &b);
	ok(!strcmp(b.s, "sprout-cache-entry 1\nkey " K64 "\nstep gcc-pass1\ndigest " D64 "\narchive " K64
			" 123456789012\n"),
	   "the entry's text is the documented one");
	ok(dist_entry_parse(b.s, b.len, &back) == 0, "it reads back");
	ok(!memcmp(&en, &back, sizeof en), "  ... to the same fields");
	buf_free(&b);

	const char *good = "sprout-cache-entry 1\nkey " K64 "\nstep s\ndigest " D64 "\narchive " K64 " 5\n";
	char t[1024];
	bad("sprout-cache-entry 2\n", "line 1: expected 'sprout-cache-entry 1'");
	bad("sprout-cache-entry 1\nkey abc\n", "line 2: malformed");
	bad("sprout-cache-entry 1\nkey " K64 "\ndigest " D64 "\n", "line 3: malformed");
	snprintf(t, sizeof t, "%s", good);
	t[strlen(t) - 1] = 0; /* no final newline */
	bad(t, "line 5: malformed");
	snprintf(t, sizeof t, "%sextra 1\n", good);
	bad(t, "line 6: unexpected text");
	bad("sprout-cache-entry 1\nkey " K64 "\nstep s\ndigest " D64 "\narchive " K64 " -5\n", "line 5");
	bad("sprout-cache-entry 1\nkey " K64 "\nstep s\ndigest " D64 "\narchive " K64 " 5x\n", "line 5");
	bad("sprout-cache-entry 1\nkey " K64 "\nstep a b\ndigest " D64 "\narchive " K64 " 5\n", "line 3");
	bad("sprout-cache-entry 1\nkey " K64 "\nstep s\ndigest " D64 "\narchive " K64 "\n", "line 5");
	bad("sprout-cache-entry 1\nkey " K64 "\nstep s\ndigest " K64 "X\narchive " K64 " 5\n", "line 4");
	ok(dist_entry_parse(good, strlen(good), &back) == 0 && back.size == 5 && !strcmp(back.step, "s"),
	   "a good one with a 5-byte archive");
	notes_and_timeouts();
	return tap_done();
}
