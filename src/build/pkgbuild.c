/* Packages from trees: a step's output in the store (split into
 * subpackages by the recipe's globs), or any directory. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "build/audit.h"
#include "build/cache.h"
#include "core/err.h"
#include "build/manifest.h"
#include "build/pkgbuild.h"
#include "build/state.h"

static void entry_copy(struct pkg_manifest *m, const struct pkg_entry *e)
{
	m->e = xrealloc(m->e, (m->n + 1) * sizeof *m->e);
	struct pkg_entry *c = &m->e[m->n++];
	*c = *e;
	c->path = xstrdup(e->path);
	c->target = e->target ? xstrdup(e->target) : NULL;
}

static int entry_cmp(const void *a, const void *b)
{
	return strcmp(((const struct pkg_entry *)a)->path, ((const struct pkg_entry *)b)->path);
}

static int has_path(const struct pkg_manifest *m, const char *path)
{
	for (size_t i = 0; i < m->n; i++)
		if (!strcmp(m->e[i].path, path))
			return 1;
	return 0;
}

/* Split all into main (what no glob of sub matches) and part (what one
 * does, with the directories above it). */
static void split(const struct pkg_manifest *all, const struct subpackage *sub, struct pkg_manifest *main,
		  struct pkg_manifest *part)
{
	struct pkg_manifest rest = {0};
	for (size_t i = 0; i < all->n; i++) {
		const struct pkg_entry *e = &all->e[i];
		int hit = 0;
		for (size_t g = 0; g < sub->nglobs && !hit; g++)
			hit = audit_glob_match(sub->globs[g], e->path);
		entry_copy(hit ? part : &rest, e);
	}
	/* The directories above the part's entries come along. */
	size_t n = part->n;
	for (size_t i = 0; i < n; i++) {
		char *p = xstrdup(part->e[i].path), *s;
		while ((s = strrchr(p, '/'))) {
			*s = 0;
			if (has_path(part, p))
				continue;
			for (size_t k = 0; k < all->n; k++)
				if (!strcmp(all->e[k].path, p)) {
					entry_copy(part, &all->e[k]);
					break;
				}
		}
		free(p);
	}
	if (part->n > 1)
		qsort(part->e, part->n, sizeof *part->e, entry_cmp);
	*main = rest;
}

static void add_atoms(struct pkg_dep **v, size_t *n, char **atoms, size_t na)
{
	for (size_t i = 0; i < na; i++) {
		struct pkg_dep d;
		if (pkg_dep_parse(atoms[i], strlen(atoms[i]), &d))
			continue;       /* the recipe parser checked them */
		*v = xrealloc(*v, (*n + 1) * sizeof **v);
		(*v)[(*n)++] = d;
	}
}

static int write_one(int dirfd, const char *outdir, const struct pkg_meta *m, const struct pkg_manifest *man,
		     enum pkg_comp comp, struct buf *done)
{
	char *file = pkgfile_name(m), *path = path_join(outdir, file);
	int r = pkgfile_write(path, dirfd, m, man, comp);
	if (!r)
		buf_addf(done, "%s\n", file);
	free(file);
	free(path);
	return r;
}

int pkgbuild_no_step_key;

int pkgbuild_step(const char *statedir, const struct plan *p, int i, const char *arch, const char *key,
		  const char *name, enum pkg_comp comp, const char *outdir, struct buf *done)
{
	const struct step *s = &p->steps[i];
	const struct recipe *rc = s->recipe;
	char *dir = state_store(statedir, key, NULL), *mp = path_join(dir, "manifest"), *op = path_join(dir, "out");
	struct buf mt = {0};
	struct pkg_manifest all = {0}, main = {0};
	struct pkg_meta m;
	char digest[65];
	int dfd = -1, r = -EIO;
	memset(&m, 0, sizeof m);
	r = file_read(mp, &mt);
	if (r) {
		r = errf(r, "step %s: %s: %s (is it built?)", s->name, mp, err_str(r));
		goto out;
	}
	r = pkg_manifest_parse(mt.s, mt.len, &all);
	if (r) {
		r = pkg_errwrap(r, "step %s: its output cannot be packaged", s->name);
		goto out;
	}
	manifest_digest(&mt, digest);
	dfd = open(op, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0) {
		r = errf(-errno, "%s: %s", op, strerror(errno));
		goto out;
	}
	m.name = xstrdup(name);
	m.version = xstrdup(rc->version);
	m.release = xstrdup(rc->pkg.release ? rc->pkg.release : "1");
	m.arch = xstrdup(arch);
	m.license = xstrdup(rc->license);
	m.description = rc->description ? xstrdup(rc->description) : NULL;
	m.step_key = pkgbuild_no_step_key ? NULL : xstrdup(key);
	m.build_digest = xstrdup(digest);
	add_atoms(&m.depends, &m.ndepends, rc->pkg.depends, rc->pkg.ndepends);
	add_atoms(&m.provides, &m.nprovides, rc->pkg.provides, rc->pkg.nprovides);
	add_atoms(&m.conflicts, &m.nconflicts, rc->pkg.conflicts, rc->pkg.nconflicts);
	if (!pkg_version_ok(m.version, strlen(m.version))) {
		r = errf(-SPROUT_ERR_USAGE, "recipe %s: version '%s' cannot be a package version (letters, digits and . _ + ~)",
			 rc->name, m.version);
		goto out;
	}
	main = all;
	memset(&all, 0, sizeof all);
	for (size_t k = 0; k < rc->pkg.nsubs; k++) {
		const struct subpackage *sub = &rc->pkg.subs[k];
		struct pkg_manifest part = {0}, rest;
		struct pkg_meta sm;
		split(&main, sub, &rest, &part);
		pkg_manifest_free(&main);
		main = rest;
		if (!part.n) {
			buf_addf(done, "%s-%s: nothing matched, not written\n", name, sub->suffix);
			continue;
		}
		memset(&sm, 0, sizeof sm);
		sm = m;
		sm.name = xasprintf("%s-%s", name, sub->suffix);
		sm.description = xasprintf("%s (%s)", m.description ? m.description : name, sub->suffix);
		sm.depends = xcalloc(1, sizeof *sm.depends);
		sm.depends[0].name = xstrdup(name);
		sm.depends[0].op = PKG_OP_EQ;
		sm.depends[0].version = xasprintf("%s-%s", m.version, m.release);
		sm.ndepends = 1;
		sm.provides = sm.conflicts = NULL;
		sm.nprovides = sm.nconflicts = 0;
		r = write_one(dfd, outdir, &sm, &part, comp, done);
		pkg_manifest_free(&part);
		free(sm.name);
		free(sm.description);
		pkg_dep_free(&sm.depends[0]);
		free(sm.depends);
		if (r)
			goto out;
	}
	r = write_one(dfd, outdir, &m, &main, comp, done);
out:
	if (dfd >= 0)
		close(dfd);
	pkg_meta_free(&m);
	pkg_manifest_free(&all);
	pkg_manifest_free(&main);
	buf_free(&mt);
	free(dir);
	free(mp);
	free(op);
	return r;
}

int pkgbuild_tree(const char *dir, struct pkg_meta *m, enum pkg_comp comp, const char *out)
{
	struct buf mt = {0};
	struct pkg_manifest man = {0};
	char digest[65];
	int r = manifest_build(dir, &mt);
	if (r) {
		r = pkg_errwrap(r, "%s", dir);
		goto out;
	}
	r = pkg_manifest_parse(mt.s, mt.len, &man);
	if (r) {
		r = pkg_errwrap(r, "%s cannot be packaged", dir);
		goto out;
	}
	manifest_digest(&mt, digest);
	free(m->build_digest);
	m->build_digest = xstrdup(digest);
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0) {
		r = errf(-errno, "%s: %s", dir, strerror(errno));
		goto out;
	}
	r = pkgfile_write(out, dfd, m, &man, comp);
	close(dfd);
out:
	pkg_manifest_free(&man);
	buf_free(&mt);
	return r;
}

/* Which steps pkgbuild_plan packages, into pick (p->nsteps + 1 slots). */
static int pick_steps(const struct plan *p, char **steps, size_t nsteps, int *pick, size_t *npick)
{
	*npick = 0;
	if (nsteps) {
		for (size_t k = 0; k < nsteps; k++) {
			int i = plan_step_index(p, steps[k]);
			if (i < 0)
				return errf(-SPROUT_ERR_NOTFOUND, "plan %s has no step '%s'", p->name, steps[k]);
			pick[(*npick)++] = i;
		}
	} else if (p->final && plan_step_index(p, p->final) >= 0) {
		/* What the final system is made of. */
		const struct step *f = &p->steps[plan_step_index(p, p->final)];
		for (size_t k = 0; k < f->ndeps; k++)
			if (f->deps[k] != p->stages[f->stage].rootfs)    /* the tree it runs in is not a part */
				pick[(*npick)++] = f->deps[k];
	} else {
		for (size_t i = 0; i < p->nsteps; i++)
			pick[(*npick)++] = (int)i;
	}
	for (size_t k = 0; k < *npick; k++) {
		const struct step *s = &p->steps[pick[k]];
		for (size_t l = 0; l < k; l++)
			if (!strcmp(p->steps[pick[l]].recipe->name, s->recipe->name))
				return errf(-SPROUT_ERR_USAGE, "steps %s and %s would both make the package %s; name the one to package",
					    p->steps[pick[l]].name, s->name, s->recipe->name);
	}
	return 0;
}

int pkgbuild_plan(const char *statedir, const struct plan *p, const char *arch, char **steps, size_t nsteps,
		  const char *outdir, const struct pkgbuild_opts *o)
{
	char (*keys)[65] = xcalloc(p->nsteps + 1, sizeof *keys);
	int *pick = xcalloc(p->nsteps + 1, sizeof *pick);
	size_t npick = 0;
	struct buf done = {0};
	int saved = pkgbuild_no_step_key;
	int r = pick_steps(p, steps, nsteps, pick, &npick);
	if (r)
		goto out;
	cache_keys(p, arch, statedir, keys, NULL, NULL);
	for (size_t k = 0; k < npick; k++) {
		const struct step *s = &p->steps[pick[k]];
		if (!cache_has(statedir, keys[pick[k]])) {
			/* the caller says how to build it (with its --state) */
			r = errf(-ENOENT, "step %s is not built for %s", s->name, arch);
			goto out;
		}
	}
	r = mkdir_p(outdir, 0755);
	if (r) {
		r = errf(r, "%s: %s", outdir, err_str(r));
		goto out;
	}
	pkgbuild_no_step_key = o->no_step_key;
	for (size_t k = 0; k < npick && !r; k++) {
		const struct step *s = &p->steps[pick[k]];
		err_clear();
		done.len = 0;
		r = pkgbuild_step(statedir, p, pick[k], arch, keys[pick[k]], s->recipe->name, o->comp, outdir, &done);
		if (done.len && o->note)
			for (char *line = strtok(done.s, "\n"); line; line = strtok(NULL, "\n"))
				o->note(o->ud, s->name, line);
	}
out:
	pkgbuild_no_step_key = saved;
	buf_free(&done);
	free(keys);
	free(pick);
	return r;
}
