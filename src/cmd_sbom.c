/* sprout sbom: an SPDX 2.3 document of what a build produced (in progress). */
#include "cmd.h"

int cmd_sbom(struct ctx *c, int argc, char **argv)
{
	(void)c;
	(void)argc;
	(void)argv;
	cmd_err("sbom: not implemented yet");
	return EXIT_FAIL;
}
