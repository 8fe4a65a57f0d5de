#ifndef SPROUT_DISPLAY_H
#define SPROUT_DISPLAY_H

/* Build's display (cli/display.c): what every command that builds shows
 * while the library builds (build/session.h, session_build). Commands
 * share it; it is not a command. */

#include "cli/cmd.h"

struct plan;
struct vm_sys;

/* What a build did, for reports. */
struct build_stats {
	size_t built, cached, failed, skipped, interrupted;
	double stage_begin[CMD_MAX_STAGES], stage_end[CMD_MAX_STAGES]; /* monotonic; 0 when nothing ran */
};

/* Build the named steps (all when nsteps is 0) of plan p through the
 * library (session_build) with the shared caches and the farm of c,
 * showing progress, failures and the summary. 0, -SPROUT_ERR_BUILD after
 * a failed step (already reported), or another code (not printed). */
int display_build(struct ctx *c, struct plan *p, const char *arch, const char *plan_arg, char **steps, int nsteps,
		  struct build_stats *st);

/* What sprout image and sprout boot take from a plan: build the steps of
 * what (VM_SYS_*, vm/sys.h) that are missing with display_build, then
 * vm_sys_open. Prints errors; 0 or the exit status (free *s with
 * vm_sys_free once 0). */
int display_build_sys(struct ctx *c, struct plan *p, const char *arch, const char *plan_arg, int what,
		      struct vm_sys *s);

#endif
