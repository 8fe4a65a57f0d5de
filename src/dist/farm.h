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

#endif
