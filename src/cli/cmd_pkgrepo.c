/* sprout pkg build, create, check, index, keygen, sign: making packages
 * and repositories (docs/package.md). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "build/cache.h"
#include "cli/cmd_pkg.h"
#include "core/escape.h"
#include "core/err.h"
#include "build/pkgbuild.h"
#include "pkg/pkgrepo.h"
#include "build/plan.h"
#include "core/sha256.h"
#include "core/sign.h"

static int comp_of(const struct pkgopts *o, enum pkg_comp *comp)
{
	if (!o->compress) {
		*comp = pkgfile_have_zstd() ? PKG_COMP_ZSTD : PKG_COMP_NONE;
		return 0;
	}
	if (!strcmp(o->compress, "none")) {
		*comp = PKG_COMP_NONE;
		return 0;
	}
	if (!strcmp(o->compress, "zstd")) {
		if (!pkgfile_have_zstd()) {
			cmd_err("pkg %s: this sprout was built without libzstd: use --compress=none", o->verb);
			return CMD_EXIT_USAGE;
		}
		*comp = PKG_COMP_ZSTD;
		return 0;
	}
	cmd_err("pkg %s: --compress: expected zstd or none, got '%s'", o->verb, o->compress);
	return CMD_EXIT_USAGE;
}

/* A line of what pkg build wrote. */
static void build_note(void *ud, const char *step, const char *line)
{
	(void)ud;
	printf(strchr(line, ':') ? "%s: %s\n" : "%s: wrote %s\n", step, line);
}

int cmd_pkg_build(struct ctx *c, struct pkgopts *o)
{
	struct plan *p = NULL;
	const char *arch;
	struct pkgbuild_opts bo;
	int rc;
	memset(&bo, 0, sizeof bo);
	if ((rc = comp_of(o, &bo.comp)))
		return rc;
	if (o->args.n < 1) {
		cmd_err("pkg build: expected PLAN [STEP...]");
		return CMD_EXIT_USAGE;
	}
	rc = cmd_load_plan(c, o->args.v[0], &p, &arch);
	if (rc)
		return rc;
	for (size_t k = 1; k < o->args.n; k++) {
		if (plan_step_index(p, o->args.v[k]) < 0) {
			cmd_unknown_step("pkg build", p, o->args.v[k]);
			plan_free(p);
			return CMD_EXIT_PARSE;
		}
	}
	char *outdir = o->out ? xstrdup(o->out) : xasprintf("%s/packages/%s-%s", c->statedir, p->name, arch);
	bo.no_step_key = o->nostepkey;
	bo.plan_ref = o->args.v[0];
	bo.note = build_note;
	err_clear();
	int r = pkgbuild_plan(c->statedir, p, arch, o->args.v + 1, o->args.n - 1, outdir, &bo);
	if (r == -ENOENT) {
		/* a step not built (pkgbuild.h): the build to run, with the
		 * --state given */
		struct buf again = {0};
		cmd_again(c, arch, &again);
		cmd_err("pkg build: %s; build it first: %s build %s", err_msg(r), again.s, o->args.v[0]);
		buf_free(&again);
		rc = CMD_EXIT_FAIL;
	} else if (r) {
		rc = cmd_pkg_fail(o, r);
	}
	else
		printf("packages of %s (%s) in %s\n", p->name, arch, outdir);
	free(outdir);
	plan_free(p);
	return rc;
}

static void atoms(struct pkg_dep **v, size_t *n, const struct strv *sv, int *bad)
{
	for (size_t i = 0; i < sv->n; i++) {
		struct pkg_dep d;
		if (pkg_dep_parse(sv->v[i], strlen(sv->v[i]), &d)) {
			cmd_err("pkg create: %s", err_msg(-SPROUT_ERR_FORMAT));
			*bad = 1;
			continue;
		}
		*v = xrealloc(*v, (*n + 1) * sizeof **v);
		(*v)[(*n)++] = d;
	}
}

int cmd_pkg_create(struct ctx *c, struct pkgopts *o)
{
	struct pkg_meta m;
	enum pkg_comp comp;
	int bad = 0, rc = comp_of(o, &comp);
	if (rc)
		return rc;
	if (o->args.n != 3 || !o->out) {
		cmd_err("pkg create: expected DIR NAME VERSION -o FILE");
		return CMD_EXIT_USAGE;
	}
	memset(&m, 0, sizeof m);
	m.name = xstrdup(o->args.v[1]);
	m.version = xstrdup(o->args.v[2]);
	m.release = xstrdup(o->release ? o->release : "1");
	m.arch = xstrdup(c->arch ? c->arch : host_arch());
	m.license = xstrdup(o->license ? o->license : "NOASSERTION");
	m.description = o->description ? xstrdup(o->description) : NULL;
	atoms(&m.depends, &m.ndepends, &o->depends, &bad);
	atoms(&m.provides, &m.nprovides, &o->provides, &bad);
	atoms(&m.conflicts, &m.nconflicts, &o->conflicts, &bad);
	if (bad) {
		pkg_meta_free(&m);
		return CMD_EXIT_USAGE;
	}
	err_clear();
	int r = pkgbuild_tree(o->args.v[0], &m, comp, o->out);
	struct stat st;
	if (!r && !c->quiet && stat(o->out, &st) == 0) {
		char size[32];
		cmd_human_size((long long)st.st_size, size, sizeof size);
		printf("pkg create: wrote %s: %s %s-%s for %s, %s\n", o->out, m.name, m.version, m.release, m.arch, size);
	}
	pkg_meta_free(&m);
	if (r)
		return cmd_pkg_fail(o, r);
	return CMD_EXIT_OK;
}

int cmd_pkg_check(struct ctx *c, struct pkgopts *o)
{
	int rc = CMD_EXIT_OK;
	(void)c;
	if (!o->args.n) {
		cmd_err("pkg check: expected FILE...");
		return CMD_EXIT_USAGE;
	}
	for (size_t i = 0; i < o->args.n; i++) {
		struct pkgfile *pf = NULL;
		err_clear();
		int r = pkgfile_open(o->args.v[i], &pf);
		if (!r)
			r = pkgfile_check(pf);
		if (r) {
			rc = cmd_pkg_fail(o, r);
		} else {
			char hex[65], *shown = esc_dup(o->args.v[i], strlen(o->args.v[i]), 0);
			sha256_hex(pf->sha256, hex);
			printf("%s: ok: %s %s-%s (%s), %zu entries, payload %s, sha256 %s\n", shown, pf->meta.name,
			       pf->meta.version, pf->meta.release, pf->meta.arch, pf->man.n,
			       pf->comp == PKG_COMP_ZSTD ? "zstd" : "none", hex);
			free(shown);
		}
		pkgfile_close(pf);
	}
	return rc;
}

int cmd_pkg_index(struct ctx *c, struct pkgopts *o)
{
	size_t n = 0;
	char id[17];
	(void)c;
	if (o->args.n != 1) {
		cmd_err("pkg index: expected DIR [--key KEY] [--sequence N] [--expires DURATION]");
		return CMD_EXIT_USAGE;
	}
	if (o->key && !sign_available()) {
		cmd_err("pkg index: this sprout was built without libsodium and cannot sign; write the index without "
			"--key, and use it with --allow-untrusted");
		return CMD_EXIT_USAGE;
	}
	struct pkgrepo_index_opts io;
	unsigned long long seq = 0;
	memset(&io, 0, sizeof io);
	err_clear();
	if (o->sequence) {
		char *e;
		io.sequence = strtoull(o->sequence, &e, 10);
		if (*e || e == o->sequence || o->sequence[0] < '1' || o->sequence[0] > '9') {
			cmd_err("pkg index: --sequence: expected a number from 1, got '%s'", o->sequence);
			return CMD_EXIT_USAGE;
		}
	}
	int r = o->expires ? pkgrepo_parse_duration(o->expires, &io.expires_in) : 0;
	if (r) {
		cmd_err("pkg index: --expires: %s", err_msg(r));
		return CMD_EXIT_USAGE;
	}
	r = pkgrepo_index(o->args.v[0], &io, &n, &seq);
	if (r)
		return cmd_pkg_fail(o, r);
	printf("%s/index: %zu package%s, sequence %llu\n", o->args.v[0], n, n == 1 ? "" : "s", seq);
	if (!o->key)
		return CMD_EXIT_OK;
	char *ip = path_join(o->args.v[0], "index");
	r = sign_file(ip, o->key, id);
	if (!r)
		printf("%s.sig: signed with key %s\n", ip, id);
	free(ip);
	return r ? cmd_pkg_fail(o, r) : CMD_EXIT_OK;
}

int cmd_pkg_keygen(struct ctx *c, struct pkgopts *o)
{
	char id[17];
	(void)c;
	if (o->args.n != 1) {
		cmd_err("pkg keygen: expected PREFIX (writes PREFIX.key and PREFIX.pub)");
		return CMD_EXIT_USAGE;
	}
	err_clear();
	int r = sign_keygen(o->args.v[0], id);
	if (r)
		return cmd_pkg_fail(o, r);
	printf("key %s: secret %s.key, public %s.pub\n"
	       "trust it in a root: copy %s.pub into ROOT/etc/sprout/keys/\n",
	       id, o->args.v[0], o->args.v[0], o->args.v[0]);
	return CMD_EXIT_OK;
}

int cmd_pkg_sign(struct ctx *c, struct pkgopts *o)
{
	char id[17];
	(void)c;
	if (o->args.n != 1 || !o->key) {
		cmd_err("pkg sign: expected --key KEY DIR");
		return CMD_EXIT_USAGE;
	}
	char *ip = path_join(o->args.v[0], "index");
	err_clear();
	int r = sign_file(ip, o->key, id);
	if (!r)
		printf("%s.sig: signed with key %s\n", ip, id);
	free(ip);
	return r ? cmd_pkg_fail(o, r) : CMD_EXIT_OK;
}
