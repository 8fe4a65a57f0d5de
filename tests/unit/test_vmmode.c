/* vm/: VM mode's results disk (docs/modes.md): records appended as the VM
 * does, read back, a torn record ignored; and the host's import of them
 * into its store, which refuses a record whose files are not those of its
 * manifest, or whose key is not the host's. No VM runs: the steps' outputs
 * are written by hand. */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "build/cache.h"
#include "build/engine.h"
#include "build/manifest.h"
#include "build/plan.h"
#include "build/state.h"
#include "core/err.h"
#include "core/util.h"
#include "tap.h"
#include "tfile.h"
#include "vm/results.h"
#include "vm/vmmode.h"

static char dir[64];

static struct plan *load_plan(void);

/* A plan: host steps cc and tool (the root tree), native steps out, last. */
static struct plan *load(void)
{
	static const char *const files[][2] = {
		{"p/recipes/cc/recipe", "name cc\nversion 1\nlicense MIT\nbuild host\n\ttrue\n"},
		{"p/recipes/tool/recipe", "name tool\nversion 1\nlicense MIT\nbuild host\n\ttrue\n"},
		{"p/recipes/out/recipe", "name out\nversion 1\nlicense MIT\ndepends cc\nbuild native\n\ttrue\n"},
		{"p/recipes/last/recipe", "name last\nversion 1\nlicense MIT\ndepends out\nbuild native\n\ttrue\n"},
		{"p/plan", "plan t\narches x86_64\nrecipes recipes\nset SOURCE_DATE_EPOCH 1\nstage host\n\tstep cc\n"
			   "\tstep tool\nstage native rootfs=tool\n\tstep out\n\tstep last\n"},
	};
	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++)
		tfile_puts(dir, files[i][0], files[i][1]);
	return load_plan();
}

static struct plan *load_plan(void)
{
	char *pp = path_join(dir, "p/plan");
	struct plan *p = NULL;
	int r = plan_load(pp, "x86_64", &p);
	free(pp);
	return r ? NULL : p;
}

/* Store step i of p in the state rel as the engine would: out/ with one
 * file holding text, its manifest, digest and inputs. */
static void store(const struct plan *p, int i, const char *rel, const char *text)
{
	char *state = path_join(dir, rel);
	char(*keys)[65] = xcalloc(p->nsteps + 1, sizeof *keys);
	char **inputs = xcalloc(p->nsteps + 1, sizeof *inputs);
	cache_keys(p, "x86_64", state, keys, NULL, inputs);
	char *sd = state_store(state, keys[i], NULL);
	char *f = xasprintf("%s/out/usr/%s", sd, p->steps[i].name), *d = path_dirname(f);
	mkdir_p(d, 0755);
	file_write_atomic(f, text, strlen(text));
	struct buf m = {0};
	char *out = path_join(sd, "out"), hex[66];
	manifest_build(out, &m);
	manifest_digest(&m, hex);
	hex[64] = '\n';
	hex[65] = 0;
	char *mf = path_join(sd, "manifest"), *df = path_join(sd, "digest"), *inf = path_join(sd, "inputs");
	file_write_atomic(mf, m.s, m.len);
	file_write_atomic(df, hex, 65);
	file_write_atomic(inf, inputs[i], strlen(inputs[i]));
	state_set_last(state, p->name, "x86_64", p->steps[i].name, keys[i]);
	for (size_t k = 0; k < p->nsteps; k++)
		free(inputs[k]);
	free(inputs);
	free(keys);
	buf_free(&m);
	free(out);
	free(mf);
	free(df);
	free(inf);
	free(f);
	free(d);
	free(sd);
	free(state);
}

/* Append the records of steps (in order) from the state rel to the file
 * results (made anew). */
static void write_results(const struct plan *p, const char *rel, const char *results, const char *const *steps)
{
	char *state = path_join(dir, rel), *tmp = path_join(dir, "rec.tar");
	int fd = open(results, O_RDWR | O_CREAT | O_TRUNC, 0644);
	long long off = 0;
	for (int k = 0; steps[k]; k++) {
		char key[65], dg[65];
		state_last(state, p->name, "x86_64", steps[k], key);
		cache_digest(state, key, dg);
		int r = vm_results_append(fd, &off, state, steps[k], key, dg, 1.5, tmp);
		ok(r == 0, "record of %s appended (%s)", steps[k], r ? err_msg(r) : "ok");
	}
	close(fd);
	free(state);
	free(tmp);
}

static void test_read(const struct plan *p, const char *results)
{
	static const char *const both[] = {"out", "last", NULL};
	write_results(p, "vm", results, both);
	char *work = path_join(dir, "work");
	struct vm_record *recs;
	size_t n;
	int torn;
	int r = vm_results_read(results, 0, work, &recs, &n, &torn);
	ok(r == 0 && n == 2 && !torn, "two records read back (%zu)", n);
	ok(n == 2 && !strcmp(recs[0].step, "out") && !strcmp(recs[1].step, "last") && recs[1].secs == 1.5,
	   "  ... in their order, with their step and time");
	long long cut = n == 2 ? recs[1].offset + VM_RESULTS_BLOCK + 100 : 0;
	free(recs);
	/* The VM stopped while writing the second record's tar. */
	ok(truncate(results, cut) == 0, "the disk cut inside the second record");
	r = vm_results_read(results, 0, work, &recs, &n, &torn);
	ok(r == 0 && n == 1 && torn, "  ... the first record is read, the second is torn");
	free(recs);
	unsigned char junk[VM_RESULTS_BLOCK];
	struct vm_record rec;
	memset(junk, 0, sizeof junk);
	ok(vm_results_parse(junk, &rec) == -SPROUT_ERR_FORMAT, "a zero block is not a record");
	memcpy(junk, VM_RESULTS_MAGIC "step ../x\n", strlen(VM_RESULTS_MAGIC) + 10);
	ok(vm_results_parse(junk, &rec) == -SPROUT_ERR_FORMAT, "a header without every field is not a record");

	/* A partition of a disk image: the records from its first byte. */
	char *vm = path_join(dir, "vm"), *tmp = path_join(dir, "rec.tar"), key[65], dg[65];
	int fd = open(results, O_RDWR | O_CREAT | O_TRUNC, 0644);
	long long off = 1 << 20;
	state_last(vm, p->name, "x86_64", "out", key);
	cache_digest(vm, key, dg);
	r = vm_results_append(fd, &off, vm, "out", key, dg, 2.0, tmp);
	close(fd);
	r = r ? r : vm_results_read(results, 1 << 20, work, &recs, &n, &torn);
	ok(r == 0 && n == 1 && recs[0].offset == 1 << 20 && !strcmp(recs[0].key, key), "a record read from byte 1 MiB");
	if (!r)
		free(recs);
	free(vm);
	free(tmp);
	rm_rf(work);
	free(work);
}

static void test_import(const struct plan *p, const char *results)
{
	static const char *const both[] = {"out", "last", NULL};
	char *host = path_join(dir, "host"), *work = path_join(dir, "work");
	struct vm_imported *rows;
	size_t n;
	int torn;
	struct buf diff = {0};
	write_results(p, "vm", results, both);
	int r = vm_import(p, "x86_64", host, results, 0, work, &rows, &n, &torn, &diff);
	ok(r == 0 && n == 2 && !rows[0].already, "both steps imported (%s)", r ? err_msg(r) : "ok");
	free(rows);
	char(*keys)[65] = xcalloc(p->nsteps + 1, sizeof *keys);
	char(*dg)[65] = xcalloc(p->nsteps + 1, sizeof *dg);
	cache_keys(p, "x86_64", host, keys, dg, NULL);
	ok(dg[2][0] && dg[3][0], "  ... the host's store has them under the host's keys");
	r = vm_import(p, "x86_64", host, results, 0, work, &rows, &n, &torn, &diff);
	ok(r == 0 && n == 2 && rows[0].already && rows[1].already, "importing again finds them stored");
	free(rows);

	/* A file changed after its manifest was written. */
	char *sd = state_store(host, keys[2], NULL);
	rm_rf(sd);
	char *sd3 = state_store(host, keys[3], NULL);
	rm_rf(sd3);
	char *vmstate = path_join(dir, "vm"), key[65];
	state_last(vmstate, p->name, "x86_64", "out", key);
	char *f = xasprintf("%s/store/%s/out/usr/out", vmstate, key);
	file_write_atomic(f, "changed\n", 8);
	static const char *const one[] = {"out", NULL};
	write_results(p, "vm", results, one);
	r = vm_import(p, "x86_64", host, results, 0, work, &rows, &n, &torn, &diff);
	ok(r == -SPROUT_ERR_HASH && n == 0 && strstr(err_msg(r), "step out"), "a changed file is refused: %s",
	   err_msg(r));
	ok(diff.s && strstr(diff.s, "~ usr/out"), "  ... naming it: %s", diff.s ? diff.s : "");
	ok(!cache_has(host, keys[2]), "  ... and nothing is stored");
	free(rows);
	buf_free(&diff);

	/* The host's recipe of out is another: another key. */
	store(p, 2, "vm", "out\n");
	write_results(p, "vm", results, one);
	tfile_puts(dir, "p/recipes/out/recipe", "name out\nversion 2\nlicense MIT\ndepends cc\nbuild native\n\ttrue\n");
	struct plan *p2 = load_plan();
	r = p2 ? vm_import(p2, "x86_64", host, results, 0, work, &rows, &n, &torn, &diff) : -1;
	ok(r == -SPROUT_ERR_HASH && strstr(err_msg(r), "other inputs"), "a record of other inputs is refused: %s",
	   err_msg(r));
	if (p2)
		plan_free(p2);
	free(rows);
	free(keys);
	free(dg);
	free(f);
	free(vmstate);
	free(sd);
	free(sd3);
	free(host);
	free(work);
}

/* What a failed make static-sprout quotes from its log. */
static void test_last_line(void)
{
	char *log = path_join(dir, "make.log"), *l;
	tfile_puts(dir, "make.log", "cc -c a.c\nmake: *** [Makefile:9: a.o] Error 1\r\n \n\n");
	l = file_last_line(log);
	ok(l && !strcmp(l, "make: *** [Makefile:9: a.o] Error 1"), "a log's last line, without blank lines: %s",
	   l ? l : "(null)");
	free(l);
	tfile_puts(dir, "make.log", "\n \n");
	l = file_last_line(log);
	ok(l == NULL, "  ... none in a log of blank lines");
	free(l);
	unlink(log);
	l = file_last_line(log);
	ok(l == NULL, "  ... none without a log");
	free(l);
	free(log);
}

/* Whether another process can take the lock of the state st (as another
 * sprout would: the file opened anew). */
static int lock_free_elsewhere(const char *st)
{
	char *lp = path_join(st, "lock");
	pid_t pid = fork();
	if (pid == 0) {
		int fd = open(lp, O_RDWR);
		_exit(fd >= 0 && flock(fd, LOCK_EX | LOCK_NB) == 0 ? 0 : 1);
	}
	int status = 1;
	waitpid(pid, &status, 0);
	free(lp);
	return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

/* VM mode holds the state's lock from its first build to its import. */
static void test_lock_hold(void)
{
	char *st = path_join(dir, "locked"), *other = path_join(dir, "other");
	int r = engine_lock_hold(st);
	ok(r == 0, "the state's lock is held (%s)", r ? err_msg(r) : "ok");
	ok(!lock_free_elsewhere(st), "  ... another sprout cannot take it");
	struct engine e;
	memset(&e, 0, sizeof e);
	e.statedir = st;
	e.lockfd = -1;
	r = engine_lock(&e);
	ok(r == 0, "  ... a build of this process on the same state shares it (%s)", r ? err_msg(r) : "ok");
	close(e.lockfd);
	ok(!lock_free_elsewhere(st), "  ... and the lock stays held when that build ends");
	ok(engine_lock_hold(st) == 0, "  ... holding it again is a no-op");
	e.statedir = other;
	e.lockfd = -1;
	r = engine_lock(&e);
	ok(r == 0 && !lock_free_elsewhere(other), "another state's lock is taken as always");
	close(e.lockfd);
	ok(lock_free_elsewhere(other), "  ... and given back when its build ends");
	free(st);
	free(other);
}

int main(void)
{
	tap_tmpdir(dir, sizeof dir, "vmmode");
	test_last_line();
	test_lock_hold();
	struct plan *p = load();
	ok(p != NULL, "the test plan loads");
	if (p) {
		/* The host has the host stage; the VM also built out and last. */
		for (int i = 0; i < 2; i++) {
			store(p, i, "host", "host\n");
			store(p, i, "vm", "host\n");
		}
		store(p, 2, "vm", "out\n");
		store(p, 3, "vm", "last\n");
		char *results = path_join(dir, "results.img");
		test_read(p, results);
		test_import(p, results);
		free(results);
		plan_free(p);
	}
	rm_rf(dir);
	return tap_done();
}
