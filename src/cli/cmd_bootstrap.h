#ifndef SPROUT_CMD_BOOTSTRAP_H
#define SPROUT_CMD_BOOTSTRAP_H

/* Shared by cmd_bootstrap.c (sprout bootstrap), cmd_stage4.c (its
 * --stage4 report; the logic is trust/stage4.c) and cmd_vmmode.c (its
 * --mode vm, whose VM runs stage 4 inside); not for other commands. */

#include "cli/cmd.h"

/* bootstrap --stage4 (cmd_stage4.c): after plan p's bootstrap for arch,
 * package its final rootfs's parts, install a fresh root from them and
 * rebuild them inside it with the plan PLAN-stage4; prints; returns the
 * exit status. */
int cmd_stage4(struct ctx *c, const struct plan *p, const char *arch, const char *plan_arg);
/* Whether bootstrap --stage4 can run for plan p (before anything is
 * built): prints what is missing; 0 or the exit status. */
int cmd_stage4_check(struct ctx *c, const struct plan *p, const char *arch);

#endif
