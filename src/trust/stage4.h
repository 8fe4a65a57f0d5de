#ifndef SPROUT_TRUST_STAGE4_H
#define SPROUT_TRUST_STAGE4_H

/* sprout bootstrap --stage4's logic, the rebootstrap from packages
 * (docs/bootstrap.md, "Stage 4"): after the plan's bootstrap, package what
 * its final rootfs is made of (pkg/ and build/pkgbuild), index and sign
 * them, install a fresh root from them alone, and inside that root (a
 * sandbox; qemu-user for a foreign arch) build sprout with the system's
 * own tcc and let it run the plan PLAN-stage4; its packages must be
 * bit-identical to those the root was installed from. Never prints:
 * progress goes to a callback, results stay in struct stage4.
 *
 * The caller's order: stage4_init, stage4_publish, stage4_install,
 * stage4_prepare, stage4_spawn (then it waits for the sandbox), and
 * stage4_compare; stage4_free. */

#include <sys/types.h>

#include "build/plan.h"
#include "core/util.h"
#include "pkg/pkgops.h"

enum stage4_ev {
	STAGE4_EV_NOTE,         /* a package written or left out: step, line */
	STAGE4_EV_PACKAGED,     /* every package is in s->pk1 */
	STAGE4_EV_KEY,          /* a signing key was made: s->keyid, s->keyp */
	STAGE4_EV_INDEXED,      /* the index is written: s->npkgs packages */
	STAGE4_EV_SIGNED,       /* the index is signed with s->keyid */
};

struct stage4_event {
	enum stage4_ev kind;
	const char *step, *line;        /* STAGE4_EV_NOTE */
};

/* One package, first and rebuilt. */
enum stage4_cmp { STAGE4_SAME, STAGE4_DIFFERENT, STAGE4_UNREADABLE, STAGE4_MISSING, STAGE4_EXTRA };
struct stage4_row {
	char *name;
	enum stage4_cmp cmp;
	char first[65], rebuilt[65];    /* sha256, when read */
};

struct stage4 {
	/* Given to stage4_init. */
	const struct plan *p;
	const char *arch, *statedir, *distdir, *plan_ref;
	int jobs;
	void (*on_event)(void *arg, const struct stage4_event *ev);
	void *arg;
	/* Where things are: STATE/stage4/PLAN-ARCH/{packages,root,work,stage4.log}. */
	char *dir, *pk1, *root, *work, *pk2, *log, *keyp;
	struct plan *p4;        /* PLAN-stage4 */
	char *top;              /* sprout's source tree */
	struct strv names;      /* the packages of the final rootfs */
	int sign;               /* libsodium: a signed index */
	int plain;              /* under qemu-user: the steps inside run with --runner=plain */
	/* Results. */
	char keyid[17];
	size_t npkgs;
	struct pkgops_result inst;      /* what the install did */
	struct buf verify;      /* pkg verify's report of the new root */
	size_t problems, entries;
	struct stage4_row *rows;        /* stage4_compare's */
	size_t nrows;
};

/* Whether the rebootstrap of plan p for arch can run (before anything is
 * built): a final step, the sandbox (sandbox is 0 for --runner=plain),
 * sprout's source tree around the plan, and the plan PLAN-stage4 beside
 * it. 0, SPROUT_ERR_USAGE (errf says what is missing) or plan_load's
 * code. *top (caller frees) and *p4 (plan_free) when not NULL. */
int stage4_check(const struct plan *p, const char *arch, int sandbox, char **top, struct plan **p4);

/* Check as stage4_check and prepare s (the strings given must outlive it).
 * 0 or negative code. */
int stage4_init(struct stage4 *s, const struct plan *p, const char *arch, const char *statedir,
		const char *distdir, const char *plan_ref, int jobs);

/* A fresh s->dir; the packages of the final rootfs's parts into s->pk1,
 * uncompressed (the sprout inside may have no libzstd) and without step
 * keys (the rebuild's keys name another seed: the content must match);
 * their index, signed with a key of the state directory's (made when
 * missing) when libsodium is there. 0 or negative code. */
int stage4_publish(struct stage4 *s);

/* Install the packages into a fresh root trusting that key (unsigned with
 * no libsodium), and check the root against them (s->inst, s->verify,
 * s->problems). 0 or negative code. */
int stage4_install(struct stage4 *s);

/* Put sprout's source and the sources of PLAN-stage4 into the root. */
int stage4_prepare(struct stage4 *s);

/* Start the rebuild inside the root: its pid (wait for it as for any
 * sandbox), or a negative code. */
pid_t stage4_spawn(struct stage4 *s);

/* Compare the first packages with the rebuilt ones into s->rows; the
 * number that are not identical (a first directory with no package
 * counts as one). */
int stage4_compare(struct stage4 *s);

void stage4_free(struct stage4 *s);

#endif
