/* Placeholder until the namespace sandbox lands: falls back to refusing. */
#include "err.h"
#include "sandbox.h"

pid_t sandbox_spawn(const struct run_spec *spec)
{
	(void)spec;
	return errf(ERR_SANDBOX, "the namespace sandbox is not built yet; use --runner=plain");
}

int sandbox_check(void)
{
	return errf(ERR_SANDBOX, "the namespace sandbox is not built yet; use --runner=plain");
}

int sandbox_check_arch(const char *arch)
{
	(void)arch;
	return errf(ERR_SANDBOX, "the namespace sandbox is not built yet");
}
