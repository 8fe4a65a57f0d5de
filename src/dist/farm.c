/* The compiler's environment for an icecream farm: icecc-create-env packs
 * the host's gcc and g++ with what they run (cc1, as, their libraries)
 * into a tarball that every job carries, so that a worker compiles with
 * exactly this compiler, never its own. */
#include <dirent.h>
#include <elf.h>
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
#include "sandbox/run.h"

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
		/* a root with a C compiler only still gets a g++: icecream's
		 * workers take only an environment that has both (its C++ jobs
		 * cannot come: the root has no g++ to start one) */
		if ((path_exists(d) && rename(d, real) < 0) || file_copy(bin, d) < 0 || chmod(d, 0755) < 0)
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

/* ---- native stages: the root's own compiler, and the courier ---- */

/* rel (a path inside root, without a leading '/') with its symlinks
 * followed inside root, as in a chroot: root-relative (caller frees), or
 * NULL when it does not exist or loops. */
static char *root_resolve(const char *root, const char *rel)
{
	char cur[4096] = "", rest[4096], next[4096], full[8192], t[4096], nrest[8192];
	int links = 0;
	if (snprintf(rest, sizeof rest, "%s", rel) >= (int)sizeof rest)
		return NULL;
	for (char *p = rest; *p;) {
		size_t n;
		struct stat st;
		p += strspn(p, "/");
		if (!*p)
			break;
		n = strcspn(p, "/");
		if (n >= 256)
			return NULL;
		if (n == 1 && p[0] == '.') {
			p += n;
			continue;
		}
		if (n == 2 && p[0] == '.' && p[1] == '.') {
			char *sl = strrchr(cur, '/');
			*(sl ? sl : cur) = 0;
			p += n;
			continue;
		}
		if (snprintf(next, sizeof next, "%s%s%.*s", cur, *cur ? "/" : "", (int)n, p) >= (int)sizeof next ||
		    snprintf(full, sizeof full, "%s/%s", root, next) >= (int)sizeof full || lstat(full, &st) < 0)
			return NULL;
		p += n;
		if (S_ISLNK(st.st_mode)) {
			ssize_t k = readlink(full, t, sizeof t - 1);
			if (k < 0 || ++links > 40)
				return NULL;
			t[k] = 0;
			if (snprintf(nrest, sizeof nrest, "%s/%s", t, p) >= (int)sizeof rest)
				return NULL;
			if (t[0] == '/')
				cur[0] = 0;
			memcpy(rest, nrest, strlen(nrest) + 1);
			p = rest;
			continue;
		}
		memcpy(cur, next, strlen(next) + 1);
	}
	return xstrdup(cur);
}

/* The program interpreter (*interp, caller frees; NULL when static) and
 * the DT_NEEDED names (added to needed) of the ELF file path. 0, or
 * -ENOEXEC when it is not a 64-bit little-endian ELF file. */
static int elf_needs(const char *path, char **interp, struct strv *needed)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), r = -ENOEXEC;
	Elf64_Ehdr eh;
	Elf64_Phdr *ph = NULL;
	Elf64_Dyn *d = NULL;
	size_t n = 0, nd = 0;
	off_t stroff = -1;
	*interp = NULL;
	if (fd < 0)
		return -errno;
	if (pread(fd, &eh, sizeof eh, 0) != (ssize_t)sizeof eh || memcmp(eh.e_ident, ELFMAG, SELFMAG) ||
	    eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_ident[EI_DATA] != ELFDATA2LSB ||
	    eh.e_phentsize != sizeof *ph || eh.e_phnum > 256)
		goto out;
	n = eh.e_phnum;
	ph = xcalloc(n + 1, sizeof *ph);
	if (pread(fd, ph, n * sizeof *ph, (off_t)eh.e_phoff) != (ssize_t)(n * sizeof *ph))
		goto out;
	r = 0;
	for (size_t i = 0; i < n; i++) {
		if (ph[i].p_type == PT_INTERP && ph[i].p_filesz < 4096 && !*interp) {
			*interp = xcalloc(ph[i].p_filesz + 1, 1);
			if (pread(fd, *interp, ph[i].p_filesz, (off_t)ph[i].p_offset) != (ssize_t)ph[i].p_filesz)
				r = -ENOEXEC;
		} else if (ph[i].p_type == PT_DYNAMIC && !d && ph[i].p_filesz / sizeof *d < 4096) {
			nd = ph[i].p_filesz / sizeof *d;
			d = xcalloc(nd + 1, sizeof *d);
			if (pread(fd, d, nd * sizeof *d, (off_t)ph[i].p_offset) != (ssize_t)(nd * sizeof *d))
				r = -ENOEXEC;
		}
	}
	for (size_t i = 0; d && i < nd && d[i].d_tag != DT_NULL; i++)
		for (size_t k = 0; d[i].d_tag == DT_STRTAB && k < n; k++)
			if (ph[k].p_type == PT_LOAD && d[i].d_un.d_ptr >= ph[k].p_vaddr &&
			    d[i].d_un.d_ptr < ph[k].p_vaddr + ph[k].p_filesz)
				stroff = (off_t)(d[i].d_un.d_ptr - ph[k].p_vaddr + ph[k].p_offset);
	for (size_t i = 0; !r && d && stroff >= 0 && i < nd && d[i].d_tag != DT_NULL; i++) {
		char name[256] = {0};
		if (d[i].d_tag == DT_NEEDED && pread(fd, name, sizeof name - 1, stroff + (off_t)d[i].d_un.d_val) > 0 &&
		    name[0] && !strchr(name, '/'))
			strv_add(needed, name);
	}
out:
	free(ph);
	free(d);
	close(fd);
	return r;
}

/* Where a loader looks for a library: a glibc root's multiarch
 * directories, then the usual ones (musl's too). */
static const char *const farm_libdirs[] = {"lib/x86_64-linux-gnu", "usr/lib/x86_64-linux-gnu", "lib64", "usr/lib64",
					   "lib", "usr/lib", "usr/local/lib"};

/* Copy root's file rel (followed inside root) to dir/as, executable, with
 * the interpreter and the libraries it needs, all found inside root: at
 * the paths where the loader looks for them, or (flat) as ld.so and
 * lib/NAME. done holds what is there already. 0 or a negative code (errf). */
static int env_add(const char *root, const char *rel, const char *dir, const char *as, int flat, struct strv *done)
{
	for (size_t i = 0; i < done->n; i++)
		if (!strcmp(done->v[i], as))
			return 0;
	if (done->n > 256)
		return errf(-ELOOP, "farm: %s: too many libraries", rel);
	strv_add(done, as);
	char *real = root_resolve(root, rel), *interp = NULL;
	if (!real)
		return errf(-ENOENT, "farm: %s has no %s", root, rel);
	char *src = path_join(root, real), *dst = path_join(dir, as), *dd = path_dirname(dst);
	struct strv needed = {0};
	int r = mkdir_p(dd, 0755);
	if (!r)
		r = file_copy(src, dst);
	if (!r && chmod(dst, 0755) < 0)
		r = -errno;
	if (r)
		r = errf(r, "farm: %s: %s", dst, err_str(r));
	if (!r && elf_needs(src, &interp, &needed) == 0) {
		if (interp) {
			const char *ip = interp + strspn(interp, "/");
			r = env_add(root, ip, dir, flat ? "ld.so" : ip, flat, done);
		}
		for (size_t i = 0; i < needed.n && !r; i++) {
			char *lib = NULL, *at;
			for (size_t k = 0; k < sizeof farm_libdirs / sizeof *farm_libdirs && !lib; k++) {
				char *c = path_join(farm_libdirs[k], needed.v[i]), *rr = root_resolve(root, c);
				if (rr)
					lib = c;
				else
					free(c);
				free(rr);
			}
			if (!lib) {
				r = errf(-ENOENT, "farm: %s needs %s, which is not in %s", rel, needed.v[i], root);
				break;
			}
			at = flat ? path_join("lib", needed.v[i]) : xstrdup(lib);
			r = env_add(root, lib, dir, at, flat, done);
			free(at);
			free(lib);
		}
	}
	strv_free(&needed);
	free(interp);
	free(real);
	free(src);
	free(dst);
	free(dd);
	return r;
}

/* The compiler proper of root's gcc: the one cc1 under usr/libexec/gcc
 * or usr/lib/gcc (TRIPLET/VERSION/cc1), root-relative (caller frees), or
 * NULL with *why when there is none or more than one. */
static char *find_cc1(const char *root, char **why)
{
	static const char *const tops[] = {"usr/libexec/gcc", "usr/lib/gcc"};
	char *found = NULL;
	int count = 0;
	for (size_t t = 0; t < 2; t++) {
		struct strv tri = {0};
		char *td = path_join(root, tops[t]);
		dir_list(td, NULL, &tri);
		for (size_t i = 0; i < tri.n; i++) {
			struct strv ver = {0};
			char *vd = path_join(td, tri.v[i]);
			dir_list(vd, NULL, &ver);
			for (size_t k = 0; k < ver.n; k++) {
				char *rel = xasprintf("%s/%s/%s/cc1", tops[t], tri.v[i], ver.v[k]), *rr = root_resolve(root, rel);
				if (rr && !found) {
					found = rel;
					rel = NULL;
				}
				count += rr != NULL;
				free(rr);
				free(rel);
			}
			strv_free(&ver);
			free(vd);
		}
		strv_free(&tri);
		free(td);
	}
	if (count != 1) {
		*why = xstrdup(count ? "its root has more than one gcc (cc1), and which one a job needs is not known"
				     : "its root's gcc has no cc1 (it is not GCC's driver)");
		free(found);
		found = NULL;
	}
	return found;
}

/* Hash root's compiler files (root-relative names, NULL skipped) into hex. */
static int files_hash(const char *root, char *const *files, size_t n, char hex[65])
{
	struct sha256 c;
	unsigned char d[32];
	int r = 0;
	sha256_init(&c);
	sha256_update(&c, "sprout farm native 1\n", 21);
	for (size_t i = 0; i < n && !r; i++) {
		if (!files[i])
			continue;
		char *f = path_join(root, files[i]);
		r = sha256_file(f, d);
		if (r)
			r = errf(r, "farm: %s: %s", f, err_str(r));
		sha256_update(&c, files[i], strlen(files[i]) + 1);
		sha256_update(&c, d, sizeof d);
		free(f);
	}
	sha256_final(&c, d);
	sha256_hex(d, hex);
	return r;
}

/* What the farm needs of root's compiler: files[0..4] (root-relative, the
 * caller frees them) gcc, g++ (or NULL), cc1, cc1plus (or NULL), as; or
 * 0 with *why when the root's compiler is not one the farm can run. */
static int native_files(const char *root, char *files[5], char **why)
{
	char *tcc = root_resolve(root, "usr/bin/tcc"), *run = root_resolve(root, "run"), *var = root_resolve(root, "var");
	char *tru = NULL;
	int r = 0;
	files[0] = root_resolve(root, "usr/bin/gcc");
	if (tcc && (!files[0] || strstr(files[0], "tcc")))
		*why = xstrdup("its root's compiler is tcc: icecream's workers run gcc or clang only");
	else if (!files[0])
		*why = xstrdup("its root has no gcc (usr/bin/gcc)");
	else if (!(tru = root_resolve(root, "bin/true")))
		*why = xstrdup("its root has no /bin/true, which icecream's workers run to try an environment");
	else if (run || var)
		*why = xstrdup("its root has a /run or /var of its own, where the farm's socket would be bound");
	else if ((files[2] = find_cc1(root, why)) != NULL) {
		char *d = path_dirname(files[2]), *plus = path_join(d, "cc1plus");
		files[1] = root_resolve(root, "usr/bin/g++");
		files[3] = root_resolve(root, plus);
		files[4] = root_resolve(root, "usr/bin/as");
		if (!files[4])
			*why = xstrdup("its root has a gcc but no as (usr/bin/as)");
		free(d);
		free(plus);
	}
	free(tcc);
	free(tru);
	free(run);
	free(var);
	return r;
}

/* Lay root's compiler out in tmp/env as the workers will see it (the
 * root's own paths; as also at usr/bin/as, where icecream puts it), with
 * the drivers' stand-in, and write it to dst as a tar. */
static int native_create(const char *root, char *const files[5], const char *tmp, const char *dst, const char *log)
{
	char *envdir = path_join(tmp, "env"), *part = xasprintf("%s.part", dst);
	char *hostgcc = fetch_tool_find("gcc"), *tri = path_dirname(files[2]), *tbin = NULL;
	struct strv done = {0};
	int r = 0;
	static const char *const as[] = {"usr/bin/gcc", "usr/bin/g++", NULL, NULL, "usr/bin/as"};
	for (size_t i = 0; i < 5 && !r; i++)
		if (files[i])
			r = env_add(root, files[i], envdir, as[i] ? as[i] : files[i], 0, &done);
	/* the triplet's own as (usr/TRIPLET/bin/as), where the driver looks first */
	char *sl = strrchr(tri, '/');
	if (sl) {
		*sl = 0;
		sl = strrchr(tri, '/');
		tbin = xasprintf("usr/%s/bin/as", sl ? sl + 1 : tri);
		char *rr = root_resolve(root, tbin);
		if (!r && rr)
			r = env_add(root, tbin, envdir, tbin, 0, &done);
		free(rr);
	}
	/* what the worker runs to see that the environment works */
	if (!r)
		r = env_add(root, "bin/true", envdir, "bin/true", 0, &done);
	if (!r && !hostgcc)
		r = errf(-ENOENT, "farm: gcc must be in PATH: it builds the drivers' stand-in");
	if (!r)
		r = wrap_drivers(hostgcc, tmp, envdir, log);
	if (!r)
		r = tar_write_tree(envdir, part, 0);
	if (!r && rename(part, dst) < 0)
		r = errf(-errno, "farm: %s: %s", dst, strerror(errno));
	unlink(part);
	strv_free(&done);
	free(tbin);
	free(tri);
	free(hostgcc);
	free(envdir);
	free(part);
	return r;
}

/* The environment of root's own compiler: STATE/farm/env-native-HASH.tar
 * in *env (made when missing), or *why. */
static int native_env(const char *statedir, const char *root, char **env, char **why)
{
	char *files[5] = {0}, hex[65];
	char *dir = state_path(statedir, "farm"), *tmp = xasprintf("%s/tmp.%ld", dir, (long)getpid());
	char *log = path_join(dir, "create-env.log");
	int r = native_files(root, files, why);
	if (r || *why)
		goto out;
	if ((r = files_hash(root, files, 5, hex)) != 0)
		goto out;
	*env = xasprintf("%s/env-native-%.16s.tar", dir, hex);
	if (path_exists(*env))
		goto out;
	rm_rf(tmp);
	if ((r = mkdir_p(tmp, 0755)) != 0)
		r = errf(r, "farm: cannot create %s: %s", tmp, err_str(r));
	else
		r = native_create(root, files, tmp, *env, log);
out:
	if (r) {
		free(*env);
		*env = NULL;
	}
	rm_rf(tmp);
	for (size_t i = 0; i < 5; i++)
		free(files[i]);
	free(dir);
	free(tmp);
	free(log);
	return r;
}

/* The courier's front: the root's compiler NAME handed to the host's
 * icecc, which runs through its own loader and libraries. */
static const char farm_client_sh[] =
	"#!/bin/sh\n"
	"# sprout's farm (docs/sandbox.md): icecream's client, the host's, run through\n"
	"# its own loader, sends this compile to the farm with the root's /usr/bin/%s\n"
	"exec /run/icecc/client/ld.so --library-path /run/icecc/client/lib /run/icecc/client/icecc /usr/bin/%s \"$@\"\n";

/* The courier: the host's icecc with its loader and libraries under
 * STATE/farm/client-HASH (made when missing), and bin/gcc, g++, cc, c++. */
static int make_client(const char *statedir, char **out)
{
	char *icecc = fetch_tool_find("icecc"), *real = icecc ? realpath(icecc, NULL) : NULL, hex[65];
	char *dir = state_path(statedir, "farm"), *tmp = NULL;
	unsigned char d[32];
	struct strv done = {0};
	int r = -ENOENT;
	*out = NULL;
	if (!real) {
		r = errf(r, "farm: icecc is not in PATH (Debian's icecc package has it)");
		goto out;
	}
	if ((r = sha256_file(real, d)) != 0) {
		r = errf(r, "farm: %s: %s", real, err_str(r));
		goto out;
	}
	sha256_hex(d, hex);
	*out = xasprintf("%s/client-%.16s", dir, hex);
	if (path_exists(*out))
		goto out;
	tmp = xasprintf("%s.tmp.%ld", *out, (long)getpid());
	rm_rf(tmp);
	r = env_add("/", real + 1, tmp, "icecc", 1, &done);
	static const char *const names[] = {"gcc", "g++", "cc", "c++"};
	for (size_t i = 0; i < 4 && !r; i++) {
		char *bin = path_join(tmp, "bin"), *f = path_join(bin, names[i]);
		char *sh = xasprintf(farm_client_sh, names[i], names[i]);
		if ((r = mkdir_p(bin, 0755)) != 0 || (r = file_write_atomic(f, sh, strlen(sh))) != 0 ||
		    (chmod(f, 0755) < 0 && (r = -errno) != 0))
			r = errf(r, "farm: %s: %s", f, err_str(r));
		free(bin);
		free(f);
		free(sh);
	}
	/* read-only from here: it is bound into steps as it is */
	int e = !r && rename(tmp, *out) < 0 ? errno : 0;
	if (e && !path_exists(*out)) /* else another sprout made it as well: as good */
		r = errf(-e, "farm: %s: %s", *out, strerror(e));
out:
	if (r) {
		free(*out);
		*out = NULL;
	}
	if (tmp)
		rm_rf(tmp);
	free(icecc);
	free(real);
	free(dir);
	free(tmp);
	strv_free(&done);
	return r;
}

int farm_native(struct farm *f, struct run_spec *spec, const char **why)
{
	int r = 0;
	*why = NULL;
	spec->farm_env = NULL;
	spec->farm_client = NULL;
	if (strcmp(f->arch, host_arch())) {
		*why = "a root of another arch: its compiler would have to run on the workers (under qemu-user)";
		return 0;
	}
	if (!spec->rootfs) {
		*why = "the step has no root";
		return 0;
	}
	if (!f->root || strcmp(f->root, spec->rootfs)) {
		free(f->root);
		free(f->env);
		free(f->why);
		f->env = f->why = NULL;
		f->root = xstrdup(spec->rootfs);
		r = native_env(f->statedir, spec->rootfs, &f->env, &f->why);
		if (r) {
			free(f->root);
			f->root = NULL;
			return r;
		}
	}
	if (!f->env) {
		*why = f->why;
		return 0;
	}
	if (!f->client && (r = make_client(f->statedir, &f->client)) != 0)
		return r;
	spec->farm_env = f->env;
	spec->farm_client = f->client;
	return 0;
}

void farm_free(struct farm *f)
{
	free(f->client);
	free(f->root);
	free(f->env);
	free(f->why);
	memset(f, 0, sizeof *f);
}
