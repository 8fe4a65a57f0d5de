/* sprout boot (docs/boot.md): qemu-system-ARCH with the serial console on a
 * pipe, read line by line for init's markers. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/err.h"
#include "core/util.h"
#include "fetch/fetch.h"
#include "vm/vm.h"

/* KVM_CREATE_VM, _IO(0xAE, 1): spelled out, since a system without the
 * kernel's headers (sprout's own) builds this file too. */
#define VM_KVM_CREATE_VM 0xAE01
#define TAIL_LINES 30
#define GRACE 60                /* seconds qemu may take to stop after the result */

int vm_kvm_usable(void)
{
	int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return 0;
	int vm = ioctl(fd, VM_KVM_CREATE_VM, 0);
	if (vm >= 0)
		close(vm);
	close(fd);
	return vm >= 0;
}

const char *vm_firmware(const char *arch)
{
	static const char *const x86[] = {"/usr/share/ovmf/OVMF.fd", "/usr/share/qemu/OVMF.fd", NULL};
	static const char *const a64[] = {"/usr/share/qemu-efi-aarch64/QEMU_EFI.fd", "/usr/share/AAVMF/AAVMF_CODE.fd",
					  NULL};
	const char *const *l = !strcmp(arch, "x86_64") ? x86 : !strcmp(arch, "aarch64") ? a64 : NULL;
	for (; l && *l; l++)
		if (access(*l, R_OK) == 0)
			return *l;
	return NULL;
}

static const char *console_of(const char *arch)
{
	return !strcmp(arch, "aarch64") ? "ttyAMA0" : "ttyS0";
}

char *vm_cmdline(const char *arch, const char *mode)
{
	return xasprintf("console=%s panic=-1 rdinit=/usr/sbin/init%s%s", console_of(arch), mode ? " SPROUT_BOOT=" : "",
			 mode ? mode : "");
}

static int qemu_argv(const struct vm_spec *s, int kvm, struct strv *a)
{
	int x86 = !strcmp(s->arch, "x86_64");
	if (!x86 && strcmp(s->arch, "aarch64"))
		return errf(SPROUT_ERR_USAGE, "no qemu machine for arch %s", s->arch);
	strv_add(a, x86 ? "qemu-system-x86_64" : "qemu-system-aarch64");
	strv_add(a, "-M");
	strv_add(a, x86 ? "q35" : "virt");
	if (!x86) {
		strv_add(a, "-cpu");
		strv_add(a, kvm ? "host" : "cortex-a57");
	}
	strv_add(a, "-accel");
	strv_add(a, kvm ? "kvm" : "tcg");
	strv_add(a, "-m");
	strv_addown(a, xasprintf("%d", s->memory > 0 ? s->memory : 512));
	const char *fixed[] = {"-smp", "1", "-nodefaults", "-no-user-config", "-display", "none", "-no-reboot",
			       "-serial", s->interactive ? "mon:stdio" : "stdio", NULL};
	for (int i = 0; fixed[i]; i++)
		strv_add(a, fixed[i]);
	if (!s->interactive) {
		strv_add(a, "-monitor");
		strv_add(a, "none");
	}
	if (s->disk) {
		const char *fw = vm_firmware(s->arch);
		if (!fw)
			return errf(SPROUT_ERR_NOTFOUND, "no UEFI firmware for %s (Debian's %s: sh mk/deps.sh --vm)", s->arch,
				    x86 ? "ovmf" : "qemu-efi-aarch64");
		strv_add(a, "-bios");
		strv_add(a, fw);
		strv_add(a, "-drive");
		strv_addown(a, xasprintf("if=none,id=disk,format=raw,snapshot=on,file=%s", s->disk));
		strv_add(a, "-device");
		strv_add(a, "virtio-blk-pci,drive=disk");
	} else {
		strv_add(a, "-kernel");
		strv_add(a, s->kernel);
		strv_add(a, "-initrd");
		strv_add(a, s->initrd);
		strv_add(a, "-append");
		strv_add(a, s->cmdline);
	}
	return 0;
}

static char *join_argv(const struct strv *a)
{
	struct buf b = {0};
	for (size_t i = 0; i < a->n; i++) {
		const char *w = a->v[i];
		int q = strpbrk(w, " \t'\"$") != NULL;
		buf_addf(&b, "%s%s%s%s", i ? " " : "", q ? "'" : "", w, q ? "'" : "");
	}
	return buf_take(&b);
}

struct reader {
	struct vm_result *res;
	int in;                 /* qemu's stdin */
	int logfd;
	int in_report;
	double t0;
	struct buf line, all;
};

/* One line of the console, without its end. */
static void on_line(struct reader *rd, const char *l)
{
	struct vm_result *res = rd->res;
	double t = now_sec() - rd->t0;
	buf_addf(&rd->all, "%s\n", l);
	if (!strncmp(l, "sprout-boot: init", 17) && res->boot_secs < 0)
		res->boot_secs = t;
	else if (!strcmp(l, "sprout-boot: report begin"))
		rd->in_report = 1;
	else if (!strcmp(l, "sprout-boot: report end"))
		rd->in_report = 0;
	else if (rd->in_report)
		buf_addf(&res->report, "%s\n", l);
	else if (!strncmp(l, "sprout-boot: smoke ", 19)) {
		res->finished = 1;
		res->pass = !strcmp(l + 19, "PASS");
		res->smoke_secs = t;
	} else if (!strncmp(l, "sprout-boot: shell", 18) && res->finished) {
		/* The disk's init opens a shell after the test: end it, and
		 * with it the system. */
		ssize_t w = write(rd->in, "exit\n", 5);
		(void)w;
	}
}

static void on_data(struct reader *rd, const char *p, size_t n)
{
	if (rd->logfd >= 0 && fd_write_all(rd->logfd, p, n))
		rd->logfd = -1;
	for (size_t i = 0; i < n; i++) {
		if (p[i] == '\r')
			continue;
		if (p[i] != '\n') {
			buf_addc(&rd->line, p[i]);
			continue;
		}
		buf_addc(&rd->line, 0);
		on_line(rd, rd->line.s);
		rd->line.len = 0;
	}
}

static void keep_tail(struct reader *rd)
{
	if (rd->line.len) {
		buf_addc(&rd->line, 0);
		buf_addf(&rd->all, "%s\n", rd->line.s);
	}
	const char *s = rd->all.s ? rd->all.s : "";
	size_t n = rd->all.len, lines = 0;
	while (n && lines <= TAIL_LINES) {
		n--;
		if (s[n] == '\n' && n + 1 < rd->all.len)
			lines++;
	}
	const char *from = n ? s + n + 1 : s;
	buf_adds(&rd->res->tail, from);
}

/* Read the console until qemu ends, the time is up, or the result is in
 * and qemu does not stop within GRACE seconds. */
static void read_console(struct reader *rd, pid_t pid, int out, int timeout, int *status)
{
	char b[4096];
	int done = 0;
	while (!done) {
		struct pollfd pf = {out, POLLIN, 0};
		int k = poll(&pf, 1, 200);
		double t = now_sec() - rd->t0;
		if (k > 0) {
			ssize_t got = read(out, b, sizeof b);
			if (got > 0)
				on_data(rd, b, (size_t)got);
			else if (got == 0 || errno != EINTR)
				done = 1;
		}
		if (!done && (t > timeout || (rd->res->finished && t > rd->res->smoke_secs + GRACE))) {
			rd->res->timed_out = !rd->res->finished;
			kill(pid, SIGKILL);
			done = 1;
		}
	}
	while (waitpid(pid, status, 0) < 0 && errno == EINTR)
		;
}

static int run_interactive(char **argv, struct vm_result *res)
{
	pid_t pid = fork();
	if (pid < 0)
		return errf(-errno, "fork: %s", strerror(errno));
	if (pid == 0) {
		execvp(argv[0], argv);
		_exit(127);
	}
	void (*oi)(int) = signal(SIGINT, SIG_IGN);
	void (*oq)(int) = signal(SIGQUIT, SIG_IGN);
	int st;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	signal(SIGINT, oi);
	signal(SIGQUIT, oq);
	res->total_secs = 0;
	return 0;
}

int vm_boot(const struct vm_spec *s, struct vm_result *res)
{
	struct strv a = {0};
	int in[2] = {-1, -1}, out[2] = {-1, -1};
	memset(res, 0, sizeof *res);
	res->boot_secs = res->smoke_secs = -1;
	res->accel_kvm = vm_kvm_usable();
	int r = qemu_argv(s, res->accel_kvm, &a);
	if (r)
		goto out;
	res->command = join_argv(&a);
	char *q = fetch_tool_find(a.v[0]);
	if (!q) {
		r = errf(SPROUT_ERR_NOTFOUND, "%s is not in PATH (Debian's %s: sh mk/deps.sh --vm)", a.v[0],
			 !strcmp(s->arch, "x86_64") ? "qemu-system-x86" : "qemu-system-arm");
		goto out;
	}
	free(q);
	if (s->interactive) {
		r = run_interactive(a.v, res);
		goto out;
	}
	if (pipe2(in, O_CLOEXEC) < 0 || pipe2(out, O_CLOEXEC) < 0) {
		r = errf(-errno, "pipe: %s", strerror(errno));
		goto out;
	}
	struct reader rd;
	memset(&rd, 0, sizeof rd);
	rd.res = res;
	rd.in = in[1];
	rd.logfd = s->console_log ? open(s->console_log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644) : -1;
	rd.t0 = now_sec();
	void (*op)(int) = signal(SIGPIPE, SIG_IGN);
	pid_t pid = fork();
	if (pid == 0) {
		if (dup2(in[0], 0) < 0 || dup2(out[1], 1) < 0 || dup2(out[1], 2) < 0)
			_exit(127);
		setsid();
		execvp(a.v[0], a.v);
		_exit(127);
	}
	if (pid < 0) {
		r = errf(-errno, "fork: %s", strerror(errno));
	} else {
		close(out[1]);
		out[1] = -1;
		int st = 0;
		read_console(&rd, pid, out[0], s->timeout > 0 ? s->timeout : 600, &st);
		res->total_secs = now_sec() - rd.t0;
		keep_tail(&rd);
		if (WIFEXITED(st) && WEXITSTATUS(st) == 127 && !rd.all.len)
			r = errf(SPROUT_ERR_NOTFOUND, "cannot run %s", a.v[0]);
	}
	signal(SIGPIPE, op);
	if (rd.logfd >= 0)
		close(rd.logfd);
	buf_free(&rd.line);
	buf_free(&rd.all);
out:
	for (int i = 0; i < 2; i++) {
		if (in[i] >= 0)
			close(in[i]);
		if (out[i] >= 0)
			close(out[i]);
	}
	strv_free(&a);
	return r;
}

void vm_result_free(struct vm_result *res)
{
	buf_free(&res->report);
	buf_free(&res->tail);
	free(res->command);
	res->command = NULL;
}
