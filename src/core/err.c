#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/err.h"
#include "core/escape.h"

static char detail[4096];

static const char *const names[] = {
	[ERR_PARSE - ERR_BASE] = "parse error",
	[ERR_HASH - ERR_BASE] = "checksum mismatch",
	[ERR_CYCLE - ERR_BASE] = "dependency cycle",
	[ERR_FETCH - ERR_BASE] = "could not fetch",
	[ERR_UNSAFE - ERR_BASE] = "unsafe archive member",
	[ERR_FORMAT - ERR_BASE] = "bad file format",
	[ERR_BUILD - ERR_BASE] = "build failed",
	[ERR_TIMEOUT - ERR_BASE] = "timed out",
	[ERR_NOTFOUND - ERR_BASE] = "not found",
	[ERR_USAGE - ERR_BASE] = "usage error",
	[ERR_SANDBOX - ERR_BASE] = "sandbox unavailable",
	[ERR_BUSY - ERR_BASE] = "state directory busy",
	[ERR_INTERRUPTED - ERR_BASE] = "interrupted",
};

const char *err_str(int r)
{
	int e = r < 0 ? -r : r;
	if (e > ERR_BASE && e < ERR_MAX && names[e - ERR_BASE])
		return names[e - ERR_BASE];
	return strerror(e);
}

int errf(int r, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(detail, sizeof detail, fmt, ap);
	va_end(ap);
	/* Messages quote their input (a recipe's word, a member's name): the
	 * caller prints them, so nothing in them may drive the terminal. */
	esc_inplace(detail, sizeof detail, 2);
	return r > 0 ? -r : r;
}

const char *err_msg(int r)
{
	return detail[0] ? detail : err_str(r);
}

void err_clear(void)
{
	detail[0] = 0;
}
