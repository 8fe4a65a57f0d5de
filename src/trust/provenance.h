#ifndef SPROUT_TRUST_PROVENANCE_H
#define SPROUT_TRUST_PROVENANCE_H

/* What sprout bootstrap checks of a finished build (docs/bootstrap.md):
 * the compiler's fixpoint, the plan's expected digests, and the provenance
 * of every entry of the final rootfs; and the outputs it writes. Never
 * prints: results go into the structures below. */

#include <stddef.h>

#include "build/plan.h"
#include "core/util.h"

/* Every step's output in the store, as the checks read it. */
struct trust_build {
	const struct plan *p;
	const char *arch;
	const char *statedir;
	char (*keys)[65];
	char (*digests)[65];    /* "" for a step not in the store */
	char **manifests;       /* per step; "" for a step not in the store */
};

void trust_build_load(struct trust_build *b, const struct plan *p, const char *arch, const char *statedir);
void trust_build_free(struct trust_build *b);

/* Whether the plan's fixpoint steps are identical but for the paths its
 * fixpoint-exclude lines leave out: 0 when they are (or the plan has no
 * fixpoint), else -SPROUT_ERR_HASH. Each difference (a line "~ PATH",
 * "- PATH" or "+ PATH", as manifest_diff writes them) goes into excluded
 * when an exclusion covers it (the first that matches; " (plan line N)"
 * added), else into diff. hits, when not NULL, has p->nfixpoint_excl
 * entries: how many differences each exclusion took. */
int trust_fixpoint(const struct trust_build *b, struct buf *diff, struct buf *excluded, size_t *hits);

/* Step i against the plan's digests.ARCH. */
enum trust_digest {
	TRUST_DIGEST_MATCH,
	TRUST_DIGEST_NONE,      /* digests.ARCH has none for it */
	TRUST_DIGEST_MISMATCH,
	TRUST_DIGEST_ONDEMAND,  /* built on demand, and not yet: not checked */
};

/* Compare every step with the expected digests (exp from expect_read):
 * per-step results into res (p->nsteps entries); the matched count. */
size_t trust_digests_check(const struct trust_build *b, char *const *exp, enum trust_digest *res);

/* The provenance of the final step's output. */
struct provenance {
	struct buf text;        /* the provenance file: "STEP STAGE TYPE PATH" per entry */
	struct buf hostbuilt;   /* "PATH (from host step S)" per host-built file */
	struct buf known;       /* "PATH (S)" per host-built file the plan declares (host-built) */
	size_t nfiles, nhost, nknown;
};

/* For each entry of the final step fin's output, the step it came from
 * (an identical manifest line in one of fin's dependencies, native ones
 * first), else fin itself. Entries from host stages, and files of fin
 * whose content equals a host-built file, are host-built. */
void provenance_compute(const struct trust_build *b, int fin, struct provenance *pv);
void provenance_free(struct provenance *pv);

/* Copy the final step's output to OUTDIR/rootfs, pack it as rootfs.tar,
 * and write its manifest and provenance beside; nothing is done when
 * OUTDIR/digest already names this output. 0 or negative code. */
int provenance_write_outputs(const struct trust_build *b, int fin, const struct provenance *pv, const char *outdir);

#endif
