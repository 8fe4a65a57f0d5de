/* sprout cache push: outputs of the store into a shared step cache
 * (docs/cache.md, "The shared cache"). */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "build/cache.h"
#include "build/engine.h"
#include "build/plan.h"
#include "build/state.h"
#include "cli/cmd.h"
#include "core/err.h"
#include "core/util.h"
#include "dist/dist.h"
#include "dist/farm.h"

static void push_note(void *arg, enum dist_note kind, const char *url, const char *step, const char *msg)
{
	struct ctx *c = arg;
	struct buf b = {0};
	dist_note_text(kind, url, step, msg, &b);
	if (!c->quiet || kind == DIST_REFUSED || kind == DIST_GONE)
		fputs(b.s, stdout);
	buf_free(&b);
}

struct push_count {
	size_t pushed, present, missing, failed;
};

static void push_one(struct dist *d, const char *to, const char *key, const char *key_file,
		     const char *step, struct push_count *n)
{
	err_clear();
	int r = dist_push(d, to, key, step, key_file);
	if (r < 0) {
		cmd_err("cache push: %s: %s", step, err_msg(r));
		n->failed++;
	} else {
		*(r ? &n->present : &n->pushed) += 1;
	}
}

/* The steps of plan_arg whose outputs are in the store. */
static int push_plan(struct ctx *c, struct dist *d, const char *to, const char *key_file, const char *plan_arg,
		     struct push_count *n)
{
	struct plan *p;
	const char *arch;
	struct engine e;
	int rc = cmd_load_plan(c, plan_arg, &p, &arch);
	if (rc)
		return rc;
	engine_init(&e, p, arch, c->statedir);
	for (size_t k = 0; k < p->nsteps; k++) {
		int i = p->order[k];
		if (!e.digests[i][0])
			n->missing++;
		else
			push_one(d, to, e.keys[i], key_file, p->steps[i].name, n);
	}
	engine_free(&e);
	plan_free(p);
	return 0;
}

/* The step a stored output was made for: its inputs' "step NAME" line. */
static char *stored_step(const char *statedir, const char *key)
{
	char *ip = state_store(statedir, key, "inputs");
	struct buf b = {0};
	char *name = NULL;
	if (!file_read(ip, &b) && b.s) {
		const char *s = strstr(b.s, "\nstep ");
		if (s)
			name = xstrndup(s + 6, strcspn(s + 6, "\n"));
	}
	buf_free(&b);
	free(ip);
	return name ? name : xstrdup(key);
}

/* Every output in the store, by key. */
static int push_store(struct ctx *c, struct dist *d, const char *to, const char *key_file, struct push_count *n)
{
	char *sd = state_path(c->statedir, "store");
	struct strv keys = {0};
	if (dir_list(sd, NULL, &keys)) {
		cmd_err("cache push: %s: no store (nothing was built in this state directory)", sd);
		free(sd);
		return CMD_EXIT_FAIL;
	}
	for (size_t k = 0; k < keys.n; k++) {
		if (strlen(keys.v[k]) != 64 || !cache_has(c->statedir, keys.v[k]))
			continue;
		char *step = stored_step(c->statedir, keys.v[k]);
		push_one(d, to, keys.v[k], key_file, step, n);
		free(step);
	}
	strv_free(&keys);
	free(sd);
	return 0;
}

static int push(struct ctx *c, int argc, char **argv)
{
	const char *key_file = c->cache_key, *to = c->caches && c->caches[0] ? c->caches[0] : NULL, *plan_arg = NULL;
	for (int i = 2; i < argc; i++) {
		const char *a = argv[i];
		if ((!strcmp(a, "--key") || !strcmp(a, "--to")) && i + 1 < argc)
			*(a[2] == 'k' ? &key_file : &to) = argv[++i];
		else if (!strncmp(a, "--key=", 6))
			key_file = a + 6;
		else if (!strncmp(a, "--to=", 5))
			to = a + 5;
		else if (a[0] == '-' || plan_arg) {
			cmd_err("cache push: unexpected '%s' (usage: sprout cache push [--key KEY] [--to URL] [PLAN])", a);
			return CMD_EXIT_USAGE;
		} else
			plan_arg = a;
	}
	if (!to || (strncmp(to, "http://", 7) && strncmp(to, "https://", 8))) {
		cmd_err("cache push: %s%s%s", to ? "expected an http:// or https:// URL, got '" : "",
			to ? to : "no cache to upload to (--to URL, --cache URL or 'cache' in sprout.conf)", to ? "'" : "");
		return CMD_EXIT_USAGE;
	}
	if (!key_file) {
		cmd_err("cache push: no key to sign with (--key KEY or 'cache-key' in sprout.conf; sprout pkg keygen makes one)");
		return CMD_EXIT_USAGE;
	}
	struct dist d;
	struct push_count n = {0};
	dist_init(&d, c->statedir, NULL, NULL, 0);
	d.on_note = push_note;
	d.arg = c;
	int rc = plan_arg ? push_plan(c, &d, to, key_file, plan_arg, &n) : push_store(c, &d, to, key_file, &n);
	dist_free(&d);
	if (rc)
		return rc;
	if (!c->quiet && plan_arg)
		printf("cache push: %zu pushed, %zu already there, %zu failed, %zu not built\n", n.pushed, n.present,
		       n.failed, n.missing);
	else if (!c->quiet)
		printf("cache push: %zu pushed, %zu already there, %zu failed\n", n.pushed, n.present, n.failed);
	return n.failed ? CMD_EXIT_FAIL : CMD_EXIT_OK;
}

int cmd_cache(struct ctx *c, int argc, char **argv)
{
	if (argc < 2 || strcmp(argv[1], "push")) {
		cmd_err("cache: %s%s%s (usage: sprout cache push [--key KEY] [--to URL] [PLAN])",
			argc < 2 ? "expected a verb" : "unknown verb '", argc < 2 ? "" : argv[1], argc < 2 ? "" : "'");
		return CMD_EXIT_USAGE;
	}
	return push(c, argc, argv);
}
