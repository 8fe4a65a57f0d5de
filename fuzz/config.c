/* The configuration file (docs/config.md). */
#include "fuzz.h"
#include "core/config.h"

static char *path;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!path)
		path = xasprintf("%s/sprout.conf", fuzz_dir());
	fuzz_put(path, data, size);
	struct config cf;
	memset(&cf, 0, sizeof cf);
	err_clear();
	int r = config_load_file(&cf, path, CONFIG_FILE, 1);
	if (r) {
		fuzz_msg_ok(r);
	} else {
		const char *keys[] = {"jobs", "state", "distfiles", "mirror", "arch"};
		for (int i = 0; i < 5; i++)
			config_get(&cf, keys[i]);
		char **m = config_mirrors(&cf);  /* the strings are cf's */
		for (size_t i = 0; m[i]; i++)
			if (!m[i][0])
				abort();
		free(m);
	}
	config_free(&cf);
	return 0;
}
