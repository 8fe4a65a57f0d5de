#ifndef SPROUT_VM_GUEST_H
#define SPROUT_VM_GUEST_H

/* The sprout inside a VM-mode VM (docs/modes.md): the system set-up it
 * does as the VM's first program, and the way out. */

/* As pid 1: copy the whole tree (but /dev, /proc, /sys) onto a tmpfs that
 * becomes the root, since pivot_root(2), which every sandbox makes,
 * refuses an initramfs's own root (whose files are removed as they are
 * copied; a disk's root, in bare-metal mode, is left as it is, and the
 * builds do not fill it); then mount devtmpfs on /dev and proc on /proc.
 * 0 or negative code (errf set). */
int vm_guest_setup(void);

/* Flush the disks and end the VM (a reboot, which qemu's -no-reboot turns
 * into its exit). Returns only when that failed: a negative code. */
int vm_guest_halt(void);

#endif
