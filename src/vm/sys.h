#ifndef SPROUT_VM_SYS_H
#define SPROUT_VM_SYS_H

/* What sprout image and sprout boot take from a built plan: the final
 * rootfs and, on request, the kernel, mke2fs and the boot overlay. The
 * caller builds the steps vm_sys_needs names (with its own display), then
 * vm_sys_open finds their outputs. Never prints. */

#include "build/plan.h"
#include "core/util.h"
#include "image/image.h"

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

/* The kernel command line of the disk image (built into sprout's kernel
 * too: recipes/linux/ARCH.config). Caller frees. */
char *vm_disk_cmdline(const char *arch);

#endif
