#ifndef SPROUT_TRUST_DIVERSE_H
#define SPROUT_TRUST_DIVERSE_H

/* sprout verify --diverse's logic (docs/trust.md, "verify --diverse"):
 * David A. Wheeler's diverse double-compiling with any number of legs. A
 * leg is a host compiler; the plan is built once per leg in the normal
 * state directory, with the leg's settings for the host stage alone (part
 * of the host steps' keys, so the builds live side by side in the store);
 * a later step whose dependencies have the same digests in every leg has
 * the same key in all, and is built once. Never prints.
 *
 * The caller's order: diverse_parse, diverse_leg_setup for each leg (with
 * its own copy of the plan), diverse_select, then it builds each leg that
 * has no skip reason (diverse_leg_built after each), then diverse_compare,
 * and reads the results from struct diverse. */

#include <stddef.h>

#include "build/plan.h"
#include "trust/out.h"

struct diverse_leg {
	char *cc;               /* the compiler as given: a name on PATH or a path */
	int seed_only;          /* it builds only the seed compiler (SEED_CC) */
	char *cxx;              /* its C++ compiler (g++ for gcc), or NULL */
	char *setting;          /* "CC=gcc CXX=g++" or "SEED_CC=pcc": what the leg
	                         * sets, for the host stage alone */
	struct plan *p;         /* the plan with the leg's settings (owned) */
	char (*keys)[65];       /* per step */
	struct trust_out *outs; /* per step */
	char *skip;             /* INCONCLUSIVE: why the leg has no result */
};

enum diverse_verdict {
	DIVERSE_PASSED,         /* every leg built and every compared step agrees */
	DIVERSE_FAILED,         /* a compared step differs between legs that built */
	DIVERSE_INCONCLUSIVE,   /* a leg has no result, or two legs' host stages gave the same bytes */
};

struct diverse {
	struct diverse_leg *legs;
	size_t nlegs;
	const char *arch;
	size_t n;               /* steps of the plan */
	char *cmp;              /* per step: compared */
	char *want;             /* per step: compared or needed by a compared one */
	char **names;           /* the compared steps' names, NULL-terminated */
	size_t nnames;
	/* diverse_compare's results */
	enum diverse_verdict verdict;
	int same, differ;       /* compared steps that agree, that differ */
	int shared;             /* compared steps with the same key in every
	                         * built leg: the same inputs, built once */
	int twin_a, twin_b;     /* INCONCLUSIVE by twins: two legs whose host stages are identical */
};

/* Parse a comma-separated list of two or more different compilers into d's
 * legs. A compiler the host recipes drive for the whole host stage (a name
 * with gcc or clang in it) sets CC, and CXX to its family's C++ compiler
 * (g++, clang++); any other (pcc, chibicc ...) sets
 * SEED_CC, which only the seed compiler's recipe uses (recipes/tcc), and
 * the rest of the host stage is built with the plan's CC. 0 or
 * -SPROUT_ERR_USAGE (errf says why). */
int diverse_parse(struct diverse *d, const char *list);

/* Give leg k the plan p (taken over, freed by diverse_free) with its
 * settings applied; a compiler not on this host gives the leg a skip
 * reason (the other legs still run). 0 or negative code. */
int diverse_leg_setup(struct diverse *d, size_t k, struct plan *p, const char *arch);

/* Choose the compared steps: the named ones, or every step after the host
 * stage. 0, SPROUT_ERR_NOTFOUND for an unknown step, or SPROUT_ERR_USAGE
 * when there is nothing to compare (errf says why). */
int diverse_select(struct diverse *d, char **steps, int nsteps, const char *statedir);

/* Record that leg k's build ended with r (0, or the build's code); a
 * failed build makes the leg INCONCLUSIVE, naming the steps that did not
 * build. */
void diverse_leg_built(struct diverse *d, size_t k, int r, const char *statedir);

/* Read every leg's outputs from statedir and reach the verdict. */
void diverse_compare(struct diverse *d, const char *statedir);

/* Whether the legs that built all agree on step i (1), or not (0). */
int diverse_step_agrees(const struct diverse *d, int i);

/* Whether step i is in the host stage. */
int diverse_is_host(const struct plan *p, int i);

/* The legs that built (have no skip reason). */
size_t diverse_nbuilt(const struct diverse *d);

void diverse_free(struct diverse *d);

#endif
