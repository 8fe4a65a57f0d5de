#ifndef SPROUT_CMD_PKG_H
#define SPROUT_CMD_PKG_H

/* Shared by cmd_pkg.c (the root's verbs) and cmd_pkgrepo.c (making and
 * publishing packages). */

#include "cli/cmd.h"
#include "pkg/pkgtx.h"
#include "core/util.h"

struct pkgopts {
	const char *verb;
	const char *root, *keys, *out, *key, *compress;
	const char *release, *license, *description;
	const char *sequence, *expires;
	struct strv repos, depends, provides, conflicts;
	int allow_untrusted, allow_setuid, overwrite, nosync, nocache, nostepkey, allow_downgrade, reinstall;
	struct strv args;       /* the operands */
};

/* The verbs of cmd_pkgrepo.c (build to sign) and the query verbs of
 * cmd_pkgquery.c (list to history); each prints and returns an exit
 * status. */
int cmd_pkg_build(struct ctx *c, struct pkgopts *o);
int cmd_pkg_create(struct ctx *c, struct pkgopts *o);
int cmd_pkg_check(struct ctx *c, struct pkgopts *o);
int cmd_pkg_index(struct ctx *c, struct pkgopts *o);
int cmd_pkg_keygen(struct ctx *c, struct pkgopts *o);
int cmd_pkg_sign(struct ctx *c, struct pkgopts *o);
int cmd_pkg_list(struct ctx *c, struct pkgopts *o);
int cmd_pkg_info(struct ctx *c, struct pkgopts *o);
int cmd_pkg_files(struct ctx *c, struct pkgopts *o);
int cmd_pkg_owner(struct ctx *c, struct pkgopts *o);
int cmd_pkg_verify(struct ctx *c, struct pkgopts *o);
int cmd_pkg_history(struct ctx *c, struct pkgopts *o);
/* Open the root of --root for the verb (created when create), printing
 * what recovery did and errors; 0 or an exit status. */
int cmd_pkg_open_root(struct pkgopts *o, int create, struct pkgroot *rt);

/* --json of list, info and history (cmd_json.c; docs/cli.md). */
void cmd_json_pkg_list(const char *root, const struct pkgdb *db);
void cmd_json_pkg_info(const struct pkg_meta *m, const struct pkg_manifest *man, const unsigned char sha[32]);
void cmd_json_pkg_history(const char *root, const struct pkgdb *db);

/* Print "sprout: pkg VERB: " and err_msg(r), control bytes escaped;
 * returns the exit status for r. */
int cmd_pkg_fail(const struct pkgopts *o, int r);

#endif
