#ifndef SPROUT_VM_VMMODE_H
#define SPROUT_VM_VMMODE_H

/* VM mode's host side (docs/modes.md): the static sprout that runs inside,
 * the payload the VM boots with, and the import of what it built. */

#include "build/engine.h"
#include "build/plan.h"
#include "core/util.h"

/* Whether stage s of p runs inside the VM: a stage with a root tree
 * (native and packages); the others run on the host. */
int vm_stage_inside(const struct plan *p, size_t s);


/* Build a static sprout for arch from the source tree top with
 * `make static-sprout` (the Makefile's target) into dir, against the musl
 * tree musl (NULL: the compiler's libc), up to jobs at once, its output in
 * log; the binary's path into *out (caller frees). 0 or negative code
 * (errf quoting the log's last line). */
int vm_static_sprout(const char *top, const char *arch, const char *musl, const char *dir, int jobs,
		     const char *log, char **out);

/* Lay out the payload of e's run (e initialised, its sources fetched) in
 * dir, made anew (docs/modes.md, "The payload"): sprout/sprout (a copy of
 * the static binary sprout), sprout/init (a script that runs sprout with
 * args, each a word), sprout/tree/ABSPATH (the plan's directory and its
 * recipe directories at their own absolute paths, so that the plan's
 * relative paths hold), sprout/state/ (the store entries of every wanted
 * step in e's store) and sprout/distfiles/ (the sources of the wanted
 * steps that are not). 0 or negative code (errf set). */
int vm_payload(const struct engine *e, const char *sprout, char *const *args, const char *dir);

/* What bootstrap --stage4 adds to the payload in dir, for the rebootstrap
 * that runs inside the VM: sprout's source tree top at sprout/tree/TOP
 * (TOP its absolute path: the plan's own tree, so that plan_source_top
 * finds it inside), and in sprout/distfiles every source of p4 (the plan
 * PLAN-stage4) from the distfiles store distdir. 0 or negative code (errf
 * set). */
int vm_payload_stage4(const char *dir, const char *top, const struct plan *p4, const char *distdir);

/* Where the payload puts plan p's file inside the VM. Caller frees. */
char *vm_payload_plan(const struct plan *p);

/* One record of the results disk entered into the store. */
struct vm_imported {
	int step;
	double secs;            /* its wall time in the VM */
	char digest[65];
	int already;            /* it was in the store already (same digest) */
};

/* Enter the records of the results disk at results (docs/modes.md; from
 * byte base: a partition's start in a disk image, else 0) into
 * statedir's store, in their order, each checked first: the step is p's,
 * its key is the one the host computes now from the store, its manifest
 * is the one of the files that came out of the tar and its digest that
 * manifest's. work is scratch space (made anew, removed). *rows (caller
 * frees) and *n get each record entered; *torn is set when the disk ended
 * in a record the VM did not finish writing. 0, or a negative code with
 * errf naming the step (and, for a manifest that differs, the differing
 * paths in diff, as manifest_diff gives them, when diff is not NULL). */
int vm_import(const struct plan *p, const char *arch, const char *statedir, const char *results, long long base,
	      const char *work, struct vm_imported **rows, size_t *n, int *torn, struct buf *diff);

#endif
