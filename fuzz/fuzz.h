/* Shared by the libFuzzer targets (docs/security.md, "Fuzzing"): a scratch
 * directory per process, and writing the input where a reader wants a
 * file. Each target is one .c file defining LLVMFuzzerTestOneInput; the
 * Makefile builds it with -fsanitize=fuzzer,address,undefined. */
#ifndef SPROUT_FUZZ_H
#define SPROUT_FUZZ_H

#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/err.h"
#include "core/util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A directory of this process's own, made once, removed at exit. */
static char fuzz_dir_path[64];

static inline void fuzz_dir_rm(void)
{
	if (fuzz_dir_path[0])
		rm_rf(fuzz_dir_path);
}

static inline const char *fuzz_dir(void)
{
	if (!fuzz_dir_path[0]) {
		snprintf(fuzz_dir_path, sizeof fuzz_dir_path, "/tmp/sprout-fuzz.XXXXXX");
		if (!mkdtemp(fuzz_dir_path))
			abort();
		atexit(fuzz_dir_rm);
	}
	return fuzz_dir_path;
}

/* Write n bytes to path (replacing it). Aborts when it cannot: the
 * harness is broken, not the code under test. */
static inline void fuzz_put(const char *path, const void *p, size_t n)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || fd_write_all(fd, p, n) || close(fd))
		abort();
}

/* The error message must be one line of text a terminal cannot be driven
 * by (core/escape.h): checked after every failure a target sees. */
static inline void fuzz_msg_ok(int r)
{
	const char *m = err_msg(r);
	for (const unsigned char *p = (const unsigned char *)m; *p; p++)
		if ((*p < 0x20 && *p != '\n' && *p != '\t') || *p == 0x7f)
			abort();
}

#endif
