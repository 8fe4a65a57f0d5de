/* Small tool subcommands: hash, extract, tar. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cmd.h"
#include "core/err.h"
#include "core/sha256.h"
#include "archive/tar.h"
#include "core/util.h"

static int is_help(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--"))
			return 0;
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
			return 1;
	}
	return 0;
}

static int usage(const char *u)
{
	fprintf(stderr, "usage: sprout %s\n", u);
	return CMD_EXIT_USAGE;
}

static const char hash_usage[] = "hash FILE...";

int cmd_hash(struct ctx *c, int argc, char **argv)
{
	int rc = CMD_EXIT_OK, i = 1;
	(void)c;
	if (is_help(argc, argv)) {
		printf("usage: sprout %s\n", hash_usage);
		return CMD_EXIT_OK;
	}
	if (i < argc && !strcmp(argv[i], "--"))
		i++;
	if (i >= argc)
		return usage(hash_usage);
	for (; i < argc; i++) {
		unsigned char d[32];
		char hex[65];
		int r = !strcmp(argv[i], "-") ? sha256_fd(0, d) : sha256_file(argv[i], d);
		if (r) {
			fflush(stdout);
			fprintf(stderr, "sprout: hash: %s: %s\n", argv[i], err_str(r));
			rc = CMD_EXIT_FAIL;
			continue;
		}
		sha256_hex(d, hex);
		printf("%s  %s\n", hex, argv[i]);
	}
	if (fflush(stdout) != 0) {
		fprintf(stderr, "sprout: hash: write: %s\n", strerror(errno));
		rc = CMD_EXIT_FAIL;
	}
	return rc;
}

static const char extract_usage[] = "extract ARCHIVE DIR";

int cmd_extract(struct ctx *c, int argc, char **argv)
{
	(void)c;
	if (is_help(argc, argv)) {
		printf("usage: sprout %s\n"
			"Extract a tar archive (plain, gzip, bzip2, xz or zstd) into DIR,\n"
			"which is created when missing. Members that would land outside\n"
			"DIR are refused.\n", extract_usage);
		return CMD_EXIT_OK;
	}
	if (argc != 3)
		return usage(extract_usage);
	err_clear();
	int r = mkdir_p(argv[2], 0755);
	if (r) {
		fprintf(stderr, "sprout: extract: %s: %s\n", argv[2], err_str(r));
		return CMD_EXIT_FAIL;
	}
	r = tar_extract(argv[1], argv[2]);
	if (r) {
		fprintf(stderr, "sprout: extract: %s\n", err_msg(r));
		return CMD_EXIT_FAIL;
	}
	return CMD_EXIT_OK;
}

static const char tar_usage[] = "tar DIR OUT [--mtime N]";

static int parse_mtime(const char *s, long long *out)
{
	char *end;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (errno || end == s || *end)
		return -1;
	*out = v;
	return 0;
}

int cmd_tar(struct ctx *c, int argc, char **argv)
{
	const char *pos[2];
	int npos = 0;
	long long clamp = LLONG_MAX;
	const char *sde = getenv("SOURCE_DATE_EPOCH");
	(void)c;
	if (is_help(argc, argv)) {
		printf("usage: sprout %s\n"
			"Write a deterministic tar archive of the tree at DIR to OUT:\n"
			"members sorted by name, owners 0, mtimes no later than N\n"
			"(default $SOURCE_DATE_EPOCH when set).\n", tar_usage);
		return CMD_EXIT_OK;
	}
	if (sde && *sde && parse_mtime(sde, &clamp)) {
		fprintf(stderr, "sprout: tar: bad SOURCE_DATE_EPOCH '%s'\n", sde);
		return CMD_EXIT_USAGE;
	}
	for (int i = 1; i < argc; i++) {
		const char *v = NULL;
		if (!strcmp(argv[i], "--mtime")) {
			if (++i >= argc)
				return usage(tar_usage);
			v = argv[i];
		} else if (!strncmp(argv[i], "--mtime=", 8)) {
			v = argv[i] + 8;
		} else if (argv[i][0] == '-' && argv[i][1]) {
			fprintf(stderr, "sprout: tar: unknown option '%s'\n", argv[i]);
			return usage(tar_usage);
		} else {
			if (npos == 2)
				return usage(tar_usage);
			pos[npos++] = argv[i];
			continue;
		}
		if (parse_mtime(v, &clamp)) {
			fprintf(stderr, "sprout: tar: bad --mtime '%s'\n", v);
			return CMD_EXIT_USAGE;
		}
	}
	if (npos != 2)
		return usage(tar_usage);
	err_clear();
	int r = tar_write_tree(pos[0], pos[1], clamp);
	if (r) {
		fprintf(stderr, "sprout: tar: %s\n", err_msg(r));
		return CMD_EXIT_FAIL;
	}
	return CMD_EXIT_OK;
}
