#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "build/state.h"
#include "cli/cmd.h"
#include "core/err.h"
#include "core/util.h"

/* The bytes the tree at path takes on disk (its blocks), not following
 * symlinks; files with several links count once per link. 0 when missing. */
static long long tree_bytes(int at, const char *name, int depth)
{
	struct stat st;
	if (fstatat(at, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return 0;
	long long n = (long long)st.st_blocks * 512;
	if (!S_ISDIR(st.st_mode) || depth > 256)
		return n;
	int fd = openat(at, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	DIR *d = dir_fdopen(fd);
	if (!d)
		return n;
	struct dirent *de;
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			n += tree_bytes(dirfd(d), de->d_name, depth + 1);
	closedir(d);
	return n;
}

int cmd_clean(struct ctx *c, int argc, char **argv)
{
	int all = 0, distfiles = 0;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--all"))
			all = 1;
		else if (!strcmp(argv[i], "--distfiles"))
			distfiles = 1;
		else {
			cmd_err("clean: unexpected '%s' (usage: sprout clean [--all] [--distfiles])", argv[i]);
			return CMD_EXIT_USAGE;
		}
	}
	const char *dirs[] = {"build", "logs", "tmp", all ? "store" : NULL, all ? "last" : NULL,
			      all ? "old-records" : NULL, distfiles ? "distfiles" : NULL};
	int rc = CMD_EXIT_OK;
	long long freed = 0;
	for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++) {
		if (!dirs[i])
			continue;
		char *d = state_path(c->statedir, dirs[i]);
		long long n = tree_bytes(AT_FDCWD, d, 0);
		int r = rm_rf(d);
		if (r) {
			cmd_err("clean: %s: %s", d, err_str(r));
			rc = CMD_EXIT_FAIL;
		} else {
			freed += n;
		}
		free(d);
	}
	if (!c->quiet && rc == CMD_EXIT_OK && !freed) {
		printf("clean: nothing to remove in %s\n", c->statedir);
	} else if (!c->quiet && rc == CMD_EXIT_OK) {
		char size[32];
		cmd_human_size(freed, size, sizeof size);
		printf("clean: removed build trees, logs and temporary files%s%s from %s: %s freed\n",
		       all ? ", the store" : "", distfiles ? ", the distfiles" : "", c->statedir, size);
	}
	return rc;
}
