/* cpio_write_trees (docs/images.md): the newc archive of two small trees,
 * read back field by field here; and the GPT's GUID encoding. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include "archive/cpio.h"
#include "core/util.h"
#include "image/image_int.h"
#include "tap.h"

struct ent {
	char name[256];
	unsigned long f[13];    /* ino mode uid gid nlink mtime size devmaj devmin rdevmaj rdevmin namesize check */
	const char *data;
};

/* Parse the entry at *off of a (n bytes); 0 at the trailer or on error. */
static int next(const char *a, size_t n, size_t *off, struct ent *e, int *bad)
{
	if (*off + 110 > n || memcmp(a + *off, "070701", 6)) {
		*bad = 1;
		return 0;
	}
	for (int i = 0; i < 13; i++) {
		char h[9];
		memcpy(h, a + *off + 6 + 8 * i, 8);
		h[8] = 0;
		e->f[i] = strtoul(h, NULL, 16);
	}
	size_t ns = e->f[11];
	if (ns == 0 || ns > sizeof e->name || *off + 110 + ns > n || a[*off + 110 + ns - 1]) {
		*bad = 1;
		return 0;
	}
	memcpy(e->name, a + *off + 110, ns);
	size_t p = (*off + 110 + ns + 3) & ~(size_t)3;
	e->data = a + p;
	*off = (p + e->f[6] + 3) & ~(size_t)3;
	return strcmp(e->name, "TRAILER!!!") != 0;
}

static void mk(const char *path, const char *text, mode_t mode)
{
	FILE *f = fopen(path, "w");
	if (f) {
		fputs(text, f);
		fclose(f);
	}
	chmod(path, mode);
}

/* mk of the file name in dir. */
static void mk_in(const char *dir, const char *name, const char *text, mode_t mode)
{
	char *p = path_join(dir, name);
	mk(p, text, mode);
	free(p);
}

int main(void)
{
	char a[] = "/tmp/sprout-cpio.XXXXXX";
	if (!mkdtemp(a))
		return 1;
	char *t1 = path_join(a, "one"), *t2 = path_join(a, "two"), *out = path_join(a, "out.cpio");
	char *p;
	mkdir(t1, 0755);
	mkdir(t2, 0755);
	p = path_join(t1, "usr");
	mkdir(p, 0755);
	free(p);
	mk_in(t1, "usr/hello", "hello\n", 0755);
	mk_in(t1, "b", "from one\n", 0644);
	p = path_join(t1, "link");
	if (symlink("usr/hello", p))
		return 1;
	free(p);
	mk_in(t2, "b", "from two!\n", 0600);
	mk_in(t2, "a", "", 0644);

	const char *dirs[2] = {t1, t2};
	ok(cpio_write_trees(dirs, 2, out, 1700000000, 0) == 0, "two trees are written");
	struct buf b = {0};
	file_read(out, &b);
	ok(b.len % 512 == 0, "the archive is padded to 512 bytes (%zu)", b.len);
	size_t off = 0;
	int bad = 0, n = 0;
	struct ent e;
	const char *want[] = {"a", "b", "link", "usr", "usr/hello"};
	int sorted = 1, owners = 1, times = 1, inos = 1;
	while (next(b.s, b.len, &off, &e, &bad)) {
		if (n < 5 && strcmp(e.name, want[n]))
			sorted = 0;
		if (e.f[2] || e.f[3])
			owners = 0;
		if (e.f[5] != 1700000000)
			times = 0;
		if (e.f[0] != (unsigned long)n + 1)
			inos = 0;
		if (!strcmp(e.name, "b"))
			ok(e.f[1] == (0100000 | 0600) && e.f[6] == 10 && !memcmp(e.data, "from two!\n", 10),
			   "a path in the later tree replaces the earlier one's (mode %lo)", e.f[1]);
		if (!strcmp(e.name, "link"))
			ok(e.f[1] == (0120000 | 0777) && e.f[6] == 9 && !memcmp(e.data, "usr/hello", 9),
			   "a symlink's target is its data");
		if (!strcmp(e.name, "usr"))
			ok(e.f[1] == (040000 | 0755) && e.f[4] == 2 && e.f[6] == 0, "a directory: mode, nlink 2, no data");
		if (!strcmp(e.name, "usr/hello"))
			ok(e.f[1] == (0100000 | 0755) && e.f[4] == 1 && !memcmp(e.data, "hello\n", 6),
			   "a file: mode, nlink 1, its bytes");
		n++;
	}
	ok(!bad && n == 5, "5 entries and the trailer (%d)", n);
	ok(sorted, "sorted bytewise by path, no '.' entry");
	ok(owners, "uid and gid 0");
	ok(times, "times clamped to the epoch");
	ok(inos, "inode numbers counted from 1");
	buf_free(&b);

	struct buf c = {0};
	cpio_write_trees(dirs, 2, out, 1700000000, 0);
	file_read(out, &c);
	file_read(out, &b);
	ok(b.len == c.len && !memcmp(b.s, c.s, b.len), "a second run gives the same bytes");
	buf_free(&b);
	buf_free(&c);
	const char *missing[1] = {"/nonexistent/sprout"};
	unlink(out);
	ok(cpio_write_trees(missing, 1, out, 0, 0) < 0 && access(out, F_OK) != 0, "a missing tree fails, no archive left");

	unsigned char g[16];
	static const unsigned char esp[16] = {0x28, 0x73, 0x2a, 0xc1, 0x1f, 0xf8, 0xd2, 0x11,
					      0xba, 0x4b, 0x00, 0xa0, 0xc9, 0x3e, 0xc9, 0x3b};
	ok(image_guid("c12a7328-f81f-11d2-ba4b-00a0c93ec93b", g) == 0 && !memcmp(g, esp, 16),
	   "a GUID's first three fields are little-endian on disk");
	ok(image_guid("c12a7328-f81f-11d2-ba4b-00a0c93ec93", g) < 0, "a short GUID is refused");
	rm_rf(a);
	free(t1);
	free(t2);
	free(out);
	return tap_done();
}
