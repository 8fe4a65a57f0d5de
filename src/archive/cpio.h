#ifndef SPROUT_CPIO_H
#define SPROUT_CPIO_H

/* cpio "newc" archives (docs/images.md), as the Linux kernel reads an
 * initramfs: written deterministically from directory trees. */

enum {
	CPIO_GZIP = 1,          /* compress through `gzip -n -9` (no name, no time) */
};

/* Write a newc archive of the trees at dirs[0..ndirs) merged (a path in a
 * later tree replaces the same path of an earlier one) to the file out:
 * entries sorted bytewise by path (no "." entry), uid and gid 0, mtime
 * min(file mtime, mtime_clamp), inode numbers counted from 1 in that
 * order, nlink 1 (2 for directories), hard links stored as separate
 * files; regular files, directories, symlinks, character and block
 * devices, fifos and sockets. flags: CPIO_GZIP. 0 or negative code
 * (errf set); out is removed on failure. */
int cpio_write_trees(const char *const *dirs, int ndirs, const char *out, long long mtime_clamp, int flags);

#endif
