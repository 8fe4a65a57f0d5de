/* vm/: a run of qemu read through its console (vm_boot), against a stand-in
 * qemu-system-x86_64 early in PATH that prints what a real one would:
 * sprout's boot markers under TCG, and, asked for KVM, the "KVM internal
 * error" and register dump with which qemu stops a guest that a nested KVM
 * cannot run (OVMF's first FPU instructions, on the CI machine) and then
 * waits for ever. vm_boot must give KVM up at once and boot again under
 * TCG, not wait for the run's timeout. */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/util.h"
#include "tap.h"
#include "vm/vm.h"

static char dir[] = "/tmp/sprout-test-vmboot.XXXXXX";

static const char fake[] = "#!/bin/sh\n"
			   "case \" $* \" in\n"
			   "*' -accel kvm '*)\n"
			   "\techo 'KVM internal error. Suberror: 1'\n"
			   "\techo 'emulation failure'\n"
			   "\techo 'RAX=0000000000000000 RBX=0000000000000000'\n"
			   "\texec sleep 600 ;;\n"
			   "esac\n"
			   "echo 'Linux version 6.1'\n"
			   "echo 'sprout-boot: init'\n"
			   "echo 'sprout-boot: report begin'\n"
			   "echo 'sh: ok'\n"
			   "echo 'sprout-boot: report end'\n"
			   "echo 'sprout-boot: smoke PASS'\n";

static void boot(const char *what, int no_kvm, struct vm_result *res)
{
	struct vm_spec s;
	memset(&s, 0, sizeof s);
	s.arch = "x86_64";
	s.kernel = "/nonexistent/kernel";
	s.initrd = "/nonexistent/initrd";
	s.cmdline = "console=ttyS0";
	s.timeout = 120;
	s.no_kvm = no_kvm;
	double t0 = now_sec();
	int r = vm_boot(&s, res);
	ok(r == 0 && res->pass && res->finished && !res->timed_out, "%s: the run passes", what);
	ok(res->boot_secs >= 0 && res->boot_secs <= res->smoke_secs, "%s: init's line and the result are timed", what);
	ok(!strcmp(res->report.s ? res->report.s : "", "sh: ok\n"), "%s: the report's lines are kept", what);
	ok(now_sec() - t0 < 60, "%s: it took %.1f s, not the run's timeout", what, now_sec() - t0);
}

int main(void)
{
	if (!mkdtemp(dir))
		return 1;
	char *q = path_join(dir, "qemu-system-x86_64");
	file_write_atomic(q, fake, strlen(fake));
	chmod(q, 0755);
	char *path = xasprintf("%s:%s", dir, getenv("PATH") ? getenv("PATH") : "/usr/bin:/bin");
	setenv("PATH", path, 1);

	struct vm_result res;
	boot("TCG", 1, &res);
	ok(!res.accel_kvm && !res.kvm_fallback && !res.kvm_failed, "TCG: asked for, and nothing given up");
	vm_result_free(&res);

	if (!strcmp(host_arch(), "x86_64") && vm_kvm_usable("x86_64")) {
		boot("KVM internal error", 0, &res);
		ok(!res.accel_kvm && res.kvm_fallback, "KVM internal error: the result is TCG's, after KVM was given up");
		ok(res.kvm_failed && strstr(res.kvm_failed, "KVM internal error"), "KVM internal error: the reason is kept (%s)",
		   res.kvm_failed ? res.kvm_failed : "none");
		vm_result_free(&res);
	} else {
		ok(1, "# SKIP no usable /dev/kvm here: the KVM fallback is not exercised");
	}

	/* The guest's memory follows the initramfs: plans/minimal's keeps 512
	 * MiB, plans/gnu's (GCC in it) gets room to unpack and compile. */
	ok(vm_memory_mib(0) == 512 && vm_memory_mib(3 << 20) == 512, "memory: a small initramfs boots in 512 MiB");
	ok(vm_memory_mib(60LL << 20) == 1024, "memory: 60 MiB of initramfs gets 1024 MiB (%d)", vm_memory_mib(60LL << 20));
	ok(vm_memory_mib(100LL << 40) == 16384, "memory: at most 16 GiB");

	char *rm = xasprintf("rm -rf '%s'", dir);
	ok(system(rm) == 0, "cleanup");
	free(rm);
	free(path);
	free(q);
	return tap_done();
}
