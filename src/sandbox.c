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
 * Everything the init needs (paths, the mount plan, the environment,
 * messages) is prepared before clone(): after it only system
 * calls and async-signal-safe functions run. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/capability.h>

#include "err.h"
#include "sandbox.h"
#include "util.h"

#ifndef MS_STRICTATIME
#define MS_STRICTATIME (1 << 24)
#endif

/* statfs() f_flags bits (the kernel's ST_* values). */
enum {
	SB_ST_NOSUID = 2,
	SB_ST_NODEV = 4,
	SB_ST_NOEXEC = 8,
	SB_ST_NOATIME = 1024,
	SB_ST_NODIRATIME = 2048,
	SB_ST_RELATIME = 4096,
};

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
	int interactive;
	int timeout;
	int logfd;
	int userns;             /* clone a user namespace (always tried first) */
	int isroot;
	char uidmap[32], gidmap[32];
	char timeout_msg[64];
	char *stack;
};

/* The typed result of the init's setup, turned into a message by
 * sb_report. */
enum sb_result {
	SB_OK,
	SB_R_MAPS,
	SB_R_PRIVATE,
	SB_R_BASE,
	SB_R_PIVOT,
	SB_R_MKDIR,
	SB_R_WRITE,
	SB_R_SYMLINK,
	SB_R_BIND,
	SB_R_REMOUNT,
	SB_R_MOUNT,
	SB_R_DETACH,
	SB_R_ROOT_RO,
	SB_R_UTS,
	SB_R_LOOPBACK,
	SB_R_STDIO,
	SB_R_FORK,
};

static const char *const sb_result_what[] = {
	[SB_OK] = "",
	[SB_R_MAPS] = "writing the user namespace's uid and gid maps",
	[SB_R_PRIVATE] = "making the inherited mounts private",
	[SB_R_BASE] = "mounting the tmpfs for the new root",
	[SB_R_PIVOT] = "pivot_root into the new root",
	[SB_R_MKDIR] = "creating directory /",
	[SB_R_WRITE] = "writing /",
	[SB_R_SYMLINK] = "creating symlink /",
	[SB_R_BIND] = "bind-mounting onto /",
	[SB_R_REMOUNT] = "making read-only /",
	[SB_R_MOUNT] = "mounting /",
	[SB_R_DETACH] = "detaching the host's root",
	[SB_R_ROOT_RO] = "making the new root read-only",
	[SB_R_UTS] = "setting the hostname",
	[SB_R_LOOPBACK] = "bringing up the loopback interface",
	[SB_R_STDIO] = "setting up stdin, stdout and stderr",
	[SB_R_FORK] = "forking the shell",
};

struct sb_fail {
	enum sb_result r;
	int err;
	const char *path;
};

static const char sb_userns_hint[] =
	"unprivileged user namespaces are disabled here; as root run: "
	"sysctl -w kernel.unprivileged_userns_clone=1 (Debian) or user.max_user_namespaces=15000 "
	"(or, under AppArmor, kernel.apparmor_restrict_unprivileged_userns=0), "
	"or run sprout as root, or use --runner=plain (no isolation)";

/* ---- Preparing the plan (in the caller, before fork) ---- */

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
static int sb_plan_native(struct sb *sb, const char *rootfs)
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
		if (sb_reserved(de->d_name))
			continue;
		const char *p = sb_own(sb, path_join(real, de->d_name));
		r = sb_add_host(sb, p, sb_own(sb, xstrdup(de->d_name)), 1, 1);
	}
	closedir(d);
	return r;
}

/* What every step gets: /tmp, /dev, /proc, its directories. */
static int sb_plan_common(struct sb *sb, const struct run_spec *s)
{
	struct sb_op *op;
	op = sb_add(sb, SB_MOUNT, "tmp", "tmpfs");
	op->flags = MS_NOSUID | MS_NODEV;
	op->data = "mode=1777";
	op = sb_add(sb, SB_MOUNT, "dev", "tmpfs");
	op->flags = MS_NOSUID | MS_NOEXEC;
	op->data = "mode=0755";
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
			return errf(-ERR_SANDBOX, "sandbox: the host's %s is not a character device", p);
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
	op = sb_add(sb, SB_MOUNT, "dev/shm", "tmpfs");
	op->flags = MS_NOSUID | MS_NODEV;
	op->data = "mode=1777";
	op = sb_add(sb, SB_MOUNT, "dev/pts", "devpts");
	op->flags = MS_NOSUID | MS_NOEXEC;
	op->data = "newinstance,ptmxmode=0666,mode=620";
	/* The init mounts proc as pid 1 of the new pid namespace. When uid 0
	 * inside is root outside, file permissions no longer keep the build
	 * from the parts that act on the whole machine: they get read-only
	 * covers. (Unprivileged, they belong to a uid the build does not
	 * have.) */
	op = sb_add(sb, SB_MOUNT, "proc", "proc");
	op->flags = MS_NOSUID | MS_NODEV | MS_NOEXEC;
	if (geteuid() == 0) {
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
	if (!sb_env_has(s->env, "PATH"))
		strv_add(&env, "PATH=/usr/bin:/bin:/usr/sbin:/sbin");
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
	if (!s->interactive && (!s->script || (!s->log && logfd < 0)))
		return errf(r, "sandbox: a step needs a script and a log");
	if (s->mode == RUN_NATIVE && !sandbox_arch_native(s->arch)) {
		r = sandbox_check_arch(s->arch);
		if (r)
			return r;
	}
	r = s->mode == RUN_NATIVE ? sb_plan_native(sb, s->rootfs) : sb_plan_host(sb);
	if (!r)
		r = sb_plan_common(sb, s);
	if (r)
		return r;
	sb->env = sb_make_env(s);
	sb->interactive = s->interactive;
	sb->timeout = s->timeout;
	sb->isroot = geteuid() == 0;
	sb->userns = 1;
	sb->argv[0] = "/bin/sh";
	if (s->interactive) {
		sb->argv[1] = "-i";
	} else {
		sb->argv[1] = "-e";
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

/* ---- After fork: system calls and async-signal-safe functions only ---- */

static void sb_puts(int fd, const char *s)
{
	size_t n = strlen(s);
	while (n > 0) {
		ssize_t w = write(fd, s, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		s += w;
		n -= (size_t)w;
	}
}

static const struct {
	int e;
	const char *s;
} sb_errnos[] = {
	{EPERM, "EPERM (Operation not permitted)"},
	{ENOENT, "ENOENT (No such file or directory)"},
	{EACCES, "EACCES (Permission denied)"},
	{EINVAL, "EINVAL (Invalid argument)"},
	{ENOSPC, "ENOSPC (No space left on device, or too many namespaces)"},
	{EUSERS, "EUSERS (Too many users)"},
	{EBUSY, "EBUSY (Device or resource busy)"},
	{ENOTDIR, "ENOTDIR (Not a directory)"},
	{EEXIST, "EEXIST (File exists)"},
	{ENOMEM, "ENOMEM (Cannot allocate memory)"},
	{EROFS, "EROFS (Read-only file system)"},
	{ENOSYS, "ENOSYS (Function not implemented)"},
	{ELOOP, "ELOOP (Too many levels of symbolic links)"},
	{ENAMETOOLONG, "ENAMETOOLONG (File name too long)"},
	{EAGAIN, "EAGAIN (Resource temporarily unavailable)"},
	{ENODEV, "ENODEV (No such device)"},
	{EOVERFLOW, "EOVERFLOW (Value too large for defined data type)"},
	{ENOEXEC, "ENOEXEC (Exec format error)"},
};

static void sb_puterr(int fd, int e)
{
	for (size_t i = 0; i < sizeof sb_errnos / sizeof sb_errnos[0]; i++)
		if (sb_errnos[i].e == e) {
			sb_puts(fd, sb_errnos[i].s);
			return;
		}
	char b[24], *p = b + sizeof b;
	unsigned u = (unsigned)e;
	*--p = 0;
	do
		*--p = (char)('0' + u % 10);
	while ((u /= 10) && p > b + 6);
	sb_puts(fd, "errno ");
	sb_puts(fd, p);
}

static void sb_message(int fd, const char *what, const char *path, int e)
{
	sb_puts(fd, "sprout: sandbox setup failed: ");
	sb_puts(fd, what);
	if (path)
		sb_puts(fd, path);
	sb_puts(fd, ": ");
	sb_puterr(fd, e);
	sb_puts(fd, "\n");
}

static void sb_report(const struct sb *sb, const struct sb_fail *f)
{
	if (sb->logfd >= 0)
		sb_message(sb->logfd, sb_result_what[f->r], f->path, f->err);
	if (sb->interactive || sb->logfd < 0)
		sb_message(2, sb_result_what[f->r], f->path, f->err);
}

static enum sb_result sb_failed(struct sb_fail *f, enum sb_result r, const char *path)
{
	f->r = r;
	f->err = errno;
	f->path = path;
	return r;
}

static int sb_write_file(const char *path, const char *data, int flags, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC | flags, mode);
	if (fd < 0)
		return -1;
	size_t n = strlen(data);
	ssize_t w = n ? write(fd, data, n) : 0;
	int e = errno;
	close(fd);
	errno = e;
	return w == (ssize_t)n ? 0 : -1;
}

/* A bind mount becomes read-only only by a remount, and in a user
 * namespace that must keep the flags the kernel locked on the source
 * (nosuid, nodev, noexec, the atime mode), else EPERM. */
static int sb_remount_ro(const char *path)
{
	struct statfs st;
	if (statfs(path, &st) < 0)
		return -1;
	unsigned long fl = MS_REMOUNT | MS_BIND | MS_RDONLY;
	if (st.f_flags & SB_ST_NOSUID)
		fl |= MS_NOSUID;
	if (st.f_flags & SB_ST_NODEV)
		fl |= MS_NODEV;
	if (st.f_flags & SB_ST_NOEXEC)
		fl |= MS_NOEXEC;
	if (st.f_flags & SB_ST_NODIRATIME)
		fl |= MS_NODIRATIME;
	if (st.f_flags & SB_ST_NOATIME)
		fl |= MS_NOATIME;
	else if (st.f_flags & SB_ST_RELATIME)
		fl |= MS_RELATIME;
	else
		fl |= MS_STRICTATIME;
	return mount("none", path, NULL, fl, NULL);
}

#ifndef MOUNT_ATTR_RDONLY
#define MOUNT_ATTR_RDONLY 0x00000001
#endif
#ifndef AT_RECURSIVE
#define AT_RECURSIVE 0x8000
#endif

/* struct mount_attr of linux/mount.h, which older headers lack. */
struct sb_mount_attr {
	unsigned long long attr_set, attr_clr, propagation, userns_fd;
};

/* Make the mount at path and every mount below it read-only: one
 * mount_setattr() (Linux 5.12), else a remount of the top one. */
static int sb_make_ro(const char *path)
{
#ifdef SYS_mount_setattr
	struct sb_mount_attr a;
	memset(&a, 0, sizeof a);
	a.attr_set = MOUNT_ATTR_RDONLY;
	if (syscall(SYS_mount_setattr, AT_FDCWD, path, AT_RECURSIVE, &a, sizeof a) == 0)
		return 0;
	if (errno != ENOSYS)
		return -1;
#endif
	return sb_remount_ro(path);
}

static enum sb_result sb_do_op(const struct sb_op *op, struct sb_fail *f)
{
	switch (op->kind) {
	case SB_DIR:
		if (mkdir(op->dst, op->mode) < 0 && errno != EEXIST)
			return sb_failed(f, SB_R_MKDIR, op->dst);
		return SB_OK;
	case SB_FILE:
		if (sb_write_file(op->dst, op->src, O_CREAT | O_EXCL, op->mode) < 0)
			return sb_failed(f, SB_R_WRITE, op->dst);
		return SB_OK;
	case SB_LINK:
		if (symlink(op->src, op->dst) < 0)
			return sb_failed(f, SB_R_SYMLINK, op->dst);
		return SB_OK;
	case SB_BIND:
		if (op->isfile) {
			if (sb_write_file(op->dst, "", O_CREAT, 0444) < 0)
				return sb_failed(f, SB_R_BIND, op->dst);
		} else if (mkdir(op->dst, 0755) < 0 && errno != EEXIST) {
			return sb_failed(f, SB_R_MKDIR, op->dst);
		}
		if (mount(op->src, op->dst, NULL, MS_BIND | MS_REC, NULL) < 0)
			return sb_failed(f, SB_R_BIND, op->dst);
		if (op->ro && sb_make_ro(op->dst) < 0)
			return sb_failed(f, SB_R_REMOUNT, op->dst);
		return SB_OK;
	case SB_COVER:
		if (mount(op->dst, op->dst, NULL, MS_BIND | MS_REC, NULL) < 0) {
			if (errno == ENOENT)
				return SB_OK;
			return sb_failed(f, SB_R_BIND, op->dst);
		}
		if (sb_make_ro(op->dst) < 0)
			return sb_failed(f, SB_R_REMOUNT, op->dst);
		return SB_OK;
	case SB_MOUNT:
		if (mkdir(op->dst, 0755) < 0 && errno != EEXIST)
			return sb_failed(f, SB_R_MKDIR, op->dst);
		if (mount(op->src, op->dst, op->src, op->flags, op->data) < 0)
			return sb_failed(f, SB_R_MOUNT, op->dst);
		return SB_OK;
	}
	return SB_OK;
}

static int sb_loopback_up(void)
{
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return -1;
	struct ifreq ifr;
	memset(&ifr, 0, sizeof ifr);
	memcpy(ifr.ifr_name, "lo", 3);
	ifr.ifr_flags = IFF_UP | IFF_RUNNING;
	int r = ioctl(s, SIOCSIFFLAGS, &ifr);
	int e = errno;
	close(s);
	errno = e;
	return r;
}

/* The fiddly sequence, in the new namespaces, as pid 1. */
static enum sb_result sb_setup(const struct sb *sb, struct sb_fail *f)
{
	if (sb->userns) {
		/* Without CAP_SETGID outside, gid_map needs setgroups denied;
		 * denied as root too, so that both see the same. */
		if (sb_write_file("/proc/self/setgroups", "deny", 0, 0) < 0 ||
		    sb_write_file("/proc/self/uid_map", sb->uidmap, 0, 0) < 0 ||
		    sb_write_file("/proc/self/gid_map", sb->gidmap, 0, 0) < 0)
			return sb_failed(f, SB_R_MAPS, NULL);
	}
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return sb_failed(f, SB_R_PRIVATE, NULL);
	/* The new root is a tmpfs mounted over /tmp; after pivot_root the
	 * host's tree, its /tmp included, is whole again under SB_OLD. */
	if (mount("tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755") < 0)
		return sb_failed(f, SB_R_BASE, NULL);
	if (chdir("/tmp") < 0 || mkdir(SB_OLD_NAME, 0700) < 0)
		return sb_failed(f, SB_R_BASE, NULL);
	if (syscall(SYS_pivot_root, ".", SB_OLD_NAME) < 0 || chdir("/") < 0)
		return sb_failed(f, SB_R_PIVOT, NULL);
	for (int i = 0; i < sb->nops; i++) {
		enum sb_result r = sb_do_op(&sb->ops[i], f);
		if (r != SB_OK)
			return r;
	}
	if (umount2(SB_OLD, MNT_DETACH) < 0 || rmdir(SB_OLD) < 0)
		return sb_failed(f, SB_R_DETACH, NULL);
	if (mount("none", "/", NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV, NULL) < 0)
		return sb_failed(f, SB_R_ROOT_RO, NULL);
	if (sethostname("sprout", 6) < 0 || setdomainname("(none)", 6) < 0)
		return sb_failed(f, SB_R_UTS, NULL);
	if (sb_loopback_up() < 0)
		return sb_failed(f, SB_R_LOOPBACK, NULL);
	return SB_OK;
}

/* Close every descriptor from lo up. */
static void sb_close_from(int lo)
{
#ifdef SYS_close_range
	if (syscall(SYS_close_range, (unsigned)lo, ~0U, 0) == 0)
		return;
#endif
	struct rlimit rl;
	int max = 65536;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < (rlim_t)max)
		max = (int)rl.rlim_cur;
	for (int fd = lo; fd < max; fd++)
		close(fd);
}

/* The build runs as uid 0 with no capabilities at all, like bubblewrap's
 * default: it cannot remount, and an exec of a setuid file gains
 * nothing. */
static void sb_drop_caps(void)
{
	for (int c = 0; c < 64; c++)
		if (prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0 && errno == EINVAL)
			break;
	prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
	struct __user_cap_header_struct h;
	struct __user_cap_data_struct d[2];
	memset(&h, 0, sizeof h);
	memset(d, 0, sizeof d);
	h.version = _LINUX_CAPABILITY_VERSION_3;
	syscall(SYS_capset, &h, d);
	prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
}

static int sb_status(int st)
{
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	return 128 + WTERMSIG(st);
}

/* The signals the init waits for; the rest are unblocked. */
static void sb_wait_set(const struct sb *sb, sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGCHLD);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGHUP);
	if (!sb->interactive)
		sigaddset(set, SIGINT);
}

/* The shell, forked by the init: no capabilities, the step's cwd, umask
 * and environment. */
static int sb_shell(void *arg)
{
	const struct sb *sb = arg;
	sigset_t none;
	sigemptyset(&none);
	signal(SIGINT, SIG_DFL);
	signal(SIGQUIT, SIG_DFL);
	sigprocmask(SIG_SETMASK, &none, NULL);
	umask(022);
	if (chdir("/build") < 0) {
		sb_puts(2, "sprout: sandbox: cannot enter /build\n");
		_exit(127);
	}
	sb_drop_caps();
	execve(sb->argv[0], sb->argv, sb->env);
	int e = errno;
	sb_puts(2, "sprout: sandbox: cannot run /bin/sh: ");
	sb_puterr(2, e);
	sb_puts(2, "\n");
	_exit(127);
	return 127;
}

/* pid 1 of the new pid namespace, and the step's monitor: it builds the
 * root, forks the shell, reaps, and exits with the shell's status, on
 * timeout or on a signal from outside. Its exit ends every process of the
 * namespace. */
static int sb_init(void *arg)
{
	const struct sb *sb = arg;
	struct sb_fail f = {SB_OK, 0, NULL};
	/* The caller blocked every signal around clone(), so none sent
	 * before this point is lost: pid 1 drops signals it has no use for. */
	sigset_t set;
	sb_wait_set(sb, &set);
	for (int sig = 1; sig < 32; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			signal(sig, SIG_DFL);
	if (sb->interactive) {
		/* The shell handles ^C and ^\ itself. */
		signal(SIGINT, SIG_IGN);
		signal(SIGQUIT, SIG_IGN);
	}
	sigprocmask(SIG_SETMASK, &set, NULL);
	/* Die with the caller (its thread), as a build must not outlive sprout. */
	prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);

	if (sb_setup(sb, &f) != SB_OK) {
		sb_report(sb, &f);
		_exit(RUN_EXIT_SETUP);
	}
	/* Keep the build away from this process's descriptors. */
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	if (sb->interactive && isatty(0)) {
		/* Take the terminal's foreground in a process group this pid
		 * namespace can name, so that the shell's job control can hand
		 * it back; the caller takes it back when the sandbox is gone. */
		signal(SIGTTOU, SIG_IGN);
		setpgid(0, 0);
		tcsetpgrp(0, getpgrp());
		signal(SIGTTOU, SIG_DFL);
	}
	if (!sb->interactive) {
		setsid();
		int in = open("/dev/null", O_RDONLY);
		if (in < 0 || dup2(in, 0) < 0 || dup2(sb->logfd, 1) < 0 || dup2(sb->logfd, 2) < 0) {
			sb_failed(&f, SB_R_STDIO, NULL);
			sb_report(sb, &f);
			_exit(RUN_EXIT_SETUP);
		}
	}
	sb_close_from(3);
	struct timespec end = {0, 0};
	if (sb->timeout > 0) {
		clock_gettime(CLOCK_MONOTONIC, &end);
		end.tv_sec += sb->timeout;
	}
	/* Like posix_spawn: the shell shares this memory until it execs, on
	 * a stack of its own, so nothing is copied. */
	pid_t sh = clone(sb_shell, sb->stack + SB_SHELL_STACK, CLONE_VM | CLONE_VFORK | SIGCHLD, (void *)sb);
	if (sh < 0) {
		sb_failed(&f, SB_R_FORK, NULL);
		sb_report(sb, &f);
		_exit(RUN_EXIT_SETUP);
	}
	for (;;) {
		siginfo_t info;
		int sig;
		if (sb->timeout > 0) {
			struct timespec now, left;
			clock_gettime(CLOCK_MONOTONIC, &now);
			left.tv_sec = end.tv_sec - now.tv_sec;
			left.tv_nsec = end.tv_nsec - now.tv_nsec;
			if (left.tv_nsec < 0) {
				left.tv_nsec += 1000000000L;
				left.tv_sec--;
			}
			if (left.tv_sec < 0)
				left.tv_sec = left.tv_nsec = 0;
			sig = sigtimedwait(&set, &info, &left);
		} else {
			sig = sigwaitinfo(&set, &info);
		}
		if (sig < 0 && errno == EAGAIN) {
			sb_puts(2, sb->timeout_msg);
			_exit(RUN_EXIT_TIMEOUT);
		}
		if (sig == SIGCHLD) {
			int st;
			pid_t w;
			while ((w = waitpid(-1, &st, WNOHANG)) > 0)
				if (w == sh)
					_exit(sb_status(st));
		} else if (sig > 0 && info.si_pid == 0) {
			/* From outside the namespace (whose pids show as 0 here)
			 * or from the terminal; the build's own are ignored. */
			_exit(128 + sig);
		}
	}
}

pid_t sandbox_spawn_fd(const struct run_spec *spec, int logfd)
{
	struct sb sb;
	int r = sb_prepare(&sb, spec, logfd);
	if (r)
		goto out;
	int flags = CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWUTS | CLONE_NEWIPC | SIGCHLD;
	char *top = sb.stack + SB_STACK;
	top -= (uintptr_t)top % 64;
	sigset_t all, old;
	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, &old);
	pid_t pid = clone(sb_init, top, flags | CLONE_NEWUSER, &sb);
	if (pid < 0 && sb.isroot) {
		/* No user namespaces here at all: as root the rest still works. */
		sb.userns = 0;
		pid = clone(sb_init, top, flags, &sb);
	}
	int e = errno;
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (pid < 0) {
		if (sb.isroot)
			r = errf(-e, "sandbox: cannot create namespaces: %s", strerror(e));
		else
			r = errf(-ERR_SANDBOX, "sandbox: cannot create namespaces (%s): %s", strerror(e),
				 sb_userns_hint);
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

/* ---- Checks ---- */

int sandbox_check(void)
{
	if (geteuid() == 0)
		return 0;
	char uidmap[32], gidmap[32];
	snprintf(uidmap, sizeof uidmap, "0 %u 1\n", (unsigned)geteuid());
	snprintf(gidmap, sizeof gidmap, "0 %u 1\n", (unsigned)getegid());
	pid_t pid = fork();
	if (pid < 0)
		return errf(-errno, "sandbox: fork: %s", strerror(errno));
	if (pid == 0) {
		/* What the sandbox needs: the namespaces, the maps and a
		 * mount (refused where an LSM confines user namespaces). */
		if (unshare(CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWUTS |
			    CLONE_NEWIPC) < 0)
			_exit(1);
		if (sb_write_file("/proc/self/setgroups", "deny", 0, 0) < 0 ||
		    sb_write_file("/proc/self/uid_map", uidmap, 0, 0) < 0 ||
		    sb_write_file("/proc/self/gid_map", gidmap, 0, 0) < 0)
			_exit(2);
		if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
		    mount("tmpfs", "/tmp", "tmpfs", 0, NULL) < 0)
			_exit(3);
		_exit(0);
	}
	int st;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return errf(-errno, "sandbox: waitpid: %s", strerror(errno));
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
		return 0;
	static const char *const what[] = {"", "creating namespaces", "writing the uid/gid maps", "mounting"};
	int k = WIFEXITED(st) && WEXITSTATUS(st) <= 3 ? WEXITSTATUS(st) : 1;
	return errf(-ERR_SANDBOX, "the sandbox cannot be set up here (%s failed in a user namespace): %s", what[k],
		    sb_userns_hint);
}
