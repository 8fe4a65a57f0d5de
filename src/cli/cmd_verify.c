/* sprout verify: argument parsing and the report; the logic is in
 * trust/verify.c (--diverse: cmd_diverse.c, trust/diverse.c). On a
 * terminal, a line redrawn in place shows each variant's progress (the
 * last line of its build's output). */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <time.h>

#include "build/plan.h"
#include "build/session.h"
#include "cli/cmd.h"
#include "cli/display.h"
#include "cli/cmd_verify.h"
#include "core/err.h"
#include "core/json.h"
#include "core/util.h"
#include "fetch/fetch.h"
#include "trust/verify.h"

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	stop = sig;
}

/* What the report shows while variants run. */
struct show {
	struct ctx *c;
	struct verify *f;
	int live;               /* a progress line redrawn in place */
	int drawn;              /* it is on the screen */
	int failed;             /* a variant failed */
};

static int term_cols(void)
{
	struct winsize ws;
	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 20)
		return ws.ws_col;
	return 80;
}

static void live_clear(struct show *sh)
{
	if (sh->drawn)
		fputs("\r\033[K", stdout);
	sh->drawn = 0;
}

/* "  A  building 1m02s: [3/12] done   musl (native) 12.3s", cut to the
 * terminal's width. */
static void live_draw(struct show *sh, int k, double secs, const char *line)
{
	char t[64];
	struct buf b = {0};
	int m = (int)(secs / 60);
	snprintf(t, sizeof t, "%dm%02ds", m, (int)secs - m * 60);
	buf_addf(&b, "  %c  building %s: %s", sh->f->v[k].label, t, line ? line : "");
	size_t w = (size_t)term_cols() - 1;
	if (b.len > w)
		b.len = w;
	for (size_t i = 0; i < b.len; i++)
		if ((unsigned char)b.s[i] < ' ')
			b.s[i] = ' ';
	printf("\r\033[K%.*s", (int)b.len, b.s);
	fflush(stdout);
	sh->drawn = 1;
	buf_free(&b);
}

static void on_verify(void *arg, const struct verify_event *ev)
{
	struct show *sh = arg;
	struct verify_variant *v = &sh->f->v[ev->variant];
	switch (ev->kind) {
	case VERIFY_EV_SKIP:
		printf("  %c  skipped: %s\n", v->label, v->skip);
		break;
	case VERIFY_EV_START:
		if (sh->c->verbose) {
			printf("  %c: ", v->label);
			for (size_t i = 0; ev->argv[i]; i++)
				printf("%s%s", i ? " " : "", ev->argv[i]);
			printf("\n");
		}
		if (sh->live)
			live_draw(sh, ev->variant, 0, "starting");
		break;
	case VERIFY_EV_TICK:
		if (sh->live)
			live_draw(sh, ev->variant, ev->secs, ev->line);
		break;
	case VERIFY_EV_DONE: {
		live_clear(sh);
		if (v->status == 0) {
			printf("  %c  built in %.1fs\n", v->label, v->secs);
			break;
		}
		if (v->skip) {
			printf("  %c  skipped: %s\n", v->label, v->skip);
			break;
		}
		char *why = verify_failure(sh->f, ev->variant);
		printf("  %c  FAILED after %.1fs (exit %d): %s\n     log: %s\n", v->label, v->secs, v->status,
		       why ? why : "no output", v->log);
		free(why);
		sh->failed = 1;
		break;
	}
	}
	fflush(stdout);
}

static int name_width(const struct verify *f)
{
	int nw = 4;
	for (size_t i = 0; i < f->p->nsteps; i++)
		if (f->e.want[i] && (int)strlen(f->p->steps[i].name) > nw)
			nw = (int)strlen(f->p->steps[i].name);
	return nw;
}

/* The table: a row per step, a column per variant; counts the good and bad. */
static void print_table(const struct verify *f, size_t *good, size_t *bad)
{
	const struct plan *p = f->p;
	int nw = name_width(f);
	printf("\n  %-*s  %-12s", nw, "step", "cached");
	for (int k = 0; k < f->nv; k++)
		printf("  %c   ", f->v[k].label);
	printf("  %-8s  %s\n", "expected", "result");
	for (size_t n = 0; n < p->nsteps; n++) {
		int i = p->order[n];
		if (!f->e.want[i])
			continue;
		int ok = verify_step_ok(f, i);
		printf("  %-*s  %.12s", nw, p->steps[i].name, f->ref[i].digest);
		for (int k = 0; k < f->nv; k++)
			printf("  %-4s", verify_cell(f, k, i));
		const char *exp = !f->expected[i] ? "-" : verify_expected_differs(f, i) ? "DIFF" : "same";
		printf("  %-8s  %s\n", exp, ok ? "reproducible" : "NOT reproducible");
		*(ok ? good : bad) += 1;
	}
}

/* The files that differ in variant k for step i, and where the rest is. */
static void print_explain(struct verify *f, int k, int i, const char *tool)
{
	struct buf d = {0};
	char *rep;
	int st;
	char label = f->v[k].label;
	char *df = verify_explain(f, k, i, tool, &d, &rep, &st);
	int shown = 0;
	for (const char *l = d.s; l && *l; shown++) {
		const char *e = strchr(l, '\n');
		if (shown < 20)
			printf("    %c: %.*s\n", label, (int)(e ? e - l : (long)strlen(l)), l);
		l = e ? e + 1 : NULL;
	}
	if (shown > 20)
		printf("    %c: ... %d more in %s\n", label, shown - 20, df);
	if (tool && rep)
		printf("    %c: diffoscope's report: %s\n", label, rep);
	else if (tool)
		printf("    %c: diffoscope failed (status %d)\n", label, st);
	free(rep);
	free(df);
	buf_free(&d);
}

/* For each step that differs: the files, the logs; 1 when any. */
static int print_differences(struct verify *f)
{
	const struct plan *p = f->p;
	char *tool = fetch_tool_find("diffoscope");
	int any = 0;
	for (size_t n = 0; n < p->nsteps; n++) {
		int i = p->order[n];
		if (!f->e.want[i])
			continue;
		int head = 0;
		for (int k = 0; k < f->nv; k++) {
			if (strcmp(verify_cell(f, k, i), "DIFF"))
				continue;
			if (!head)
				printf("\n  %s: files that differ from the cached output (- only cached, + only rebuilt, "
				       "~ changed):\n", p->steps[i].name);
			head = any = 1;
			print_explain(f, k, i, tool);
		}
		if (head) {
			char *log = engine_logpath(&f->e, (int)i);
			printf("    logs: %s/%s.VARIANT.log; the cached build's: %s\n", f->logdir, p->steps[i].name, log);
			free(log);
		}
		if (verify_expected_differs(f, i)) {
			printf("\n  %s: the cached digest %.12s differs from the plan's %.12s (%s)\n", p->steps[i].name,
			       f->ref[i].digest, f->expected[i], f->expected_path);
			any = 1;
		}
	}
	if (any && !tool)
		printf("  (install diffoscope for a report of how the files differ)\n");
	free(tool);
	return any;
}

/* --json: the descriptor the document goes to (stdout, while the report
 * goes to stderr), or -1. */
static int json_fd = -1;

/* The result as JSON (docs/cli.md, "Machine-readable output") into b. */
static void verify_doc(const struct verify *f, const char *result, struct buf *b)
{
	const struct plan *p = f->p;
	struct json j;
	size_t good = 0, total = 0;
	json_init(&j, b);
	json_object_begin(&j, NULL);
	json_string(&j, "plan", p->name);
	json_string(&j, "arch", f->arch);
	json_string(&j, "expected_digests", f->expected_path);
	json_array_begin(&j, "variants");
	for (int k = 0; k < f->nv; k++) {
		const struct verify_variant *v = &f->v[k];
		char l[2] = {v->label, 0};
		json_object_begin(&j, NULL);
		json_string(&j, "label", l);
		json_string(&j, "what", v->what);
		json_string(&j, "status", v->skip ? "skipped" : v->status ? "failed" : "built");
		json_string(&j, "skipped_because", v->skip);
		json_number(&j, "seconds", v->skip ? 0 : v->secs, 3);
		json_object_end(&j);
	}
	json_array_end(&j);
	json_array_begin(&j, "steps");
	for (size_t n = 0; n < p->nsteps; n++) {
		int i = p->order[n];
		if (!f->e.want[i])
			continue;
		int ok = verify_step_ok(f, i);
		json_object_begin(&j, NULL);
		json_string(&j, "name", p->steps[i].name);
		json_string(&j, "cached", f->ref && f->ref[i].digest[0] ? f->ref[i].digest : NULL);
		json_object_begin(&j, "variants");
		for (int k = 0; k < f->nv; k++) {
			char l[2] = {f->v[k].label, 0}, cell[8];
			snprintf(cell, sizeof cell, "%s", verify_cell(f, k, i));
			for (char *q = cell; *q; q++)
				*q = (char)(*q >= 'A' && *q <= 'Z' ? *q - 'A' + 'a' : *q);
			json_string(&j, l, cell);
		}
		json_object_end(&j);
		json_string(&j, "expected", f->expected ? f->expected[i] : NULL);
		json_bool(&j, "reproducible", ok);
		json_object_end(&j);
		good += ok != 0;
		total++;
	}
	json_array_end(&j);
	json_int(&j, "reproducible", (long long)good);
	json_int(&j, "total", (long long)total);
	json_string(&j, "result", result);
	json_object_end(&j);
}

/* The document on the --json descriptor, and the record sprout report
 * shows: STATE/runs/ARCH/PLAN.verify, one line (docs/cache.md). */
static void verify_outputs(const struct verify *f, const char *result, size_t good, size_t total, int ran)
{
	struct buf b = {0}, rec = {0};
	if (json_fd >= 0) {
		verify_doc(f, result, &b);
		fflush(stdout);
		if (fd_write_all(json_fd, b.s, b.len))
			cmd_err("verify: cannot write the JSON document");
	}
	buf_addf(&rec, "verify %lld %s %zu %zu %d\n", (long long)time(NULL),
		 !strcmp(result, "not reproducible") ? "not-reproducible" : result, good, total, ran);
	char *dir = xasprintf("%s/runs/%s", f->s.statedir, f->arch);
	char *path = xasprintf("%s/%s.verify", dir, f->p->name);
	if (!mkdir_p(dir, 0755))
		file_write_atomic(path, rec.s, rec.len);
	free(dir);
	free(path);
	buf_free(&b);
	buf_free(&rec);
}

/* Run the variants and print the report; the exit status. */
static int report_variants(struct verify *f, struct show *sh)
{
	const struct plan *p = f->p;
	int rc = CMD_EXIT_OK;
	if (f->ndep)
		printf("\nverify %s for %s: %zu step%s rebuilt in %d variants, %s %zu dependenc%s taken from the "
		       "reference's store (--shallow)\n", p->name, f->arch, f->nwant, f->nwant == 1 ? "" : "s",
		       VERIFY_NVARIANTS, f->nwant == 1 ? "its" : "their", f->ndep, f->ndep == 1 ? "y" : "ies");
	else
		printf("\nverify %s for %s: %zu step%s rebuilt from scratch in %d variants\n", p->name, f->arch,
		       f->nwant, f->nwant == 1 ? "" : "s", VERIFY_NVARIANTS);
	verify_setup(f);
	for (int k = 0; k < f->nv; k++)
		printf("  %c  %s\n", f->v[k].label, f->v[k].what);
	f->on_event = on_verify;
	f->arg = sh;
	int r = verify_run(f);
	live_clear(sh);
	if (r == -SPROUT_ERR_INTERRUPTED) {
		cmd_err("verify: interrupted");
		return CMD_EXIT_INTERRUPTED;
	}
	if (r) {
		cmd_err("verify: %s", err_msg(r));
		rc = CMD_EXIT_FAIL;
	}
	if (sh->failed)
		rc = CMD_EXIT_FAIL;
	size_t good = 0, bad = 0;
	print_table(f, &good, &bad);
	if (print_differences(f))
		printf("\n");
	for (int k = 0; k < f->nv; k++)
		if (verify_kept(f, k))
			printf("  kept variant %c's state for inspection: %s\n", f->v[k].label, f->v[k].state);
	int ran = verify_finish(f);
	printf("\nverify: %zu of %zu step%s reproducible in %d variant%s%s%s\n", good, good + bad,
	       good + bad == 1 ? "" : "s", ran, ran == 1 ? "" : "s", f->expected_path ? " and against " : "",
	       f->expected_path ? f->expected_path : " (no expected digests beside the plan)");
	for (int k = 0; k < f->nv; k++)
		if (f->v[k].skip)
			printf("  not checked: variant %c (%s)\n", f->v[k].label, f->v[k].skip);
	if (bad || !ran)
		rc = CMD_EXIT_FAIL;
	printf("result: %s\n", rc == CMD_EXIT_OK ? "reproducible" : bad ? "NOT reproducible" : "FAILED (see above)");
	verify_outputs(f, rc == CMD_EXIT_OK ? "reproducible" : bad ? "not reproducible" : "failed", good, good + bad, ran);
	return rc;
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

static int verify(struct ctx *c, const char *plan_arg, char **steps, int nsteps, int keep, int shallow,
		  const char *user)
{
	struct verify f;
	struct verify_settings s;
	struct plan *p;
	const char *arch;
	int rc = cmd_load_plan(c, plan_arg, &p, &arch);
	if (rc)
		return rc;
	struct session ss = cmd_session(c);
	char *exe = self_exe(), *dd = session_distdir(&ss);
	memset(&s, 0, sizeof s);
	s.exe = exe;
	s.statedir = c->statedir;
	s.distdir = dd;
	s.sandbox = c->sandbox;
	s.step_timeout = c->step_timeout;
	s.sets = c->sets;
	s.nsets = c->nsets;
	s.keep = keep;
	s.shallow = shallow;
	s.user = user;
	s.stop = &stop;
	struct show sh = {c, &f, 0, 0, 0};
	const char *term = getenv("TERM");
	sh.live = !c->plain && !c->quiet && isatty(STDOUT_FILENO) && !(term && !strcmp(term, "dumb"));
	s.tick = sh.live ? 0.5 : 0;
	err_clear();
	/* The reference: the normal state's outputs, built first when missing,
	 * with every source of the chosen steps in its store. */
	int r = verify_init(&f, p, arch, steps, nsteps, &s);
	session_engine(&ss, &f.e);
	if (!r)
		r = verify_fetch(&f);
	if (r) {
		cmd_err("verify: %s", err_msg(r));
		rc = cmd_exit_for(r);
		goto out;
	}
	struct build_stats st;
	printf("verify: the reference build (the normal state, %s)\n", c->statedir);
	r = display_build(c, p, arch, plan_arg, steps, nsteps, &st);
	if (r) {
		if (r != -SPROUT_ERR_BUILD)
			cmd_err("verify: %s", err_msg(r));
		cmd_err("verify: the reference build failed; nothing to compare");
		rc = cmd_exit_for(r);
		goto out;
	}
	printf("verify: reference: %zu built, %zu cached\n", st.built, st.cached);
	r = verify_reference(&f);
	if (r) {
		cmd_err("verify: %s", err_msg(r));
		rc = CMD_EXIT_FAIL;
		goto out;
	}
	if (!exe) {
		cmd_err("verify: cannot find sprout's own executable (/proc/self/exe): %s", strerror(errno));
		rc = CMD_EXIT_FAIL;
		goto out;
	}
	rc = report_variants(&f, &sh);
out:
	verify_free(&f);
	plan_free(p);
	free(exe);
	free(dd);
	return rc;
}
int cmd_verify(struct ctx *c, int argc, char **argv)
{
	const char *plan_arg = NULL, *compilers = "gcc,clang", *user = "nobody";
	int div = 0, keep = 0, shallow = 0;
	struct strv steps = {0};
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--diverse")) {
			div = 1;
		} else if (!strcmp(a, "--keep")) {
			keep = 1;
		} else if (!strcmp(a, "--shallow")) {
			shallow = 1;
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
	if (shallow && (div || !steps.n)) {
		cmd_err("verify: --shallow rebuilds the steps named (usage: sprout verify --shallow PLAN STEP...)%s",
			div ? "; --diverse builds whole legs" : "");
		strv_free(&steps);
		return CMD_EXIT_USAGE;
	}
	struct sigaction sa, oi, ot;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	stop = 0;
	sigaction(SIGINT, &sa, &oi);
	sigaction(SIGTERM, &sa, &ot);
	if (c->json) {
		/* stdout carries the document alone; the report goes to stderr */
		fflush(stdout);
		json_fd = dup(1);
		dup2(2, 1);
		c->json = 0; /* the reference build prints no JSON of its own */
	}
	int rc = div ? cmd_verify_diverse(c, plan_arg, steps.v, (int)steps.n, compilers, json_fd)
		: verify(c, plan_arg, steps.v, (int)steps.n, keep, shallow, user);
	if (json_fd >= 0) {
		fflush(stdout);
		dup2(json_fd, 1);
		close(json_fd);
		json_fd = -1;
		c->json = 1;
	}
	sigaction(SIGINT, &oi, NULL);
	sigaction(SIGTERM, &ot, NULL);
	strv_free(&steps);
	return rc;
}
