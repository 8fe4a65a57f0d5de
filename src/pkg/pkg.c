/* Package metadata, manifests, versions and dependency atoms
 * (docs/package.md). Every parser checks that what it read is exactly what
 * the formatter would write: one package, one byte sequence. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "pkg/pkg.h"
#include "core/sha256.h"

int pkg_errwrap(int r, const char *fmt, ...)
{
	char pre[1024], msg[4096];
	va_list ap;
	snprintf(msg, sizeof msg, "%s", err_msg(r));
	va_start(ap, fmt);
	vsnprintf(pre, sizeof pre, fmt, ap);
	va_end(ap);
	return errf(r, "%s: %s", pre, msg);
}

static int is_digit(int c) { return c >= '0' && c <= '9'; }
static int is_alpha(int c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

int pkg_name_ok(const char *s, size_t n)
{
	if (!n || n > 128)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		int ok = (c >= 'a' && c <= 'z') || is_digit(c) || (i && strchr("._+-", c) && c);
		if (!ok)
			return 0;
	}
	return 1;
}

int pkg_version_ok(const char *s, size_t n)
{
	if (!n || n > 128 || !(is_digit(s[0]) || is_alpha(s[0])))
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!(is_digit(s[i]) || is_alpha(s[i]) || (s[i] && strchr("._+~", s[i]))))
			return 0;
	return 1;
}

static int release_ok(const char *s, size_t n)
{
	if (!n || n > 9 || (s[0] == '0' && n > 1))
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!is_digit(s[i]))
			return 0;
	return 1;
}

static int hex_ok(const char *s, size_t n)
{
	if (n != 64)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!(is_digit(s[i]) || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return 1;
}

static int text_ok(const char *s, size_t n, size_t max)
{
	if (!n || n > max)
		return 0;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7e)
			return 0;
	return 1;
}

static int license_ok(const char *s, size_t n)
{
	if (!text_ok(s, n, 1024))
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!(is_digit(s[i]) || is_alpha(s[i]) || strchr(".+-() :", s[i])))
			return 0;
	return 1;
}

/* ---- versions ---- */

int pkg_vercmp(const char *a, const char *b)
{
	for (;;) {
		while (*a && !is_digit(*a) && !is_alpha(*a) && *a != '~')
			a++;
		while (*b && !is_digit(*b) && !is_alpha(*b) && *b != '~')
			b++;
		if (*a == '~' || *b == '~') {
			if (*a != '~')
				return 1;
			if (*b != '~')
				return -1;
			a++, b++;
			continue;
		}
		if (!*a || !*b)
			break;
		const char *sa = a, *sb = b;
		int num = is_digit(*a);
		if (num) {
			if (!is_digit(*b))
				return 1;       /* digits sort after letters */
			while (*sa == '0')
				sa++;
			while (*sb == '0')
				sb++;
			a = sa, b = sb;
			while (is_digit(*a))
				a++;
			while (is_digit(*b))
				b++;
			if (a - sa != b - sb)
				return a - sa < b - sb ? -1 : 1;
		} else {
			if (is_digit(*b))
				return -1;
			while (is_alpha(*a))
				a++;
			while (is_alpha(*b))
				b++;
		}
		size_t la = (size_t)(a - sa), lb = (size_t)(b - sb);
		int c = memcmp(sa, sb, la < lb ? la : lb);
		if (c)
			return c < 0 ? -1 : 1;
		if (la != lb)
			return la < lb ? -1 : 1;
	}
	if (!*a && !*b)
		return 0;
	return *a ? 1 : -1;
}

int pkg_evrcmp(const char *va, const char *ra, const char *vb, const char *rb)
{
	int c = pkg_vercmp(va, vb);
	if (c || !ra || !rb)
		return c;
	return pkg_vercmp(ra, rb);
}

/* ---- dependency atoms ---- */

static const char *const op_text[] = {"", "=", ">=", "<=", ">", "<"};

int pkg_dep_parse(const char *s, size_t n, struct pkg_dep *d)
{
	size_t i = 0;
	memset(d, 0, sizeof *d);
	while (i < n && !strchr("=<>", s[i]))
		i++;
	if (!pkg_name_ok(s, i))
		return errf(-SPROUT_ERR_FORMAT, "bad package name in '%.*s'", (int)n, s);
	if (i == n) {
		d->name = xstrndup(s, n);
		return 0;
	}
	size_t o = i;
	enum pkg_op op = PKG_OP_EQ;
	if (s[i] == '=') {
		i++;
	} else if (i + 1 < n && s[i + 1] == '=') {
		op = s[i] == '>' ? PKG_OP_GE : PKG_OP_LE;
		i += 2;
	} else {
		op = s[i] == '>' ? PKG_OP_GT : PKG_OP_LT;
		i++;
	}
	const char *v = s + i;
	size_t vn = n - i;
	const char *dash = memchr(v, '-', vn);
	size_t vl = dash ? (size_t)(dash - v) : vn;
	if (!pkg_version_ok(v, vl) || (dash && !release_ok(dash + 1, vn - vl - 1)))
		return errf(-SPROUT_ERR_FORMAT, "bad version in '%.*s': expected VERSION or VERSION-RELEASE", (int)n, s);
	d->name = xstrndup(s, o);
	d->op = op;
	d->version = xstrndup(v, vn);
	return 0;
}

void pkg_dep_format(const struct pkg_dep *d, struct buf *out)
{
	buf_adds(out, d->name);
	if (d->op != PKG_OP_ANY) {
		buf_adds(out, op_text[d->op]);
		buf_adds(out, d->version);
	}
}

void pkg_dep_free(struct pkg_dep *d)
{
	free(d->name);
	free(d->version);
	d->name = d->version = NULL;
}

int pkg_dep_match(const struct pkg_dep *d, const char *name, const char *version, const char *release)
{
	if (strcmp(d->name, name))
		return 0;
	if (d->op == PKG_OP_ANY)
		return 1;
	if (!version)
		return 0;
	char *want = xstrdup(d->version), *wr = strchr(want, '-');
	if (wr)
		*wr++ = 0;
	int c = pkg_evrcmp(version, wr ? release : NULL, want, wr);
	free(want);
	switch (d->op) {
	case PKG_OP_EQ: return c == 0;
	case PKG_OP_GE: return c >= 0;
	case PKG_OP_LE: return c <= 0;
	case PKG_OP_GT: return c > 0;
	case PKG_OP_LT: return c < 0;
	default: return 1;
	}
}

int pkg_meta_satisfies(const struct pkg_meta *m, const struct pkg_dep *d)
{
	if (pkg_dep_match(d, m->name, m->version, m->release))
		return 1;
	for (size_t i = 0; i < m->nprovides; i++) {
		const struct pkg_dep *p = &m->provides[i];
		if (!p->version) {
			if (pkg_dep_match(d, p->name, NULL, NULL))
				return 1;
			continue;
		}
		char *v = xstrdup(p->version), *r = strchr(v, '-');
		if (r)
			*r++ = 0;
		int ok = pkg_dep_match(d, p->name, v, r);
		free(v);
		if (ok)
			return 1;
	}
	return 0;
}

/* ---- metadata ---- */

enum { K_NAME, K_VERSION, K_RELEASE, K_ARCH, K_LICENSE, K_DESCRIPTION, K_DEPENDS, K_PROVIDES,
	K_CONFLICTS, K_SIZE, K_STEP, K_DIGEST, K_COUNT };

static const struct {
	const char *key;
	int required, multi;
} meta_keys[K_COUNT] = {
	{"name", 1, 0}, {"version", 1, 0}, {"release", 1, 0}, {"arch", 1, 0}, {"license", 1, 0},
	{"description", 0, 0}, {"depends", 0, 1}, {"provides", 0, 1}, {"conflicts", 0, 1},
	{"installed-size", 1, 0}, {"step-key", 0, 0}, {"build-digest", 1, 0},
};

static void add_dep(struct pkg_dep **v, size_t *n, struct pkg_dep d)
{
	*v = xrealloc(*v, (*n + 1) * sizeof **v);
	(*v)[(*n)++] = d;
}

static void format_deps(struct buf *out, const char *key, const struct pkg_dep *d, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		buf_addf(out, "%s ", key);
		pkg_dep_format(&d[i], out);
		buf_addc(out, '\n');
	}
}

void pkg_meta_format(const struct pkg_meta *m, struct buf *out)
{
	buf_addf(out, "name %s\nversion %s\nrelease %s\narch %s\nlicense %s\n", m->name, m->version, m->release,
		 m->arch, m->license);
	if (m->description)
		buf_addf(out, "description %s\n", m->description);
	format_deps(out, "depends", m->depends, m->ndepends);
	format_deps(out, "provides", m->provides, m->nprovides);
	format_deps(out, "conflicts", m->conflicts, m->nconflicts);
	buf_addf(out, "installed-size %llu\n", m->installed_size);
	if (m->step_key)
		buf_addf(out, "step-key %s\n", m->step_key);
	buf_addf(out, "build-digest %s\n", m->build_digest);
}

void pkg_meta_free(struct pkg_meta *m)
{
	FREE_ALL(m->name, m->version, m->release, m->arch, m->license, m->description);
	for (size_t i = 0; i < m->ndepends; i++)
		pkg_dep_free(&m->depends[i]);
	for (size_t i = 0; i < m->nprovides; i++)
		pkg_dep_free(&m->provides[i]);
	for (size_t i = 0; i < m->nconflicts; i++)
		pkg_dep_free(&m->conflicts[i]);
	FREE_ALL(m->depends, m->provides, m->conflicts, m->step_key, m->build_digest);
	memset(m, 0, sizeof *m);
}

static int meta_value(struct pkg_meta *m, int k, const char *v, size_t n, int line)
{
	struct pkg_dep d;
	int r;
	switch (k) {
	case K_NAME:
		if (!pkg_name_ok(v, n))
			goto bad;
		m->name = xstrndup(v, n);
		return 0;
	case K_VERSION:
		if (!pkg_version_ok(v, n))
			goto bad;
		m->version = xstrndup(v, n);
		return 0;
	case K_RELEASE:
		if (!release_ok(v, n))
			goto bad;
		m->release = xstrndup(v, n);
		return 0;
	case K_ARCH:
		if (!pkg_name_ok(v, n))
			goto bad;
		m->arch = xstrndup(v, n);
		return 0;
	case K_LICENSE:
		if (!license_ok(v, n))
			goto bad;
		m->license = xstrndup(v, n);
		return 0;
	case K_DESCRIPTION:
		if (!text_ok(v, n, 1024))
			goto bad;
		m->description = xstrndup(v, n);
		return 0;
	case K_DEPENDS:
	case K_PROVIDES:
	case K_CONFLICTS:
		if (n > 300)
			goto bad;
		r = pkg_dep_parse(v, n, &d);
		if (r)
			return pkg_errwrap(r, "metadata line %d", line);
		if (k == K_PROVIDES && d.op != PKG_OP_ANY && d.op != PKG_OP_EQ) {
			pkg_dep_free(&d);
			return errf(-SPROUT_ERR_FORMAT, "metadata line %d: a package provides NAME or NAME=VERSION", line);
		}
		if (k == K_DEPENDS)
			add_dep(&m->depends, &m->ndepends, d);
		else if (k == K_PROVIDES)
			add_dep(&m->provides, &m->nprovides, d);
		else
			add_dep(&m->conflicts, &m->nconflicts, d);
		if (m->ndepends + m->nprovides + m->nconflicts > 4096)
			return errf(-SPROUT_ERR_FORMAT, "metadata line %d: too many dependencies", line);
		return 0;
	case K_SIZE:
		if (n > 19 || (v[0] == '0' && n > 1))
			goto bad;
		m->installed_size = 0;
		for (size_t i = 0; i < n; i++) {
			if (!is_digit(v[i]))
				goto bad;
			m->installed_size = m->installed_size * 10 + (unsigned)(v[i] - '0');
		}
		return 0;
	case K_STEP:
	case K_DIGEST:
		if (!hex_ok(v, n))
			goto bad;
		*(k == K_STEP ? &m->step_key : &m->build_digest) = xstrndup(v, n);
		return 0;
	}
bad:
	return errf(-SPROUT_ERR_FORMAT, "metadata line %d: bad %s '%.*s'", line, meta_keys[k].key, n > 80 ? 80 : (int)n, v);
}

int pkg_meta_parse(const char *text, size_t n, struct pkg_meta *m)
{
	int r = -SPROUT_ERR_FORMAT;
	int at = 0, line = 0;
	int seen[K_COUNT] = {0};
	memset(m, 0, sizeof *m);
	if (n > PKG_META_MAX)
		return errf(-SPROUT_ERR_FORMAT, "metadata of %zu bytes, more than the %d allowed", n, PKG_META_MAX);
	for (const char *p = text, *end = text + n; p < end;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		line++;
		if (!nl) {
			r = errf(-SPROUT_ERR_FORMAT, "metadata line %d: no newline at the end", line);
			goto out;
		}
		const char *sp = memchr(p, ' ', (size_t)(nl - p));
		if (!sp) {
			r = errf(-SPROUT_ERR_FORMAT, "metadata line %d: expected 'KEY VALUE'", line);
			goto out;
		}
		int k = 0;
		while (k < K_COUNT && !((size_t)(sp - p) == strlen(meta_keys[k].key) &&
					!memcmp(p, meta_keys[k].key, (size_t)(sp - p))))
			k++;
		if (k == K_COUNT) {
			r = errf(-SPROUT_ERR_FORMAT, "metadata line %d: unknown key '%.*s'", line, (int)(sp - p > 40 ? 40 : sp - p), p);
			goto out;
		}
		if (k < at || (seen[k] && !meta_keys[k].multi)) {
			r = errf(-SPROUT_ERR_FORMAT, "metadata line %d: '%s' out of order or repeated", line, meta_keys[k].key);
			goto out;
		}
		at = k;
		seen[k] = 1;
		r = meta_value(m, k, sp + 1, (size_t)(nl - sp - 1), line);
		if (r)
			goto out;
		p = nl + 1;
	}
	for (int k = 0; k < K_COUNT; k++)
		if (meta_keys[k].required && !seen[k]) {
			r = errf(-SPROUT_ERR_FORMAT, "metadata: no '%s'", meta_keys[k].key);
			goto out;
		}
	{
		struct buf b = {0};
		pkg_meta_format(m, &b);
		int same = b.len == n && !memcmp(b.s, text, n);
		buf_free(&b);
		if (!same) {
			r = errf(-SPROUT_ERR_FORMAT, "metadata is not in canonical form");
			goto out;
		}
	}
	return 0;
out:
	pkg_meta_free(m);
	return r;
}

int pkg_meta_check(const struct pkg_meta *m)
{
	struct buf b = {0};
	struct pkg_meta back;
	if (!m->name || !m->version || !m->release || !m->arch || !m->license || !m->build_digest)
		return errf(-SPROUT_ERR_USAGE, "package metadata needs a name, version, release, arch, license and digest");
	pkg_meta_format(m, &b);
	int r = pkg_meta_parse(b.s, b.len, &back);
	buf_free(&b);
	if (r)
		return pkg_errwrap(-SPROUT_ERR_USAGE, "package %s", m->name);
	pkg_meta_free(&back);
	return 0;
}

/* ---- manifests ---- */

void pkg_escape(struct buf *out, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)s, *run = p;
	for (; *p; p++) {
		if (*p <= 0x20 || *p >= 0x7f || *p == '\\') {
			buf_add(out, run, (size_t)(p - run));
			char e[4] = {'\\', 'x', hex[*p >> 4], hex[*p & 15]};
			buf_add(out, e, 4);
			run = p + 1;
		}
	}
	buf_add(out, run, (size_t)(p - run));
}

static int unhex(int c)
{
	return is_digit(c) ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

char *pkg_unescape(const char *s, size_t n)
{
	char *o = xmalloc(n + 1), *q = o;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c <= 0x20 || c >= 0x7f)
			goto bad;
		if (c == '\\') {
			int h, l;
			if (i + 3 >= n || s[i + 1] != 'x' || (h = unhex(s[i + 2])) < 0 || (l = unhex(s[i + 3])) < 0)
				goto bad;
			c = (unsigned char)(h << 4 | l);
			/* Only the bytes that must be escaped may be. */
			if (!(c <= 0x20 || c >= 0x7f || c == '\\') || c == 0)
				goto bad;
			i += 3;
		}
		*q++ = (char)c;
	}
	*q = 0;
	return o;
bad:
	free(o);
	return NULL;
}

/* "T MODE " into out: the type, the mode as four octal digits. (By hand,
 * not printf: every manifest line read is formatted again to check that
 * it is canonical, thousands per install.) */
static void put_head(struct buf *out, char type, unsigned mode)
{
	char h[7] = {type, ' ', (char)('0' + (mode >> 9 & 7)), (char)('0' + (mode >> 6 & 7)), (char)('0' + (mode >> 3 & 7)),
		     (char)('0' + (mode & 7)), ' '};
	buf_add(out, h, sizeof h);
}

/* v in decimal, then a space. */
static void put_num(struct buf *out, unsigned long long v)
{
	char d[24];
	int i = (int)sizeof d;
	d[--i] = ' ';
	do
		d[--i] = (char)('0' + v % 10);
	while ((v /= 10));
	buf_add(out, d + i, sizeof d - (size_t)i);
}

void pkg_entry_format(const struct pkg_entry *e, struct buf *out)
{
	char hex[65];
	switch (e->type) {
	case 'f':
		sha256_hex(e->sha256, hex);
		hex[64] = ' ';
		put_head(out, 'f', e->mode);
		put_num(out, e->size);
		buf_add(out, hex, 65);
		pkg_escape(out, e->path);
		break;
	case 'd':
		put_head(out, 'd', e->mode);
		buf_add(out, "- - ", 4);
		pkg_escape(out, e->path);
		break;
	default:
		put_head(out, 'l', 0777);
		put_num(out, e->size);
		buf_add(out, "- ", 2);
		pkg_escape(out, e->path);
		buf_addc(out, ' ');
		pkg_escape(out, e->target);
		break;
	}
	buf_addc(out, '\n');
}

void pkg_manifest_format(const struct pkg_manifest *m, struct buf *out)
{
	buf_adds(out, "sprout-manifest 1\n");
	for (size_t i = 0; i < m->n; i++)
		pkg_entry_format(&m->e[i], out);
}

void pkg_manifest_copy(const struct pkg_manifest *from, struct pkg_manifest *to)
{
	to->n = from->n;
	to->e = xmalloc((from->n + 1) * sizeof *to->e);
	for (size_t i = 0; i < from->n; i++) {
		to->e[i] = from->e[i];
		to->e[i].path = xstrdup(from->e[i].path);
		to->e[i].target = from->e[i].target ? xstrdup(from->e[i].target) : NULL;
	}
}

void pkg_manifest_free(struct pkg_manifest *m)
{
	for (size_t i = 0; i < m->n; i++) {
		free(m->e[i].path);
		free(m->e[i].target);
	}
	free(m->e);
	m->e = NULL;
	m->n = 0;
}

unsigned long long pkg_manifest_bytes(const struct pkg_manifest *m)
{
	unsigned long long t = 0;
	for (size_t i = 0; i < m->n; i++)
		if (m->e[i].type == 'f')
			t += m->e[i].size;
	return t;
}

/* Why path is not a clean relative path, or NULL. */
static const char *path_problem(const char *p)
{
	if (!*p)
		return "empty path";
	if (*p == '/')
		return "absolute path";
	for (const char *s = p;;) {
		const char *e = strchr(s, '/');
		size_t n = e ? (size_t)(e - s) : strlen(s);
		if (!n)
			return "empty path component";
		if (n == 1 && s[0] == '.')
			return "'.' component";
		if (n == 2 && s[0] == '.' && s[1] == '.')
			return "path has a '..' component";
		if (n > 255)
			return "component longer than 255 bytes";
		if (!e) {
			if (n >= 11 && !memcmp(s, ".sprout-tx.", 11))
				return "name reserved for sprout's temporary files";
			break;
		}
		s = e + 1;
	}
	static const char *const reserved[] = {"var/lib/sprout", "var/cache/sprout", NULL};
	for (int i = 0; reserved[i]; i++) {
		size_t l = strlen(reserved[i]);
		if (!strncmp(p, reserved[i], l) && (p[l] == 0 || p[l] == '/'))
			return "path inside sprout's own database or cache";
	}
	return NULL;
}

/* Why a link at path with target t would lead outside the root, or NULL:
 * absolute targets resolve inside the root; relative ones may not climb
 * above it, nor use '..' after a name (that name might be a link). */
static const char *target_problem(const char *path, const char *t)
{
	size_t depth = 0;
	if (!*t)
		return "empty link target";
	if (t[0] == '/')
		return NULL;
	for (const char *p = path; *p; p++)
		depth += *p == '/';
	static const char *const why[] = {
		[PATH_LINK_ABOVE] = "link leads outside the root",
		[PATH_LINK_NAME_DOTDOT] = "link target has '..' after a name",
	};
	return why[path_link_where(t, depth)];
}

static int parse_num(const char *s, size_t n, unsigned long long *v)
{
	if (!n || n > 19 || (s[0] == '0' && n > 1))
		return -1;
	*v = 0;
	for (size_t i = 0; i < n; i++) {
		if (!is_digit(s[i]))
			return -1;
		*v = *v * 10 + (unsigned)(s[i] - '0');
	}
	return 0;
}

static int entry_cmp(const void *key, const void *el)
{
	return strcmp(key, ((const struct pkg_entry *)el)->path);
}

/* Parse one manifest line (without its newline) into e. */
static int parse_entry(const char *l, size_t n, int line, struct pkg_entry *e)
{
	const char *f[7];
	size_t fl[7];
	int nf = 0;
	memset(e, 0, sizeof *e);
	for (const char *p = l, *end = l + n; nf < 7;) {
		const char *sp = memchr(p, ' ', (size_t)(end - p));
		f[nf] = p;
		fl[nf++] = sp ? (size_t)(sp - p) : (size_t)(end - p);
		if (!sp)
			break;
		p = sp + 1;
	}
	if (fl[0] != 1)
		return errf(-SPROUT_ERR_FORMAT, "manifest line %d: bad type", line);
	e->type = f[0][0];
	if (!strchr("fdl", e->type) || !e->type) {
		if (strchr("bcps", e->type) && e->type)
			return errf(-SPROUT_ERR_UNSAFE, "manifest line %d: device nodes, fifos and sockets are not allowed", line);
		return errf(-SPROUT_ERR_FORMAT, "manifest line %d: unknown type '%c'", line, e->type);
	}
	if (nf != (e->type == 'l' ? 6 : 5))
		return errf(-SPROUT_ERR_FORMAT, "manifest line %d: expected %d fields", line, e->type == 'l' ? 6 : 5);
	unsigned mode = 0;
	if (fl[1] != 4)
		return errf(-SPROUT_ERR_FORMAT, "manifest line %d: bad mode", line);
	for (int i = 0; i < 4; i++) {
		if (f[1][i] < '0' || f[1][i] > '7')
			return errf(-SPROUT_ERR_FORMAT, "manifest line %d: bad mode", line);
		mode = mode << 3 | (unsigned)(f[1][i] - '0');
	}
	e->mode = mode;
	if (e->type != 'd' && parse_num(f[2], fl[2], &e->size))
		return errf(-SPROUT_ERR_FORMAT, "manifest line %d: bad size", line);
	if (e->type == 'f' && (!hex_ok(f[3], fl[3]) || sha256_unhex(f[3], fl[3], e->sha256)))
		return errf(-SPROUT_ERR_FORMAT, "manifest line %d: bad sha256", line);
	e->path = pkg_unescape(f[4], fl[4]);
	if (!e->path)
		return errf(-SPROUT_ERR_FORMAT, "manifest line %d: bad escape in path", line);
	if (fl[4] > PKG_PATH_MAX)
		return errf(-SPROUT_ERR_UNSAFE, "manifest line %d: path longer than %d bytes", line, PKG_PATH_MAX);
	if (e->type == 'l') {
		e->target = pkg_unescape(f[5], fl[5]);
		if (!e->target || fl[5] > PKG_PATH_MAX)
			return errf(-SPROUT_ERR_FORMAT, "manifest line %d: bad link target", line);
	}
	const char *why = path_problem(e->path);
	if (!why && e->type == 'l')
		why = target_problem(e->path, e->target);
	if (why)
		return errf(-SPROUT_ERR_UNSAFE, "%s: %s", e->path, why);
	struct buf b = {0};
	pkg_entry_format(e, &b);
	int same = b.len == n + 1 && !memcmp(b.s, l, n);
	buf_free(&b);
	if (!same)
		return errf(-SPROUT_ERR_FORMAT, "manifest line %d: not in canonical form", line);
	return 0;
}

int pkg_manifest_parse(const char *text, size_t n, struct pkg_manifest *out)
{
	static const char head[] = "sprout-manifest 1\n";
	int r = -SPROUT_ERR_FORMAT;
	size_t cap = 0;
	int line = 1;
	memset(out, 0, sizeof *out);
	if (n > PKG_MANIFEST_MAX)
		return errf(-SPROUT_ERR_FORMAT, "manifest of %zu bytes, more than the %d allowed", n, PKG_MANIFEST_MAX);
	if (n < sizeof head - 1 || memcmp(text, head, sizeof head - 1))
		return errf(-SPROUT_ERR_FORMAT, "manifest does not start with 'sprout-manifest 1'");
	for (const char *p = text + sizeof head - 1, *end = text + n; p < end;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		line++;
		if (!nl) {
			r = errf(-SPROUT_ERR_FORMAT, "manifest line %d: no newline at the end", line);
			goto out;
		}
		if (out->n == cap) {
			cap = cap ? 2 * cap : 64;
			out->e = xrealloc(out->e, cap * sizeof *out->e);
		}
		struct pkg_entry *e = &out->e[out->n];
		r = parse_entry(p, (size_t)(nl - p), line, e);
		if (r) {
			free(e->path);
			free(e->target);
			goto out;
		}
		out->n++;
		if (out->n > 1 && strcmp(out->e[out->n - 2].path, e->path) >= 0) {
			r = errf(-SPROUT_ERR_FORMAT, "manifest line %d: %s: not sorted, or listed twice", line, e->path);
			goto out;
		}
		/* Every entry's directory is listed, as a directory, before it:
		 * nothing is ever written through a link. */
		char *slash = strrchr(e->path, '/');
		if (slash) {
			*slash = 0;
			struct pkg_entry *pe = bsearch(e->path, out->e, out->n - 1, sizeof *out->e, entry_cmp);
			*slash = '/';
			if (!pe || pe->type != 'd') {
				r = errf(-SPROUT_ERR_UNSAFE, "%s: its directory is %s", e->path,
					 pe ? "a link in the same package (a path through a link)" : "not listed");
				goto out;
			}
		}
		p = nl + 1;
	}
	return 0;
out:
	pkg_manifest_free(out);
	return r;
}
