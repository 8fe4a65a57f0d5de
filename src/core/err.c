#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/err.h"
#include "core/escape.h"

static char detail[4096];

static const char *const names[] = {
	[SPROUT_ERR_PARSE - SPROUT_ERR_BASE] = "parse error",
	[SPROUT_ERR_HASH - SPROUT_ERR_BASE] = "checksum mismatch",
	[SPROUT_ERR_CYCLE - SPROUT_ERR_BASE] = "dependency cycle",
	[SPROUT_ERR_FETCH - SPROUT_ERR_BASE] = "could not fetch",
	[SPROUT_ERR_UNSAFE - SPROUT_ERR_BASE] = "unsafe archive member",
	[SPROUT_ERR_FORMAT - SPROUT_ERR_BASE] = "bad file format",
	[SPROUT_ERR_BUILD - SPROUT_ERR_BASE] = "build failed",
	[SPROUT_ERR_TIMEOUT - SPROUT_ERR_BASE] = "timed out",
	[SPROUT_ERR_NOTFOUND - SPROUT_ERR_BASE] = "not found",
	[SPROUT_ERR_USAGE - SPROUT_ERR_BASE] = "usage error",
	[SPROUT_ERR_SANDBOX - SPROUT_ERR_BASE] = "sandbox unavailable",
	[SPROUT_ERR_BUSY - SPROUT_ERR_BASE] = "state directory busy",
	[SPROUT_ERR_INTERRUPTED - SPROUT_ERR_BASE] = "interrupted",
};

const char *err_str(int r)
{
	int e = r < 0 ? -r : r;
	if (e > SPROUT_ERR_BASE && e < SPROUT_ERR_MAX && names[e - SPROUT_ERR_BASE])
		return names[e - SPROUT_ERR_BASE];
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
