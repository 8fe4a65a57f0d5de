#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "build/audit.h"
#include "build/cache.h"
#include "build/engine.h"
#include "build/engine_int.h"
#include "core/err.h"
#include "fetch/fetch.h"
#include "build/manifest.h"
#include "build/state.h"
#include "build/trash.h"
#include "sandbox/run.h"
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
	e->keys = xcalloc(p->nsteps + 1, sizeof *e->keys);
	e->digests = xcalloc(p->nsteps + 1, sizeof *e->digests);
	e->inputs = xcalloc(p->nsteps + 1, sizeof *e->inputs);
	e->want = xcalloc(p->nsteps + 1, 1);
	e->pulled = xcalloc(p->nsteps + 1, sizeof *e->pulled);
	e->asked = xcalloc(p->nsteps + 1, 1);
	cache_keys(p, arch, statedir, e->keys, e->digests, e->inputs);
	for (size_t i = 0; i < p->nsteps; i++)
		if (!p->steps[i].ondemand)
			want_with_deps(e, (int)i);
	return 0;
}

void engine_free(struct engine *e)
{
	strs_free(e->inputs, e->plan->nsteps);
	free(e->keys);
	free(e->digests);
	free(e->want);
	free(e->pulled);
	free(e->asked);
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

/* The lock engine_lock_hold keeps until the process ends, and its state
 * directory. */
static int held_fd = -1;
static char *held_dir;

int engine_lock(struct engine *e)
{
	int r = mkdir_p(e->statedir, 0755);
	if (r)
		return errf(r, "cannot create state directory %s: %s", e->statedir, err_str(r));
	char *lp = state_path(e->statedir, "lock");
	if (held_fd >= 0 && !strcmp(held_dir, e->statedir))
		e->lockfd = fcntl(held_fd, F_DUPFD_CLOEXEC, 0); /* the same open file: its lock is ours */
	else
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
	r = state_upgrade(e->statedir);
	if (r)
		return errf(r, "cannot bring the state directory %s up to date: %s", e->statedir, err_str(r));
	/* With the lock held, anything under tmp/ is a dead run's work: to
	 * the trash with it, at once (build/trash.h). */
	char *tmp = state_path(e->statedir, "tmp");
	if (rmdir(tmp) < 0 && errno != ENOENT)
		r = trash_put(e->statedir, tmp);
	if (!r)
		r = mkdir_p(tmp, 0755);
	free(tmp);
	return r;
}

int engine_lock_hold(const char *statedir)
{
	if (held_fd >= 0)
		return strcmp(held_dir, statedir) ? errf(-EINVAL, "a lock of %s is held already", held_dir) : 0;
	struct engine e;
	memset(&e, 0, sizeof e);
	e.statedir = statedir;
	e.lockfd = -1;
	int r = engine_lock(&e);
	if (r) {
		if (e.lockfd >= 0)
			close(e.lockfd);
		return r;
	}
	held_fd = e.lockfd;
	held_dir = xstrdup(statedir);
	return 0;
}

static void fetch_ctx_for(const struct engine *e, const struct recipe *rc, struct fetch_ctx *fc, char **distdir)
{
	*distdir = e->distdir ? xstrdup(e->distdir) : state_path(e->statedir, "distfiles");
	memset(fc, 0, sizeof *fc);
	fc->distdir = *distdir;
	fc->mirrors = (const char *const *)e->mirrors;
	fc->statedir = e->statedir;
	fc->recipedir = rc->dir;
	fc->recipe = rc->path;
	fc->verbose = e->verbose;
}

int engine_pull(struct engine *e, int i, long long *size)
{
	const char *from = NULL;
	if (!e->remote || !e->keys[i][0] || e->asked[i])
		return 0;
	e->asked[i] = 1;
	char *tmp = engine_tmpdir(e, i), *out = path_join(tmp, "out");
	rm_rf(tmp);
	int r = mkdir_p(out, 0755);
	if (!r)
		r = e->remote->pull(e->remote->arg, e, i, out, &from);
	if (!r)
		r = engine_commit(e, i, e->digests[i], size);
	if (r) {
		rm_rf(tmp);
		e->digests[i][0] = 0;
	} else {
		e->pulled[i] = from;
	}
	free(out);
	free(tmp);
	return !r;
}

/* Before anything is fetched: every wanted step that the store or the
 * remote has, in plan order (a pulled step's digest makes the keys of the
 * steps after it known). The scheduler pulls the rest as they get ready. */
static void pull_ahead(struct engine *e)
{
	const struct plan *p = e->plan;
	for (size_t k = 0; k < p->nsteps; k++) {
		int i = p->order[k];
		long long size;
		if (!e->want[i] || e->digests[i][0] || !cache_ready(p, i, e->digests))
			continue;
		if (!e->keys[i][0] || !e->inputs[i])
			cache_key(p, i, e->arch, e->digests, e->keys[i], &e->inputs[i]);
		if (cache_digest(e->statedir, e->keys[i], e->digests[i]) && !engine_pull(e, i, &size))
			e->digests[i][0] = 0;
	}
}

int engine_fetch(struct engine *e, int all, int offline)
{
	const struct plan *p = e->plan;
	char *done = xcalloc(p->nrecipes + 1, 1);
	int r = 0;
	if (e->remote && !all && !offline)
		pull_ahead(e);
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
				engine_emit(e, &ev);
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
	return state_record(e->statedir, STATE_BUILD, e->plan->name, e->arch, e->plan->steps[i].name);
}

char *engine_logpath(const struct engine *e, int i)
{
	return state_record(e->statedir, STATE_LOG, e->plan->name, e->arch, e->plan->steps[i].name);
}

char *engine_tmpdir(const struct engine *e, int i)
{
	return state_tmp(e->statedir, e->keys[i]);
}

int engine_lay_sources(const struct recipe *rc, const struct fetch_ctx *fc, const char *dir, struct buf *removed)
{
	int r = 0;
	for (size_t k = 0; k < rc->nsources && !r; k++) {
		const struct source *src = &rc->sources[k];
		char *path = NULL;
		r = fetch_source(fc, src, &path);
		if (!r)
			r = audit_unpack(src, path, dir, removed);
		free(path);
		/* The recipe's regenerate and delete rules: those files are gone
		 * before the script runs (docs/recipes.md, "Audit rules"). */
		if (!r && src->nrules)
			r = audit_apply(dir, src, removed);
	}
	if (!r && rc->npatches) {
		char *pd = path_join(dir, "patches");
		r = mkdir_p(pd, 0755);
		for (size_t k = 0; !r && k < rc->npatches; k++) {
			char *from = path_join(rc->dir, rc->patches[k].file);
			char *dst = path_join(pd, rc->patches[k].file);
			r = file_copy(from, dst);
			if (r)
				r = errf(r, "%s: %s", from, err_str(r));
			free(from);
			free(dst);
		}
		free(pd);
	}
	return r;
}

/* Step i's sources and patches into work (engine_lay_sources), with what
 * the audit rules removed appended to the file note (made when create). */
static int prepare_sources(struct engine *e, const struct recipe *rc, const char *work, const char *note, int create)
{
	struct fetch_ctx fc;
	struct buf removed = {0};
	char *dd;
	fetch_ctx_for(e, rc, &fc, &dd);
	fc.offline = 1;
	int r = engine_lay_sources(rc, &fc, work, &removed);
	free(dd);
	if (removed.len) {
		int afd = open(note, O_WRONLY | O_APPEND | O_CLOEXEC | (create ? O_CREAT : 0), 0644);
		if (afd >= 0) {
			ssize_t w = write(afd, removed.s, removed.len);
			(void)w; /* the log is for reading; the removals happened */
			close(afd);
		}
	}
	buf_free(&removed);
	return r;
}

void engine_test_hold(struct engine *e, int i, const char *var)
{
	const char *v = getenv(var), *f = v ? strchr(v, ':') : NULL;
	const char *name = e->plan->steps[i].name;
	if (!f || (size_t)(f - v) != strlen(name) || strncmp(v, name, (size_t)(f - v)) || !*++f)
		return;
	char *w = xasprintf("%s.waiting", f);
	file_write_atomic(w, "", 0);
	free(w);
	struct timespec ts = {0, 50 * 1000 * 1000};
	for (int k = 0; k < 1200 && !path_exists(f); k++)
		nanosleep(&ts, NULL);
}

/* Where a tree laid ahead notes what the audit rules removed, for the log
 * that its step's start truncates. */
#define AHEAD_NOTE "removed"

pid_t engine_lay_ahead(struct engine *e, int i)
{
	const struct recipe *rc = e->plan->steps[i].recipe;
	char *base = engine_builddir(e, i);
	char *work = path_join(base, "work");
	char *note = path_join(base, AHEAD_NOTE);
	pid_t pid = -1, parent = getpid();
	int made = 0;
	/* Not over a tree a failed run kept for sprout shell. */
	if (!path_exists(base) && !mkdir_p(work, 0755)) {
		made = 1;
		pid = fork();
	}
	if (pid == 0) {
		/* The engine's one thread, copied: the child may use the library
		 * as its parent would. It dies with the parent (even one that
		 * died before the prctl), and at Ctrl-C. */
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
		if (getppid() != parent)
			_exit(1);
		_exit(prepare_sources(e, rc, work, note, 1) ? 1 : 0);
	}
	if (pid < 0 && made)
		trash_put(e->statedir, base);
	free(base);
	free(work);
	free(note);
	return pid;
}

/* base/deps/NAME links to each dependency's output, and base/sysroot
 * holding them merged (but for a native stage's root tree, its /). */
static int prepare_deps(struct engine *e, int i, const char *base)
{
	const struct plan *p = e->plan;
	const struct step *s = &p->steps[i];
	char *sysroot = path_join(base, "sysroot");
	char *deps = path_join(base, "deps");
	int r = mkdir_p(sysroot, 0755);
	if (!r)
		r = mkdir_p(deps, 0755);
	int rootfs = p->stages[s->stage].rootfs;
	for (size_t k = 0; !r && k < s->ndeps; k++) {
		int d = s->deps[k];
		char *dout = state_store(e->statedir, e->keys[d], "out");
		char *link = path_join(deps, p->steps[d].name);
		if (symlink(dout, link) < 0)
			r = -errno;
		if (!r && d != rootfs)
			r = tree_copy(dout, sysroot, 0);
		if (r)
			r = errf(r, "cannot lay out dependency %s: %s", p->steps[d].name, err_str(r));
		free(dout);
		free(link);
	}
	free(sysroot);
	free(deps);
	return r;
}

/* What the audit rules removed from a tree laid ahead, appended to the
 * step's log (just truncated). */
static void ahead_note_to_log(const char *base, const char *log)
{
	char *note = path_join(base, AHEAD_NOTE);
	struct buf b = {0};
	if (!file_read(note, &b) && b.len) {
		int afd = open(log, O_WRONLY | O_APPEND | O_CLOEXEC);
		if (afd >= 0) {
			fd_write_all(afd, b.s, b.len);
			close(afd);
		}
	}
	unlink(note);
	buf_free(&b);
	free(note);
}

int engine_prepare(struct engine *e, int i)
{
	return engine_prepare_laid(e, i, 0);
}

/* Lay out step i's trees: base/work (sources, patches; there already when
 * laid), base/sysroot (the dependencies' outputs merged), base/deps/NAME
 * links, tmp/KEY/out. */
int engine_prepare_laid(struct engine *e, int i, int laid)
{
	const struct step *s = &e->plan->steps[i];
	char *base = engine_builddir(e, i);
	char *work = path_join(base, "work");
	char *tmp = engine_tmpdir(e, i);
	char *out = path_join(tmp, "out");
	char *logdir = state_record_dir(e->statedir, STATE_LOG, e->plan->name, e->arch);
	char *log = engine_logpath(e, i);
	/* A failed attempt's tree (kept for sprout shell) goes to the trash:
	 * no step waits while a big tree is deleted. */
	int r = laid ? 0 : trash_put(e->statedir, base);
	if (!r)
		r = trash_put(e->statedir, tmp);
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
	/* What sprout shell gives JOBS and MAKEFLAGS in this tree. */
	char jobs[16], *jf = path_join(base, "jobs");
	int jn = snprintf(jobs, sizeof jobs, "%d\n", e->jobs);
	int fd = open(jf, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd >= 0) {
		r = fd_write_all(fd, jobs, (size_t)jn);
		close(fd);
	}
	free(jf);
	if (r)
		goto out;
	if (laid)
		ahead_note_to_log(base, log);
	else
		r = prepare_sources(e, s->recipe, work, log, 0);
	if (!r && s->ndeps)
		r = prepare_deps(e, i, base);
out:
	free(base);
	free(work);
	free(tmp);
	free(out);
	free(logdir);
	free(log);
	return r;
}

/* The job count the build tree at base was prepared for (BASE/jobs), or
 * dflt when it says none. */
static int built_jobs(const char *base, int dflt)
{
	char *f = path_join(base, "jobs");
	struct buf b = {0};
	int j = dflt;
	if (!file_read(f, &b) && b.len && atoi(b.s) > 0)
		j = atoi(b.s);
	buf_free(&b);
	free(f);
	return j;
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
		strv_addown(hold, state_store(e->statedir, e->keys[d], "out"));
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
	spec->trace = 1;
	spec->timeout = e->timeout;
	if (e->farm_netns && spec->mode == RUN_HOST) { /* not an input: the same bytes either way */
		spec->farm_netns = e->farm_netns;
		spec->farm_socket = e->farm_socket;
		spec->farm_env = e->farm_env;
	} else if (e->farm_netns && e->farm_native) { /* the root's own compiler, when it has one */
		e->farm_native(e->farm_arg, spec);
		spec->farm_netns = spec->farm_env ? e->farm_netns : NULL;
		spec->farm_socket = spec->farm_env ? e->farm_socket : NULL;
	}
	strv_addown(&env, xasprintf("ARCH=%s", e->arch));
	strv_addown(&env, xasprintf("HOST_ARCH=%s", host_arch()));
	strv_addown(&env, xasprintf("STAGE=%s", p->stages[s->stage].name));
	strv_addown(&env, xasprintf("STEP=%s", s->name));
	strv_addown(&env, xasprintf("RECIPE=%s", s->recipe->name));
	strv_addown(&env, xasprintf("VERSION=%s", s->recipe->version));
	int jobs = e->shell ? built_jobs(base, e->jobs) : e->jobs;
	strv_addown(&env, xasprintf("JOBS=%d", jobs));
	strv_addown(&env, xasprintf("MAKEFLAGS=-j%d", jobs));
	if (e->shell)
		strv_addown(&env, xasprintf("STEP_SCRIPT=%s", s->build->script));
	strv_add(&env, "TZ=UTC");
	strv_add(&env, "LC_ALL=C");
	strv_add(&env, "LANG=C");
	strv_add(&env, "TERM=dumb");
	const struct setting **sets = xcalloc(p->nsets + 1, sizeof *sets);
	size_t nsets = plan_step_sets(p, i, sets);
	for (size_t k = 0; k < nsets; k++)
		strv_addown(&env, xasprintf("%s=%s", sets[k]->key, sets[k]->value));
	free(sets);
	/* hold owns the strings; the vector itself is handed over whole. */
	for (size_t k = 0; k < env.n; k++)
		strv_addown(hold, env.v[k]);
	env.v[env.n] = NULL;
	spec->env = env.v;
	strv_addown(hold, (char *)env.v); /* freed with hold */
	free(base);
}

long long engine_manifest_size(const char *m)
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
 * the file system synced, then the whole directory renamed into the store
 * in one step. */
int engine_commit(struct engine *e, int i, char hex[65], long long *size)
{
	char *tmp = engine_tmpdir(e, i);
	char *out = path_join(tmp, "out");
	char *dst = state_store(e->statedir, e->keys[i], NULL);
	char *store = state_path(e->statedir, "store");
	struct buf m = {0};
	int r = manifest_build(out, &m);
	if (r)
		goto out;
	manifest_digest(&m, hex);
	*size = engine_manifest_size(m.s);
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
	/* The output's files reach the disk before the rename that makes them
	 * the step's: after a power loss, an entry in the store is whole. */
	r = fs_sync(tmp);
	if (r)
		goto out;
	rm_rf(dst);
	if (rename(tmp, dst) < 0) {
		r = -errno;
		goto out;
	}
	dir_sync(store);
	r = state_set_last(e->statedir, e->plan->name, e->arch, e->plan->steps[i].name, e->keys[i]);
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

void engine_emit(struct engine *e, struct engine_event *ev)
{
	if (e->on_event)
		e->on_event(e->arg, ev);
}
