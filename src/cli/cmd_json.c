/* --json output: one JSON document on stdout per command (schemas in
 * docs/cli.md, "Machine-readable output"), written with core/json. */
#include <stdio.h>
#include <string.h>

#include "build/runrec.h"
#include "cli/cmd.h"
#include "core/json.h"
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
	size_t n[5] = {0};
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
		if (s->start >= 0 && s->end >= 0)
			json_number(&j, "seconds", s->end - s->start, 3);
		else
			json_null(&j, "seconds");
		if (s->size >= 0)
			json_int(&j, "size", s->size);
		else
			json_null(&j, "size");
		json_string(&j, "digest", s->digest[0] ? s->digest : NULL);
		json_object_end(&j);
	}
	json_array_end(&j);
	json_object_end(&j);
	cmd_json_print(&b);
}
