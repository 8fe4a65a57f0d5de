#ifndef SPROUT_FARM_H
#define SPROUT_FARM_H

/* Compile farms through icecream (docs/distributed.md): the compiler a
 * host-stage step uses, packed by icecc-create-env for the workers. */

/* The default socket of the local icecream daemon. */
#define FARM_SOCKET "/var/run/icecc/iceccd.socket"

/* The icecc-create-env environment of the gcc and g++ in PATH (the host
 * stages' compiler), with a stand-in in front of both drivers that drops
 * the memory switches icecream's workers add (farm.c), made once per
 * compiler (its driver, cc1, cc1plus and as, by content) as
 * STATE/farm/env-HASH.tar; *made is 1 when it was
 * made now (it takes a while), 0 when it was there. *path is the
 * caller's. 0 or a negative code (errf set; the tool's log is
 * STATE/farm/create-env.log). */
int farm_env(const char *statedir, char **path, int *made);

struct run_spec;

/* The farm for native-stage steps: the environment of each root's own
 * compiler and the courier (the host's icecc client) that runs inside the
 * root, made on first use under STATE/farm and kept per root. */
struct farm {
	const char *statedir;
	const char *arch;       /* the plan's arch: only the host's own is sent */
	char *client;           /* STATE/farm/client-HASH, or NULL until made */
	char *root, *env, *why; /* the last root looked at: its environment, or why none */
};

/* Set spec's farm fields (farm_env, farm_client) for native-stage step
 * spec whose root (spec->rootfs) has a gcc the farm can run: its driver,
 * cc1, cc1plus and as found inside that root, never the host's. When the
 * root's compiler is not one (tcc, another arch, no gcc), the fields stay
 * NULL and *why says why (f's string). 0, or a negative code when making
 * the environment or the client failed (errf set). */
int farm_native(struct farm *f, struct run_spec *spec, const char **why);
void farm_free(struct farm *f);

#endif
