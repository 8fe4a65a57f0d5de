/* The repository index and its signature check (docs/package.md). The
 * input is the index, then a NUL, then index.sig; the key that signed the
 * seeds is fuzz/keys/fuzz.pub. Each input is loaded twice: with
 * --allow-untrusted (the parser alone) and against the key (the
 * signature check first). */
#include <sys/stat.h>

#include "fuzz.h"
#include "core/sign.h"
#include "pkg/pkgrepo.h"

static char *dir, *idx, *sig, *keys;

/* The fuzz key's public half, as fuzz/keys/fuzz.pub holds it. */
static const char FUZZ_PUB[] =
	"sprout-public-key 1\n"
	"id 0a8bdb973efbc60a\n"
	"ed25519 97d351e10ca89135de67891fff26a3bb2109c7af9e44ed17309dc924a1e1ffb6\n";

static void setup(void)
{
	const char *d = fuzz_dir();
	dir = xasprintf("%s/repo", d);
	keys = xasprintf("%s/keys", d);
	mkdir_p(dir, 0755);
	mkdir_p(keys, 0755);
	idx = xasprintf("%s/index", dir);
	sig = xasprintf("%s/index.sig", dir);
	char *pub = xasprintf("%s/fuzz.pub", keys);
	fuzz_put(pub, FUZZ_PUB, sizeof FUZZ_PUB - 1);
	free(pub);
}

static void load(int untrusted)
{
	struct pkgrepo r;
	struct buf warn = {0};
	err_clear();
	int e = pkgrepo_load(dir, keys, untrusted, &r, &warn);
	if (e)
		fuzz_msg_ok(e);
	else if (!untrusted && !r.trusted)
		abort();        /* loaded without --allow-untrusted: it was checked */
	pkgrepo_free(&r);
	buf_free(&warn);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!dir)
		setup();
	const uint8_t *nul = memchr(data, 0, size);
	size_t n = nul ? (size_t)(nul - data) : size;
	fuzz_put(idx, data, n);
	if (nul)
		fuzz_put(sig, nul + 1, size - n - 1);
	else
		unlink(sig);
	load(1);
	if (sign_available())
		load(0);
	return 0;
}
