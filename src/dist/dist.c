/* The shared step cache: entries on plain HTTP servers (PUT to store, GET
 * to read), addressed by step key, signed with a package signing key
 * (docs/cache.md, "The shared cache"). Nothing pulled is trusted before
 * its signature, its manifest's digest, its archive's hash and the
 * unpacked tree all check out. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "archive/tar.h"
#include "build/cache.h"
#include "build/manifest.h"
#include "build/state.h"
#include "core/err.h"
#include "core/sha256.h"
#include "core/sign.h"
#include "core/util.h"
#include "dist/dist.h"

#define DIST_TIMEOUT 20 /* seconds to connect, or without a byte, before a cache counts as gone */

void dist_init(struct dist *d, const char *statedir, char **urls, const char *trust, int timeout)
{
	memset(d, 0, sizeof *d);
	d->statedir = statedir;
	d->trust = trust;
	for (size_t k = 0; urls && urls[k]; k++)
		d->ncaches++;
	d->caches = xcalloc(d->ncaches + 1, sizeof *d->caches);
	for (size_t k = 0; k < d->ncaches; k++) {
		size_t n = strlen(urls[k]);
		while (n > 1 && urls[k][n - 1] == '/')
			n--;
		d->caches[k].url = xstrndup(urls[k], n);
	}
	const char *env = getenv("SPROUT_CACHE_TIMEOUT");
	if (timeout <= 0 && env)
		timeout = atoi(env);
	d->http.connect_timeout = timeout > 0 ? timeout : DIST_TIMEOUT;
	d->http.stall_time = timeout > 0 ? timeout : DIST_TIMEOUT;
	d->http.attempts = 1;
	d->http.logdir = NULL;
}

void dist_free(struct dist *d)
{
	for (size_t k = 0; k < d->ncaches; k++)
		free(d->caches[k].url);
	free(d->caches);
	memset(d, 0, sizeof *d);
}

static void note(struct dist *d, enum dist_note kind, const char *url, const char *step, const char *msg)
{
	if (d->on_note)
		d->on_note(d->arg, kind, url, step, msg);
}

/* ---- the entry ---- */

void dist_entry_format(const struct dist_entry *en, struct buf *out)
{
	buf_addf(out, "%s\nkey %s\nstep %s\ndigest %s\narchive %s %lld\n", DIST_ENTRY_VERSION, en->key, en->step,
		 en->digest, en->archive, en->size);
}

static int is_hex64(const char *s, size_t n)
{
	if (n != 64)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return 1;
}

/* The value of line "NAME VALUE" at *p into v (n bytes max), moving *p
 * past it. 0, or -1 when the line is not that. */
static int entry_line(const char **p, const char *end, const char *name, char *v, size_t n)
{
	size_t nl = strlen(name);
	const char *e = memchr(*p, '\n', (size_t)(end - *p));
	if (!e || (size_t)(e - *p) <= nl + 1 || strncmp(*p, name, nl) || (*p)[nl] != ' ')
		return -1;
	const char *s = *p + nl + 1;
	size_t len = (size_t)(e - s);
	if (len >= n)
		return -1;
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7e)
			return -1;
	memcpy(v, s, len);
	v[len] = 0;
	*p = e + 1;
	return 0;
}

int dist_entry_parse(const char *s, size_t n, struct dist_entry *en)
{
	const char *p = s, *end = s + n;
	char arch[128], *sp;
	size_t vl = strlen(DIST_ENTRY_VERSION);
	int line = 1;
	memset(en, 0, sizeof *en);
	if (n < vl + 1 || memcmp(s, DIST_ENTRY_VERSION "\n", vl + 1))
		return errf(SPROUT_ERR_FORMAT, "line 1: expected '%s'", DIST_ENTRY_VERSION);
	p += vl + 1;
	line++;
	if (entry_line(&p, end, "key", en->key, sizeof en->key) || !is_hex64(en->key, strlen(en->key)))
		goto bad;
	line++;
	if (entry_line(&p, end, "step", en->step, sizeof en->step) || strchr(en->step, ' '))
		goto bad;
	line++;
	if (entry_line(&p, end, "digest", en->digest, sizeof en->digest) ||
	    !is_hex64(en->digest, strlen(en->digest)))
		goto bad;
	line++;
	if (entry_line(&p, end, "archive", arch, sizeof arch) || !(sp = strchr(arch, ' ')) ||
	    !is_hex64(arch, (size_t)(sp - arch)))
		goto bad;
	char *e;
	errno = 0;
	en->size = strtoll(sp + 1, &e, 10);
	if (errno || *e || e == sp + 1 || sp[1] == '-' || sp[1] == '+' || en->size < 0)
		goto bad;
	memcpy(en->archive, arch, 64);
	en->archive[64] = 0;
	if (p != end)
		return errf(SPROUT_ERR_FORMAT, "line %d: unexpected text after the archive line", line + 1);
	return 0;
bad:
	return errf(SPROUT_ERR_FORMAT, "line %d: malformed (docs/cache.md)", line);
}

/* ---- pulling ---- */

/* A pull's temporary directory, STATE/tmp/pull-KEY (caller frees). */
static char *work_dir(struct dist *d, const char *what, const char *key)
{
	char *tmp = state_path(d->statedir, "tmp");
	char *w = xasprintf("%s/%s-%s", tmp, what, key);
	free(tmp);
	return w;
}

/* GET URL/KEY.SUFFIX into dir/SUFFIX-named file path (caller frees *path). */
static int get(struct dist *d, struct dist_cache *c, const char *key, const char *suffix, const char *dir,
	       char **path, struct buf *why)
{
	char *url = xasprintf("%s/%s.%s", c->url, key, suffix);
	*path = xasprintf("%s/%s", dir, suffix);
	int r = http_get(&d->http, url, *path, why);
	free(url);
	return r;
}

/* Check the sha256 of the file at path against the signed hex: 0, or
 * -SPROUT_ERR_HASH, with why saying "WHAT GOT, not the signed HEX" when
 * the file could be read. */
static int file_is(const char *path, const char *hex, const char *what, struct buf *why)
{
	unsigned char dg[32];
	char got[65];
	if (sha256_file(path, dg))
		return -SPROUT_ERR_HASH;
	sha256_hex(dg, got);
	if (!strcmp(got, hex))
		return 0;
	buf_addf(why, "%s %.12s, not the signed %.12s", what, got, hex);
	return -SPROUT_ERR_HASH;
}

/* The entry and its signature, checked. 0, SPROUT_ERR_NOTFOUND (no entry,
 * quietly), or a code with why set: refused (SPROUT_ERR_HASH, _FORMAT),
 * or the cache failed (anything else). */
static int pull_entry(struct dist *d, struct dist_cache *c, const char *key, const char *dir,
		      struct dist_entry *en, struct buf *why)
{
	char *ep = NULL, *sp = NULL, id[17] = "";
	struct buf eb = {0}, sb = {0};
	int r = get(d, c, key, "entry", dir, &ep, why);
	if (r)
		goto out;
	r = get(d, c, key, "entry.sig", dir, &sp, why);
	if (r == -SPROUT_ERR_NOTFOUND) {
		why->len = 0;
		buf_addf(why, "not signed (%s/%s.entry.sig is missing)", c->url, key);
		r = -SPROUT_ERR_HASH;
	}
	if (r)
		goto out;
	if ((r = file_read(ep, &eb)) || (r = file_read(sp, &sb))) {
		buf_addf(why, "cannot read what was downloaded: %s", err_str(r));
		goto out;
	}
	err_clear();
	r = sign_verify(eb.s, eb.len, sb.s, sb.len, d->trust, id);
	if (r) {
		buf_addf(why, "signature: %s", err_msg(r));
		r = r == -SPROUT_ERR_HASH || r == -SPROUT_ERR_FORMAT ? r : -SPROUT_ERR_HASH;
		goto out;
	}
	err_clear();
	r = dist_entry_parse(eb.s, eb.len, en);
	if (r) {
		buf_addf(why, "entry: %s", err_msg(r));
		goto out;
	}
	if (strcmp(en->key, key)) {
		buf_addf(why, "the signed entry is for key %.12s, not this one", en->key);
		r = -SPROUT_ERR_HASH;
	}
out:
	free(ep);
	free(sp);
	buf_free(&eb);
	buf_free(&sb);
	return r;
}

/* The manifest and the archive of a checked entry, checked, unpacked into
 * outdir and compared with the manifest. 0, or a code with why set. */
static int pull_output(struct dist *d, struct dist_cache *c, const struct dist_entry *en, const char *dir,
		       const char *outdir, struct buf *why)
{
	char *mp = NULL, *ap = NULL;
	struct buf m = {0}, tree = {0};
	struct stat st;
	int r = get(d, c, en->key, "manifest", dir, &mp, why);
	if (r)
		goto out;
	if ((r = file_is(mp, en->digest, "the manifest's digest is", why)) != 0)
		goto out;
	r = get(d, c, en->key, "tar", dir, &ap, why);
	if (r)
		goto out;
	if (stat(ap, &st) == 0 && st.st_size != en->size) {
		buf_addf(why, "the archive is %lld bytes, not the signed %lld (truncated or changed)",
			 (long long)st.st_size, en->size);
		r = -SPROUT_ERR_HASH;
		goto out;
	}
	if ((r = file_is(ap, en->archive, "the archive's sha256 is", why)) != 0)
		goto out;
	err_clear();
	if ((r = tar_extract(ap, outdir)) != 0) {
		buf_addf(why, "the archive: %s", err_msg(r));
		goto out;
	}
	if ((r = file_read(mp, &m)) || (r = manifest_build(outdir, &tree))) {
		buf_addf(why, "cannot compare the unpacked output with its manifest: %s", err_str(r));
		goto out;
	}
	if (m.len != tree.len || memcmp(m.s, tree.s, m.len)) {
		buf_adds(why, "the unpacked archive does not match the signed manifest");
		r = -SPROUT_ERR_HASH;
	}
out:
	free(mp);
	free(ap);
	buf_free(&m);
	buf_free(&tree);
	return r;
}

/* Whether an error from a cache means that it stopped answering. */
static int cache_gone(int r)
{
	return http_unreachable(r);
}

/* One cache's try. 0, SPROUT_ERR_NOTFOUND (not there, refused or gone:
 * reported). */
static int pull_one(struct dist *d, struct dist_cache *c, const char *key, const char *step, const char *outdir)
{
	struct dist_entry en;
	struct buf why = {0};
	char *dir = work_dir(d, "pull", key);
	rm_rf(dir);
	int r = mkdir_p(dir, 0700);
	if (r) {
		buf_addf(&why, "cannot create %s: %s", dir, err_str(r));
		goto out;
	}
	r = pull_entry(d, c, key, dir, &en, &why);
	if (!r) {
		note(d, DIST_PULLING, c->url, step, NULL);
		r = pull_output(d, c, &en, dir, outdir, &why);
	}
out:
	if (r && r != -SPROUT_ERR_NOTFOUND) {
		if (cache_gone(r)) {
			c->gone = 1;
			note(d, DIST_GONE, c->url, step, why.s ? why.s : err_str(r));
		} else {
			note(d, DIST_REFUSED, c->url, step, why.s ? why.s : err_str(r));
		}
		/* what a refused pull unpacked is not kept */
		rm_rf(outdir);
		mkdir_p(outdir, 0755);
	}
	rm_rf(dir);
	free(dir);
	buf_free(&why);
	return r ? -SPROUT_ERR_NOTFOUND : 0;
}

int dist_pull(struct dist *d, const char *key, const char *step, const char *outdir, const char **from)
{
	for (size_t k = 0; k < d->ncaches; k++) {
		struct dist_cache *c = &d->caches[k];
		if (c->gone)
			continue;
		if (!d->trust) {
			c->gone = 1;
			note(d, DIST_GONE, c->url, step, "no keys are trusted for it (set cache-trust or --cache-trust)");
			continue;
		}
		if (!pull_one(d, c, key, step, outdir)) {
			*from = c->url;
			return 0;
		}
	}
	return -SPROUT_ERR_NOTFOUND;
}

static int engine_pull_cb(void *arg, const struct engine *e, int i, const char *outdir, const char **from)
{
	return dist_pull(arg, e->keys[i], e->plan->steps[i].name, outdir, from);
}

const struct engine_remote *dist_engine(struct dist *d)
{
	d->remote.pull = engine_pull_cb;
	d->remote.arg = d;
	return &d->remote;
}

/* ---- pushing ---- */

/* PUT dir/NAME to URL/KEY.NAME. */
static int put(struct dist *d, const char *url, const char *key, const char *dir, const char *name)
{
	struct buf why = {0};
	char *to = xasprintf("%s/%s.%s", url, key, name), *from = xasprintf("%s/%s", dir, name);
	int r = http_put(&d->http, to, from, &why);
	if (r)
		r = errf(r, "cannot upload %s: %s", to, why.s ? why.s : err_str(r));
	free(to);
	free(from);
	buf_free(&why);
	return r;
}

/* Lay the entry out in dir: tar, manifest, entry, entry.sig. */
static int push_prepare(struct dist *d, const char *key, const char *step, const char *seckey, const char *dir)
{
	struct dist_entry en;
	struct buf m = {0}, eb = {0};
	unsigned char dg[32];
	struct stat st;
	char *out = state_store(d->statedir, key, "out"), *mp = state_store(d->statedir, key, "manifest");
	char *tar = path_join(dir, "tar"), *man = path_join(dir, "manifest"), *ent = path_join(dir, "entry"), id[17];
	memset(&en, 0, sizeof en);
	snprintf(en.key, sizeof en.key, "%s", key);
	snprintf(en.step, sizeof en.step, "%s", step);
	int r = cache_digest(d->statedir, key, en.digest);
	if (r) {
		r = errf(r, "%s is not in the store of %s", key, d->statedir);
		goto out;
	}
	if ((r = file_read(mp, &m)) != 0) {
		r = errf(r, "%s: %s", mp, err_str(r));
		goto out;
	}
	sha256_buf(m.s, m.len, dg);
	char mh[65];
	sha256_hex(dg, mh);
	if (strcmp(mh, en.digest)) {
		r = errf(SPROUT_ERR_HASH, "%s does not match the stored digest %.12s", mp, en.digest);
		goto out;
	}
	/* all times 0: the same output makes the same archive everywhere */
	if ((r = tar_write_tree(out, tar, 0)) || (r = file_write_atomic(man, m.s, m.len)))
		goto out;
	if ((r = sha256_file(tar, dg)) || stat(tar, &st) < 0) {
		r = errf(r ? r : -errno, "%s: cannot read it back", tar);
		goto out;
	}
	sha256_hex(dg, en.archive);
	en.size = (long long)st.st_size;
	dist_entry_format(&en, &eb);
	if ((r = file_write_atomic(ent, eb.s, eb.len)) == 0)
		r = sign_file(ent, seckey, id);
out:
	buf_free(&m);
	buf_free(&eb);
	FREE_ALL(out, mp, tar, man, ent);
	return r;
}

/* Whether the cache at url has an entry for key with this digest and a
 * signature (whoever made it). */
static int push_present(struct dist *d, const char *url, const char *key, const char *digest, const char *dir)
{
	struct dist_cache c = {(char *)url, 0};
	struct dist_entry en;
	struct buf why = {0}, eb = {0};
	char *ep = NULL, *sp = NULL;
	int have = 0;
	if (!get(d, &c, key, "entry", dir, &ep, &why) && !file_read(ep, &eb) &&
	    !dist_entry_parse(eb.s, eb.len, &en) && !strcmp(en.digest, digest) &&
	    !get(d, &c, key, "entry.sig", dir, &sp, &why))
		have = 1;
	err_clear();
	free(ep);
	free(sp);
	buf_free(&why);
	buf_free(&eb);
	return have;
}

int dist_push(struct dist *d, const char *url, const char *key, const char *step, const char *seckey)
{
	char digest[65];
	/* not under STATE/tmp, which a build that starts meanwhile clears */
	const char *td = getenv("TMPDIR");
	char *dir = xasprintf("%s/sprout-push.XXXXXX", td && td[0] == '/' ? td : "/tmp");
	int r = cache_digest(d->statedir, key, digest);
	if (r) {
		r = errf(r, "%s is not in the store of %s", key, d->statedir);
		free(dir);
		return r;
	}
	if (!mkdtemp(dir)) {
		r = errf(-errno, "cannot create %s: %s", dir, err_str(-errno));
		free(dir);
		return r;
	}
	if (push_present(d, url, key, digest, dir)) {
		note(d, DIST_PRESENT, url, step, NULL);
		r = 1;
		goto out;
	}
	/* the signature last: until it is there, the entry is not used */
	if ((r = push_prepare(d, key, step, seckey, dir)) || (r = put(d, url, key, dir, "tar")) ||
	    (r = put(d, url, key, dir, "manifest")) || (r = put(d, url, key, dir, "entry")) ||
	    (r = put(d, url, key, dir, "entry.sig")))
		goto out;
	note(d, DIST_PUSHED, url, step, NULL);
out:
	rm_rf(dir);
	free(dir);
	return r;
}

void dist_note_text(enum dist_note kind, const char *url, const char *step, const char *msg, struct buf *b)
{
	switch (kind) {
	case DIST_PULLING:
		buf_addf(b, "[cache] pulling %s from %s\n", step, url);
		break;
	case DIST_REFUSED:
		buf_addf(b, "[cache] refused %s from %s: %s; building it here\n", step, url, msg);
		break;
	case DIST_GONE:
		buf_addf(b, "[cache] %s is not used for the rest of this run: %s\n", url, msg);
		break;
	case DIST_PUSHED:
		buf_addf(b, "pushed %s to %s\n", step, url);
		break;
	case DIST_PRESENT:
		buf_addf(b, "present %s (%s has it)\n", step, url);
		break;
	}
}
