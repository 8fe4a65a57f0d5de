/* sprout boot: boot a plan's final system in qemu and report its smoke
 * test (docs/boot.md). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "build/plan.h"
#include "cli/cmd.h"
#include "cli/display.h"
#include "core/err.h"
#include "core/util.h"
#include "vm/sys.h"
#include "vm/vm.h"

static void print_lines(const char *first, const char *rest, const char *text)
{
	int n = 0;
	for (const char *l = text; l && *l;) {
		const char *e = strchr(l, '\n');
		printf("%s%.*s\n", n++ ? rest : first, (int)(e ? e - l : (long)strlen(l)), l);
		l = e ? e + 1 : NULL;
	}
}

static int report(const struct plan *p, const char *arch, const struct vm_boot_opts *o, const struct vm_sys *s,
		  const struct vm_result *res)
{
	if (o->interactive)
		return CMD_EXIT_OK;
	if (res->kvm_fallback)
		printf("accel:      %s; booted again under TCG\n", res->kvm_failed);
	if (res->boot_secs >= 0)
		printf("boot:       init started %.1fs after qemu\n", res->boot_secs);
	else
		printf("boot:       init never started\n");
	if (res->report.len)
		print_lines("smoke:      ", "            ", res->report.s);
	if (res->pass) {
		printf("result:     PASS: %s for %s booted (%s) and its smoke test passed %.1fs after qemu started\n",
		       p->name, arch, o->disk ? "disk image, UEFI" : "initramfs", res->smoke_secs);
		return CMD_EXIT_OK;
	}
	if (res->finished)
		printf("result:     FAILED: the smoke test failed in the VM (%.1fs)\n", res->smoke_secs);
	else if (res->timed_out)
		printf("result:     FAILED: no result after %ds (--timeout); the console's last lines:\n", o->timeout);
	else
		printf("result:     FAILED: qemu ended after %.1fs without a result; the console's last lines:\n",
		       res->total_secs);
	if (!res->finished)
		print_lines("  | ", "  | ", res->tail.s);
	printf("console:    %s/console.log\n", s->dir);
	return CMD_EXIT_FAIL;
}

int cmd_boot_plan(struct ctx *c, struct plan *p, const char *arch, const char *plan_arg, const struct vm_boot_opts *o)
{
	struct vm_sys s;
	int rc = display_build_sys(c, p, arch, plan_arg, VM_SYS_KERNEL | VM_SYS_OVERLAY | (o->disk ? VM_SYS_MKE2FS : 0), &s);
	if (rc)
		return rc;
	printf("boot %s for %s (%s, %s)\n", p->name, arch, o->disk ? "disk image through UEFI" : "kernel and initramfs",
	       vm_kvm_usable(arch) && !o->no_kvm ? "KVM" : "TCG");
	fflush(stdout);
	struct vm_result res;
	err_clear();
	int r = vm_sys_boot(&s, arch, o, &res);
	if (r) {
		cmd_err("boot: %s", err_msg(r));
		rc = cmd_exit_for(r);
	} else {
		if (c->verbose && res.command)
			printf("qemu:       %s\n", res.command);
		rc = report(p, arch, o, &s, &res);
	}
	vm_result_free(&res);
	vm_sys_free(&s);
	return rc;
}

int cmd_boot(struct ctx *c, int argc, char **argv)
{
	const char *image = NULL, *timeout = NULL, *accel = NULL;
	int interactive = 0;
	const struct cmd_opt opts[] = {{"--image", NULL, &image},   {"--timeout", NULL, &timeout}, {"--accel", NULL, &accel},
				       {"--arch", NULL, &c->arch}, {"-i", &interactive, NULL},
				       {NULL, NULL, NULL}};
	struct plan *p;
	const char *arch, *plan_arg;
	int rc = cmd_open_plan(c, argc, argv, opts, "PLAN [--arch ARCH] [--image disk] [-i] [--timeout S] [--accel tcg]", NULL,
			       &plan_arg, &p, &arch);
	if (rc)
		return rc;
	const struct vm_boot_opts o = {.disk = image && !strcmp(image, "disk"), .interactive = interactive,
				       .no_kvm = accel && !strcmp(accel, "tcg"), .timeout = timeout ? atoi(timeout) : VM_BOOT_TIMEOUT};
	if ((image && !o.disk && strcmp(image, "initramfs")) || o.timeout <= 0 ||
	    (accel && strcmp(accel, "tcg") && strcmp(accel, "kvm"))) {
		cmd_err("boot: bad option value (expected --image disk or initramfs, --timeout SECONDS, --accel tcg or kvm)");
		rc = CMD_EXIT_USAGE;
	} else {
		rc = cmd_boot_plan(c, p, arch, plan_arg, &o);
	}
	plan_free(p);
	return rc;
}
