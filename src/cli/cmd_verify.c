/* sprout verify: rebuild steps from scratch under variations that must not
 * change the result, and compare the digests (docs/trust.md); --diverse is
 * in cmd_diverse.c.
 *
 * A variant is sprout itself (/proc/self/exe) run as a child process with
 * its own state directory, job count, order, umask, environment and user;
 * it shares nothing with the normal state but copies or links of the
 * verified distfiles. Keys do not depend on any of those, so the parent
 * finds each step's output in the variant's store under the same key. */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "build/cache.h"
#include "cli/cmd.h"
#include "build/engine.h"
#include "core/err.h"
#include "fetch/fetch.h"
#include "build/manifest.h"
#include "build/plan.h"
#include "core/util.h"

extern char **environ;

struct variant {
	char label;             /* A, B, C: the table's column */
	char *what;             /* how it differs, for the header */
	char *state;
	int jobs, reverse, mask, junk;
	uid_t uid;              /* not 0: run as this user (gid too) */
	gid_t gid;
	char *skip;             /* why it did not run, or NULL */
	int status;             /* the child's exit status */
	double secs;
	char *log;              /* the child's output */
	struct cmd_out *outs;   /* per step */
	int differs;
};

struct vf {
	struct ctx *c;
	struct plan *p;
	const char *arch;
	char *plan_abs;
	char **steps;
	int nsteps;
	struct engine e;        /* keys, the wanted steps */
	struct cmd_out *ref;    /* per step, from the normal state */
	char **expected;        /* per step: the plan's digest, or NULL */
	char *expected_path;
	char *logdir;           /* STATE/logs/ARCH/verify */
	struct variant v[3];
	int nv;
	int keep;
	const char *user;
};

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	stop = sig;
}

/* The plan's expected digests (digests.ARCH beside the plan), per step. */
static void read_expected(struct vf *f)
{
	const struct plan *p = f->p;
	struct buf b = {0};
	f->expected = xcalloc(p->nsteps, sizeof *f->expected);
	f->expected_path = xasprintf("%s/digests.%s", p->dir, f->arch);
	if (file_read(f->expected_path, &b)) {
		buf_free(&b);
		free(f->expected_path);
		f->expected_path = NULL;
		return;
	}
	for (char *l = b.s; l && *l;) {
		char *e = strchr(l, '\n');
		if (e)
			*e = 0;
		char *sp = strchr(l, ' ');
		if (l[0] != '#' && sp && strlen(sp + 1) >= 64) {
			*sp = 0;
			int i = plan_step_index(p, l);
			if (i >= 0)
				f->expected[i] = xstrndup(sp + 1, 64);
		}
		l = e ? e + 1 : NULL;
	}
	buf_free(&b);
}

static int copy_file(const char *from, const char *to)
{
	struct buf b = {0};
	int r = file_read(from, &b);
	if (!r)
		r = file_write_atomic(to, b.s ? b.s : "", b.len);
	buf_free(&b);
	return r;
}

/* Give the variant's state the verified sources of the wanted steps:
 * hard links, or copies owned by the variant's user. */
static int share_distfiles(struct vf *f, struct variant *v)
{
	const struct plan *p = f->p;
	char *to = path_join(v->state, "distfiles");
	int r = mkdir_p(to, 0755);
	if (!r && v->uid && chown(to, v->uid, v->gid) < 0)
		r = -errno;
	for (size_t i = 0; !r && i < p->nsteps; i++) {
		if (!f->e.want[i])
			continue;
		const struct recipe *rc = p->steps[i].recipe;
		for (size_t k = 0; !r && k < rc->nsources; k++) {
			char *dd = cmd_distdir(f->c);
			char *a = path_join(dd, rc->sources[k].file);
			free(dd);
			char *b = path_join(to, rc->sources[k].file);
			if (!path_exists(b)) {
				if (v->uid || link(a, b) < 0)
					r = copy_file(a, b);
				if (!r && v->uid && chown(b, v->uid, v->gid) < 0)
					r = -errno;
				if (r)
					r = errf(r, "cannot share %s with %s: %s", a, b, err_str(r));
			}
			free(a);
			free(b);
		}
	}
	free(to);
	return r;
}

/* Variables the junk variant adds to sprout's own environment; the build
 * must see none of them. */
static const char *const junk_env[] = {
	"LANG=tr_TR.UTF-8", "LC_ALL=tr_TR.UTF-8", "LANGUAGE=tr", "TZ=Pacific/Kiritimati", "CC=false",
	"CFLAGS=-O0 -DSPROUT_VERIFY_JUNK", "CPPFLAGS=-DSPROUT_VERIFY_JUNK", "LDFLAGS=-Wl,--sprout-verify-junk",
	"MAKEFLAGS=-k JUNK=1", "CPATH=/nonexistent/include", "LIBRARY_PATH=/nonexistent/lib",
	"SOURCE_DATE_EPOCH=1", "PYTHONPATH=/nonexistent", "PERL5LIB=/nonexistent", "SHELL=/bin/false",
	"SPROUT_VERIFY_JUNK=1", NULL,
};

static int env_overridden(const char *var)
{
	for (int i = 0; junk_env[i]; i++) {
		size_t n = (size_t)(strchr(junk_env[i], '=') - junk_env[i]) + 1;
		if (!strncmp(var, junk_env[i], n))
			return 1;
	}
	return 0;
}

static void child_env(const struct variant *v, struct strv *env)
{
	if (v->uid) {
		/* Another user: a login-like environment of its own. */
		const char *path = getenv("PATH");
		struct passwd *pw = getpwuid(v->uid);
		strv_addown(env, xasprintf("PATH=%s", path ? path : "/usr/bin:/bin"));
		strv_addown(env, xasprintf("HOME=%s", v->state));
		if (pw) {
			strv_addown(env, xasprintf("USER=%s", pw->pw_name));
			strv_addown(env, xasprintf("LOGNAME=%s", pw->pw_name));
		}
		return;
	}
	for (char **e = environ; *e; e++)
		if (!v->junk || !env_overridden(*e))
			strv_add(env, *e);
	if (v->junk) {
		for (int i = 0; junk_env[i]; i++)
			strv_add(env, junk_env[i]);
		const char *path = getenv("PATH");
		strv_addown(env, xasprintf("PATH=%s:/nonexistent/sprout-verify-junk/bin", path ? path : "/usr/bin:/bin"));
	}
}

static char *self_exe(void)
{
	char buf[4096];
	ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
	if (n <= 0)
		return NULL;
	buf[n] = 0;
	return xstrdup(buf);
}

/* The last non-empty line of the file at path (caller frees), or NULL. */
static char *last_line(const char *path)
{
	struct buf b = {0};
	char *r = NULL;
	if (!file_read(path, &b) && b.len) {
		size_t e = b.len;
		while (e > 0 && (b.s[e - 1] == '\n' || b.s[e - 1] == ' '))
			e--;
		size_t s = e;
		while (s > 0 && b.s[s - 1] != '\n')
			s--;
		if (e > s)
			r = xstrndup(b.s + s, e - s);
	}
	buf_free(&b);
	return r;
}

/* Run sprout build for variant v; 0, or a negative code when it could not
 * be started. v->status holds the child's exit status. */
static int run_variant(struct vf *f, struct variant *v, const char *exe)
{
	struct ctx *c = f->c;
	struct strv av = {0}, env = {0};
	strv_add(&av, exe);
	strv_add(&av, "--state");
	strv_add(&av, v->state);
	/* its own distfiles, whatever a sprout.conf says */
	strv_add(&av, "--distfiles");
	strv_addown(&av, path_join(v->state, "distfiles"));
	strv_addown(&av, xasprintf("-j%d", v->jobs));
	strv_add(&av, v->reverse ? "--order=reverse" : "--order=plan");
	strv_add(&av, c->sandbox ? "--runner=sandbox" : "--runner=plain");
	strv_add(&av, "--arch");
	strv_add(&av, f->arch);
	if (c->step_timeout)
		strv_addown(&av, xasprintf("--step-timeout=%d", c->step_timeout));
	for (int i = 0; i < c->nsets; i++)
		strv_addown(&av, xasprintf("--set=%s", c->sets[i]));
	strv_add(&av, "build");
	strv_add(&av, f->plan_abs);
	for (int i = 0; i < f->nsteps; i++)
		strv_add(&av, f->steps[i]);
	child_env(v, &env);
	int r = 0;
	int logfd = open(v->log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	int nullfd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (logfd < 0 || nullfd < 0) {
		r = errf(-errno, "%s: %s", v->log, err_str(-errno));
		goto out;
	}
	if (c->verbose) {
		printf("  %c: ", v->label);
		for (size_t i = 0; i < av.n; i++)
			printf("%s%s", i ? " " : "", av.v[i]);
		printf("\n");
	}
	double t0 = now_sec();
	pid_t pid = fork();
	if (pid < 0) {
		r = errf(-errno, "fork: %s", err_str(-errno));
		goto out;
	}
	if (pid == 0) {
		/* Only async-signal-safe calls until exec. */
		umask((mode_t)v->mask);
		if (v->uid && (setgroups(0, NULL) < 0 || setgid(v->gid) < 0 || setuid(v->uid) < 0))
			_exit(126);
		if (v->uid && chdir("/") < 0)
			_exit(126);
		/* The user must reach its state directory and sprout itself. */
		if (v->uid && (access(v->state, W_OK | X_OK) < 0 || access(av.v[0], X_OK) < 0))
			_exit(125);
		if (dup2(nullfd, 0) < 0 || dup2(logfd, 1) < 0 || dup2(logfd, 2) < 0)
			_exit(126);
		execve(av.v[0], av.v, env.v);
		_exit(127);
	}
	int st;
	while (waitpid(pid, &st, 0) < 0) {
		if (errno != EINTR) {
			st = 127 << 8;
			break;
		}
		if (stop)
			kill(pid, SIGTERM);
	}
	v->secs = now_sec() - t0;
	v->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
out:
	if (logfd >= 0)
		close(logfd);
	if (nullfd >= 0)
		close(nullfd);
	strv_free(&av);
	strv_free(&env);
	return r;
}

/* Set up the variants: A another job count and a short state path, B the
 * reverse order, a long path, umask 077 and a junk environment, C another
 * user (when sprout runs as root). */
static void plan_variants(struct vf *f)
{
	struct ctx *c = f->c;
	char *base = xasprintf("%s/verify", c->statedir);
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	int many = ncpu > 1 ? (int)ncpu * 2 : 4;
	struct variant *v = f->v;
	memset(v, 0, sizeof f->v);

	v[0].label = 'A';
	v[0].state = path_join(base, "a");
	v[0].jobs = 1;
	v[0].mask = (int)umask(022);
	umask((mode_t)v[0].mask);
	v[0].what = xasprintf("-j1, plan order, the caller's umask (%04o) and environment, state %s (%zu bytes)",
			      v[0].mask, v[0].state, strlen(v[0].state));

	v[1].label = 'B';
	v[1].state = path_join(base, "b-a-much-longer-state-directory-path-so-that-a-build-recording-where-it-ran-shows/state");
	v[1].jobs = many;
	v[1].reverse = 1;
	v[1].mask = 077;
	v[1].junk = 1;
	v[1].what = xasprintf("-j%d, reverse order, umask 0077, junk variables (CC, CFLAGS, LC_ALL, TZ, "
			      "SOURCE_DATE_EPOCH ...), state %s (%zu bytes)", many, v[1].state, strlen(v[1].state));

	v[2].label = 'C';
	v[2].jobs = ncpu > 2 ? 2 : 3;
	v[2].mask = 027;
	if (geteuid() != 0) {
		v[2].skip = xstrdup("not root: no variant as another user (run verify as root to compare root and "
				    "rootless builds; every variant here is rootless)");
	} else {
		struct passwd *pw = getpwnam(f->user);
		if (!pw || !pw->pw_uid) {
			v[2].skip = xasprintf("no unprivileged user '%s' (--user NAME)", f->user);
		} else {
			v[2].uid = pw->pw_uid;
			v[2].gid = pw->pw_gid;
			const char *t = getenv("TMPDIR");
			char *tmpl = xasprintf("%s/sprout-verify-%s.XXXXXX", t && t[0] == '/' ? t : "/var/tmp", f->user);
			if (!mkdtemp(tmpl)) {
				v[2].skip = xasprintf("cannot create %s: %s", tmpl, strerror(errno));
				free(tmpl);
			} else {
				v[2].state = path_join(tmpl, "state");
				if (mkdir(v[2].state, 0755) < 0 || chown(v[2].state, v[2].uid, v[2].gid) < 0 ||
				    chmod(tmpl, 0755) < 0)
					v[2].skip = xasprintf("cannot prepare %s: %s", v[2].state, strerror(errno));
				free(tmpl);
			}
		}
		v[2].what = xasprintf("rootless, as user %s (uid %d), -j%d, umask 0027, a minimal environment, state %s",
				      f->user, (int)v[2].uid, v[2].jobs, v[2].state ? v[2].state : "-");
	}
	if (!v[2].what)
		v[2].what = xstrdup("as another user");
	f->nv = 3;
	for (int i = 0; i < f->nv; i++)
		v[i].log = xasprintf("%s/variant-%c.log", f->logdir, v[i].label);
	free(base);
}

static void remove_state(struct variant *v)
{
	if (!v->state)
		return;
	rm_rf(v->state);
	if (v->uid) {
		/* The private parent made by mkdtemp. */
		char *d = path_dirname(v->state);
		rmdir(d);
		free(d);
	}
}

/* Save what shows how step i differs in variant v: the manifest diff, the
 * step's log, and diffoscope's report when it is installed (tool, or
 * NULL). Prints the files that differ. */
static void explain(struct vf *f, struct variant *v, int i, const char *tool)
{
	const char *name = f->p->steps[i].name;
	const struct cmd_out *a = &f->ref[i], *b = &v->outs[i];
	struct buf d = {0};
	if (a->manifest && b->manifest)
		manifest_diff(a->manifest, b->manifest, &d);
	char *df = xasprintf("%s/%s.%c.diff", f->logdir, name, v->label);
	file_write_atomic(df, d.s ? d.s : "", d.len);
	int shown = 0;
	for (const char *l = d.s; l && *l; shown++) {
		const char *e = strchr(l, '\n');
		if (shown < 20)
			printf("    %c: %.*s\n", v->label, (int)(e ? e - l : (long)strlen(l)), l);
		l = e ? e + 1 : NULL;
	}
	if (shown > 20)
		printf("    %c: ... %d more in %s\n", v->label, shown - 20, df);
	char *slog = xasprintf("%s/logs/%s/%s.log", v->state, f->arch, name);
	char *dlog = xasprintf("%s/%s.%c.log", f->logdir, name, v->label);
	copy_file(slog, dlog);
	if (tool) {
		char *rep = xasprintf("%s/%s.%c.diffoscope.txt", f->logdir, name, v->label);
		char *ra = xasprintf("%s/store/%s/out", f->c->statedir, f->e.keys[i]);
		char *rb = xasprintf("%s/store/%s/out", v->state, f->e.keys[i]);
		char *argv[] = {(char *)tool, "--text", rep, ra, rb, NULL};
		int nfd = open("/dev/null", O_WRONLY | O_CLOEXEC);
		int st = fetch_tool_run(argv, environ, NULL, nfd);
		if (nfd >= 0)
			close(nfd);
		if (st == 0 || st == 1)
			printf("    %c: diffoscope's report: %s\n", v->label, rep);
		else
			printf("    %c: diffoscope failed (status %d)\n", v->label, st);
		free(rep);
		free(ra);
		free(rb);
	}
	free(slog);
	free(dlog);
	free(df);
	buf_free(&d);
}

static int verify_variants(struct vf *f)
{
	const struct plan *p = f->p;
	int rc = CMD_EXIT_OK;
	char *exe = self_exe();
	if (!exe) {
		cmd_err("verify: cannot find sprout's own executable (/proc/self/exe): %s", strerror(errno));
		return CMD_EXIT_FAIL;
	}
	size_t nwant = 0;
	for (size_t i = 0; i < p->nsteps; i++)
		nwant += f->e.want[i] ? 1 : 0;
	plan_variants(f);
	printf("\nverify %s for %s: %zu step%s rebuilt from scratch in %d variants\n", p->name, f->arch, nwant,
	       nwant == 1 ? "" : "s", f->nv);
	for (int k = 0; k < f->nv; k++)
		printf("  %c  %s\n", f->v[k].label, f->v[k].what);
	time_t ref_end = time(NULL);
	for (int k = 0; k < f->nv && !stop; k++) {
		struct variant *v = &f->v[k];
		v->outs = xcalloc(p->nsteps, sizeof *v->outs);
		if (v->skip) {
			printf("  %c  skipped: %s\n", v->label, v->skip);
			continue;
		}
		/* Another time: at least a second after the reference and the
		 * variant before, so that a build that records the time shows. */
		while (time(NULL) <= ref_end)
			usleep(100000);
		if (!v->uid)
			rm_rf(v->state); /* a kept one from an earlier run; C's is new */
		err_clear();
		int r = share_distfiles(f, v);
		if (!r)
			r = run_variant(f, v, exe);
		if (r) {
			cmd_err("verify: variant %c: %s", v->label, err_msg(r));
			rc = CMD_EXIT_FAIL;
			break;
		}
		ref_end = time(NULL);
		for (size_t i = 0; i < p->nsteps; i++)
			if (f->e.want[i])
				cmd_read_out(v->state, f->e.keys[i], &v->outs[i]);
		if (v->status == 0) {
			printf("  %c  built in %.1fs\n", v->label, v->secs);
			continue;
		}
		char *why = v->status == 125 ? xasprintf("cannot write %s or run %s: is a directory above them closed to it?",
							 v->state, exe)
			: last_line(v->log);
		if (v->uid && (v->status == CMD_EXIT_SANDBOX || v->status >= 125 || v->status == CMD_EXIT_PARSE)) {
			/* The user could not run sprout or its sandbox here. */
			v->skip = xasprintf("user %s could not build here (exit %d: %s)", f->user, v->status,
					    why ? why : "no output");
			printf("  %c  skipped: %s\n", v->label, v->skip);
		} else {
			printf("  %c  FAILED after %.1fs (exit %d): %s\n     log: %s\n", v->label, v->secs, v->status,
			       why ? why : "no output", v->log);
			rc = CMD_EXIT_FAIL;
		}
		free(why);
	}
	if (stop) {
		for (int k = 0; k < f->nv; k++)
			remove_state(&f->v[k]);
		free(exe);
		cmd_err("verify: interrupted");
		return CMD_EXIT_INTERRUPTED;
	}

	/* The table. */
	int nw = 4;
	for (size_t i = 0; i < p->nsteps; i++)
		if (f->e.want[i] && (int)strlen(p->steps[i].name) > nw)
			nw = (int)strlen(p->steps[i].name);
	printf("\n  %-*s  %-12s", nw, "step", "cached");
	for (int k = 0; k < f->nv; k++)
		printf("  %c   ", f->v[k].label);
	printf("  %-8s  %s\n", "expected", "result");
	size_t good = 0, bad = 0;
	for (size_t n = 0; n < p->nsteps; n++) {
		int i = p->order[n];
		if (!f->e.want[i])
			continue;
		int ok = 1;
		printf("  %-*s  %.12s", nw, p->steps[i].name, f->ref[i].digest);
		for (int k = 0; k < f->nv; k++) {
			struct variant *v = &f->v[k];
			const char *cell = "skip";
			if (!v->skip) {
				if (!v->outs[i].digest[0]) {
					cell = "none";
					ok = 0;
				} else if (strcmp(v->outs[i].digest, f->ref[i].digest)) {
					cell = "DIFF";
					ok = 0;
				} else {
					cell = "same";
				}
			}
			printf("  %-4s", cell);
		}
		const char *exp = "-";
		if (f->expected[i]) {
			exp = strcmp(f->expected[i], f->ref[i].digest) ? "DIFF" : "same";
			if (strcmp(f->expected[i], f->ref[i].digest))
				ok = 0;
		}
		printf("  %-8s  %s\n", exp, ok ? "reproducible" : "NOT reproducible");
		if (ok)
			good++;
		else
			bad++;
	}
	char *tool = fetch_tool_find("diffoscope");
	int any = 0;
	for (size_t n = 0; n < p->nsteps; n++) {
		int i = p->order[n];
		if (!f->e.want[i])
			continue;
		int head = 0;
		for (int k = 0; k < f->nv; k++) {
			struct variant *v = &f->v[k];
			if (!v->skip && v->outs[i].digest[0] && strcmp(v->outs[i].digest, f->ref[i].digest)) {
				if (!head)
					printf("\n  %s: files that differ from the cached output (- only cached, + only rebuilt, "
					       "~ changed):\n", p->steps[i].name);
				head = any = 1;
				v->differs = 1;
				explain(f, v, i, tool);
			}
		}
		if (head)
			printf("    logs: %s/%s.VARIANT.log; the cached build's: %s/logs/%s/%s.log\n", f->logdir,
			       p->steps[i].name, f->c->statedir, f->arch, p->steps[i].name);
		if (f->expected[i] && strcmp(f->expected[i], f->ref[i].digest)) {
			printf("\n  %s: the cached digest %.12s differs from the plan's %.12s (%s)\n", p->steps[i].name,
			       f->ref[i].digest, f->expected[i], f->expected_path);
			any = 1;
		}
	}
	if (any && !tool)
		printf("  (install diffoscope for a report of how the files differ)\n");
	free(tool);
	if (any)
		printf("\n");
	int ran = 0;
	for (int k = 0; k < f->nv; k++) {
		struct variant *v = &f->v[k];
		if (!v->skip)
			ran++;
		if (v->state && (f->keep || v->differs))
			printf("  kept variant %c's state for inspection: %s\n", v->label, v->state);
		else
			remove_state(v);
	}
	printf("\nverify: %zu of %zu step%s reproducible in %d variant%s%s%s\n", good, good + bad,
	       good + bad == 1 ? "" : "s", ran, ran == 1 ? "" : "s", f->expected_path ? " and against " : "",
	       f->expected_path ? f->expected_path : " (no expected digests beside the plan)");
	for (int k = 0; k < f->nv; k++)
		if (f->v[k].skip)
			printf("  not checked: variant %c (%s)\n", f->v[k].label, f->v[k].skip);
	if (bad || !ran)
		rc = CMD_EXIT_FAIL;
	printf("result: %s\n", rc == CMD_EXIT_OK ? "reproducible" : bad ? "NOT reproducible" : "FAILED (see above)");
	free(exe);
	return rc;
}

static int verify(struct ctx *c, const char *plan_arg, char **steps, int nsteps, int keep, const char *user)
{
	struct vf f;
	memset(&f, 0, sizeof f);
	f.c = c;
	f.steps = steps;
	f.nsteps = nsteps;
	f.keep = keep;
	f.user = user;
	int rc = cmd_load_plan(c, plan_arg, &f.p, &f.arch);
	if (rc)
		return rc;
	const struct plan *p = f.p;
	char rp[4096];
	f.plan_abs = xstrdup(realpath(p->path, rp) ? rp : p->path);
	/* The reference: the normal state's outputs, built first when missing,
	 * with every source of the chosen steps in its store. */
	engine_init(&f.e, f.p, f.arch, c->statedir);
	cmd_engine_setup(c, &f.e);
	err_clear();
	int r = engine_select(&f.e, steps, nsteps);
	if (!r)
		r = engine_fetch(&f.e, 1, 0);
	if (r) {
		cmd_err("verify: %s", err_msg(r));
		rc = cmd_exit_for(r);
		goto out;
	}
	struct build_stats st;
	printf("verify: the reference build (the normal state, %s)\n", c->statedir);
	r = cmd_build_plan(c, f.p, f.arch, plan_arg, steps, nsteps, &st);
	if (r) {
		if (r != -SPROUT_ERR_BUILD)
			cmd_err("verify: %s", err_msg(r));
		cmd_err("verify: the reference build failed; nothing to compare");
		rc = cmd_exit_for(r);
		goto out;
	}
	printf("verify: reference: %zu built, %zu cached\n", st.built, st.cached);
	f.ref = xcalloc(p->nsteps, sizeof *f.ref);
	for (size_t i = 0; i < p->nsteps; i++)
		if (f.e.want[i])
			cmd_read_out(c->statedir, f.e.keys[i], &f.ref[i]);
	read_expected(&f);
	f.logdir = xasprintf("%s/logs/%s/verify", c->statedir, f.arch);
	rm_rf(f.logdir);
	if (mkdir_p(f.logdir, 0755)) {
		cmd_err("verify: cannot create %s", f.logdir);
		rc = CMD_EXIT_FAIL;
		goto out;
	}
	rc = verify_variants(&f);
out:
	for (int k = 0; k < f.nv; k++) {
		free(f.v[k].what);
		free(f.v[k].state);
		free(f.v[k].skip);
		free(f.v[k].log);
		cmd_free_outs(f.v[k].outs, p->nsteps);
	}
	if (f.expected)
		for (size_t i = 0; i < p->nsteps; i++)
			free(f.expected[i]);
	free(f.expected);
	free(f.expected_path);
	cmd_free_outs(f.ref, p->nsteps);
	free(f.logdir);
	free(f.plan_abs);
	if (f.e.keys)
		engine_free(&f.e);
	plan_free(f.p);
	return rc;
}

int cmd_verify(struct ctx *c, int argc, char **argv)
{
	const char *plan_arg = NULL, *compilers = "gcc,clang", *user = "nobody";
	int div = 0, keep = 0;
	struct strv steps = {0};
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--diverse")) {
			div = 1;
		} else if (!strcmp(a, "--keep")) {
			keep = 1;
		} else if ((!strcmp(a, "--compilers") || !strcmp(a, "--user")) && i + 1 < argc) {
			*(!strcmp(a, "--user") ? &user : &compilers) = argv[++i];
		} else if (!strncmp(a, "--compilers=", 12)) {
			compilers = a + 12;
		} else if (!strncmp(a, "--user=", 7)) {
			user = a + 7;
		} else if (a[0] == '-') {
			cmd_err("verify: unknown option '%s'", a);
			strv_free(&steps);
			return CMD_EXIT_USAGE;
		} else if (!plan_arg) {
			plan_arg = a;
		} else {
			strv_add(&steps, a);
		}
	}
	if (!plan_arg) {
		cmd_err("verify: which plan? (usage: sprout verify [--diverse] PLAN [STEP...])");
		return CMD_EXIT_USAGE;
	}
	struct sigaction sa, oi, ot;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	stop = 0;
	sigaction(SIGINT, &sa, &oi);
	sigaction(SIGTERM, &sa, &ot);
	int rc = div ? cmd_verify_diverse(c, plan_arg, steps.v, (int)steps.n, compilers)
		: verify(c, plan_arg, steps.v, (int)steps.n, keep, user);
	sigaction(SIGINT, &oi, NULL);
	sigaction(SIGTERM, &ot, NULL);
	strv_free(&steps);
	return rc;
}
