/* The tar reader (archive/tar.h): extract the input into a fresh
 * directory. Whatever the archive says, nothing may appear beside that
 * directory: a second, empty directory next to it is checked each time. */
#include <dirent.h>
#include <sys/stat.h>

#include "fuzz.h"
#include "archive/tar.h"

static char *arc, *dest, *outside;

static int empty_dir(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *e;
	int n = 0;
	if (!d)
		return 0;
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			n++;
	closedir(d);
	return n == 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!arc) {
		const char *d = fuzz_dir();
		arc = xasprintf("%s/in.tar", d);
		dest = xasprintf("%s/x/dest", d);
		outside = xasprintf("%s/x/outside", d);
		mkdir_p(outside, 0755);
	}
	fuzz_put(arc, data, size);
	rm_rf(dest);
	if (mkdir(dest, 0755))
		abort();
	err_clear();
	int r = tar_extract(arc, dest);
	if (r)
		fuzz_msg_ok(r);
	/* nothing escaped: beside dest there is only the empty outside/ */
	if (!empty_dir(outside))
		abort();
	char *parent = path_dirname(dest);
	DIR *d = opendir(parent);
	struct dirent *e;
	while (d && (e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..") && strcmp(e->d_name, "dest") &&
		    strcmp(e->d_name, "outside"))
			abort();
	if (d)
		closedir(d);
	free(parent);
	return 0;
}
