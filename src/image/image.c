/* sprout image (docs/images.md): the formats, and what they share. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <dirent.h>

#include "archive/cpio.h"
#include "archive/tar.h"
#include "core/err.h"
#include "core/sha256.h"
#include "core/util.h"
#include "image/image_int.h"

static const char *const names[] = {"tar", "cpio", "ext4", "oci", "disk"};

int image_format_parse(const char *name)
{
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (!strcmp(name, names[i]))
			return (int)i;
	return -1;
}

const char *image_format_name(enum image_format f)
{
	return (unsigned)f < sizeof names / sizeof names[0] ? names[f] : "?";
}

int image_guid(const char *s, unsigned char out[16])
{
	/* Byte order on disk: 3 2 1 0 - 5 4 - 7 6 - 8 9 - 10 ... 15. */
	static const int pos[16] = {3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15};
	int k = 0;
	if (strlen(s) != 36)
		return -EINVAL;
	for (int i = 0; i < 36;) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i++] != '-')
				return -EINVAL;
			continue;
		}
		unsigned v = 0;
		for (int j = 0; j < 2; j++, i++) {
			char c = s[i];
			v <<= 4;
			if (c >= '0' && c <= '9')
				v |= (unsigned)(c - '0');
			else if (c >= 'a' && c <= 'f')
				v |= (unsigned)(c - 'a' + 10);
			else if (c >= 'A' && c <= 'F')
				v |= (unsigned)(c - 'A' + 10);
			else
				return -EINVAL;
		}
		out[pos[k++]] = (unsigned char)v;
	}
	return 0;
}

int image_run(char *const argv[], char *const envp[], const char *log, int userns)
{
	char umap[64], gmap[64];
	snprintf(umap, sizeof umap, "0 %u 1\n", (unsigned)getuid());
	snprintf(gmap, sizeof gmap, "0 %u 1\n", (unsigned)getgid());
	int lfd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (lfd < 0)
		return errf(-errno, "%s: %s", log, strerror(errno));
	int root = getuid() == 0;
	pid_t pid = fork();
	if (pid < 0) {
		int r = -errno;
		close(lfd);
		return errf(r, "fork: %s", err_str(r));
	}
	if (pid == 0) {
		if (userns && unshare(CLONE_NEWUSER) == 0) {
			int fd = open("/proc/self/setgroups", O_WRONLY);
			if (fd >= 0) {
				if (write(fd, "deny", 4) < 0)
					_exit(126);
				close(fd);
			}
			fd = open("/proc/self/uid_map", O_WRONLY);
			if (fd < 0 || write(fd, umap, strlen(umap)) < 0)
				_exit(126);
			close(fd);
			fd = open("/proc/self/gid_map", O_WRONLY);
			if (fd < 0 || write(fd, gmap, strlen(gmap)) < 0)
				_exit(126);
			close(fd);
		} else if (userns && !root) {
			/* Rootless without a user namespace: the owners would be ours. */
			_exit(126);
		}
		int nul = open("/dev/null", O_RDONLY);
		if (nul < 0 || dup2(nul, 0) < 0 || dup2(lfd, 1) < 0 || dup2(lfd, 2) < 0)
			_exit(127);
		execve(argv[0], argv, envp);
		_exit(127);
	}
	close(lfd);
	int st;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return errf(-errno, "waitpid: %s", strerror(errno));
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
		return 0;
	char *line = file_last_line(log);
	const char *last = line ? line : "(no output)";
	int r;
	if (WIFEXITED(st) && WEXITSTATUS(st) == 126)
		r = errf(SPROUT_ERR_SANDBOX, "%s: cannot make a user namespace to run it as uid 0", argv[0]);
	else if (WIFEXITED(st) && WEXITSTATUS(st) == 127)
		r = errf(-ENOENT, "%s: cannot run it (%s)", argv[0], last);
	else
		r = errf(-EIO, "%s failed (%s %d): %s (log: %s)", argv[0], WIFEXITED(st) ? "exit" : "signal",
			 WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st), last, log);
	free(line);
	return r;
}

/* Bytes and entries of the tree under dfd, counted as ext4 would hold them. */
static void tree_size(int dfd, unsigned long long *bytes, unsigned long long *n)
{
	int fd = dup(dfd);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	if (!d) {
		if (fd >= 0)
			close(fd);
		return;
	}
	struct dirent *de;
	while ((de = readdir(d)) != NULL) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		struct stat st;
		if (fstatat(dfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		(*n)++;
		*bytes += ((unsigned long long)st.st_size + 4095) / 4096 * 4096;
		if (S_ISDIR(st.st_mode)) {
			int sub = openat(dfd, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (sub >= 0) {
				tree_size(sub, bytes, n);
				close(sub);
			}
		}
	}
	closedir(d);
}

int image_ext4(const struct image_spec *s, const char *dir, const char *out)
{
	unsigned long long bytes = 0, n = 0;
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return errf(-errno, "%s: %s", dir, strerror(errno));
	tree_size(dfd, &bytes, &n);
	close(dfd);
	/* A quarter more than the files, the journal and the tables, in MiB. */
	unsigned long long mib = (bytes + bytes / 4 + n * 4096) / (1 << 20) + 24;
	if (mib < 32)
		mib = 32;
	unsigned long long inodes = n * 2 + 1024;
	if (!s->mke2fs)
		return errf(SPROUT_ERR_NOTFOUND, "no mke2fs to write an ext4 image with");
	char *size = xasprintf("%lluM", mib);
	char *nopt = xasprintf("%llu", inodes);
	char *eopt = xasprintf("hash_seed=%s,root_owner=0:0,lazy_itable_init=0,lazy_journal_init=0,nodiscard",
			       IMAGE_FS_UUID);
	char *sde = xasprintf("SOURCE_DATE_EPOCH=%lld", s->epoch);
	char *conf = xasprintf("MKE2FS_CONFIG=%s", s->mke2fs_conf ? s->mke2fs_conf : "/dev/null");
	char *log = path_join(s->workdir, "mke2fs.log");
	char *argv[] = {(char *)s->mke2fs, "-q", "-F", "-t", "ext4", "-b", "4096", "-N", nopt, "-m", "0", "-L", "sprout",
			"-U", IMAGE_FS_UUID, "-E", eopt, "-d", (char *)dir, (char *)out, size, NULL};
	char *envp[] = {"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL=C", "TZ=UTC", sde, conf, NULL};
	unlink(out);
	int r = image_run(argv, envp, log, 1);
	if (r)
		unlink(out);
	free(size);
	free(nopt);
	free(eopt);
	free(sde);
	free(conf);
	free(log);
	return r;
}

/* The tree an ext4 or disk image holds: rootfs, with the overlay copied
 * over it when there is one (into workdir/root; *dir is that or rootfs). */
static int stage_tree(const struct image_spec *s, char **dir)
{
	if (!s->overlay) {
		*dir = xstrdup(s->rootfs);
		return 0;
	}
	char *root = path_join(s->workdir, "root");
	int r = tree_copy(s->rootfs, root, 0);
	if (!r)
		r = tree_copy(s->overlay, root, 0);
	if (r) {
		r = errf(r, "cannot copy the tree into %s: %s", root, err_str(r));
		free(root);
		return r;
	}
	*dir = root;
	return 0;
}

static int file_digest(const char *path, char hex[65])
{
	unsigned char d[32];
	int r = sha256_file(path, d);
	if (r)
		return errf(r, "%s: %s", path, err_str(r));
	sha256_hex(d, hex);
	return 0;
}

int image_write(const struct image_spec *s, const char *out, char digest[65])
{
	int r = rm_rf(s->workdir);
	if (!r)
		r = mkdir_p(s->workdir, 0755);
	if (r)
		return errf(r, "%s: %s", s->workdir, err_str(r));
	char *dir = NULL, *ext4 = NULL;
	switch (s->format) {
	case IMAGE_TAR:
		r = tar_write_tree(s->rootfs, out, s->epoch);
		break;
	case IMAGE_CPIO: {
		const char *dirs[2] = {s->rootfs, s->overlay};
		r = cpio_write_trees(dirs, s->overlay ? 2 : 1, out, s->epoch, CPIO_GZIP);
		break;
	}
	case IMAGE_EXT4:
		r = stage_tree(s, &dir);
		if (!r)
			r = image_ext4(s, dir, out);
		break;
	case IMAGE_OCI:
		r = image_oci(s, out, digest);
		break;
	case IMAGE_DISK:
		ext4 = path_join(s->workdir, "root.ext4");
		r = stage_tree(s, &dir);
		if (!r)
			r = image_ext4(s, dir, ext4);
		if (!r)
			r = image_disk(s, ext4, out);
		break;
	default:
		r = errf(SPROUT_ERR_USAGE, "unknown image format");
	}
	if (!r && s->format != IMAGE_OCI)
		r = file_digest(out, digest);
	free(dir);
	free(ext4);
	rm_rf(s->workdir);
	return r;
}
