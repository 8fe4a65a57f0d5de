/* sprout.conf: layers, precedence, paths relative to their file, errors
 * with file:line:col. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/config.h"
#include "core/err.h"
#include "tap.h"
#include "core/util.h"

static char dir[] = "/tmp/sprout-test-config.XXXXXX";

static char *conf(const char *name, const char *text)
{
	char *p = path_join(dir, name);
	file_write_atomic(p, text, strlen(text));
	return p;
}

static void bad(const char *text, const char *msg)
{
	struct config cf = {0};
	char *p = conf("bad.conf", text);
	err_clear();
	int r = config_load_file(&cf, p, CONFIG_FILE, 1);
	char want[512];
	snprintf(want, sizeof want, "%s:%s", p, msg);
	ok(r == -SPROUT_ERR_PARSE && !strcmp(err_msg(r), want), "error %s (got %s)", msg, r ? err_msg(r) : "success");
	config_free(&cf);
	free(p);
}

int main(void)
{
	if (!mkdtemp(dir))
		return 1;
	struct config cf = {0};
	char *sys = conf("sys.conf", "# system\njobs = 2\narch = aarch64\nmirror = http://a.example/\nmirror = /srv/m\n");
	char *user = conf("user.conf", "\n  jobs=3  \nstate = st\ndistfiles = ~/df\n");
	char *file = conf("c.conf", "mirror = https://c.example\n");
	char *none = path_join(dir, "none.conf");
	setenv("HOME", "/home/u", 1);
	ok(config_load_file(&cf, none, CONFIG_SYSTEM, 0) == 0, "a missing optional file is no error");
	ok(cf.nfiles == 1 && !cf.files[0].found, "  ... but is noted as not found");
	ok(config_load_file(&cf, sys, CONFIG_SYSTEM, 0) == 0, "system file");
	ok(!strcmp(config_get(&cf, "jobs"), "2"), "jobs from it");
	ok(config_load_file(&cf, user, CONFIG_USER, 0) == 0, "user file");
	const struct config_entry *e = config_find(&cf, "jobs");
	ok(e && !strcmp(e->value, "3") && e->src == CONFIG_USER && e->line == 2, "the user's jobs win, at line 2");
	ok(!strcmp(config_get(&cf, "arch"), "aarch64"), "the system's arch stays");
	char *st = path_join(dir, "st");
	ok(!strcmp(config_get(&cf, "state"), st), "a relative state is beside its file (%s)", config_get(&cf, "state"));
	ok(!strcmp(config_get(&cf, "distfiles"), "/home/u/df"), "~/ is $HOME");
	char **m = config_mirrors(&cf);
	ok(m[0] && !strcmp(m[0], "http://a.example/") && m[1] && !strcmp(m[1], "/srv/m") && !m[2],
	   "mirrors in order");
	free(m);
	ok(config_load_file(&cf, file, CONFIG_FILE, 1) == 0, "-c file");
	m = config_mirrors(&cf);
	ok(m[0] && !strcmp(m[0], "https://c.example") && !m[1], "its mirrors replace the lower files'");
	free(m);
	config_set(&cf, "jobs", "9", "jobs");
	config_set(&cf, "mirror", "/x", "mirror");
	config_set(&cf, "mirror", "/y", "mirror");
	e = config_find(&cf, "jobs");
	ok(e && !strcmp(e->value, "9") && e->src == CONFIG_CMDLINE, "the command line wins");
	m = config_mirrors(&cf);
	ok(m[0] && !strcmp(m[0], "/x") && m[1] && !strcmp(m[1], "/y") && !m[2], "command-line mirrors, in order");
	free(m);
	config_free(&cf);
	err_clear();
	ok(config_load_file(&cf, none, CONFIG_FILE, 1) == -2, "a missing -c file is an error");
	config_free(&cf);

	bad("jobs = 0\n", "1:8: jobs: expected a number >= 1, got '0'");
	bad("\n\nfoo = 1\n", "3:1: unknown key 'foo' (expected jobs, state, distfiles, mirror, arch, cache, cache-trust, cache-key, farm or farm-socket)");
	bad("jobs\n", "1:5: expected 'key = value'");
	bad("state =   \n", "1:11: state: expected a value after '='");
	bad("arch = x86_64 aarch64\n", "1:14: arch: expected one word");
	bad("arch = a\narch = b\n", "2:1: arch set twice (first at line 1)");
	bad("mirror = ftp://x/\n", "1:10: mirror: expected an http://, https:// or file:// URL or a directory, got 'ftp://x/'");
	bad("= 1\n", "1:1: expected 'key = value'");

	FREE_ALL(sys, user, file, none, st);
	if (rm_rf(dir))
		ok(0, "cleanup");
	return tap_done();
}
