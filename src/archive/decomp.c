/* Decompressing reader: gzip, bzip2, xz and zstd through their libraries
 * when built in (HAVE_ZLIB, HAVE_BZIP2, HAVE_LZMA, HAVE_ZSTD), else through
 * the external tool on a pipe. Concatenated streams are read as one, like
 * the tools do. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "archive/decomp.h"
#include "core/err.h"
#include "core/util.h"

#ifdef HAVE_ZLIB
#include <zlib.h>
#endif
#ifdef HAVE_BZIP2
#include <bzlib.h>
#endif
#ifdef HAVE_LZMA
#include <lzma.h>
#endif
#ifdef HAVE_ZSTD
#include <zstd.h>
#endif

extern char **environ;

enum { DECOMP_INBUF = 128 * 1024 };

enum decomp_mode {
	MODE_PASS,      /* uncompressed: the prefix, then the fd */
	MODE_LIB,       /* a library decoder in this process */
	MODE_TOOL,      /* the external tool's stdout */
	MODE_CHILD,     /* a library decoder in a child process, on a pipe */
};

struct decomp {
	enum decomp_kind kind;
	enum decomp_mode mode;
	int fd;                 /* compressed input, or the tool's stdout */
	unsigned char *in;      /* input buffer: in[pos..len) not yet used */
	size_t pos, len;
	int in_eof;             /* fd gave EOF */
	int eof;                /* decompressed data ended */
	int err;                /* sticky error */
	int started;            /* library stream initialised */
	pid_t pid, feeder;      /* the tool (or child decoder) and the process feeding it */
	int errfd;              /* MODE_CHILD: the child's error message, if it fails */
	const char *tool;
#ifdef HAVE_ZLIB
	z_stream z;
#endif
#ifdef HAVE_BZIP2
	bz_stream bz;
#endif
#ifdef HAVE_LZMA
	lzma_stream xz;
#endif
#ifdef HAVE_ZSTD
	ZSTD_DStream *zs;
	size_t zret;            /* last ZSTD_decompressStream result: 0 at a frame end */
#endif
};

static const char *const kind_name[] = {
	[DECOMP_NONE] = "none",
	[DECOMP_GZIP] = "gzip",
	[DECOMP_BZIP2] = "bzip2",
	[DECOMP_XZ] = "xz",
	[DECOMP_ZSTD] = "zstd",
};

enum decomp_kind decomp_sniff(const unsigned char *p, size_t n)
{
	if (n >= 2 && p[0] == 0x1f && p[1] == 0x8b)
		return DECOMP_GZIP;
	if (n >= 3 && p[0] == 'B' && p[1] == 'Z' && p[2] == 'h')
		return DECOMP_BZIP2;
	if (n >= 6 && !memcmp(p, "\xfd" "7zXZ\0", 6))
		return DECOMP_XZ;
	if (n >= 4 && !memcmp(p, "\x28\xb5\x2f\xfd", 4))
		return DECOMP_ZSTD;
	return DECOMP_NONE;
}

const char *decomp_builtin(void)
{
	return ""
#ifdef HAVE_ZLIB
		"zlib "
#endif
#ifdef HAVE_BZIP2
		"bzip2 "
#endif
#ifdef HAVE_LZMA
		"lzma "
#endif
#ifdef HAVE_ZSTD
		"zstd "
#endif
		;
}

static int has_lib(enum decomp_kind k)
{
	switch (k) {
#ifdef HAVE_ZLIB
	case DECOMP_GZIP: return 1;
#endif
#ifdef HAVE_BZIP2
	case DECOMP_BZIP2: return 1;
#endif
#ifdef HAVE_LZMA
	case DECOMP_XZ: return 1;
#endif
#ifdef HAVE_ZSTD
	case DECOMP_ZSTD: return 1;
#endif
	default: return 0;
	}
}

static ssize_t read_some(int fd, void *p, size_t n)
{
	for (;;) {
		ssize_t r = read(fd, p, n);
		if (r >= 0 || errno != EINTR)
			return r < 0 ? -errno : r;
	}
}

/* Refill the input buffer when it is used up. 0 or negative code. */
static int in_fill(struct decomp *d)
{
	if (d->pos < d->len || d->in_eof)
		return 0;
	ssize_t r = read_some(d->fd, d->in, DECOMP_INBUF);
	if (r < 0)
		return errf((int)r, "decompress: read: %s", strerror((int)-r));
	d->pos = 0;
	d->len = (size_t)r;
	if (r == 0)
		d->in_eof = 1;
	return 0;
}

/* After one stream ended: whether another follows. Trailing zero bytes
 * (padding to a block size) are ignored. 1, 0, or negative code. */
static int next_stream(struct decomp *d)
{
	for (;;) {
		int r = in_fill(d);
		if (r)
			return r;
		if (d->pos == d->len)
			return 0;
		if (d->in[d->pos] != 0)
			break;
		while (d->pos < d->len && d->in[d->pos] == 0)
			d->pos++;
	}
	/* Make sure enough of the next header is here to recognise it. */
	if (d->len - d->pos < 6 && !d->in_eof) {
		memmove(d->in, d->in + d->pos, d->len - d->pos);
		d->len -= d->pos;
		d->pos = 0;
		while (d->len < 6 && !d->in_eof) {
			ssize_t r = read_some(d->fd, d->in + d->len, DECOMP_INBUF - d->len);
			if (r < 0)
				return errf((int)r, "decompress: read: %s", strerror((int)-r));
			if (r == 0)
				d->in_eof = 1;
			d->len += (size_t)r;
		}
	}
	if (decomp_sniff(d->in + d->pos, d->len - d->pos) != d->kind)
		return errf(-SPROUT_ERR_FORMAT, "decompress: %s: trailing garbage after the compressed data",
			kind_name[d->kind]);
	return 1;
}

static int truncated(struct decomp *d)
{
	return errf(-SPROUT_ERR_FORMAT, "decompress: %s: unexpected end of compressed data",
		kind_name[d->kind]);
}

#if defined(HAVE_ZLIB) || defined(HAVE_BZIP2) || defined(HAVE_LZMA) || defined(HAVE_ZSTD)
static int corrupt(struct decomp *d, const char *what)
{
	return errf(-SPROUT_ERR_FORMAT, "decompress: %s: %s", kind_name[d->kind], what);
}
#endif

/* Each library step: decode into out[0..n) from the input buffer, setting
 * *got; at a stream's end set *end. 0 or negative code. */
#ifdef HAVE_ZLIB
static int gz_step(struct decomp *d, unsigned char *out, size_t n, size_t *got, int *end)
{
	if (!d->started) {
		memset(&d->z, 0, sizeof d->z);
		if (inflateInit2(&d->z, 15 + 16) != Z_OK)
			return -ENOMEM;
		d->started = 1;
	}
	if (n > 1u << 30)
		n = 1u << 30;
	d->z.next_in = d->in + d->pos;
	d->z.avail_in = (uInt)(d->len - d->pos);
	d->z.next_out = out;
	d->z.avail_out = (uInt)n;
	int zr = inflate(&d->z, Z_NO_FLUSH);
	d->pos = d->len - d->z.avail_in;
	*got = n - d->z.avail_out;
	if (zr == Z_STREAM_END) {
		*end = 1;
		return inflateReset(&d->z) == Z_OK ? 0 : -ENOMEM;
	}
	if (zr == Z_OK || (zr == Z_BUF_ERROR && !d->in_eof))
		return 0;
	if (zr == Z_MEM_ERROR)
		return -ENOMEM;
	if (zr == Z_BUF_ERROR)
		return truncated(d);
	return corrupt(d, d->z.msg ? d->z.msg : "corrupt data");
}
#endif

#ifdef HAVE_BZIP2
static int bz_step(struct decomp *d, unsigned char *out, size_t n, size_t *got, int *end)
{
	if (!d->started) {
		memset(&d->bz, 0, sizeof d->bz);
		if (BZ2_bzDecompressInit(&d->bz, 0, 0) != BZ_OK)
			return -ENOMEM;
		d->started = 1;
	}
	if (n > 1u << 30)
		n = 1u << 30;
	d->bz.next_in = (char *)(d->in + d->pos);
	d->bz.avail_in = (unsigned)(d->len - d->pos);
	d->bz.next_out = (char *)out;
	d->bz.avail_out = (unsigned)n;
	int br = BZ2_bzDecompress(&d->bz);
	d->pos = d->len - d->bz.avail_in;
	*got = n - d->bz.avail_out;
	if (br == BZ_STREAM_END) {
		*end = 1;
		BZ2_bzDecompressEnd(&d->bz);
		d->started = 0;
		return 0;
	}
	if (br == BZ_OK) {
		if (d->in_eof && d->pos == d->len && *got == 0)
			return truncated(d);
		return 0;
	}
	if (br == BZ_MEM_ERROR)
		return -ENOMEM;
	return corrupt(d, "corrupt data");
}
#endif

#ifdef HAVE_LZMA
static int xz_step(struct decomp *d, unsigned char *out, size_t n, size_t *got, int *end)
{
	if (!d->started) {
		lzma_stream init = LZMA_STREAM_INIT;
		d->xz = init;
		/* LZMA_CONCATENATED reads every stream and the padding between. */
		if (lzma_stream_decoder(&d->xz, UINT64_MAX, LZMA_CONCATENATED) != LZMA_OK)
			return -ENOMEM;
		d->started = 1;
	}
	d->xz.next_in = d->in + d->pos;
	d->xz.avail_in = d->len - d->pos;
	d->xz.next_out = out;
	d->xz.avail_out = n;
	lzma_ret lr = lzma_code(&d->xz, d->in_eof ? LZMA_FINISH : LZMA_RUN);
	d->pos = d->len - d->xz.avail_in;
	*got = n - d->xz.avail_out;
	switch (lr) {
	case LZMA_STREAM_END:
		*end = 2;       /* all streams: no next_stream() */
		return 0;
	case LZMA_OK:
		return 0;
	case LZMA_BUF_ERROR:
		return d->in_eof ? truncated(d) : 0;
	case LZMA_MEM_ERROR:
		return -ENOMEM;
	case LZMA_MEMLIMIT_ERROR:
		return corrupt(d, "memory limit reached");
	case LZMA_FORMAT_ERROR:
		return corrupt(d, "not in xz format");
	case LZMA_OPTIONS_ERROR:
		return corrupt(d, "unsupported options");
	default:
		return corrupt(d, "corrupt data");
	}
}
#endif

#ifdef HAVE_ZSTD
static int zs_step(struct decomp *d, unsigned char *out, size_t n, size_t *got, int *end)
{
	if (!d->started) {
		d->zs = ZSTD_createDStream();
		if (!d->zs || ZSTD_isError(ZSTD_initDStream(d->zs)))
			return -ENOMEM;
		d->started = 1;
		d->zret = 1;
	}
	ZSTD_inBuffer ib = { d->in + d->pos, d->len - d->pos, 0 };
	ZSTD_outBuffer ob = { out, n, 0 };
	size_t zr = ZSTD_decompressStream(d->zs, &ob, &ib);
	d->pos += ib.pos;
	*got = ob.pos;
	if (ZSTD_isError(zr))
		return corrupt(d, ZSTD_getErrorName(zr));
	/* Called with nothing to do, zstd answers for a next frame. */
	if (ib.size || ob.pos)
		d->zret = zr;
	/* Frames follow each other without a break; at the end of the input
	 * the last one must be complete. */
	if (d->in_eof && d->pos == d->len && ob.pos < n) {
		if (d->zret != 0)
			return truncated(d);
		*end = 2;
	}
	return 0;
}
#endif

static void lib_end(struct decomp *d)
{
	if (!d->started)
		return;
	switch (d->kind) {
#ifdef HAVE_ZLIB
	case DECOMP_GZIP: inflateEnd(&d->z); break;
#endif
#ifdef HAVE_BZIP2
	case DECOMP_BZIP2: BZ2_bzDecompressEnd(&d->bz); break;
#endif
#ifdef HAVE_LZMA
	case DECOMP_XZ: lzma_end(&d->xz); break;
#endif
#ifdef HAVE_ZSTD
	case DECOMP_ZSTD: ZSTD_freeDStream(d->zs); break;
#endif
	default: break;
	}
	d->started = 0;
}

static ssize_t lib_read(struct decomp *d, unsigned char *out, size_t n)
{
	(void)out;      /* unused when no library is built in */
	(void)n;
	for (;;) {
		int r = in_fill(d);
		if (r)
			return r;
		size_t got = 0;
		int end = 0;
		switch (d->kind) {
#ifdef HAVE_ZLIB
		case DECOMP_GZIP: r = gz_step(d, out, n, &got, &end); break;
#endif
#ifdef HAVE_BZIP2
		case DECOMP_BZIP2: r = bz_step(d, out, n, &got, &end); break;
#endif
#ifdef HAVE_LZMA
		case DECOMP_XZ: r = xz_step(d, out, n, &got, &end); break;
#endif
#ifdef HAVE_ZSTD
		case DECOMP_ZSTD: r = zs_step(d, out, n, &got, &end); break;
#endif
		default: r = -EINVAL; break;
		}
		if (r)
			return r;
		if (end == 1) {
			r = next_stream(d);
			if (r < 0)
				return r;
			if (r == 0)
				end = 2;
		}
		if (end == 2)
			d->eof = 1;
		if (got || d->eof)
			return (ssize_t)got;
		if (d->in_eof && d->pos == d->len)
			return truncated(d);
	}
}

/* Build "dir/name" for every PATH entry before forking, so that the child
 * only needs execve. Returns a NULL-terminated array (caller frees each). */
static char **tool_paths(const char *name)
{
	const char *path = getenv("PATH");
	if (!path || !*path)
		path = "/usr/local/bin:/usr/bin:/bin";
	size_t n = 2;
	for (const char *p = path; *p; p++)
		n += *p == ':';
	char **v = xcalloc(n, sizeof *v);
	size_t k = 0;
	for (const char *p = path;;) {
		const char *e = strchr(p, ':');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		v[k++] = len ? xasprintf("%.*s/%s", (int)len, p, name) : xasprintf("./%s", name);
		if (!e)
			break;
		p = e + 1;
	}
	v[k] = NULL;
	return v;
}

static void free_paths(char **v)
{
	for (size_t i = 0; v[i]; i++)
		free(v[i]);
	free(v);
}

/* A pipe and a child process that writes into it: 0 in the child (with
 * SIGPIPE at its default, so that it ends when the reader has gone), the
 * child's pid in the parent, or -errno with nothing left open. */
static pid_t fork_writer(int p[2])
{
	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	pid_t pid = fork();
	if (pid < 0) {
		int r = -errno;
		close(p[0]);
		close(p[1]);
		return r;
	}
	if (pid == 0) {
		struct sigaction sa;
		memset(&sa, 0, sizeof sa);
		sa.sa_handler = SIG_DFL;
		sigaction(SIGPIPE, &sa, NULL);
	}
	return pid;
}

/* Start the tool reading from in and writing to a new pipe; d->fd becomes
 * the pipe. in is closed here. 0 or negative code. */
static int tool_start(struct decomp *d, int in)
{
	static const char *const tools[] = {
		[DECOMP_GZIP] = "gzip", [DECOMP_BZIP2] = "bzip2",
		[DECOMP_XZ] = "xz", [DECOMP_ZSTD] = "zstd",
	};
	int r = -EINVAL;
	int p[2];
	d->tool = tools[d->kind];
	char **paths = tool_paths(d->tool);
	char *argv[] = { (char *)d->tool, "-dc", NULL };
	pid_t pid = fork_writer(p);
	if (pid < 0) {
		r = (int)pid;
		goto out;
	}
	if (pid == 0) {
		if (dup2(in, 0) < 0 || dup2(p[1], 1) < 0)
			_exit(127);
		for (size_t i = 0; paths[i]; i++)
			execve(paths[i], argv, environ);
		_exit(127);
	}
	close(p[1]);
	d->pid = pid;
	d->fd = p[0];
	r = 0;
out:
	close(in);
	free_paths(paths);
	return r;
}

/* For input that cannot seek back: a child writes the bytes already read,
 * then copies the rest of fd, into a pipe for the tool. Returns the pipe's
 * read end or a negative code. */
static int feeder_start(struct decomp *d)
{
	int p[2];
	pid_t pid = fork_writer(p);
	if (pid < 0)
		return (int)pid;
	if (pid == 0) {
		unsigned char *b = d->in;
		size_t off = d->pos, len = d->len;
		for (;;) {
			while (off < len) {
				ssize_t w = write(p[1], b + off, len - off);
				if (w < 0 && errno == EINTR)
					continue;
				if (w < 0)
					_exit(1);
				off += (size_t)w;
			}
			ssize_t n = read(d->fd, b, DECOMP_INBUF);
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0)
				_exit(1);
			if (n == 0)
				_exit(0);
			off = 0;
			len = (size_t)n;
		}
	}
	close(p[1]);
	close(d->fd);
	d->fd = -1;
	d->feeder = pid;
	return p[0];
}

/* MODE_CHILD: bzip2 and xz decode at a few tens of MB/s, as slow as
 * writing what they give out, so a child process decodes (with the
 * library, as MODE_LIB would here) while this one goes on with the bytes:
 * on two cores, the time of the slower of the two rather than their sum,
 * as `tar -xjf` gets by running bzip2 beside it. A decoding error comes
 * back as the child's "CODE MESSAGE" on d->errfd. d->fd becomes the pipe.
 * 0 or negative code (then nothing was started). */
static int child_start(struct decomp *d)
{
	int p[2], e[2];
	if (pipe2(e, O_CLOEXEC) < 0)
		return -errno;
	pid_t pid = fork_writer(p);
	if (pid < 0) {
		close(e[0]);
		close(e[1]);
		return (int)pid;
	}
	if (pid == 0) {
		close(p[0]);
		close(e[0]);
		d->mode = MODE_LIB;
		unsigned char *buf = xmalloc(DECOMP_INBUF);
		for (;;) {
			ssize_t n = lib_read(d, buf, DECOMP_INBUF);
			if (n < 0) {
				char msg[1024];
				int k = snprintf(msg, sizeof msg, "%d %s", (int)n, err_msg((int)n));
				if (k > 0 && write(e[1], msg, (size_t)k < sizeof msg ? (size_t)k : sizeof msg - 1) < 0)
					_exit(2);
				_exit(1);
			}
			for (ssize_t off = 0; off < n;) {
				ssize_t w = write(p[1], buf + off, (size_t)(n - off));
				if (w < 0 && errno == EINTR)
					continue;
				if (w < 0)
					_exit(2);
				off += w;
			}
			if (n == 0 || d->eof)
				_exit(0);
		}
	}
	close(p[1]);
	close(e[1]);
	close(d->fd);
	d->fd = p[0];
	d->errfd = e[0];
	d->pid = pid;
	d->mode = MODE_CHILD;
	return 0;
}

/* Wait for d's tool or child decoder, whose output has ended: 0 when it
 * exited with 0, 1 when it did not (*status says how), or a negative code. */
static int reap(struct decomp *d, int *status)
{
	int r = proc_wait(d->pid, status);
	d->pid = -1;
	if (r)
		return r;
	return !(WIFEXITED(*status) && WEXITSTATUS(*status) == 0);
}

/* The child decoder's output ended: its exit says whether that was the
 * end of the data, its message what went wrong. 0 or negative code. */
static int child_finish(struct decomp *d)
{
	int status;
	int r = reap(d, &status);
	if (r <= 0)
		return r;
	char msg[1024];
	ssize_t n = read_some(d->errfd, msg, sizeof msg - 1);
	msg[n > 0 ? n : 0] = 0;
	char *sp = strchr(msg, ' ');
	int code = (int)strtol(msg, NULL, 10);
	if (sp && code < 0)
		return errf(code, "%s", sp + 1);
	if (WIFSIGNALED(status))
		return errf(-SPROUT_ERR_FORMAT, "decompress: %s: the decoder was killed by signal %d", kind_name[d->kind],
			    WTERMSIG(status));
	return errf(-EIO, "decompress: %s: the decoder failed (exit status %d)", kind_name[d->kind],
		    WEXITSTATUS(status));
}

static int open_with(int fd, int external, struct decomp **out)
{
	struct decomp *d = xcalloc(1, sizeof *d);
	int r = -EIO;
	off_t start = lseek(fd, 0, SEEK_CUR);
	d->fd = fd;
	d->pid = d->feeder = -1;
	d->errfd = -1;
	d->in = xmalloc(DECOMP_INBUF);
	/* Read enough to recognise the format. */
	while (d->len < 6 && !d->in_eof) {
		ssize_t n = read_some(fd, d->in + d->len, DECOMP_INBUF - d->len);
		if (n < 0) {
			r = errf((int)n, "decompress: read: %s", strerror((int)-n));
			goto out;
		}
		if (n == 0)
			d->in_eof = 1;
		d->len += (size_t)n;
	}
	d->kind = decomp_sniff(d->in, d->len);
	if (d->kind == DECOMP_NONE) {
		d->mode = MODE_PASS;
	} else if (has_lib(d->kind) && !external) {
		d->mode = MODE_LIB;
		if ((d->kind == DECOMP_BZIP2 || d->kind == DECOMP_XZ) && (r = child_start(d)) != 0)
			goto out;
	} else {
		d->mode = MODE_TOOL;
		int in;
		if (start >= 0 && lseek(fd, start, SEEK_SET) == start) {
			in = fd;
		} else {
			in = feeder_start(d);
			if (in < 0) {
				r = in;
				goto out;
			}
		}
		d->fd = -1;
		r = tool_start(d, in);
		if (r)
			goto out;
		d->pos = d->len = 0;
	}
	*out = d;
	return 0;
out:
	decomp_close(d);
	return r;
}

int decomp_open(int fd, struct decomp **out)
{
	return open_with(fd, 0, out);
}

int decomp_open_external(int fd, struct decomp **out)
{
	return open_with(fd, 1, out);
}

/* The tool's output ended: its exit status says whether that was the
 * whole of the data. 0 or negative code. */
static int tool_finish(struct decomp *d)
{
	int status;
	int r = reap(d, &status);
	if (r <= 0)
		return r;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
		return errf(-ENOENT, "decompress: cannot run %s", d->tool);
	if (WIFSIGNALED(status))
		return errf(-SPROUT_ERR_FORMAT, "decompress: %s -dc killed by signal %d",
			d->tool, WTERMSIG(status));
	return errf(-SPROUT_ERR_FORMAT, "decompress: %s -dc failed (exit status %d)",
		d->tool, WEXITSTATUS(status));
}

ssize_t decomp_read(struct decomp *d, void *buf, size_t n)
{
	if (d->err)
		return d->err;
	if (d->eof || n == 0)
		return 0;
	ssize_t r;
	switch (d->mode) {
	case MODE_PASS:
		if (d->pos < d->len) {
			size_t k = d->len - d->pos < n ? d->len - d->pos : n;
			memcpy(buf, d->in + d->pos, k);
			d->pos += k;
			return (ssize_t)k;
		}
		r = read_some(d->fd, buf, n);
		if (r < 0)
			r = errf((int)r, "read: %s", strerror((int)-r));
		break;
	case MODE_LIB:
		r = lib_read(d, buf, n);
		break;
	case MODE_CHILD:
		r = read_some(d->fd, buf, n);
		if (r < 0)
			r = errf((int)r, "decompress: read from the %s decoder: %s", kind_name[d->kind],
				 strerror((int)-r));
		else if (r == 0)
			r = child_finish(d);
		break;
	default:
		r = read_some(d->fd, buf, n);
		if (r < 0)
			r = errf((int)r, "decompress: read from %s: %s", d->tool, strerror((int)-r));
		else if (r == 0)
			r = tool_finish(d);
		break;
	}
	if (r < 0)
		d->err = (int)r;
	else if (r == 0)
		d->eof = 1;
	return r;
}

int decomp_close(struct decomp *d)
{
	int status;
	if (!d)
		return 0;
	int r = d->err;
	lib_end(d);
	if (d->pid > 0) {
		/* The caller stopped before the end: the tool's (or the
		 * child decoder's) outcome no longer matters. */
		kill(d->pid, SIGKILL);
		proc_wait(d->pid, &status);
	}
	if (d->feeder > 0) {
		kill(d->feeder, SIGKILL);
		proc_wait(d->feeder, &status);
	}
	if (d->fd >= 0)
		close(d->fd);
	if (d->errfd >= 0)
		close(d->errfd);
	free(d->in);
	free(d);
	return r;
}
