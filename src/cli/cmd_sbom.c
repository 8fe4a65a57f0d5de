/* sprout sbom: an SPDX 2.3 JSON document of what a build of a plan produced
 * (docs/trust.md). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli/cmd.h"
#include "core/err.h"
#include "build/plan.h"
#include "trust/sbom.h"
#include "core/util.h"

int cmd_sbom(struct ctx *c, int argc, char **argv)
{
	const char *out = NULL;
	const struct cmd_opt opts[] = {{"-o", NULL, &out}, {NULL, NULL, NULL}};
	struct plan *p;
	const char *arch;
	const char *plan_arg;
	int rc = cmd_open_plan(c, argc, argv, opts, "PLAN [-o FILE]", NULL, &plan_arg, &p, &arch);
	if (rc)
		return rc;
	struct buf doc = {0};
	err_clear();
	int r = sbom_write(p, arch, c->statedir, "Tool: sprout", &doc);
	if (!r && out)
		r = file_write_atomic(out, doc.s, doc.len);
	else if (!r && fwrite(doc.s, 1, doc.len, stdout) != doc.len)
		r = -EIO;
	if (r) {
		if (out && r != -SPROUT_ERR_NOTFOUND) {
			cmd_err("sbom: %s: %s", out, err_msg(r));
		} else if (r == -SPROUT_ERR_NOTFOUND) {
			/* the build to run, with the plan and the state given */
			struct buf again = {0};
			cmd_again(c, c->arch, &again);
			buf_adds(&again, " build ");
			cmd_shell_word(&again, plan_arg);
			cmd_err("sbom: %s: %s", err_msg(r), again.s);
			buf_free(&again);
		} else {
			cmd_err("sbom: %s", err_msg(r));
		}
		rc = r == -SPROUT_ERR_NOTFOUND ? CMD_EXIT_FAIL : cmd_exit_for(r);
	} else if (out && !c->quiet) {
		fprintf(stderr, "sbom: %s: SPDX 2.3, plan %s for %s\n", out, p->name, arch);
	}
	buf_free(&doc);
	plan_free(p);
	return rc;
}
