/* sprout config: the effective settings and where each came from. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "build/session.h"
#include "cli/cmd.h"
#include "dist/farm.h"
#include "core/config.h"
#include "core/err.h"
#include "core/util.h"

static void origin(const struct config_entry *e, struct buf *out)
{
	if (!e)
		return;
	if (e->src == CONFIG_CMDLINE)
		buf_addf(out, "command line (--%s)", e->file);
	else
		buf_addf(out, "%s:%d", e->file, e->line);
}

static void show(const char *key, const char *value, const struct config_entry *e, const char *dflt)
{
	struct buf o = {0};
	if (e)
		origin(e, &o);
	else
		buf_addf(&o, "default (%s)", dflt);
	printf("%-9s = %-40s # %s\n", key, value, o.s);
	buf_free(&o);
}

/* A key that may be given more than once: each of its values in order,
 * or "-" and what none means. */
static void show_each(const struct config *cf, const char *key, const char *none)
{
	size_t n = 0;
	for (size_t i = 0; i < cf->n; i++)
		if (!strcmp(cf->v[i].key, key)) {
			show(key, cf->v[i].value, &cf->v[i], "");
			n++;
		}
	if (!n)
		show(key, "-", NULL, none);
}

int cmd_config(struct ctx *c, int argc, char **argv)
{
	if (argc > 1) {
		cmd_err("config: unexpected '%s' (usage: sprout config)", argv[1]);
		return CMD_EXIT_USAGE;
	}
	const struct config *cf = c->conf;
	printf("# sprout's effective settings (docs/config.md); later layers win:\n");
	for (size_t i = 0; i < cf->nfiles; i++) {
		const struct config_file *f = &cf->files[i];
		printf("#   %-12s %s%s%s%s\n", config_src_name(f->src), f->path, f->found ? "" : " (",
		       f->found ? "" : f->err == -ENOENT ? "not found" : err_str(f->err), f->found ? "" : ")");
	}
	printf("#   then the command line\n");
	char jobs[32];
	snprintf(jobs, sizeof jobs, "%d", c->jobs);
	show("jobs", jobs, config_find(cf, "jobs"), "the number of CPUs");
	show("state", c->statedir, config_find(cf, "state"), "$XDG_CACHE_HOME/sprout, else ~/.cache/sprout");
	struct session ss = cmd_session(c);
	char *dd = session_distdir(&ss);
	show("distfiles", dd, config_find(cf, "distfiles"), "STATE/distfiles");
	free(dd);
	show("arch", c->arch ? c->arch : "-", config_find(cf, "arch"), "each plan's default-arch");
	show_each(cf, "mirror", "none: each source's own origins only");
	show_each(cf, "cache", "none: every step is built here");
	const struct config_entry *ce = config_find(cf, "cache-trust");
	show("cache-trust", ce ? ce->value : "-", ce, "none: nothing is pulled");
	ce = config_find(cf, "cache-key");
	show("cache-key", ce ? ce->value : "-", ce, "none: cache push needs --key");
	ce = config_find(cf, "farm");
	show("farm", ce ? ce->value : "-", ce, "none: every compile here");
	ce = config_find(cf, "farm-socket");
	show("farm-socket", ce ? ce->value : FARM_SOCKET, ce, "the local iceccd's");
	return CMD_EXIT_OK;
}
