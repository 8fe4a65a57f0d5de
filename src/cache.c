#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cache.h"
#include "err.h"
#include "sha256.h"

static int cmp_sets(const void *a, const void *b)
{
	return strcmp(((const struct setting *)a)->key, ((const struct setting *)b)->key);
}

void cache_inputs(const struct plan *p, int i, const char *arch, char (*keys)[65], struct buf *out)
{
	const struct step *s = &p->steps[i];
	const struct recipe *rc = s->recipe;
	char hex[65];
	buf_adds(out, "sprout-inputs 1\n");
	buf_addf(out, "step %s\n", s->name);
	sha256_hex(rc->sha256, hex);
	buf_addf(out, "recipe %s %s %s\n", rc->name, rc->version, hex);
	buf_addf(out, "build %s\n", s->build_name);
	buf_addf(out, "stage %s\n", p->stages[s->stage].name);
	buf_addf(out, "arch %s\n", arch);
	buf_addf(out, "host-arch %s\n", host_arch());
	struct setting *sets = xcalloc(p->nsets, sizeof *sets);
	if (p->nsets) {
		memcpy(sets, p->sets, p->nsets * sizeof *sets);
		qsort(sets, p->nsets, sizeof *sets, cmp_sets);
	}
	for (size_t k = 0; k < p->nsets; k++)
		buf_addf(out, "set %s %s\n", sets[k].key, sets[k].value);
	free(sets);
	for (size_t k = 0; k < rc->nsources; k++) {
		sha256_hex(rc->sources[k].sha256, hex);
		buf_addf(out, "source %s %s\n", rc->sources[k].file, hex);
	}
	for (size_t k = 0; k < rc->npatches; k++) {
		sha256_hex(rc->patches[k].sha256, hex);
		buf_addf(out, "patch %s %s\n", rc->patches[k].file, hex);
	}
	for (size_t k = 0; k < s->ndeps; k++)
		buf_addf(out, "dep %s %s\n", p->steps[s->deps[k]].name, keys[s->deps[k]]);
}

void cache_keys(const struct plan *p, const char *arch, char (*keys)[65], char **inputs)
{
	for (size_t n = 0; n < p->nsteps; n++) {
		int i = p->order[n];
		struct buf b = {0};
		unsigned char d[32];
		cache_inputs(p, i, arch, keys, &b);
		sha256_buf(b.s, b.len, d);
		sha256_hex(d, keys[i]);
		if (inputs)
			inputs[i] = buf_take(&b);
		else
			buf_free(&b);
	}
}

char *cache_dir(const char *statedir, const char *key)
{
	return xasprintf("%s/store/%s", statedir, key);
}

int cache_has(const char *statedir, const char *key)
{
	char *d = cache_dir(statedir, key);
	struct stat st;
	int r = stat(d, &st) == 0 && S_ISDIR(st.st_mode);
	free(d);
	return r;
}

int cache_digest(const char *statedir, const char *key, char hex[65])
{
	char *p = xasprintf("%s/store/%s/digest", statedir, key);
	struct buf b = {0};
	int r = file_read(p, &b);
	free(p);
	if (!r && (b.len < 64))
		r = -ERR_FORMAT;
	if (!r) {
		memcpy(hex, b.s, 64);
		hex[64] = 0;
	}
	buf_free(&b);
	return r;
}

/* The first word after the keyword of a line: "source x HASH" -> "x". */
static void describe(const char *line, size_t len, struct buf *why)
{
	const char *sp = memchr(line, ' ', len);
	size_t kl = sp ? (size_t)(sp - line) : len;
	const char *arg = sp ? sp + 1 : "";
	const char *e = sp ? memchr(arg, ' ', len - kl - 1) : NULL;
	size_t al = e ? (size_t)(e - arg) : (sp ? len - kl - 1 : 0);
	if (!strncmp(line, "recipe", kl) && kl == 6)
		buf_adds(why, "recipe changed");
	else if (kl == 3 && !strncmp(line, "dep", 3))
		buf_addf(why, "dependency %.*s changed", (int)al, arg);
	else if (kl == 3 && !strncmp(line, "set", 3))
		buf_addf(why, "setting %.*s changed", (int)al, arg);
	else
		buf_addf(why, "%.*s %.*s changed", (int)kl, line, (int)al, arg);
}

/* Lines of a not in b, reported as changes; keyed by their first two
 * words so that "source x OLD" vs "source x NEW" is one change. */
static void changed_lines(const char *a, const char *b, struct buf *why)
{
	const char *p = a;
	while (*p) {
		const char *e = strchr(p, '\n');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		int found = 0;
		for (const char *q = b; *q;) {
			const char *qe = strchr(q, '\n');
			size_t ql = qe ? (size_t)(qe - q) : strlen(q);
			if (ql == len && !memcmp(p, q, len)) {
				found = 1;
				break;
			}
			q += ql + (qe ? 1 : 0);
		}
		if (!found) {
			/* Was there a line with the same two first words? */
			const char *sp1 = memchr(p, ' ', len);
			const char *sp2 = sp1 ? memchr(sp1 + 1, ' ', len - (size_t)(sp1 + 1 - p)) : NULL;
			size_t kl = sp2 ? (size_t)(sp2 - p) : len;
			if (why->len)
				buf_adds(why, ", ");
			int old = 0;
			for (const char *q = b; *q;) {
				const char *qe = strchr(q, '\n');
				size_t ql = qe ? (size_t)(qe - q) : strlen(q);
				if (ql >= kl && !memcmp(p, q, kl) && (ql == kl || q[kl] == ' '))
					old = 1;
				q += ql + (qe ? 1 : 0);
			}
			if (old || !strncmp(p, "recipe ", 7))
				describe(p, len, why);
			else
				buf_addf(why, "new input: %.*s", (int)kl, p);
		}
		p += len + (e ? 1 : 0);
	}
}

void cache_why(const char *statedir, const char *arch, const struct plan *p, int i, const char *inputs,
	       struct buf *why)
{
	char *lp = xasprintf("%s/last/%s/%s", statedir, arch, p->steps[i].name);
	struct buf last = {0}, old = {0};
	if (file_read(lp, &last) || last.len < 64) {
		buf_adds(why, "never built");
		goto out;
	}
	last.s[64] = 0;
	char *ip = xasprintf("%s/store/%s/inputs", statedir, last.s);
	int r = file_read(ip, &old);
	free(ip);
	if (r) {
		buf_adds(why, "never built");
		goto out;
	}
	if (!strcmp(old.s, inputs)) {
		buf_adds(why, "output missing from the store");
		goto out;
	}
	changed_lines(inputs, old.s, why);
	if (!why->len)
		buf_adds(why, "inputs removed");
out:
	free(lp);
	buf_free(&last);
	buf_free(&old);
}

int cache_set_last(const char *statedir, const char *arch, const char *step, const char *key)
{
	char *d = xasprintf("%s/last/%s", statedir, arch);
	int r = mkdir_p(d, 0755);
	if (!r) {
		char *f = path_join(d, step);
		char line[66];
		memcpy(line, key, 64);
		line[64] = '\n';
		r = file_write_atomic(f, line, 65);
		free(f);
	}
	free(d);
	return r;
}
