#ifndef SPROUT_DECOMP_H
#define SPROUT_DECOMP_H

#include <stddef.h>
#include <sys/types.h>

enum decomp_kind {
	DECOMP_NONE,
	DECOMP_GZIP,
	DECOMP_BZIP2,
	DECOMP_XZ,
	DECOMP_ZSTD,
};

/* Guess the compression from the first bytes of a file. */
enum decomp_kind decomp_sniff(const unsigned char *p, size_t n);

/* A decompressing reader over an fd. Opaque. */
struct decomp;

/* Start reading fd (owned by the reader from now on), with the compression
 * sniffed from its first bytes; by the library when built in (for bzip2
 * and xz, the slow ones, in a child process that decodes while the caller
 * goes on with what it gave), else through the external tool (gzip,
 * bzip2, xz, zstd) on a pipe. 0 or negative code;
 * *out is freed by decomp_close. */
int decomp_open(int fd, struct decomp **out);
/* As decomp_open, but through the external tool even when the library is
 * built in (tests, benchmarks). */
int decomp_open_external(int fd, struct decomp **out);
/* Read up to n decompressed bytes; 0 at the end; negative code on error. */
ssize_t decomp_read(struct decomp *d, void *buf, size_t n);
/* Close the reader; reports an error the external tool exited with
 * (0 or negative code). */
int decomp_close(struct decomp *d);
/* Which decompressors are compiled in, e.g. "zlib bzip2 lzma" (static). */
const char *decomp_builtin(void);

#endif
