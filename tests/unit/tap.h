/* A dependency-free TAP helper for unit tests: ok(cond, fmt, ...) prints
 * "ok N - ..." or "not ok N - ...", tap_done() prints the plan and returns
 * the exit status. */
#ifndef SPROUT_TAP_H
#define SPROUT_TAP_H

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int tap_n, tap_failed;

static int ok(int cond, const char *fmt, ...)
{
	va_list ap;
	tap_n++;
	if (!cond)
		tap_failed++;
	printf("%sok %d - ", cond ? "" : "not ", tap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	return cond;
}

static int tap_done(void)
{
	printf("1..%d\n", tap_n);
	return tap_failed != 0;
}

/* A fresh directory /tmp/sprout-test-NAME.XXXXXX into dir (size bytes);
 * a test that cannot have one bails out (exit 2). */
static inline void tap_tmpdir(char *dir, size_t size, const char *name)
{
	snprintf(dir, size, "/tmp/sprout-test-%s.XXXXXX", name);
	if (!mkdtemp(dir)) {
		printf("Bail out! mkdtemp %s: %s\n", dir, strerror(errno));
		exit(2);
	}
}

#endif
