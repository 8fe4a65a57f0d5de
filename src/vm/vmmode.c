/* VM mode's host side (docs/modes.md): the static sprout, the payload and
 * the import of the results disk. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "archive/tar.h"
#include "build/cache.h"
#include "build/manifest.h"
#include "build/recipe.h"
#include "build/state.h"
#include "core/err.h"
#include "core/util.h"
#include "vm/results.h"
#include "vm/vmmode.h"

int vm_stage_inside(const struct plan *p, size_t s)
{
	return s < p->nstages && p->stages[s].rootfs >= 0;
}

int vm_static_sprout(const char *top, const char *arch, const char *musl, const char *dir, int jobs,
		     const char *log, char **out)
{
	char *a[8];
	int n = 0;
	a[n++] = "make";
	a[n++] = xasprintf("-j%d", jobs > 0 ? jobs : 1);
	a[n++] = "static-sprout";
	a[n++] = xasprintf("SPROUT_ARCH=%s", arch);
	a[n++] = xasprintf("SO=%s", dir);
	a[n++] = xasprintf("MUSL=%s", musl ? musl : "");
	a[n] = NULL;
	int r = 0, lfd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	pid_t pid = lfd < 0 ? -1 : fork();
	if (pid == 0) {
		int nul = open("/dev/null", O_RDONLY);
		if (nul < 0 || dup2(nul, 0) < 0 || dup2(lfd, 1) < 0 || dup2(lfd, 2) < 0 || chdir(top) < 0)
			_exit(127);
		execvp(a[0], a);
		_exit(127);
	}
	if (pid < 0)
		r = errf(-errno, "static sprout: %s", strerror(errno));
	int st = 0;
	while (pid > 0 && waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (lfd >= 0)
		close(lfd);
	if (!r && !(WIFEXITED(st) && WEXITSTATUS(st) == 0)) {
		char *l = file_last_line(log);
		r = errf(SPROUT_ERR_BUILD, "make static-sprout failed (%s): %s", log, l ? l : "(no output)");
		free(l);
	}
	for (int i = 1; i < n; i++)
		if (i != 2)
			free(a[i]);
	*out = r ? NULL : path_join(dir, "sprout");
	if (!r && access(*out, X_OK) < 0) {
		r = errf(SPROUT_ERR_BUILD, "make static-sprout made no %s", *out);
		free(*out);
		*out = NULL;
	}
	return r;
}

char *vm_payload_plan(const struct plan *p)
{
	char *abs = realpath(p->path, NULL);
	char *r = xasprintf("/sprout/tree%s", abs ? abs : p->path);
	free(abs);
	return r;
}

/* Copy the directory src (absolute after realpath) to DIR/sprout/tree/SRC. */
static int copy_tree_at(const char *dir, const char *src)
{
	char *abs = realpath(src, NULL);
	if (!abs)
		return errf(-errno, "%s: %s", src, strerror(errno));
	char *dst = xasprintf("%s/sprout/tree%s", dir, abs);
	int r = tree_copy(abs, dst, 0);
	if (r)
		r = errf(r, "cannot copy %s to the payload: %s", abs, err_str(r));
	free(abs);
	free(dst);
	return r;
}

/* sprout/init: a script that runs the static sprout with args. */
static int write_init(const char *dir, char *const *args)
{
	struct buf b = {0};
	buf_adds(&b, "#!/bin/sh\n# VM mode's first program (docs/modes.md): sprout, as pid 1.\nexec /sprout/sprout");
	for (int i = 0; args && args[i]; i++) {
		buf_adds(&b, " '");
		for (const char *c = args[i]; *c; c++)
			buf_adds(&b, *c == '\'' ? "'\\''" : (char[2]){*c, 0});
		buf_adds(&b, "'");
	}
	buf_adds(&b, "\n");
	char *f = xasprintf("%s/sprout/init", dir);
	int r = file_write_atomic(f, b.s, b.len);
	if (!r && chmod(f, 0755) < 0)
		r = -errno;
	if (r)
		r = errf(r, "%s: %s", f, err_str(r));
	free(f);
	buf_free(&b);
	return r;
}

/* The store entries of the wanted steps in the store, and the sources of
 * the others. */
static int copy_state(const struct engine *e, const char *dir)
{
	const struct plan *p = e->plan;
	char *dd = e->distdir ? xstrdup(e->distdir) : state_path(e->statedir, "distfiles");
	char *sd = xasprintf("%s/sprout/state", dir), *fd = xasprintf("%s/sprout/distfiles", dir);
	int r = mkdir_p(fd, 0755);
	if (!r)
		r = mkdir_p(sd, 0755);
	char *lay = state_path(e->statedir, "layout"), *lay2 = state_path(sd, "layout");
	if (!r && path_exists(lay))
		r = file_copy(lay, lay2);
	for (size_t i = 0; !r && i < p->nsteps; i++) {
		if (!e->want[i])
			continue;
		if (e->keys[i][0] && cache_has(e->statedir, e->keys[i])) {
			char *from = state_store(e->statedir, e->keys[i], NULL), *to = state_store(sd, e->keys[i], NULL);
			r = tree_copy(from, to, 1);
			free(from);
			free(to);
			continue;
		}
		const struct recipe *rc = p->steps[i].recipe;
		for (size_t k = 0; !r && k < rc->nsources; k++) {
			char *from = path_join(dd, rc->sources[k].file), *to = path_join(fd, rc->sources[k].file);
			if (path_exists(from) && !path_exists(to) && link(from, to) < 0)
				r = file_copy(from, to);
			free(from);
			free(to);
		}
	}
	if (r)
		r = errf(r, "cannot lay out the payload's state in %s: %s", sd, err_str(r));
	free(lay);
	free(lay2);
	free(dd);
	free(sd);
	free(fd);
	return r;
}

int vm_payload(const struct engine *e, const char *sprout, char *const *args, const char *dir)
{
	const struct plan *p = e->plan;
	rm_rf(dir);
	char *bin = xasprintf("%s/sprout/sprout", dir);
	int r = mkdir_p(dir, 0755);
	if (!r)
		r = mkdir_p(bin, 0755);
	rmdir(bin);
	if (!r)
		r = file_copy(sprout, bin);
	if (!r && chmod(bin, 0755) < 0)
		r = -errno;
	if (r)
		r = errf(r, "cannot copy %s into the payload: %s", sprout, err_str(r));
	free(bin);
	if (!r)
		r = write_init(dir, args);
	if (!r)
		r = copy_tree_at(dir, p->dir);
	for (size_t i = 0; !r && i < p->nrecipe_dirs; i++)
		r = copy_tree_at(dir, p->recipe_dirs[i]);
	if (!r)
		r = copy_state(e, dir);
	return r;
}

int vm_payload_stage4(const char *dir, const char *top, const struct plan *p4, const char *distdir)
{
	char *abs = realpath(top, NULL);
	if (!abs)
		return errf(-errno, "%s: %s", top, strerror(errno));
	char *src = xasprintf("%s/sprout/tree%s", dir, abs), *dd = xasprintf("%s/sprout/distfiles", dir);
	int r = plan_source_copy(abs, src);
	if (!r)
		r = plan_sources_link(p4, distdir, dd);
	free(abs);
	free(src);
	free(dd);
	return r;
}
