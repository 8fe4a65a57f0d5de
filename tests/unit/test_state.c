/* The state directory's layout (build/state.c): paths, per-plan records,
 * and bringing a directory of the older layout up to date. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "build/state.h"
#include "core/util.h"
#include "tap.h"

static char dir[] = "/tmp/sprout-test-state.XXXXXX";

static int same(char *got, const char *want)
{
	int r = !strcmp(got, want);
	if (!r)
		printf("# got %s, want %s\n", got, want);
	free(got);
	return r;
}

int main(void)
{
	const char *k = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
	char key[65];
	if (!mkdtemp(dir))
		return 1;
	ok(same(state_store("/s", "K", NULL), "/s/store/K"), "the store directory of a key");
	ok(same(state_store("/s", "K", "digest"), "/s/store/K/digest"), "  ... and a file in it");
	ok(same(state_tmp("/s", "K"), "/s/tmp/K"), "a key's temporary output");
	ok(same(state_record("/s", STATE_LOG, "minimal", "x86_64", "make"), "/s/logs/minimal/x86_64/make.log"),
	   "a log is named by plan, arch and step");
	ok(same(state_record("/s", STATE_BUILD, "hello", "x86_64", "make"), "/s/build/hello/x86_64/make"),
	   "  ... a build tree");
	ok(same(state_record("/s", STATE_DURATION, "hello", "x86_64", "make"), "/s/durations/hello/x86_64/make"),
	   "  ... a duration");
	ok(same(state_record_dir("/s", STATE_LAST, "hello", "aarch64"), "/s/last/hello/aarch64"),
	   "  ... and the directory of last-built keys");

	ok(state_last(dir, "one", "x86_64", "make", key) < 0, "never built: no last key");
	ok(state_set_last(dir, "one", "x86_64", "make", k) == 0, "record a last key");
	ok(state_last(dir, "one", "x86_64", "make", key) == 0 && !strcmp(key, k), "  ... and read it back");
	ok(state_last(dir, "two", "x86_64", "make", key) < 0, "  ... another plan's step of that name was never built");

	/* The older layout: last/ARCH/STEP, no layout file. */
	char *p = xasprintf("%s/old", dir), *f = xasprintf("%s/old/last/x86_64/make", dir);
	char *d = xasprintf("%s/old/last/x86_64", dir), *s = xasprintf("%s/old/store/%s", dir, k);
	mkdir_p(d, 0755);
	mkdir_p(s, 0755);
	file_write_atomic(f, k, 64);
	ok(state_last(p, "x86_64", "make", "x", key) < 0, "an old record is not read as a new one");
	ok(state_upgrade(p) == 0, "upgrade an old state directory");
	ok(!path_exists(d), "  ... its records are moved away");
	free(f);
	f = xasprintf("%s/old/old-records/last/x86_64/make", dir);
	ok(path_exists(f), "  ... to old-records/");
	ok(path_exists(s), "  ... and its store is kept");
	mkdir_p(d, 0755);
	ok(state_upgrade(p) == 0 && path_exists(d), "upgrading again changes nothing");
	FREE_ALL(p, f, d, s);
	if (rm_rf(dir))
		ok(0, "cleanup");
	return tap_done();
}
