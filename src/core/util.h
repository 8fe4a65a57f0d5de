#ifndef SPROUT_UTIL_H
#define SPROUT_UTIL_H

#include <dirent.h>
#include <stddef.h>
#include <sys/types.h>

/* Allocation wrappers: succeed or end the program (out of memory is the one
 * failure that may do that). Callers own and free() what they return. */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t m);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 1, 2)))
#endif
	;

/* A growable byte buffer; s is always NUL-terminated once anything was added. */
struct buf {
	char *s;
	size_t len, cap;
};
void buf_add(struct buf *b, const void *p, size_t n);
void buf_adds(struct buf *b, const char *s);
void buf_addc(struct buf *b, int c);
void buf_addf(struct buf *b, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 2, 3)))
#endif
	;
/* Take ownership of the buffer's string (never NULL) and reset b. */
char *buf_take(struct buf *b);
void buf_free(struct buf *b);

/* A growable array of owned strings, NULL-terminated. */
struct strv {
	char **v;
	size_t n, cap;
};
void strv_add(struct strv *sv, const char *s);      /* copies s */
void strv_addown(struct strv *sv, char *s);         /* takes s */
void strv_free(struct strv *sv);
/* Free the n strings of v (v may be NULL), then v. */
void strs_free(char **v, size_t n);
/* A read buffer's unread bytes [*pos, *len) moved to its start, to make
 * room at its end: *len becomes the count, *pos 0. */
void bytes_unread_to_front(unsigned char *buf, size_t *pos, size_t *len);
/* free() each of the n pointers of v; FREE_ALL(a, b, ...) for a list. */
void free_each(void *const *v, size_t n);
#define FREE_ALL(...) free_each((void *const[]){__VA_ARGS__}, sizeof((void *const[]){__VA_ARGS__}) / sizeof(void *))

/* Read a whole file into b (appending). 0 or -errno. */
int file_read(const char *path, struct buf *b);
/* file_read of name relative to the directory dirfd (or AT_FDCWD). */
int file_read_at(int dirfd, const char *name, struct buf *b);
/* The last line of the file at path with text on it, without its line end
 * and trailing blanks, for an error that quotes a log (caller frees); NULL
 * when the file cannot be read or has no such line. */
char *file_last_line(const char *path);
/* Append what is left to read of fd to b (NUL-terminated). 0 or -errno. */
int fd_read(int fd, struct buf *b);
/* Read fd to its end in pieces of at most cap bytes at buf, going on after
 * EINTR, and give each to fn(arg, piece, n), stopping at fn's first
 * non-zero return. 0, that return, or -errno of a failed read. */
int fd_each_chunk(int fd, void *buf, size_t cap, int (*fn)(void *arg, const void *p, size_t n), void *arg);
/* Write all n bytes at p to fd, going on after EINTR. 0 or -errno. */
int fd_write_all(int fd, const void *p, size_t n);
/* fd_write_all at the offset off of fd (pwrite: its file offset stays). 0,
 * -errno, or -EIO when the device takes nothing. */
int fd_pwrite_all(int fd, const void *p, size_t n, long long off);
/* Copy the file at src to dst (created with mode 0644, or truncated), in
 * place: not atomic, not synced. 0 or -errno. */
int file_copy(const char *src, const char *dst);
/* Write data to path through a temporary file in the same directory,
 * fsync it and rename it into place. 0 or -errno. */
int file_write_atomic(const char *path, const void *data, size_t n);
/* fsync the directory at path. 0 or -errno. */
int dir_sync(const char *path);
/* syncfs() the file system that holds the directory at path: every file
 * written there reaches the disk (one call, however many files). 0 or
 * -errno. */
int fs_sync(const char *path);

/* fdopendir(fd); NULL with errno when fd is negative (from a failed open
 * or dup) or that fails, closing fd. The caller closedir()s. */
DIR *dir_fdopen(int fd);
/* Add the names in the directory at path that end in suffix (every name
 * when suffix is NULL) to out, sorted; never "." or "..". 0 or -errno. */
int dir_list(const char *path, const char *suffix, struct strv *out);

/* mkdir -p with mode for missing components. 0 or -errno. */
int mkdir_p(const char *path, mode_t mode);
/* rm -rf: remove path and all beneath it, making directories writable
 * first; never follows symlinks. A missing path is not an error. 0 or -errno. */
int rm_rf(const char *path);
/* Copy the tree at src into dst (created), keeping modes and symlinks;
 * hardlink regular files instead of copying when link is non-zero and
 * possible. 0 or -errno. */
int tree_copy(const char *src, const char *dst, int link);

/* Lower-case hex of the n bytes at d into out (2n + 1 bytes with the NUL). */
void hex_encode(const unsigned char *d, size_t n, char *out);

/* Join a and b with one '/'. Caller frees. */
char *path_join(const char *a, const char *b);
/* Whether path exists (lstat succeeds). */
int path_exists(const char *path);
/* Where the relative link target t, in a directory depth components below
 * a root, leads when resolved lexically: PATH_LINK_INSIDE the root,
 * PATH_LINK_ABOVE it, or PATH_LINK_NAME_DOTDOT for a ".." after a name
 * (that name might be a link, and then the lexical answer is wrong). */
enum path_link { PATH_LINK_INSIDE, PATH_LINK_ABOVE, PATH_LINK_NAME_DOTDOT };
enum path_link path_link_where(const char *t, size_t depth);
/* Directory part of path (caller frees); "." when there is none. */
char *path_dirname(const char *path);

/* Wait for the child pid to end, going on after EINTR; its wait status
 * into *status. 0 or -errno. */
int proc_wait(pid_t pid, int *status);

/* The host's machine name as sprout names arches (uname -m). Static storage. */
const char *host_arch(void);

/* Monotonic time in seconds. */
double now_sec(void);

#endif
