/* The shared walker below a directory descriptor (core/dirwalk.h): it
 * never follows a link, says where it stopped, makes what is missing when
 * asked, and reuses the directories it has open. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/dirwalk.h"
#include "core/util.h"
#include "tap.h"

static int opens;
static void count(void *ud, int fd)
{
	(void)ud;
	(void)fd;
	opens++;
}

int main(void)
{
	char base[64], p[160];
	tap_tmpdir(base, sizeof base, "dirwalk");
	snprintf(p, sizeof p, "%s/root/usr/bin", base);
	mkdir_p(p, 0755);
	snprintf(p, sizeof p, "%s/outside", base);
	mkdir_p(p, 0755);
	snprintf(p, sizeof p, "%s/root/usr/lib", base);
	if (symlink("../../outside", p) < 0)
		perror(p);
	snprintf(p, sizeof p, "%s/root/usr/file", base);
	close(open(p, O_WRONLY | O_CREAT, 0644));
	snprintf(p, sizeof p, "%s/root", base);
	int root = open(p, O_RDONLY | O_DIRECTORY);
	struct dirwalk w;
	struct dirwalk_fail f;
	dirwalk_init(&w, root);
	w.opened = count;
	char *bin[] = {"usr", "bin"}, *lib[] = {"usr", "lib", "x"}, *file[] = {"usr", "file"};
	char *miss[] = {"usr", "none", "deeper"}, *made[] = {"opt", "new", "dir"};
	ok(dirwalk_comps(&w, bin, 2, 0, &f) >= 0 && opens == 2, "usr/bin opened, one component at a time");
	ok(dirwalk_comps(&w, bin, 2, 0, &f) >= 0 && opens == 2, "  ... and kept for the next path");
	ok(dirwalk_comps(&w, bin, 1, 0, &f) >= 0 && opens == 2, "  ... usr with it");
	int r = dirwalk_comps(&w, lib, 3, 0, &f);
	ok((r == -ENOTDIR || r == -ELOOP) && f.at == 1 && f.link, "a link on the way is not followed, and named (%d)", r);
	r = dirwalk_comps(&w, lib, 3, 1, &f);
	snprintf(p, sizeof p, "%s/outside/x", base);
	ok(r < 0 && !path_exists(p), "  ... not even to make a directory");
	r = dirwalk_comps(&w, file, 2, 0, &f);
	ok(r == -ENOTDIR && f.at == 1 && !f.link, "a file on the way");
	r = dirwalk_comps(&w, miss, 3, 0, &f);
	ok(r == -ENOENT && f.at == 1, "a missing directory, and which");
	ok(dirwalk_comps(&w, made, 3, 1, &f) >= 0, "missing directories made when asked");
	snprintf(p, sizeof p, "%s/root/opt/new/dir", base);
	ok(path_exists(p), "  ... there");
	int fd = dirwalk_open(root, lib, 3, 0, &f);
	ok(fd < 0 && f.at == 1 && f.link, "dirwalk_open: the same refusal");
	fd = dirwalk_open(root, bin, 2, 0, &f);
	ok(fd >= 0, "dirwalk_open: a descriptor of its own");
	if (fd >= 0)
		close(fd);
	fd = dirwalk_open_path(root, "usr/lib/x", 1);
	ok(fd < 0, "dirwalk_open_path: no way through the link");
	fd = dirwalk_open_path(root, "var/lib/sprout", 1);
	ok(fd >= 0, "dirwalk_open_path: made");
	if (fd >= 0)
		close(fd);
	dirwalk_done(&w);
	close(root);
	rm_rf(base);
	return tap_done();
}
