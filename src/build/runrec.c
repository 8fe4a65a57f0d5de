#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "build/runrec.h"
#include "core/err.h"
#include "core/util.h"

static const char *const NAMES[] = {"none", "built", "cached", "failed", "not-started", "interrupted"};

const char *runrec_result_name(enum runrec_result res)
{
	return res == RUNREC_SKIPPED ? "not started" : NAMES[res];
}

void runrec_begin(struct runrec *r, const struct plan *p, const char *arch, int jobs)
{
	memset(r, 0, sizeof *r);
	r->plan = xstrdup(p->name);
	r->arch = xstrdup(arch);
	r->jobs = jobs > 0 ? jobs : 1;
	r->started = (long long)time(NULL);
	r->t0 = now_sec();
	r->nsteps = p->nsteps;
	r->steps = xcalloc(p->nsteps + 1, sizeof *r->steps);
	r->busy = xcalloc((size_t)r->jobs, 1);
	r->index_of = xcalloc(p->nsteps + 1, sizeof *r->index_of);
	for (size_t k = 0; k < p->nsteps; k++) {
		/* in build order */
		size_t i = p->order ? (size_t)p->order[k] : k;
		struct runrec_step *s = &r->steps[k];
		s->name = xstrdup(p->steps[i].name);
		s->stage = xstrdup(p->stages[p->steps[i].stage].name);
		s->start = s->end = -1;
		s->slot = -1;
		s->size = -1;
		r->index_of[i] = (int)k;
	}
}

void runrec_event(struct runrec *r, const struct engine_event *ev)
{
	if (ev->step < 0 || (size_t)ev->step >= r->nsteps)
		return;
	struct runrec_step *s = &r->steps[r->index_of[ev->step]];
	double t = now_sec() - r->t0;
	switch (ev->kind) {
	case SPROUT_EV_START:
		s->start = t;
		for (int k = 0; k < r->jobs; k++)
			if (!r->busy[k]) {
				r->busy[k] = 1;
				s->slot = k;
				break;
			}
		break;
	case SPROUT_EV_DONE:
	case SPROUT_EV_FAIL:
	case SPROUT_EV_INTERRUPTED:
		s->end = t;
		if (s->start < 0)
			s->start = t - ev->secs;
		if (s->slot >= 0)
			r->busy[s->slot] = 0;
		s->result = ev->kind == SPROUT_EV_DONE ? RUNREC_BUILT
			    : ev->kind == SPROUT_EV_FAIL ? RUNREC_FAILED : RUNREC_INTERRUPTED;
		r->failed |= ev->kind == SPROUT_EV_FAIL;
		/* fall through */
	case SPROUT_EV_CACHED:
		if (ev->kind == SPROUT_EV_CACHED)
			s->result = RUNREC_CACHED;
		if (ev->kind == SPROUT_EV_DONE || ev->kind == SPROUT_EV_CACHED) {
			s->size = ev->size;
			snprintf(s->digest, sizeof s->digest, "%s", ev->digest ? ev->digest : "");
		}
		break;
	case SPROUT_EV_SKIP:
		s->result = RUNREC_SKIPPED;
		break;
	default:
		break;
	}
}

static char *record_path(const char *statedir, const char *arch, const char *plan)
{
	return xasprintf("%s/runs/%s/%s", statedir, arch, plan);
}

int runrec_write(struct runrec *r, const char *statedir)
{
	int ran = 0;
	r->wall = now_sec() - r->t0;
	for (size_t i = 0; i < r->nsteps; i++)
		ran |= r->steps[i].result == RUNREC_BUILT || r->steps[i].result == RUNREC_FAILED ||
		       r->steps[i].result == RUNREC_INTERRUPTED;
	if (!ran)
		return 0;
	struct buf b = {0};
	buf_addf(&b, "# sprout run record (docs/cache.md)\nrun %s %s %d %lld %.3f %s\n", r->plan, r->arch, r->jobs,
		 r->started, r->wall, r->failed ? "failed" : "ok");
	for (size_t i = 0; i < r->nsteps; i++) {
		const struct runrec_step *s = &r->steps[i];
		if (s->result == RUNREC_NONE)
			continue; /* not part of this run */
		buf_addf(&b, "step %s %s %s", s->name, s->stage, NAMES[s->result]);
		if (s->start >= 0)
			buf_addf(&b, " %.3f %.3f %d", s->start, s->end >= 0 ? s->end : s->start, s->slot);
		else
			buf_adds(&b, " - - -");
		if (s->size >= 0)
			buf_addf(&b, " %lld", s->size);
		else
			buf_adds(&b, " -");
		buf_addf(&b, " %s\n", s->digest[0] ? s->digest : "-");
	}
	char *path = record_path(statedir, r->arch, r->plan);
	char *dir = path_dirname(path);
	int e = mkdir_p(dir, 0755);
	if (!e)
		e = file_write_atomic(path, b.s, b.len);
	free(dir);
	free(path);
	buf_free(&b);
	return e;
}

/* One "step" line's words into s; 0 or -1. */
static int parse_step(char **w, int n, struct runrec_step *s)
{
	if (n != 9)
		return -1;
	s->name = xstrdup(w[1]);
	s->stage = xstrdup(w[2]);
	s->result = RUNREC_NONE;
	for (int k = 1; k < RUNREC_RESULTS; k++)
		if (!strcmp(w[3], NAMES[k]))
			s->result = (enum runrec_result)k;
	if (s->result == RUNREC_NONE)
		return -1;
	s->start = strcmp(w[4], "-") ? strtod(w[4], NULL) : -1;
	s->end = strcmp(w[5], "-") ? strtod(w[5], NULL) : -1;
	s->slot = strcmp(w[6], "-") ? atoi(w[6]) : -1;
	s->size = strcmp(w[7], "-") ? strtoll(w[7], NULL, 10) : -1;
	if (strcmp(w[8], "-"))
		snprintf(s->digest, sizeof s->digest, "%s", w[8]);
	return 0;
}

int runrec_read(struct runrec *r, const char *statedir, const char *arch, const char *plan)
{
	memset(r, 0, sizeof *r);
	char *path = record_path(statedir, arch, plan);
	struct buf b = {0};
	int e = file_read(path, &b);
	if (e) {
		free(path);
		return e;
	}
	int lineno = 0;
	char *save = NULL;
	for (char *l = strtok_r(b.s, "\n", &save); l && !e; l = strtok_r(NULL, "\n", &save)) {
		lineno++;
		if (l[0] == '#')
			continue;
		char *w[10], *ws = NULL;
		int n = 0;
		for (char *t = strtok_r(l, " ", &ws); t && n < 10; t = strtok_r(NULL, " ", &ws))
			w[n++] = t;
		if (n == 7 && !strcmp(w[0], "run") && !r->plan) {
			r->plan = xstrdup(w[1]);
			r->arch = xstrdup(w[2]);
			r->jobs = atoi(w[3]);
			r->started = strtoll(w[4], NULL, 10);
			r->wall = strtod(w[5], NULL);
			r->failed = !strcmp(w[6], "failed");
		} else if (n >= 1 && !strcmp(w[0], "step") && r->plan) {
			r->steps = xrealloc(r->steps, (r->nsteps + 1) * sizeof *r->steps);
			memset(&r->steps[r->nsteps], 0, sizeof *r->steps);
			if (parse_step(w, n, &r->steps[r->nsteps++]))
				e = -1;
		} else {
			e = -1;
		}
	}
	if (e || !r->plan)
		e = errf(-SPROUT_ERR_FORMAT, "%s:%d: not a run record line", path, lineno);
	free(path);
	buf_free(&b);
	return e;
}

void runrec_free(struct runrec *r)
{
	for (size_t i = 0; i < r->nsteps; i++) {
		free(r->steps[i].name);
		free(r->steps[i].stage);
	}
	FREE_ALL(r->steps, r->plan, r->arch, r->busy, r->index_of);
	memset(r, 0, sizeof *r);
}
