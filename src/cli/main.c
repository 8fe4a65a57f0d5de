#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cmd.h"
#include "core/config.h"
#include "archive/decomp.h"
#include "core/err.h"
#include "fetch/fetch.h"
#include "core/util.h"
#include "dist/farm.h"

#define SPROUT_VERSION "0.1.0"

struct command {
	const char *name;
	int (*fn)(struct ctx *c, int argc, char **argv);
	const char *args;
	const char *summary;
	const char *help;
};

static int cmd_help(struct ctx *c, int argc, char **argv);

static const struct command commands[] = {
	{"plan", cmd_plan, "PLAN [--why STEP]",
	 "show the steps in order, each cached or to build, and why",
	 "A dry run: nothing is fetched or built. Each step is listed in build order with its\n"
	 "stage and whether its output is in the store; a step to build says why: never built,\n"
	 "or which input changed (recipe, patch, source, dependency, setting).\n"
	 "  --why STEP   explain only STEP\n"},
	{"bootstrap", cmd_bootstrap, "[--plan PLAN] [--mode chroot|vm] [--accel tcg] [--import DISK] [--update-digests] [--stage4] [--boot]",
	 "fetch and build the minimal plan, check it, and report",
	 "Fetches and builds the minimal plan (or --plan PLAN) for --arch, then checks the\n"
	 "result: the compiler's fixpoint, every step's digest against the plan's\n"
	 "digests.ARCH, the smoke test of the final system, and the provenance of every file\n"
	 "of the final rootfs. Writes the rootfs, its tarball, manifest and provenance under\n"
	 "STATE/outputs/PLAN-ARCH/ and prints a short report.\n"
	 "  --update-digests  record this run's digests as the expected ones\n"
	 "  --stage4          then the rebootstrap from packages: package the final rootfs's\n"
	 "                    parts, install a fresh root from them, and inside it build sprout\n"
	 "                    with the system's tcc and rebuild the native stage and its\n"
	 "                    packages (plans/PLAN-stage4), which must be bit-identical\n"
	 "  --boot            then boot the result in qemu and run its smoke test there\n"
	 "                    (sprout boot; builds the kernel the first time)\n"
	 "  --mode vm         run the stages with a root tree (native, packages) inside\n"
	 "                    qemu, booted with the plan's own kernel; what the VM built comes\n"
	 "                    back on a second disk and is checked before it enters the\n"
	 "                    store (docs/modes.md); --mode chroot is the default\n"
	 "  --accel tcg       in VM mode, never KVM\n"
	 "  --import DISK     bare-metal mode: take what a disk of sprout image --format disk\n"
	 "                    --bootstrap built when it booted, instead of building it here\n"},
	{"fetch", cmd_fetch, "PLAN [--offline]",
	 "get and verify every source of a plan",
	 "Every source of every step is looked up in the distfiles store and, when missing,\n"
	 "fetched from its origins in order; a file enters the store only when its sha256\n"
	 "matches. After fetch, build needs no network. Every file that fails is named;\n"
	 "with -v, what served each (in the store, or the origin).\n"
	 "  --offline    only check the store\n"},
	{"build", cmd_build, "PLAN [STEP...]",
	 "build what is needed, skip what is cached",
	 "Builds the named steps (all by default) and what they depend on, skipping every step\n"
	 "whose output is already in the store. Independent steps run in parallel up to -j.\n"
	 "A failed step prints its log's tail and keeps its build tree.\n"},
	{"shell", cmd_shell, "PLAN [STEP]",
	 "open a shell in a step's sandbox, or in the plan's final system",
	 "With STEP: a shell with the step's root, environment and build tree: that of its\n"
	 "last failed attempt when there is one, else a freshly prepared one (sources unpacked,\n"
	 "patches and dependencies laid out as for a build), removed when the shell ends.\n"
	 "Without STEP: a throwaway shell in the plan's final system (its 'final' step, which\n"
	 "must be built), read-only but for /tmp, with the current directory at /mnt: compile\n"
	 "your own code there with the bootstrapped compiler.\n"
	 "Standard input that is not a terminal is read as commands:\n"
	 "  echo 'tcc -v' | sprout shell plans/minimal\n"},
	{"path", cmd_path, "PLAN [STEP]",
	 "print where a step's output is",
	 "Prints the directory of STEP's output in the store (the plan's final step by default,\n"
	 "else its last): what a build made, to copy or look into. Fails when it is not built.\n"},
	{"clean", cmd_clean, "[--all] [--distfiles]",
	 "remove build trees, logs and temporary files",
	 "Removes build trees, logs and leftovers of interrupted runs from the state directory.\n"
	 "  --all        also the store of step outputs\n"
	 "  --distfiles  also the downloaded sources\n"},
	{"sandbox-run", cmd_sandbox_run, "[--rootfs DIR [--arch ARCH] [--rootfs-rw]] [--nest] (SCRIPT | -i | -- /PATH ARG...)",
	 "run shell text in a throwaway sandbox",
	 "Runs SCRIPT with /bin/sh -e in a host-stage sandbox whose /build and /destdir\n"
	 "are empty and go with it; its output goes to stdout, its exit status is passed\n"
	 "through (253 after --step-timeout). --rootfs DIR runs it in DIR instead (a native\n"
	 "stage), -i opens an interactive shell, and -- /PATH ARG... runs a command without a shell.\n"
	 "  --rootfs-rw  the root tree DIR writable\n"
	 "  --nest       keep uid 0's capabilities inside, so that a sprout there can make\n"
	 "               sandboxes of its own (as sprout bootstrap --stage4 does)\n"},
	{"verify", cmd_verify, "PLAN [STEP...] | --shallow PLAN STEP... | --diverse PLAN [STEP...]",
	 "rebuild steps under variations and compare; or diverse double-compiling",
	 "Rebuilds the named steps (all by default) from scratch in fresh state directories that\n"
	 "share only the verified distfiles, under variations that must not change the result:\n"
	 "another job count, state-directory path, order of independent steps, time, umask,\n"
	 "environment, and user (rootless as well as root). Each step's digest is compared with\n"
	 "the cached one (built first when missing) and the plan's digests.ARCH; a step that\n"
	 "differs is shown with the files that differ (and diffoscope's report when installed).\n"
	 "  --shallow        rebuild the STEPs named alone, their dependencies hard-linked from\n"
	 "                   this state's store (for plans whose whole rebuild takes hours)\n"
	 "  --diverse        build the plan once per host compiler (CC and CXX for the host\n"
	 "                   stage: gcc and g++, clang and clang++) and require every step after\n"
	 "                   the host stage (or the STEPs named) to be bit-identical: David A.\n"
	 "                   Wheeler's diverse double-compiling\n"
	 "  --compilers LIST the host compilers for --diverse, two or more (default gcc,clang);\n"
	 "                   one that is not gcc or clang builds only the seed (SEED_CC)\n"
	 "  --keep           keep the variants' state directories\n"
	 "See docs/trust.md for what this proves and what it does not.\n"},
	{"audit", cmd_audit, "PLAN",
	 "find pregenerated files and binaries in the sources, and how each is handled",
	 "Extracts every source of every recipe of the plan and looks for what live-bootstrap\n"
	 "refuses to trust: configure scripts generated by autoconf, Makefile.in generated by\n"
	 "automake, aclocal.m4 and config.h.in, parsers generated by bison or yacc, scanners\n"
	 "generated by flex, tables generated by gperf, and binaries (ELF, PE, Mach-O, .o, .a,\n"
	 ".jar, .class, .pyc, .mo, other non-text files that are not images). Each must be\n"
	 "accounted for by a rule of its source (regenerate, delete, or waive with a reason;\n"
	 "docs/recipes.md). Exits 1 when a file is not accounted for or a rule matches nothing.\n"
	 "  --offline    only use the distfiles store\n"},
	{"sbom", cmd_sbom, "PLAN [-o FILE]",
	 "write an SPDX 2.3 JSON document of what a build produced",
	 "Describes every step of the plan as an SPDX package (name, version, license, sources\n"
	 "with their download locations and sha256, patches) with its relationships (generated\n"
	 "from its sources, depends on its dependencies), and every file of the final rootfs\n"
	 "with its checksums. The plan must have been built (sprout build PLAN).\n"
	 "  -o FILE      write to FILE instead of standard output\n"},
	{"report", cmd_report, "PLAN [-o FILE.html]",
	 "write an HTML page about the last build of a plan",
	 "One self-contained HTML page (no script, no network): a timeline of the steps as they\n"
	 "ran in the -j job slots (SVG), each step's result, time, size and digest, then the\n"
	 "fixpoint, the digest check against digests.ARCH, the provenance of the final rootfs,\n"
	 "the smoke test, and the last verify and audit when they were run. From the run\n"
	 "record of the plan's last build that ran a step (docs/cache.md); something to attach\n"
	 "to a release or a bug report.\n"
	 "  -o FILE      write to FILE instead of standard output\n"},
	{"graph", cmd_graph, "PLAN",
	 "print the step graph in Graphviz DOT",
	 "Prints the plan's steps and dependencies as a Graphviz digraph, one cluster per\n"
	 "stage; an edge goes from a dependency to the step that needs it (dashed: the root\n"
	 "tree of a native stage). Render it with: sprout graph PLAN | dot -Tsvg >plan.svg\n"},
	{"parts", cmd_parts, "PLAN [--recorded]",
	 "document a plan's parts in Markdown",
	 "Prints one Markdown section per step: what it is, version, license, sources with\n"
	 "their origins and sha256, patches with their first line, stage, dependencies, and\n"
	 "what it installs: from the last build in the state directory, else from the plan's\n"
	 "manifests.ARCH, else 'not built yet'.\n"
	 "  --recorded   only the plan's manifests.ARCH ('not recorded' without one): output\n"
	 "               that does not depend on the state directory, for committed docs\n"},
	{"config", cmd_config, "",
	 "print the effective settings and where each came from",
	 "Prints every setting of sprout.conf (docs/config.md) as in effect for this\n"
	 "command line: from the command line, -c FILE, the user's file\n"
	 "($XDG_CONFIG_HOME/sprout/sprout.conf), the system's (/etc/sprout.conf), or the\n"
	 "default, and says which.\n"},
	{"pkg", cmd_pkg, "VERB [options] [args]",
	 "build, publish and install binary packages",
	 "Binary packages of sprout's own format, signed repositories, and roots they are\n"
	 "installed into with atomic, crash-safe transactions (docs/package.md).\n"
	 "  build PLAN [STEP...] [-o DIR] [--compress=zstd|none] [--no-step-key]\n"
	 "                 package step outputs in the store (default: what the plan's final\n"
	 "                 step is made of) into DIR (default STATE/packages/PLAN-ARCH)\n"
	 "  create DIR NAME VERSION -o FILE [--release R] [--license L] [--description D]\n"
	 "         [--depends A]... [--provides A]... [--conflicts A]...\n"
	 "                 package a directory (for --arch, default the host's)\n"
	 "  check FILE...  read package files whole and check every byte\n"
	 "  index DIR [--key KEY] [--sequence N] [--expires 30d]\n"
	 "                 write DIR/index of the packages in DIR (and sign it)\n"
	 "  keygen PREFIX  make an ed25519 key pair PREFIX.key, PREFIX.pub\n"
	 "  sign --key KEY DIR      sign DIR/index into DIR/index.sig\n"
	 "  install --root DIR [--repo DIR]... NAME|FILE...\n"
	 "                 install packages and what they need, in one transaction\n"
	 "  upgrade --root DIR [NAME...] every package to the newest the repositories offer\n"
	 "  fix --root DIR [NAME...]     write again what pkg verify finds different\n"
	 "  remove --root DIR NAME...   remove packages nothing else needs\n"
	 "  list, info NAME|FILE, files NAME, owner PATH, verify [NAME...], history\n"
	 "                 (these read --root /, the running system, by default)\n"
	 "  rollback --root DIR N       return to what transaction N left\n"
	 "Options of install and rollback: --keys DIR (trusted keys, default\n"
	 "ROOT/etc/sprout/keys), --allow-untrusted (no signature check), --allow-setuid,\n"
	 "--overwrite (replace files no package owns), --no-sync (no fsync: safe against a\n"
	 "kill, not a power loss), --no-cache (keep no copy in ROOT/var/cache/sprout);\n"
	 "of install: --reinstall, --allow-downgrade. 'sprout pkg VERB --help': one verb.\n"
	 "Repositories: --repo DIR, else the lines of ROOT/etc/sprout/repositories.\n"},
	{"cache", cmd_cache, "push [--key KEY] [--to URL] [PLAN]",
	 "upload finished steps to a shared step cache",
	 "Uploads the outputs in the store (those of PLAN's steps, or every one) to the shared\n"
	 "step cache at --to URL (default: the first --cache, or 'cache' in sprout.conf), each\n"
	 "as an archive, its manifest and an entry signed with KEY (a key of 'sprout pkg\n"
	 "keygen'; default: 'cache-key' in sprout.conf). The cache is any HTTP server that\n"
	 "accepts PUT (WebDAV); what it has already is not sent again. Builds pull from the\n"
	 "caches (--cache, repeatable, tried in order) what their keys name, once the entry's\n"
	 "signature is by a key of --cache-trust DIR and its manifest and archive check out;\n"
	 "anything else is refused with the reason and built here (docs/cache.md).\n"
	 "  --key KEY    the secret key to sign with\n"
	 "  --to URL     the cache to upload to\n"},
	{"script", cmd_script, "PLAN",
	 "print the plan's build as a plain shell script",
	 "Prints a POSIX shell script that runs the same build commands back to back without\n"
	 "sprout: sources unpacked with tar, dependencies copied into a sysroot, each script\n"
	 "under env -i, native-stage steps in their root tree through bwrap. Run it with\n"
	 "'sh build.sh WORKDIR [JOBS]' after 'sprout fetch PLAN'. make bench measures sprout's\n"
	 "overhead against it.\n"},
	{"image", cmd_image, "PLAN --format tar|cpio|ext4|oci|disk [-o FILE] [--arch ARCH] [--bootstrap]",
	 "write an image of a plan's final system",
	 "Writes the final system of PLAN (built first when it is not in the store) as a\n"
	 "deterministic image and prints its sha256 (for oci, the manifest's): the same bytes\n"
	 "on every run, as root or not (docs/images.md).\n"
	 "  --format tar   a sorted tar, uid/gid 0, times clamped to SOURCE_DATE_EPOCH\n"
	 "  --format cpio  a gzip'd cpio newc archive, an initramfs\n"
	 "  --format ext4  an ext4 file system (mke2fs -d of the plan's e2fsprogs step)\n"
	 "  --format oci   an OCI image layout (a directory)\n"
	 "  --format disk  a GPT disk: an EFI system partition with the kernel and an ext4 root\n"
	 "                 that boots to the smoke test and a shell (write it to a USB stick)\n"
	 "  -o FILE        where to write it (default: PLAN-ARCH.tar, .cpio.gz, .ext4, .oci, .img)\n"
	 "  --bootstrap    with --format disk: a disk that, booted, runs the plan's native and\n"
	 "                 packages stages and keeps what they build on its third partition,\n"
	 "                 for sprout bootstrap --import (bare-metal mode, docs/modes.md)\n"},
	{"boot", cmd_boot, "PLAN [--arch ARCH] [--image disk] [-i] [--timeout S] [--accel tcg]",
	 "boot a plan's final system in qemu and run its smoke test",
	 "Boots the plan's kernel (built first when missing: it takes a while) with its final\n"
	 "system as the initramfs in qemu-system-ARCH (KVM when /dev/kvm works, else TCG);\n"
	 "sprout's init runs the smoke test as the system's first program, and the report is\n"
	 "read from the serial console. PASS or FAIL, with the times (docs/boot.md).\n"
	 "  --image disk   boot the disk image (sprout image --format disk) through UEFI firmware\n"
	 "  -i             an interactive console in the booted system instead (no test)\n"
	 "  --timeout S    fail when there is no result after S seconds (default 1800)\n"
	 "  --accel tcg    TCG even when KVM works (KVM that runs nothing for a minute falls\n"
	 "                 back to TCG by itself)\n"},
	{"hash", cmd_hash, "FILE...", "print the sha256 of files", "Prints 'HEX  FILE' for each file, like sha256sum.\n"},
	{"extract", cmd_extract, "ARCHIVE DIR", "safely extract a tar archive",
	 "Extracts a tar archive (plain, gzip, bzip2, xz or zstd) into DIR, refusing members\n"
	 "that would land outside it.\n"},
	{"tar", cmd_tar, "DIR OUT [--mtime N]", "write a deterministic tar archive of a tree",
	 "Writes a sorted ustar/pax archive of DIR with uid/gid 0 and times clamped to N.\n"},
	{"help", cmd_help, "[COMMAND]", "show help for a command", "Shows the help of COMMAND, or the list of commands.\n"},
};

#define NCOMMANDS (sizeof commands / sizeof commands[0])

static void usage(FILE *f)
{
	fprintf(f, "usage: sprout [global options] COMMAND [args]\n\n"
		   "Builds a self-hosting Linux system from source, in stages, reproducibly.\n\n"
		   "commands:\n");
	for (size_t i = 0; i < NCOMMANDS; i++)
		fprintf(f, "  %-12s %s\n", commands[i].name, commands[i].summary);
	fprintf(f, "\nglobal options:\n"
		   "  -C DIR             change to DIR first\n"
		   "  -c FILE            read settings from FILE (after the system's and the user's)\n"
		   "  -j N               run up to N steps at once; builds get $JOBS and MAKEFLAGS=-jN\n"
		   "  --arch ARCH        target arch (default: the plan's default, usually the host's)\n"
		   "  --state DIR        state directory (default: $XDG_CACHE_HOME/sprout)\n"
		   "  --distfiles DIR    the sources' store (default: STATE/distfiles)\n"
		   "  --mirror URL       try URL/FILE before a source's own origins (repeatable)\n"
		   "  --cache URL        pull finished steps from the shared cache at URL (repeatable)\n"
		   "  --cache-trust DIR  the public keys (*.pub) a cache's entries must be signed by\n"
		   "  --farm NETNS       compile on an icecream farm (host-stage steps, and native ones\n"
		   "                     whose root has a gcc): the steps run in network namespace NETNS\n"
		   "                     (ip netns), which reaches only the farm\n"
		   "  --farm-socket PATH the local iceccd's socket (default " FARM_SOCKET ")\n"
		   "  --step-timeout S   kill a step that runs longer than S seconds\n"
		   "  --runner=KIND      sandbox (default) or plain (no isolation)\n"
		   "  --set KEY=VALUE    override or add a plan setting (part of every step key)\n"
		   "  --order=reverse    start ready steps in reverse plan order (default: plan)\n"
		   "  --plain            one line per step start and end, even on a terminal\n"
		   "  --color=WHEN       never, auto (default; off with $NO_COLOR) or always\n"
		   "  --json             machine-readable output: one JSON document (plan, build,\n"
		   "                     verify, audit, pkg list, pkg info, pkg history)\n"
		   "  -v, -q             more output (-v streams the builds' logs), or less\n"
		   "  --version          print the version\n"
		   "\nsprout help COMMAND shows a command's help; exit codes are in docs/cli.md.\n");
}

static const struct command *find_command(const char *name)
{
	for (size_t i = 0; i < NCOMMANDS; i++)
		if (!strcmp(commands[i].name, name))
			return &commands[i];
	return NULL;
}

/* The commands that take --json (docs/cli.md, "Machine-readable output"). */
#define JSON_COMMANDS "plan, build, verify, audit, pkg list, pkg info, pkg history"

static int json_command(const char *name)
{
	static const char *const names[] = {"plan", "build", "verify", "audit", "pkg"};
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (!strcmp(names[i], name))
			return 1;
	return 0;
}

/* The command name closest to a mistyped one, or NULL. */
static const char *near_command(const char *name)
{
	const char *names[NCOMMANDS];
	for (size_t i = 0; i < NCOMMANDS; i++)
		names[i] = commands[i].name;
	return cmd_closest(name, names, NCOMMANDS);
}

static void command_list(FILE *f)
{
	fprintf(f, "commands:");
	for (size_t i = 0; i < NCOMMANDS; i++)
		fprintf(f, " %s", commands[i].name);
	fprintf(f, "\n");
}

/* An unknown command or global option; returns the exit status. */
static int unknown(const char *what, const char *name)
{
	const char *near = name[0] != '-' ? near_command(name) : NULL;
	if (near)
		cmd_err("unknown %s '%s'; did you mean '%s'?", what, name, near);
	else
		cmd_err("unknown %s '%s' (see sprout --help)", what, name);
	if (name[0] != '-')
		command_list(stderr);
	return CMD_EXIT_USAGE;
}

static void command_help(const struct command *cmd)
{
	printf("usage: sprout %s%s%s\n\n%s.\n\n%s", cmd->name, *cmd->args ? " " : "", cmd->args, cmd->summary, cmd->help);
}

static int cmd_help(struct ctx *c, int argc, char **argv)
{
	(void)c;
	if (argc < 2) {
		usage(stdout);
		return CMD_EXIT_OK;
	}
	const struct command *cmd = find_command(argv[1]);
	if (!cmd) {
		const char *near = near_command(argv[1]);
		if (near)
			cmd_err("help: no command '%s'; did you mean '%s'?", argv[1], near);
		else
			cmd_err("help: no command '%s'", argv[1]);
		command_list(stderr);
		return CMD_EXIT_USAGE;
	}
	command_help(cmd);
	return CMD_EXIT_OK;
}

static int parse_int(const char *opt, const char *s, int min, int *out)
{
	char *e;
	errno = 0;
	long v = strtol(s, &e, 10);
	if (errno || e == s || *e || v < min || v > 1000000) {
		cmd_err("%s: expected a number >= %d, got '%s'", opt, min, s);
		return -1;
	}
	*out = (int)v;
	return 0;
}

/* Whether argv[*i] is option name, as "name value" or "name=value"; sets
 * *v to the value. A missing value ends the program with a usage error. */
static int optval(int argc, char **argv, int *i, const char *name, const char **v)
{
	const char *a = argv[*i];
	size_t n = strlen(name);
	if (!strcmp(a, name)) {
		if (*i + 1 >= argc) {
			cmd_err("%s needs a value", name);
			exit(CMD_EXIT_USAGE);
		}
		*v = argv[++*i];
		return 1;
	}
	if (!strncmp(a, name, n) && a[n] == '=') {
		*v = a + n + 1;
		return 1;
	}
	return 0;
}

static char *default_state(void)
{
	const char *x = getenv("XDG_CACHE_HOME");
	if (x && x[0] == '/')
		return path_join(x, "sprout");
	const char *h = getenv("HOME");
	if (h && h[0] == '/')
		return xasprintf("%s/.cache/sprout", h);
	return xstrdup("/var/tmp/sprout");
}

static char *absolute(const char *p)
{
	if (p[0] == '/')
		return xstrdup(p);
	char cwd[4096];
	if (!getcwd(cwd, sizeof cwd))
		return xstrdup(p);
	return path_join(cwd, p);
}

/* Read the configuration files and lay the command line's settings over
 * them; prints an error and returns an exit status, or 0. */
static int load_config(struct config *cf, const char *file, const char *const opts[][2], size_t nopts)
{
	char *sys = config_system_path(), *user = config_user_path();
	int r = config_load_file(cf, sys, CONFIG_SYSTEM, 0);
	if (!r && user)
		r = config_load_file(cf, user, CONFIG_USER, 0);
	if (!r && file)
		r = config_load_file(cf, file, CONFIG_FILE, 1);
	free(sys);
	free(user);
	if (r) {
		cmd_err("%s", err_msg(r));
		return r == -SPROUT_ERR_PARSE ? CMD_EXIT_PARSE : CMD_EXIT_USAGE;
	}
	for (size_t i = 0; i < nopts; i++) {
		char *v = strcmp(opts[i][0], "arch") && strcmp(opts[i][0], "jobs") && strcmp(opts[i][0], "farm") &&
				  !strstr(opts[i][1], "://")
				  ? absolute(opts[i][1])
				  : xstrdup(opts[i][1]);
		config_set(cf, opts[i][0], v, opts[i][0]);
		free(v);
	}
	return 0;
}

/* The settings of cf (files and command line) into c; *abs and *dist are
 * the state and distfiles paths c points at (the caller frees them). */
static void ctx_settings(struct ctx *c, struct config *cf, char **abs, char **dist)
{
	const char *v = config_get(cf, "jobs");
	if (v)
		c->jobs = atoi(v);
	c->arch = config_get(cf, "arch");
	v = config_get(cf, "state");
	*abs = v ? absolute(v) : default_state();
	c->statedir = *abs;
	const struct config_entry *se = config_find(cf, "state");
	c->state_given = se && (se->src == CONFIG_CMDLINE || se->src == CONFIG_FILE);
	*dist = (v = config_get(cf, "distfiles")) ? absolute(v) : NULL;
	c->distdir = *dist;
	c->mirrors = config_mirrors(cf);
	c->caches = config_all(cf, "cache");
	c->cache_trust = config_get(cf, "cache-trust");
	c->cache_key = config_get(cf, "cache-key");
	c->farm = config_get(cf, "farm");
	c->farm_socket = config_get(cf, "farm-socket");
	c->conf = cf;
}

/* The command named by rest's first word, with the rest; its exit status. */
static int run_command(struct ctx *c, struct strv *rest)
{
	const struct command *cmd = find_command(rest->v[0]);
	if (!cmd)
		return unknown(rest->v[0][0] == '-' ? "option" : "command", rest->v[0]);
	if (c->json && !json_command(cmd->name)) {
		cmd_err("--json: '%s' has no machine-readable output (only %s)", cmd->name, JSON_COMMANDS);
		return CMD_EXIT_USAGE;
	}
	/* pkg VERB --help is the verb's own help (cmd_pkg.c). */
	int verb_help = cmd->fn == cmd_pkg && rest->n > 2 && rest->v[1][0] != '-';
	if (cmd->fn != cmd_help && !verb_help && cmd_wants_help((int)rest->n, rest->v)) {
		command_help(cmd);
		return CMD_EXIT_OK;
	}
	return cmd->fn(c, (int)rest->n, rest->v);
}

/* What the global options gave, before the configuration is read. */
struct globals {
	const char *chdir_to, *conf_file;
	const char *(*opts)[2];         /* key, value from the command line (config_load's) */
	size_t nopts;
	struct strv rest;               /* the command and its own words */
	struct strv sets;               /* --set KEY=VALUE */
	int ended;                      /* after "--" */
};

/* An option's value that must be one of words (space-separated, in the
 * order of their values): *out is its index. 0, or a usage error printed
 * that says what was expected. */
static int choose(const char *opt, const char *v, const char *words, const char *expected, int *out)
{
	int k = 0;
	for (const char *w = words; *w; k++) {
		size_t n = strcspn(w, " ");
		if (strlen(v) == n && !strncmp(v, w, n)) {
			*out = k;
			return 0;
		}
		w += n + (w[n] == ' ');
	}
	cmd_err("%s: expected %s, got '%s'", opt, expected, v);
	return CMD_EXIT_USAGE;
}

/* The global option that takes a value, at argv[*i] (moving *i past its
 * value): recorded in c or g. 1 when argv[*i] is none of them, else 0 or
 * an exit status for a bad value. */
static int global_value(int argc, char **argv, int *i, struct ctx *c, struct globals *g)
{
	static const char *const keyed[][2] = {{"--arch", "arch"}, {"--state", "state"},
		{"--distfiles", "distfiles"}, {"--mirror", "mirror"}, {"--cache", "cache"},
		{"--cache-trust", "cache-trust"}, {"--farm", "farm"}, {"--farm-socket", "farm-socket"},
		{"--jobs", "jobs"}, {"-j", "jobs"}}; /* -j last: "-jN" is found by its place */
	const int nkeyed = (int)(sizeof keyed / sizeof *keyed);
	const char *a = argv[*i], *v = NULL;
	int k;
	if (optval(argc, argv, i, "-C", &v)) {
		g->chdir_to = v;
		return 0;
	}
	if (optval(argc, argv, i, "-c", &v) || optval(argc, argv, i, "--config", &v)) {
		g->conf_file = v;
		return 0;
	}
	if (!strncmp(a, "-j", 2) && a[2] >= '0' && a[2] <= '9')
		v = a + 2, k = nkeyed - 1;
	else
		for (k = 0; k < nkeyed && !optval(argc, argv, i, keyed[k][0], &v); k++)
			;
	if (k < nkeyed) {
		if (!strcmp(keyed[k][1], "jobs") && parse_int("-j", v, 1, &c->jobs))
			return CMD_EXIT_USAGE;
		if (!strcmp(keyed[k][1], "mirror") && strstr(v, "://") && strncmp(v, "http://", 7) &&
		    strncmp(v, "https://", 8) && strncmp(v, "file://", 7)) {
			cmd_err("--mirror: expected an http://, https:// or file:// URL or a directory, got '%s'", v);
			return CMD_EXIT_USAGE;
		}
		if (!strcmp(keyed[k][1], "cache") && strncmp(v, "http://", 7) && strncmp(v, "https://", 8)) {
			cmd_err("--cache: expected an http:// or https:// URL, got '%s'", v);
			return CMD_EXIT_USAGE;
		}
		g->opts[g->nopts][0] = keyed[k][1], g->opts[g->nopts++][1] = v;
		return 0;
	}
	if (optval(argc, argv, i, "--color", &v) || optval(argc, argv, i, "--colour", &v)) {
		return choose("--color", v, "auto never always", "never, auto or always", &c->color); /* CTX_COLOR_* */
	}
	if (optval(argc, argv, i, "--step-timeout", &v))
		return parse_int("--step-timeout", v, 0, &c->step_timeout) ? CMD_EXIT_USAGE : 0;
	if (optval(argc, argv, i, "--order", &v))
		return choose("--order", v, "plan reverse", "plan or reverse", &c->reverse);
	if (optval(argc, argv, i, "--runner", &v))
		return choose("--runner", v, "plain sandbox", "sandbox or plain", &c->sandbox);
	if (optval(argc, argv, i, "--set", &v)) {
		if (!strchr(v, '=') || v[0] == '=') {
			cmd_err("--set: expected KEY=VALUE, got '%s'", v);
			return CMD_EXIT_USAGE;
		}
		strv_add(&g->sets, v);
		return 0;
	}
	return 1;
}

/* Global options may come before or after the command's name: sort the
 * command line into c and g. -1 to go on, else an exit status (--version,
 * --help, a bad option value). */
static int parse_globals(int argc, char **argv, struct ctx *c, struct globals *g)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (g->ended || a[0] != '-' || !strcmp(a, "-")) {
			strv_add(&g->rest, a);
			continue;
		}
		if (!strcmp(a, "--")) {
			g->ended = 1;
			strv_add(&g->rest, a);
			continue;
		}
		int r = global_value(argc, argv, &i, c, g);
		if (r != 1) {
			if (r)
				return r;
		} else if (!strcmp(a, "--plain")) {
			c->plain = 1;
		} else if (!strcmp(a, "--json")) {
			c->json = 1;
		} else if (!strcmp(a, "-v") || !strcmp(a, "--verbose")) {
			c->verbose++;
		} else if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) {
			c->quiet = 1;
		} else if (!strcmp(a, "--version")) {
			printf("sprout %s (decompression: %s; http: %s)\n", SPROUT_VERSION, decomp_builtin(),
			       fetch_http_backend());
			return CMD_EXIT_OK;
		} else if ((!strcmp(a, "--help") || !strcmp(a, "-h")) && !g->rest.n) {
			usage(stdout);
			return CMD_EXIT_OK;
		} else {
			strv_add(&g->rest, a); /* the command's own option */
		}
	}
	if (!g->rest.n) {
		usage(stderr);
		return CMD_EXIT_USAGE;
	}
	return -1;
}

int main(int argc, char **argv)
{
	struct ctx c;
	struct config cf;
	struct globals g;
	memset(&c, 0, sizeof c);
	memset(&cf, 0, sizeof cf);
	memset(&g, 0, sizeof g);
	g.opts = xcalloc((size_t)argc + 1, sizeof *g.opts);
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	c.jobs = ncpu > 0 ? (int)ncpu : 1;
	c.sandbox = 1;
	c.argv0 = strchr(argv[0], '/') ? argv[0] : "sprout";
	setvbuf(stdout, NULL, _IOLBF, 0);
	int rc = parse_globals(argc, argv, &c, &g);
	if (rc >= 0)
		return rc;
	c.sets = g.sets.v;
	c.nsets = (int)g.sets.n;
	if (g.chdir_to && chdir(g.chdir_to) < 0) {
		cmd_err("-C %s: %s", g.chdir_to, strerror(errno));
		return CMD_EXIT_USAGE;
	}
	rc = load_config(&cf, g.conf_file, (const char *const(*)[2])g.opts, g.nopts);
	free(g.opts);
	if (rc)
		return rc;
	char *abs, *dist;
	ctx_settings(&c, &cf, &abs, &dist);
	c.chdir_to = g.chdir_to;
	c.conf_file = g.conf_file;
	rc = run_command(&c, &g.rest);
	strv_free(&g.rest);
	strv_free(&g.sets);
	free(abs);
	free(dist);
	free(c.mirrors);
	free(c.caches);
	config_free(&cf);
	return rc;
}
