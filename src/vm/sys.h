#ifndef SPROUT_VM_SYS_H
#define SPROUT_VM_SYS_H

/* What sprout image and sprout boot take from a built plan: the final
 * rootfs and, on request, the kernel, mke2fs and the boot overlay. The
 * caller builds the steps vm_sys_needs names (with its own display), then
 * vm_sys_open finds their outputs. Never prints. */

#include "build/plan.h"
#include "core/util.h"
#include "image/image.h"
#include "vm/vm.h"

enum { VM_SYS_KERNEL = 1, VM_SYS_MKE2FS = 2, VM_SYS_OVERLAY = 4 };

struct vm_sys {
	char *rootfs;           /* the final step's output */
	char *kernel;           /* the kernel step's boot/vmlinuz */
	char *mke2fs, *mke2fs_conf;
	char *overlay;          /* the boot overlay (vm_overlay), under dir */
	char *dir;              /* STATE/vm/PLAN-ARCH: the work of image and boot */
	long long epoch;        /* SOURCE_DATE_EPOCH */
};

/* Add to want the steps of what (VM_SYS_*) that are not in statedir's
 * store yet: the final step, "kernel", "e2fsprogs", the smoke step (its
 * sources are then in the store, for the overlay). 0, or
 * -SPROUT_ERR_PARSE when the plan has no final step or no such step (errf
 * says which). */
int vm_sys_needs(const struct plan *p, const char *arch, const char *statedir, int what, struct strv *want);

/* Fill *s with the outputs of what, which must be built, and lay the boot
 * overlay out (VM_SYS_OVERLAY; sources from the distfiles store distdir).
 * 0 or negative code (errf set; nothing to free). Free with vm_sys_free. */
int vm_sys_open(const struct plan *p, const char *arch, const char *statedir, const char *distdir, int what,
		struct vm_sys *s);
void vm_sys_free(struct vm_sys *s);

/* Write the image of s in format f to out; digest as image_write. 0 or
 * negative code (errf set). */
int vm_sys_image(const struct vm_sys *s, const char *arch, enum image_format f, const char *out, char digest[65]);

/* How vm_sys_boot boots (sprout boot's options, docs/boot.md). */
#define VM_BOOT_TIMEOUT 1800    /* seconds: sprout boot's default --timeout */
struct vm_boot_opts {
	int disk;               /* the disk image through UEFI firmware, else the kernel and an initramfs */
	int interactive;        /* the console is the user's terminal, init opens a shell; no result is read */
	int no_kvm;             /* TCG even when KVM works */
	int timeout;            /* seconds until a boot without a result fails */
};

/* Boot the system s (opened with VM_SYS_KERNEL and VM_SYS_OVERLAY, and
 * VM_SYS_MKE2FS for o->disk) in qemu for arch as o says, writing in s->dir
 * the initramfs (initramfs.cpio.gz) or the disk image (disk.img) and the
 * console (console.log); *res as vm_boot fills it (free it with
 * vm_result_free, whatever the return). 0 when qemu ran, whatever the
 * test said; else a negative code (errf set). */
int vm_sys_boot(const struct vm_sys *s, const char *arch, const struct vm_boot_opts *o, struct vm_result *res);

/* The kernel command line of the disk image (built into sprout's kernel
 * too: recipes/linux/ARCH.config). Caller frees. */
char *vm_disk_cmdline(const char *arch);

#endif
