#ifndef SPROUT_CMD_VERIFY_H
#define SPROUT_CMD_VERIFY_H

/* Shared by cmd_verify.c (sprout verify) and cmd_diverse.c (its --diverse
 * mode); not for other commands. */

#include "cli/cmd.h"

/* verify --diverse: build plan_arg once per compiler of compilers ("A,B"
 * or more) and compare the steps (all after the host stage when nsteps is
 * 0). Prints the report; with json_fd >= 0 also writes the JSON document
 * (docs/cli.md) there once the legs are compared. Returns the exit status. */
int cmd_verify_diverse(struct ctx *c, const char *plan_arg, char **steps, int nsteps, const char *compilers,
		       int json_fd);

#endif
