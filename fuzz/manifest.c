/* The manifest reader (docs/manifest.md): a package's manifest parses,
 * writes back and parses to the same text; and the step manifests' diff
 * reads any two texts (the input cut at its first NUL, or in half). */
#include "fuzz.h"
#include "build/manifest.h"
#include "pkg/pkg.h"

static void roundtrip(const char *s, size_t n)
{
	struct pkg_manifest m;
	memset(&m, 0, sizeof m);
	err_clear();
	int r = pkg_manifest_parse(s, n, &m);
	if (r) {
		fuzz_msg_ok(r);
		pkg_manifest_free(&m);
		return;
	}
	struct buf once = {0}, twice = {0};
	pkg_manifest_format(&m, &once);
	pkg_manifest_free(&m);
	memset(&m, 0, sizeof m);
	if (pkg_manifest_parse(once.s ? once.s : "", once.len, &m))
		abort();
	pkg_manifest_format(&m, &twice);
	if (once.len != twice.len || (once.len && memcmp(once.s, twice.s, once.len)))
		abort();
	pkg_manifest_free(&m);
	buf_free(&once);
	buf_free(&twice);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	roundtrip((const char *)data, size);
	const char *nul = memchr(data, 0, size);
	size_t cut = nul ? (size_t)(nul - (const char *)data) : size / 2;
	char *a = xstrndup((const char *)data, cut);
	char *b = xstrndup((const char *)data + cut + (nul ? 1 : 0), size - cut - (nul ? 1 : 0));
	struct buf d = {0};
	manifest_diff(a, b, &d);
	buf_free(&d);
	free(a);
	free(b);
	return 0;
}
