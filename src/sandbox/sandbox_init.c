/* The sandbox's init, in the new namespaces: it carries out the plan that
 * sandbox.c prepared (typed results for the fiddly sequence of system
 * calls, turned into a message here), forks the shell and waits. Forked
 * without exec from a caller that may have threads, it calls only system
 * calls and async-signal-safe functions. Also the probe of whether user
 * namespaces work here. */
#include <errno.h>
#include <fcntl.h>
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

/* The init and the shell run on stacks of their own from clone(): under
 * AddressSanitizer (make check-asan) every _exit and execve would warn,
 * into the step's log, that the stack is not the one it knows. This file's
 * functions are left uninstrumented there; they only make system calls. */
#if defined(__clang__) && defined(__has_feature)
#if __has_feature(address_sanitizer)
#pragma clang attribute push(__attribute__((no_sanitize("address"))), apply_to = function)
#define SB_NO_ASAN_PUSHED 1
#endif
#endif

#include "core/err.h"
#include "core/util.h"
#include "sandbox/run.h"
#include "sandbox/sandbox.h"
#include "sandbox/sandbox_int.h"

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
	/* A kernel without IPv4 (the minimal plan's own, which VM mode
	 * boots) has no loopback interface to bring up: nothing to do. */
	if (s < 0 && errno == EAFNOSUPPORT)
		return 0;
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
	if (!sb->farmnet && sb_loopback_up() < 0)
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
	/* capset(2)'s structures, as linux/capability.h has them (which
	 * musl's toolchains may lack): version 3, two 32-bit sets. */
	struct {
		uint32_t version;
		int pid;
	} h = {0x20080522, 0};
	struct {
		uint32_t effective, permitted, inheritable;
	} d[2];
	memset(d, 0, sizeof d);
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

/* With --nest, the pid of the step, which the shell leaves behind in a
 * user namespace of its own (sb_nest_step); the shell shares the init's
 * memory until it exits, so the init reads it once clone() returns. */
static volatile pid_t sb_nest_pid;

/* "/proc/PID/NAME" into b, without stdio (the init's memory is shared). */
static void sb_proc_path(char *b, pid_t pid, const char *name)
{
	char d[16];
	int n = 0;
	unsigned v = (unsigned)pid;
	do
		d[n++] = (char)('0' + v % 10);
	while ((v /= 10));
	memcpy(b, "/proc/", 6);
	b += 6;
	while (n)
		*b++ = d[--n];
	*b++ = '/';
	strcpy(b, name);
}

/* --nest keeps uid 0's capabilities for a sprout inside, but only in a
 * user namespace made for the step, with a mount namespace copied from the
 * sandbox's. The kernel locks the flags and the places of every mount
 * copied into a less privileged user namespace: the step cannot remount a
 * read-only bind of the host writable, nor unmount a cover to see what is
 * under it, which with the capabilities of the sandbox's own namespace it
 * could (issue 12: a --nest step as root remounted the host's /usr
 * read-write). The shell, which has CAP_SETFCAP here, maps the step's uid
 * and gid 0 to its own, lets it go on, and leaves. Returns in the step
 * (0), or never (the shell exits); -1 when it cannot be done. */
static int sb_nest_step(void)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return -1;
	long pid = syscall(SYS_clone, (unsigned long)(CLONE_NEWUSER | CLONE_NEWNS | SIGCHLD), 0, NULL, NULL, 0);
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return -1;
	}
	if (pid == 0) {
		char c;
		close(p[1]);
		ssize_t n = read(p[0], &c, 1);
		close(p[0]);
		if (n != 1)
			_exit(127);
		return 0;
	}
	close(p[0]);
	char path[48];
	sb_proc_path(path, (pid_t)pid, "uid_map");
	int ok = sb_write_file(path, "0 0 1\n", 0, 0) == 0;
	sb_proc_path(path, (pid_t)pid, "gid_map");
	ok = ok && sb_write_file(path, "0 0 1\n", 0, 0) == 0;
	if (!ok) {
		int e = errno;
		sb_puts(2, "sprout: sandbox: cannot map the nested step's user namespace: ");
		sb_puterr(2, e);
		sb_puts(2, "\n");
		_exit(127);     /* the step sees its pipe closed and ends */
	}
	sb_nest_pid = (pid_t)pid;
	if (write(p[1], "x", 1) != 1)
		_exit(127);
	_exit(0);
	return -1;      /* not reached */
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
	if (chdir(sb->cwd) < 0) {
		sb_puts(2, "sprout: sandbox: cannot enter ");
		sb_puts(2, sb->cwd);
		sb_puts(2, "\n");
		_exit(127);
	}
	if (!sb->nest) {
		sb_drop_caps();
	} else if (sb_nest_step() < 0) {
		int e = errno;
		sb_puts(2, "sprout: sandbox: cannot make the nested step's namespaces: ");
		sb_puterr(2, e);
		sb_puts(2, "\n");
		_exit(127);
	}
	if (sb->cmd)
		execve(sb->cmd[0], sb->cmd, sb->env);
	else
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
int sandbox_init_main(void *arg)
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
	umask(0);
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
	if (sb->nest && sb_nest_pid > 0)
		sh = sb_nest_pid;   /* the shell handed over to the step and left */
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
	int st, r = proc_wait(pid, &st);
	if (r)
		return errf(r, "sandbox: waitpid: %s", err_str(r));
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
		return 0;
	static const char *const what[] = {"", "creating namespaces", "writing the uid/gid maps", "mounting"};
	int k = WIFEXITED(st) && WEXITSTATUS(st) <= 3 ? WEXITSTATUS(st) : 1;
	return errf(-SPROUT_ERR_SANDBOX, "the sandbox cannot be set up here (%s failed in a user namespace): %s", what[k],
		    sandbox_userns_hint);
}

#ifdef SB_NO_ASAN_PUSHED
#pragma clang attribute pop
#endif
