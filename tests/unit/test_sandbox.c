/* The namespace sandbox, through run_spawn() with run_use_sandbox = 1, on
 * temporary directories. As root the cases run twice: as root, then
 * rootless as the user sprout-test (created with useradd when missing). */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/err.h"
#include "sandbox/run.h"
#include "sandbox/sandbox.h"
#include "tap.h"
#include "core/util.h"

struct suite {
	const char *who;        /* "root" or "rootless" */
	char *top, *build, *dest, *log, *dep, *sysroot;
	const char *repo;
};

static void put(const char *path, const char *text, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
	if (fd >= 0) {
		ssize_t w = write(fd, text, strlen(text));
		(void)w;
		close(fd);
	}
}

static char *slurp(const char *path)
{
	struct buf b = {0};
	file_read(path, &b);
	return buf_take(&b);
}

static void spec_init(struct suite *s, struct run_spec *sp, const char *script)
{
	static const struct run_dep deps[1] = {{"dep1", NULL}};
	static struct run_dep d[1];
	static char *env[] = {"FOO=bar", "LC_ALL=C", NULL};
	memset(sp, 0, sizeof *sp);
	d[0] = deps[0];
	d[0].path = s->dep;
	sp->step = "test";
	sp->mode = RUN_HOST;
	sp->arch = host_arch();
	sp->script = script;
	sp->builddir = s->build;
	sp->destdir = s->dest;
	sp->sysroot = s->sysroot;
	sp->deps = d;
	sp->ndeps = 1;
	sp->env = env;
	sp->log = s->log;
}

/* Run spec; the exit status (or -1), the log in *out (caller frees). */
static int run_spec_out(struct suite *s, const struct run_spec *sp, char **out)
{
	truncate(s->log, 0);
	err_clear();
	pid_t pid = run_spawn(sp);
	if (pid < 0) {
		printf("# run_spawn: %s\n", err_msg(pid));
		*out = xstrdup("");
		return -1;
	}
	int st;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	*out = slurp(s->log);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static int run(struct suite *s, const char *script, char **out)
{
	struct run_spec sp;
	spec_init(s, &sp, script);
	return run_spec_out(s, &sp, out);
}

/* ok when script, in a host step, ends with status 0 having said exactly
 * want; what it said otherwise as a TAP comment. */
static void says(struct suite *s, const char *script, const char *want, const char *what)
{
	char *out = NULL;
	int st = run(s, script, &out);
	ok(st == 0 && out && !strcmp(out, want), "%s: %s", s->who, what);
	if (!out || strcmp(out, want))
		printf("# %s", out ? out : "");
	free(out);
}

/* Whether a process runs whose argv is exactly "sleep ARG". */
static int sleeping(const char *arg)
{
	char want[64];
	int n = snprintf(want, sizeof want, "sleep%c%s", 0, arg) + 1;
	DIR *d = opendir("/proc");
	struct dirent *e;
	int found = 0;
	while (d && !found && (e = readdir(d))) {
		if (e->d_name[0] < '0' || e->d_name[0] > '9')
			continue;
		char p[300], b[128];
		snprintf(p, sizeof p, "/proc/%s/cmdline", e->d_name);
		int fd = open(p, O_RDONLY);
		if (fd < 0)
			continue;
		ssize_t r = read(fd, b, sizeof b);
		close(fd);
		if (r == n && !memcmp(b, want, (size_t)n))
			found = 1;
	}
	if (d)
		closedir(d);
	return found;
}

/* Mounts in this namespace, but for binfmt_misc, which sandbox_check_arch
 * may mount as root for the aarch64 case. */
static int count_mounts(void)
{
	char *s = slurp("/proc/self/mountinfo");
	int n = 0;
	for (char *l = s; *l;) {
		char *e = strchr(l, '\n');
		if (!e)
			break;
		*e = 0;
		n += !strstr(l, " binfmt_misc ");
		l = e + 1;
	}
	free(s);
	return n;
}

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + t.tv_nsec / 1e9;
}

static void basics(struct suite *s)
{
	const char *w = s->who;
	char *out;
	int st = run(s, "id -u; id -g; id -un; uname -n; umask; pwd; cat /proc/sys/kernel/domainname", &out);
	ok(st == 0 && !strcmp(out, "0\n0\nroot\nsprout\n0022\n/build\n(none)\n"),
	   "%s: uid 0, gid 0, root, hostname sprout, umask 022, cwd /build, domainname (none)", w);
	if (st || strcmp(out, "0\n0\nroot\nsprout\n0022\n/build\n(none)\n"))
		printf("# status %d, log:\n%s", st, out);
	free(out);

	setenv("SPROUT_TEST_LEAK", "1", 1);
	/* Less the shell's own SHLVL, which busybox's sh exports. */
	st = run(s, "env | grep -v '^SHLVL=' | sort", &out);
	ok(st == 0 &&
	       !strcmp(out, "BUILDDIR=/build\nDEPS=/deps\nDESTDIR=/destdir\nFOO=bar\nHOME=/build\nLC_ALL=C\n"
			    "PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin\nPWD=/build\nSYSROOT=/sysroot\nTERM=dumb\n"),
	   "%s: the environment is the spec's plus the runner's, nothing of the caller's", w);
	if (st || strstr(out, "LEAK"))
		printf("# %s", out);
	free(out);

	st = run(s, "exit 7", &out);
	ok(st == 7, "%s: the script's exit status passes through (%d)", w, st);
	free(out);
	st = run(s, "false; echo not reached", &out);
	ok(st == 1 && !strstr(out, "not reached"), "%s: the script runs under sh -e", w);
	free(out);

	st = run(s, "if read x; then echo got; else echo EOF; fi", &out);
	ok(st == 0 && !strcmp(out, "EOF\n"), "%s: stdin is /dev/null", w);
	free(out);

	st = run(s, "grep -E '^Cap(Eff|Prm|Bnd)' /proc/self/status | tr -d '\\t'", &out);
	ok(st == 0 && !strcmp(out, "CapPrm:0000000000000000\nCapEff:0000000000000000\nCapBnd:0000000000000000\n"),
	   "%s: the build has no capabilities", w);
	free(out);
}

static void filesystem(struct suite *s)
{
	const char *w = s->who;
	char *out, *script;
	int st = run(s, "touch /usr/.sprout-probe 2>/dev/null && echo WROTE || echo DENIED; "
			"touch /usr/lib/.sprout-probe 2>/dev/null && echo WROTE || echo DENIED; "
			"touch /.probe 2>/dev/null && echo WROTE || echo DENIED",
		     &out);
	ok(st == 0 && !strcmp(out, "DENIED\nDENIED\nDENIED\n") && !path_exists("/usr/.sprout-probe"),
	   "%s: /usr and / are read-only", w);
	free(out);

	script = xasprintf("for p in /root /home /work /var /etc/shadow /etc/hostname '%s' '%s'; do "
			   "test -e \"$p\" && echo \"VISIBLE $p\"; done; echo checked",
			   s->repo, s->top);
	st = run(s, script, &out);
	ok(st == 0 && !strcmp(out, "checked\n"), "%s: /root, /home, the repository (%s) and the host's state are invisible",
	   w, s->repo);
	if (strcmp(out, "checked\n"))
		printf("# %s", out);
	free(out);
	free(script);

	char *src = path_join(s->build, "src.txt");
	put(src, "source\n", 0644);
	st = run(s, "cat src.txt; echo built > obj; echo hello > \"$DESTDIR/f\"", &out);
	char *f = path_join(s->dest, "f"), *obj = path_join(s->build, "obj");
	char *fs = slurp(f), *os = slurp(obj);
	ok(st == 0 && !strcmp(out, "source\n") && !strcmp(fs, "hello\n") && !strcmp(os, "built\n"),
	   "%s: /build holds the sources and is writable, $DESTDIR lands in the spec's destdir", w);
	FREE_ALL(out, fs, os, f, obj, src);

	says(s, "cat /deps/dep1/x \"$SYSROOT/s\"; touch /deps/dep1/y 2>/dev/null && echo WROTE || echo RO; "
		"touch /sysroot/y 2>/dev/null && echo WROTE || echo RO",
	     "dep\nsys\nRO\nRO\n", "deps at /deps/NAME and the sysroot, read-only");

	st = run(s, "stat -c %a /tmp; ls -A /tmp | wc -l; echo x > /tmp/t && cat /tmp/t; ls /dev | tr '\\n' ' '; echo; "
		    "head -c 3 /dev/zero | tr '\\000' z; echo; echo y > /dev/null && echo null-ok",
		 &out);
	ok(st == 0 && !strcmp(out, "1777\n0\nx\nfd full null ptmx pts random shm stderr stdin stdout tty urandom zero \n"
				   "zzz\nnull-ok\n"),
	   "%s: a fresh writable /tmp (1777) and a minimal /dev", w);
	if (strstr(out, "1777") == NULL || strstr(out, "null-ok") == NULL)
		printf("# %s", out);
	free(out);

	says(s, "echo 'int main(void){return 42;}' > t.c && cc -o t t.c && ./t || echo $?", "42\n",
	     "the host's compiler works in a host stage");

	says(s, "(cat /proc/sys/vm/swappiness > /proc/sys/vm/swappiness) 2>/dev/null && echo WROTE || echo DENIED; "
		"(echo x > /proc/sysrq-trigger) 2>/dev/null && echo WROTE || echo DENIED; "
		"mount -t tmpfs none /tmp 2>/dev/null && echo MOUNTED || echo DENIED",
	     "DENIED\nDENIED\nDENIED\n", "no sysctl, sysrq or mount from inside");
}

static void network(struct suite *s)
{
	const char *w = s->who;
	int l = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	struct sockaddr_in a;
	socklen_t al = sizeof a;
	memset(&a, 0, sizeof a);
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (l < 0 || bind(l, (struct sockaddr *)&a, sizeof a) < 0 || listen(l, 4) < 0 ||
	    getsockname(l, (struct sockaddr *)&a, &al) < 0) {
		ok(0, "%s: cannot listen on 127.0.0.1: %s", w, strerror(errno));
		return;
	}
	/* bash's /dev/tcp makes the connection; a root without bash
	 * (plans/gnu's final system, under make check-gnu) cannot try. */
	char *script = xasprintf("command -v bash >/dev/null || { echo NO-BASH; exit 0; }; "
				 "bash -c 'exec 3<>/dev/tcp/127.0.0.1/%d' 2>&1 && echo CONNECTED || echo REFUSED",
				 ntohs(a.sin_port));
	char *out;
	int st = run(s, script, &out);
	if (st == 0 && strstr(out, "NO-BASH")) {
		ok(1, "# SKIP %s: no bash in this root to connect with (the host's 127.0.0.1)", w);
		ok(1, "# SKIP %s: no bash in this root to connect with (loopback inside)", w);
		close(l);
		free(out);
		free(script);
		return;
	}
	int c = accept(l, NULL, NULL);
	ok(st == 0 && strstr(out, "REFUSED") && c < 0 && errno == EAGAIN,
	   "%s: the host's 127.0.0.1 is unreachable (the listener saw nothing)", w);
	ok(strstr(out, "Connection refused") != NULL, "%s: inside, loopback is up (connection refused, not unreachable)",
	   w);
	if (!strstr(out, "Connection refused"))
		printf("# %s", out);
	if (c >= 0)
		close(c);
	close(l);
	free(out);
	free(script);
}

static void processes(struct suite *s)
{
	const char *w = s->who;
	char arg[32], *out, *script;
	snprintf(arg, sizeof arg, "1000%d", (int)getpid());
	script = xasprintf("sleep %s & echo started", arg);
	int st = run(s, script, &out);
	ok(st == 0 && !strcmp(out, "started\n") && !sleeping(arg), "%s: a background 'sleep %s' is gone once the step ends",
	   w, arg);
	free(out);
	free(script);

	struct run_spec sp;
	snprintf(arg, sizeof arg, "30%d", (int)getpid());
	script = xasprintf("sleep %s", arg);
	spec_init(s, &sp, script);
	sp.timeout = 1;
	double t0 = now();
	st = run_spec_out(s, &sp, &out);
	double dt = now() - t0;
	ok(st == RUN_EXIT_TIMEOUT && dt < 5 && strstr(out, "sprout: step timed out after 1 s") && !sleeping(arg),
	   "%s: timeout 1 s: status %d after %.1f s, reported in the log, nothing left", w, st, dt);
	free(out);
	free(script);

	st = run(s, "kill -TERM 1; kill -INT 1; kill -KILL 1; echo survived", &out);
	ok(st == 0 && strstr(out, "survived"), "%s: the build cannot signal the init", w);
	free(out);

	/* SIGTERM from outside ends the sandbox with 128+15. */
	snprintf(arg, sizeof arg, "1001%d", (int)getpid());
	script = xasprintf("sleep %s", arg);
	spec_init(s, &sp, script);
	truncate(s->log, 0);
	pid_t pid = run_spawn(&sp);
	for (int i = 0; i < 200 && !sleeping(arg); i++)
		usleep(10000);
	int was = sleeping(arg);
	kill(pid, SIGTERM);
	int wst = 0;
	waitpid(pid, &wst, 0);
	ok(was && WIFEXITED(wst) && WEXITSTATUS(wst) == 128 + SIGTERM && !sleeping(arg),
	   "%s: SIGTERM to the returned pid ends the step with 143 and kills it all", w);
	free(script);

	/* When the caller dies, so does the sandbox. */
	snprintf(arg, sizeof arg, "1002%d", (int)getpid());
	script = xasprintf("sleep %s", arg);
	spec_init(s, &sp, script);
	pid_t k = fork();
	if (k == 0) {
		if (run_spawn(&sp) < 0)
			_exit(1);
		for (int i = 0; i < 200 && !sleeping(arg); i++)
			usleep(10000);
		_exit(sleeping(arg) ? 0 : 2);
	}
	waitpid(k, &wst, 0);
	int gone = 0;
	for (int i = 0; i < 200 && !gone; i++) {
		gone = !sleeping(arg);
		if (!gone)
			usleep(10000);
	}
	ok(WIFEXITED(wst) && WEXITSTATUS(wst) == 0 && gone, "%s: the sandbox dies with the process that started it", w);
	free(script);

	/* Interactive: the shell reads the terminal (here a pipe). */
	int pfd[2];
	char *iout = path_join(s->top, "interactive.out");
	if (pipe(pfd) == 0) {
		k = fork();
		if (k == 0) {
			int o = open(iout, O_WRONLY | O_CREAT | O_TRUNC, 0644);
			dup2(pfd[0], 0);
			dup2(o, 1);
			dup2(o, 2);
			close(pfd[1]);
			spec_init(s, &sp, NULL);
			sp.interactive = 1;
			sp.log = NULL;
			pid_t p = run_spawn(&sp);
			if (p < 0)
				_exit(100);
			int x;
			waitpid(p, &x, 0);
			_exit(WIFEXITED(x) ? WEXITSTATUS(x) : 101);
		}
		close(pfd[0]);
		const char *cmds = "echo hi-from-$(id -u); exit 4\n";
		ssize_t wr = write(pfd[1], cmds, strlen(cmds));
		(void)wr;
		close(pfd[1]);
		waitpid(k, &wst, 0);
		char *o = slurp(iout);
		ok(WIFEXITED(wst) && WEXITSTATUS(wst) == 4 && strstr(o, "hi-from-0"),
		   "%s: interactive: sh -i on the caller's stdin and stdout", w);
		free(o);
	}
	free(iout);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Compile src (a file) with the command prefix cc into out; 0 on success. */
static int compile(const char *cc, const char *src, const char *out)
{
	char *cmd = xasprintf("%s -o '%s' '%s' >/dev/null 2>&1", cc, out, src);
	int r = system(cmd);
	free(cmd);
	return r == 0 ? 0 : -1;
}

static void native(struct suite *s)
{
	const char *w = s->who;
	/* A root with nothing but a static "sh" that lists "/". */
	char *rootfs = path_join(s->top, "rootfs"), *bin = path_join(rootfs, "bin");
	char *sh = path_join(bin, "sh"), *c = path_join(s->top, "lister.c"), *hello = path_join(rootfs, "hello.txt");
	mkdir_p(bin, 0755);
	put(hello, "hi\n", 0644);
	put(c,
	    "#include <dirent.h>\n#include <stdio.h>\n#include <unistd.h>\n"
	    "int main(int argc, char **argv) {\n"
	    "  DIR *d = opendir(\"/\"); struct dirent *e;\n"
	    "  while (d && (e = readdir(d))) printf(\"%s\\n\", e->d_name);\n"
	    "  printf(\"uid %d script %s\\n\", (int)getuid(), argc > 3 ? argv[3] : \"-\");\n"
	    "  return access(\"/usr\", F_OK) == 0 ? 9 : 0; }\n",
	    0644);
	if (compile("cc -static -O1", c, sh) < 0) {
		ok(1, "# SKIP %s: no static libc to build a native test root", w);
	} else {
		struct run_spec sp;
		char *out;
		spec_init(s, &sp, "the-script");
		sp.mode = RUN_NATIVE;
		sp.rootfs = rootfs;
		int st = run_spec_out(s, &sp, &out);
		/* Sort the listing's lines: readdir order is the tmpfs's. */
		struct strv v = {0};
		char *save = NULL;
		for (char *l = strtok_r(out, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
			strv_add(&v, l);
		qsort(v.v, v.n, sizeof *v.v, cmp_str);
		struct buf b = {0};
		for (size_t i = 0; i < v.n; i++)
			buf_addf(&b, "%s ", v.v[i]);
		ok(st == 0 && b.s && !strcmp(b.s, ". .. bin build deps destdir dev hello.txt proc sysroot tmp uid 0 script the-script "),
		   "%s: native root: the rootfs and the sandbox's mounts, nothing of the host", w);
		if (st || !b.s || strcmp(b.s, ". .. bin build deps destdir dev hello.txt proc sysroot tmp uid 0 script the-script "))
			printf("# status %d: %s\n", st, b.s ? b.s : "");
		buf_free(&b);
		strv_free(&v);
		free(out);

		unlink(sh);
		st = run_spec_out(s, &sp, &out);
		ok(st == 127 && strstr(out, "cannot run /bin/sh"), "%s: a rootfs without /bin/sh: status 127, said in the log",
		   w);
		free(out);
	}
	FREE_ALL(rootfs, bin, sh, c, hello);
}

/* An aarch64 "sh" that says hello, run through qemu-user. */
static void foreign(struct suite *s)
{
	const char *w = s->who;
	err_clear();
	int r = sandbox_check_arch("aarch64");
	if (r) {
		ok(1, "# SKIP %s: aarch64: %s", w, err_msg(r));
		return;
	}
	char *rootfs = path_join(s->top, "arm"), *bin = path_join(rootfs, "bin");
	char *sh = path_join(bin, "sh"), *asmf = path_join(s->top, "hello.s");
	mkdir_p(bin, 0755);
	put(asmf,
	    ".globl _start\n_start:\n"
	    "\tmov x0, #1\n\tadr x1, msg\n\tmov x2, #19\n\tmov x8, #64\n\tsvc #0\n"
	    "\tmov x0, #0\n\tmov x8, #93\n\tsvc #0\n"
	    "msg:\t.ascii \"hello from aarch64\\n\"\n",
	    0644);
	if (compile("clang --target=aarch64-linux-gnu -nostdlib -static -fuse-ld=lld", asmf, sh) < 0 &&
	    compile("aarch64-linux-gnu-gcc -nostdlib -static", asmf, sh) < 0) {
		ok(1, "# SKIP %s: aarch64: neither clang with lld nor aarch64-linux-gnu-gcc can build a test binary", w);
	} else {
		unsigned char h[20] = {0};
		int fd = open(sh, O_RDONLY);
		ssize_t n = fd >= 0 ? read(fd, h, sizeof h) : -1;
		if (fd >= 0)
			close(fd);
		ok(n == 20 && !memcmp(h, "\177ELF", 4) && h[18] == 183 && h[19] == 0, "%s: the test binary is an aarch64 ELF",
		   w);
		struct run_spec sp;
		char *out;
		spec_init(s, &sp, "unused");
		sp.mode = RUN_NATIVE;
		sp.rootfs = rootfs;
		sp.arch = "aarch64";
		int st = run_spec_out(s, &sp, &out);
		ok(st == 0 && !strcmp(out, "hello from aarch64\n"), "%s: an aarch64 root runs through qemu-user (binfmt F)", w);
		if (st || strcmp(out, "hello from aarch64\n"))
			printf("# status %d: %s\n", st, out);
		free(out);
	}
	FREE_ALL(rootfs, bin, sh, asmf);
}

static void errors(struct suite *s)
{
	const char *w = s->who;
	struct run_spec sp;
	spec_init(s, &sp, "true");
	sp.builddir = "/nonexistent/sprout-build";
	err_clear();
	pid_t pid = run_spawn(&sp);
	ok(pid < 0 && strstr(err_msg(pid), "/nonexistent/sprout-build"), "%s: a missing build directory: nothing started, named",
	   w);
	static const struct run_dep bad[1] = {{"../x", "/tmp"}};
	spec_init(s, &sp, "true");
	sp.deps = bad;
	err_clear();
	pid = run_spawn(&sp);
	ok(pid < 0 && strstr(err_msg(pid), "../x"), "%s: a dependency named ../x is refused", w);
}

static void suite_run(const char *who)
{
	struct suite s;
	char cwd[4096];
	memset(&s, 0, sizeof s);
	s.who = who;
	s.repo = getcwd(cwd, sizeof cwd) ? cwd : "/work";
	char tmpl[] = "/tmp/sprout-sandbox-test.XXXXXX";
	if (!mkdtemp(tmpl)) {
		ok(0, "%s: mkdtemp: %s", who, strerror(errno));
		return;
	}
	s.top = xstrdup(tmpl);
	s.build = path_join(s.top, "build");
	s.dest = path_join(s.top, "destdir");
	s.log = path_join(s.top, "log");
	s.dep = path_join(s.top, "dep");
	s.sysroot = path_join(s.top, "sysroot");
	mkdir(s.build, 0755);
	mkdir(s.dest, 0755);
	mkdir(s.dep, 0755);
	mkdir(s.sysroot, 0755);
	char *x = path_join(s.dep, "x"), *y = path_join(s.sysroot, "s");
	put(x, "dep\n", 0644);
	put(y, "sys\n", 0644);
	free(x);
	free(y);

	err_clear();
	int r = sandbox_check();
	ok(r == 0, "%s: sandbox_check: %s", who, r ? err_msg(r) : "usable");
	if (r) {
		rm_rf(s.top);
		return;
	}
	int before = count_mounts();
	basics(&s);
	filesystem(&s);
	network(&s);
	processes(&s);
	native(&s);
	foreign(&s);
	errors(&s);
	int after = count_mounts();
	char *mi = slurp("/proc/self/mountinfo");
	ok(before == after && !strstr(mi, s.top) && !strstr(mi, "sprout-oldroot"),
	   "%s: nothing stays mounted (%d mounts before, %d after)", who, before, after);
	free(mi);
	rm_rf(s.top);
	FREE_ALL(s.top, s.build, s.dest, s.log, s.dep, s.sysroot);
}

/* As root: the same cases as the unprivileged sprout-test, in a child
 * that reports how many it ran and how many failed. */
static void rootless(void)
{
	struct passwd *pw = getpwnam("sprout-test");
	if (!pw) {
		int r = system("useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "
			       "sprout-test >/dev/null 2>&1");
		(void)r;
		pw = getpwnam("sprout-test");
	}
	if (!pw) {
		ok(1, "# SKIP rootless: no user sprout-test and useradd failed");
		return;
	}
	int p[2];
	if (pipe(p) < 0)
		return;
	fflush(stdout);
	pid_t k = fork();
	if (k == 0) {
		close(p[0]);
		if (setgroups(0, NULL) < 0 || setgid(pw->pw_gid) < 0 || setuid(pw->pw_uid) < 0) {
			printf("# cannot become sprout-test: %s\n", strerror(errno));
			_exit(1);
		}
		/* A process that changed its uid is not dumpable, and then
		 * cannot write its own uid_map; a login's shell is. */
		prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
		setenv("HOME", "/tmp", 1);
		suite_run("rootless");
		int c[2] = {tap_n, tap_failed};
		ssize_t w = write(p[1], c, sizeof c);
		(void)w;
		fflush(stdout);
		_exit(0);
	}
	close(p[1]);
	int c[2] = {0, 0};
	ssize_t n = read(p[0], c, sizeof c);
	close(p[0]);
	int st;
	waitpid(k, &st, 0);
	if (n != (ssize_t)sizeof c) {
		ok(0, "rootless: the unprivileged run did not finish");
		return;
	}
	tap_n = c[0];
	tap_failed = c[1];
}

int main(void)
{
	run_use_sandbox = 1;
	if (geteuid() == 0) {
		suite_run("root");
		rootless();
	} else {
		suite_run("rootless");
	}
	return tap_done();
}
