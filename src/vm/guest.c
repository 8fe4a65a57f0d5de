/* The VM's first program's set-up (docs/modes.md, "Inside the VM"). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "core/err.h"
#include "core/util.h"
#include "vm/guest.h"

#define NEWROOT "/" NEWROOT_NAME
#define NEWROOT_NAME ".sprout-root"

#define RAMFS_MAGIC_ 0x858458f6
#define TMPFS_MAGIC_ 0x01021994

/* Copy the top-level entry name of / into NEWROOT; remove it from the old
 * root when drop is set (an initramfs's memory, no longer needed). */
static int copy_entry(const char *name, int drop)
{
	char *src = path_join("/", name), *dst = path_join(NEWROOT, name);
	struct stat st;
	int r = 0;
	if (lstat(src, &st) < 0) {
		r = -errno;
	} else if (S_ISDIR(st.st_mode)) {
		r = tree_copy(src, dst, 0);
		if (!r && chmod(dst, st.st_mode & 07777) < 0)
			r = -errno;
	} else if (S_ISLNK(st.st_mode)) {
		char t[4096];
		ssize_t n = readlink(src, t, sizeof t - 1);
		if (n < 0)
			r = -errno;
		else {
			t[n] = 0;
			if (symlink(t, dst) < 0)
				r = -errno;
		}
	} else if (S_ISREG(st.st_mode)) {
		r = file_copy(src, dst);
		if (!r && chmod(dst, st.st_mode & 07777) < 0)
			r = -errno;
	}
	if (r)
		r = errf(r, "guest: cannot copy %s to the new root: %s", src, err_str(r));
	else if (drop)
		rm_rf(src);
	free(src);
	free(dst);
	return r;
}

static int skip(const char *name)
{
	static const char *const no[] = {".", "..", NEWROOT_NAME, "dev", "proc", "sys", NULL};
	for (int i = 0; no[i]; i++)
		if (!strcmp(name, no[i]))
			return 1;
	return 0;
}

static int move_root(void)
{
	if (mkdir(NEWROOT, 0755) < 0 && errno != EEXIST)
		return errf(-errno, "guest: mkdir %s: %s", NEWROOT, strerror(errno));
	if (mount("tmpfs", NEWROOT, "tmpfs", 0, "mode=0755,size=90%") < 0)
		return errf(-errno, "guest: mount a tmpfs on %s: %s", NEWROOT, strerror(errno));
	DIR *d = opendir("/");
	if (!d)
		return errf(-errno, "guest: opendir /: %s", strerror(errno));
	struct strv names = {0};
	struct dirent *de;
	while ((de = readdir(d)))
		if (!skip(de->d_name))
			strv_add(&names, de->d_name);
	closedir(d);
	/* An initramfs is emptied as it is copied; a disk's root (bare-metal
	 * mode) is left as it is. */
	struct statfs sf;
	int drop = statfs("/", &sf) == 0 && ((unsigned long)sf.f_type == RAMFS_MAGIC_ ||
					     (unsigned long)sf.f_type == TMPFS_MAGIC_);
	int r = 0;
	for (size_t i = 0; !r && i < names.n; i++)
		r = copy_entry(names.v[i], drop);
	strv_free(&names);
	if (r)
		return r;
	static const char *const dirs[] = {NEWROOT "/dev", NEWROOT "/proc", NEWROOT "/sys", NEWROOT "/tmp", NULL};
	for (int i = 0; dirs[i]; i++)
		if (mkdir(dirs[i], 0755) < 0 && errno != EEXIST)
			return errf(-errno, "guest: mkdir %s: %s", dirs[i], strerror(errno));
	if (chdir(NEWROOT) < 0 || mount(".", "/", NULL, MS_MOVE, NULL) < 0 || chroot(".") < 0 || chdir("/") < 0)
		return errf(-errno, "guest: cannot make %s the root: %s", NEWROOT, strerror(errno));
	return 0;
}

int vm_guest_setup(void)
{
	int r = move_root();
	if (r)
		return r;
	if (mount("devtmpfs", "/dev", "devtmpfs", 0, NULL) < 0 && errno != EBUSY)
		return errf(-errno, "guest: mount devtmpfs on /dev: %s", strerror(errno));
	if (mount("proc", "/proc", "proc", 0, NULL) < 0)
		return errf(-errno, "guest: mount proc on /proc: %s", strerror(errno));
	chmod("/tmp", 01777);
	return 0;
}

int vm_guest_halt(void)
{
	sync();
	reboot(RB_AUTOBOOT);
	return -errno;
}
