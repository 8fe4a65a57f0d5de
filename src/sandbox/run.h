#ifndef SPROUT_RUN_H
#define SPROUT_RUN_H

#include <sys/types.h>

/* The narrow interface between the engine and whatever runs a step's
 * script: a plain child process or the namespace sandbox. The engine
 * prepares the directories; the runner decides where the script sees them
 * and sets the path variables accordingly. */

enum run_mode {
	RUN_HOST,      /* host stages: the host's toolchain */
	RUN_NATIVE,    /* native stages: only the rootfs */
};

struct run_dep {
	const char *name;   /* step name */
	const char *path;   /* its output tree (read-only to the build) */
};

struct run_spec {
	const char *step;          /* for messages */
	enum run_mode mode;
	const char *arch;          /* target arch of the step */
	const char *rootfs;        /* RUN_NATIVE: the root tree; else NULL */
	const char *script;        /* shell text, run by /bin/sh -e */
	const char *builddir;      /* writable; holds the sources; the cwd */
	const char *destdir;       /* writable, empty; becomes $DESTDIR */
	const char *sysroot;       /* merged outputs of the deps, or NULL */
	const struct run_dep *deps;
	int ndeps;
	const char *depsdir;       /* a directory of links, one per dep (plain runner's $DEPS) */
	char *const *env;          /* NAME=value, the path-free variables */
	const char *log;           /* stdout and stderr go here (appended) */
	int timeout;               /* seconds, 0 for none */
	int interactive;           /* sprout shell: a tty shell, no script */
	int trace;                 /* run the script with sh -x: each command goes to the log as "+ CMD" */
	char *const *argv;         /* when set: exec this command (absolute path) instead of the script */
	int rootfs_rw;             /* RUN_NATIVE: the root tree writable (stage 4's system, which
	                              installs the sprout it builds); sandbox only */
	const char *mnt;           /* sprout shell PLAN: a host directory bound read-write at /mnt,
	                              the working directory instead of /build; sandbox only */
	int nest;                  /* keep uid 0's capabilities inside the sandbox's own user
	                              namespace, and /proc uncovered, so that a sprout inside can
	                              make sandboxes of its own (stage 4); sandbox only */
	const char *farm_netns;    /* RUN_HOST, sandbox only, as root: the network namespace (a name of
	                              ip netns, or a path) the step runs in instead of an empty one:
	                              the one that reaches only the farm (docs/sandbox.md, "The farm") */
	const char *farm_socket;   /* with farm_netns: the local icecream daemon's Unix socket, bound
	                              at /run/icecc/iceccd.socket */
	const char *farm_env;      /* with farm_socket: the compiler's icecc-create-env tarball, bound
	                              read-only at /run/icecc/env.tar (ICECC_VERSION); for RUN_NATIVE,
	                              the environment of the root's own compiler */
	const char *farm_client;   /* RUN_NATIVE with farm_env: the courier (icecream's client, its
	                              loader and libraries, bin/gcc ...), bound read-only at
	                              /run/icecc/client, its bin/ first in PATH */
};

/* The variables the runner adds: BUILDDIR, DESTDIR, SYSROOT, DEPS (the
 * directory holding one entry per dependency, named for its step), PATH,
 * HOME. */

/* Start the step. Returns the pid of a process that ends when every process
 * of the step is gone, with exit status: the script's status, or
 * RUN_EXIT_TIMEOUT, or RUN_EXIT_SETUP when the runner could not set up (its
 * reason is in the log). Negative code when nothing could be started. */
pid_t run_spawn(const struct run_spec *spec);

/* Exit statuses of the runner's process beyond the script's own. */
#define RUN_EXIT_TIMEOUT 253
#define RUN_EXIT_SETUP   254

/* Which runner run_spawn uses: 0 plain process, 1 sandbox. */
extern int run_use_sandbox;

/* Can the sandbox be set up here (user namespaces or root)? 0, or
 * SPROUT_ERR_SANDBOX with errf() saying why and what to do. */
int run_sandbox_check(void);

#endif
