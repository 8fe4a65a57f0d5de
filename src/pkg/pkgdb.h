#ifndef SPROUT_PKGDB_H
#define SPROUT_PKGDB_H

#include <stddef.h>

#include "pkg/pkg.h"
#include "core/util.h"

/* The database of a root's installed packages and its transaction
 * history: one file, ROOT/var/lib/sprout/db, replaced whole by a rename
 * at the end of every transaction (docs/package.md). */

struct pkgdb_pkg {
	struct pkg_meta meta;
	struct pkg_manifest man;
	char *meta_text, *man_text;     /* the bytes from the package */
	size_t meta_len, man_len;
	unsigned char sha256[32];       /* of the package file */
};

/* One package a transaction added (+) or took away (-). */
struct pkgdb_change {
	char op;
	char *name, *version, *release;
	unsigned char sha256[32];
};

struct pkgdb_txn {
	unsigned long id;
	long long time;                 /* seconds since the epoch */
	char *what;                     /* "install a b", "remove c", "rollback 3" */
	struct pkgdb_change *c;
	size_t n;
};

struct pkgdb {
	char *arch;                     /* the root's arch, or NULL before the first install */
	struct pkgdb_pkg **p;           /* sorted by name */
	size_t n;
	struct pkgdb_txn *t;            /* in order */
	size_t nt;
	int borrowed;                   /* p's packages belong to another db */
};

/* The longest line of the database (a transaction's line with its
 * description): a longer one is refused when it would be written. */
enum { PKGDB_LINE_MAX = 8192 };

/* Parse the database text. SPROUT_ERR_FORMAT with errf(). *db is freed with
 * pkgdb_free. */
int pkgdb_parse(const char *text, size_t n, struct pkgdb *db);
/* Append the database's text to out. */
void pkgdb_format(const struct pkgdb *db, struct buf *out);
void pkgdb_free(struct pkgdb *db);
/* The index of the package called name, or -1. */
int pkgdb_find(const struct pkgdb *db, const char *name);
/* Add p (owned by db unless borrowed), keeping the order by name. */
void pkgdb_add(struct pkgdb *db, struct pkgdb_pkg *p);
void pkgdb_pkg_free(struct pkgdb_pkg *p);
/* A new package record from the text of its metadata and manifest
 * (copied). 0 or negative code. */
int pkgdb_pkg_new(const char *meta, size_t ml, const char *man, size_t nl, const unsigned char sha256[32],
		  struct pkgdb_pkg **out);
/* As pkgdb_pkg_new, with man parsed already (parsed: pkg_manifest_parse of
 * it), which is copied rather than parsed again; NULL parses it. */
int pkgdb_pkg_new_parsed(const char *meta, size_t ml, const char *man, size_t nl, const struct pkg_manifest *parsed,
			 const unsigned char sha256[32], struct pkgdb_pkg **out);

/* The packages installed after transaction id (0: before the first), as
 * '+' changes sorted by name, replayed from the history. SPROUT_ERR_NOTFOUND
 * when there is no such transaction. Free with pkgdb_changes_free. */
int pkgdb_state_at(const struct pkgdb *db, unsigned long id, struct pkgdb_change **out, size_t *n);
void pkgdb_changes_free(struct pkgdb_change *c, size_t n);

/* Paths to the packages and entries that have them. */
struct pkgdb_owner {
	struct pkgdb_pkg *pkg;
	const struct pkg_entry *e;
	int tag;                        /* the caller's */
	struct pkgdb_owner *next;       /* another owner of the same path */
};
struct pkgdb_map;
struct pkgdb_map *pkgdb_map_new(size_t hint);
/* Add an owner of e->path (the entry must outlive the map). */
void pkgdb_map_add(struct pkgdb_map *m, struct pkgdb_pkg *p, const struct pkg_entry *e, int tag);
/* The owners of path (the last added first), or NULL. */
struct pkgdb_owner *pkgdb_map_get(const struct pkgdb_map *m, const char *path);
void pkgdb_map_free(struct pkgdb_map *m);

#endif
