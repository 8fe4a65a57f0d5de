#ifndef SPROUT_ERR_H
#define SPROUT_ERR_H

/* Library code returns 0 or a negative code: -errno, or one of these,
 * which sit above the errno range. They are named SPROUT_ERR_*, not ERR_*:
 * C reserves names that begin with E and an uppercase letter for errno.h,
 * so a module whose prefix would begin so (err, engine events, eta) puts
 * SPROUT_ before it. A module that has more to say than the
 * code (a file:line:col, a member name, two hashes) stores it with errf();
 * the caller (main.c or a cmd_*.c) prints err_msg(). */
enum {
	SPROUT_ERR_BASE = 1000,
	SPROUT_ERR_PARSE,      /* malformed recipe or plan */
	SPROUT_ERR_HASH,       /* sha256 mismatch */
	SPROUT_ERR_CYCLE,      /* dependency cycle */
	SPROUT_ERR_FETCH,      /* no origin gave the file */
	SPROUT_ERR_UNSAFE,     /* archive member would escape its destination */
	SPROUT_ERR_FORMAT,     /* corrupt or unsupported archive or file format */
	SPROUT_ERR_BUILD,      /* a step's script failed */
	SPROUT_ERR_TIMEOUT,    /* a step ran past its time limit */
	SPROUT_ERR_NOTFOUND,   /* named plan, recipe or step does not exist */
	SPROUT_ERR_USAGE,      /* bad command-line use */
	SPROUT_ERR_SANDBOX,    /* the sandbox cannot be set up here */
	SPROUT_ERR_BUSY,       /* another sprout holds the state directory */
	SPROUT_ERR_INTERRUPTED,/* stopped by a signal */
	SPROUT_ERR_MAX
};

/* The name of code r (negative), for errno codes strerror's text. Static storage. */
const char *err_str(int r);

/* Store a detailed message for the last error and return r as a negative
 * code (errf(SPROUT_ERR_PARSE, ...) and errf(-SPROUT_ERR_PARSE, ...) both give -SPROUT_ERR_PARSE).
 * Control bytes but tab and newline are stored as \xHH (core/escape.h). */
int errf(int r, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 2, 3)))
#endif
	;

/* The detailed message of the last errf(), or err_str(r) when none was set
 * since err_clear(). Static storage. */
const char *err_msg(int r);

/* Forget the stored message. */
void err_clear(void);

#endif
