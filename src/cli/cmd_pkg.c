/* sprout pkg: binary packages, repositories, and the roots they are
 * installed into (docs/package.md). The root's verbs are here; making
 * packages and repositories is in cmd_pkgrepo.c. */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cli/cmd_pkg.h"
#include "core/err.h"
#include "core/escape.h"
#include "pkg/pkgops.h"
#include "pkg/pkgtx.h"

int cmd_pkg_fail(const struct pkgopts *o, int r)
{
	char *m = esc_dup(err_msg(r), strlen(err_msg(r)), 0);
	cmd_err("pkg %s: %s", o->verb, m);
	free(m);
	return cmd_exit_for(r);
}

/* Print what opening the root finished or undid. */
static void notes(struct buf *b)
{
	for (char *l = b->len ? strtok(b->s, "\n") : NULL; l; l = strtok(NULL, "\n")) {
		char *m = esc_dup(l, strlen(l), 0);
		cmd_err("%s", m);
		free(m);
	}
	b->len = 0;
}

int cmd_pkg_open_root(struct pkgopts *o, int create, struct pkgroot *rt)
{
	struct buf note = {0};
	char verb[32];
	snprintf(verb, sizeof verb, " %s ", o->verb);
	/* Reading a root is safe on the running system; changing it is asked for. */
	if (!o->root && strstr(" list info files owner verify history ", verb))
		o->root = "/";
	if (!o->root) {
		cmd_err("pkg %s: --root DIR is required (--root / for this system)", o->verb);
		return CMD_EXIT_USAGE;
	}
	err_clear();
	int r = pkgroot_open(o->root, create, rt, &note);
	notes(&note);
	buf_free(&note);
	return r ? cmd_pkg_fail(o, r) : 0;
}

/* The library's options from the command line's. */
static void ops_of(const struct ctx *c, const struct pkgopts *o, struct pkgops_opts *po)
{
	*po = (struct pkgops_opts){.arch = c->arch, .keys = o->keys, .repos = o->repos.v, .nrepos = o->repos.n,
		.allow_untrusted = o->allow_untrusted, .allow_setuid = o->allow_setuid, .overwrite = o->overwrite,
		.nosync = o->nosync, .nocache = o->nocache, .allow_downgrade = o->allow_downgrade,
		.reinstall = o->reinstall};
}

/* Print what a transaction did (or the error r), after the library's
 * notes. An exit status. */
static int report(const struct pkgopts *o, int r, struct pkgops_result *res, const char *nothing)
{
	notes(&res->notes);
	if (r)
		return cmd_pkg_fail(o, r);
	if (res->nothing) {
		printf("%s\n", nothing);
		return CMD_EXIT_OK;
	}
	if (res->nadd) {
		/* Printed once done: nothing shows as installed before it is. */
		printf("%s:", !strcmp(o->verb, "fix") ? "fixed" : !strcmp(o->verb, "upgrade") ? "upgrade" : "install");
		for (size_t k = 0; k < res->nadd; k++) {
			const struct pkgops_item *it = &res->add[k];
			printf("%s %s ", k ? "," : "", it->name);
			if (it->old_version && (strcmp(it->old_version, it->version) || strcmp(it->old_release, it->release)))
				printf("%s-%s -> ", it->old_version, it->old_release);
			printf("%s-%s", it->version, it->release);
			if (it->old_version && !strcmp(o->verb, "install") && !strcmp(it->old_version, it->version) &&
			    !strcmp(it->old_release, it->release))
				printf(" (again)");
			if (it->needed_by)
				printf(" (for %s)", it->needed_by);
		}
		printf("\n");
	}
	printf("transaction %lu: %zu installed, %zu removed; %zu file%s written, %zu removed\n", res->st.id,
	       res->installed, res->removed, res->st.written, res->st.written == 1 ? "" : "s", res->st.deleted);
	return CMD_EXIT_OK;
}

/* The verbs that change a root by names: pkgops_install, _upgrade, _fix
 * and _remove share this signature. */
typedef int (*tx_fn)(struct pkgroot *rt, const struct pkgops_opts *po, char **names, size_t n,
		     struct pkgops_result *res);

/* Open the root (created when create), run fn on the operands (no fn:
 * roll back to transaction id) and report; an exit status. */
static int run_tx(struct ctx *c, struct pkgopts *o, int create, tx_fn fn, unsigned long id, const char *nothing)
{
	struct pkgroot rt;
	struct pkgops_opts po;
	struct pkgops_result res;
	int rc = cmd_pkg_open_root(o, create, &rt);
	if (rc)
		return rc;
	ops_of(c, o, &po);
	err_clear();
	int r = fn ? fn(&rt, &po, o->args.v, o->args.n, &res) : pkgops_rollback(&rt, &po, id, &res);
	rc = report(o, r, &res, nothing);
	pkgops_result_free(&res);
	pkgroot_close(&rt);
	return rc;
}

/* pkg install, upgrade, fix and remove. upgrade and fix take installed
 * names, all by default; install and remove need operands. */
static int pkg_names(struct ctx *c, struct pkgopts *o)
{
	static const struct {
		const char *verb, *operands, *nothing;
		tx_fn fn;
	} tx[] = {
		{"install", "NAME... or FILE...", "nothing to do: installed already", pkgops_install},
		{"remove", "NAME...", "nothing to do", pkgops_remove},
		{"upgrade", NULL, "nothing to do: up to date", pkgops_upgrade},
		{"fix", NULL, "nothing to do: pkg verify finds no difference", pkgops_fix},
	};
	size_t i = 0;
	while (i < sizeof tx / sizeof *tx - 1 && strcmp(tx[i].verb, o->verb))
		i++;
	if (!o->args.n && tx[i].operands) {
		cmd_err("pkg %s: expected %s", o->verb, tx[i].operands);
		return CMD_EXIT_USAGE;
	}
	return run_tx(c, o, i == 0, tx[i].fn, 0, tx[i].nothing);
}

static int pkg_rollback(struct ctx *c, struct pkgopts *o)
{
	char *end, nothing[96];
	if (o->args.n != 1) {
		cmd_err("pkg rollback: expected N, a transaction number (see sprout pkg history)");
		return CMD_EXIT_USAGE;
	}
	unsigned long id = strtoul(o->args.v[0], &end, 10);
	if (*end || end == o->args.v[0]) {
		cmd_err("pkg rollback: expected a transaction number, got '%s'", o->args.v[0]);
		return CMD_EXIT_USAGE;
	}
	snprintf(nothing, sizeof nothing, "nothing to do: the root is as transaction %lu left it", id);
	return run_tx(c, o, 0, NULL, id, nothing);
}


struct verb {
	const char *name;
	int (*fn)(struct ctx *c, struct pkgopts *o);
	const char *opts;       /* the options it takes, each with a space on both sides */
	const char *usage;      /* its operands, and what it does (pkg VERB --help) */
};

#define ROOT_OPTS " --root --repo --keys --allow-untrusted --allow-setuid --overwrite --no-sync --no-cache "

static const struct verb verbs[] = {
	{"build", cmd_pkg_build, " -o --out --compress --no-step-key ",
	 "PLAN [STEP...]: package step outputs from the store (default: what the plan's final step is made of)"},
	{"create", cmd_pkg_create,
	 " -o --out --compress --release --license --description --depends --provides --conflicts ",
	 "DIR NAME VERSION -o FILE: package a directory"},
	{"check", cmd_pkg_check, " ", "FILE...: read package files whole and check every byte"},
	{"index", cmd_pkg_index, " --key --sequence --expires ",
	 "DIR: write DIR/index of the packages in DIR (numbered, with an expiry), signed with --key"},
	{"keygen", cmd_pkg_keygen, " ", "PREFIX: a new key pair PREFIX.key (secret) and PREFIX.pub"},
	{"sign", cmd_pkg_sign, " --key ", "--key KEY DIR: sign DIR/index into DIR/index.sig"},
	{"install", pkg_names, ROOT_OPTS "--allow-downgrade --reinstall ",
	 "NAME|ATOM|FILE...: install packages and what they need in one transaction"},
	{"upgrade", pkg_names, ROOT_OPTS,
	 "[NAME...]: every installed package (or those named) to the newest the repositories offer"},
	{"fix", pkg_names, ROOT_OPTS,
	 "[NAME...]: write again every package pkg verify finds a difference in, from the root's package cache or --repo"},
	{"remove", pkg_names, " --root --no-sync ", "NAME...: remove packages (refused while another needs one)"},
	{"rollback", pkg_rollback, ROOT_OPTS, "N: make the root what transaction N left (0: empty)"},
	{"list", cmd_pkg_list, " --root ", ": the installed packages (--root defaults to /)"},
	{"info", cmd_pkg_info, " --root ", "NAME|FILE: a package's metadata (--root defaults to /)"},
	{"files", cmd_pkg_files, " --root ", "NAME: a package's files (--root defaults to /)"},
	{"owner", cmd_pkg_owner, " --root ", "PATH: the package that has PATH (--root defaults to /)"},
	{"verify", cmd_pkg_verify, " --root ",
	 "[NAME...]: the files against the database; exit 1 on a difference (--root defaults to /)"},
	{"history", cmd_pkg_history, " --root ", ": the root's transactions (--root defaults to /)"},
};

/* pkg VERB --help: the verb's usage and options, on stdout. */
static void verb_help(const struct verb *v)
{
	const char *u = v->usage, *colon = strstr(u, ": ");
	int ul = (int)(colon ? colon - u : 0);
	printf("usage: sprout pkg %s%s%.*s\n  %s\n", v->name, ul ? " " : "", ul, u, colon ? colon + 2 : u);
	if (strlen(v->opts) > 1)
		printf("options:%.*s\n", (int)strlen(v->opts) - 1, v->opts);
	printf("(docs/package.md; sprout help pkg lists every verb)\n");
}

static const char *const flags[] = {"--allow-untrusted", "--allow-setuid", "--overwrite", "--no-sync", "--no-cache",
	"--no-step-key", "--allow-downgrade", "--reinstall", NULL};

/* Where option name's value goes. */
static const char **value_slot(struct pkgopts *o, const char *name, struct strv **multi)
{
	static const struct {
		const char *name;
		size_t off;
	} one[] = {
		{"--root", offsetof(struct pkgopts, root)}, {"--keys", offsetof(struct pkgopts, keys)},
		{"-o", offsetof(struct pkgopts, out)}, {"--out", offsetof(struct pkgopts, out)},
		{"--key", offsetof(struct pkgopts, key)}, {"--compress", offsetof(struct pkgopts, compress)},
		{"--release", offsetof(struct pkgopts, release)}, {"--license", offsetof(struct pkgopts, license)},
		{"--description", offsetof(struct pkgopts, description)},
		{"--sequence", offsetof(struct pkgopts, sequence)}, {"--expires", offsetof(struct pkgopts, expires)},
	};
	*multi = !strcmp(name, "--repo") ? &o->repos : !strcmp(name, "--depends") ? &o->depends
		: !strcmp(name, "--provides") ? &o->provides : !strcmp(name, "--conflicts") ? &o->conflicts : NULL;
	for (size_t i = 0; i < sizeof one / sizeof *one; i++)
		if (!strcmp(one[i].name, name))
			return (const char **)((char *)o + one[i].off);
	return NULL;
}

static void usage_verbs(FILE *f)
{
	fprintf(f, "usage: sprout pkg VERB [options] [args]   (sprout help pkg)\nverbs:");
	for (size_t i = 0; i < sizeof verbs / sizeof *verbs; i++)
		fprintf(f, " %s", verbs[i].name);
	fprintf(f, "\n");
}

int cmd_pkg(struct ctx *c, int argc, char **argv)
{
	struct pkgopts o;
	const struct verb *v = NULL;
	int rc = CMD_EXIT_USAGE;
	memset(&o, 0, sizeof o);
	if (argc < 2) {
		usage_verbs(stderr);
		return CMD_EXIT_USAGE;
	}
	for (size_t i = 0; i < sizeof verbs / sizeof *verbs; i++)
		if (!strcmp(verbs[i].name, argv[1]))
			v = &verbs[i];
	if (!v) {
		cmd_err("pkg: unknown verb '%s'", argv[1]);
		usage_verbs(stderr);
		return CMD_EXIT_USAGE;
	}
	o.verb = v->name;
	if (c->json && strcmp(v->name, "list") && strcmp(v->name, "info") && strcmp(v->name, "history")) {
		cmd_err("--json: 'pkg %s' has no machine-readable output (only pkg list, pkg info, pkg history)", v->name);
		return CMD_EXIT_USAGE;
	}
	int ended = 0;
	for (int i = 2; i < argc; i++) {
		const char *a = argv[i];
		if (ended || a[0] != '-' || !a[1]) {
			strv_add(&o.args, a);
			continue;
		}
		if (!strcmp(a, "--")) {
			ended = 1;
			continue;
		}
		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			verb_help(v);
			rc = CMD_EXIT_OK;
			goto out;
		}
		char name[64];
		const char *eq = strchr(a, '='), *val = NULL;
		snprintf(name, sizeof name, " %.*s ", (int)(eq ? (size_t)(eq - a) : strlen(a)), a);
		if (!strstr(v->opts, name)) {
			cmd_err("pkg %s: unknown option '%s'", v->name, a);
			goto out;
		}
		name[strlen(name) - 1] = 0;
		int flag = 0;
		for (int k = 0; flags[k]; k++)
			if (!strcmp(name + 1, flags[k]))
				flag = k + 1;
		if (flag) {
			int *f[] = {&o.allow_untrusted, &o.allow_setuid, &o.overwrite, &o.nosync, &o.nocache,
				    &o.nostepkey, &o.allow_downgrade, &o.reinstall};
			*f[flag - 1] = 1;
			continue;
		}
		if (eq)
			val = eq + 1;
		else if (i + 1 < argc)
			val = argv[++i];
		else {
			cmd_err("pkg %s: %s needs a value", v->name, a);
			goto out;
		}
		struct strv *multi;
		const char **slot = value_slot(&o, name + 1, &multi);
		if (multi)
			strv_add(multi, val);
		else
			*slot = val;
	}
	rc = v->fn(c, &o);
	{
		/* The test hook counts its crash points when told to crash at 0. */
		const char *crash = getenv("SPROUT_PKG_CRASH_AT");
		if (crash && !strcmp(crash, "0"))
			cmd_err("pkg %s: %d crash points", v->name, pkgtx_crash_points());
	}
out:
	strv_free(&o.args);
	strv_free(&o.repos);
	strv_free(&o.depends);
	strv_free(&o.provides);
	strv_free(&o.conflicts);
	return rc;
}
