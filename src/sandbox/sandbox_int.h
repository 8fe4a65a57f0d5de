/* Internal to the sandbox (sandbox.c prepares, sandbox_init.c runs in the
 * new namespaces): the plan that the caller builds before clone() and the
 * init carries out after it. */
#ifndef SPROUT_SANDBOX_INT_H
#define SPROUT_SANDBOX_INT_H

#include <sys/types.h>

#include "core/util.h"

/* Where the host's root is while the new one is built. */
#define SB_OLD_NAME ".sprout-oldroot"
#define SB_OLD "/" SB_OLD_NAME
/* One allocation for two stacks: the init's above, the shell's below. */
#define SB_STACK (256 * 1024)
#define SB_SHELL_STACK (32 * 1024)

/* One step of assembling the root, paths relative to the new root. */
enum sb_kind {
	SB_DIR,     /* mkdir dst */
	SB_FILE,    /* dst holding src (text) */
	SB_LINK,    /* symlink dst -> src */
	SB_BIND,    /* bind src on dst (created), read-only when ro */
	SB_COVER,   /* bind dst on itself read-only, when it exists */
	SB_MOUNT,   /* mount a filesystem of type src on dst (created) */
};

struct sb_op {
	enum sb_kind kind;
	int ro;                 /* SB_BIND */
	int isfile;             /* SB_BIND: the mount point is a file */
	mode_t mode;            /* SB_DIR, SB_FILE */
	unsigned long flags;    /* SB_MOUNT */
	const char *dst;
	const char *src;
	const char *data;       /* SB_MOUNT options */
};

/* What the init works from; built by sb_prepare. */
struct sb {
	struct sb_op *ops;
	int nops, cap;
	struct strv hold;       /* owns the strings the ops point at */
	char **env;
	char *argv[6];
	char *const *cmd;       /* run_spec.argv: exec'd instead of argv when set */
	int interactive;
	int timeout;
	int logfd;
	int userns;             /* clone a user namespace (always tried first) */
	int isroot;
	int nest;               /* run_spec.nest: capabilities kept */
	int farmnet;            /* in the farm's network namespace, which is not ours to set up */
	const char *cwd;        /* the shell's working directory: /build, or /mnt */
	char uidmap[32], gidmap[32];
	char timeout_msg[64];
	char *stack;
};

/* What unprivileged users are told when user namespaces do not work. */
extern const char sandbox_userns_hint[];

/* The init: clone()'s entry, arg a struct sb; pid 1 of the new pid
 * namespace; never returns (exits with the step's status). */
int sandbox_init_main(void *arg);

#endif
