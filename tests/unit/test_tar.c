/* tar_extract and tar_write_tree on archives built byte by byte here. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "archive/decomp.h"
#include "core/err.h"
#include "archive/tar.h"
#include "build/manifest.h"
#include "core/util.h"
#include "tap.h"

static char base[64], dest[128], outside[128], arc[128];

/* ---- building archives ---- */

struct tb {
	unsigned char *p;
	size_t n;
};

static unsigned char *tb_block(struct tb *t)
{
	t->p = xrealloc(t->p, t->n + 512);
	memset(t->p + t->n, 0, 512);
	t->n += 512;
	return t->p + t->n - 512;
}

static void octal(unsigned char *f, size_t n, unsigned long long v)
{
	snprintf((char *)f, n, "%0*llo", (int)n - 1, v);
}

static void checksum(unsigned char *h)
{
	unsigned sum = 0;
	memset(h + 148, ' ', 8);
	for (int i = 0; i < 512; i++)
		sum += h[i];
	snprintf((char *)h + 148, 8, "%06o", sum);
	h[155] = ' ';
}

/* A ustar header; name is split into prefix and name when prefix is set. */
static unsigned char *hdr_full(struct tb *t, const char *prefix, const char *name, int type,
	unsigned mode, unsigned long long size, const char *link)
{
	unsigned char *h = tb_block(t);
	memcpy(h, name, strlen(name) < 100 ? strlen(name) : 100);
	octal(h + 100, 8, mode);
	octal(h + 108, 8, 1000);
	octal(h + 116, 8, 1000);
	octal(h + 124, 12, size);
	octal(h + 136, 12, 1700000000);
	h[156] = (unsigned char)type;
	if (link)
		memcpy(h + 157, link, strlen(link) < 100 ? strlen(link) : 100);
	memcpy(h + 257, "ustar\0" "00", 8);
	memcpy(h + 265, "user", 4);
	memcpy(h + 297, "group", 5);
	if (prefix)
		memcpy(h + 345, prefix, strlen(prefix));
	checksum(h);
	return h;
}

static void hdr(struct tb *t, const char *name, int type, unsigned mode,
	unsigned long long size, const char *link)
{
	hdr_full(t, NULL, name, type, mode, size, link);
}

static void data(struct tb *t, const void *p, size_t n)
{
	for (size_t o = 0; o < n; o += 512) {
		unsigned char *b = tb_block(t);
		memcpy(b, (const char *)p + o, n - o < 512 ? n - o : 512);
	}
}

static void file(struct tb *t, const char *name, unsigned mode, const char *content)
{
	hdr(t, name, '0', mode, strlen(content), NULL);
	data(t, content, strlen(content));
}

/* A member carrying a payload: pax ('x', 'g') or GNU long name ('L', 'K'). */
static void meta(struct tb *t, int type, const char *payload, size_t n)
{
	hdr(t, type == 'L' || type == 'K' ? "././@LongLink" : "PaxHeader", type, 0644, n, NULL);
	data(t, payload, n);
}

static void pax_record(struct buf *b, const char *kv)
{
	size_t body = strlen(kv) + 2, len = body + 1;
	while (len != body + (size_t)snprintf(NULL, 0, "%zu", len))
		len = body + (size_t)snprintf(NULL, 0, "%zu", len);
	buf_addf(b, "%zu %s\n", len, kv);
}

static void end(struct tb *t)
{
	tb_block(t);
	tb_block(t);
}

static void save(struct tb *t, size_t n)
{
	int fd = open(arc, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || write(fd, t->p, n) != (ssize_t)n)
		printf("# cannot write %s\n", arc);
	close(fd);
	free(t->p);
	t->p = NULL;
	t->n = 0;
}

/* ---- checking results ---- */

static void fresh(void)
{
	rm_rf(dest);
	mkdir(dest, 0755);
}

static int extract(void)
{
	err_clear();
	return tar_extract(arc, dest);
}

static char *slurp(const char *path)
{
	struct buf b = {0};
	if (file_read(path, &b)) {
		buf_free(&b);
		return NULL;
	}
	return buf_take(&b);
}

static int content_is(const char *rel, const char *want)
{
	char *p = path_join(dest, rel);
	char *got = slurp(p);
	int same = got && !strcmp(got, want);
	free(p);
	free(got);
	return same;
}

static mode_t mode_of(const char *rel)
{
	struct stat st;
	char *p = path_join(dest, rel);
	int r = lstat(p, &st);
	free(p);
	return r ? (mode_t)-1 : st.st_mode;
}

static int exists(const char *dir, const char *rel)
{
	char *p = path_join(dir, rel);
	int r = path_exists(p);
	free(p);
	return r;
}

/* Nothing but dest and outside in base, and outside empty. */
static int nothing_outside(void)
{
	char *cmd = xasprintf("test \"$(ls -A %s | tr '\\n' ' ')\" = 'arc.tar dest outside ' && "
		"test -z \"$(ls -A %s)\"", base, outside);
	int r = system(cmd) == 0;
	free(cmd);
	return r;
}

/* Expect refusal with code want, a message naming the member, nothing
 * written outside. */
static void refused(int r, int want, const char *member, const char *what)
{
	char named[512];
	snprintf(named, sizeof named, "member '%s'", member);
	ok(r == want, "%s: refused with %s (got %d: %s)", what, err_str(want), r, r ? err_msg(r) : "ok");
	ok(r && strstr(err_msg(r), named) != NULL, "%s: message names the member: %s", what,
		r ? err_msg(r) : "");
	ok(nothing_outside(), "%s: nothing written outside the destination", what);
}

/* End and save the archive t and extract it into a fresh destination. */
static int extract_archive(struct tb *t)
{
	end(t);
	save(t, t->n);
	fresh();
	return extract();
}

/* The same, and check that it is refused (refused()). */
static void refused_archive(struct tb *t, int want, const char *member, const char *what)
{
	refused(extract_archive(t), want, member, what);
}

/* ---- the cases ---- */

static void t_roundtrip(void)
{
	struct tb t = {0};
	struct stat a, b;
	char big[3000];
	for (size_t i = 0; i < sizeof big - 1; i++)
		big[i] = (char)('a' + i % 26);
	big[sizeof big - 1] = 0;
	hdr(&t, "top/", '5', 0755, 0, NULL);
	file(&t, "top/hello.txt", 0644, "hello, world\n");
	file(&t, "top/run.sh", 0755, "#!/bin/sh\n");
	file(&t, "top/big", 0600, big);
	file(&t, "top/empty", 0640, "");
	hdr(&t, "top/sub/", '5', 0750, 0, NULL);
	hdr(&t, "top/sub/link", '2', 0777, 0, "../hello.txt");
	hdr(&t, "top/sub/hard", '1', 0644, 0, "top/hello.txt");
	file(&t, "./top/./dot//slashes", 0644, "dots\n");
	hdr_full(&t, "top/prefixed/dir", "name.c", '0', 0644, 3, NULL);
	data(&t, "pfx", 3);
	file(&t, "implicit/parent/f", 0644, "x");
	hdr(&t, "top/ro/", '5', 0555, 0, NULL);
	file(&t, "top/ro/inside", 0444, "ro");
	file(&t, "top/setuid", 04755, "s");
	hdr(&t, "top/sticky/", '5', 01777, 0, NULL);
	file(&t, "top/hello.txt", 0644, "replaced\n");  /* a later copy wins */
	end(&t);
	save(&t, t.n);
	fresh();
	int r = extract();
	ok(r == 0, "round trip: extracts (%s)", r ? err_msg(r) : "ok");
	ok(content_is("top/hello.txt", "replaced\n"), "round trip: later member replaces earlier");
	ok(content_is("top/big", big), "round trip: multi-block file");
	ok(content_is("top/empty", ""), "round trip: empty file");
	ok((mode_of("top/run.sh") & 07777) == 0755, "round trip: executable mode kept");
	ok((mode_of("top/big") & 07777) == 0600, "round trip: mode 0600 kept");
	ok((mode_of("top/empty") & 07777) == 0640, "round trip: mode 0640 kept despite umask");
	ok((mode_of("top/sub") & 07777) == 0750, "round trip: directory mode kept");
	ok((mode_of("top/ro") & 07777) == 0555, "round trip: read-only directory mode set at the end");
	ok(content_is("top/ro/inside", "ro"), "round trip: file inside a read-only directory");
	ok((mode_of("top/setuid") & 07777) == 0755, "round trip: setuid bit dropped");
	ok((mode_of("top/sticky") & 07777) == 01777, "round trip: sticky directory kept");
	char *l = path_join(dest, "top/sub/link");
	char tgt[64] = "";
	ssize_t n = readlink(l, tgt, sizeof tgt - 1);
	if (n >= 0)
		tgt[n] = 0;
	ok(!strcmp(tgt, "../hello.txt"), "round trip: symlink target kept");
	free(l);
	char *h1 = path_join(dest, "top/sub/hard"), *h2 = path_join(dest, "top/hello.txt");
	ok(lstat(h1, &a) == 0 && lstat(h2, &b) == 0, "round trip: hard link exists");
	free(h1);
	free(h2);
	/* The hard link was made before hello.txt was replaced. */
	ok(content_is("top/sub/hard", "hello, world\n"), "round trip: hard link has the first content");
	ok(content_is("top/dot/slashes", "dots\n"), "round trip: ./, . and // in names cleaned");
	ok(content_is("top/prefixed/dir/name.c", "pfx"), "round trip: ustar prefix field");
	ok(content_is("implicit/parent/f", "x"), "round trip: missing parents created");
	ok(nothing_outside(), "round trip: nothing outside");
	char *cmd = xasprintf("chmod -R u+w %s", dest);
	ok(system(cmd) == 0, "round trip: tree is ours to clean");
	free(cmd);
}

static void t_refusals(void)
{
	struct tb t = {0};
	char *abs = xasprintf("%s/abs", outside);
	file(&t, abs, 0644, "x");
	refused_archive(&t, -SPROUT_ERR_UNSAFE, abs, "absolute path");
	free(abs);

	file(&t, "ok.txt", 0644, "fine");
	file(&t, "../x", 0644, "x");
	refused_archive(&t, -SPROUT_ERR_UNSAFE, "../x", "../x");
	ok(exists(dest, "ok.txt"), "../x: members before it were extracted");

	file(&t, "a/../../x", 0644, "x");
	refused_archive(&t, -SPROUT_ERR_UNSAFE, "a/../../x", "a/../../x");

	hdr(&t, "a/", '5', 0755, 0, NULL);
	hdr(&t, "a/l", '2', 0777, 0, "../../etc");
	refused_archive(&t, -SPROUT_ERR_UNSAFE, "a/l", "symlink to ../../etc");
	ok(!exists(dest, "a/l"), "symlink to ../../etc: not created");

	hdr(&t, "l", '2', 0777, 0, "../outside");
	refused_archive(&t, -SPROUT_ERR_UNSAFE, "l", "symlink to ../outside");

	hdr(&t, "l", '2', 0777, 0, "/etc/passwd");
	refused_archive(&t, -SPROUT_ERR_UNSAFE, "l", "symlink to an absolute path");

	/* "sub/.." is inside lexically, but sub may itself be a symlink. */
	hdr(&t, "sub", '2', 0777, 0, ".");
	hdr(&t, "l", '2', 0777, 0, "sub/../../outside");
	refused_archive(&t, -SPROUT_ERR_UNSAFE, "l", "symlink with '..' after a name");

	file(&t, "f", 0644, "x");
	hdr(&t, "h", '1', 0644, 0, "../x");
	refused_archive(&t, -SPROUT_ERR_UNSAFE, "h", "hard link to ../x");

	char *abs2 = xasprintf("%s/target", outside);
	hdr(&t, "h", '1', 0644, 0, abs2);
	refused_archive(&t, -SPROUT_ERR_UNSAFE, "h", "hard link to an absolute path");
	free(abs2);

	/* A symlink fine in its own directory, hard-linked somewhere shallower. */
	hdr(&t, "a/b/", '5', 0755, 0, NULL);
	hdr(&t, "a/b/up", '2', 0777, 0, "../../f");
	hdr(&t, "up2", '1', 0777, 0, "a/b/up");
	refused_archive(&t, -SPROUT_ERR_UNSAFE, "up2", "hard link to a symlink that escapes from its new place");

	hdr(&t, "d", '2', 0777, 0, outside);
	file(&t, "d/file", 0644, "x");
	refused_archive(&t, -SPROUT_ERR_UNSAFE, "d", "symlink d -> outside dir");

	/* The symlink is already there (not from this archive). */
	file(&t, "d/file", 0644, "x");
	end(&t);
	save(&t, t.n);
	fresh();
	char *dl = path_join(dest, "d");
	ok(symlink(outside, dl) == 0, "pre-made symlink d -> outside");
	free(dl);
	refused(extract(), -SPROUT_ERR_UNSAFE, "d/file", "member d/file through a symlink");

	/* An inside symlink is fine, writing through it is not. */
	hdr(&t, "real/", '5', 0755, 0, NULL);
	hdr(&t, "l", '2', 0777, 0, "real");
	file(&t, "l/file", 0644, "x");
	refused_archive(&t, -SPROUT_ERR_UNSAFE, "l/file", "member written through an inside symlink");
	ok(!exists(dest, "real/file"), "inside symlink: nothing written through it");

	hdr(&t, "l", '2', 0777, 0, "real");
	hdr(&t, "l/", '5', 0755, 0, NULL);
	refused_archive(&t, -SPROUT_ERR_UNSAFE, "l/", "directory over a symlink");

	hdr(&t, "dev", '3', 0644, 0, NULL);
	refused_archive(&t, -SPROUT_ERR_UNSAFE, "dev", "character device");

	hdr(&t, "fifo", '6', 0644, 0, NULL);
	refused_archive(&t, -SPROUT_ERR_UNSAFE, "fifo", "fifo");

	/* A pax path cannot smuggle what the header name would not. */
	struct buf b = {0};
	pax_record(&b, "path=../pax-escape");
	meta(&t, 'x', b.s, b.len);
	file(&t, "harmless", 0644, "x");
	end(&t);
	save(&t, t.n);
	buf_free(&b);
	fresh();
	refused(extract(), -SPROUT_ERR_UNSAFE, "../pax-escape", "pax path with ..");

	const char gl[] = "../gnu-escape";
	meta(&t, 'L', gl, sizeof gl);
	file(&t, "harmless", 0644, "x");
	refused_archive(&t, -SPROUT_ERR_UNSAFE, "../gnu-escape", "GNU long name with ..");
}

static void t_formats(void)
{
	struct tb t = {0};
	char longname[400];
	/* GNU long name and long link. */
	snprintf(longname, sizeof longname, "gnu/%s/%s", 
		"dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd",
		"ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff.txt");
	meta(&t, 'L', longname, strlen(longname) + 1);
	hdr(&t, "gnu/truncated-name", '0', 0644, 4, NULL);
	data(&t, "long", 4);
	meta(&t, 'L', "gnu/ln", 7);
	meta(&t, 'K', longname, strlen(longname) + 1);
	hdr(&t, "gnu/ln-trunc", '1', 0644, 0, "bogus");
	end(&t);
	save(&t, t.n);
	fresh();
	int r = extract();
	ok(r == 0, "GNU long name: extracts (%s)", r ? err_msg(r) : "ok");
	ok(content_is(longname, "long"), "GNU long name: file at the long path");
	ok(content_is("gnu/ln", "long"), "GNU long link: hard link to the long path");
	ok(!exists(dest, "gnu/truncated-name"), "GNU long name: the short name is not used");

	/* pax path, size and a global header, which is ignored. */
	struct buf b = {0};
	pax_record(&b, "comment=global things");
	pax_record(&b, "path=../ignored");
	meta(&t, 'g', b.s, b.len);
	buf_free(&b);
	pax_record(&b, "path=pax/a-name-from-the-pax-header");
	pax_record(&b, "size=11");
	pax_record(&b, "mtime=1700000000.123456789");
	pax_record(&b, "uname=somebody");
	meta(&t, 'x', b.s, b.len);
	buf_free(&b);
	hdr(&t, "short", '0', 0644, 0, NULL);     /* pax size 11 wins over 0 */
	data(&t, "pax content", 11);
	pax_record(&b, "linkpath=a-name-from-the-pax-header");
	meta(&t, 'x', b.s, b.len);
	buf_free(&b);
	hdr(&t, "pax/sym", '2', 0777, 0, "wrong");
	/* Base-256 size field. */
	unsigned char *h = hdr_full(&t, NULL, "b256", '0', 0644, 0, NULL);
	memset(h + 124, 0, 12);
	h[124] = 0x80;
	h[135] = 5;
	checksum(h);
	data(&t, "bytes", 5);
	r = extract_archive(&t);
	ok(r == 0, "pax: extracts (%s)", r ? err_msg(r) : "ok");
	ok(content_is("pax/a-name-from-the-pax-header", "pax content"), "pax: path and size");
	ok(content_is("pax/sym", "pax content"), "pax: linkpath");
	ok(!exists(dest, "short"), "pax: header name not used");
	ok(content_is("b256", "bytes"), "base-256 size field");
	ok(nothing_outside(), "pax: global header path ignored");

	/* Truncated inside a file's data, at a block boundary without the
	 * end marker, and inside a header. */
	char big[5000];
	memset(big, 'z', sizeof big);
	big[sizeof big - 1] = 0;
	file(&t, "first", 0644, "1");
	file(&t, "big", 0644, big);
	size_t whole = t.n;
	end(&t);
	unsigned char *copy = xmalloc(t.n);
	memcpy(copy, t.p, t.n);
	save(&t, 512 * 4);
	fresh();
	r = extract();
	ok(r == -SPROUT_ERR_FORMAT, "truncated in data: SPROUT_ERR_FORMAT (%s)", r ? err_msg(r) : "ok");
	ok(r && strstr(err_msg(r), "truncated"), "truncated in data: message says so");
	ok(content_is("first", "1") && !exists(dest, "big"),
	   "truncated in data: the members before it stay, the one cut short is not left behind");
	t.p = xmalloc(whole);
	memcpy(t.p, copy, whole);
	save(&t, whole);
	fresh();
	r = extract();
	ok(r == -SPROUT_ERR_FORMAT, "truncated at a member boundary: SPROUT_ERR_FORMAT (%s)", r ? err_msg(r) : "ok");
	t.p = xmalloc(whole);
	memcpy(t.p, copy, whole);
	save(&t, 512 * 2 + 100);
	fresh();
	r = extract();
	ok(r == -SPROUT_ERR_FORMAT, "truncated in a header: SPROUT_ERR_FORMAT (%s)", r ? err_msg(r) : "ok");
	copy[512 * 2 + 10] ^= 1;    /* the second header's name */
	t.p = copy;
	save(&t, whole + 1024);
	fresh();
	r = extract();
	ok(r == -SPROUT_ERR_FORMAT && strstr(err_msg(r), "checksum"), "bad checksum: SPROUT_ERR_FORMAT (%s)",
		r ? err_msg(r) : "ok");

	/* Sizes past 8 GiB: base-256 and pax, cut short. */
	h = hdr_full(&t, NULL, "huge", '0', 0644, 0, NULL);
	memset(h + 124, 0, 12);
	h[124] = 0x80;
	h[130] = 0x10;              /* 2^44 bytes */
	checksum(h);
	data(&t, "start", 5);
	save(&t, t.n);
	fresh();
	r = extract();
	ok(r == -SPROUT_ERR_FORMAT, "base-256 size of 16 TiB, cut short: SPROUT_ERR_FORMAT (%s)", r ? err_msg(r) : "ok");
	h = hdr_full(&t, NULL, "neg", '0', 0644, 0, NULL);
	memset(h + 124, 0xff, 12);  /* negative base-256 */
	checksum(h);
	r = extract_archive(&t);
	ok(r == -SPROUT_ERR_FORMAT, "negative base-256 size: SPROUT_ERR_FORMAT (%s)", r ? err_msg(r) : "ok");
	pax_record(&b, "size=9000000000");
	meta(&t, 'x', b.s, b.len);
	buf_free(&b);
	hdr(&t, "huge", '0', 0644, 0, NULL);
	data(&t, "start", 5);
	save(&t, t.n);
	fresh();
	r = extract();
	ok(r == -SPROUT_ERR_FORMAT && !exists(dest, "huge"), "pax size of 9 GB, cut short: SPROUT_ERR_FORMAT, no partial member (%s)",
		r ? err_msg(r) : "ok");
	pax_record(&b, "size=99999999999999999999999");
	meta(&t, 'x', b.s, b.len);
	buf_free(&b);
	hdr(&t, "huge", '0', 0644, 0, NULL);
	r = extract_archive(&t);
	ok(r == -SPROUT_ERR_FORMAT, "pax size past 64 bits: SPROUT_ERR_FORMAT (%s)", r ? err_msg(r) : "ok");

	/* pax mtime: what GNU tar refuses is refused; a good one is kept */
	static const char *const bad_mtimes[] = {"mtime=", "mtime=abc", "mtime=12x", "mtime=-",
		"mtime=1.", "mtime=.5", "mtime=1.2.3", "mtime=99999999999999999999", "mtime=100000000000",
		"mtime=-100000000000", "mtime= 5", NULL};
	for (int i = 0; bad_mtimes[i]; i++) {
		pax_record(&b, bad_mtimes[i]);
		meta(&t, 'x', b.s, b.len);
		buf_free(&b);
		file(&t, "timed", 0644, "x");
		r = extract_archive(&t);
		ok(r == -SPROUT_ERR_FORMAT && strstr(err_msg(r), "bad pax mtime") && !exists(dest, "timed"),
		   "pax '%s': SPROUT_ERR_FORMAT (%s)", bad_mtimes[i], r ? err_msg(r) : "ok");
	}
	static const char *const good_mtimes[][2] = {{"mtime=1700000000.5", "1700000000"},
		{"mtime=-86400", "-86400"}, {"mtime=4102444800", "4102444800"}, {"mtime=0", "0"}};
	for (int i = 0; i < 4; i++) {
		pax_record(&b, good_mtimes[i][0]);
		meta(&t, 'x', b.s, b.len);
		buf_free(&b);
		file(&t, "timed", 0644, "x");
		r = extract_archive(&t);
		struct stat st;
		char *pth = xasprintf("%s/timed", dest);
		int got = stat(pth, &st) == 0 && (long long)st.st_mtime == atoll(good_mtimes[i][1]);
		free(pth);
		ok(r == 0 && got, "pax '%s' is kept (%s)", good_mtimes[i][0], r ? err_msg(r) : "ok");
	}

	save(&t, 0);
	r = extract();
	ok(r == -SPROUT_ERR_FORMAT, "empty file: SPROUT_ERR_FORMAT (%s)", r ? err_msg(r) : "ok");

	data(&t, "this is not a tar archive at all, just text", 44);
	save(&t, t.n);
	r = extract();
	ok(r == -SPROUT_ERR_FORMAT, "not a tar archive: SPROUT_ERR_FORMAT (%s)", r ? err_msg(r) : "ok");

	unlink(arc);
	err_clear();
	r = tar_extract(arc, dest);
	ok(r == -ENOENT && strstr(err_msg(r), arc), "missing archive: ENOENT naming it (%s)", err_msg(r));
}

static void mkdirs(const char *rel)
{
	char *p = path_join(outside, rel);
	mkdir_p(p, 0755);
	free(p);
}

static void t_writer(void)
{
	/* A tree in outside/tree with a long (>100) and a very long (>255) path. */
	char n100[200], n255[600], seg[120];
	memset(seg, 's', 110);
	seg[110] = 0;
	snprintf(n100, sizeof n100, "tree/%s", seg);
	snprintf(n255, sizeof n255, "tree/%s/%s/%s/deep.txt", seg, seg, seg);
	char *tree = path_join(outside, "tree");
	char *p;
	mkdirs(n255);       /* makes deep.txt a directory: remove it again */
	p = path_join(outside, n255);
	rmdir(p);
	file_write_atomic(p, "deep\n", 5);
	chmod(p, 0640);
	free(p);
	mkdirs("tree/a/b");
	mkdirs("tree/a-b");
	mkdirs("tree/ro");
	p = path_join(outside, "tree/a/b/f.sh");
	file_write_atomic(p, "#!/bin/sh\n", 10);
	chmod(p, 0755);
	free(p);
	p = path_join(outside, "tree/a/ln");
	symlink("b/f.sh", p);
	free(p);
	char longtarget[300];
	memset(longtarget, 'T', 200);
	strcpy(longtarget + 200, "/end");
	p = path_join(outside, "tree/a/longlink");
	symlink(longtarget, p);     /* dangling, but within */
	free(p);
	p = path_join(outside, "tree/ro");
	chmod(p, 0555);
	free(p);

	char *out1 = path_join(base, "w1.tar"), *out2 = path_join(base, "w2.tar");
	err_clear();
	int r = tar_write_tree(tree, out1, 1000000000);
	ok(r == 0, "writer: writes (%s)", r ? err_msg(r) : "ok");
	char *again = xasprintf("touch %s/a/b/f.sh", tree);
	ok(system(again) == 0, "writer: touch a file");
	free(again);
	r = tar_write_tree(tree, out2, 1000000000);
	char *c1 = slurp(out1), *c2 = slurp(out2);
	struct stat st;
	ok(r == 0 && stat(out1, &st) == 0 && st.st_size % 10240 == 0, "writer: archive padded to 10240");
	ok(c1 && c2 && memcmp(c1, c2, (size_t)st.st_size) == 0, "writer: deterministic (mtimes clamped)");
	ok(c1 && st.st_size > 1024 && !memcmp(c1 + 257, "ustar\0" "00", 8), "writer: ustar magic");
	/* Members in bytewise order, owners blank: list with GNU tar. */
	char *cmd = xasprintf("tar -tvf %s > %s/list 2>&1", out1, base);
	ok(system(cmd) == 0, "writer: GNU tar reads the archive");
	free(cmd);
	char *lp = path_join(base, "list");
	char *list = slurp(lp);
	ok(list && strstr(list, "0/0") && strstr(list, "2001-09-09"), "writer: owner 0/0 and clamped mtime");
	/* Bytewise by path: "a" < "a-b" < "a/b" ('-' is 0x2d, '/' 0x2f). */
	char *i1 = list ? strstr(list, " a/\n") : NULL, *i2 = list ? strstr(list, " a-b/\n") : NULL;
	char *i3 = list ? strstr(list, " a/b/\n") : NULL;
	ok(i1 && i2 && i3 && i1 < i2 && i2 < i3, "writer: sorted bytewise (a, a-b, a/b)");
	ok(list && strstr(list, seg) && strstr(list, "deep.txt"), "writer: long paths listed");
	ok(list && strstr(list, longtarget), "writer: long symlink target listed");
	free(list);
	unlink(lp);
	free(lp);

	/* Extract what was written and compare the trees. */
	rm_rf(dest);
	mkdir(dest, 0755);
	err_clear();
	r = tar_extract(out1, dest);
	ok(r == 0, "writer: own archive extracts (%s)", r ? err_msg(r) : "ok");
	/* Compared by their manifests (type, mode, content, link target of
	 * every entry), not by diff: busybox's has no --no-dereference. */
	struct buf m1 = {0}, m2 = {0};
	ok(manifest_build(tree, &m1) == 0 && manifest_build(dest, &m2) == 0 && m1.len && m1.len == m2.len &&
		   !memcmp(m1.s, m2.s, m1.len),
	   "writer: extracted tree matches the original");
	buf_free(&m1);
	buf_free(&m2);
	ok(content_is(n255 + 5, "deep\n") && (mode_of(n255 + 5) & 0777) == 0640,
		"writer: path longer than 255 round trip with mode");
	ok(strlen(n255) > 255 && strlen(n100) > 100, "writer: the paths really are long");
	ok((mode_of("a/b/f.sh") & 0777) == 0755 && (mode_of("ro") & 0777) == 0555,
		"writer: modes round trip");
	ok(S_ISLNK(mode_of("a/longlink")), "writer: long symlink round trip");

	/* A device-less tree error: a fifo is refused. */
	p = path_join(tree, "fifo");
	mkfifo(p, 0644);
	err_clear();
	r = tar_write_tree(tree, out2, 0);
	ok(r < 0 && strstr(err_msg(r), "fifo"), "writer: fifo refused, named (%s)", r ? err_msg(r) : "ok");
	ok(!path_exists(out2), "writer: no partial archive left");
	unlink(p);
	free(p);

	cmd = xasprintf("chmod -R u+w %s %s", tree, dest);
	system(cmd);
	free(cmd);
	rm_rf(tree);
	free(tree);
	unlink(out1);
	free(out1);
	free(out2);
	free(c1);
	free(c2);
}

static void t_compressed(void)
{
	struct tb t = {0};
	static const char *const tools[][2] = {
		{ "gzip", "gz" }, { "bzip2", "bz2" }, { "xz", "xz" }, { "zstd -q", "zst" },
	};
	hdr(&t, "c/", '5', 0755, 0, NULL);
	file(&t, "c/data", 0644, "compressed content\n");
	end(&t);
	save(&t, t.n);
	char *plain = xstrdup(arc);
	for (size_t i = 0; i < sizeof tools / sizeof tools[0]; i++) {
		char *z = xasprintf("%s/c.tar.%s", base, tools[i][1]);
		char *cmd = xasprintf("%s -c < %s > %s", tools[i][0], plain, z);
		if (system(cmd) != 0) {
			ok(1, "# SKIP %s not available", tools[i][0]);
			free(cmd);
			free(z);
			continue;
		}
		fresh();
		err_clear();
		int r = tar_extract(z, dest);
		ok(r == 0, "%s: extracts (%s)", tools[i][0], r ? err_msg(r) : "ok");
		ok(content_is("c/data", "compressed content\n"), "%s: content", tools[i][0]);
		/* The same through the external tool. */
		struct decomp *d;
		char *want = slurp(plain);
		struct buf got = {0};
		int fd = open(z, O_RDONLY | O_CLOEXEC);
		r = decomp_open_external(fd, &d);
		if (!r) {
			char chunk[300];
			ssize_t n;
			while ((n = decomp_read(d, chunk, sizeof chunk)) > 0)
				buf_add(&got, chunk, (size_t)n);
			r = n < 0 ? (int)n : decomp_close(d);
		}
		ok(r == 0 && got.len == 3 * 512 + 1024 && !memcmp(got.s, want, got.len),
			"%s: external tool gives the same bytes (%s)", tools[i][0], r ? err_msg(r) : "ok");
		buf_free(&got);
		free(want);
		/* Cut the compressed file short. */
		free(cmd);
		cmd = xasprintf("head -c 40 %s > %s.cut && mv %s.cut %s", z, z, z, z);
		system(cmd);
		fresh();
		err_clear();
		r = tar_extract(z, dest);
		ok(r == -SPROUT_ERR_FORMAT, "%s: truncated stream is SPROUT_ERR_FORMAT (%s)", tools[i][0],
			r ? err_msg(r) : "ok");
		unlink(z);
		free(cmd);
		free(z);
	}
	/* Two gzip streams back to back (like pigz or cat a.gz b.gz). */
	char *z = xasprintf("%s/multi.tar.gz", base);
	char *cmd = xasprintf("head -c 1024 %s | gzip -c > %s && tail -c +1025 %s | gzip -c >> %s",
		plain, z, plain, z);
	ok(system(cmd) == 0, "multi-stream gzip made");
	fresh();
	err_clear();
	int r = tar_extract(z, dest);
	ok(r == 0 && content_is("c/data", "compressed content\n"), "multi-stream gzip extracts (%s)",
		r ? err_msg(r) : "ok");
	unlink(z);
	free(cmd);
	free(z);
	free(plain);
}

int main(void)
{
	tap_tmpdir(base, sizeof base, "tar");
	snprintf(dest, sizeof dest, "%s/dest", base);
	snprintf(outside, sizeof outside, "%s/outside", base);
	snprintf(arc, sizeof arc, "%s/arc.tar", base);
	mkdir(dest, 0755);
	mkdir(outside, 0755);
	umask(027);     /* modes must be kept whatever the umask */
	t_roundtrip();
	t_refusals();
	t_formats();
	t_writer();
	t_compressed();
	char *cmd = xasprintf("chmod -R u+w %s; rm -rf %s", base, base);
	system(cmd);
	free(cmd);
	return tap_done();
}
