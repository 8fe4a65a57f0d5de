/* --json output: one JSON document on stdout per command (schemas in
 * docs/cli.md, "Machine-readable output"), written with core/json. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "build/runrec.h"
#include "cli/cmd.h"
#include "cli/cmd_pkg.h"
#include "core/json.h"
#include "core/sha256.h"
#include "core/util.h"

void cmd_json_print(struct buf *b)
{
	fwrite(b->s ? b->s : "", 1, b->len, stdout);
	fflush(stdout);
	buf_free(b);
}

void cmd_json_build(const struct ctx *c, const struct runrec *r, const char *result)
{
	struct buf b = {0};
	struct json j;
	size_t n[RUNREC_RESULTS] = {0};
	(void)c;
	for (size_t i = 0; i < r->nsteps; i++)
		n[r->steps[i].result]++;
	json_init(&j, &b);
	json_object_begin(&j, NULL);
	json_string(&j, "plan", r->plan);
	json_string(&j, "arch", r->arch);
	json_string(&j, "result", result);
	json_number(&j, "seconds", r->wall, 3);
	json_int(&j, "built", (long long)n[RUNREC_BUILT]);
	json_int(&j, "cached", (long long)n[RUNREC_CACHED]);
	json_int(&j, "failed", (long long)n[RUNREC_FAILED]);
	json_int(&j, "not_started", (long long)n[RUNREC_SKIPPED]);
	json_array_begin(&j, "steps");
	for (size_t i = 0; i < r->nsteps; i++) {
		const struct runrec_step *s = &r->steps[i];
		if (s->result == RUNREC_NONE)
			continue;
		json_object_begin(&j, NULL);
		json_string(&j, "name", s->name);
		json_string(&j, "stage", s->stage);
		json_string(&j, "result", runrec_result_name(s->result));
		json_number(&j, "seconds", s->start >= 0 && s->end >= 0 ? s->end - s->start : NAN, 3); /* NAN: null */
		json_int_or_null(&j, "size", s->size, s->size >= 0);
		json_string(&j, "digest", s->digest[0] ? s->digest : NULL);
		json_object_end(&j);
	}
	json_array_end(&j);
	json_object_end(&j);
	cmd_json_print(&b);
}

/* ---- pkg list, info, history ---- */

static void json_deps(struct json *j, const char *key, const struct pkg_dep *d, size_t n)
{
	json_array_begin(j, key);
	for (size_t i = 0; i < n; i++) {
		struct buf b = {0};
		pkg_dep_format(&d[i], &b);
		json_string(j, NULL, b.s);
		buf_free(&b);
	}
	json_array_end(j);
}

/* {"root": ROOT, "what": [ ... of pkg list and pkg history --json. */
static void root_doc_begin(struct json *j, struct buf *b, const char *root, const char *what)
{
	json_init(j, b);
	json_object_begin(j, NULL);
	json_string(j, "root", root);
	json_array_begin(j, what);
}

void cmd_json_pkg_list(const char *root, const struct pkgdb *db)
{
	struct buf b = {0};
	struct json j;
	root_doc_begin(&j, &b, root, "packages");
	for (size_t i = 0; i < db->n; i++) {
		const struct pkg_meta *m = &db->p[i]->meta;
		json_object_begin(&j, NULL);
		json_string(&j, "name", m->name);
		json_string(&j, "version", m->version);
		json_string(&j, "release", m->release);
		json_string(&j, "arch", m->arch);
		json_object_end(&j);
	}
	json_array_end(&j);
	json_object_end(&j);
	cmd_json_print(&b);
}

void cmd_json_pkg_info(const struct pkg_meta *m, const struct pkg_manifest *man, const unsigned char sha[32])
{
	struct buf b = {0};
	struct json j;
	size_t nf = 0, nd = 0, nl = 0;
	char hex[65];
	for (size_t i = 0; i < man->n; i++)
		nf += man->e[i].type == 'f', nd += man->e[i].type == 'd', nl += man->e[i].type == 'l';
	sha256_hex(sha, hex);
	json_init(&j, &b);
	json_object_begin(&j, NULL);
	json_string(&j, "name", m->name);
	json_string(&j, "version", m->version);
	json_string(&j, "release", m->release);
	json_string(&j, "arch", m->arch);
	json_string(&j, "license", m->license);
	json_string(&j, "description", m->description);
	json_deps(&j, "depends", m->depends, m->ndepends);
	json_deps(&j, "provides", m->provides, m->nprovides);
	json_deps(&j, "conflicts", m->conflicts, m->nconflicts);
	json_int(&j, "installed_size", (long long)m->installed_size);
	json_int(&j, "files", (long long)nf);
	json_int(&j, "links", (long long)nl);
	json_int(&j, "directories", (long long)nd);
	json_string(&j, "step_key", m->step_key);
	json_string(&j, "build_digest", m->build_digest);
	json_string(&j, "sha256", hex);
	json_object_end(&j);
	cmd_json_print(&b);
}

void cmd_json_pkg_history(const char *root, const struct pkgdb *db)
{
	struct buf b = {0};
	struct json j;
	root_doc_begin(&j, &b, root, "transactions");
	for (size_t i = 0; i < db->nt; i++) {
		const struct pkgdb_txn *t = &db->t[i];
		char when[32] = "";
		time_t tt = (time_t)t->time;
		struct tm tm;
		if (gmtime_r(&tt, &tm))
			strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
		json_object_begin(&j, NULL);
		json_int(&j, "id", (long long)t->id);
		json_int(&j, "time", t->time);
		json_string(&j, "date", when[0] ? when : NULL);
		json_string(&j, "what", t->what);
		json_array_begin(&j, "changes");
		for (size_t k = 0; k < t->n; k++) {
			char op[2] = {t->c[k].op, 0};
			json_object_begin(&j, NULL);
			json_string(&j, "op", op);
			json_string(&j, "name", t->c[k].name);
			json_string(&j, "version", t->c[k].version);
			json_string(&j, "release", t->c[k].release);
			json_object_end(&j);
		}
		json_array_end(&j);
		json_object_end(&j);
	}
	json_array_end(&j);
	json_object_end(&j);
	cmd_json_print(&b);
}
