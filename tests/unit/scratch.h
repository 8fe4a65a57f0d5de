/* Files for unit tests that work on a scratch tree: scratch_put writes one,
 * making its directories. */
#ifndef SPROUT_SCRATCH_H
#define SPROUT_SCRATCH_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"

/* Write text to dir/rel (made with its directories, or replaced). */
static void scratch_put(const char *dir, const char *rel, const char *text)
{
	char *p = path_join(dir, rel), *d = path_dirname(p);
	int r = mkdir_p(d, 0755);
	if (!r)
		r = file_write_atomic(p, text, strlen(text));
	if (r)
		fprintf(stderr, "scratch_put %s: %s\n", p, strerror(-r));
	free(d);
	free(p);
}

#endif
