/* sprout verify's logic (trust/verify.h, docs/trust.md).
 *
 * A variant is sprout itself (settings.exe) run as a child process with
 * its own state directory, job count, order, umask, environment and user;
 * it shares nothing with the normal state but copies or links of the
 * verified distfiles. Keys do not depend on any of those, so each step's
 * output is found in the variant's store under the same key. */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "build/cache.h"
#include "build/manifest.h"
#include "build/plan.h"
#include "build/state.h"
#include "core/err.h"
#include "fetch/fetch.h"
#include "trust/expect.h"
#include "trust/verify.h"

extern char **environ;

static void emit(struct verify *f, enum verify_ev kind, int k)
{
	struct verify_event ev;
	memset(&ev, 0, sizeof ev);
	ev.kind = kind;
	ev.variant = k;
	ev.secs = f->v[k].secs;
	if (f->on_event)
		f->on_event(f->arg, &ev);
}

static int stopped(const struct verify *f)
{
	return f->s.stop && *f->s.stop;
}

int verify_init(struct verify *f, struct plan *p, const char *arch, char **steps, int nsteps,
		const struct verify_settings *s)
{
	char rp[4096];
	memset(f, 0, sizeof *f);
	f->s = *s;
	f->p = p;
	f->arch = arch;
	f->steps = steps;
	f->nsteps = nsteps;
	f->plan_abs = xstrdup(realpath(p->path, rp) ? rp : p->path);
	int r = engine_init(&f->e, p, arch, s->statedir);
	if (!r)
		r = engine_select(&f->e, steps, nsteps);
	for (size_t i = 0; !r && i < p->nsteps; i++)
		f->nwant += f->e.want[i] ? 1 : 0;
	return r;
}

int verify_fetch(struct verify *f)
{
	return engine_fetch(&f->e, 1, 0);
}

/* The plan's expected digests (digests.ARCH beside the plan), per step. */
static void read_expected(struct verify *f)
{
	if (!expect_read(f->p, f->arch, &f->expected))
		f->expected_path = expect_path(f->p, "digests", f->arch);
}

int verify_reference(struct verify *f)
{
	const struct plan *p = f->p;
	f->ref = xcalloc(p->nsteps, sizeof *f->ref);
	/* The keys, now that every output they follow is in the store. */
	cache_keys(p, f->arch, f->s.statedir, f->e.keys, f->e.digests, NULL);
	for (size_t i = 0; i < p->nsteps; i++)
		if (f->e.want[i])
			trust_out_read(f->s.statedir, f->e.keys[i], &f->ref[i]);
	read_expected(f);
	/* --shallow: what the named steps need is taken, not rebuilt. */
	f->dep = xcalloc(p->nsteps + 1, 1);
	if (f->s.shallow && f->nsteps) {
		char *named = xcalloc(p->nsteps + 1, 1);
		for (int k = 0; k < f->nsteps; k++) {
			int i = plan_step_index(p, f->steps[k]);
			if (i >= 0)
				named[i] = 1;
		}
		for (size_t i = 0; i < p->nsteps; i++)
			if (f->e.want[i] && !named[i]) {
				f->dep[i] = 1;
				f->e.want[i] = 0;
				f->ndep++;
				f->nwant--;
			}
		free(named);
	}
	char *logs = state_record_dir(f->s.statedir, STATE_LOG, p->name, f->arch);
	f->logdir = path_join(logs, "verify");
	free(logs);
	rm_rf(f->logdir);
	int r = mkdir_p(f->logdir, 0755);
	if (r)
		return errf(r, "cannot create %s: %s", f->logdir, err_str(r));
	return 0;
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

/* Give the variant's state the verified source file of a wanted step:
 * a hard link, or a copy owned by the variant's user. */
static int share_file(const struct verify_variant *v, const char *dir, const char *file)
{
	char *a = path_join(dir, file);
	char *b = xasprintf("%s/distfiles/%s", v->state, file);
	int r = 0;
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
	return r;
}

/* Give the variant's state the verified sources of the wanted steps. */
static int share_distfiles(struct verify *f, struct verify_variant *v)
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
		for (size_t k = 0; !r && k < rc->nsources; k++)
			r = share_file(v, f->s.distdir, rc->sources[k].file);
	}
	free(to);
	return r;
}

/* --shallow: give the variant's store the reference's outputs of the
 * dependencies, hard-linked, so that its build finds them (under the same
 * keys: a key names its inputs) and rebuilds the named steps alone. */
static int share_deps(struct verify *f, struct verify_variant *v)
{
	const struct plan *p = f->p;
	char *store = path_join(v->state, "store");
	int r = mkdir_p(store, 0755);
	if (!r && v->uid && chown(store, v->uid, v->gid) < 0)
		r = -errno;
	for (size_t i = 0; !r && i < p->nsteps; i++) {
		if (!f->dep[i])
			continue;
		char *a = state_store(f->s.statedir, f->e.keys[i], NULL);
		char *b = path_join(store, f->e.keys[i]);
		if (!path_exists(b) && (r = tree_copy(a, b, 1)) < 0)
			r = errf(r, "cannot share %s's output %s with %s: %s", p->steps[i].name, a, b, err_str(r));
		free(a);
		free(b);
	}
	free(store);
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

static void child_env(const struct verify_variant *v, struct strv *env)
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

/* sprout's command line for variant v. */
static void variant_argv(const struct verify *f, const struct verify_variant *v, struct strv *av)
{
	const struct verify_settings *s = &f->s;
	strv_add(av, s->exe);
	strv_add(av, "--state");
	strv_add(av, v->state);
	/* its own distfiles, whatever a sprout.conf says */
	strv_add(av, "--distfiles");
	strv_addown(av, path_join(v->state, "distfiles"));
	strv_addown(av, xasprintf("-j%d", v->jobs));
	strv_add(av, v->reverse ? "--order=reverse" : "--order=plan");
	strv_add(av, s->sandbox ? "--runner=sandbox" : "--runner=plain");
	strv_add(av, "--arch");
	strv_add(av, f->arch);
	if (s->step_timeout)
		strv_addown(av, xasprintf("--step-timeout=%d", s->step_timeout));
	for (int i = 0; i < s->nsets; i++)
		strv_addown(av, xasprintf("--set=%s", s->sets[i]));
	strv_add(av, "build");
	strv_add(av, f->plan_abs);
	for (int i = 0; i < f->nsteps; i++)
		strv_add(av, f->steps[i]);
}

/* Wait for the variant's child, passing a stop on, with a tick now and
 * then. Its exit status. */
static int wait_variant(struct verify *f, int k, pid_t pid, double t0)
{
	struct verify_variant *v = &f->v[k];
	double next = t0 + f->s.tick;
	int st;
	for (;;) {
		pid_t w = waitpid(pid, &st, f->s.tick > 0 ? WNOHANG : 0);
		if (w == pid)
			break;
		if (w < 0 && errno != EINTR)
			return 127;
		if (stopped(f))
			kill(pid, SIGTERM);
		if (w == 0) {
			struct timespec ts = {0, 50 * 1000 * 1000};
			nanosleep(&ts, NULL);
			double t = now_sec();
			if (t >= next && f->on_event) {
				struct verify_event ev;
				char *line = last_line(v->log);
				memset(&ev, 0, sizeof ev);
				ev.kind = VERIFY_EV_TICK;
				ev.variant = k;
				ev.secs = t - t0;
				ev.line = line;
				f->on_event(f->arg, &ev);
				free(line);
				next = t + f->s.tick;
			}
		}
	}
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* Run sprout build for variant k; 0, or a negative code when it could not
 * be started. v->status holds the child's exit status. */
static int run_variant(struct verify *f, int k)
{
	struct verify_variant *v = &f->v[k];
	struct strv av = {0}, env = {0};
	variant_argv(f, v, &av);
	child_env(v, &env);
	int r = 0;
	int logfd = open(v->log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	int nullfd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (logfd < 0 || nullfd < 0) {
		r = errf(-errno, "%s: %s", v->log, err_str(-errno));
		goto out;
	}
	if (f->on_event) {
		struct verify_event ev;
		memset(&ev, 0, sizeof ev);
		ev.kind = VERIFY_EV_START;
		ev.variant = k;
		ev.argv = av.v;
		f->on_event(f->arg, &ev);
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
	v->status = wait_variant(f, k, pid, t0);
	v->secs = now_sec() - t0;
out:
	if (logfd >= 0)
		close(logfd);
	if (nullfd >= 0)
		close(nullfd);
	strv_free(&av);
	strv_free(&env);
	return r;
}

/* Variant C: as root, another user with a private state directory. */
static void plan_user_variant(struct verify *f, struct verify_variant *v)
{
	const char *user = f->s.user;
	if (geteuid() != 0) {
		v->skip = xstrdup("not root: no variant as another user (run verify as root to compare root and "
				  "rootless builds; every variant here is rootless)");
		v->what = xstrdup("as another user");
		return;
	}
	struct passwd *pw = getpwnam(user);
	if (!pw || !pw->pw_uid) {
		v->skip = xasprintf("no unprivileged user '%s' (--user NAME)", user);
	} else {
		v->uid = pw->pw_uid;
		v->gid = pw->pw_gid;
		const char *t = getenv("TMPDIR");
		char *tmpl = xasprintf("%s/sprout-verify-%s.XXXXXX", t && t[0] == '/' ? t : "/var/tmp", user);
		if (!mkdtemp(tmpl)) {
			v->skip = xasprintf("cannot create %s: %s", tmpl, strerror(errno));
			free(tmpl);
		} else {
			v->state = path_join(tmpl, "state");
			if (mkdir(v->state, 0755) < 0 || chown(v->state, v->uid, v->gid) < 0 || chmod(tmpl, 0755) < 0)
				v->skip = xasprintf("cannot prepare %s: %s", v->state, strerror(errno));
			free(tmpl);
		}
	}
	v->what = xasprintf("rootless, as user %s (uid %d), -j%d, umask 0027, a minimal environment, state %s", user,
			    (int)v->uid, v->jobs, v->state ? v->state : "-");
}

/* Set up the variants: A another job count and a short state path, B the
 * reverse order, a long path, umask 077 and a junk environment, C another
 * user (when sprout runs as root). */
void verify_setup(struct verify *f)
{
	char *base = xasprintf("%s/verify", f->s.statedir);
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	int many = ncpu > 1 ? (int)ncpu * 2 : 4;
	struct verify_variant *v = f->v;
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
	plan_user_variant(f, &v[2]);
	f->nv = VERIFY_NVARIANTS;
	for (int i = 0; i < f->nv; i++)
		v[i].log = xasprintf("%s/variant-%c.log", f->logdir, v[i].label);
	free(base);
}

/* After variant k ran: its outputs, and whether it built. */
static void variant_ended(struct verify *f, int k)
{
	struct verify_variant *v = &f->v[k];
	free(v->keys);
	v->keys = xcalloc(f->p->nsteps + 1, sizeof *v->keys);
	cache_keys(f->p, f->arch, v->state, v->keys, NULL, NULL);
	for (size_t i = 0; i < f->p->nsteps; i++)
		if (f->e.want[i])
			trust_out_read(v->state, v->keys[i], &v->outs[i]);
	if (v->status && v->uid && (v->status == 5 || v->status >= 125 || v->status == 3)) {
		/* The user could not run sprout or its sandbox here (exit 5: no
		 * sandbox, 3: cannot read the plan, 125 and up: cannot start). */
		char *why = verify_failure(f, k);
		v->skip = xasprintf("user %s could not build here (exit %d: %s)", f->s.user, v->status,
				    why ? why : "no output");
		free(why);
	}
	emit(f, VERIFY_EV_DONE, k);
}

char *verify_failure(const struct verify *f, int k)
{
	const struct verify_variant *v = &f->v[k];
	if (v->status == 125)
		return xasprintf("cannot write %s or run %s: is a directory above them closed to it?", v->state,
				 f->s.exe);
	return last_line(v->log);
}

int verify_run(struct verify *f)
{
	const struct plan *p = f->p;
	time_t ref_end = time(NULL);
	for (int k = 0; k < f->nv && !stopped(f); k++) {
		struct verify_variant *v = &f->v[k];
		v->outs = xcalloc(p->nsteps, sizeof *v->outs);
		if (v->skip) {
			emit(f, VERIFY_EV_SKIP, k);
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
			r = share_deps(f, v);
		if (!r)
			r = run_variant(f, k);
		if (r)
			return errf(r, "variant %c: %s", v->label, err_msg(r));
		ref_end = time(NULL);
		variant_ended(f, k);
	}
	if (stopped(f)) {
		verify_remove_states(f);
		return -SPROUT_ERR_INTERRUPTED;
	}
	return 0;
}

const char *verify_cell(const struct verify *f, int k, int i)
{
	const struct verify_variant *v = &f->v[k];
	if (v->skip)
		return "skip";
	if (!v->outs[i].digest[0])
		return "none";
	return strcmp(v->outs[i].digest, f->ref[i].digest) ? "DIFF" : "same";
}

int verify_expected_differs(const struct verify *f, int i)
{
	return f->expected[i] && strcmp(f->expected[i], f->ref[i].digest);
}

int verify_step_ok(const struct verify *f, int i)
{
	for (int k = 0; k < f->nv; k++) {
		const char *c = verify_cell(f, k, i);
		if (!strcmp(c, "none") || !strcmp(c, "DIFF"))
			return 0;
	}
	return !verify_expected_differs(f, i);
}

char *verify_explain(struct verify *f, int k, int i, const char *tool, struct buf *diff, char **report,
		     int *tool_status)
{
	struct verify_variant *v = &f->v[k];
	const char *name = f->p->steps[i].name;
	const struct trust_out *a = &f->ref[i], *b = &v->outs[i];
	size_t from = diff->len;
	v->differs = 1;
	if (a->manifest && b->manifest)
		manifest_diff(a->manifest, b->manifest, diff);
	char *df = xasprintf("%s/%s.%c.diff", f->logdir, name, v->label);
	file_write_atomic(df, diff->s ? diff->s + from : "", diff->len - from);
	char *slog = state_record(v->state, STATE_LOG, f->p->name, f->arch, name);
	char *dlog = xasprintf("%s/%s.%c.log", f->logdir, name, v->label);
	copy_file(slog, dlog);
	free(slog);
	free(dlog);
	*report = NULL;
	*tool_status = 0;
	if (tool) {
		char *rep = xasprintf("%s/%s.%c.diffoscope.txt", f->logdir, name, v->label);
		char *ra = state_store(f->s.statedir, f->e.keys[i], "out");
		char *rb = state_store(v->state, v->keys[i], "out");
		char *argv[] = {(char *)tool, "--text", rep, ra, rb, NULL};
		int nfd = open("/dev/null", O_WRONLY | O_CLOEXEC);
		int st = fetch_tool_run(argv, environ, NULL, nfd);
		if (nfd >= 0)
			close(nfd);
		*tool_status = st;
		if (st == 0 || st == 1)
			*report = rep;
		else
			free(rep);
		free(ra);
		free(rb);
	}
	return df;
}

static void remove_state(struct verify_variant *v)
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

void verify_remove_states(struct verify *f)
{
	for (int k = 0; k < f->nv; k++)
		remove_state(&f->v[k]);
}

int verify_kept(const struct verify *f, int k)
{
	return f->v[k].state && (f->s.keep || f->v[k].differs);
}

int verify_finish(struct verify *f)
{
	int ran = 0;
	for (int k = 0; k < f->nv; k++) {
		if (!f->v[k].skip)
			ran++;
		if (!verify_kept(f, k))
			remove_state(&f->v[k]);
	}
	return ran;
}

void verify_free(struct verify *f)
{
	const struct plan *p = f->p;
	for (int k = 0; k < f->nv; k++) {
		free(f->v[k].what);
		free(f->v[k].state);
		free(f->v[k].skip);
		free(f->v[k].log);
		trust_outs_free(f->v[k].outs, p->nsteps);
		free(f->v[k].keys);
	}
	expect_free(f->expected, p->nsteps);
	free(f->expected_path);
	trust_outs_free(f->ref, p->nsteps);
	free(f->logdir);
	free(f->plan_abs);
	free(f->dep);
	if (f->e.keys)
		engine_free(&f->e);
}
