#ifndef SPROUT_ERR_H
#define SPROUT_ERR_H

/* Library code returns 0 or a negative code: -errno, or one of these,
 * which sit above the errno range. A module that has more to say than the
 * code (a file:line:col, a member name, two hashes) stores it with errf();
 * the caller (main.c or a cmd_*.c) prints err_msg(). */
enum {
	ERR_BASE = 1000,
	ERR_PARSE,      /* malformed recipe or plan */
	ERR_HASH,       /* sha256 mismatch */
	ERR_CYCLE,      /* dependency cycle */
	ERR_FETCH,      /* no origin gave the file */
	ERR_UNSAFE,     /* archive member would escape its destination */
	ERR_FORMAT,     /* corrupt or unsupported archive or file format */
	ERR_BUILD,      /* a step's script failed */
	ERR_TIMEOUT,    /* a step ran past its time limit */
	ERR_NOTFOUND,   /* named plan, recipe or step does not exist */
	ERR_USAGE,      /* bad command-line use */
	ERR_SANDBOX,    /* the sandbox cannot be set up here */
	ERR_BUSY,       /* another sprout holds the state directory */
	ERR_INTERRUPTED,/* stopped by a signal */
	ERR_MAX
};

/* The name of code r (negative), for errno codes strerror's text. Static storage. */
const char *err_str(int r);

/* Store a detailed message for the last error and return r as a negative
 * code (errf(ERR_PARSE, ...) and errf(-ERR_PARSE, ...) both give -ERR_PARSE).
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
