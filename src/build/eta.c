#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "build/eta.h"
#include "build/state.h"
#include "core/util.h"

/* Seconds per byte of (mostly compressed) source when nothing was
 * recorded yet: about 8 s per MiB, what small autotools packages take. */
#define SPROUT_ETA_RATE (8.0 / (1024 * 1024))
/* Every step costs at least this much: preparing, committing. */
#define SPROUT_ETA_BASE 1.0

int eta_record(const char *statedir, const char *plan, const char *arch, const char *step, double secs)
{
	char *d = state_record_dir(statedir, STATE_DURATION, plan, arch);
	int r = mkdir_p(d, 0755);
	if (!r) {
		char *f = state_record(statedir, STATE_DURATION, plan, arch, step);
		char line[64];
		int n = snprintf(line, sizeof line, "%.3f\n", secs);
		r = file_write_atomic(f, line, (size_t)n);
		free(f);
	}
	free(d);
	return r;
}

double eta_recorded(const char *statedir, const char *plan, const char *arch, const char *step)
{
	char *f = state_record(statedir, STATE_DURATION, plan, arch, step);
	struct buf b = {0};
	double v = -1;
	if (!file_read(f, &b) && b.len) {
		char *e;
		v = strtod(b.s, &e);
		if (e == b.s || v < 0)
			v = -1;
	}
	buf_free(&b);
	free(f);
	return v;
}

long long eta_source_bytes(const char *distdir, const struct recipe *rc)
{
	long long n = 0;
	for (size_t k = 0; k < rc->nsources; k++) {
		char *f = path_join(distdir, rc->sources[k].file);
		struct stat st;
		if (!stat(f, &st))
			n += (long long)st.st_size;
		free(f);
	}
	return n;
}

void eta_expect(const struct plan *p, const char *statedir, const char *distdir, const char *arch, double *expect,
		char *guessed)
{
	long long *bytes = xcalloc(p->nsteps + 1, sizeof *bytes);
	double rec_s = 0, rec_b = 0;
	for (size_t i = 0; i < p->nsteps; i++) {
		bytes[i] = eta_source_bytes(distdir, p->steps[i].recipe);
		expect[i] = eta_recorded(statedir, p->name, arch, p->steps[i].name);
		guessed[i] = expect[i] < 0;
		if (!guessed[i] && bytes[i] > 0) {
			rec_s += expect[i] > SPROUT_ETA_BASE ? expect[i] - SPROUT_ETA_BASE : 0;
			rec_b += (double)bytes[i];
		}
	}
	/* This machine's rate, when some steps with sources were timed. */
	double rate = rec_b > 0 ? rec_s / rec_b : SPROUT_ETA_RATE;
	for (size_t i = 0; i < p->nsteps; i++)
		if (guessed[i])
			expect[i] = SPROUT_ETA_BASE + rate * (double)bytes[i];
	free(bytes);
}

double eta_left(const struct plan *p, const char *want, const char *state, const double *expect, const double *ran,
		int jobs)
{
	size_t n = p->nsteps;
	char *st = xcalloc(n + 1, 1);
	double *left = xcalloc(n + 1, sizeof *left);
	double t = 0;
	int running = 0;
	if (jobs < 1)
		jobs = 1;
	for (size_t i = 0; i < n; i++) {
		st[i] = want[i] ? state[i] : SPROUT_ETA_DONE;
		if (st[i] == SPROUT_ETA_RUNNING) {
			/* A step past its estimate is not nearly done: what is left
			 * of it grows with how far it ran (a tenth), so that the
			 * ETA grows too instead of standing still. */
			left[i] = expect[i] - ran[i];
			if (left[i] < ran[i] / 10)
				left[i] = ran[i] / 10;
			if (left[i] < 1)
				left[i] = 1;
			running++;
		}
	}
	for (;;) {
		/* start what is ready, in plan order, like the engine */
		for (size_t k = 0; k < n && running < jobs; k++) {
			int i = p->order[k];
			if (st[i] != SPROUT_ETA_PENDING)
				continue;
			int ready = 1;
			for (size_t d = 0; d < p->steps[i].ndeps; d++)
				if (st[p->steps[i].deps[d]] != SPROUT_ETA_DONE)
					ready = 0;
			if (!ready)
				continue;
			st[i] = SPROUT_ETA_RUNNING;
			left[i] = expect[i];
			running++;
		}
		if (!running)
			break;
		/* run until the first running step ends */
		int first = -1;
		for (size_t i = 0; i < n; i++)
			if (st[i] == SPROUT_ETA_RUNNING && (first < 0 || left[i] < left[first]))
				first = (int)i;
		double dt = left[first];
		t += dt;
		for (size_t i = 0; i < n; i++)
			if (st[i] == SPROUT_ETA_RUNNING)
				left[i] -= dt;
		st[first] = SPROUT_ETA_DONE;
		running--;
	}
	free(st);
	free(left);
	return t;
}

static char *planned_path(const struct plan *p, const char *arch)
{
	return xasprintf("%s/durations.%s", p->dir, arch);
}

int eta_planned(const struct plan *p, const char *arch, double *planned)
{
	char *f = planned_path(p, arch);
	struct buf b = {0};
	int r = file_read(f, &b);
	for (size_t i = 0; i < p->nsteps; i++)
		planned[i] = -1;
	for (const char *l = b.s; !r && l && *l;) {
		const char *e = strchr(l, '\n'), *sp = strchr(l, ' ');
		if (*l != '#' && sp && (!e || sp < e)) {
			char name[256];
			size_t n = (size_t)(sp - l);
			if (n < sizeof name) {
				memcpy(name, l, n);
				name[n] = 0;
				int i = plan_step_index(p, name);
				char *end;
				double v = strtod(sp + 1, &end);
				if (i >= 0 && end != sp + 1 && v >= 0)
					planned[i] = v;
			}
		}
		l = e ? e + 1 : NULL;
	}
	buf_free(&b);
	free(f);
	return r;
}

int eta_save_planned(const struct plan *p, const char *statedir, const char *arch, int jobs)
{
	struct buf b = {0};
	buf_addf(&b, "# How long each step of plan %s takes for %s, in seconds of wall time (at -j%d on the\n"
		     "# machine that recorded it). Written by 'sprout bootstrap --update-digests'; a first\n"
		     "# build's ETA scales these by how fast this machine runs its first steps.\n",
		 p->name, arch, jobs);
	for (size_t k = 0; k < p->nsteps; k++) {
		int i = p->order[k];
		double v = eta_recorded(statedir, p->name, arch, p->steps[i].name);
		if (v >= 0)
			buf_addf(&b, "%s %.1f\n", p->steps[i].name, v);
	}
	char *f = planned_path(p, arch);
	int r = file_write_atomic(f, b.s, b.len);
	free(f);
	buf_free(&b);
	return r;
}

double eta_scale(size_t n, const double *planned, const double *took)
{
	double t = 0, w = 0;
	for (size_t i = 0; i < n; i++)
		if (planned[i] > 0 && took[i] > 0) {
			t += took[i];
			w += planned[i];
		}
	return w > 0 ? t / w : 1;
}

void eta_use_planned(size_t n, const double *planned, double scale, double *expect, char *guessed)
{
	for (size_t i = 0; i < n; i++)
		if (guessed[i] && planned[i] >= 0) {
			expect[i] = planned[i] * scale;
			guessed[i] = ETA_FROM_PLAN;
		}
}
