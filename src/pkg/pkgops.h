#ifndef SPROUT_PKGOPS_H
#define SPROUT_PKGOPS_H

#include <stddef.h>

#include "pkg/pkgtx.h"
#include "core/util.h"

/* What sprout pkg install, remove and rollback do to a root, as a library
 * (docs/package.md): packages found in repositories or named as files,
 * checked whole, resolved, and applied in one transaction (pkgtx_run).
 * Nothing here prints: what happened comes back in a pkgops_result. */

struct pkgops_opts {
	const char *arch;       /* the arch asked for (--arch), or NULL */
	const char *keys;       /* the trusted keys' directory, or NULL: ROOT/etc/sprout/keys */
	char **repos;           /* repository directories, or none: the lines of ROOT/etc/sprout/repositories */
	size_t nrepos;
	int allow_untrusted;    /* an unsigned index or a package file in no index may be used */
	int allow_setuid, overwrite, nosync, nocache;   /* as struct pkgtx_opts */
	int allow_downgrade;    /* an installed package may be replaced by an older one */
	int reinstall;          /* install: a package installed with the same bytes is written again */
	long long now;          /* the time indexes must not have expired at; 0: now */
};

/* A package a transaction adds. */
struct pkgops_item {
	char *name, *version, *release;
	char *old_version, *old_release;        /* of the installed package it replaces, or NULL */
	char *needed_by;        /* the package that needs it, or NULL when it was asked for */
};

struct pkgops_result {
	struct buf notes;       /* warnings, one per line (an index used without its signature) */
	struct pkgops_item *add;
	size_t nadd;
	size_t installed, removed;      /* packages, a replaced one counted in both */
	int nothing;            /* nothing to do: the root already is as asked */
	struct pkgtx_stats st;  /* when a transaction ran */
};

/* Install the packages args name (names, dependency atoms, or package
 * files) and what they need into the open root rt, in one transaction;
 * res says what was done (pkgops_result_free). A package file must be in
 * a signed index unless o->allow_untrusted; every package is checked
 * whole before anything is written. 0 or negative code with errf(). */
int pkgops_install(struct pkgroot *rt, const struct pkgops_opts *o, char **args, size_t nargs,
		   struct pkgops_result *res);
/* Remove the installed packages named, in one transaction. 0 or negative
 * code with errf() (-EEXIST when a package staying needs one). */
int pkgops_remove(struct pkgroot *rt, const struct pkgops_opts *o, char **names, size_t n, struct pkgops_result *res);
/* Bring the root back to the packages it had after transaction id, from
 * the root's package cache or the repositories of o->repos. 0 or negative
 * code with errf(). */
int pkgops_rollback(struct pkgroot *rt, const struct pkgops_opts *o, unsigned long id, struct pkgops_result *res);
/* Install the newest version the repositories offer of every installed
 * package (or of those named) that they offer a newer one of, and what
 * that needs, in one transaction; res->nothing when there is none. 0 or
 * negative code with errf(). */
int pkgops_upgrade(struct pkgroot *rt, const struct pkgops_opts *o, char **names, size_t n, struct pkgops_result *res);
/* Write again, in one transaction, every installed package (or those
 * named) that pkg verify finds a difference in, from the root's package
 * cache or the repositories of o->repos: its files, links, modes and
 * directories are as installed afterwards. res->nothing when nothing
 * differs. 0 or negative code with errf(). */
int pkgops_fix(struct pkgroot *rt, const struct pkgops_opts *o, char **names, size_t n, struct pkgops_result *res);
void pkgops_result_free(struct pkgops_result *res);

/* The root's arch: the one it records, which want (when not NULL) must
 * not contradict; else want; else the host's. SPROUT_ERR_USAGE with errf(). */
int pkgops_root_arch(const struct pkgroot *rt, const char *want, const char **arch);

#endif
