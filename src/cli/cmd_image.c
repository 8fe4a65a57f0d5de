/* sprout image: an image of a plan's final system (docs/images.md); and
 * what it shares with sprout boot: the steps an image or a boot needs,
 * built when missing. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "build/cache.h"
#include "build/plan.h"
#include "build/session.h"
#include "build/state.h"
#include "cli/cmd.h"
#include "core/err.h"
#include "core/util.h"
#include "image/image.h"
#include "vm/vm.h"

void cmd_sys_free(struct cmd_sys *s)
{
	free(s->rootfs);
	free(s->kernel);
	free(s->mke2fs);
	free(s->mke2fs_conf);
	free(s->overlay);
	free(s->dir);
	memset(s, 0, sizeof *s);
}

/* The output directory of step name in the store (caller frees). */
static char *step_out(const struct ctx *c, const struct plan *p, char (*keys)[65], const char *name)
{
	int i = plan_step_index(p, name);
	return i < 0 ? NULL : state_store(c->statedir, keys[i], "out");
}

static int need(const struct ctx *c, const struct plan *p, char (*keys)[65], const char *name, struct strv *want)
{
	int i = plan_step_index(p, name);
	if (i < 0) {
		cmd_err("plan %s has no step '%s', which this needs", p->name, name);
		return CMD_EXIT_PARSE;
	}
	if (!cache_has(c->statedir, keys[i]))
		strv_add(want, name);
	return 0;
}

int cmd_sys_prepare(struct ctx *c, struct plan *p, const char *arch, const char *plan_arg, int what,
		    struct cmd_sys *s)
{
	char (*keys)[65] = xcalloc(p->nsteps + 1, sizeof *keys);
	struct strv want = {0};
	int rc = 0;
	memset(s, 0, sizeof *s);
	cache_keys(p, arch, c->statedir, keys, NULL, NULL);
	if (!p->final) {
		cmd_err("plan %s has no final step: no system to make an image of", p->name);
		rc = CMD_EXIT_PARSE;
		goto out;
	}
	rc = need(c, p, keys, p->final, &want);
	if (!rc && (what & CMD_SYS_KERNEL))
		rc = need(c, p, keys, "kernel", &want);
	if (!rc && (what & CMD_SYS_MKE2FS))
		rc = need(c, p, keys, "e2fsprogs", &want);
	if (!rc && (what & CMD_SYS_OVERLAY) && p->smoke)
		rc = need(c, p, keys, p->smoke, &want); /* its sources are then in the store */
	if (!rc && want.n) {
		struct build_stats st;
		int r = cmd_build_plan(c, p, arch, plan_arg, want.v, (int)want.n, &st);
		if (r && r != -SPROUT_ERR_BUILD)
			cmd_err("%s", err_msg(r));
		if (r)
			rc = cmd_exit_for(r);
	}
	if (rc)
		goto out;
	/* The keys of what was just built: they follow its dependencies' outputs. */
	cache_keys(p, arch, c->statedir, keys, NULL, NULL);
	const char *sde = plan_setting(p, "SOURCE_DATE_EPOCH");
	s->epoch = sde ? strtoll(sde, NULL, 10) : 0;
	s->dir = xasprintf("%s/vm/%s-%s", c->statedir, p->name, arch);
	s->rootfs = step_out(c, p, keys, p->final);
	if (what & CMD_SYS_KERNEL) {
		char *k = step_out(c, p, keys, "kernel");
		s->kernel = path_join(k, "boot/vmlinuz");
		free(k);
	}
	if (what & CMD_SYS_MKE2FS) {
		char *e = step_out(c, p, keys, "e2fsprogs");
		s->mke2fs = path_join(e, "usr/sbin/mke2fs");
		s->mke2fs_conf = path_join(e, "etc/mke2fs.conf");
		free(e);
	}
	if (what & CMD_SYS_OVERLAY) {
		struct session ss = cmd_session(c);
		char *dd = session_distdir(&ss);
		s->overlay = path_join(s->dir, "overlay");
		int r = mkdir_p(s->dir, 0755);
		if (!r)
			r = vm_overlay(p, arch, c->statedir, dd, s->overlay);
		free(dd);
		if (r) {
			cmd_err("cannot lay out the boot overlay: %s", err_msg(r));
			rc = cmd_exit_for(r);
		}
	}
out:
	if (rc)
		cmd_sys_free(s);
	strv_free(&want);
	free(keys);
	return rc;
}

char *cmd_disk_cmdline(const char *arch)
{
	return xasprintf("console=%s root=PARTUUID=%s rootwait rw panic=-1", !strcmp(arch, "aarch64") ? "ttyAMA0" : "ttyS0",
			 IMAGE_ROOT_GUID);
}

int cmd_image_disk(struct ctx *c, const char *arch, const struct cmd_sys *s, int format, const char *out,
		   char digest[65])
{
	enum image_format f = (enum image_format)format;
	struct image_spec is;
	memset(&is, 0, sizeof is);
	is.format = f;
	is.rootfs = s->rootfs;
	is.overlay = f == IMAGE_DISK ? s->overlay : NULL;
	is.epoch = s->epoch;
	is.arch = arch;
	is.kernel = s->kernel;
	char *cl = cmd_disk_cmdline(arch);
	is.cmdline = cl;
	is.mke2fs = s->mke2fs;
	is.mke2fs_conf = s->mke2fs_conf;
	char *work = xasprintf("%s/image.%ld", s->dir, (long)getpid());
	is.workdir = work;
	err_clear();
	int r = image_write(&is, out, digest);
	if (r)
		cmd_err("image: %s", err_msg(r));
	(void)c;
	free(cl);
	free(work);
	return r ? cmd_exit_for(r) : 0;
}

int cmd_image(struct ctx *c, int argc, char **argv)
{
	const char *fmt = NULL, *out = NULL;
	int bootstrap = 0;
	const struct cmd_opt opts[] = {{"--format", NULL, &fmt},   {"-o", NULL, &out},
				       {"--arch", NULL, &c->arch}, {"--bootstrap", &bootstrap, NULL},
				       {NULL, NULL, NULL}};
	struct plan *p;
	const char *arch, *plan_arg;
	int rc = cmd_open_plan(c, argc, argv, opts, "PLAN --format tar|cpio|ext4|oci|disk [-o FILE] [--bootstrap]", NULL, &plan_arg,
			       &p, &arch);
	if (rc)
		return rc;
	int f = fmt ? image_format_parse(fmt) : -1;
	if (bootstrap && f != IMAGE_DISK) {
		cmd_err("image: --bootstrap makes a disk image (--format disk)");
		plan_free(p);
		return CMD_EXIT_USAGE;
	}
	if (f < 0) {
		cmd_err("image: %s '%s' (expected --format tar, cpio, ext4, oci or disk)",
			fmt ? "unknown format" : "which format?", fmt ? fmt : "");
		plan_free(p);
		return CMD_EXIT_USAGE;
	}
	static const char *const ext[] = {"tar", "cpio.gz", "ext4", "oci", "img"};
	char *dflt = xasprintf("%s-%s.%s", p->name, arch, ext[f]);
	if (!out)
		out = dflt;
	if (bootstrap) {
		char digest[65] = "";
		rc = cmd_image_bootstrap(c, p, arch, plan_arg, out, digest);
		if (!rc)
			printf("%s  %s\n", digest, out);
		if (!rc && !c->quiet)
			fprintf(stderr, "image: %s: a disk that runs the bootstrap of plan %s for %s (docs/modes.md)\n", out,
				p->name, arch);
		free(dflt);
		plan_free(p);
		return rc;
	}
	int what = f == IMAGE_EXT4 ? CMD_SYS_MKE2FS : f == IMAGE_DISK ? CMD_SYS_MKE2FS | CMD_SYS_KERNEL | CMD_SYS_OVERLAY : 0;
	struct cmd_sys s;
	rc = cmd_sys_prepare(c, p, arch, plan_arg, what, &s);
	char digest[65] = "";
	if (!rc)
		rc = cmd_image_disk(c, arch, &s, f, out, digest);
	if (!rc)
		printf("%s  %s%s\n", digest, out, f == IMAGE_OCI ? " (the manifest's sha256)" : "");
	if (!rc && !c->quiet)
		fprintf(stderr, "image: %s: %s image of plan %s for %s\n", out, image_format_name((enum image_format)f),
			p->name, arch);
	cmd_sys_free(&s);
	free(dflt);
	plan_free(p);
	return rc;
}
