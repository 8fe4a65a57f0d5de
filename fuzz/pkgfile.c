/* The package reader (docs/package.md): open a package from memory and
 * read every byte of it, as pkg check and install do. */
#include "fuzz.h"
#include "pkg/pkgfile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pkgfile *pf = NULL;
	err_clear();
	int r = pkgfile_open_mem("fuzz.spk", data, size, &pf);
	if (r) {
		fuzz_msg_ok(r);
		return 0;
	}
	if (pkg_meta_check(&pf->meta))
		abort();        /* open promises checked metadata */
	r = pkgfile_check(pf);
	if (r)
		fuzz_msg_ok(r);
	pkgfile_close(pf);
	return 0;
}
