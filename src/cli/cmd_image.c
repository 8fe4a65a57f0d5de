/* sprout image: an image of a plan's final system (docs/images.md). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "build/cache.h"
#include "build/plan.h"
#include "build/state.h"
#include "cli/cmd.h"
#include "cli/display.h"
#include "core/err.h"
#include "core/util.h"
#include "image/image.h"
#include "vm/sys.h"

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
	int what = f == IMAGE_EXT4 ? VM_SYS_MKE2FS : f == IMAGE_DISK ? VM_SYS_MKE2FS | VM_SYS_KERNEL | VM_SYS_OVERLAY : 0;
	struct vm_sys s;
	rc = display_build_sys(c, p, arch, plan_arg, what, &s);
	char digest[65] = "";
	if (!rc) {
		err_clear();
		int r = vm_sys_image(&s, arch, (enum image_format)f, out, digest);
		if (r)
			cmd_err("image: %s", err_msg(r));
		rc = r ? cmd_exit_for(r) : 0;
	}
	if (!rc)
		printf("%s  %s%s\n", digest, out, f == IMAGE_OCI ? " (the manifest's sha256)" : "");
	if (!rc && !c->quiet)
		fprintf(stderr, "image: %s: %s image of plan %s for %s\n", out, image_format_name((enum image_format)f),
			p->name, arch);
	vm_sys_free(&s);
	free(dflt);
	plan_free(p);
	return rc;
}
