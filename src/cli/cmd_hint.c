/* What the user is told when a name is wrong: the closest known name ("did
 * you mean"), a plan's steps, and where plans are looked for (the working
 * directory, then the installed data directory). */
#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "build/cache.h"
#include "build/engine.h"
#include "build/plan.h"
#include "core/err.h"
#include "fetch/fetch.h"
#include "sandbox/run.h"
#include "cli/cmd.h"
#include "core/util.h"

#ifndef SPROUT_DATADIR
#define SPROUT_DATADIR "/usr/local/share/sprout"
#endif

/* The optimal string alignment distance: insertions, deletions,
 * substitutions and swaps of two neighbours each count one. */
static size_t edit_distance(const char *a, const char *b)
{
	size_t n = strlen(a), m = strlen(b);
	if (n > 64 || m > 64)
		return (size_t)-1;
	size_t d[65][65];
	for (size_t i = 0; i <= n; i++)
		d[i][0] = i;
	for (size_t j = 0; j <= m; j++)
		d[0][j] = j;
	for (size_t i = 1; i <= n; i++) {
		for (size_t j = 1; j <= m; j++) {
			size_t cost = a[i - 1] != b[j - 1];
			size_t v = d[i - 1][j - 1] + cost;
			if (d[i - 1][j] + 1 < v)
				v = d[i - 1][j] + 1;
			if (d[i][j - 1] + 1 < v)
				v = d[i][j - 1] + 1;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] && d[i - 2][j - 2] + 1 < v)
				v = d[i - 2][j - 2] + 1;
			d[i][j] = v;
		}
	}
	return d[n][m];
}

const char *cmd_closest(const char *word, const char *const *names, size_t n)
{
	const char *best = NULL;
	size_t bd = (size_t)-1, wl = strlen(word);
	/* A third of the word's letters may be wrong, at least one, at most three. */
	size_t max = wl / 3 < 1 ? 1 : wl / 3 > 3 ? 3 : wl / 3;
	for (size_t i = 0; i < n; i++) {
		if (!names[i] || !strcmp(names[i], word))
			continue;
		size_t d = edit_distance(word, names[i]);
		/* a prefix of a longer name ("boot" for "bootstrap") */
		if (d > max && wl >= 3 && !strncmp(names[i], word, wl))
			d = max;
		if (d <= max && d < bd)
			bd = d, best = names[i];
	}
	return best;
}

void cmd_unknown_step(const char *who, const struct plan *p, const char *name)
{
	const char **names = xcalloc(p->nsteps + 1, sizeof *names);
	for (size_t i = 0; i < p->nsteps; i++)
		names[i] = p->steps[i].name;
	const char *near = cmd_closest(name, names, p->nsteps);
	struct buf b = {0};
	for (size_t i = 0; i < p->nsteps; i++) {
		if (i)
			buf_addc(&b, ' ');
		buf_adds(&b, p->steps[p->order ? (size_t)p->order[i] : i].name);
	}
	if (near)
		cmd_err("%s: plan '%s' has no step '%s'; did you mean '%s'?", who, p->name, name, near);
	else
		cmd_err("%s: plan '%s' has no step '%s'", who, p->name, name);
	fprintf(stderr, "  its steps: %s\n", b.s ? b.s : "(none)");
	buf_free(&b);
	free(names);
}

char *cmd_datadir(void)
{
	const char *env = getenv("SPROUT_DATADIR");
	if (env && *env)
		return xstrdup(env);
	/* Relative to the program: PREFIX/bin/sprout finds PREFIX/share/sprout
	 * wherever PREFIX is, as long as the tree was installed whole. */
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (n > 0) {
		exe[n] = 0;
		char *bin = path_dirname(exe);
		char *d = xasprintf("%s/../share/sprout", bin);
		free(bin);
		char *real = realpath(d, NULL);
		free(d);
		struct stat st;
		if (real && stat(real, &st) == 0 && S_ISDIR(st.st_mode))
			return real;
		free(real);
	}
	return xstrdup(SPROUT_DATADIR);
}

char *cmd_find_plan(const char *arg, struct strv *tried)
{
	char *p = plan_find(arg);
	if (p)
		return p;
	if (tried) {
		strv_add(tried, arg);
		if (!strchr(arg, '/'))
			strv_addown(tried, xasprintf("plans/%s/plan", arg));
	}
	if (strchr(arg, '/'))
		return NULL;
	char *dd = cmd_datadir();
	char *q = xasprintf("%s/plans/%s/plan", dd, arg);
	free(dd);
	struct stat st;
	if (stat(q, &st) == 0 && S_ISREG(st.st_mode))
		return q;
	if (tried)
		strv_addown(tried, q);
	else
		free(q);
	return NULL;
}

/* The names of the plans under dir/plans. */
static void plan_names(const char *dir, struct strv *out)
{
	char *pd = path_join(dir, "plans");
	DIR *d = opendir(pd);
	struct dirent *de;
	while (d && (de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		char *f = xasprintf("%s/%s/plan", pd, de->d_name);
		if (path_exists(f))
			strv_add(out, de->d_name);
		free(f);
	}
	if (d)
		closedir(d);
	free(pd);
}

void cmd_no_plan(const char *arg, const struct strv *tried)
{
	struct strv names = {0};
	char *dd = cmd_datadir();
	plan_names(".", &names);
	plan_names(dd, &names);
	free(dd);
	const char *base = strrchr(arg, '/') ? strrchr(arg, '/') + 1 : arg;
	const char *near = *base ? cmd_closest(base, (const char *const *)names.v, names.n) : NULL;
	struct buf b = {0};
	for (size_t i = 0; tried && i < tried->n; i++) {
		buf_adds(&b, i ? ", " : "");
		buf_adds(&b, tried->v[i]);
	}
	if (near)
		cmd_err("no plan '%s'; did you mean '%s'? (looked for %s)", arg, near, b.s ? b.s : arg);
	else
		cmd_err("no plan '%s' (looked for %s; a plan is a directory holding 'plan', a plan file, or a name)", arg,
			b.s ? b.s : arg);
	buf_free(&b);
	strv_free(&names);
}

void cmd_human_size(long long n, char *out, size_t size)
{
	static const char *const units[] = {"KiB", "MiB", "GiB", "TiB"};
	if (n < 1024) {
		snprintf(out, size, "%lld B", n);
		return;
	}
	double v = (double)n / 1024;
	int u = 0;
	while (v >= 1024 && u < 3)
		v /= 1024, u++;
	snprintf(out, size, "%.1f %s", v, units[u]);
}

