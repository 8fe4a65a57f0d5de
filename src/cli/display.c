/* Build's display, which every command that builds shows while the library
 * builds (session_build): live lines redrawn in place on a terminal, one
 * line per step start and end otherwise (or with --plain), -v's copy of
 * the logs, the failure report and the summary table. */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cmd.h"
#include "cli/display.h"
#include "build/cache.h"
#include "build/engine.h"
#include "build/runrec.h"
#include "core/err.h"
#include "core/escape.h"
#include "build/eta.h"
#include "build/plan.h"
#include "build/session.h"
#include "build/trace.h"
#include "build/state.h"
#include "sandbox/run.h"
#include "vm/sys.h"
#include "core/util.h"
#include "dist/dist.h"
#include "dist/farm.h"

/* ANSI sequences: SGR colours, cursor up, erase to the end of the screen. */
#define C_BOLD "\033[1m"
#define C_DIM "\033[2m"
#define C_RED "\033[31m"
#define C_GREEN "\033[32m"
#define C_YELLOW "\033[33m"
#define C_OFF "\033[0m"

/* How often the engine wakes the printer while steps run. */
#define TICK 0.1

enum { S_PENDING, S_RUNNING, S_BUILT, S_CACHED, S_FAILED, S_SKIPPED };

struct stepinfo {
	char state;
	double start, secs;
	long long size;
	char digest[13];
	char *log;              /* its log's path, while running */
	int ticked;             /* the log is this run's (it is emptied after SPROUT_EV_START) */
	long long logoff;       /* -v: bytes of the log already shown */
	struct buf part;        /* -v: the start of a line not yet ended */
};

struct report {
	struct ctx *c;
	struct engine *e;
	const char *plan_arg;
	struct build_stats *st;
	size_t total, done;
	struct stepinfo *si;
	int live;               /* redrawing the live lines */
	int color, ecolor;      /* colour on stdout, on stderr */
	int drawn;              /* lines of the live block on the screen */
	struct buf frame;       /* the block last drawn */
	double t0;
	double *expect;
	char *guessed;          /* per step: 0 timed here, 1 from its sources' size, ETA_FROM_PLAN */
	double *planned;        /* per step: the plan's durations.ARCH, -1 when it has none */
	double *took;           /* per step: for eta_scale */
	struct runrec *rec;     /* the run's record (build/runrec.h), session_build's */
	struct dist dist;       /* the shared caches attached */
	char *farm_env;         /* the farm's compiler environment, when attached */
	struct farm farm;       /* the farm for native-stage steps: each root's compiler */
};

static const char *col(const struct report *rp, const char *c)
{
	return rp->color && c ? c : "";
}

static void describe_status(int status, char *out, size_t n)
{
	static const struct {
		int sig;
		const char *name;
	} sigs[] = {{SIGHUP, "SIGHUP"},   {SIGINT, "SIGINT"},   {SIGQUIT, "SIGQUIT"}, {SIGILL, "SIGILL"},
		    {SIGTRAP, "SIGTRAP"}, {SIGABRT, "SIGABRT"}, {SIGBUS, "SIGBUS"},   {SIGFPE, "SIGFPE"},
		    {SIGKILL, "SIGKILL"}, {SIGSEGV, "SIGSEGV"}, {SIGPIPE, "SIGPIPE"}, {SIGALRM, "SIGALRM"},
		    {SIGTERM, "SIGTERM"}, {SIGUSR1, "SIGUSR1"}, {SIGUSR2, "SIGUSR2"}, {SIGXCPU, "SIGXCPU"}};
	if (status == RUN_EXIT_TIMEOUT) {
		snprintf(out, n, "timed out");
	} else if (status == RUN_EXIT_SETUP) {
		snprintf(out, n, "the runner could not set up the step (see the log)");
	} else if (status > 128) {
		const char *name = NULL;
		for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
			if (sigs[i].sig == status - 128)
				name = sigs[i].name;
		snprintf(out, n, "killed by signal %d%s%s%s", status - 128, name ? " (" : "", name ? name : "",
			 name ? ")" : "");
	} else {
		snprintf(out, n, "exit status %d", status);
	}
}

/* "1:05", "1:02:03" */
static void fmt_clock(double s, char *out, size_t n)
{
	long t = s < 0 ? 0 : (long)(s + 0.5);
	if (t >= 3600)
		snprintf(out, n, "%ld:%02ld:%02ld", t / 3600, t / 60 % 60, t % 60);
	else
		snprintf(out, n, "%ld:%02ld", t / 60, t % 60);
}

/* The command that opens a shell in step's sandbox, with the options that
 * make it the same state, arch, runner and directory as this run. */
static void shell_command(const struct report *rp, const char *step, struct buf *b)
{
	cmd_again(rp->c, rp->e->arch, b);
	buf_adds(b, " shell ");
	cmd_shell_word(b, rp->plan_arg);
	buf_addc(b, ' ');
	cmd_shell_word(b, step);
}

/* ---- the live block ---- */

static void term_size(int *cols, int *rows)
{
	struct winsize ws;
	*cols = 80, *rows = 24;
	if (!ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws)) {
		if (ws.ws_col >= 20)
			*cols = ws.ws_col;
		if (ws.ws_row >= 4)
			*rows = ws.ws_row;
	}
}

/* Append text to a line of the block, coloured, within *room columns.
 * Only printable ASCII goes through (a log may hold anything). */
static void seg(const struct report *rp, struct buf *b, int *room, const char *color, const char *s, size_t n)
{
	if (*room <= 0 || !n)
		return;
	if (color && rp->color)
		buf_adds(b, color);
	for (size_t i = 0; i < n && *room > 0; i++, (*room)--)
		buf_addc(b, s[i] >= 0x20 && s[i] < 0x7f ? s[i] : (s[i] == '\t' ? ' ' : '?'));
	if (color && rp->color)
		buf_adds(b, C_OFF);
}

static void segs(const struct report *rp, struct buf *b, int *room, const char *color, const char *s)
{
	seg(rp, b, room, color, s, strlen(s));
}

/* The last non-empty line of a log, without reading all of it. */
static void log_last_line(const char *path, char *out, size_t n)
{
	char tail[1024];
	out[0] = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	struct stat st;
	ssize_t got = 0;
	if (!fstat(fd, &st)) {
		off_t at = st.st_size > (off_t)sizeof tail ? st.st_size - (off_t)sizeof tail : 0;
		got = pread(fd, tail, sizeof tail, at);
	}
	close(fd);
	/* The last line the step printed; its script's trace ("+ CMD", sh -x)
	 * only when it printed nothing else in the tail. */
	ssize_t end = got, s = got, fb_s = -1, fb_e = 0;
	for (;;) {
		while (end > 0 && (tail[end - 1] == '\n' || tail[end - 1] == '\r' || tail[end - 1] == ' '))
			end--;
		s = end;
		while (s > 0 && tail[s - 1] != '\n' && tail[s - 1] != '\r')
			s--;
		if (end - s < 2 || tail[s] != '+' || tail[s + 1] != ' ')
			break;
		if (fb_s < 0)
			fb_s = s, fb_e = end;
		end = s;
	}
	if (end <= 0 && fb_s >= 0)
		s = fb_s, end = fb_e;
	got = end;
	size_t l = (size_t)(got - s) < n - 1 ? (size_t)(got - s) : n - 1;
	memcpy(out, tail + s, l);
	out[l] = 0;
	esc_inplace(out, n, 0); /* a build's output is the sources' to choose */
}

/* The plan's durations at this machine's pace so far: the steps built in
 * this run, and those running past their estimate, against the plan's. */
static void rescale(struct report *rp, const double *ran)
{
	size_t n = rp->e->plan->nsteps;
	for (size_t i = 0; i < n; i++) {
		const struct stepinfo *si = &rp->si[i];
		rp->took[i] = si->state == S_BUILT ? si->secs
			      : si->state == S_RUNNING && ran[i] > rp->expect[i] ? ran[i]
										 : 0;
	}
	double scale = eta_scale(n, rp->planned, rp->took);
	for (size_t i = 0; i < n; i++)
		if (rp->guessed[i] == ETA_FROM_PLAN)
			rp->expect[i] = rp->planned[i] * scale;
}

/* Compose the block: one line per running step, then the totals. */
static void live_compose(struct report *rp, struct buf *b)
{
	const struct plan *p = rp->e->plan;
	size_t n = p->nsteps;
	int cols, rows;
	double now = now_sec();
	char a[32], x[32];
	term_size(&cols, &rows);
	char *want = xcalloc(n + 1, 1), *state = xcalloc(n + 1, 1);
	double *ran = xcalloc(n + 1, sizeof *ran);
	size_t running = 0, shown = 0;
	for (size_t i = 0; i < n; i++) {
		want[i] = rp->si[i].state != S_SKIPPED && rp->e->want[i];
		state[i] = rp->si[i].state == S_PENDING ? SPROUT_ETA_PENDING
			   : rp->si[i].state == S_RUNNING ? SPROUT_ETA_RUNNING
							   : SPROUT_ETA_DONE;
		if (rp->si[i].state == S_RUNNING) {
			ran[i] = now - rp->si[i].start;
			running++;
		}
	}
	for (size_t k = 0; k < n; k++) {
		int i = p->order[k];
		const struct stepinfo *si = &rp->si[i];
		if (si->state != S_RUNNING)
			continue;
		if (shown + 2 >= (size_t)rows && running > shown + 1) {
			int room = cols - 1;
			char more[64];
			snprintf(more, sizeof more, "  ... and %zu more", running - shown);
			segs(rp, b, &room, C_DIM, more);
			buf_addc(b, '\n');
			break;
		}
		int room = cols - 1;
		char line[256];
		fmt_clock(ran[i], a, sizeof a);
		fmt_clock(rp->expect[i], x, sizeof x);
		segs(rp, b, &room, NULL, "  ");
		segs(rp, b, &room, C_BOLD, p->steps[i].name);
		snprintf(line, sizeof line, " (%s) %s of %s%s", p->stages[p->steps[i].stage].name, a,
			 rp->guessed[i] ? "~" : "", x);
		segs(rp, b, &room, NULL, line);
		line[0] = 0;
		if (si->ticked)
			log_last_line(si->log, line, sizeof line);
		if (line[0]) {
			segs(rp, b, &room, NULL, "  ");
			segs(rp, b, &room, C_DIM, line);
		}
		buf_addc(b, '\n');
		shown++;
	}
	rescale(rp, ran);
	double left = eta_left(p, want, state, rp->expect, ran, rp->e->jobs);
	int room = cols - 1;
	char line[128];
	fmt_clock(now - rp->t0, a, sizeof a);
	fmt_clock(left, x, sizeof x);
	snprintf(line, sizeof line, "[%zu/%zu] elapsed %s, ETA %s", rp->done, rp->total, a, x);
	segs(rp, b, &room, C_BOLD, line);
	buf_addc(b, '\n');
	free(want);
	free(state);
	free(ran);
}

/* Take the block off the screen: the cursor goes back to its first line. */
static void live_clear(struct report *rp, struct buf *out)
{
	if (rp->drawn)
		buf_addf(out, "\r\033[%dA\033[J", rp->drawn);
	rp->drawn = 0;
}

/* Print above the block: clear it, add text (whole lines), draw it again. */
static void live_show(struct report *rp, const char *text, int force)
{
	struct buf b = {0}, out = {0};
	if (rp->live && !rp->c->quiet) {
		live_compose(rp, &b);
		if (!force && !text && rp->frame.s && !strcmp(b.s, rp->frame.s)) {
			buf_free(&b);
			return;
		}
		live_clear(rp, &out);
	}
	if (text)
		buf_adds(&out, text);
	if (rp->live && !rp->c->quiet) {
		buf_adds(&out, b.s);
		for (const char *p = b.s; *p; p++)
			rp->drawn += *p == '\n';
		buf_free(&rp->frame);
		rp->frame = b;
	}
	if (out.len)
		fwrite(out.s, 1, out.len, stdout);
	fflush(stdout);
	buf_free(&out);
}

/* ---- -v: the logs as they grow ---- */

static void stream_log(struct report *rp, int i, int last)
{
	struct stepinfo *si = &rp->si[i];
	if (!rp->c->verbose || !si->log)
		return;
	struct buf out = {0};
	char chunk[16384];
	int fd = open(si->log, O_RDONLY | O_CLOEXEC);
	const char *name = rp->e->plan->steps[i].name;
	if (fd >= 0) {
		ssize_t got;
		while ((got = pread(fd, chunk, sizeof chunk, (off_t)si->logoff)) > 0) {
			si->logoff += got;
			for (ssize_t k = 0; k < got; k++) {
				char ch = chunk[k];
				if (ch != '\n') {
					/* keep what a terminal shows harmlessly */
					if ((unsigned char)ch >= 0x20 || ch == '\t')
						buf_addc(&si->part, ch);
					continue;
				}
				buf_addf(&out, "%s%s|%s %s\n", col(rp, C_DIM), name, col(rp, C_OFF),
					 si->part.s ? si->part.s : "");
				si->part.len = 0;
				if (si->part.s)
					si->part.s[0] = 0;
			}
			if (out.len > 65536)
				break;
		}
		close(fd);
	}
	if (last && si->part.len) {
		buf_addf(&out, "%s%s|%s %s\n", col(rp, C_DIM), name, col(rp, C_OFF), si->part.s);
		si->part.len = 0;
	}
	if (out.len)
		live_show(rp, out.s, 0);
	buf_free(&out);
}

/* ---- events ---- */

/* The command that failed (the last the script traced) and where it is
 * in the recipe: "command:    RECIPE:LINE: CMD". */
static void print_failed_command(const struct step *s, const struct engine_event *ev)
{
	struct buf log = {0};
	char *cmd;
	int line;
	if (!ev->error && !file_read(ev->log, &log) && !trace_failed_command(log.s, log.len, s->build, &cmd, &line)) {
		if (line)
			fprintf(stderr, "command:    %s:%d: %s\n", s->recipe->path, line, cmd);
		else
			fprintf(stderr, "command:    %s\n", cmd);
		free(cmd);
	}
	buf_free(&log);
}

static void report_failure(struct report *rp, const struct engine_event *ev)
{
	const struct plan *p = rp->e->plan;
	const struct step *s = &p->steps[ev->step];
	struct buf cmd = {0};
	char st[128];
	if (ev->error)
		snprintf(st, sizeof st, "%s", ev->error);
	else
		describe_status(ev->status, st, sizeof st);
	cmd_err("%sstep '%s' (stage %s) failed%s: %s after %.1fs", rp->ecolor ? C_RED C_BOLD : "", s->name,
		p->stages[s->stage].name, rp->ecolor ? C_OFF : "", st, ev->secs);
	if (!ev->error || path_exists(ev->log)) {
		fprintf(stderr, "--- last 25 lines of %s ---\n", ev->log);
		cmd_print_tail(ev->log, 25);
		fprintf(stderr, "---\n");
	}
	print_failed_command(s, ev);
	fprintf(stderr, "log:        %s\n", ev->log);
	fprintf(stderr, "build tree: %s/work (kept)\n", ev->builddir);
	shell_command(rp, s->name, &cmd);
	fprintf(stderr, "to look inside: %s\n", cmd.s);
	fflush(stderr);
	buf_free(&cmd);
}

static void step_line(struct report *rp, const char *what, const char *color, int i, const char *tail)
{
	const struct plan *p = rp->e->plan;
	const struct step *s = &p->steps[i];
	struct buf b = {0};
	buf_addf(&b, "[%zu/%zu] %s%-6s%s %s (%s)%s\n", rp->done + (rp->si[i].state == S_RUNNING), rp->total,
		 col(rp, color), what, col(rp, color ? C_OFF : ""), s->name, p->stages[s->stage].name, tail);
	live_show(rp, b.s, 0);
	buf_free(&b);
}

/* The shared cache's notes (pulling, refused, gone) above the live block;
 * with -q or --json only what went wrong, on stderr. */
static void cache_note(void *arg, enum dist_note kind, const char *url, const char *step, const char *msg)
{
	struct report *rp = arg;
	struct buf b = {0};
	dist_note_text(kind, url, step, msg, &b);
	if (!rp->c->quiet && !rp->c->json)
		live_show(rp, b.s, 0);
	else if (kind == DIST_REFUSED || kind == DIST_GONE)
		fputs(b.s, stderr);
	buf_free(&b);
}

static void on_event(void *arg, const struct engine_event *ev)
{
	struct report *rp = arg;
	const struct plan *p = rp->e->plan;
	struct build_stats *bs = rp->st;
	int quiet = rp->c->quiet || rp->c->json;
	char tail[128];
	if (ev->kind == SPROUT_EV_FETCH) {
		if (!quiet) {
			struct buf b = {0};
			buf_addf(&b, "[fetch] %s for %s\n", ev->source, p->steps[ev->step].name);
			live_show(rp, b.s, 0);
			buf_free(&b);
		}
		return;
	}
	if (ev->kind == SPROUT_EV_TICK) {
		for (size_t i = 0; i < p->nsteps; i++)
			if (rp->si[i].state == S_RUNNING) {
				rp->si[i].ticked = 1;
				stream_log(rp, (int)i, 0);
			}
		if (rp->live && !quiet)
			live_show(rp, NULL, 0);
		return;
	}
	const struct step *s = &p->steps[ev->step];
	struct stepinfo *si = &rp->si[ev->step];
	if (ev->kind == SPROUT_EV_START || ev->kind == SPROUT_EV_DONE || ev->kind == SPROUT_EV_FAIL) {
		double t = now_sec();
		double *b = &bs->stage_begin[s->stage], *e = &bs->stage_end[s->stage];
		if (ev->kind == SPROUT_EV_START && (*b == 0 || t < *b))
			*b = t;
		if (ev->kind != SPROUT_EV_START && t > *e)
			*e = t;
	}
	switch (ev->kind) {
	case SPROUT_EV_CACHED:
		rp->done++;
		bs->cached++;
		si->state = S_CACHED;
		si->size = ev->size;
		snprintf(si->digest, sizeof si->digest, "%.12s", ev->digest);
		if (ev->source && !quiet) { /* pulled from a shared cache */
			snprintf(tail, sizeof tail, " %.12s from %.80s", ev->digest, ev->source);
			step_line(rp, "pulled", C_DIM, ev->step, tail);
		} else if (rp->c->verbose && !quiet) {
			snprintf(tail, sizeof tail, " %.12s", ev->digest);
			step_line(rp, "cached", C_DIM, ev->step, tail);
		}
		break;
	case SPROUT_EV_START:
		si->state = S_RUNNING;
		si->start = now_sec();
		si->logoff = 0;
		si->ticked = 0;
		si->log = engine_logpath(rp->e, ev->step);
		if (!quiet && !rp->live)
			step_line(rp, "start", NULL, ev->step, "");
		else if (!quiet)
			live_show(rp, NULL, 1);
		break;
	case SPROUT_EV_DONE:
		stream_log(rp, ev->step, 1);
		rp->done++;
		bs->built++;
		si->state = S_BUILT;
		si->secs = ev->secs;
		si->size = ev->size;
		snprintf(si->digest, sizeof si->digest, "%.12s", ev->digest);
		if (!quiet) {
			snprintf(tail, sizeof tail, " %.1fs %.12s", ev->secs, ev->digest);
			step_line(rp, "done", C_GREEN, ev->step, tail);
		}
		break;
	case SPROUT_EV_FAIL: {
		stream_log(rp, ev->step, 1);
		bs->failed++;
		si->state = S_FAILED;
		si->secs = ev->secs;
		if (rp->live && !quiet) {
			struct buf out = {0};
			live_clear(rp, &out);
			fwrite(out.s ? out.s : "", 1, out.len, stdout);
			buf_free(&out);
		}
		report_failure(rp, ev);
		if (rp->live && !quiet)
			live_show(rp, NULL, 1);
		break;
	}
	case SPROUT_EV_SKIP:
		bs->skipped++;
		si->state = S_SKIPPED;
		break;
	case SPROUT_EV_INTERRUPTED:
		/* It stays S_RUNNING: the table says "interrupted", and the next
		 * build starts again with it (print_restart). */
		bs->interrupted++;
		return;
	case SPROUT_EV_TICK:
	case SPROUT_EV_FETCH:
		break;
	}
	if (si->state != S_RUNNING) {
		free(si->log);
		si->log = NULL;
		buf_free(&si->part);
	}
	fflush(stdout);
}

/* The table at the end: every step of the run, in build order. */
static void print_summary(struct report *rp)
{
	const struct plan *p = rp->e->plan;
	/* A step still running when the table is printed was interrupted. */
	static const char *const what[] = {"pending", "interrupted", "built", "cached", "failed", "not started"};
	static const char *const color[] = {NULL, C_YELLOW, C_GREEN, NULL, C_RED, C_YELLOW};
	int w = 4, sw = 5, rw = 6;
	for (size_t i = 0; i < p->nsteps; i++) {
		if (!rp->e->want[i])
			continue;
		int l = (int)strlen(p->steps[i].name), sl = (int)strlen(p->stages[p->steps[i].stage].name);
		int rl = (int)strlen(what[(int)rp->si[i].state]);
		w = l > w ? l : w;
		sw = sl > sw ? sl : sw;
		rw = rl > rw ? rl : rw;
	}
	printf("%s%-*s  %-*s  %-*s  %7s  %9s  %s%s\n", col(rp, C_BOLD), w, "step", sw, "stage", rw, "result", "time",
	       "size", "digest", col(rp, C_OFF));
	for (size_t k = 0; k < p->nsteps; k++) {
		int i = p->order[k];
		const struct stepinfo *si = &rp->si[i];
		if (!rp->e->want[i])
			continue;
		char t[32] = "-", sz[32] = "-";
		if (si->state == S_BUILT || si->state == S_FAILED)
			snprintf(t, sizeof t, "%.1fs", si->secs);
		else if (si->state == S_RUNNING)
			snprintf(t, sizeof t, "%.1fs", now_sec() - si->start);
		if (si->state == S_BUILT || si->state == S_CACHED)
			cmd_human_size(si->size, sz, sizeof sz);
		const char *c = color[(int)si->state];
		printf("%-*s  %-*s  %s%-*s%s  %7s  %9s  %s\n", w, p->steps[i].name, sw,
		       p->stages[p->steps[i].stage].name, col(rp, c ? c : ""), rw, what[(int)si->state],
		       col(rp, c ? C_OFF : ""), t, sz, si->digest[0] ? si->digest : "-");
	}
}

/* After an interrupt: which steps the next build starts again with (those
 * that were running; their unfinished work is not kept), or else the
 * first that had not started. */
static void print_restart(struct report *rp)
{
	const struct plan *p = rp->e->plan;
	struct buf b = {0};
	for (int pass = 0; pass < 2 && !b.len; pass++)
		for (size_t k = 0; k < p->nsteps; k++) {
			int i = p->order[k];
			char st = rp->si[i].state;
			if (!rp->e->want[i] || st != (pass ? S_SKIPPED : S_RUNNING))
				continue;
			buf_addf(&b, "%s%s", b.len ? ", " : "", p->steps[i].name);
			if (pass)
				break;
		}
	if (b.len)
		printf("interrupted: the next build of %s starts again at %s; what is built stays built\n", rp->plan_arg,
		       b.s);
	buf_free(&b);
}

static int want_color(const struct ctx *c, int fd)
{
	if (c->color == CTX_COLOR_ALWAYS)
		return 1;
	if (c->color == CTX_COLOR_NEVER)
		return 0;
	const char *nc = getenv("NO_COLOR"), *term = getenv("TERM");
	if ((nc && *nc) || (term && !strcmp(term, "dumb")))
		return 0;
	return isatty(fd);
}

/* The engine's farm_native: a native-stage step's root's own compiler on
 * the farm, or a note (shown, and in the step's log) that the step is
 * built here and why. */
static void farm_native_cb(void *arg, struct run_spec *spec)
{
	struct report *rp = arg;
	const char *why = NULL;
	struct buf b = {0};
	int r = farm_native(&rp->farm, spec, &why);
	if (r || why)
		buf_addf(&b, "[farm] %s: not on the farm, built here: %s\n", spec->step, r ? err_msg(r) : why);
	else
		buf_addf(&b, "[farm] %s: its root's own gcc is on the farm (%s)\n", spec->step,
			 strrchr(spec->farm_env, '/') ? strrchr(spec->farm_env, '/') + 1 : spec->farm_env);
	int fd = open(spec->log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (fd >= 0) {
		(void)fd_write_all(fd, b.s, b.len);
		close(fd);
	}
	if (!rp->c->quiet && !rp->c->json)
		live_show(rp, b.s, 0);
	buf_free(&b);
}

/* With --farm (c->farm): the compiler's environment for the farm (made
 * when missing) into *env (the caller frees it; e keeps a pointer to it),
 * and e's host-stage steps sent through the farm's socket. 0 or a
 * negative code (errf set). */
static int farm_attach(struct ctx *c, struct engine *e, char **env)
{
	int made = 0;
	const char *sock = c->farm_socket ? c->farm_socket : FARM_SOCKET;
	char *ns = c->farm[0] == '/' ? xstrdup(c->farm) : xasprintf("/run/netns/%s", c->farm);
	struct stat st;
	int nsok = stat(ns, &st) == 0;
	free(ns);
	if (!c->sandbox)
		return errf(-SPROUT_ERR_USAGE, "--farm: the farm is reached through the sandbox (--runner=sandbox)");
	if (geteuid() != 0)
		return errf(-SPROUT_ERR_USAGE, "--farm: joining the farm's network namespace needs root");
	if (!nsok)
		return errf(-SPROUT_ERR_USAGE, "--farm %s: no such network namespace (ip netns add %s, then give it a "
			    "route to the farm only)", c->farm, c->farm);
	if (stat(sock, &st) < 0 || !S_ISSOCK(st.st_mode))
		return errf(-SPROUT_ERR_USAGE, "--farm: %s is not a socket: is iceccd running (in %s)? (--farm-socket "
			    "names another)", sock, c->farm);
	if (!c->quiet && !c->json) {
		printf("[farm] the compiler's environment for %s (icecc-create-env, once per compiler)\n", c->farm);
		fflush(stdout);
	}
	int r = farm_env(c->statedir, env, &made);
	if (r)
		return r;
	e->farm_netns = c->farm;
	e->farm_socket = sock;
	e->farm_env = *env;
	return 0;
}

/* session_build's attach: the shared caches (--cache, sprout.conf) as e's
 * remote when there are any, and the farm. */
static int attach(void *arg, struct engine *e)
{
	struct report *rp = arg;
	struct ctx *c = rp->c;
	dist_init(&rp->dist, c->statedir, c->caches, c->cache_trust, 0);
	if (rp->dist.ncaches)
		e->remote = dist_engine(&rp->dist);
	rp->dist.on_note = cache_note;
	rp->dist.arg = rp;
	/* the farm first: it fails fast when its namespace or socket is missing */
	int r = c->farm ? farm_attach(c, e, &rp->farm_env) : 0;
	if (!r && c->farm) {
		rp->farm.statedir = c->statedir;
		rp->farm.arch = e->arch;
		e->farm_native = farm_native_cb;
		e->farm_arg = rp;
	}
	return r;
}

/* session_build's ready: the steps of the run and what each is expected
 * to take. */
static void ready(void *arg, struct engine *e)
{
	struct report *rp = arg;
	const struct plan *p = e->plan;
	for (size_t i = 0; i < p->nsteps; i++)
		rp->total += e->want[i] ? 1 : 0;
	struct session ss = cmd_session(rp->c);
	char *dd = session_distdir(&ss);
	eta_expect(p, rp->c->statedir, dd, e->arch, rp->expect, rp->guessed);
	if (!eta_planned(p, e->arch, rp->planned))
		eta_use_planned(p->nsteps, rp->planned, 1, rp->expect, rp->guessed);
	free(dd);
}

int display_build(struct ctx *c, struct plan *p, const char *arch, const char *plan_arg, char **steps, int nsteps,
		  struct build_stats *st)
{
	struct session_run run;
	struct report rp;
	const char *term = getenv("TERM");
	memset(&rp, 0, sizeof rp);
	memset(st, 0, sizeof *st);
	struct session ss = cmd_session(c);
	rp.c = c;
	rp.e = &run.e;
	rp.rec = &run.rec;
	rp.st = st;
	rp.plan_arg = plan_arg;
	rp.t0 = now_sec();
	rp.si = xcalloc(p->nsteps + 1, sizeof *rp.si);
	rp.expect = xcalloc(p->nsteps + 1, sizeof *rp.expect);
	rp.guessed = xcalloc(p->nsteps + 1, 1);
	rp.planned = xcalloc(p->nsteps + 1, sizeof *rp.planned);
	rp.took = xcalloc(p->nsteps + 1, sizeof *rp.took);
	rp.live = !c->plain && !c->quiet && !c->json && isatty(STDOUT_FILENO) && !(term && !strcmp(term, "dumb"));
	rp.color = want_color(c, STDOUT_FILENO);
	rp.ecolor = want_color(c, STDERR_FILENO);
	struct session_hooks h = {&rp, attach, ready, on_event, rp.live || c->verbose ? TICK : 0};
	int r = session_build(&ss, p, arch, steps, nsteps, &h, &run);
	if (rp.live) {
		struct buf out = {0};
		live_clear(&rp, &out);
		fwrite(out.s ? out.s : "", 1, out.len, stdout);
		fflush(stdout);
		buf_free(&out);
	}
	if (c->json && (!r || r == -SPROUT_ERR_BUILD || r == -SPROUT_ERR_INTERRUPTED))
		cmd_json_build(c, &run.rec, r == -SPROUT_ERR_INTERRUPTED ? "interrupted" : r ? "failed" : "ok");
	else if (!c->quiet && (!r || r == -SPROUT_ERR_BUILD || r == -SPROUT_ERR_INTERRUPTED))
		print_summary(&rp);
	if (!c->quiet && !c->json && r == -SPROUT_ERR_INTERRUPTED)
		print_restart(&rp);
	for (size_t i = 0; i < p->nsteps; i++) {
		free(rp.si[i].log);
		buf_free(&rp.si[i].part);
	}
	free(rp.si);
	free(rp.expect);
	free(rp.guessed);
	free(rp.planned);
	free(rp.took);
	buf_free(&rp.frame);
	session_run_free(&run);
	dist_free(&rp.dist);
	free(rp.farm_env);
	farm_free(&rp.farm);
	return r;
}

int display_build_sys(struct ctx *c, struct plan *p, const char *arch, const char *plan_arg, int what,
		      struct vm_sys *s)
{
	struct strv want = {0};
	memset(s, 0, sizeof *s);
	err_clear();
	int r = vm_sys_needs(p, arch, c->statedir, what, &want);
	if (!r && want.n) {
		struct build_stats st;
		r = display_build(c, p, arch, plan_arg, want.v, (int)want.n, &st);
		if (r && r != -SPROUT_ERR_BUILD)
			cmd_err("%s", err_msg(r));
	} else if (r) {
		cmd_err("%s", err_msg(r));
	}
	strv_free(&want);
	if (r)
		return cmd_exit_for(r);
	struct session ss = cmd_session(c);
	char *dd = session_distdir(&ss);
	err_clear();
	r = vm_sys_open(p, arch, c->statedir, dd, what, s);
	free(dd);
	if (r)
		cmd_err("%s", err_msg(r));
	return r ? cmd_exit_for(r) : 0;
}
