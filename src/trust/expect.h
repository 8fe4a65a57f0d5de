#ifndef SPROUT_TRUST_EXPECT_H
#define SPROUT_TRUST_EXPECT_H

/* A plan's recorded expectations, beside its plan file (docs/bootstrap.md):
 * digests.ARCH, a line "STEP DIGEST" per step ('#' starts a comment), and
 * manifests.ARCH, "== STEP DIGEST" followed by that step's manifest. */

#include "build/plan.h"

/* PLANDIR/WHAT.ARCH ("digests", "manifests"); caller frees. */
char *expect_path(const struct plan *p, const char *what, const char *arch);

/* The expected digest of every step of p (64 hex digits, or NULL where
 * the file names none) into *digests (p->nsteps entries, free with
 * expect_free). 0, or -ENOENT when there is no digests.ARCH (*digests
 * still allocated, all NULL). */
int expect_read(const struct plan *p, const char *arch, char ***digests);
void expect_free(char **digests, size_t n);

/* The manifest recorded for step in the text of a manifests.ARCH, or
 * NULL; its recorded digest into digest when that is not NULL. Caller
 * frees. */
char *expect_manifest(const char *all, const char *step, char digest[65]);

/* Record digests and manifests (per step of p) as the expected ones; an
 * on-demand step not built (digest "") keeps what was recorded for it. 0
 * or negative code. */
int expect_write(const struct plan *p, const char *arch, char (*digests)[65], char *const *manifests);

#endif
