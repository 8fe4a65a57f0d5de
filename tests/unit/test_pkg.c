/* The package format (docs/package.md): versions, dependency atoms,
 * metadata and manifests (canonical, hostile), the package file (round
 * trip, determinism, every corrupted byte detected) and the database. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/err.h"
#include "pkg/pkg.h"
#include "pkg/pkgdb.h"
#include "pkg/pkgfile.h"
#include "build/pkgbuild.h"
#include "core/sha256.h"
#include "core/util.h"
#include "tap.h"

static char base[64];

static void versions(void)
{
	static const struct {
		const char *a, *b;
		int want;
	} v[] = {
		{"1.0", "1.0", 0}, {"1.0", "1.1", -1}, {"1.10", "1.9", 1}, {"1.0a", "1.0", 1},
		{"1.0~rc1", "1.0", -1}, {"1.0~rc1", "1.0~rc2", -1}, {"2", "10", -1}, {"1.0.1", "1.0", 1},
		{"0.9.27+git20200814.62c30a4a", "0.9.27", 1}, {"1.a", "1.1", -1}, {"007", "7", 0},
	};
	for (size_t i = 0; i < sizeof v / sizeof *v; i++) {
		int c = pkg_vercmp(v[i].a, v[i].b);
		c = c < 0 ? -1 : c > 0;
		ok(c == v[i].want, "vercmp %s %s = %d", v[i].a, v[i].b, v[i].want);
		int back = pkg_vercmp(v[i].b, v[i].a);
		ok((back < 0 ? -1 : back > 0) == -v[i].want, "vercmp %s %s = %d (reversed)", v[i].b, v[i].a, -v[i].want);
	}
	ok(pkg_evrcmp("1.0", "2", "1.0", "10") < 0, "releases compare as numbers");
}

static void atoms(void)
{
	struct pkg_dep d;
	ok(!pkg_dep_parse("musl", 4, &d) && d.op == PKG_OP_ANY && !d.version, "atom NAME");
	pkg_dep_free(&d);
	ok(!pkg_dep_parse("musl>=1.2.3", 11, &d) && d.op == PKG_OP_GE && !strcmp(d.version, "1.2.3"), "atom NAME>=V");
	ok(pkg_dep_match(&d, "musl", "1.2.4", "1") && !pkg_dep_match(&d, "musl", "1.2.2", "1") &&
	   !pkg_dep_match(&d, "libc", "1.2.4", "1"), "  ... matches by name and version");
	pkg_dep_free(&d);
	ok(!pkg_dep_parse("a=1.0-2", 7, &d) && d.op == PKG_OP_EQ, "atom NAME=V-R");
	ok(pkg_dep_match(&d, "a", "1.0", "2") && !pkg_dep_match(&d, "a", "1.0", "3"), "  ... the release counts");
	pkg_dep_free(&d);
	ok(!pkg_dep_parse("a<2", 3, &d) && pkg_dep_match(&d, "a", "1.9", "1") && !pkg_dep_match(&d, "a", "2", "1"),
	   "atom NAME<V");
	pkg_dep_free(&d);
	ok(pkg_dep_parse("A", 1, &d) == -SPROUT_ERR_FORMAT, "upper-case name refused");
	ok(pkg_dep_parse("a>=", 3, &d) == -SPROUT_ERR_FORMAT, "empty version refused");
	ok(pkg_dep_parse("a=1-x", 5, &d) == -SPROUT_ERR_FORMAT, "non-numeric release refused");
}

#define META "name a\nversion 1.0\nrelease 1\narch x86_64\nlicense MIT\n"
#define DIGEST "build-digest 1111111111111111111111111111111111111111111111111111111111111111\n"

static int meta_ok(const char *t)
{
	struct pkg_meta m;
	int r = pkg_meta_parse(t, strlen(t), &m);
	if (!r)
		pkg_meta_free(&m);
	return r;
}

static void metadata(void)
{
	const char *good = META "description the a package\ndepends b>=1\ndepends c\nprovides sh=1\nconflicts d\n"
		"installed-size 12\nstep-key 2222222222222222222222222222222222222222222222222222222222222222\n" DIGEST;
	struct pkg_meta m;
	struct buf b = {0};
	ok(!pkg_meta_parse(good, strlen(good), &m), "metadata parses");
	ok(m.ndepends == 2 && m.nprovides == 1 && m.nconflicts == 1 && m.installed_size == 12, "  ... all its fields");
	pkg_meta_format(&m, &b);
	ok(b.len == strlen(good) && !memcmp(b.s, good, b.len), "  ... and formats back to the same bytes");
	buf_free(&b);
	pkg_meta_free(&m);
	ok(meta_ok(META "installed-size 0\n" DIGEST) == 0, "minimal metadata");
	ok(meta_ok("version 1.0\nname a\nrelease 1\narch x86_64\nlicense MIT\ninstalled-size 0\n" DIGEST) == -SPROUT_ERR_FORMAT,
	   "keys out of order refused");
	ok(meta_ok(META "name b\ninstalled-size 0\n" DIGEST) == -SPROUT_ERR_FORMAT, "a repeated key refused");
	ok(meta_ok(META "installed-size 0\n") == -SPROUT_ERR_FORMAT, "no build-digest refused");
	ok(meta_ok(META "installed-size 00\n" DIGEST) == -SPROUT_ERR_FORMAT, "a number with a leading zero refused");
	ok(meta_ok(META "homepage x\ninstalled-size 0\n" DIGEST) == -SPROUT_ERR_FORMAT, "an unknown key refused");
	ok(meta_ok(META "description a\tb\ninstalled-size 0\n" DIGEST) == -SPROUT_ERR_FORMAT, "a control byte refused");
	ok(meta_ok(META "installed-size 0\n" "build-digest 11") == -SPROUT_ERR_FORMAT, "no final newline refused");
	ok(meta_ok(META "provides x>=1\ninstalled-size 0\n" DIGEST) == -SPROUT_ERR_FORMAT, "provides with >= refused");
	ok(meta_ok("name ../a\nversion 1.0\nrelease 1\narch x86_64\nlicense MIT\ninstalled-size 0\n" DIGEST) ==
	   -SPROUT_ERR_FORMAT, "a name with a slash refused");
	char *big = xmalloc(PKG_META_MAX + 2);
	memset(big, 'x', PKG_META_MAX + 1);
	big[PKG_META_MAX + 1] = 0;
	ok(meta_ok(big) == -SPROUT_ERR_FORMAT && strstr(err_msg(-SPROUT_ERR_FORMAT), "more than"), "oversized metadata refused: %s",
	   err_msg(-SPROUT_ERR_FORMAT));
	free(big);
}

#define SHA "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

static int man_ok(const char *body)
{
	struct pkg_manifest m;
	char *t = xasprintf("sprout-manifest 1\n%s", body);
	err_clear();
	int r = pkg_manifest_parse(t, strlen(t), &m);
	if (!r)
		pkg_manifest_free(&m);
	free(t);
	return r;
}

static void manifests(void)
{
	ok(man_ok("d 0755 - - usr\nd 0755 - - usr/bin\nf 0755 0 " SHA " usr/bin/x\nl 0777 1 - usr/bin/y x\n") == 0,
	   "a manifest parses");
	ok(man_ok("d 0755 - - a\\x20b\nf 0644 0 " SHA " a\\x20b/c\\x5cd\n") == 0, "escaped names");
	ok(man_ok("d 0755 - - a\\x41\n") == -SPROUT_ERR_FORMAT, "an escape that need not be refused (not canonical)");
	ok(man_ok("f 0644 0 " SHA " a\\x00b\n") == -SPROUT_ERR_FORMAT, "an escaped NUL refused");
	ok(man_ok("f 0644 0 " SHA " ../etc/passwd\n") == -SPROUT_ERR_UNSAFE, "path traversal refused: %s", err_msg(-SPROUT_ERR_UNSAFE));
	ok(man_ok("d 0755 - - a\nf 0644 0 " SHA " a/../../x\n") == -SPROUT_ERR_UNSAFE, "'..' inside a path refused");
	ok(man_ok("f 0644 0 " SHA " \\x2fetc\n") == -SPROUT_ERR_UNSAFE || man_ok("f 0644 0 " SHA " \\x2fetc\n") == -SPROUT_ERR_FORMAT,
	   "an absolute path refused");
	ok(man_ok("c 0644 - - dev-null\n") == -SPROUT_ERR_UNSAFE, "a device node refused: %s", err_msg(-SPROUT_ERR_UNSAFE));
	ok(man_ok("p 0644 - - fifo\n") == -SPROUT_ERR_UNSAFE, "a fifo refused");
	ok(man_ok("l 0777 8 - x ../../up\n") == -SPROUT_ERR_UNSAFE, "a link leading outside the root refused: %s",
	   err_msg(-SPROUT_ERR_UNSAFE));
	ok(man_ok("d 0755 - - a\nl 0777 5 - a/x ../up\n") == 0, "a link up to the root is fine");
	ok(man_ok("l 0777 4 - x /etc\n") == 0, "an absolute link target is inside the root");
	ok(man_ok("l 0777 4 - d /etc\nf 0644 0 " SHA " d/passwd\n") == -SPROUT_ERR_UNSAFE, "a file through a link refused: %s",
	   err_msg(-SPROUT_ERR_UNSAFE));
	ok(man_ok("f 0644 0 " SHA " a/b\n") == -SPROUT_ERR_UNSAFE, "an unlisted directory refused");
	ok(man_ok("f 0644 0 " SHA " b\nf 0644 0 " SHA " a\n") == -SPROUT_ERR_FORMAT, "unsorted entries refused");
	ok(man_ok("f 0644 0 " SHA " a\nf 0644 0 " SHA " a\n") == -SPROUT_ERR_FORMAT, "a path listed twice refused");
	ok(man_ok("d 0755 - - var\nd 0755 - - var/lib\nd 0755 - - var/lib/sprout\n") == -SPROUT_ERR_UNSAFE,
	   "sprout's database directory refused");
	ok(man_ok("f 0644 0 " SHA " .sprout-tx.1.2\n") == -SPROUT_ERR_UNSAFE, "a temporary name refused");
	ok(man_ok("f 0644 00 " SHA " a\n") == -SPROUT_ERR_FORMAT, "a size with a leading zero refused");
	ok(man_ok("f 0644 0 " SHA "  a\n") == -SPROUT_ERR_FORMAT || man_ok("f 0644 0 " SHA "  a\n") == -SPROUT_ERR_UNSAFE,
	   "two spaces refused");
	ok(man_ok("l 0755 1 - y x\n") == -SPROUT_ERR_FORMAT, "a link with another mode than 0777 refused");
	ok(man_ok("f 0644 0 " SHA " a") == -SPROUT_ERR_FORMAT, "no final newline refused");
}

/* A small tree to package. */
static void make_tree(const char *dir)
{
	char p[256];
	snprintf(p, sizeof p, "%s/usr/bin", dir);
	mkdir_p(p, 0755);
	snprintf(p, sizeof p, "%s/usr/share/doc", dir);
	mkdir_p(p, 0755);
	static const struct {
		const char *path, *text;
		mode_t mode;
	} f[] = {
		{"usr/bin/tool", "#!/bin/sh\necho tool\n", 0755},
		{"usr/share/doc/README", "read me\n", 0644},
		{"usr/share/doc/empty", "", 0600},
		{"usr/share/doc/a file", "spaces in names\n", 0644},
	};
	for (size_t i = 0; i < sizeof f / sizeof *f; i++) {
		snprintf(p, sizeof p, "%s/%s", dir, f[i].path);
		int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, f[i].mode);
		if (write(fd, f[i].text, strlen(f[i].text)) < 0)
			perror(p);
		close(fd);
		chmod(p, f[i].mode);
	}
	snprintf(p, sizeof p, "%s/usr/bin/alias", dir);
	symlink("tool", p);
	/* Something big enough for zstd to work on. */
	snprintf(p, sizeof p, "%s/usr/share/doc/big", dir);
	FILE *fp = fopen(p, "w");
	for (int i = 0; i < 1000; i++)
		fprintf(fp, "line %d of a file that compresses well\n", i % 97);
	fclose(fp);
}

static void new_meta(struct pkg_meta *m)
{
	memset(m, 0, sizeof *m);
	m->name = xstrdup("tool");
	m->version = xstrdup("1.2");
	m->release = xstrdup("3");
	m->arch = xstrdup("x86_64");
	m->license = xstrdup("MIT");
	m->description = xstrdup("a tool");
}

static struct buf slurp(const char *path)
{
	struct buf b = {0};
	file_read(path, &b);
	return b;
}

static int check_path(const char *path)
{
	struct pkgfile *pf = NULL;
	int r = pkgfile_open(path, &pf);
	if (!r)
		r = pkgfile_check(pf);
	pkgfile_close(pf);
	return r;
}

static void diag_byte(size_t i, char c)
{
	printf("# first missed corruption at byte %zu (0x%02x)\n", i, (unsigned char)c);
}

static void files(enum pkg_comp comp, const char *cname)
{
	char tree[128], out1[128], out2[128], bad[128];
	struct pkg_meta m;
	snprintf(tree, sizeof tree, "%s/tree", base);
	snprintf(out1, sizeof out1, "%s/%s-1.spk", base, cname);
	snprintf(out2, sizeof out2, "%s/%s-2.spk", base, cname);
	snprintf(bad, sizeof bad, "%s/%s-bad.spk", base, cname);
	new_meta(&m);
	ok(pkgbuild_tree(tree, &m, comp, out1) == 0, "%s: package written (%s)", cname, err_msg(-1));
	ok(pkgbuild_tree(tree, &m, comp, out2) == 0, "%s: again", cname);
	struct buf a = slurp(out1), b = slurp(out2);
	ok(a.len > 100 && a.len == b.len && !memcmp(a.s, b.s, a.len), "%s: the same tree gives the same bytes (%zu)",
	   cname, a.len);
	/* Round trip: every file's bytes come back. */
	struct pkgfile *pf = NULL;
	ok(pkgfile_open(out1, &pf) == 0, "%s: opens", cname);
	ok(pf && !strcmp(pf->meta.name, "tool") && !strcmp(pf->meta.release, "3") && pf->comp == comp,
	   "%s: metadata and compression read back", cname);
	int same = pf != NULL;
	size_t nf = 0;
	for (size_t i = 0; pf && i < pf->man.n; i++) {
		const struct pkg_entry *e = &pf->man.e[i];
		if (e->type != 'f')
			continue;
		char p[256], tmp[256];
		snprintf(p, sizeof p, "%s/%s", tree, e->path);
		snprintf(tmp, sizeof tmp, "%s/extracted", base);
		int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		same &= pkgfile_read_file(pf, e, fd) == 0;
		close(fd);
		struct buf x = slurp(p), y = slurp(tmp);
		same &= x.len == y.len && (!x.len || !memcmp(x.s, y.s, x.len));
		buf_free(&x);
		buf_free(&y);
		nf++;
	}
	ok(same && nf == 5, "%s: round trip of %zu files", cname, nf);
	ok(pf && pkgfile_finish(pf) == 0, "%s: the checksum matches", cname);
	pkgfile_close(pf);
	/* One corrupted byte anywhere is found: the copy is changed in place
	 * (rewriting it whole each time would make ext4 flush it each time). */
	size_t missed = 0, step = a.len > 4000 ? 61 : 1;
	int cfd = open(bad, O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (write(cfd, a.s, a.len) != (ssize_t)a.len)
		perror(bad);
	for (size_t i = 0; i < a.len; i += (i < 4000 || i + 200 > a.len) ? 1 : step) {
		char c = (char)(a.s[i] ^ 0x20);
		if (pwrite(cfd, &c, 1, (off_t)i) != 1)
			perror(bad);
		if (check_path(bad) == 0) {
			if (!missed)
				diag_byte(i, a.s[i]);
			missed++;
		}
		if (pwrite(cfd, a.s + i, 1, (off_t)i) != 1)
			perror(bad);
	}
	close(cfd);
	ok(missed == 0, "%s: a flipped bit in any byte of %zu is detected (%zu missed)", cname, a.len, missed);
	/* Truncated anywhere, or something appended. */
	missed = 0;
	cfd = open(bad, O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (write(cfd, a.s, a.len) != (ssize_t)a.len)
		perror(bad);
	for (size_t n = a.len; n-- > 0;) {
		if (ftruncate(cfd, (off_t)n) < 0)
			perror(bad);
		missed += check_path(bad) == 0;
		if (n > 1000)
			n -= n % 97 ? n % 97 - 1 : 0;
	}
	close(cfd);
	ok(missed == 0, "%s: every truncation is detected", cname);
	int fd = open(bad, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (write(fd, a.s, a.len) != (ssize_t)a.len || write(fd, "x", 1) != 1)
		perror(bad);
	close(fd);
	ok(check_path(bad) == -SPROUT_ERR_FORMAT, "%s: a byte after the end is detected", cname);
	buf_free(&a);
	buf_free(&b);
	pkg_meta_free(&m);
}

static void oversized(void)
{
	char p[128];
	snprintf(p, sizeof p, "%s/big-meta.spk", base);
	FILE *f = fopen(p, "w");
	fprintf(f, "sprout-package 1\nmeta %d\n", 10 * 1024 * 1024);
	for (int i = 0; i < 1024; i++)
		fputs("description xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n", f);
	fclose(f);
	struct pkgfile *pf = NULL;
	int r = pkgfile_open(p, &pf);
	ok(r == -SPROUT_ERR_FORMAT && strstr(err_msg(r), "more than"), "a package with 10 MiB of metadata refused unread: %s",
	   err_msg(r));
	pkgfile_close(pf);
}

static void database(void)
{
	const char *meta = META "installed-size 0\n" DIGEST;
	const char *man = "sprout-manifest 1\nd 0755 - - usr\n";
	unsigned char sha[32];
	struct pkgdb db, back;
	struct pkgdb_pkg *p;
	struct buf t = {0}, t2 = {0};
	memset(&db, 0, sizeof db);
	memset(sha, 7, sizeof sha);
	ok(pkgdb_pkg_new(meta, strlen(meta), man, strlen(man), sha, &p) == 0, "a database record");
	pkgdb_add(&db, p);
	db.arch = xstrdup("x86_64");
	db.t = xcalloc(2, sizeof *db.t);
	db.nt = 2;
	db.t[0].id = 1, db.t[0].what = xstrdup("install a b c d e f g h i j");
	db.t[0].c = xcalloc(1, sizeof *db.t[0].c);
	db.t[0].n = 1;
	db.t[0].c[0] = (struct pkgdb_change){'+', xstrdup("a"), xstrdup("1.0"), xstrdup("1"), {0}};
	memcpy(db.t[0].c[0].sha256, sha, 32);
	db.t[1].id = 2, db.t[1].what = xstrdup("remove a");
	db.t[1].c = xcalloc(1, sizeof *db.t[1].c);
	db.t[1].n = 1;
	db.t[1].c[0] = (struct pkgdb_change){'-', xstrdup("a"), xstrdup("1.0"), xstrdup("1"), {0}};
	memcpy(db.t[1].c[0].sha256, sha, 32);
	pkgdb_format(&db, &t);
	ok(pkgdb_parse(t.s, t.len, &back) == 0, "the database parses back");
	pkgdb_format(&back, &t2);
	ok(t.len == t2.len && !memcmp(t.s, t2.s, t.len), "  ... to the same text");
	ok(back.nt == 2 && !strcmp(back.t[0].what, "install a b c d e f g h i j"), "  ... every word of a transaction");
	struct pkgdb b4;
	const char *extra = "sprout-db 1\ntxn 1 0 x\n+ a 1 1 " SHA " more\nend\n";
	ok(pkgdb_parse(extra, strlen(extra), &b4) == -SPROUT_ERR_FORMAT, "a change line with a word too many is refused");
	struct pkgdb_change *st;
	size_t n;
	ok(pkgdb_state_at(&back, 1, &st, &n) == 0 && n == 1 && !strcmp(st[0].name, "a"), "state after transaction 1");
	pkgdb_changes_free(st, n);
	ok(pkgdb_state_at(&back, 2, &st, &n) == 0 && n == 0, "state after transaction 2: empty");
	pkgdb_changes_free(st, n);
	ok(pkgdb_state_at(&back, 9, &st, &n) == -SPROUT_ERR_NOTFOUND, "no transaction 9");
	struct pkgdb b3;
	ok(pkgdb_parse(t.s, t.len - 4, &b3) == -SPROUT_ERR_FORMAT, "  ... (no 'end' line)");
	pkgdb_free(&back);
	pkgdb_free(&db);
	buf_free(&t);
	buf_free(&t2);
}

int main(void)
{
	tap_tmpdir(base, sizeof base, "pkg");
	versions();
	atoms();
	metadata();
	manifests();
	char tree[128];
	snprintf(tree, sizeof tree, "%s/tree", base);
	make_tree(tree);
	files(PKG_COMP_NONE, "none");
	if (pkgfile_have_zstd())
		files(PKG_COMP_ZSTD, "zstd");
	else
		ok(1, "# SKIP no libzstd");
	oversized();
	database();
	rm_rf(base);
	return tap_done();
}
