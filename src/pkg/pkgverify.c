/* pkg verify: the installed files against the database. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/err.h"
#include "pkg/pkgfs.h"
#include "pkg/pkgtx.h"
#include "core/sha256.h"

static const char *type_name(mode_t m)
{
	return S_ISREG(m) ? "file" : S_ISDIR(m) ? "directory" : S_ISLNK(m) ? "link" : "special file";
}

/* What is wrong with entry e in the root, into why (empty: nothing). */
static void check_entry(struct pkgfs *w, const struct pkgdb_map *owners, const struct pkg_entry *e, struct buf *why)
{
	struct stat st;
	const char *base;
	int pfd = pkgfs_parent(w, e->path, &base);
	int r = pfd < 0 ? pfd : fstatat(pfd, base, &st, AT_SYMLINK_NOFOLLOW) < 0 ? -errno : 0;
	if (r == -ENOENT) {
		buf_adds(why, "missing");
		return;
	}
	if (r) {
		buf_adds(why, r == -SPROUT_ERR_UNSAFE ? "a directory above it is a link or a file" : strerror(-r));
		return;
	}
	int same = e->type == 'f' ? S_ISREG(st.st_mode) : e->type == 'd' ? S_ISDIR(st.st_mode) : S_ISLNK(st.st_mode);
	if (!same) {
		buf_addf(why, "a %s, expected a %s", type_name(st.st_mode),
			 e->type == 'f' ? "file" : e->type == 'd' ? "directory" : "link");
		return;
	}
	unsigned mode = (unsigned)(st.st_mode & 07777);
	if (e->type == 'd') {
		int agree = 1;
		for (const struct pkgdb_owner *o = pkgdb_map_get(owners, e->path); o; o = o->next)
			agree &= o->e->type != 'd' || o->e->mode == e->mode;
		if (agree && mode != e->mode)
			buf_addf(why, "mode %04o, expected %04o", mode, e->mode);
	} else if (e->type == 'l') {
		char t[PKG_PATH_MAX + 1];
		ssize_t n = readlinkat(pfd, base, t, sizeof t - 1);
		if (n >= 0)
			t[n] = 0;
		if (n < 0 || strcmp(t, e->target)) {
			buf_adds(why, "links to ");
			pkg_escape(why, n < 0 ? "?" : t);
			buf_adds(why, ", expected ");
			pkg_escape(why, e->target);
		}
	} else if (mode != e->mode) {
		buf_addf(why, "mode %04o, expected %04o", mode, e->mode);
	} else if ((unsigned long long)st.st_size != e->size) {
		buf_addf(why, "%lld bytes, expected %llu", (long long)st.st_size, e->size);
	} else {
		unsigned char d[32];
		int fd = openat(pfd, base, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		int hr = fd < 0 ? -errno : sha256_fd(fd, d);
		if (fd >= 0)
			close(fd);
		if (hr)
			buf_adds(why, strerror(-hr));
		else if (memcmp(d, e->sha256, 32))
			buf_adds(why, "content differs");
	}
}

int pkgroot_verify(struct pkgroot *rt, char **names, size_t n, struct buf *out, size_t *problems, size_t *entries)
{
	struct pkgdb *db = &rt->db;
	struct pkgfs w;
	size_t total = 0;
	*problems = *entries = 0;
	for (size_t k = 0; k < n; k++)
		if (pkgdb_find(db, names[k]) < 0)
			return errf(-SPROUT_ERR_NOTFOUND, "%s is not installed", names[k]);
	for (size_t i = 0; i < db->n; i++)
		total += db->p[i]->man.n;
	struct pkgdb_map *owners = pkgdb_map_new(total);
	for (size_t i = 0; i < db->n; i++)
		for (size_t k = 0; k < db->p[i]->man.n; k++)
			pkgdb_map_add(owners, db->p[i], &db->p[i]->man.e[k], 0);
	pkgfs_init(&w, rt->fd);
	for (size_t i = 0; i < db->n; i++) {
		const struct pkgdb_pkg *p = db->p[i];
		int want = !n;
		for (size_t k = 0; k < n && !want; k++)
			want = !strcmp(names[k], p->meta.name);
		if (!want)
			continue;
		for (size_t k = 0; k < p->man.n; k++) {
			struct buf why = {0};
			check_entry(&w, owners, &p->man.e[k], &why);
			if (why.len) {
				buf_addf(out, "%s: ", p->meta.name);
				pkg_escape(out, p->man.e[k].path);
				buf_addf(out, ": %s\n", why.s);
				++*problems;
			}
			buf_free(&why);
			++*entries;
		}
	}
	pkgfs_done(&w);
	pkgdb_map_free(owners);
	return 0;
}
