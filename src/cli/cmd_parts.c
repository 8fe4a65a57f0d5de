/* sprout parts: a plan documented in Markdown, one section per step (what
 * live-bootstrap writes by hand in parts.rst). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "build/cache.h"
#include "cli/cmd.h"
#include "trust/expect.h"
#include "build/plan.h"
#include "build/state.h"
#include "core/sha256.h"
#include "core/util.h"

/* At most this many names are listed for one directory; past it, counts. */
#define PARTS_NAMES 8

/* path with "x/../" and "./" removed, lexically (caller frees). */
static char *tidy_path(const char *path)
{
	struct strv parts = {0};
	int abs = path[0] == '/';
	char *copy = xstrdup(path);
	for (char *s = strtok(copy, "/"); s; s = strtok(NULL, "/")) {
		if (!strcmp(s, "."))
			continue;
		if (!strcmp(s, "..") && parts.n && strcmp(parts.v[parts.n - 1], "..")) {
			free(parts.v[--parts.n]);
			parts.v[parts.n] = NULL;
			continue;
		}
		strv_add(&parts, s);
	}
	struct buf b = {0};
	if (abs)
		buf_addc(&b, '/');
	for (size_t i = 0; i < parts.n; i++)
		buf_addf(&b, "%s%s", i ? "/" : "", parts.v[i]);
	if (!b.len)
		buf_addc(&b, '.');
	free(copy);
	strv_free(&parts);
	return buf_take(&b);
}

/* A GitHub-style heading anchor: lower case, [a-z0-9_-] kept. */
static void anchor(const char *s, struct buf *b)
{
	for (; *s; s++)
		if ((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '-' || *s == '_')
			buf_addc(b, *s);
		else if (*s >= 'A' && *s <= 'Z')
			buf_addc(b, *s - 'A' + 'a');
}

static void step_link(const struct step *s)
{
	struct buf a = {0};
	anchor(s->name, &a);
	printf("[%s](#%s)", s->name, a.s ? a.s : "");
	buf_free(&a);
}

/* What a patch says it does: its mail Subject:, else the first paragraph
 * of the text before the diff itself, on one line. Empty when none. */
static void patch_title(const char *path, char *out, size_t n)
{
	struct buf b = {0}, t = {0};
	out[0] = 0;
	if (file_read(path, &b))
		return;
	for (const char *p = b.s; p && *p;) {
		const char *e = strchr(p, '\n');
		size_t l = e ? (size_t)(e - p) : strlen(p);
		const char *s = p;
		p = e ? e + 1 : NULL;
		if (!strncmp(s, "--- ", 4) || !strncmp(s, "diff ", 5) || !strncmp(s, "Index: ", 7) ||
		    !strncmp(s, "+++ ", 4))
			break;
		if (!strncmp(s, "Subject: ", 9)) {
			const char *x = s + 9, *end = s + l;
			if (*x == '[' && memchr(x, ']', (size_t)(end - x)))
				x = (const char *)memchr(x, ']', (size_t)(end - x)) + 1;
			while (x < end && *x == ' ')
				x++;
			buf_free(&t);
			buf_add(&t, x, (size_t)(end - x));
			break;
		}
		if (!strncmp(s, "From ", 5) || !strncmp(s, "From: ", 6) || !strncmp(s, "Date: ", 6))
			continue;
		while (l && (*s == ' ' || *s == '\t' || *s == '#'))
			s++, l--;
		while (l && (s[l - 1] == ' ' || s[l - 1] == '\t' || s[l - 1] == '\r'))
			l--;
		if (!l) {
			if (t.len)
				break; /* the end of the first paragraph */
			continue;
		}
		if (t.len)
			buf_addc(&t, ' ');
		buf_add(&t, s, l);
	}
	if (t.len)
		snprintf(out, n, "%s", t.s);
	buf_free(&t);
	buf_free(&b);
}

static void fmt_size(long long b, char *out, size_t n)
{
	static const char *const units[] = {"KiB", "MiB", "GiB", "TiB"};
	double v = (double)b;
	int u = -1;
	if (b < 1024) {
		snprintf(out, n, "%lld bytes", b);
		return;
	}
	while (v >= 1024 && u < 3) {
		v /= 1024;
		u++;
	}
	snprintf(out, n, "%.1f %s", v, units[u]);
}

static void plural(struct buf *b, size_t n, const char *one, const char *many)
{
	buf_addf(b, "%s%zu %s", b->len ? ", " : "", n, n == 1 ? one : many);
}

/* What a manifest installs: totals, then each directory that holds files
 * or links, with their names when there are few. */
static void print_installs(const char *m, const char *digest, const char *from)
{
	size_t files = 0, dirs = 0, links = 0;
	long long bytes = 0;
	struct buf t = {0};
	/* one pass for the totals, one per directory (manifests are sorted,
	 * but a directory's entries are interleaved with its subdirectories') */
	struct strv dirnames = {0};
	for (const char *p = m; p && *p;) {
		const char *e = strchr(p, '\n');
		size_t l = e ? (size_t)(e - p) : strlen(p);
		char type = p[0];
		if (l > 2 && p[1] == ' ' && (type == 'f' || type == 'l' || type == 'd')) {
			char *line = xstrndup(p, l);
			char *w[6] = {0};
			int nw = 0;
			for (char *s = strtok(line, " "); s && nw < 6; s = strtok(NULL, " "))
				w[nw++] = s;
			if (nw >= 5) {
				if (type == 'd')
					dirs++;
				else {
					type == 'f' ? files++ : links++;
					if (type == 'f')
						bytes += atoll(w[2]);
					char *slash = strrchr(w[4], '/');
					char *dn = slash ? xstrndup(w[4], (size_t)(slash - w[4] + 1)) : xstrdup("");
					int seen = 0;
					for (size_t k = 0; k < dirnames.n && !seen; k++)
						seen = !strcmp(dirnames.v[k], dn);
					if (!seen)
						strv_add(&dirnames, dn);
					free(dn);
				}
			}
			free(line);
		}
		p = e ? e + 1 : NULL;
	}
	char sz[32];
	fmt_size(bytes, sz, sizeof sz);
	plural(&t, files, "file", "files");
	buf_addf(&t, " (%s)", sz);
	if (links)
		plural(&t, links, "link", "links");
	if (dirs)
		plural(&t, dirs, "directory", "directories");
	printf("%s: %s; digest `%s`.\n\n", from, t.s, digest);
	buf_free(&t);
	for (size_t k = 0; k < dirnames.n; k++) {
		const char *dn = dirnames.v[k];
		size_t dl = strlen(dn), nf = 0, nl = 0;
		struct buf names = {0}, progs = {0};
		for (const char *p = m; p && *p;) {
			const char *e = strchr(p, '\n');
			size_t l = e ? (size_t)(e - p) : strlen(p);
			char *line = xstrndup(p, l);
			char *w[6] = {0};
			int nw = 0;
			for (char *s = strtok(line, " "); s && nw < 6; s = strtok(NULL, " "))
				w[nw++] = s;
			if (nw >= 5 && (w[0][0] == 'f' || w[0][0] == 'l') && !strncmp(w[4], dn, dl) &&
			    !strchr(w[4] + dl, '/')) {
				w[0][0] == 'f' ? nf++ : nl++;
				if (w[0][0] == 'f' && nf <= PARTS_NAMES)
					buf_addf(&progs, "%s`%s`", progs.len ? ", " : "", w[4] + dl);
				if (nf + nl <= PARTS_NAMES)
					buf_addf(&names, "%s`%s`%s%s%s", names.len ? ", " : "", w[4] + dl,
						 w[0][0] == 'l' ? " (link to `" : "", w[0][0] == 'l' && nw > 5 ? w[5] : "",
						 w[0][0] == 'l' ? "`)" : "");
			}
			free(line);
			p = e ? e + 1 : NULL;
		}
		printf("- `%s`: ", dl ? dn : "./");
		if (nf + nl <= PARTS_NAMES) {
			printf("%s\n", names.s);
		} else if (nf && nf <= PARTS_NAMES) {
			/* a few programs and many links to them (busybox) */
			printf("%s and %zu link%s\n", progs.s, nl, nl == 1 ? "" : "s");
		} else {
			struct buf c = {0};
			if (nf)
				plural(&c, nf, "file", "files");
			if (nl)
				plural(&c, nl, "link", "links");
			printf("%s\n", c.s);
			buf_free(&c);
		}
		buf_free(&names);
		buf_free(&progs);
	}
	strv_free(&dirnames);
}

/* The manifest to describe step i, and where it came from. */
static char *find_manifest(const struct ctx *c, const struct plan *p, const char *arch, int i, const char *key,
			   const char *recorded, const char *recpath, int only_recorded, char digest[65], struct buf *from)
{
	struct buf m = {0};
	if (!only_recorded) {
		char *mp = state_store(c->statedir, key, "manifest");
		int r = file_read(mp, &m);
		free(mp);
		if (!r) {
			cache_digest(c->statedir, key, digest);
			buf_adds(from, "Built (in the store)");
			return buf_take(&m);
		}
		char last[65];
		if (!state_last(c->statedir, p->name, arch, p->steps[i].name, last)) {
			mp = state_store(c->statedir, last, "manifest");
			r = file_read(mp, &m);
			free(mp);
			if (!r) {
				cache_digest(c->statedir, last, digest);
				buf_adds(from, "Last built (its inputs have changed since)");
			}
		}
		if (m.len)
			return buf_take(&m);
	}
	char *rm = recorded ? expect_manifest(recorded, p->steps[i].name, digest) : NULL;
	if (rm)
		buf_addf(from, "Recorded in `%s`", recpath);
	return rm;
}

/* A step's "Sources" and "Patches" sections. */
static void print_sources_patches(const struct recipe *r)
{
	printf("\n### Sources\n\n");
	if (!r->nsources)
		printf("None.\n");
	for (size_t n = 0; n < r->nsources; n++) {
		const struct source *src = &r->sources[n];
		char hex[65];
		sha256_hex(src->sha256, hex);
		printf("- `%s`, sha256 `%s`%s\n", src->file, hex, src->extract ? "" : " (copied, not unpacked)");
		for (size_t o = 0; o < src->norigins; o++) {
			const struct origin *og = &src->origins[o];
			if (og->kind == ORIGIN_URL)
				printf("  - <%s>\n", og->a);
			else if (og->kind == ORIGIN_DEBIAN)
				printf("  - Debian source package `%s`, version `%s`\n", og->a, og->b ? og->b : "");
			else if (!strncmp(og->a, "../", 3) && strchr(og->a + 3, '/'))  /* shared RECIPE PATH */
				printf("  - beside recipe `%.*s`: `%s`\n", (int)(strchr(og->a + 3, '/') - og->a - 3),
				       og->a + 3, strchr(og->a + 3, '/') + 1);
			else
				printf("  - beside the recipe: `%s`\n", og->a);
		}
	}
	printf("\n### Patches\n\n");
	if (!r->npatches)
		printf("None.\n");
	for (size_t n = 0; n < r->npatches; n++) {
		char title[512];
		char *pp = path_join(r->dir, r->patches[n].file);
		patch_title(pp, title, sizeof title);
		free(pp);
		printf("- `%s`%s%s\n", r->patches[n].file, title[0] ? ": " : "", title);
	}
}

int cmd_parts(struct ctx *c, int argc, char **argv)
{
	const char *plan_arg;
	int only_recorded = 0;
	const struct cmd_opt opts[] = {{"--recorded", &only_recorded, NULL}, {NULL, NULL, NULL}};
	struct plan *p;
	const char *arch;
	int rc = cmd_open_plan(c, argc, argv, opts, "PLAN [--recorded]", NULL, &plan_arg, &p, &arch);
	if (rc)
		return rc;
	char (*keys)[65] = xcalloc(p->nsteps + 1, sizeof *keys);
	cache_keys(p, arch, c->statedir, keys, NULL, NULL);
	char *recpath = xasprintf("%s/manifests.%s", p->dir, arch);
	char *recshow = tidy_path(recpath);
	struct buf recorded = {0};
	int have_recorded = !file_read(recpath, &recorded);

	printf("<!-- Written by `sprout%s%s parts%s %s`: edit the plan and its recipes, not this. -->\n\n",
	       c->arch ? " --arch " : "", c->arch ? c->arch : "", only_recorded ? " --recorded" : "", plan_arg);
	printf("# The parts of plan `%s`\n\n", p->name);
	if (p->description)
		printf("%s.\n\n", p->description);
	printf("For %s: %zu steps in %zu stage%s, in build order. What each installs comes from ", arch, p->nsteps,
	       p->nstages, p->nstages == 1 ? "" : "s");
	if (only_recorded)
		printf("the plan's `manifests.%s` (written by `sprout bootstrap --update-digests`).\n\n", arch);
	else
		printf("the last build in the state directory, else the plan's `manifests.%s`.\n\n", arch);
	printf("| # | step | recipe | version | license | stage |\n| --- | --- | --- | --- | --- | --- |\n");
	for (size_t k = 0; k < p->nsteps; k++) {
		const struct step *s = &p->steps[p->order[k]];
		printf("| %zu | ", k + 1);
		step_link(s);
		printf(" | %s | %s | %s | %s |\n", s->recipe->name, s->recipe->version, s->recipe->license,
		       p->stages[s->stage].name);
	}
	for (size_t k = 0; k < p->nsteps; k++) {
		int i = p->order[k];
		const struct step *s = &p->steps[i];
		const struct recipe *r = s->recipe;
		const struct stage *st = &p->stages[s->stage];
		char *rpath = tidy_path(r->path);
		printf("\n## %s\n\n", s->name);
		if (r->description)
			printf("- what it is: %s\n", r->description);
		printf("- recipe: `%s` %s (`%s`), build script `%s`\n", r->name, r->version, rpath, s->build_name);
		printf("- license: %s\n", r->license);
		printf("- stage: %s", st->name);
		if (st->rootfs >= 0)
			printf(", inside the root tree of %s", p->steps[st->rootfs].name);
		printf("\n- depends on: ");
		if (!s->ndeps)
			printf("nothing");
		for (size_t d = 0; d < s->ndeps; d++) {
			printf("%s", d ? ", " : "");
			step_link(&p->steps[s->deps[d]]);
		}
		printf("\n- needed by: ");
		int needed = 0;
		for (size_t kk = 0; kk < p->nsteps; kk++) {
			const struct step *o = &p->steps[p->order[kk]];
			for (size_t d = 0; d < o->ndeps; d++)
				if (o->deps[d] == i) {
					printf("%s", needed++ ? ", " : "");
					step_link(o);
				}
		}
		printf("%s\n", needed ? "" : "nothing");
		free(rpath);

		print_sources_patches(r);
		printf("\n### Installs\n\n");
		char digest[65] = "";
		struct buf from = {0};
		char *m = find_manifest(c, p, arch, i, keys[i], have_recorded ? recorded.s : NULL, recshow,
					only_recorded, digest, &from);
		if (m)
			print_installs(m, digest, from.s);
		else
			printf("%s.\n", only_recorded ? "Not recorded" : "Not built yet");
		free(m);
		buf_free(&from);
	}
	free(keys);
	free(recpath);
	free(recshow);
	buf_free(&recorded);
	plan_free(p);
	return CMD_EXIT_OK;
}
