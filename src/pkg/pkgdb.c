/* The installed-package database:
 *
 *   sprout-db 1
 *   arch ARCH
 *   package SHA256 METALEN MANLEN      then the metadata and manifest bytes
 *   txn ID TIME WHAT...                then its changes:
 *   + NAME VERSION RELEASE SHA256
 *   - NAME VERSION RELEASE SHA256
 *   end
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "pkg/pkgdb.h"
#include "core/sha256.h"

void pkgdb_pkg_free(struct pkgdb_pkg *p)
{
	if (!p)
		return;
	pkg_meta_free(&p->meta);
	pkg_manifest_free(&p->man);
	free(p->meta_text);
	free(p->man_text);
	free(p);
}

int pkgdb_pkg_new(const char *meta, size_t ml, const char *man, size_t nl, const unsigned char sha256[32],
		  struct pkgdb_pkg **out)
{
	return pkgdb_pkg_new_parsed(meta, ml, man, nl, NULL, sha256, out);
}

int pkgdb_pkg_new_parsed(const char *meta, size_t ml, const char *man, size_t nl, const struct pkg_manifest *parsed,
			 const unsigned char sha256[32], struct pkgdb_pkg **out)
{
	struct pkgdb_pkg *p = xcalloc(1, sizeof *p);
	int r = pkg_meta_parse(meta, ml, &p->meta);
	if (!r && parsed) {
		pkg_manifest_copy(parsed, &p->man);
	} else if (!r) {
		r = pkg_manifest_parse(man, nl, &p->man);
		if (r)
			r = pkg_errwrap(r, "package %s", p->meta.name);
	}
	if (r) {
		pkgdb_pkg_free(p);
		return r;
	}
	p->meta_text = xstrndup(meta, ml);
	p->meta_len = ml;
	p->man_text = xstrndup(man, nl);
	p->man_len = nl;
	memcpy(p->sha256, sha256, 32);
	*out = p;
	return 0;
}

int pkgdb_find(const struct pkgdb *db, const char *name)
{
	size_t lo = 0, hi = db->n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strcmp(db->p[mid]->meta.name, name);
		if (!c)
			return (int)mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

void pkgdb_add(struct pkgdb *db, struct pkgdb_pkg *p)
{
	size_t i = db->n;
	db->p = xrealloc(db->p, (db->n + 1) * sizeof *db->p);
	while (i > 0 && strcmp(db->p[i - 1]->meta.name, p->meta.name) > 0) {
		db->p[i] = db->p[i - 1];
		i--;
	}
	db->p[i] = p;
	db->n++;
}

void pkgdb_changes_free(struct pkgdb_change *c, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(c[i].name);
		free(c[i].version);
		free(c[i].release);
	}
	free(c);
}

void pkgdb_free(struct pkgdb *db)
{
	if (!db->borrowed)
		for (size_t i = 0; i < db->n; i++)
			pkgdb_pkg_free(db->p[i]);
	free(db->p);
	for (size_t i = 0; i < db->nt; i++) {
		free(db->t[i].what);
		pkgdb_changes_free(db->t[i].c, db->t[i].n);
	}
	free(db->t);
	free(db->arch);
	memset(db, 0, sizeof *db);
}

void pkgdb_format(const struct pkgdb *db, struct buf *out)
{
	char hex[65];
	buf_adds(out, "sprout-db 1\n");
	if (db->arch)
		buf_addf(out, "arch %s\n", db->arch);
	for (size_t i = 0; i < db->n; i++) {
		const struct pkgdb_pkg *p = db->p[i];
		sha256_hex(p->sha256, hex);
		buf_addf(out, "package %s %zu %zu\n", hex, p->meta_len, p->man_len);
		buf_add(out, p->meta_text, p->meta_len);
		buf_add(out, p->man_text, p->man_len);
	}
	for (size_t i = 0; i < db->nt; i++) {
		const struct pkgdb_txn *t = &db->t[i];
		buf_addf(out, "txn %lu %lld %s\n", t->id, t->time, t->what);
		for (size_t j = 0; j < t->n; j++) {
			sha256_hex(t->c[j].sha256, hex);
			buf_addf(out, "%c %s %s %s %s\n", t->c[j].op, t->c[j].name, t->c[j].version, t->c[j].release, hex);
		}
	}
	buf_adds(out, "end\n");
}

static int bad(int line, const char *what)
{
	return errf(-SPROUT_ERR_FORMAT, "database line %d: %s", line, what);
}

/* Split a line at single spaces into at most max words; the count, or
 * max + 1 when there are more (the words past max - 1 are then left
 * whole in w[max - 1], never cut off). */
static int words(char *s, char **w, int max)
{
	int n = 0;
	for (;;) {
		w[n++] = s;
		char *sp = strchr(s, ' ');
		if (!sp)
			return n;
		if (n == max)
			return max + 1;
		*sp = 0;
		s = sp + 1;
	}
}

int pkgdb_parse(const char *text, size_t n, struct pkgdb *db)
{
	const char *p = text, *end = text + n;
	int line = 0, r = -SPROUT_ERR_FORMAT, ended = 0;
	memset(db, 0, sizeof *db);
	while (p < end && !ended) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		line++;
		if (!nl || nl - p > PKGDB_LINE_MAX) {
			r = bad(line, "truncated or overlong line");
			goto out;
		}
		char *l = xstrndup(p, (size_t)(nl - p)), *w[6];
		p = nl + 1;
		int first = line == 1 && !strcmp(l, "sprout-db 1");
		/* A transaction's line ends in its description, which has spaces. */
		int nw = words(l, w, !strncmp(l, "txn ", 4) ? 4 : 6);
		if (line == 1) {
			r = first ? 0 : bad(line, "not a sprout database");
		} else if (!strcmp(w[0], "arch") && nw == 2 && !db->arch && db->n == 0 && pkg_name_ok(w[1], strlen(w[1]))) {
			db->arch = xstrdup(w[1]);
			r = 0;
		} else if (!strcmp(w[0], "package") && nw == 4 && !db->nt) {
			unsigned char sha[32];
			unsigned long long ml = strtoull(w[2], NULL, 10), mnl = strtoull(w[3], NULL, 10);
			struct pkgdb_pkg *pk;
			if (sha256_unhex(w[1], strlen(w[1]), sha) || ml > PKG_META_MAX || mnl > PKG_MANIFEST_MAX ||
			    ml + mnl > (unsigned long long)(end - p)) {
				r = bad(line, "bad package line");
			} else if (!(r = pkgdb_pkg_new(p, (size_t)ml, p + ml, (size_t)mnl, sha, &pk))) {
				if (db->n && strcmp(db->p[db->n - 1]->meta.name, pk->meta.name) >= 0) {
					pkgdb_pkg_free(pk);
					r = bad(line, "packages out of order");
				} else {
					pkgdb_add(db, pk);
				}
				for (const char *q = p; q < p + ml + mnl; q++)
					line += *q == '\n';
				p += ml + mnl;
			} else {
				r = pkg_errwrap(r, "database line %d", line);
			}
		} else if (!strcmp(w[0], "txn") && nw >= 3) {
			struct pkgdb_txn t = {0};
			const char *what = nw > 3 ? w[3] : "";      /* the rest of the line, whole */
			t.id = strtoul(w[1], NULL, 10);
			t.time = strtoll(w[2], NULL, 10);
			t.what = xstrdup(what);
			if (!t.id || (db->nt && t.id <= db->t[db->nt - 1].id)) {
				free(t.what);
				r = bad(line, "bad transaction id");
			} else {
				db->t = xrealloc(db->t, (db->nt + 1) * sizeof *db->t);
				db->t[db->nt++] = t;
				r = 0;
			}
		} else if ((!strcmp(w[0], "+") || !strcmp(w[0], "-")) && nw == 5 && db->nt) {
			struct pkgdb_txn *t = &db->t[db->nt - 1];
			struct pkgdb_change c;
			c.op = w[0][0];
			if (sha256_unhex(w[4], strlen(w[4]), c.sha256)) {
				r = bad(line, "bad change line");
			} else {
				c.name = xstrdup(w[1]);
				c.version = xstrdup(w[2]);
				c.release = xstrdup(w[3]);
				t->c = xrealloc(t->c, (t->n + 1) * sizeof *t->c);
				t->c[t->n++] = c;
				r = 0;
			}
		} else if (!strcmp(l, "end")) {
			ended = 1;
			r = 0;
		} else {
			r = bad(line, "unexpected line");
		}
		free(l);
		if (r)
			goto out;
	}
	if (!ended || p != end) {
		r = bad(line, "no 'end' line, or something after it");
		goto out;
	}
	return 0;
out:
	pkgdb_free(db);
	return r;
}

static int change_cmp(const void *a, const void *b)
{
	return strcmp(((const struct pkgdb_change *)a)->name, ((const struct pkgdb_change *)b)->name);
}

int pkgdb_state_at(const struct pkgdb *db, unsigned long id, struct pkgdb_change **out, size_t *n)
{
	struct pkgdb_change *s = NULL;
	size_t ns = 0, i;
	int found = id == 0;
	for (i = 0; i < db->nt && db->t[i].id <= id; i++) {
		const struct pkgdb_txn *t = &db->t[i];
		found |= t->id == id;
		for (size_t j = 0; j < t->n; j++) {
			const struct pkgdb_change *c = &t->c[j];
			size_t k = 0;
			while (k < ns && strcmp(s[k].name, c->name))
				k++;
			if (c->op == '-') {
				if (k < ns && !memcmp(s[k].sha256, c->sha256, 32)) {
					free(s[k].name);
					free(s[k].version);
					free(s[k].release);
					s[k] = s[--ns];
				}
				continue;
			}
			if (k == ns) {
				s = xrealloc(s, (ns + 1) * sizeof *s);
				ns++;
			} else {
				free(s[k].name);
				free(s[k].version);
				free(s[k].release);
			}
			s[k] = *c;
			s[k].name = xstrdup(c->name);
			s[k].version = xstrdup(c->version);
			s[k].release = xstrdup(c->release);
		}
	}
	if (!found) {
		pkgdb_changes_free(s, ns);
		return errf(-SPROUT_ERR_NOTFOUND, "there is no transaction %lu (see sprout pkg history)", id);
	}
	if (ns > 1)
		qsort(s, ns, sizeof *s, change_cmp);
	*out = s;
	*n = ns;
	return 0;
}

/* ---- path map: open addressing over FNV-1a ---- */

struct pkgdb_map {
	struct pkgdb_owner **slot;
	size_t cap, used;
};

static size_t hash(const char *s)
{
	size_t h = 1469598103934665603ULL & (size_t)-1;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * (size_t)1099511628211ULL;
	return h;
}

struct pkgdb_map *pkgdb_map_new(size_t hint)
{
	struct pkgdb_map *m = xcalloc(1, sizeof *m);
	m->cap = 64;
	while (m->cap < 2 * hint + 1)
		m->cap *= 2;
	m->slot = xcalloc(m->cap, sizeof *m->slot);
	return m;
}

static size_t find_slot(struct pkgdb_owner **slot, size_t cap, const char *path)
{
	size_t i = hash(path) & (cap - 1);
	while (slot[i] && strcmp(slot[i]->e->path, path))
		i = (i + 1) & (cap - 1);
	return i;
}

void pkgdb_map_add(struct pkgdb_map *m, struct pkgdb_pkg *p, const struct pkg_entry *e, int tag)
{
	if (2 * (m->used + 1) > m->cap) {
		size_t nc = m->cap * 2;
		struct pkgdb_owner **ns = xcalloc(nc, sizeof *ns);
		for (size_t i = 0; i < m->cap; i++)
			if (m->slot[i])
				ns[find_slot(ns, nc, m->slot[i]->e->path)] = m->slot[i];
		free(m->slot);
		m->slot = ns;
		m->cap = nc;
	}
	struct pkgdb_owner *o = xmalloc(sizeof *o);
	o->pkg = p;
	o->e = e;
	o->tag = tag;
	size_t i = find_slot(m->slot, m->cap, e->path);
	o->next = m->slot[i];
	if (!m->slot[i])
		m->used++;
	m->slot[i] = o;
}

struct pkgdb_owner *pkgdb_map_get(const struct pkgdb_map *m, const char *path)
{
	return m->slot[find_slot(m->slot, m->cap, path)];
}

void pkgdb_map_free(struct pkgdb_map *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->cap; i++)
		for (struct pkgdb_owner *o = m->slot[i], *nx; o; o = nx) {
			nx = o->next;
			free(o);
		}
	free(m->slot);
	free(m);
}
