/* sprout bootstrap --stage4: the rebootstrap from packages (docs/bootstrap.md,
 * "Stage 4"); its report. The logic is trust/stage4.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "build/plan.h"
#include "build/session.h"
#include "cli/cmd.h"
#include "cli/cmd_bootstrap.h"
#include "core/err.h"
#include "core/util.h"
#include "trust/stage4.h"

static int stage4_fail(int r)
{
	cmd_err("bootstrap --stage4: %s", err_msg(r));
	return cmd_exit_for(r);
}

int cmd_stage4_check(struct ctx *c, const struct plan *p, const char *arch)
{
	err_clear();
	int r = stage4_check(p, arch, c->sandbox, NULL, NULL);
	return r ? stage4_fail(r) : 0;
}

static void on_stage4(void *arg, const struct stage4_event *ev)
{
	const struct stage4 *s = arg;
	switch (ev->kind) {
	case STAGE4_EV_NOTE:
		printf(strchr(ev->line, ':') ? "%s: %s\n" : "%s: wrote %s\n", ev->step, ev->line);
		break;
	case STAGE4_EV_PACKAGED:
		printf("packages of %s (%s) in %s\n", s->p->name, s->arch, s->pk1);
		break;
	case STAGE4_EV_KEY:
		printf("key %s: secret %s.key, public %s.pub\n", s->keyid, s->keyp, s->keyp);
		break;
	case STAGE4_EV_INDEXED:
		printf("%s/index: %zu package%s\n", s->pk1, s->npkgs, s->npkgs == 1 ? "" : "s");
		break;
	case STAGE4_EV_SIGNED:
		printf("%s/index.sig: signed with key %s\n", s->pk1, s->keyid);
		break;
	}
}

/* What the install did, and pkg verify's report of the new root. */
static void print_install(const struct stage4 *s)
{
	const struct pkgops_result *res = &s->inst;
	printf("install:");
	for (size_t k = 0; k < res->nadd; k++)
		printf("%s %s %s-%s", k ? "," : "", res->add[k].name, res->add[k].version, res->add[k].release);
	printf("\ntransaction %lu: %zu installed, %zu removed; %zu files written, %zu removed\n", res->st.id,
	       res->installed, res->removed, res->st.written, res->st.deleted);
	fputs(s->verify.s ? s->verify.s : "", stdout);
	printf("%zu packages, %zu entries: %s\n", s->names.n, s->entries, s->problems ? "DIFFERENT" : "no difference");
}

/* The packages, first and rebuilt; the exit status. */
static int print_verdict(struct stage4 *s, double secs)
{
	printf("stage4:     rebuilt inside in %.1fs; the packages, first and rebuilt:\n", secs);
	int bad = stage4_compare(s);
	for (size_t i = 0; i < s->nrows; i++) {
		const struct stage4_row *w = &s->rows[i];
		if (w->cmp == STAGE4_SAME)
			printf("            %-40s identical %.12s\n", w->name, w->first);
		else if (w->cmp == STAGE4_DIFFERENT)
			printf("            %-40s DIFFERENT %.12s / %.12s\n", w->name, w->first, w->rebuilt);
		else if (w->cmp == STAGE4_EXTRA)
			printf("            %-40s only in the rebuild\n", w->name);
		else
			printf("            %-40s %s\n", w->name, w->cmp == STAGE4_UNREADABLE ? "unreadable" : "MISSING from the rebuild");
	}
	int first = 0;
	for (size_t i = 0; i < s->nrows; i++)
		first += s->rows[i].cmp != STAGE4_EXTRA;
	if (!first)
		printf("            no packages in %s\n", s->pk1);
	if (bad)
		printf("stage4:     FAILED: %d package(s) differ (first: %s, rebuilt: %s)\n", bad, s->pk1, s->pk2);
	else
		printf("stage4:     ok: the system rebuilt its packages bit-identically\n");
	return bad ? CMD_EXIT_FAIL : CMD_EXIT_OK;
}

/* The rebuild inside the root; 0 or the exit status. */
static int rebuild(struct ctx *c, struct stage4 *s)
{
	printf("stage4:     installed %zu packages into %s; building sprout and the native stage there (log: %s)\n",
	       s->names.n, s->root, s->log);
	if (s->plain)
		printf("stage4:     (under qemu-user, which cannot make namespaces: the steps inside run with "
		       "--runner=plain, in this sandbox)\n");
	fflush(stdout);
	err_clear();
	pid_t pid = stage4_spawn(s);
	if (pid < 0)
		return stage4_fail(pid);
	int st = cmd_wait_sandbox(pid, 0);
	if (!st)
		return 0;
	printf("stage4:     the rebuild inside failed (exit status %d); the end of %s:\n", st, s->log);
	cmd_print_tail(s->log, 25);
	printf("stage4:     look inside: %s sandbox-run --rootfs %s --rootfs-rw --nest -i\n", c->argv0 ? c->argv0 : "sprout",
	       s->root);
	return st == 130 ? CMD_EXIT_INTERRUPTED : CMD_EXIT_FAIL;
}

int cmd_stage4(struct ctx *c, const struct plan *p, const char *arch, const char *plan_arg)
{
	struct stage4 s;
	struct session ss = cmd_session(c);
	char *dd = session_distdir(&ss);
	double t0 = now_sec();
	int rc;
	err_clear();
	int r = stage4_init(&s, p, arch, c->statedir, dd, plan_arg, c->jobs);
	s.on_event = on_stage4;
	s.arg = &s;
	if (r) {
		rc = stage4_fail(r);
		goto out;
	}
	printf("\nstage 4:    the rebootstrap from packages (%s)\n", s.dir);
	if ((r = stage4_publish(&s)) != 0) {
		rc = stage4_fail(r);
		goto out;
	}
	if (!s.sign)
		printf("stage4:     this sprout has no libsodium: installing with --allow-untrusted\n");
	if ((r = stage4_install(&s)) != 0) {
		rc = stage4_fail(r);
		goto out;
	}
	print_install(&s);
	if (s.problems) {
		rc = CMD_EXIT_FAIL;
		goto out;
	}
	if ((r = stage4_prepare(&s)) != 0) {
		rc = stage4_fail(r);
		goto out;
	}
	if ((rc = rebuild(c, &s)) != 0)
		goto out;
	rc = print_verdict(&s, now_sec() - t0);
out:
	stage4_free(&s);
	free(dd);
	return rc;
}
