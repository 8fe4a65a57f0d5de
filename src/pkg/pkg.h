#ifndef SPROUT_PKG_H
#define SPROUT_PKG_H

#include <stddef.h>

#include "core/util.h"

/* The parts of a package that are text (docs/package.md): its metadata,
 * its manifest (docs/manifest.md), versions and dependency atoms. Parsers
 * accept only the canonical form the formatters write, so the same
 * package always has the same bytes. */

enum {
	PKG_META_MAX = 64 * 1024,               /* bytes of metadata */
	PKG_MANIFEST_MAX = 64 * 1024 * 1024,    /* bytes of manifest */
	PKG_PATH_MAX = 4096,                    /* bytes of a path or link target */
};

/* A dependency atom: NAME, or NAME OP VERSION[-RELEASE]. */
enum pkg_op { PKG_OP_ANY, PKG_OP_EQ, PKG_OP_GE, PKG_OP_LE, PKG_OP_GT, PKG_OP_LT };

struct pkg_dep {
	char *name;
	enum pkg_op op;
	char *version;          /* NULL for PKG_OP_ANY */
};

struct pkg_meta {
	char *name, *version, *release, *arch, *license, *description;
	struct pkg_dep *depends, *provides, *conflicts;
	size_t ndepends, nprovides, nconflicts;
	char *step_key;         /* hex, or NULL */
	char *build_digest;     /* hex */
	unsigned long long installed_size;
};

/* One manifest line. */
struct pkg_entry {
	char type;              /* 'f', 'd' or 'l' */
	unsigned mode;
	unsigned long long size;
	unsigned char sha256[32];
	char *path;             /* unescaped */
	char *target;           /* links: unescaped; else NULL */
};

struct pkg_manifest {
	struct pkg_entry *e;    /* sorted by path, bytewise */
	size_t n;
};

/* Parse canonical metadata text (n bytes). SPROUT_ERR_FORMAT, or SPROUT_ERR_UNSAFE for
 * values that would be dangerous, with errf() naming what and where; *m is
 * the caller's (pkg_meta_free) on success. */
int pkg_meta_parse(const char *text, size_t n, struct pkg_meta *m);
/* Append the canonical text of m to out. */
void pkg_meta_format(const struct pkg_meta *m, struct buf *out);
void pkg_meta_free(struct pkg_meta *m);
/* Check the values of m a writer fills in: names, versions, arch, the
 * digests. 0 or SPROUT_ERR_USAGE with errf() saying which. */
int pkg_meta_check(const struct pkg_meta *m);

/* Parse a manifest (docs/manifest.md) strictly for installing: canonical
 * lines, sorted and unique paths, every parent listed as a directory before
 * its entries, no '.', '..' or empty components, no device, fifo or socket,
 * no link whose relative target climbs above the root, nothing under
 * var/lib/sprout or var/cache/sprout, no name starting ".sprout-tx.".
 * SPROUT_ERR_FORMAT or SPROUT_ERR_UNSAFE with errf() naming the line. */
int pkg_manifest_parse(const char *text, size_t n, struct pkg_manifest *out);
/* Append the manifest text of m to out (the header line included). */
void pkg_manifest_format(const struct pkg_manifest *m, struct buf *out);
/* Append one entry's line (with its newline). */
void pkg_entry_format(const struct pkg_entry *e, struct buf *out);
/* A deep copy of from into to (freed with pkg_manifest_free). */
void pkg_manifest_copy(const struct pkg_manifest *from, struct pkg_manifest *to);
void pkg_manifest_free(struct pkg_manifest *m);
/* The sum of the sizes of m's regular files. */
unsigned long long pkg_manifest_bytes(const struct pkg_manifest *m);

/* Append s with bytes outside 0x21..0x7e and '\' written as \xHH. */
void pkg_escape(struct buf *out, const char *s);
/* Undo pkg_escape on n bytes of s into a new string; NULL when malformed
 * (a bad or non-canonical escape, a NUL). Caller frees. */
char *pkg_unescape(const char *s, size_t n);

/* Compare versions: segments of digits compare as numbers, of letters
 * bytewise, digits after letters; '~' before anything, even the end.
 * <0, 0 or >0. */
int pkg_vercmp(const char *a, const char *b);
/* Compare VERSION-RELEASE pairs: versions, then releases as numbers. */
int pkg_evrcmp(const char *va, const char *ra, const char *vb, const char *rb);
/* Parse a dependency atom "NAME", "NAME>=1.2", "NAME=1.2-3" ... 0 or
 * SPROUT_ERR_FORMAT; d is the caller's (pkg_dep_free). */
int pkg_dep_parse(const char *s, size_t n, struct pkg_dep *d);
/* Append the atom's text. */
void pkg_dep_format(const struct pkg_dep *d, struct buf *out);
void pkg_dep_free(struct pkg_dep *d);
/* Whether a package name with version-release (or a provided name with
 * its version, release NULL; version NULL when it provides no version)
 * satisfies d. */
int pkg_dep_match(const struct pkg_dep *d, const char *name, const char *version, const char *release);
/* Whether package m satisfies d by its name or one of its provides. */
int pkg_meta_satisfies(const struct pkg_meta *m, const struct pkg_dep *d);

/* errf() putting the text of fmt in front of the message stored for r:
 * "TEXT: MESSAGE". Returns r as a negative code. */
int pkg_errwrap(int r, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 2, 3)))
#endif
	;

/* Whether s is a package name: [a-z0-9][a-z0-9._+-]*, at most 128 bytes. */
int pkg_name_ok(const char *s, size_t n);
/* Whether s is a version: [A-Za-z0-9._+~], starting with a digit or
 * letter, at most 128 bytes. */
int pkg_version_ok(const char *s, size_t n);

#endif
