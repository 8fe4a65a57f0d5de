/* sprout boot (docs/boot.md): qemu-system-ARCH with the serial console on a
 * pipe, read line by line for init's markers. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/err.h"
#include "core/util.h"
#include "fetch/fetch.h"
#include "vm/vm.h"

/* KVM's ioctls and the parts of its structures the probe uses, spelled
 * out: a system without the kernel's headers (sprout's own) builds this
 * file too. */
#define VM_KVM_CREATE_VM 0xAE01
#define VM_KVM_GET_VCPU_MMAP_SIZE 0xAE04
#define VM_KVM_CREATE_VCPU 0xAE41
#define VM_KVM_SET_USER_MEMORY_REGION 0x4020AE46
#define VM_KVM_RUN 0xAE80
#define VM_KVM_SET_REGS 0x4090AE82
#define VM_KVM_GET_SREGS 0x8138AE83
#define VM_KVM_SET_SREGS 0x4138AE84
#define VM_KVM_EXIT_HLT 5
#define TAIL_LINES 30
#define GRACE 60                /* seconds qemu may take to stop after the result */
#define KVM_STALL 60            /* seconds until a KVM guest that printed nothing is taken for stuck */

static void on_alarm(int sig)
{
	(void)sig;
}

/* In a child: a VM of one page whose code is `hlt` must stop on it within
 * two seconds. A /dev/kvm that makes VMs but never runs them (some nested
 * setups) fails here, not in qemu. */
static int kvm_probe_child(int kvm)
{
	int vm = ioctl(kvm, VM_KVM_CREATE_VM, 0);
	if (vm < 0)
		return 1;
	unsigned char *mem = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED)
		return 1;
	mem[0] = 0xf4; /* hlt */
	struct {
		uint32_t slot, flags;
		uint64_t guest_phys_addr, memory_size, userspace_addr;
	} region = {0, 0, 0x1000, 4096, (uint64_t)(uintptr_t)mem};
	if (ioctl(vm, VM_KVM_SET_USER_MEMORY_REGION, &region) < 0)
		return 1;
	int cpu = ioctl(vm, VM_KVM_CREATE_VCPU, 0);
	int size = ioctl(kvm, VM_KVM_GET_VCPU_MMAP_SIZE, 0);
	if (cpu < 0 || size < 16)
		return 1;
	unsigned char *run = mmap(NULL, (size_t)size, PROT_READ | PROT_WRITE, MAP_SHARED, cpu, 0);
	unsigned char sregs[312], regs[144];
	if (run == MAP_FAILED || ioctl(cpu, VM_KVM_GET_SREGS, sregs) < 0)
		return 1;
	memset(sregs, 0, 8);            /* cs.base: real mode at 0 */
	memset(sregs + 12, 0, 2);       /* cs.selector */
	memset(regs, 0, sizeof regs);
	uint64_t rip = 0x1000, rflags = 2;
	memcpy(regs + 128, &rip, 8);
	memcpy(regs + 136, &rflags, 8);
	if (ioctl(cpu, VM_KVM_SET_SREGS, sregs) < 0 || ioctl(cpu, VM_KVM_SET_REGS, regs) < 0)
		return 1;
	signal(SIGALRM, on_alarm);
	alarm(2);
	if (ioctl(cpu, VM_KVM_RUN, 0) < 0)
		return 1;
	uint32_t reason;
	memcpy(&reason, run + 8, 4);
	return reason == VM_KVM_EXIT_HLT ? 0 : 1;
}

int vm_kvm_usable(const char *arch)
{
	static int known = -1;
	if (strcmp(arch, host_arch()))
		return 0; /* KVM runs the host's own arch only */
	if (known >= 0)
		return known;
	known = 0;
#if defined(__x86_64__)
	int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return 0;
	pid_t pid = fork();
	if (pid == 0)
		_exit(kvm_probe_child(fd));
	close(fd);
	int st;
	while (pid > 0 && waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	known = pid > 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0;
#endif
	return known;
}

int vm_memory_mib(long long initrd_bytes)
{
	long long mib = (initrd_bytes + (1 << 20) - 1) >> 20;
	if (mib < 16)
		return 512;
	long long m = 512 + 6 * mib;
	m = (m + 255) / 256 * 256;
	return m > 16384 ? 16384 : (int)m;
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

char *vm_cmdline_init(const char *arch, const char *init)
{
	return xasprintf("console=%s panic=-1 quiet rdinit=%s", console_of(arch), init);
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
	strv_add(a, "-smp");
	strv_addown(a, xasprintf("%d", s->smp > 0 ? s->smp : 1));
	const char *fixed[] = {"-nodefaults", "-no-user-config", "-display", "none", "-no-reboot",
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
	if (s->results) {
		/* After the boot disk: /dev/vdb with one, else /dev/vda. */
		strv_add(a, "-drive");
		strv_addown(a, xasprintf("if=none,id=results,format=raw,cache=writeback,file=%s", s->results));
		strv_add(a, "-device");
		strv_add(a, "virtio-blk-pci,drive=results");
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
	const struct vm_spec *spec;
	int in;                 /* qemu's stdin */
	int logfd;
	int in_report;
	int saw_kernel;         /* the guest printed a line */
	double t0;
	struct buf line, all;
};

/* One line of the console, without its end. */
static void on_line(struct reader *rd, const char *l)
{
	struct vm_result *res = rd->res;
	double t = now_sec() - rd->t0;
	buf_addf(&rd->all, "%s\n", l);
	if (rd->spec->on_line)
		rd->spec->on_line(rd->spec->arg, l);
	/* qemu stops a guest KVM cannot run (an instruction a nested KVM
	 * cannot emulate: OVMF's first FPU instructions, on some hosts) with
	 * this line and a register dump, and then waits for ever: give KVM up. */
	if (res->accel_kvm && !rd->saw_kernel &&
	    (!strncmp(l, "KVM internal error", 18) || !strncmp(l, "error: kvm run failed", 21))) {
		res->kvm_failed = "KVM stopped the guest (qemu: KVM internal error)";
		return;
	}
	/* Any line but qemu's own warnings: the guest runs (VM mode's kernel
	 * is quiet). */
	if (strncmp(l, "qemu-system-", 12))
		rd->saw_kernel = 1;
	if (!strncmp(l, "sprout-boot: init", 17) && res->boot_secs < 0)
		res->boot_secs = t;
	else if (!strcmp(l, "sprout-boot: report begin"))
		rd->in_report = 1;
	else if (!strcmp(l, "sprout-boot: report end"))
		rd->in_report = 0;
	else if (rd->in_report)
		buf_addf(&res->report, "%s\n", l);
	else if (!strncmp(l, "sprout-boot: smoke ", 19) || !strncmp(l, "sprout-boot: bootstrap ", 23)) {
		res->finished = 1;
		res->pass = !strcmp(strchr(l + 13, ' ') + 1, "PASS");
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
		if (!done && rd->res->accel_kvm && !rd->saw_kernel && t > KVM_STALL)
			rd->res->kvm_failed = "KVM ran nothing for a minute";
		if (!done && rd->res->kvm_failed) {
			kill(pid, SIGKILL);
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

static int boot_once(const struct vm_spec *s, int kvm, struct vm_result *res)
{
	struct strv a = {0};
	int in[2] = {-1, -1}, out[2] = {-1, -1};
	vm_result_free(res);
	memset(res, 0, sizeof *res);
	res->boot_secs = res->smoke_secs = -1;
	res->accel_kvm = kvm;
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
	rd.spec = s;
	rd.in = in[1];
	rd.logfd = s->console_log ? open(s->console_log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644) : -1;
	rd.t0 = now_sec();
	void (*op)(int) = signal(SIGPIPE, SIG_IGN);
	pid_t pid = fork();
	if (pid == 0) {
		if (dup2(in[0], 0) < 0 || dup2(out[1], 1) < 0 || dup2(out[1], 2) < 0)
			_exit(127);
		setsid();
		/* qemu ends with sprout, even killed: a VM run left behind
		 * would hold the results disk. */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
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

int vm_boot(const struct vm_spec *s, struct vm_result *res)
{
	memset(res, 0, sizeof *res);
	int kvm = vm_kvm_usable(s->arch) && !s->no_kvm;
	int r = boot_once(s, kvm, res);
	/* A /dev/kvm that passed the probe but runs no real guest: then TCG. */
	if (!r && kvm && res->kvm_failed) {
		const char *why = res->kvm_failed;
		r = boot_once(s, 0, res);
		res->kvm_failed = why;
		res->kvm_fallback = 1;
	}
	return r;
}

void vm_result_free(struct vm_result *res)
{
	buf_free(&res->report);
	buf_free(&res->tail);
	free(res->command);
	res->command = NULL;
}
