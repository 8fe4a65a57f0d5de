/* What a hostile build step tries from inside sprout's sandbox
 * (tests/e2e/sandbox_escape.sh, docs/security.md). No C library: raw
 * system calls for x86_64 and aarch64, so that one source builds a static
 * probe for the host and for a foreign arch with nothing but a compiler:
 *   cc -static -nostdlib -ffreestanding -fno-stack-protector -O2 -o probe sandbox_probe.c
 *   probe MARKER HOST_IP PORT ABSTRACT HOST_PID
 * It tries to write a file or directory called MARKER in every place it
 * can name but the step's own (/build, /destdir, /tmp), to remount the root
 * and /usr writable (the test looks for MARKER on the host), to reach HOST_IP:PORT, 127.0.0.1:PORT and the abstract
 * unix socket @ABSTRACT (which the test listens on outside), to ptrace
 * sprout's init (pid 1) and HOST_PID, and leaves a daemon named
 * "pd-MARKER" behind (setsid, double fork) that sleeps 120 s. Each success
 * prints "ESCAPE: ..."; the last line is "probe done: N escapes".
 * It refuses to run where the hostname is not "sprout" (the sandbox's): on
 * a host, as root, every one of these would succeed. */

typedef unsigned long size_t;

#if defined(__x86_64__)
enum { SYS_read = 0, SYS_write = 1, SYS_close = 3, SYS_socket = 41, SYS_connect = 42, SYS_clone = 56,
       SYS_exit_group = 231, SYS_wait4 = 61, SYS_kill = 62, SYS_ptrace = 101, SYS_setsid = 112,
       SYS_prctl = 157, SYS_mount = 165, SYS_getdents64 = 217, SYS_nanosleep = 35, SYS_getpid = 39,
       SYS_openat = 257, SYS_mkdirat = 258, SYS_dup3 = 292, SYS_uname = 63 };
static long sc(long n, long a, long b, long c, long d, long e)
{
	long ret;
	register long r10 __asm__("r10") = d;
	register long r8 __asm__("r8") = e;
	__asm__ volatile("syscall" : "=a"(ret) : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8)
			 : "rcx", "r11", "memory");
	return ret;
}
__asm__(".globl _start\n_start:\n\txor %rbp,%rbp\n\tmov %rsp,%rdi\n\tand $-16,%rsp\n\tcall cmain\n\thlt\n");
#elif defined(__aarch64__)
enum { SYS_read = 63, SYS_write = 64, SYS_close = 57, SYS_socket = 198, SYS_connect = 203, SYS_clone = 220,
       SYS_exit_group = 94, SYS_wait4 = 260, SYS_kill = 129, SYS_ptrace = 117, SYS_setsid = 157,
       SYS_prctl = 167, SYS_mount = 40, SYS_getdents64 = 61, SYS_nanosleep = 101, SYS_getpid = 172,
       SYS_openat = 56, SYS_mkdirat = 34, SYS_dup3 = 24, SYS_uname = 160 };
static long sc(long n, long a, long b, long c, long d, long e)
{
	register long x8 __asm__("x8") = n;
	register long x0 __asm__("x0") = a;
	register long x1 __asm__("x1") = b;
	register long x2 __asm__("x2") = c;
	register long x3 __asm__("x3") = d;
	register long x4 __asm__("x4") = e;
	__asm__ volatile("svc 0" : "+r"(x0) : "r"(x8), "r"(x1), "r"(x2), "r"(x3), "r"(x4) : "memory");
	return x0;
}
__asm__(".globl _start\n_start:\n\tmov x0, sp\n\tbl cmain\n");
#else
#error "x86_64 or aarch64"
#endif

#define AT_FDCWD -100
#define O_RDONLY 0
#define O_WRONLY 1
#define O_RDWR 2
#define O_CREAT 0100
#define O_EXCL 0200
#define O_DIRECTORY 0200000
#define MS_REMOUNT 32
#define MS_BIND 4096
#define AF_UNIX 1
#define AF_INET 2
#define SOCK_STREAM 1
/* SEIZE, not ATTACH: the same permission check, but a tracee it reaches
 * is not stopped */
#define PTRACE_SEIZE 0x4206
#define PTRACE_DETACH 17
#define PR_SET_NAME 15
#define SIGCHLD 17

/* what gcc may call on its own */
void *memset(void *d, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);
void *memset(void *d, int c, size_t n)
{
	unsigned char *p = d;
	while (n--)
		*p++ = (unsigned char)c;
	return d;
}
void *memcpy(void *d, const void *s, size_t n)
{
	unsigned char *p = d;
	const unsigned char *q = s;
	while (n--)
		*p++ = *q++;
	return d;
}

static size_t slen(const char *s)
{
	size_t n = 0;
	while (s[n])
		n++;
	return n;
}

static int starts(const char *s, const char *p)
{
	while (*p)
		if (*s++ != *p++)
			return 0;
	return 1;
}

static long num(const char *s)
{
	long v = 0;
	if (!*s)
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (*s - '0');
	}
	return v;
}

static void out(const char *s)
{
	sc(SYS_write, 1, (long)s, (long)slen(s), 0, 0);
}

static void fmt_num(char *b, long v)
{
	char t[24];
	int n = 0;
	if (v < 0) {
		*b++ = '-';
		v = -v;
	}
	do
		t[n++] = (char)('0' + v % 10);
	while ((v /= 10));
	while (n)
		*b++ = t[--n];
	*b = 0;
}

static int escapes;

static void esc(const char *what, const char *arg)
{
	out("ESCAPE: ");
	out(what);
	out(" ");
	out(arg);
	out("\n");
	escapes++;
}

static void join(char *b, size_t cap, const char *a, const char *c)
{
	size_t i = 0;
	for (; *a && i + 2 < cap; a++)
		b[i++] = *a;
	if (i && b[i - 1] != '/')
		b[i++] = '/';
	for (; *c && i + 1 < cap; c++)
		b[i++] = *c;
	b[i] = 0;
}

static int is_own(const char *d)
{
	static const char *const own[] = {"/build", "/destdir", "/tmp", "/dev/shm", 0};
	for (int i = 0; own[i]; i++) {
		size_t n = slen(own[i]);
		if (starts(d, own[i]) && (!d[n] || d[n] == '/'))
			return 1;
	}
	return 0;
}

static void try_write(const char *dir, const char *marker)
{
	char p[512];
	join(p, sizeof p, dir, marker);
	/* Only the host can tell whether a write reached it (a private tmpfs
	 * such as /dev, or a --rootfs-rw root, is writable on purpose): the
	 * test looks for MARKER outside; here a write is only told. */
	long fd = sc(SYS_openat, AT_FDCWD, (long)p, O_WRONLY | O_CREAT | O_EXCL, 0644, 0);
	if (fd >= 0) {
		sc(SYS_close, fd, 0, 0, 0, 0);
		if (!is_own(dir)) {
			out("wrote ");
			out(p);
			out("\n");
		}
	}
	if (sc(SYS_mkdirat, AT_FDCWD, (long)p, 0755, 0, 0) == 0 && !is_own(dir)) {
		out("made directory ");
		out(p);
		out("\n");
	}
}

static void writes(const char *marker)
{
	static const char *const dirs[] = {"/", "/usr", "/usr/bin", "/usr/lib", "/bin", "/lib", "/etc", "/sysroot",
		"/deps", "/dev", "/proc", "/sys", "/run", "/var", "/home", "/root", "/mnt", "/opt", "/srv", "/build/..",
		"/destdir/..", "/proc/self/root", "/proc/1/root", "/proc/1/cwd", "/build", "/destdir", "/tmp", 0};
	for (int i = 0; dirs[i]; i++)
		try_write(dirs[i], marker);
	/* every mount point the step can see */
	static char buf[65536];
	long fd = sc(SYS_openat, AT_FDCWD, (long)"/proc/self/mounts", O_RDONLY, 0, 0);
	long n = 0, k;
	while (fd >= 0 && n < (long)sizeof buf - 1 && (k = sc(SYS_read, fd, (long)buf + n, (long)sizeof buf - 1 - n, 0, 0)) > 0)
		n += k;
	if (fd >= 0)
		sc(SYS_close, fd, 0, 0, 0, 0);
	buf[n < 0 ? 0 : n] = 0;
	for (char *l = buf; *l;) {
		char *e = l;
		while (*e && *e != '\n')
			e++;
		char *d = l;
		while (d < e && *d != ' ')
			d++;
		if (d < e) {
			char dir[512];
			size_t i = 0;
			for (d++; d < e && *d != ' ' && i + 1 < sizeof dir; d++)
				dir[i++] = *d;
			dir[i] = 0;
			if (!is_own(dir))
				try_write(dir, marker);
		}
		l = *e ? e + 1 : e;
	}
	/* remount the root and /usr writable, then write */
	if (sc(SYS_mount, 0, (long)"/", 0, MS_REMOUNT | MS_BIND, 0) == 0)
		try_write("/", marker);
	if (sc(SYS_mount, 0, (long)"/usr", 0, MS_REMOUNT | MS_BIND, 0) == 0)
		try_write("/usr", marker);
}

struct sin {
	unsigned short family, port;
	unsigned char addr[4];
	unsigned char zero[8];
};

static int ip4(const char *s, unsigned char a[4])
{
	for (int i = 0; i < 4; i++) {
		int v = 0, d = 0;
		while (*s >= '0' && *s <= '9')
			v = v * 10 + (*s++ - '0'), d++;
		if (!d || v > 255 || (i < 3 && *s++ != '.'))
			return -1;
		a[i] = (unsigned char)v;
	}
	return *s ? -1 : 0;
}

static void net(const char *ip, long port, const char *abstract)
{
	const char *addrs[] = {ip, "127.0.0.1"};
	for (int i = 0; i < 2; i++) {
		struct sin a;
		memset(&a, 0, sizeof a);
		a.family = AF_INET;
		a.port = (unsigned short)(((port & 0xff) << 8) | ((port >> 8) & 0xff));
		if (ip4(addrs[i], a.addr))
			continue;
		long s = sc(SYS_socket, AF_INET, SOCK_STREAM, 0, 0, 0);
		if (s < 0)
			continue;
		if (sc(SYS_connect, s, (long)&a, sizeof a, 0, 0) == 0) {
			char got[16] = {0};
			if (sc(SYS_read, s, (long)got, 7, 0, 0) == 7 && starts(got, "outside"))
				esc("connected to the host at", addrs[i]);
		}
		sc(SYS_close, s, 0, 0, 0, 0);
	}
	struct {
		unsigned short family;
		char path[108];
	} u;
	memset(&u, 0, sizeof u);
	u.family = AF_UNIX;
	size_t n = slen(abstract);
	if (n > 100)
		n = 100;
	memcpy(u.path + 1, abstract, n);
	long s = sc(SYS_socket, AF_UNIX, SOCK_STREAM, 0, 0, 0);
	if (s >= 0 && sc(SYS_connect, s, (long)&u, (long)(2 + 1 + n), 0, 0) == 0)
		esc("connected to the host's abstract socket", abstract);
	if (s >= 0)
		sc(SYS_close, s, 0, 0, 0, 0);
}

struct dent {
	unsigned long ino;
	long off;
	unsigned short reclen;
	unsigned char type;
	char name[];
};

static void trace(long host_pid)
{
	static char buf[32768];
	long me = sc(SYS_getpid, 0, 0, 0, 0, 0);
	long fd = sc(SYS_openat, AT_FDCWD, (long)"/proc", O_RDONLY | O_DIRECTORY, 0, 0);
	long n;
	while (fd >= 0 && (n = sc(SYS_getdents64, fd, (long)buf, sizeof buf, 0, 0)) > 0) {
		for (long o = 0; o < n;) {
			struct dent *d = (struct dent *)(buf + o);
			long pid = num(d->name);
			/* The step's own processes (the shell that runs the probe)
			 * may trace each other; pid 1 is sprout's init, outside the
			 * step, and the host's processes are not to be seen at all. */
			if (pid > 0 && pid != me && sc(SYS_ptrace, PTRACE_SEIZE, pid, 0, 0, 0) == 0) {
				char w[24];
				fmt_num(w, pid);
				if (pid == 1) {
					esc("ptrace attached to sprout's init, pid", w);
				} else {
					out("traced the step's own pid ");
					out(w);
					out("\n");
				}
				sc(SYS_ptrace, PTRACE_DETACH, pid, 0, 0, 0);
			}
			o += d->reclen;
		}
	}
	if (fd >= 0)
		sc(SYS_close, fd, 0, 0, 0, 0);
	/* the host's process, by its host pid: in here the number names
	 * nothing, or one of the step's own processes */
	if (host_pid > 0 && sc(SYS_ptrace, PTRACE_SEIZE, host_pid, 0, 0, 0) == 0) {
		char p[48], comm[16] = {0};
		join(p, sizeof p, "/proc", "");
		fmt_num(p + slen(p), host_pid);
		join(p, sizeof p, p, "comm");
		long c = sc(SYS_openat, AT_FDCWD, (long)p, O_RDONLY, 0, 0);
		if (c >= 0 && sc(SYS_read, c, (long)comm, 5, 0, 0) == 5 && starts(comm, "sleep"))
			esc("ptrace attached to the host's process", p);
		if (c >= 0)
			sc(SYS_close, c, 0, 0, 0, 0);
		sc(SYS_ptrace, PTRACE_DETACH, host_pid, 0, 0, 0);
	}
}

static void daemonize(const char *marker)
{
	long p = sc(SYS_clone, SIGCHLD, 0, 0, 0, 0);
	if (p != 0) {
		if (p > 0)
			sc(SYS_wait4, p, 0, 0, 0, 0);
		return;
	}
	sc(SYS_setsid, 0, 0, 0, 0, 0);
	if (sc(SYS_clone, SIGCHLD, 0, 0, 0, 0) != 0)
		sc(SYS_exit_group, 0, 0, 0, 0, 0);
	char name[16] = "pd-";
	for (int i = 0; marker[i] && i < 12; i++)
		name[3 + i] = marker[i];
	sc(SYS_prctl, PR_SET_NAME, (long)name, 0, 0, 0);
	long fd = sc(SYS_openat, AT_FDCWD, (long)"/dev/null", O_RDWR, 0, 0);
	for (int i = 0; fd >= 0 && i < 3; i++)
		if (fd != i)
			sc(SYS_dup3, fd, i, 0, 0, 0);
	struct {
		long s, ns;
	} t = {120, 0};
	sc(SYS_nanosleep, (long)&t, 0, 0, 0, 0);
	sc(SYS_exit_group, 0, 0, 0, 0, 0);
}

void cmain(long *sp);
void cmain(long *sp)
{
	long argc = sp[0];
	char **argv = (char **)(sp + 1);
	if (argc != 6) {
		out("usage: probe MARKER HOST_IP PORT ABSTRACT HOST_PID\n");
		sc(SYS_exit_group, 2, 0, 0, 0, 0);
	}
	struct {
		char f[6][65];
	} u;
	if (sc(SYS_uname, (long)&u, 0, 0, 0, 0) != 0 || !starts(u.f[1], "sprout") || u.f[1][6]) {
		out("probe: not in a sprout sandbox (hostname is not 'sprout'): refusing to run\n");
		sc(SYS_exit_group, 3, 0, 0, 0, 0);
	}
	writes(argv[1]);
	net(argv[2], num(argv[3]), argv[4]);
	trace(num(argv[5]));
	daemonize(argv[1]);
	char b[24];
	fmt_num(b, escapes);
	out("probe done: ");
	out(b);
	out(" escapes\n");
	sc(SYS_exit_group, 0, 0, 0, 0, 0);
}
