/* sprout sbom: an SPDX 2.3 JSON document of what a build of a plan produced
 * (docs/trust.md). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "err.h"
#include "plan.h"
#include "sbom.h"
#include "util.h"

int cmd_sbom(struct ctx *c, int argc, char **argv)
{
	const char *plan_arg = NULL, *out = NULL;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-o") && i + 1 < argc) {
			out = argv[++i];
		} else if (!strncmp(argv[i], "-o", 2) && argv[i][2]) {
			out = argv[i] + 2;
		} else if (argv[i][0] == '-') {
			cmd_err("sbom: unknown option '%s'", argv[i]);
			return EXIT_USAGE;
		} else if (!plan_arg) {
			plan_arg = argv[i];
		} else {
			cmd_err("sbom: one plan at a time ('%s' is extra)", argv[i]);
			return EXIT_USAGE;
		}
	}
	if (!plan_arg) {
		cmd_err("sbom: which plan? (usage: sprout sbom PLAN [-o FILE])");
		return EXIT_USAGE;
	}
	struct plan *p;
	const char *arch;
	int rc = cmd_load_plan(c, plan_arg, &p, &arch);
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
		if (out && r != -ERR_NOTFOUND)
			cmd_err("sbom: %s: %s", out, err_msg(r));
		else
			cmd_err("sbom: %s", err_msg(r));
		rc = r == -ERR_NOTFOUND ? EXIT_FAIL : cmd_exit_for(r);
	} else if (out && !c->quiet) {
		fprintf(stderr, "sbom: %s: SPDX 2.3, plan %s for %s\n", out, p->name, arch);
	}
	buf_free(&doc);
	plan_free(p);
	return rc;
}
