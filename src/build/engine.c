#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "build/audit.h"
#include "build/cache.h"
#include "build/engine.h"
#include "core/err.h"
#include "fetch/fetch.h"
#include "build/manifest.h"
#include "sandbox/run.h"
#include "archive/tar.h"
#include "core/util.h"

static void want_with_deps(struct engine *e, int i);

int engine_init(struct engine *e, struct plan *p, const char *arch, const char *statedir)
{
	memset(e, 0, sizeof *e);
	e->plan = p;
	e->arch = arch;
	e->statedir = statedir;
	e->jobs = 1;
	e->lockfd = -1;
	e->keys = xcalloc(p->nsteps, sizeof *e->keys);
	e->inputs = xcalloc(p->nsteps, sizeof *e->inputs);
	e->want = xcalloc(p->nsteps, 1);
	cache_keys(p, arch, e->keys, e->inputs);
	for (size_t i = 0; i < p->nsteps; i++)
		if (!p->steps[i].ondemand)
			want_with_deps(e, (int)i);
	return 0;
}

void engine_free(struct engine *e)
{
	if (e->inputs)
		for (size_t i = 0; i < e->plan->nsteps; i++)
			free(e->inputs[i]);
	free(e->inputs);
	free(e->keys);
	free(e->want);
	if (e->lockfd >= 0)
		close(e->lockfd);
	e->lockfd = -1;
}

static void want_with_deps(struct engine *e, int i)
{
	if (e->want[i])
		return;
	e->want[i] = 1;
	for (size_t k = 0; k < e->plan->steps[i].ndeps; k++)
		want_with_deps(e, e->plan->steps[i].deps[k]);
}

int engine_select(struct engine *e, char **names, int n)
{
	if (n <= 0)
		return 0;
	memset(e->want, 0, e->plan->nsteps);
	for (int k = 0; k < n; k++) {
		int i = plan_step_index(e->plan, names[k]);
		if (i < 0)
			return errf(SPROUT_ERR_NOTFOUND, "plan '%s' has no step '%s'", e->plan->name, names[k]);
		want_with_deps(e, i);
	}
	return 0;
}

int engine_lock(struct engine *e)
{
	int r = mkdir_p(e->statedir, 0755);
	if (r)
		return errf(r, "cannot create state directory %s: %s", e->statedir, err_str(r));
	char *lp = path_join(e->statedir, "lock");
	e->lockfd = open(lp, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (e->lockfd < 0) {
		r = errf(-errno, "%s: %s", lp, err_str(-errno));
		free(lp);
		return r;
	}
	if (flock(e->lockfd, LOCK_EX | LOCK_NB) < 0) {
		r = errf(SPROUT_ERR_BUSY, "another sprout is using the state directory %s", e->statedir);
		free(lp);
		return r;
	}
	free(lp);
	/* With the lock held, anything under tmp/ is a dead run's work. */
	char *tmp = path_join(e->statedir, "tmp");
	r = rm_rf(tmp);
	if (!r)
		r = mkdir_p(tmp, 0755);
	free(tmp);
	return r;
}

static void fetch_ctx_for(const struct engine *e, const struct recipe *rc, struct fetch_ctx *fc, char **distdir)
{
	*distdir = e->distdir ? xstrdup(e->distdir) : path_join(e->statedir, "distfiles");
	memset(fc, 0, sizeof *fc);
	fc->distdir = *distdir;
	fc->mirrors = (const char *const *)e->mirrors;
	fc->statedir = e->statedir;
	fc->recipedir = rc->dir;
	fc->verbose = e->verbose;
}

static void emit(struct engine *e, struct engine_event *ev);

int engine_fetch(struct engine *e, int all, int offline)
{
	const struct plan *p = e->plan;
	char *done = xcalloc(p->nrecipes + 1, 1);
	int r = 0;
	for (size_t i = 0; i < p->nsteps && !r; i++) {
		if (!e->want[i] || (!all && cache_has(e->statedir, e->keys[i])))
			continue;
		const struct recipe *rc = p->steps[i].recipe;
		size_t ri = 0;
		while (p->recipes[ri] != rc)
			ri++;
		if (done[ri])
			continue;
		done[ri] = 1;
		for (size_t k = 0; k < rc->nsources && !r; k++) {
			struct fetch_ctx fc;
			char *dd, *path = NULL;
			fetch_ctx_for(e, rc, &fc, &dd);
			fc.offline = offline;
			char *sp = fetch_store_path(&fc, &rc->sources[k]);
			if (!offline && !path_exists(sp)) {
				struct engine_event ev = {0};
				ev.kind = SPROUT_EV_FETCH;
				ev.step = (int)i;
				ev.source = rc->sources[k].file;
				emit(e, &ev);
			}
			free(sp);
			r = fetch_source(&fc, &rc->sources[k], &path);
			free(path);
			free(dd);
		}
	}
	free(done);
	return r;
}

char *engine_builddir(const struct engine *e, int i)
{
	return xasprintf("%s/build/%s/%s", e->statedir, e->arch, e->plan->steps[i].name);
}

char *engine_logpath(const struct engine *e, int i)
{
	return xasprintf("%s/logs/%s/%s.log", e->statedir, e->arch, e->plan->steps[i].name);
}

static char *tmpdir_of(const struct engine *e, int i)
{
	return xasprintf("%s/tmp/%s", e->statedir, e->keys[i]);
}

/* Lay out step i's trees: base/work (sources, patches), base/sysroot (the
 * dependencies' outputs merged), base/deps/NAME links, tmp/KEY/out. */
static int prepare(struct engine *e, int i)
{
	const struct plan *p = e->plan;
	const struct step *s = &p->steps[i];
	const struct recipe *rc = s->recipe;
	char *base = engine_builddir(e, i);
	char *work = path_join(base, "work");
	char *tmp = tmpdir_of(e, i);
	char *out = path_join(tmp, "out");
	char *logdir = xasprintf("%s/logs/%s", e->statedir, e->arch);
	char *log = engine_logpath(e, i);
	int r = rm_rf(base);
	if (!r)
		r = rm_rf(tmp);
	if (!r)
		r = mkdir_p(work, 0755);
	if (!r)
		r = mkdir_p(out, 0755);
	if (!r)
		r = mkdir_p(logdir, 0755);
	if (r) {
		r = errf(r, "cannot prepare the build tree %s: %s", base, err_str(r));
		goto out;
	}
	int lfd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (lfd >= 0)
		close(lfd);
	for (size_t k = 0; k < rc->nsources; k++) {
		const struct source *src = &rc->sources[k];
		struct fetch_ctx fc;
		char *dd, *path = NULL;
		fetch_ctx_for(e, rc, &fc, &dd);
		fc.offline = 1;
		/* Verified again here: a stored file that changed is never used. */
		r = fetch_source(&fc, src, &path);
		free(dd);
		if (!r) {
			if (src->extract) {
				r = tar_extract(path, work);
			} else {
				char *dst = path_join(work, src->file);
				r = file_copy(path, dst);
				if (r)
					r = errf(r, "%s: %s", dst, err_str(r));
				free(dst);
			}
		}
		free(path);
		/* The recipe's regenerate and delete rules: those files are gone
		 * before the script runs (docs/recipes.md, "Audit rules"). */
		if (!r && src->nrules) {
			struct buf removed = {0};
			r = audit_apply(work, src, &removed);
			if (removed.len) {
				int afd = open(log, O_WRONLY | O_APPEND | O_CLOEXEC);
				if (afd >= 0) {
					ssize_t w = write(afd, removed.s, removed.len);
					(void)w; /* the log is for reading; the removals happened */
					close(afd);
				}
			}
			buf_free(&removed);
		}
		if (r)
			goto out;
	}
	if (rc->npatches) {
		char *pd = path_join(work, "patches");
		r = mkdir_p(pd, 0755);
		for (size_t k = 0; !r && k < rc->npatches; k++) {
			char *src = path_join(rc->dir, rc->patches[k].file);
			char *dst = path_join(pd, rc->patches[k].file);
			r = file_copy(src, dst);
			if (r)
				r = errf(r, "%s: %s", src, err_str(r));
			free(src);
			free(dst);
		}
		free(pd);
		if (r)
			goto out;
	}
	if (s->ndeps) {
		char *sysroot = path_join(base, "sysroot");
		char *deps = path_join(base, "deps");
		r = mkdir_p(sysroot, 0755);
		if (!r)
			r = mkdir_p(deps, 0755);
		int rootfs = p->stages[s->stage].rootfs;
		for (size_t k = 0; !r && k < s->ndeps; k++) {
			int d = s->deps[k];
			char *dout = xasprintf("%s/store/%s/out", e->statedir, e->keys[d]);
			char *link = path_join(deps, p->steps[d].name);
			if (symlink(dout, link) < 0)
				r = -errno;
			/* The root tree of a native stage is its /, not part of the sysroot. */
			if (!r && d != rootfs)
				r = tree_copy(dout, sysroot, 0);
			if (r)
				r = errf(r, "cannot lay out dependency %s: %s", p->steps[d].name, err_str(r));
			free(dout);
			free(link);
		}
		free(sysroot);
		free(deps);
	}
out:
	free(base);
	free(work);
	free(tmp);
	free(out);
	free(logdir);
	free(log);
	return r;
}

void engine_spec(const struct engine *e, int i, struct run_spec *spec, struct run_dep **deps, struct strv *hold,
		 const char *destdir)
{
	const struct plan *p = e->plan;
	const struct step *s = &p->steps[i];
	char *base = engine_builddir(e, i);
	struct strv env = {0};
	memset(spec, 0, sizeof *spec);
	strv_addown(hold, path_join(base, "work"));
	spec->builddir = hold->v[hold->n - 1];
	strv_add(hold, destdir);
	spec->destdir = hold->v[hold->n - 1];
	strv_addown(hold, engine_logpath(e, i));
	spec->log = hold->v[hold->n - 1];
	if (s->ndeps) {
		strv_addown(hold, path_join(base, "sysroot"));
		spec->sysroot = hold->v[hold->n - 1];
		strv_addown(hold, path_join(base, "deps"));
		spec->depsdir = hold->v[hold->n - 1];
	}
	*deps = xcalloc(s->ndeps + 1, sizeof **deps);
	int rootfs = p->stages[s->stage].rootfs;
	for (size_t k = 0; k < s->ndeps; k++) {
		int d = s->deps[k];
		strv_addown(hold, xasprintf("%s/store/%s/out", e->statedir, e->keys[d]));
		(*deps)[k].name = p->steps[d].name;
		(*deps)[k].path = hold->v[hold->n - 1];
		if (d == rootfs)
			spec->rootfs = hold->v[hold->n - 1];
	}
	spec->deps = *deps;
	spec->ndeps = (int)s->ndeps;
	spec->step = s->name;
	spec->mode = p->stages[s->stage].mode;
	spec->arch = e->arch;
	spec->script = s->build->script;
	spec->timeout = e->timeout;
	strv_addown(&env, xasprintf("ARCH=%s", e->arch));
	strv_addown(&env, xasprintf("HOST_ARCH=%s", host_arch()));
	strv_addown(&env, xasprintf("STAGE=%s", p->stages[s->stage].name));
	strv_addown(&env, xasprintf("STEP=%s", s->name));
	strv_addown(&env, xasprintf("RECIPE=%s", s->recipe->name));
	strv_addown(&env, xasprintf("VERSION=%s", s->recipe->version));
	strv_addown(&env, xasprintf("JOBS=%d", e->jobs));
	strv_addown(&env, xasprintf("MAKEFLAGS=-j%d", e->jobs));
	strv_add(&env, "TZ=UTC");
	strv_add(&env, "LC_ALL=C");
	strv_add(&env, "LANG=C");
	strv_add(&env, "TERM=dumb");
	for (size_t k = 0; k < p->nsets; k++)
		strv_addown(&env, xasprintf("%s=%s", p->sets[k].key, p->sets[k].value));
	/* hold owns the strings; the vector itself is handed over whole. */
	for (size_t k = 0; k < env.n; k++)
		strv_addown(hold, env.v[k]);
	env.v[env.n] = NULL;
	spec->env = env.v;
	strv_addown(hold, (char *)env.v); /* freed with hold */
	free(base);
}

static long long manifest_size(const char *m)
{
	long long total = 0;
	for (const char *p = m; *p;) {
		if (p[0] == 'f' && p[1] == ' ')
			total += strtoll(p + 7, NULL, 10);
		const char *e = strchr(p, '\n');
		if (!e)
			break;
		p = e + 1;
	}
	return total;
}

/* Record step i's output: manifest, digest and inputs written beside out/,
 * then the whole directory renamed into the store in one step. */
static int commit(struct engine *e, int i, char hex[65], long long *size)
{
	char *tmp = tmpdir_of(e, i);
	char *out = path_join(tmp, "out");
	char *dst = cache_dir(e->statedir, e->keys[i]);
	char *store = path_join(e->statedir, "store");
	struct buf m = {0};
	int r = manifest_build(out, &m);
	if (r)
		goto out;
	manifest_digest(&m, hex);
	*size = manifest_size(m.s);
	char *f = path_join(tmp, "manifest");
	r = file_write_atomic(f, m.s, m.len);
	free(f);
	if (r)
		goto out;
	char line[66];
	memcpy(line, hex, 64);
	line[64] = '\n';
	f = path_join(tmp, "digest");
	r = file_write_atomic(f, line, 65);
	free(f);
	if (r)
		goto out;
	f = path_join(tmp, "inputs");
	r = file_write_atomic(f, e->inputs[i], strlen(e->inputs[i]));
	free(f);
	if (r)
		goto out;
	r = mkdir_p(store, 0755);
	if (r)
		goto out;
	rm_rf(dst);
	if (rename(tmp, dst) < 0) {
		r = -errno;
		goto out;
	}
	dir_sync(store);
	r = cache_set_last(e->statedir, e->arch, e->plan->steps[i].name, e->keys[i]);
out:
	if (r)
		r = errf(r, "cannot store the output of %s: %s", e->plan->steps[i].name, err_str(r));
	buf_free(&m);
	free(tmp);
	free(out);
	free(dst);
	free(store);
	return r;
}

static volatile sig_atomic_t interrupted, nsignals;

static void on_interrupt(int sig)
{
	interrupted = sig;
	nsignals++;
}

enum { ST_PENDING, ST_RUNNING, ST_DONE, ST_FAILED };

static void emit(struct engine *e, struct engine_event *ev)
{
	if (e->on_event)
		e->on_event(e->arg, ev);
}

/* waitpid(-1) that emits SPROUT_EV_TICK every e->tick seconds while it waits. It
 * polls (WNOHANG and short sleeps) rather than catching SIGCHLD, so that
 * nothing else in the process sees an interrupted call. A signal that
 * arrives while waiting gives -1 and EINTR, like a blocking waitpid. */
static pid_t wait_any(struct engine *e, int *st)
{
	if (e->tick <= 0)
		return waitpid(-1, st, 0);
	sig_atomic_t seen = nsignals;
	double next = now_sec() + e->tick;
	for (;;) {
		pid_t w = waitpid(-1, st, WNOHANG);
		if (w != 0)
			return w;
		if (nsignals != seen) {
			errno = EINTR;
			return -1;
		}
		double t = now_sec();
		if (t >= next) {
			struct engine_event ev = {0};
			ev.kind = SPROUT_EV_TICK;
			ev.step = -1;
			emit(e, &ev);
			next = t + e->tick;
		}
		struct timespec ts = {0, 20 * 1000 * 1000};
		nanosleep(&ts, NULL);
	}
}

/* A finished step's build tree is renamed aside into tmp/trash/ (which
 * engine_lock clears after a dead run) and deleted when the run is over:
 * on ext4, files created soon after many were deleted are slow to create,
 * and the next step's sources are exactly that. */
static void discard_tree(struct engine *e, const char *dir)
{
	static unsigned serial;
	char *trash = xasprintf("%s/tmp/trash", e->statedir), *to = xasprintf("%s/%u", trash, serial++);
	if (mkdir_p(trash, 0755) || rename(dir, to) < 0)
		rm_rf(dir);
	free(trash);
	free(to);
}

int engine_build(struct engine *e)
{
	const struct plan *p = e->plan;
	size_t n = p->nsteps;
	char *state = xcalloc(n, 1);
	pid_t *pids = xcalloc(n, sizeof *pids);
	double *start = xcalloc(n, sizeof *start);
	int running = 0, failed = 0, r = 0;
	struct sigaction sa, old_int, old_term;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_interrupt;
	interrupted = 0;
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);

	for (size_t k = 0; k < n; k++) {
		int i = p->order[k];
		if (!e->want[i])
			continue;
		if (cache_has(e->statedir, e->keys[i])) {
			char hex[65] = "";
			struct engine_event ev = {0};
			char *mp = xasprintf("%s/store/%s/manifest", e->statedir, e->keys[i]);
			struct buf m = {0};
			if (!file_read(mp, &m))
				ev.size = manifest_size(m.s);
			buf_free(&m);
			free(mp);
			cache_digest(e->statedir, e->keys[i], hex);
			state[i] = ST_DONE;
			ev.kind = SPROUT_EV_CACHED;
			ev.step = i;
			ev.digest = hex;
			emit(e, &ev);
		}
	}

	for (;;) {
		while (!failed && !interrupted && running < e->jobs) {
			int next = -1;
			for (size_t k = 0; k < n && next < 0; k++) {
				int i = p->order[e->reverse ? n - 1 - k : k];
				if (!e->want[i] || state[i] != ST_PENDING)
					continue;
				int ready = 1;
				for (size_t d = 0; d < p->steps[i].ndeps; d++)
					if (state[p->steps[i].deps[d]] != ST_DONE)
						ready = 0;
				if (ready)
					next = i;
			}
			if (next < 0)
				break;
			struct engine_event ev = {0};
			ev.kind = SPROUT_EV_START;
			ev.step = next;
			emit(e, &ev);
			start[next] = now_sec();
			err_clear();
			int pr = prepare(e, next);
			pid_t pid = -1;
			if (!pr) {
				struct run_spec spec;
				struct run_dep *deps;
				struct strv hold = {0};
				char *tmp = tmpdir_of(e, next);
				char *out = path_join(tmp, "out");
				engine_spec(e, next, &spec, &deps, &hold, out);
				free(tmp);
				free(out);
				pid = run_spawn(&spec);
				if (pid < 0)
					pr = pid;
				free(deps);
				strv_free(&hold);
			}
			if (pr) {
				char *log = engine_logpath(e, next);
				char *bd = engine_builddir(e, next);
				ev.kind = SPROUT_EV_FAIL;
				ev.secs = now_sec() - start[next];
				ev.error = err_msg(pr);
				ev.log = log;
				ev.builddir = bd;
				emit(e, &ev);
				free(log);
				free(bd);
				state[next] = ST_FAILED;
				failed = 1;
				if (pr != -SPROUT_ERR_BUILD && !r)
					r = pr;
				break;
			}
			pids[next] = pid;
			state[next] = ST_RUNNING;
			running++;
		}
		if (!running)
			break;
		int st;
		pid_t w = wait_any(e, &st);
		if (w < 0) {
			if (errno == EINTR) {
				for (size_t i = 0; i < n; i++)
					if (state[i] == ST_RUNNING)
						kill(pids[i], SIGTERM);
				continue;
			}
			r = -errno;
			break;
		}
		int i = -1;
		for (size_t k = 0; k < n; k++)
			if (state[k] == ST_RUNNING && pids[k] == w)
				i = (int)k;
		if (i < 0)
			continue;
		running--;
		int status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
		struct engine_event ev = {0};
		ev.step = i;
		ev.secs = now_sec() - start[i];
		char hex[65];
		int cr = status == 0 && !interrupted ? commit(e, i, hex, &ev.size) : 0;
		if (status == 0 && !interrupted && !cr) {
			char *bd = engine_builddir(e, i);
			discard_tree(e, bd);
			free(bd);
			state[i] = ST_DONE;
			ev.kind = SPROUT_EV_DONE;
			ev.digest = hex;
			emit(e, &ev);
			continue;
		}
		char *log = engine_logpath(e, i);
		char *bd = engine_builddir(e, i);
		char *tmp = tmpdir_of(e, i);
		rm_rf(tmp);
		free(tmp);
		state[i] = ST_FAILED;
		failed = 1;
		if (!interrupted) {
			ev.kind = SPROUT_EV_FAIL;
			ev.status = status;
			ev.error = cr ? err_msg(cr) : NULL;
			ev.log = log;
			ev.builddir = bd;
			emit(e, &ev);
		}
		free(log);
		free(bd);
	}
	for (size_t k = 0; k < n; k++) {
		int i = p->order[k];
		if (e->want[i] && state[i] == ST_PENDING) {
			struct engine_event ev = {0};
			ev.kind = SPROUT_EV_SKIP;
			ev.step = i;
			emit(e, &ev);
		}
	}
	char *trash = xasprintf("%s/tmp/trash", e->statedir);
	rm_rf(trash);
	free(trash);
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	free(state);
	free(pids);
	free(start);
	if (interrupted)
		return errf(SPROUT_ERR_INTERRUPTED, "interrupted by signal %d", (int)interrupted);
	if (r)
		return r;
	return failed ? -SPROUT_ERR_BUILD : 0;
}
