/* Repository index: "sprout-index 1", then per package
 * "package FILE SIZE SHA256 METALEN" and the package's metadata bytes. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "pkg/pkgfile.h"
#include "pkg/pkgrepo.h"
#include "core/sha256.h"
#include "core/sign.h"

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int pkgrepo_index(const char *dir, size_t *count)
{
	struct strv names = {0};
	struct buf out = {0};
	struct pkg_meta *seen = NULL;
	size_t nseen = 0;
	int r = -EIO;
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
	buf_adds(&out, "sprout-index 1\n");
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
	if (!n || n > 255 || s[0] == '.')
		return 0;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] >= 0x7f || s[i] == '/')
			return 0;
	return 1;
}

static int parse_index(const char *path, const char *text, size_t n, struct pkgrepo *out)
{
	static const char head[] = "sprout-index 1\n";
	size_t cap = 0;
	int line = 1;
	if (n < sizeof head - 1 || memcmp(text, head, sizeof head - 1))
		return errf(-SPROUT_ERR_FORMAT, "%s: not a sprout index", path);
	for (const char *p = text + sizeof head - 1, *end = text + n; p < end;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		line++;
		char file[256], hex[65];
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

int pkgrepo_load(const char *dir, const char *keydir, int allow_untrusted, struct pkgrepo *out, struct buf *warn)
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
		r = sign_verify(idx.s, idx.len, sig.s, sig.len, keydir, out->keyid);
		if (r) {
			r = pkg_errwrap(r, "%s", ip);
			goto out;
		}
		out->trusted = 1;
	}
	r = parse_index(ip, idx.s, idx.len, out);
out:
	if (r)
		pkgrepo_free(out);
	buf_free(&idx);
	buf_free(&sig);
	free(ip);
	free(sp);
	return r;
}
