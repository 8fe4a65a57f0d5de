/* Repository index: "sprout-index 2", its sequence, creation and expiry
 * times, then per package "package FILE SIZE SHA256 METALEN" and the
 * package's metadata bytes (docs/package.md). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>


#include "core/err.h"
#include "pkg/pkgfile.h"
#include "pkg/pkgrepo.h"
#include "core/sha256.h"
#include "core/sign.h"

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The sequence of the index in dir now, or 0. */
static unsigned long long current_sequence(const char *dir)
{
	char *ip = path_join(dir, "index");
	struct buf b = {0};
	struct pkgrepo old;
	unsigned long long seq = 0;
	memset(&old, 0, sizeof old);
	if (!file_read(ip, &b) && !pkgrepo_parse(ip, b.s, b.len, &old))
		seq = old.sequence;
	pkgrepo_free(&old);
	buf_free(&b);
	free(ip);
	err_clear();
	return seq;
}

int pkgrepo_index(const char *dir, const struct pkgrepo_index_opts *o, size_t *count, unsigned long long *seq)
{
	struct strv names = {0};
	struct buf out = {0};
	struct pkg_meta *seen = NULL;
	struct pkgrepo_index_opts dflt;
	size_t nseen = 0;
	int r = -EIO;
	if (!o) {
		memset(&dflt, 0, sizeof dflt);
		o = &dflt;
	}
	unsigned long long prev = current_sequence(dir), sq = o->sequence ? o->sequence : prev + 1;
	long long now = o->now ? o->now : (long long)time(NULL);
	if (sq <= prev)
		return errf(-SPROUT_ERR_USAGE, "%s/index: sequence %llu is not above the current index's %llu (roots that saw "
			    "that one would refuse it)", dir, sq, prev);
	DIR *d = opendir(dir);
	if (!d)
		return errf(-errno, "%s: %s", dir, strerror(errno));
	struct dirent *de;
	while ((de = readdir(d))) {
		size_t l = strlen(de->d_name);
		if (l > 4 && !strcmp(de->d_name + l - 4, ".spk"))
			strv_add(&names, de->d_name);
	}
	closedir(d);
	if (names.n)
		qsort(names.v, names.n, sizeof *names.v, cmp_str);
	seen = xcalloc(names.n + 1, sizeof *seen);
	buf_addf(&out, "sprout-index 2\nsequence %llu\ncreated %lld\nexpires %lld\n", sq, now,
		 now + (o->expires_in ? o->expires_in : PKGREPO_EXPIRES_DEFAULT));
	for (size_t i = 0; i < names.n; i++) {
		char *p = path_join(dir, names.v[i]);
		struct pkgfile *pf = NULL;
		r = pkgfile_open(p, &pf);
		if (!r)
			r = pkgfile_check(pf);
		free(p);
		if (r) {
			pkgfile_close(pf);
			goto out;
		}
		for (size_t j = 0; j < nseen; j++)
			if (!strcmp(seen[j].name, pf->meta.name) && !strcmp(seen[j].version, pf->meta.version) &&
			    !strcmp(seen[j].release, pf->meta.release) && !strcmp(seen[j].arch, pf->meta.arch)) {
				r = errf(-SPROUT_ERR_FORMAT, "%s: %s %s-%s (%s) is in two files", dir, pf->meta.name,
					 pf->meta.version, pf->meta.release, pf->meta.arch);
				pkgfile_close(pf);
				goto out;
			}
		seen[nseen].name = xstrdup(pf->meta.name);
		seen[nseen].version = xstrdup(pf->meta.version);
		seen[nseen].release = xstrdup(pf->meta.release);
		seen[nseen++].arch = xstrdup(pf->meta.arch);
		char hex[65];
		sha256_hex(pf->sha256, hex);
		if (strlen(names.v[i]) > PKGREPO_FILE_MAX) {
			/* The reader takes names up to this long: refuse rather than cut. */
			r = errf(-SPROUT_ERR_USAGE, "%s/%s: a file name longer than %d bytes cannot be in an index", dir, names.v[i],
				 PKGREPO_FILE_MAX);
			pkgfile_close(pf);
			goto out;
		}
		buf_addf(&out, "package %s %llu %s %zu\n", names.v[i], pf->file_size, hex, pf->meta_len);
		buf_add(&out, pf->meta_text, pf->meta_len);
		pkgfile_close(pf);
	}
	{
		char *ip = path_join(dir, "index");
		r = file_write_atomic(ip, out.s, out.len);
		if (r)
			r = errf(r, "%s: %s", ip, err_str(r));
		free(ip);
	}
	*count = names.n;
	if (seq)
		*seq = sq;
out:
	for (size_t j = 0; j < nseen; j++)
		pkg_meta_free(&seen[j]);
	free(seen);
	strv_free(&names);
	buf_free(&out);
	return r;
}

void pkgrepo_free(struct pkgrepo *r)
{
	for (size_t i = 0; i < r->n; i++) {
		free(r->e[i].file);
		free(r->e[i].meta_text);
		pkg_meta_free(&r->e[i].meta);
	}
	free(r->e);
	free(r->dir);
	memset(r, 0, sizeof *r);
}

char *pkgrepo_path(const struct pkgrepo *r, const struct pkgrepo_entry *e)
{
	return path_join(r->dir, e->file);
}

static int file_ok(const char *s, size_t n)
{
	if (!n || n > PKGREPO_FILE_MAX || s[0] == '.')
		return 0;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] >= 0x7f || s[i] == '/')
			return 0;
	return 1;
}

/* A header line "KEY NUMBER" at *p; 0 or -1. */
static int header_num(const char **p, const char *end, const char *key, long long *v)
{
	size_t kl = strlen(key);
	const char *nl = memchr(*p, '\n', (size_t)(end - *p));
	if (!nl || nl - *p > 40 || (size_t)(nl - *p) <= kl + 1 || memcmp(*p, key, kl) || (*p)[kl] != ' ')
		return -1;
	long long x = 0;
	for (const char *q = *p + kl + 1; q < nl; q++) {
		if (*q < '0' || *q > '9' || x > (0x7fffffffffffffffLL - 9) / 10)
			return -1;
		x = x * 10 + (*q - '0');
	}
	if ((*p)[kl + 1] == '0' && nl - *p > (long)kl + 2)
		return -1;      /* canonical: no leading zero */
	*v = x;
	*p = nl + 1;
	return 0;
}

int pkgrepo_parse(const char *path, const char *text, size_t n, struct pkgrepo *out)
{
	static const char head1[] = "sprout-index 1\n", head2[] = "sprout-index 2\n";
	size_t cap = 0;
	int line = 1;
	const char *p = text + sizeof head1 - 1, *end = text + n;
	if (n < sizeof head1 - 1 || (memcmp(text, head1, sizeof head1 - 1) && memcmp(text, head2, sizeof head2 - 1)))
		return errf(-SPROUT_ERR_FORMAT, "%s: not a sprout index", path);
	sha256_buf(text, n, out->sha256);
	if (text[13] == '2') {
		long long seq, created, expires;
		if (header_num(&p, end, "sequence", &seq) || header_num(&p, end, "created", &created) ||
		    header_num(&p, end, "expires", &expires) || seq < 1 || expires < created)
			return errf(-SPROUT_ERR_FORMAT, "%s: expected 'sequence N', 'created TIME' and 'expires TIME' after the "
				    "first line", path);
		out->sequence = (unsigned long long)seq;
		out->created = created;
		out->expires = expires;
		line += 3;
	}
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		line++;
		char file[PKGREPO_FILE_MAX + 1], hex[65];
		unsigned long long size, mlen;
		int used = 0;
		if (!nl || nl - p > 400 || sscanf(p, "package %255s %llu %64s %llu%n", file, &size, hex, &mlen, &used) != 4 ||
		    p + used != nl || !file_ok(file, strlen(file)) || mlen > PKG_META_MAX ||
		    mlen > (unsigned long long)(end - nl - 1))
			return errf(-SPROUT_ERR_FORMAT, "%s: line %d: expected 'package FILE SIZE SHA256 LENGTH'", path, line);
		if (cap == out->n) {
			cap = cap ? 2 * cap : 64;
			out->e = xrealloc(out->e, cap * sizeof *out->e);
		}
		struct pkgrepo_entry *e = &out->e[out->n];
		memset(e, 0, sizeof *e);
		if (strlen(hex) != 64 || sha256_unhex(hex, 64, e->sha256))
			return errf(-SPROUT_ERR_FORMAT, "%s: line %d: bad sha256", path, line);
		int r = pkg_meta_parse(nl + 1, (size_t)mlen, &e->meta);
		if (r)
			return pkg_errwrap(r, "%s: %s", path, file);
		e->file = xstrdup(file);
		e->size = size;
		e->meta_text = xstrndup(nl + 1, (size_t)mlen);
		e->meta_len = (size_t)mlen;
		out->n++;
		if (out->n > 1 && strcmp(out->e[out->n - 2].file, e->file) >= 0)
			return errf(-SPROUT_ERR_FORMAT, "%s: %s: not sorted, or listed twice", path, file);
		for (size_t k = (size_t)mlen; k > 0; k--)
			line += nl[k] == '\n';
		p = nl + 1 + mlen;
	}
	return 0;
}

int pkgrepo_parse_duration(const char *s, long long *seconds)
{
	char *e;
	long long v = strtoll(s, &e, 10);
	long long mul = !*e ? 1 : !strcmp(e, "s") ? 1 : !strcmp(e, "m") ? 60 : !strcmp(e, "h") ? 3600
		: !strcmp(e, "d") ? 86400 : 0;
	if (e == s || *s < '0' || *s > '9' || !mul || v <= 0 || v > 100LL * 365 * 86400 / mul)
		return errf(-SPROUT_ERR_USAGE, "expected a duration (N seconds, or N followed by s, m, h or d), got '%s'", s);
	*seconds = v * mul;
	return 0;
}

int pkgrepo_load(const char *dir, const char *keydir, int allow_untrusted, struct pkgrepo *out, struct buf *warn)
{
	int fd = open(keydir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int e = errno;
	int r = pkgrepo_load_at(dir, fd < 0 ? -e : fd, keydir, 0, allow_untrusted, (long long)time(NULL), out, warn);
	if (fd >= 0)
		close(fd);
	return r;
}

/* A signed index must say when it stops being good, and not have. */
static int fresh(const char *ip, const struct pkgrepo *out, long long now)
{
	char when[32] = "?";
	time_t t = (time_t)out->expires;
	struct tm tm;
	if (!out->sequence)
		return errf(-SPROUT_ERR_HASH, "%s has no sequence or expiry (format 1): refused, since a mirror could serve it "
			    "forever; index and sign the repository again with this sprout", ip);
	if (now <= out->expires)
		return 0;
	if (gmtime_r(&t, &tm))
		strftime(when, sizeof when, "%Y-%m-%d %H:%M:%SZ", &tm);
	return errf(-SPROUT_ERR_HASH, "%s (sequence %llu) expired on %s: refused (a stale mirror, or a repository not "
		    "signed again in time)", ip, out->sequence, when);
}

int pkgrepo_load_at(const char *dir, int keydirfd, const char *keydir, int nofollow, int allow_untrusted,
		    long long now, struct pkgrepo *out, struct buf *warn)
{
	char *ip = path_join(dir, "index"), *sp = path_join(dir, "index.sig");
	struct buf idx = {0}, sig = {0};
	int r = -EIO;
	memset(out, 0, sizeof *out);
	out->dir = xstrdup(dir);
	r = file_read(ip, &idx);
	if (r) {
		r = errf(r == -ENOENT ? -SPROUT_ERR_NOTFOUND : r, "%s: %s%s", ip, err_str(r),
			 r == -ENOENT ? " (is it a repository? sprout pkg index DIR writes one)" : "");
		goto out;
	}
	if (allow_untrusted) {
		buf_addf(warn, "%s: signature not checked (--allow-untrusted)\n", ip);
	} else if (!sign_available()) {
		r = errf(-ENOTSUP, "%s: this sprout was built without libsodium and cannot check the index's "
			 "signature; pass --allow-untrusted to use the repository unchecked", ip);
		goto out;
	} else {
		r = file_read(sp, &sig);
		if (r == -ENOENT) {
			r = errf(-SPROUT_ERR_HASH, "%s is not signed (sign it with sprout pkg sign --key KEY %s, or pass "
				 "--allow-untrusted)", ip, dir);
			goto out;
		}
		if (r) {
			r = errf(r, "%s: %s", sp, err_str(r));
			goto out;
		}
		r = sign_verify_at(idx.s, idx.len, sig.s, sig.len, keydirfd, keydir, nofollow, out->keyid);
		if (r) {
			r = pkg_errwrap(r, "%s", ip);
			goto out;
		}
		out->trusted = 1;
	}
	r = pkgrepo_parse(ip, idx.s, idx.len, out);
	if (!r && out->trusted && now)
		r = fresh(ip, out, now);
out:
	if (r)
		pkgrepo_free(out);
	buf_free(&idx);
	buf_free(&sig);
	free(ip);
	free(sp);
	return r;
}
