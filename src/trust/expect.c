#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "trust/expect.h"

char *expect_path(const struct plan *p, const char *what, const char *arch)
{
	return xasprintf("%s/%s.%s", p->dir, what, arch);
}

int expect_read(const struct plan *p, const char *arch, char ***digests)
{
	struct buf b = {0};
	char *path = expect_path(p, "digests", arch);
	char **d = xcalloc(p->nsteps + 1, sizeof *d);
	int r = file_read(path, &b);
	free(path);
	*digests = d;
	if (r) {
		buf_free(&b);
		return r;
	}
	for (char *l = b.s; l && *l;) {
		char *e = strchr(l, '\n');
		if (e)
			*e = 0;
		char *sp = strchr(l, ' ');
		if (l[0] != '#' && sp && strlen(sp + 1) >= 64) {
			*sp = 0;
			int i = plan_step_index(p, l);
			if (i >= 0) {
				free(d[i]);
				d[i] = xstrndup(sp + 1, 64);
			}
		}
		l = e ? e + 1 : NULL;
	}
	buf_free(&b);
	return 0;
}

void expect_free(char **digests, size_t n)
{
	if (!digests)
		return;
	for (size_t i = 0; i < n; i++)
		free(digests[i]);
	free(digests);
}

char *expect_manifest(const char *all, const char *step, char digest[65])
{
	size_t sl = strlen(step);
	for (const char *p = all; p && *p;) {
		if (!strncmp(p, "== ", 3) && !strncmp(p + 3, step, sl) && p[3 + sl] == ' ') {
			if (digest)
				snprintf(digest, 65, "%.64s", p + 4 + sl);
			const char *s = strchr(p, '\n');
			if (!s)
				return NULL;
			s++;
			const char *e = strstr(s, "\n== ");
			return xstrndup(s, e ? (size_t)(e - s + 1) : strlen(s));
		}
		const char *nl = strchr(p, '\n');
		p = nl ? nl + 1 : NULL;
	}
	return NULL;
}

/* The line "STEP DIGEST" of digests and the manifest of manifests recorded
 * for step, appended to d and m when there are. */
static void keep_recorded(struct buf *d, struct buf *m, const char *digests, const char *manifests, const char *step)
{
	size_t sl = strlen(step);
	for (const char *l = digests; l && *l;) {
		const char *e = strchr(l, '\n');
		size_t n = e ? (size_t)(e - l) : strlen(l);
		if (n == sl + 65 && !strncmp(l, step, sl) && l[sl] == ' ') {
			buf_addf(d, "%.*s\n", (int)n, l);
			char *em = manifests ? expect_manifest(manifests, step, NULL) : NULL;
			if (em)
				buf_addf(m, "== %.*s\n%s", (int)n, l, em);
			free(em);
			return;
		}
		l = e ? e + 1 : NULL;
	}
}

int expect_write(const struct plan *p, const char *arch, char (*digests)[65], char *const *manifests)
{
	struct buf d = {0}, m = {0}, want = {0}, wantm = {0};
	char *dp = expect_path(p, "digests", arch), *mp = expect_path(p, "manifests", arch);
	file_read(dp, &want);
	file_read(mp, &wantm);
	buf_addf(&d, "# The expected digest of every step of plan %s on %s.\n"
		     "# Written by 'sprout bootstrap --update-digests'; checked by every bootstrap.\n",
		 p->name, arch);
	for (size_t i = 0; i < p->nsteps; i++) {
		if (!digests[i][0] && p->steps[i].ondemand) {
			/* Not built by this run: what was recorded stays. */
			keep_recorded(&d, &m, want.s, wantm.s, p->steps[i].name);
			continue;
		}
		buf_addf(&d, "%s %s\n", p->steps[i].name, digests[i]);
		buf_addf(&m, "== %s %s\n%s", p->steps[i].name, digests[i], manifests[i] ? manifests[i] : "");
	}
	int r = file_write_atomic(dp, d.s, d.len);
	if (!r)
		r = file_write_atomic(mp, m.s, m.len);
	buf_free(&d);
	buf_free(&m);
	buf_free(&want);
	buf_free(&wantm);
	free(dp);
	free(mp);
	return r;
}
