#ifndef SPROUT_SANDBOX_H
#define SPROUT_SANDBOX_H

#include <sys/types.h>

#include "sandbox/run.h"

/* Start spec in the namespace sandbox: same contract as run_spawn. The
 * step sees builddir at /build (its cwd), destdir at /destdir, sysroot at
 * /sysroot, each dep at /deps/NAME; a NULL builddir or destdir is an empty
 * writable directory that goes with the sandbox. The returned process is
 * the sandbox's init; it is killed when the calling thread ends. */
pid_t sandbox_spawn(const struct run_spec *spec);

/* The same, with the step's output going to logfd (spec->log unused). */
pid_t sandbox_spawn_fd(const struct run_spec *spec, int logfd);

/* Whether the sandbox can be set up here: 0, or SPROUT_ERR_SANDBOX with errf()
 * saying why and what to do. */
int sandbox_check(void);

/* Whether the host runs arch's binaries itself (NULL: yes). */
int sandbox_arch_native(const char *arch);

/* For a foreign arch: make sure binfmt_misc can run arch's binaries inside
 * a new root (handler with the F flag), registering it as root from the
 * host's qemu-user-static configuration. 0, or SPROUT_ERR_SANDBOX with errf(). */
int sandbox_check_arch(const char *arch);

#endif
