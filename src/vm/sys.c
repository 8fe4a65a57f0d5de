/* What sprout image and sprout boot take from a built plan (vm/sys.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "archive/cpio.h"
#include "build/cache.h"
#include "build/state.h"
#include "core/err.h"
#include "vm/sys.h"
#include "vm/vm.h"

void vm_sys_free(struct vm_sys *s)
{
	FREE_ALL(s->rootfs, s->kernel, s->mke2fs, s->mke2fs_conf, s->overlay, s->dir);
	memset(s, 0, sizeof *s);
}

/* The steps what needs, by name, into names (NULL-terminated; static
 * strings or the plan's). The count. */
static int wanted(const struct plan *p, int what, const char *names[5])
{
	int n = 0;
	names[n++] = p->final;
	if (what & VM_SYS_KERNEL)
		names[n++] = "kernel";
	if (what & VM_SYS_MKE2FS)
		names[n++] = "e2fsprogs";
	if ((what & VM_SYS_OVERLAY) && p->smoke)
		names[n++] = p->smoke;
	names[n] = NULL;
	return n;
}

int vm_sys_needs(const struct plan *p, const char *arch, const char *statedir, int what, struct strv *want)
{
	const char *names[5];
	if (!p->final)
		return errf(-SPROUT_ERR_PARSE, "plan %s has no final step: no system to make an image of", p->name);
	int n = wanted(p, what, names), r = 0;
	char(*keys)[65] = xcalloc(p->nsteps + 1, sizeof *keys);
	cache_keys(p, arch, statedir, keys, NULL, NULL);
	for (int k = 0; k < n && !r; k++) {
		int i = plan_step_index(p, names[k]);
		if (i < 0)
			r = errf(-SPROUT_ERR_PARSE, "plan %s has no step '%s', which this needs", p->name, names[k]);
		else if (!cache_has(statedir, keys[i]))
			strv_add(want, names[k]);
	}
	free(keys);
	return r;
}

/* The output directory of step name in the store, with rel joined to it
 * (caller frees), or NULL when the plan has no such step. */
static char *step_out(const char *statedir, const struct plan *p, char (*keys)[65], const char *name,
		      const char *rel)
{
	int i = plan_step_index(p, name);
	if (i < 0)
		return NULL;
	char *o = state_store(statedir, keys[i], "out");
	if (!rel)
		return o;
	char *r = path_join(o, rel);
	free(o);
	return r;
}

int vm_sys_open(const struct plan *p, const char *arch, const char *statedir, const char *distdir, int what,
		struct vm_sys *s)
{
	memset(s, 0, sizeof *s);
	if (!p->final)
		return errf(-SPROUT_ERR_PARSE, "plan %s has no final step: no system to make an image of", p->name);
	/* The keys of what is built now: they follow its dependencies' outputs. */
	char(*keys)[65] = xcalloc(p->nsteps + 1, sizeof *keys);
	cache_keys(p, arch, statedir, keys, NULL, NULL);
	const char *sde = plan_setting(p, "SOURCE_DATE_EPOCH");
	s->epoch = sde ? strtoll(sde, NULL, 10) : 0;
	s->dir = xasprintf("%s/vm/%s-%s", statedir, p->name, arch);
	s->rootfs = step_out(statedir, p, keys, p->final, NULL);
	if (what & VM_SYS_KERNEL)
		s->kernel = step_out(statedir, p, keys, "kernel", "boot/vmlinuz");
	if (what & VM_SYS_MKE2FS) {
		s->mke2fs = step_out(statedir, p, keys, "e2fsprogs", "usr/sbin/mke2fs");
		s->mke2fs_conf = step_out(statedir, p, keys, "e2fsprogs", "etc/mke2fs.conf");
	}
	free(keys);
	int r = 0;
	if (what & VM_SYS_OVERLAY) {
		s->overlay = path_join(s->dir, "overlay");
		r = mkdir_p(s->dir, 0755);
		if (!r)
			r = vm_overlay(p, arch, statedir, distdir, s->overlay);
		if (r) {
			char why[512];
			snprintf(why, sizeof why, "%s", err_msg(r)); /* errf writes where err_msg reads */
			r = errf(r, "cannot lay out the boot overlay: %s", why);
		}
	}
	if (r)
		vm_sys_free(s);
	return r;
}

char *vm_disk_cmdline(const char *arch)
{
	return xasprintf("console=%s root=PARTUUID=%s rootwait rw panic=-1", !strcmp(arch, "aarch64") ? "ttyAMA0" : "ttyS0",
			 IMAGE_ROOT_GUID);
}

int vm_sys_image(const struct vm_sys *s, const char *arch, enum image_format f, const char *out, char digest[65])
{
	struct image_spec is;
	memset(&is, 0, sizeof is);
	is.format = f;
	is.rootfs = s->rootfs;
	is.overlay = f == IMAGE_DISK ? s->overlay : NULL;
	is.epoch = s->epoch;
	is.arch = arch;
	is.kernel = s->kernel;
	char *cl = vm_disk_cmdline(arch);
	is.cmdline = cl;
	is.mke2fs = s->mke2fs;
	is.mke2fs_conf = s->mke2fs_conf;
	char *work = xasprintf("%s/image.%ld", s->dir, (long)getpid());
	is.workdir = work;
	int r = image_write(&is, out, digest);
	free(cl);
	free(work);
	return r;
}

int vm_sys_boot(const struct vm_sys *s, const char *arch, const struct vm_boot_opts *o, struct vm_result *res)
{
	char *initrd = path_join(s->dir, "initramfs.cpio.gz"), *img = path_join(s->dir, "disk.img");
	char *log = path_join(s->dir, "console.log"), *cl = vm_cmdline(arch, o->interactive ? "shell" : "test");
	char digest[65];
	const char *trees[2] = {s->rootfs, s->overlay};
	memset(res, 0, sizeof *res);
	int r = o->disk ? vm_sys_image(s, arch, IMAGE_DISK, img, digest)
			: cpio_write_trees(trees, 2, initrd, s->epoch, CPIO_GZIP);
	struct stat st;
	/* The initramfs's tree lives in the guest's memory; a disk's does not. */
	int mem = !o->disk && !r && !stat(initrd, &st) ? vm_memory_mib(st.st_size) : 0;
	const struct vm_spec vs = {.arch = arch, .kernel = o->disk ? NULL : s->kernel, .initrd = o->disk ? NULL : initrd,
				   .disk = o->disk ? img : NULL, .cmdline = o->disk ? NULL : cl, .console_log = log,
				   .timeout = o->timeout, .interactive = o->interactive, .no_kvm = o->no_kvm,
				   .memory = mem};
	if (!r)
		r = vm_boot(&vs, res);
	FREE_ALL(initrd, img, log, cl);
	return r;
}
