/* A foreign arch in the sandbox: binfmt_misc hands the arch's binaries to
 * qemu-user. Inside the sandbox's root there is no qemu, so the handler
 * needs the F (fix-binary) flag: the kernel opens the interpreter when the
 * handler is registered, not when a binary runs. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/err.h"
#include "sandbox/sandbox.h"
#include "core/util.h"

#define BINFMT_DIR "/proc/sys/fs/binfmt_misc"

int sandbox_arch_native(const char *arch)
{
	const char *host = host_arch();
	if (!arch || !strcmp(arch, host))
		return 1;
	/* An x86_64 kernel runs i386 binaries itself. */
	if (!strcmp(host, "x86_64") && arch[0] == 'i' && arch[1] >= '3' && arch[1] <= '6' &&
	    !strcmp(arch + 2, "86"))
		return 1;
	return 0;
}

/* The name qemu (and its binfmt handlers) gives arch. */
static const char *qemu_arch(const char *arch)
{
	static const char *const map[][2] = {
		{"i386", "i386"}, {"i486", "i386"}, {"i586", "i386"}, {"i686", "i386"},
		{"arm64", "aarch64"}, {"armv7l", "arm"}, {"armv6l", "arm"}, {"armhf", "arm"},
		{"powerpc64le", "ppc64le"}, {"amd64", "x86_64"},
	};
	for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
		if (!strcmp(arch, map[i][0]))
			return map[i][1];
	return arch;
}

static int how_to(const char *arch, const char *q, const char *why)
{
	return errf(-SPROUT_ERR_SANDBOX,
		    "cannot run %s binaries in the sandbox: %s; install Debian's qemu-user-static "
		    "(apt-get install qemu-user-static) and register its handler with the F flag "
		    "(sudo update-binfmts --enable qemu-%s, or sudo systemctl restart systemd-binfmt), "
		    "or run sprout as root, which registers it",
		    arch, why, q);
}

/* The handler's line from a systemd binfmt.d file, with F added:
 * ":name:type:offset:magic:mask:interpreter:flags". 0, or -ENOENT when
 * there is none, its interpreter missing. */
static int handler_line(const char *q, struct buf *out, char **interp)
{
	static const char *const dirs[] = {"/etc/binfmt.d", "/run/binfmt.d", "/usr/lib/binfmt.d"};
	for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++) {
		char *p = xasprintf("%s/qemu-%s.conf", dirs[i], q);
		struct buf b = {0};
		int r = file_read(p, &b);
		free(p);
		if (r) {
			buf_free(&b);
			continue;
		}
		char *save = NULL;
		for (char *l = strtok_r(b.s, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
			while (*l == ' ' || *l == '\t')
				l++;
			size_t n = strlen(l);
			while (n && (l[n - 1] == ' ' || l[n - 1] == '\t' || l[n - 1] == '\r'))
				l[--n] = 0;
			if (l[0] != ':')
				continue;
			/* name, type, offset, magic, mask, interpreter, flags */
			char *f[7] = {0};
			int k = 0;
			for (char *s = l; s && k < 7; k++) {
				f[k] = s + 1;
				s = strchr(s + 1, ':');
				if (s)
					*s = 0;
			}
			if (k < 6 || !f[5][0])
				continue;
			struct stat st;
			if (stat(f[5], &st) < 0)
				continue;
			const char *flags = k == 7 ? f[6] : "";
			buf_addf(out, ":%s:%s:%s:%s:%s:%s:%s%s", f[0], f[1], f[2], f[3], f[4], f[5], flags,
				 strchr(flags, 'F') ? "" : "F");
			*interp = xstrdup(f[5]);
			buf_free(&b);
			return 0;
		}
		buf_free(&b);
	}
	return -ENOENT;
}

static int write_str(const char *path, const char *s)
{
	FILE *f = fopen(path, "we");
	if (!f)
		return -errno;
	int r = -EIO;
	/* binfmt_misc takes a registration in one write. */
	if (setvbuf(f, NULL, _IOFBF, strlen(s) + 1) == 0 && fputs(s, f) >= 0 && fflush(f) == 0)
		r = 0;
	else
		r = -errno;
	if (fclose(f) != 0 && !r)
		r = -errno;
	return r;
}

enum handler { H_MISSING, H_READY, H_DISABLED, H_NO_F };

/* The state of binfmt_misc's entry at path: enum handler, or -errno. */
static int handler_state(const char *entry)
{
	struct buf b = {0};
	int r = file_read(entry, &b);
	if (r) {
		buf_free(&b);
		return r == -ENOENT ? H_MISSING : r;
	}
	const char *fl = strstr(b.s, "\nflags:");
	if (!fl || !memchr(fl + 7, 'F', strcspn(fl + 7, "\n")))
		r = H_NO_F;
	else if (strncmp(b.s, "enabled", 7))
		r = H_DISABLED;
	else
		r = H_READY;
	buf_free(&b);
	return r;
}

/* As root: register the handler from qemu-user-static's binfmt.d file. */
static int handler_register(const char *arch, const char *q)
{
	struct buf line = {0};
	char *interp = NULL;
	int r = handler_line(q, &line, &interp);
	if (r) {
		r = how_to(arch, q, "no binfmt.d configuration of qemu-user-static for it was found");
	} else {
		r = write_str(BINFMT_DIR "/register", line.s);
		if (r)
			r = errf(-SPROUT_ERR_SANDBOX, "cannot register the binfmt_misc handler qemu-%s (%s): %s", q, interp,
				 err_str(r));
	}
	free(interp);
	buf_free(&line);
	return r;
}

int sandbox_check_arch(const char *arch)
{
	if (sandbox_arch_native(arch))
		return 0;
	const char *q = qemu_arch(arch);
	int root = geteuid() == 0;
	int r = -SPROUT_ERR_SANDBOX;
	if (!path_exists(BINFMT_DIR "/status")) {
		if (!root)
			return how_to(arch, q, "binfmt_misc is not mounted at " BINFMT_DIR);
		if (mount("binfmt_misc", BINFMT_DIR, "binfmt_misc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0 &&
		    errno != EBUSY)
			return errf(-SPROUT_ERR_SANDBOX, "cannot mount binfmt_misc on " BINFMT_DIR ": %s", strerror(errno));
	}
	char *entry = xasprintf(BINFMT_DIR "/qemu-%s", q);
	r = handler_state(entry);
	if (r == H_MISSING && root) {
		r = handler_register(arch, q);
		if (!r)
			r = handler_state(entry);
	} else if (r == H_DISABLED && root) {
		r = write_str(entry, "1");
		r = r ? errf(-SPROUT_ERR_SANDBOX, "cannot enable %s: %s", entry, err_str(r)) : handler_state(entry);
	}
	switch (r) {
	case H_READY:
		r = 0;
		break;
	case H_MISSING:
		r = how_to(arch, q, "binfmt_misc has no handler for it");
		break;
	case H_DISABLED:
		r = how_to(arch, q, "its binfmt_misc handler is disabled");
		break;
	case H_NO_F:
		r = errf(-SPROUT_ERR_SANDBOX,
			 "cannot run %s binaries in the sandbox: the binfmt_misc handler %s lacks the F "
			 "(fix-binary) flag, so qemu cannot be found inside another root; as root, remove it "
			 "(echo -1 > %s) and run sprout again, which registers qemu-user-static's with F",
			 arch, entry, entry);
		break;
	default:
		if (r > 0 || r == -SPROUT_ERR_SANDBOX)
			break;
		r = errf(-SPROUT_ERR_SANDBOX, "cannot read %s: %s", entry, err_str(r));
	}
	free(entry);
	return r;
}
