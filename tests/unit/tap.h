/* A dependency-free TAP helper for unit tests: ok(cond, fmt, ...) prints
 * "ok N - ..." or "not ok N - ...", tap_done() prints the plan and returns
 * the exit status. */
#ifndef SPROUT_TAP_H
#define SPROUT_TAP_H

#include <stdarg.h>
#include <stdio.h>

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

#endif
