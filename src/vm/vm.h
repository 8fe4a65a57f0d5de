#ifndef SPROUT_VM_H
#define SPROUT_VM_H

/* Booting a plan's final system in qemu (docs/boot.md): the boot overlay
 * (sprout's init and the smoke test), and a run of qemu-system-ARCH that
 * reads the serial console. */

#include "build/plan.h"
#include "core/util.h"

/* Lay out the boot overlay of plan p for arch in dir (made anew):
 * usr/sbin/init (the script of docs/boot.md) and, when the plan has a
 * smoke step, sprout/smoke/build (its sources and patches, as its build
 * tree has them, from the distfiles store distdir; nothing is fetched)
 * and sprout/smoke/run (its build script with the environment of
 * docs/recipes.md). 0 or negative code (errf set). */
int vm_overlay(const struct plan *p, const char *arch, const char *statedir, const char *distdir, const char *dir);

/* The command line sprout gives the kernel for arch, with SPROUT_BOOT=mode
 * appended ("test" or "shell"; NULL for none). Caller frees. */
char *vm_cmdline(const char *arch, const char *mode);

/* The command line of VM mode (docs/modes.md): the kernel quiet, init the
 * program init of the initramfs. Caller frees. */
char *vm_cmdline_init(const char *arch, const char *init);

struct vm_spec {
	const char *arch;
	const char *kernel;     /* with initrd: booted directly (-kernel) */
	const char *initrd;
	const char *disk;       /* else: this raw disk through UEFI firmware (snapshot: never written) */
	const char *cmdline;    /* with kernel */
	const char *console_log;/* the console's output is copied here */
	int timeout;            /* seconds until a run without a result fails */
	int interactive;        /* the console is the user's terminal; no result is read */
	int memory;             /* MiB */
	int no_kvm;             /* TCG even when KVM is usable */
	int smp;                /* CPUs (0: 1) */
	const char *results;    /* a raw disk the guest writes (VM mode's results disk), or NULL */
	/* Each line of the console as it comes (without its end), or NULL. */
	void (*on_line)(void *arg, const char *line);
	void *arg;
};

struct vm_result {
	int pass;               /* the smoke test (or VM mode's bootstrap) reported PASS */
	int finished;           /* it reported at all (PASS or FAIL) */
	int timed_out;
	double boot_secs;       /* qemu's start to init's first line, or -1 */
	double smoke_secs;      /* qemu's start to the smoke test's (or the bootstrap's) result, or -1 */
	double total_secs;      /* until qemu ended */
	int accel_kvm;          /* KVM, else TCG */
	const char *kvm_failed; /* why KVM was given up (nothing printed for a minute, or
				 * qemu's "KVM internal error"), or NULL; a static string */
	int kvm_fallback;       /* so this result is TCG's, after a failed KVM run (kvm_failed says why) */
	struct buf report;      /* the lines between the report markers */
	struct buf tail;        /* the console's last lines */
	char *command;          /* the qemu command line, for the user (owned) */
};

/* Whether KVM can run a guest of arch: the host's own arch, and /dev/kvm
 * makes a VM and runs it (a real-mode `hlt` must exit within two seconds;
 * probed on x86_64 hosts only). */
int vm_kvm_usable(const char *arch);

/* The guest's memory for an initramfs of initrd_bytes (compressed): 512
 * MiB below 16 MiB of it (plans/minimal's), else room for the unpacked
 * tree, which lives in memory, and for compiling in it (plans/gnu's
 * smoke test runs GCC): 512 MiB plus six times the initramfs, rounded up
 * to 256 MiB, at most 16 GiB. */
int vm_memory_mib(long long initrd_bytes);

/* The UEFI firmware image for arch (static path), or NULL when missing. */
const char *vm_firmware(const char *arch);

/* Boot s in qemu and fill *res (freed with vm_result_free): under KVM when
 * it is usable, and again under TCG when the kernel printed nothing under
 * KVM within a minute. 0 when qemu ran
 * (whatever the test said), else a negative code (errf set): no qemu, no
 * firmware. */
int vm_boot(const struct vm_spec *s, struct vm_result *res);
void vm_result_free(struct vm_result *res);

#endif
