/* The JSON writer (src/core/json.c): layout and escaping. */
#include <math.h>
#include <string.h>

#include "core/json.h"
#include "tap.h"

static int esc_is(const char *in, size_t n, const char *want)
{
	struct buf b = {0};
	json_escape(&b, in, n);
	int r = ok(b.s && !strcmp(b.s, want), "escape %s -> %s (got %s)", want, want, b.s ? b.s : "(null)");
	buf_free(&b);
	return r;
}

static void layout(void)
{
	struct buf b = {0};
	struct json j;
	json_init(&j, &b);
	json_object_begin(&j, NULL);
	json_string(&j, "name", "minimal");
	json_int(&j, "steps", 15);
	json_number(&j, "seconds", 12.5, 3);
	json_number(&j, "whole", 2.0, 3);
	json_number(&j, "nan", NAN, 3);
	json_number(&j, "negzero", -0.0001, 2);
	json_bool(&j, "ok", 1);
	json_string(&j, "none", NULL);
	json_array_begin(&j, "empty");
	json_array_end(&j);
	json_object_begin(&j, "emptyobj");
	json_object_end(&j);
	json_array_begin(&j, "list");
	json_int(&j, NULL, -1);
	json_object_begin(&j, NULL);
	json_bool(&j, "x", 0);
	json_object_end(&j);
	json_array_end(&j);
	json_object_end(&j);
	const char *want = "{\n"
			   "  \"name\": \"minimal\",\n"
			   "  \"steps\": 15,\n"
			   "  \"seconds\": 12.5,\n"
			   "  \"whole\": 2,\n"
			   "  \"nan\": null,\n"
			   "  \"negzero\": 0,\n"
			   "  \"ok\": true,\n"
			   "  \"none\": null,\n"
			   "  \"empty\": [],\n"
			   "  \"emptyobj\": {},\n"
			   "  \"list\": [\n"
			   "    -1,\n"
			   "    {\n"
			   "      \"x\": false\n"
			   "    }\n"
			   "  ]\n"
			   "}\n";
	if (!ok(b.s && !strcmp(b.s, want), "layout: keys in order, two-space indentation, empty containers"))
		printf("# got:\n%s", b.s ? b.s : "(null)");
	buf_free(&b);

	json_init(&j, &b);
	json_array_begin(&j, NULL);
	json_array_end(&j);
	ok(b.s && !strcmp(b.s, "[]\n"), "an empty top-level array");
	buf_free(&b);
}

int main(void)
{
	layout();
	esc_is("plain", 5, "\"plain\"");
	esc_is("a\"b\\c", 5, "\"a\\\"b\\\\c\"");
	esc_is("\b\f\n\r\t", 5, "\"\\b\\f\\n\\r\\t\"");
	esc_is("\x01\x1f\x7f", 3, "\"\\u0001\\u001f\\u007f\"");
	esc_is("a\0b", 3, "\"a\\u0000b\"");
	esc_is("/", 1, "\"/\"");
	esc_is("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x8c\xb1", 14, "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x8c\xb1\"");
	esc_is("\xe2\x80\xa8\xe2\x80\xa9", 6, "\"\\u2028\\u2029\"");
	/* Not well-formed UTF-8: each offending byte is U+FFFD. */
	esc_is("\xff", 1, "\"\\ufffd\"");
	esc_is("\xc3", 1, "\"\\ufffd\"");                              /* truncated */
	esc_is("\xc0\xaf", 2, "\"\\ufffd\\ufffd\"");                   /* overlong '/' */
	esc_is("\xe0\x80\xaf", 3, "\"\\ufffd\\ufffd\\ufffd\"");        /* overlong */
	esc_is("\xed\xa0\x80", 3, "\"\\ufffd\\ufffd\\ufffd\"");        /* a surrogate */
	esc_is("\xf4\x90\x80\x80", 4, "\"\\ufffd\\ufffd\\ufffd\\ufffd\""); /* past U+10FFFF */
	esc_is("\xe2\x82x", 3, "\"\\ufffd\\ufffdx\"");                /* cut short */
	esc_is("\x80z", 2, "\"\\ufffdz\"");                            /* a stray continuation */
	return tap_done();
}
