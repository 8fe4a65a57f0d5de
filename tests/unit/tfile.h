/* Files for unit tests to work on, written through the library. */
#ifndef SPROUT_TFILE_H
#define SPROUT_TFILE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"

/* Write the n bytes at data to dir/rel (replacing it), making the
 * directories on the way; a test that cannot bails out (exit 2). */
static inline void tfile_put(const char *dir, const char *rel, const void *data, size_t n)
{
	char *p = path_join(dir, rel), *d = path_dirname(p);
	if (mkdir_p(d, 0755) || file_write_atomic(p, data, n)) {
		printf("Bail out! cannot write %s\n", p);
		exit(2);
	}
	free(d);
	free(p);
}

/* tfile_put of a string. */
static inline void tfile_puts(const char *dir, const char *rel, const char *text)
{
	tfile_put(dir, rel, text, strlen(text));
}

#endif
