/* The compiler's environment for an icecream farm: icecc-create-env packs
 * the host's gcc and g++ with what they run (cc1, as, their libraries)
 * into a tarball that every job carries, so that a worker compiles with
 * exactly this compiler, never its own. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "archive/tar.h"
#include "build/state.h"
#include "core/err.h"
#include "core/sha256.h"
#include "core/util.h"
#include "dist/farm.h"
#include "fetch/fetch.h"

extern char **environ;

/* Run argv with its output into the file log (appended); the exit status or
 * a negative code. */
static int run_logged(char *const argv[], const char *dir, const char *log)
{
	int fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	int st = fetch_tool_run(argv, environ, dir, fd);
	close(fd);
	return st;
}

/* What `gcc -print-prog-name=NAME` says (caller frees), or NULL. */
static char *prog_name(const char *gcc, const char *name, const char *dir)
{
	char *out = path_join(dir, "prog-name"), *opt = xasprintf("-print-prog-name=%s", name);
	char *argv[] = {(char *)gcc, opt, NULL};
	struct buf b = {0};
	char *r = NULL;
	unlink(out);
	if (run_logged(argv, NULL, out) == 0 && !file_read(out, &b) && b.s) {
		b.s[strcspn(b.s, "\n")] = 0;
		if (b.s[0] == '/')
			r = xstrdup(b.s);
	}
	unlink(out);
	buf_free(&b);
	free(opt);
	free(out);
	return r;
}

/* The hash naming the compiler: its driver, cc1, cc1plus and as. */
static int compiler_hash(const char *gcc, const char *gxx, const char *dir, char hex[65])
{
	char *cc1 = prog_name(gcc, "cc1", dir), *cc1plus = prog_name(gxx, "cc1plus", dir);
	char *as = prog_name(gcc, "as", dir);
	const char *files[] = {gcc, gxx, cc1, cc1plus, as};
	struct sha256 c;
	int r = 0;
	sha256_init(&c);
	for (size_t i = 0; i < sizeof files / sizeof files[0] && !r; i++) {
		unsigned char d[32];
		if (!files[i]) {
			/* as is often just "as": found in PATH */
			char *f = i == 4 ? fetch_tool_find("as") : NULL;
			if (!f) {
				r = errf(-ENOENT, "farm: %s cannot say where its %s is", gcc, i == 2 ? "cc1" : i == 3 ? "cc1plus" : "as");
				break;
			}
			free(as);
			as = f;
			files[i] = f;
		}
		r = sha256_file(files[i], d);
		if (r)
			r = errf(r, "farm: %s: %s", files[i], err_str(r));
		sha256_update(&c, d, sizeof d);
	}
	unsigned char d[32];
	sha256_final(&c, d);
	sha256_hex(d, hex);
	free(cc1);
	free(cc1plus);
	free(as);
	return r;
}

/* The compiler's stand-in on the workers. icecream's worker adds
 * "--param ggc-min-expand=N --param ggc-min-heapsize=N" (its memory
 * heuristics) to every gcc it runs; they change no code, but gcc records
 * its switches in the debug info (DW_AT_producer), so an object made with
 * -g would differ from a local one. This drops them and runs the real
 * driver (NAME.real) with the step's own arguments. Static: the
 * environment has no shell. */
static const char farm_wrap_c[] =
	"#include <stdlib.h>\n#include <stdio.h>\n#include <string.h>\n#include <unistd.h>\n"
	"int main(int argc, char **argv)\n{\n"
	"\tchar real[4096];\n\tchar **v = calloc((size_t)argc + 1, sizeof *v);\n\tint n = 0;\n"
	"\tif (!v || snprintf(real, sizeof real, \"%s.real\", argv[0]) >= (int)sizeof real)\n\t\treturn 127;\n"
	"\tv[n++] = argv[0];\n"
	"\tfor (int i = 1; i < argc; i++) {\n"
	"\t\tif (!strcmp(argv[i], \"--param\") && i + 1 < argc && !strncmp(argv[i + 1], \"ggc-min-\", 8)) {\n"
	"\t\t\ti++;\n\t\t\tcontinue;\n\t\t}\n"
	"\t\tv[n++] = argv[i];\n\t}\n"
	"\texecv(real, v);\n\treturn 127;\n}\n";

/* Put the stand-in in front of usr/bin/gcc and usr/bin/g++ of the
 * unpacked environment at envdir, built in tmp with the host's gcc. */
static int wrap_drivers(const char *gcc, const char *tmp, const char *envdir, const char *log)
{
	char *src = path_join(tmp, "wrap.c"), *bin = path_join(tmp, "wrap");
	char *argv[] = {(char *)gcc, "-static", "-O2", "-o", bin, src, NULL};
	int r = file_write_atomic(src, farm_wrap_c, sizeof farm_wrap_c - 1);
	if (!r && run_logged(argv, NULL, log) != 0)
		r = errf(-EIO, "farm: %s -static could not build the drivers' stand-in; see %s (libc6-dev's libc.a?)",
			 gcc, log);
	static const char *const drivers[] = {"usr/bin/gcc", "usr/bin/g++"};
	for (size_t i = 0; i < 2 && !r; i++) {
		char *d = path_join(envdir, drivers[i]), *real = xasprintf("%s.real", d);
		if (rename(d, real) < 0 || file_copy(bin, d) < 0 || chmod(d, 0755) < 0)
			r = errf(-errno, "farm: %s: %s", d, strerror(errno));
		free(d);
		free(real);
	}
	free(src);
	free(bin);
	return r;
}

/* Run icecc-create-env in tmp and lay its tarball out again at dst
 * (uncompressed) with the drivers' stand-in. */
static int create_env(const char *gcc, const char *gxx, const char *tmp, const char *dst, const char *log)
{
	char *tool = fetch_tool_find("icecc-create-env");
	if (!tool)
		return errf(-ENOENT, "farm: icecc-create-env is not in PATH (Debian's icecc package has it)");
	char *argv[] = {tool, "--gcc", (char *)gcc, (char *)gxx, NULL};
	int st = run_logged(argv, tmp, log), r = -EIO;
	free(tool);
	if (st)
		return errf(st < 0 ? st : -EIO, "farm: icecc-create-env failed (%s%d); see %s",
			    st < 0 ? "error " : "exit ", st < 0 ? -st : st, log);
	struct strv tgz = {0};
	dir_list(tmp, ".tar.gz", &tgz);
	char *made = tgz.n ? path_join(tmp, tgz.v[0]) : NULL;
	char *envdir = path_join(tmp, "env"), *part = xasprintf("%s.part", dst);
	strv_free(&tgz);
	if (!made) {
		r = errf(r, "farm: icecc-create-env made no tarball in %s; see %s", tmp, log);
		goto out;
	}
	err_clear();
	if ((r = mkdir_p(envdir, 0755)) || (r = tar_extract(made, envdir)) ||
	    (r = wrap_drivers(gcc, tmp, envdir, log)) || (r = tar_write_tree(envdir, part, 0)))
		goto out;
	if (rename(part, dst) < 0)
		r = errf(-errno, "farm: %s: %s", dst, strerror(errno));
out:
	unlink(part);
	free(made);
	free(envdir);
	free(part);
	return r;
}

int farm_env(const char *statedir, char **path, int *made)
{
	char *dir = state_path(statedir, "farm"), *tmp = xasprintf("%s/tmp.%ld", dir, (long)getpid());
	char *gcc = fetch_tool_find("gcc"), *gxx = fetch_tool_find("g++"), *log = path_join(dir, "create-env.log");
	char *rg = gcc ? realpath(gcc, NULL) : NULL, *rx = gxx ? realpath(gxx, NULL) : NULL, hex[65];
	int r = -ENOENT;
	*path = NULL;
	*made = 0;
	if (!rg || !rx) {
		r = errf(r, "farm: gcc and g++ must be in PATH: the farm's environment is made from them");
		goto out;
	}
	rm_rf(tmp);
	if ((r = mkdir_p(tmp, 0755)) != 0) {
		r = errf(r, "farm: cannot create %s: %s", tmp, err_str(r));
		goto out;
	}
	if ((r = compiler_hash(rg, rx, tmp, hex)) != 0)
		goto out;
	*path = xasprintf("%s/env-%.16s.tar", dir, hex);
	if (!path_exists(*path)) {
		r = create_env(rg, rx, tmp, *path, log);
		*made = !r;
	}
out:
	if (r) {
		free(*path);
		*path = NULL;
	}
	rm_rf(tmp);
	free(dir);
	free(tmp);
	free(gcc);
	free(gxx);
	free(rg);
	free(rx);
	free(log);
	return r;
}
