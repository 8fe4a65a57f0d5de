/* The namespace sandbox: a step runs as uid 0 without capabilities in new
 * user, mount, pid, net, uts and ipc namespaces, in a root assembled on a
 * tmpfs from read-only binds (the host's toolchain or the plan's rootfs)
 * and the step's own directories.
 *
 * Processes: the caller clone()s the init with every new namespace at
 * once (so no extra monitor process); the init is pid 1 of the new pid
 * namespace: it builds the root, forks the shell, reaps, enforces the
 * timeout and passes on the exit status. When it exits, the kernel kills
 * whatever is left in its pid namespace, and the mounts go with its mount
 * namespace; the host never sees any of them.
 *
 * This file prepares, in the caller, everything the init needs (paths,
 * the mount plan, the environment, messages), so that after clone() only
 * system calls and async-signal-safe functions run (sandbox_init.c). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/err.h"
#include "sandbox/sandbox.h"
#include "sandbox/sandbox_int.h"
#include "core/util.h"

const char sandbox_userns_hint[] =
	"unprivileged user namespaces are disabled here; as root run: "
	"sysctl -w kernel.unprivileged_userns_clone=1 (Debian) or user.max_user_namespaces=15000 "
	"(or, under AppArmor, kernel.apparmor_restrict_unprivileged_userns=0), "
	"or run sprout as root, or use --runner=plain (no isolation)";

static struct sb_op *sb_add(struct sb *sb, enum sb_kind kind, const char *dst, const char *src)
{
	if (sb->nops == sb->cap) {
		sb->cap = sb->cap ? 2 * sb->cap : 64;
		sb->ops = xrealloc(sb->ops, (size_t)sb->cap * sizeof *sb->ops);
	}
	struct sb_op *op = &sb->ops[sb->nops++];
	memset(op, 0, sizeof *op);
	op->kind = kind;
	op->dst = dst;
	op->src = src;
	op->mode = 0755;
	return op;
}

/* A file system of type at dst (relative to the new root) with flags and
 * mount data. */
static struct sb_op *sb_mount(struct sb *sb, const char *dst, const char *type, unsigned long flags,
			      const char *data)
{
	struct sb_op *op = sb_add(sb, SB_MOUNT, dst, type);
	op->flags = flags;
	op->data = data;
	return op;
}

static const char *sb_own(struct sb *sb, char *s)
{
	strv_addown(&sb->hold, s);
	return s;
}

/* The host path p as seen from the init before the old root goes. */
static const char *sb_old(struct sb *sb, const char *p)
{
	return sb_own(sb, xasprintf(SB_OLD "%s", p));
}

/* Bind host path p (absolute, resolved) at dst, or recreate it when it is
 * a symlink. 0, or -errno when p cannot be looked at. */
static int sb_add_host(struct sb *sb, const char *p, const char *dst, int ro, int missing_ok)
{
	struct stat st;
	if (lstat(p, &st) < 0) {
		if (errno == ENOENT && missing_ok)
			return 0;
		return errf(-errno, "sandbox: %s: %s", p, strerror(errno));
	}
	if (S_ISLNK(st.st_mode)) {
		char t[PATH_MAX];
		ssize_t n = readlink(p, t, sizeof t - 1);
		if (n < 0)
			return errf(-errno, "sandbox: %s: %s", p, strerror(errno));
		t[n] = 0;
		sb_add(sb, SB_LINK, dst, sb_own(sb, xstrdup(t)));
		return 0;
	}
	if (!S_ISDIR(st.st_mode) && !S_ISREG(st.st_mode) && !S_ISCHR(st.st_mode))
		return 0;
	struct sb_op *op = sb_add(sb, SB_BIND, dst, sb_old(sb, p));
	op->ro = ro;
	op->isfile = !S_ISDIR(st.st_mode);
	return 0;
}

/* A spec directory: resolved on the host, bound at dst. */
static int sb_add_dir(struct sb *sb, const char *path, const char *dst, int ro)
{
	char *real = realpath(path, NULL);
	if (!real)
		return errf(-errno, "sandbox: %s: %s", path, strerror(errno));
	sb_own(sb, real);
	return sb_add_host(sb, real, dst, ro, 0);
}

static const char sb_passwd[] = "root:x:0:0:root:/build:/bin/sh\n"
				"nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n";
static const char sb_group[] = "root:x:0:\nnogroup:x:65534:\n";
static const char sb_hosts[] = "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n";
static const char sb_nsswitch[] = "passwd: files\ngroup: files\nshadow: files\nhosts: files\n";

/* Host stages: the host's toolchain read-only, a generated /etc. */
static int sb_plan_host(struct sb *sb)
{
	static const char *const top[] = {"usr", "bin", "sbin", "lib", "lib64", "lib32", "libx32"};
	int r = -ENOENT;
	for (size_t i = 0; i < sizeof top / sizeof top[0]; i++) {
		char p[64];
		snprintf(p, sizeof p, "/%s", top[i]);
		r = sb_add_host(sb, p, top[i], 1, i > 0);
		if (r)
			return r;
	}
	sb_add(sb, SB_DIR, "etc", NULL);
	static const char *const etc[] = {"alternatives", "ld.so.cache", "ld.so.conf", "ld.so.conf.d"};
	for (size_t i = 0; i < sizeof etc / sizeof etc[0]; i++) {
		char p[64], *d = xasprintf("etc/%s", etc[i]);
		snprintf(p, sizeof p, "/etc/%s", etc[i]);
		sb_own(sb, d);
		r = sb_add_host(sb, p, d, 1, 1);
		if (r)
			return r;
	}
	/* The host's installed-package database, when sprout's package
	 * manager runs the host (a system installed with sprout pkg): what
	 * the stage-4 rebootstrap's seed steps copy the installed files by. */
	struct stat st;
	if (stat("/var/lib/sprout", &st) == 0 && S_ISDIR(st.st_mode)) {
		sb_add(sb, SB_DIR, "var", NULL);
		sb_add(sb, SB_DIR, "var/lib", NULL);
		r = sb_add_host(sb, "/var/lib/sprout", "var/lib/sprout", 1, 1);
		if (r)
			return r;
	}
	sb_add(sb, SB_FILE, "etc/passwd", sb_passwd)->mode = 0644;
	sb_add(sb, SB_FILE, "etc/group", sb_group)->mode = 0644;
	sb_add(sb, SB_FILE, "etc/hosts", sb_hosts)->mode = 0644;
	sb_add(sb, SB_FILE, "etc/nsswitch.conf", sb_nsswitch)->mode = 0644;
	return 0;
}

static int sb_reserved(const char *name)
{
	static const char *const names[] = {".", "..", SB_OLD_NAME, "proc", "dev", "tmp",
					    "build", "destdir", "deps", "sysroot"};
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (!strcmp(name, names[i]))
			return 1;
	return 0;
}

/* Native stages: every top-level entry of the rootfs, read-only, except
 * the ones the sandbox provides itself. */
static int sb_plan_native(struct sb *sb, const char *rootfs, int ro, int own_mnt)
{
	if (!rootfs)
		return errf(-EINVAL, "sandbox: a native step needs a rootfs");
	char *real = realpath(rootfs, NULL);
	if (!real)
		return errf(-errno, "sandbox: %s: %s", rootfs, strerror(errno));
	sb_own(sb, real);
	DIR *d = opendir(real);
	if (!d)
		return errf(-errno, "sandbox: %s: %s", real, strerror(errno));
	int r = 0;
	struct dirent *de;
	while (!r && (de = readdir(d))) {
		if (sb_reserved(de->d_name) || (own_mnt && !strcmp(de->d_name, "mnt")))
			continue;
		const char *p = sb_own(sb, path_join(real, de->d_name));
		r = sb_add_host(sb, p, sb_own(sb, xstrdup(de->d_name)), ro, 1);
	}
	closedir(d);
	return r;
}

/* What every step gets: /tmp, /dev, /proc, its directories. */
static int sb_plan_common(struct sb *sb, const struct run_spec *s)
{
	struct sb_op *op;
	sb_mount(sb, "tmp", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777");
	sb_mount(sb, "dev", "tmpfs", MS_NOSUID | MS_NOEXEC, "mode=0755");
	/* Device nodes cannot be made in a user namespace: the host's are
	 * bound, after a check that they are what they claim to be. */
	static const char *const devs[] = {"null", "zero", "full", "random", "urandom", "tty"};
	for (size_t i = 0; i < sizeof devs / sizeof devs[0]; i++) {
		char p[32];
		struct stat st;
		snprintf(p, sizeof p, "/dev/%s", devs[i]);
		if (stat(p, &st) < 0 || !S_ISCHR(st.st_mode)) {
			if (!strcmp(devs[i], "tty"))
				continue;
			return errf(-SPROUT_ERR_SANDBOX, "sandbox: the host's %s is not a character device", p);
		}
		struct sb_op *dop = sb_add(sb, SB_BIND, sb_own(sb, xasprintf("dev/%s", devs[i])), sb_old(sb, p));
		dop->isfile = 1;
	}
	/* An interactive shell's terminal, where ttyname() finds it. */
	const char *tty = s->interactive && isatty(0) ? ttyname(0) : NULL;
	if (tty && !strncmp(tty, "/dev/", 5)) {
		struct sb_op *top = sb_add(sb, SB_BIND, "dev/console", sb_old(sb, tty));
		top->isfile = 1;
	}
	sb_add(sb, SB_LINK, "dev/fd", "/proc/self/fd");
	sb_add(sb, SB_LINK, "dev/stdin", "/proc/self/fd/0");
	sb_add(sb, SB_LINK, "dev/stdout", "/proc/self/fd/1");
	sb_add(sb, SB_LINK, "dev/stderr", "/proc/self/fd/2");
	sb_add(sb, SB_LINK, "dev/ptmx", "pts/ptmx");
	sb_mount(sb, "dev/shm", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777");
	sb_mount(sb, "dev/pts", "devpts", MS_NOSUID | MS_NOEXEC, "newinstance,ptmxmode=0666,mode=620");
	/* The init mounts proc as pid 1 of the new pid namespace. When uid 0
	 * inside is root outside, file permissions no longer keep the build
	 * from the parts that act on the whole machine: they get read-only
	 * covers. (Unprivileged, they belong to a uid the build does not
	 * have.) */
	op = sb_add(sb, SB_MOUNT, "proc", "proc");
	op->flags = MS_NOSUID | MS_NODEV | MS_NOEXEC;
	if (geteuid() == 0 && !s->nest) {
		/* (Not for a nested sprout: the kernel lets a user namespace
		 * mount a proc only where one is wholly visible.) */
		sb_add(sb, SB_COVER, "proc/sys", NULL);
		sb_add(sb, SB_COVER, "proc/sysrq-trigger", NULL);
		sb_add(sb, SB_COVER, "proc/irq", NULL);
		sb_add(sb, SB_COVER, "proc/bus", NULL);
	}

	int r = 0;
	if (s->builddir)
		r = sb_add_dir(sb, s->builddir, "build", 0);
	else
		sb_add(sb, SB_BIND, "build", "build"); /* throwaway, on the root's tmpfs */
	if (!r && s->destdir)
		r = sb_add_dir(sb, s->destdir, "destdir", 0);
	else if (!r)
		sb_add(sb, SB_BIND, "destdir", "destdir");
	if (!r && s->sysroot)
		r = sb_add_dir(sb, s->sysroot, "sysroot", 1);
	if (!r && s->mnt)
		r = sb_add_dir(sb, s->mnt, "mnt", 0);
	if (r)
		return r;
	sb_add(sb, SB_DIR, "deps", NULL);
	for (int i = 0; i < s->ndeps; i++) {
		const char *n = s->deps[i].name;
		if (!n || !*n || strchr(n, '/') || !strcmp(n, ".") || !strcmp(n, ".."))
			return errf(-EINVAL, "sandbox: bad dependency name '%s'", n ? n : "");
		r = sb_add_dir(sb, s->deps[i].path, sb_own(sb, xasprintf("deps/%s", n)), 1);
		if (r)
			return r;
	}
	return 0;
}

static const char *sb_base(const char *path)
{
	const char *b = strrchr(path, '/');
	return b ? b + 1 : path;
}

/* The compile farm (docs/sandbox.md, "The farm"): the local icecream
 * daemon's socket where its client looks (/var/run/icecc/iceccd.socket)
 * and the compiler's environment beside it; the step's network is the
 * farm's namespace (sb_join_farm). */
static int sb_plan_farm(struct sb *sb, const struct run_spec *s)
{
	struct stat st;
	char *real = realpath(s->farm_socket, NULL);
	if (!real || stat(real, &st) < 0 || !S_ISSOCK(st.st_mode)) {
		int e = real ? ENOTSOCK : errno;
		free(real);
		return errf(-e, "sandbox: the farm's socket %s: %s (is iceccd running?)", s->farm_socket,
			    strerror(e));
	}
	sb_own(sb, real);
	sb_add(sb, SB_DIR, "run", NULL);
	sb_add(sb, SB_DIR, "run/icecc", NULL);
	struct sb_op *op = sb_add(sb, SB_BIND, "run/icecc/iceccd.socket", sb_old(sb, real));
	op->isfile = 1;
	sb_add(sb, SB_DIR, "var", NULL);
	sb_add(sb, SB_LINK, "var/run", "/run");
	/* under its own name: icecream's workers know an environment by its
	 * file's name, and keep the first one they get of each name */
	int r = sb_add_dir(sb, s->farm_env, sb_own(sb, xasprintf("run/icecc/%s", sb_base(s->farm_env))), 1);
	/* a native step: the courier, under a path of its own */
	if (!r && s->mode == RUN_NATIVE)
		r = sb_add_dir(sb, s->farm_client, "run/icecc/client", 1);
	return r;
}

static int sb_env_has(char *const *env, const char *name)
{
	size_t n = strlen(name);
	for (char *const *e = env; e && *e; e++)
		if (!strncmp(*e, name, n) && (*e)[n] == '=')
			return 1;
	return 0;
}

static char **sb_make_env(const struct run_spec *s)
{
	static const char *const ours[] = {"BUILDDIR", "DESTDIR", "SYSROOT", "DEPS"};
	struct strv env = {0};
	for (char *const *e = s->env; e && *e; e++) {
		int skip = 0;
		for (size_t i = 0; i < sizeof ours / sizeof ours[0]; i++) {
			size_t n = strlen(ours[i]);
			if (!strncmp(*e, ours[i], n) && (*e)[n] == '=')
				skip = 1;
		}
		if (!skip)
			strv_add(&env, *e);
	}
	strv_add(&env, "BUILDDIR=/build");
	strv_add(&env, "DESTDIR=/destdir");
	strv_add(&env, s->sysroot ? "SYSROOT=/sysroot" : "SYSROOT=");
	strv_add(&env, "DEPS=/deps");
	if (!sb_env_has(s->env, "HOME"))
		strv_add(&env, "HOME=/build");
	if (s->farm_netns) {
		/* icecc's cc, gcc, g++ ... first; everything preprocessed here,
		 * so that the workers compile exactly what a local build would */
		strv_add(&env, s->mode == RUN_HOST ? "PATH=/usr/lib/icecc/bin:/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin"
						   : "PATH=/run/icecc/client/bin:/usr/bin:/bin:/usr/sbin:/sbin");
		strv_addown(&env, xasprintf("ICECC_VERSION=/run/icecc/%s", sb_base(s->farm_env)));
		strv_add(&env, "ICECC_REMOTE_CPP=0");
	} else if (!sb_env_has(s->env, "PATH")) {
		strv_add(&env, s->mode == RUN_HOST ? "PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin"
						   : "PATH=/usr/bin:/bin:/usr/sbin:/sbin");
	}
	if (!sb_env_has(s->env, "TERM"))
		strv_add(&env, "TERM=dumb");
	return env.v;
}

static void sb_free(struct sb *sb)
{
	free(sb->ops);
	strv_free(&sb->hold);
	if (sb->env) {
		for (char **p = sb->env; *p; p++)
			free(*p);
		free(sb->env);
	}
	free(sb->stack);
	if (sb->logfd >= 0)
		close(sb->logfd);
}

static int sb_prepare(struct sb *sb, const struct run_spec *s, int logfd)
{
	int r = -EINVAL;
	memset(sb, 0, sizeof *sb);
	sb->logfd = -1;
	if (!s->interactive && ((!s->script && !s->argv) || (!s->log && logfd < 0)))
		return errf(r, "sandbox: a step needs a script (or a command) and a log");
	if (s->farm_netns && (!s->farm_env || !s->farm_socket || (s->mode == RUN_NATIVE && !s->farm_client)))
		return errf(r, "sandbox: the farm needs its socket, the compiler's environment and, in a native "
			       "stage, its client");
	if (s->mode == RUN_NATIVE && !sandbox_arch_native(s->arch)) {
		r = sandbox_check_arch(s->arch);
		if (r)
			return r;
	}
	r = s->mode == RUN_NATIVE ? sb_plan_native(sb, s->rootfs, !s->rootfs_rw, s->mnt != NULL) : sb_plan_host(sb);
	if (!r)
		r = sb_plan_common(sb, s);
	if (!r && s->farm_netns)
		r = sb_plan_farm(sb, s);
	if (r)
		return r;
	sb->env = sb_make_env(s);
	sb->interactive = s->interactive;
	sb->timeout = s->timeout;
	sb->isroot = geteuid() == 0;
	sb->nest = s->nest;
	sb->farmnet = s->farm_netns != NULL;
	sb->cwd = s->mnt ? "/mnt" : "/build";
	sb->userns = 1;
	sb->argv[0] = "/bin/sh";
	sb->cmd = s->argv;
	if (s->interactive) {
		sb->argv[1] = "-i";
	} else {
		sb->argv[1] = s->trace ? "-ex" : "-e";
		sb->argv[2] = "-c";
		sb->argv[3] = (char *)s->script;
		sb->argv[4] = "sprout-step";
	}
	snprintf(sb->uidmap, sizeof sb->uidmap, "0 %u 1\n", (unsigned)geteuid());
	snprintf(sb->gidmap, sizeof sb->gidmap, "0 %u 1\n", (unsigned)getegid());
	snprintf(sb->timeout_msg, sizeof sb->timeout_msg, "sprout: step timed out after %d s\n", s->timeout);
	sb->stack = xmalloc(SB_STACK);
	if (logfd >= 0) {
		sb->logfd = fcntl(logfd, F_DUPFD_CLOEXEC, 3);
		if (sb->logfd < 0)
			return errf(-errno, "sandbox: dup: %s", strerror(errno));
	} else if (s->log) {
		sb->logfd = open(s->log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOCTTY, 0644);
		if (sb->logfd < 0)
			return errf(-errno, "sandbox: %s: %s", s->log, strerror(errno));
	}
	return 0;
}

/* The farm's network namespace instead of a new empty one: sprout itself
 * enters it for the clone() and goes back (it is single-threaded), so
 * that no extra process stands between the init and its parent. Root
 * only: a namespace made by ip netns is root's. *back is sprout's own
 * namespace, to return to. 0 or a negative code (errf set). */
static int sb_join_farm(const char *netns, int *back)
{
	char *path = netns[0] == '/' ? xstrdup(netns) : xasprintf("/run/netns/%s", netns);
	int r = 0, fd = open(path, O_RDONLY | O_CLOEXEC);
	*back = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (fd < 0 || *back < 0 || setns(fd, CLONE_NEWNET) < 0) {
		int e = errno;
		r = errf(-e, "sandbox: cannot enter the farm's network namespace %s: %s%s", path, strerror(e),
			 geteuid() ? " (the farm needs root)" : "");
		if (*back >= 0)
			close(*back);
		*back = -1;
	}
	if (fd >= 0)
		close(fd);
	free(path);
	return r;
}

pid_t sandbox_spawn_fd(const struct run_spec *spec, int logfd)
{
	struct sb sb;
	int back = -1;
	int r = sb_prepare(&sb, spec, logfd);
	if (!r && spec->farm_netns)
		r = sb_join_farm(spec->farm_netns, &back);
	if (r)
		goto out;
	int flags = CLONE_NEWNS | CLONE_NEWPID | (back >= 0 ? 0 : CLONE_NEWNET) | CLONE_NEWUTS | CLONE_NEWIPC |
		    SIGCHLD;
	char *top = sb.stack + SB_STACK;
	top -= (uintptr_t)top % 64;
	sigset_t all, old;
	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, &old);
	pid_t pid = clone(sandbox_init_main, top, flags | CLONE_NEWUSER, &sb);
	if (pid < 0 && sb.isroot) {
		/* No user namespaces here at all: as root the rest still works. */
		sb.userns = 0;
		pid = clone(sandbox_init_main, top, flags, &sb);
	}
	int e = errno;
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (back >= 0) {
		/* sprout goes back to its own network (it cannot fail with a
		 * namespace just left; if it did, the step is not run) */
		int be = setns(back, CLONE_NEWNET) < 0 ? errno : 0;
		close(back);
		if (be && pid > 0) {
			kill(pid, SIGKILL);
			waitpid(pid, NULL, 0);
			r = errf(-be, "sandbox: cannot leave the farm's network namespace: %s", strerror(be));
			goto out;
		}
	}
	if (pid < 0) {
		if (sb.isroot)
			r = errf(-e, "sandbox: cannot create namespaces: %s", strerror(e));
		else
			r = errf(-SPROUT_ERR_SANDBOX, "sandbox: cannot create namespaces (%s): %s", strerror(e),
				 sandbox_userns_hint);
		goto out;
	}
	r = (int)pid;
out:
	sb_free(&sb);
	return r;
}

pid_t sandbox_spawn(const struct run_spec *spec)
{
	return sandbox_spawn_fd(spec, -1);
}
