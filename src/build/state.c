#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "build/state.h"
#include "core/util.h"

#define LAYOUT "sprout-state 2\n"

static const char *const rec_dir[] = {
	[STATE_LAST] = "last",
	[STATE_DURATION] = "durations",
	[STATE_LOG] = "logs",
	[STATE_BUILD] = "build",
};

char *state_path(const char *statedir, const char *name)
{
	return path_join(statedir, name);
}

char *state_store(const char *statedir, const char *key, const char *name)
{
	if (name)
		return xasprintf("%s/store/%s/%s", statedir, key, name);
	return xasprintf("%s/store/%s", statedir, key);
}

char *state_tmp(const char *statedir, const char *key)
{
	return xasprintf("%s/tmp/%s", statedir, key);
}

char *state_record_dir(const char *statedir, enum state_rec kind, const char *plan, const char *arch)
{
	return xasprintf("%s/%s/%s/%s", statedir, rec_dir[kind], plan, arch);
}

char *state_record(const char *statedir, enum state_rec kind, const char *plan, const char *arch, const char *step)
{
	return xasprintf("%s/%s/%s/%s/%s%s", statedir, rec_dir[kind], plan, arch, step,
			 kind == STATE_LOG ? ".log" : "");
}

static int is_key(const char *s, size_t n)
{
	if (n < 64)
		return 0;
	for (size_t i = 0; i < 64; i++)
		if (!strchr("0123456789abcdef", s[i]) || !s[i])
			return 0;
	return 1;
}

int state_last(const char *statedir, const char *plan, const char *arch, const char *step, char key[65])
{
	char *f = state_record(statedir, STATE_LAST, plan, arch, step);
	struct buf b = {0};
	int r = file_read(f, &b);
	if (!r && !is_key(b.s, b.len))
		r = -ENOENT;
	if (!r) {
		memcpy(key, b.s, 64);
		key[64] = 0;
	} else if (r != -ENOENT) {
		r = -ENOENT; /* ENOTDIR and the like: no record either */
	}
	buf_free(&b);
	free(f);
	return r;
}

int state_set_last(const char *statedir, const char *plan, const char *arch, const char *step, const char *key)
{
	char *d = state_record_dir(statedir, STATE_LAST, plan, arch);
	int r = mkdir_p(d, 0755);
	if (!r) {
		char *f = state_record(statedir, STATE_LAST, plan, arch, step);
		char line[66];
		memcpy(line, key, 64);
		line[64] = '\n';
		r = file_write_atomic(f, line, 65);
		free(f);
	}
	free(d);
	return r;
}

int state_upgrade(const char *statedir)
{
	char *lf = state_path(statedir, "layout");
	struct buf b = {0};
	int r = 0;
	if (!file_read(lf, &b) && b.len == strlen(LAYOUT) && !memcmp(b.s, LAYOUT, b.len))
		goto out;
	/* Layout 1 (no layout file): last/ARCH/STEP and the like. Its records
	 * cannot say which plan they belong to: they are set aside whole. */
	char *old = state_path(statedir, "old-records");
	for (size_t k = 0; k < sizeof rec_dir / sizeof rec_dir[0] && !r; k++) {
		char *from = state_path(statedir, rec_dir[k]);
		if (path_exists(from)) {
			char *to = path_join(old, rec_dir[k]);
			r = mkdir_p(old, 0755);
			if (!r) {
				rm_rf(to);
				if (rename(from, to) < 0)
					r = -errno;
			}
			free(to);
		}
		free(from);
	}
	free(old);
	if (!r)
		r = file_write_atomic(lf, LAYOUT, strlen(LAYOUT));
out:
	buf_free(&b);
	free(lf);
	return r;
}
