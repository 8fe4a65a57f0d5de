#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "build/state.h"
#include "build/trash.h"
#include "core/util.h"

/* Rename from to DIR/NAME with a name of its own: PID-N, N counting up
 * past names a dead run left. 0 or -errno. */
static int rename_into(const char *from, const char *dir)
{
	static unsigned serial;
	int r = mkdir_p(dir, 0755);
	for (int tries = 0; !r && tries < 1000; tries++) {
		char *to = xasprintf("%s/%ld-%u", dir, (long)getpid(), serial++);
		r = rename(from, to) < 0 ? -errno : 0;
		free(to);
		if (r != -EEXIST && r != -ENOTEMPTY)
			return r;
		r = 0;
	}
	return r ? r : -EEXIST;
}

int trash_put(const char *statedir, const char *path)
{
	if (!path_exists(path))
		return 0;
	char *trash = state_path(statedir, "trash");
	int r = rename_into(path, trash);
	free(trash);
	return r ? rm_rf(path) : 0;
}

/* Whether dir has an entry. */
static int has_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int any = 0;
	while (d && !any && (de = readdir(d)))
		any = strcmp(de->d_name, ".") && strcmp(de->d_name, "..");
	if (d)
		closedir(d);
	return any;
}

int trash_busy(const char *statedir)
{
	char *del = state_path(statedir, "deleting");
	int busy = has_entries(del);
	free(del);
	return busy;
}

/* The deleter: alone (its own session, no descriptor of its parent's:
 * closing them all tells the parent, through the pipe, that it has),
 * it deletes every entry of dir (an absolute path), whoever put it there;
 * another deleter at work on the same entries does no harm (a file gone
 * is a file deleted). */
static void deleter(const char *dir, const char *hold)
{
	long max = sysconf(_SC_OPEN_MAX);
	setsid();
#ifdef SYS_close_range
	if (syscall(SYS_close_range, 0U, ~0U, 0U) < 0)
#endif
		for (long fd = 0; fd < (max > 0 && max < 65536 ? max : 65536); fd++)
			close((int)fd);
	int nul = open("/dev/null", O_RDWR);
	if (nul == 0) {
		dup2(nul, 1);
		dup2(nul, 2);
	}
	if (chdir("/") < 0 || setpriority(PRIO_PROCESS, 0, 19) < 0) {
		/* neither matters to the deletion */
	}
	/* The tests' hold: nothing is deleted before that file is there (at
	 * most 60 s). */
	for (int k = 0; hold && k < 600 && !path_exists(hold); k++) {
		struct timespec ts = {0, 100 * 1000 * 1000};
		nanosleep(&ts, NULL);
	}
	DIR *d = opendir(dir);
	struct dirent *de;
	while (d && (de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		char *p = path_join(dir, de->d_name);
		rm_rf(p);
		free(p);
	}
}

int trash_empty_later(const char *statedir)
{
	char *trash = state_path(statedir, "trash"), *del = state_path(statedir, "deleting"), *abs = NULL;
	int r = 0;
	if (has_entries(trash))
		r = rename_into(trash, del);
	else
		rmdir(trash);
	if (r || !has_entries(del))
		goto out;
	if (del[0] == '/') {
		abs = xstrdup(del);
	} else {
		char cwd[4096];
		if (!getcwd(cwd, sizeof cwd)) {
			r = -errno;
			goto out;
		}
		abs = path_join(cwd, del);
	}
	/* The engine runs no threads of its own: the child may use the
	 * library. The middle process ends at once, so the deleter is no
	 * child of the caller's (nothing waits for it or reaps it). */
	const char *hold = getenv("SPROUT_TRASH_HOLD");
	/* The deleter starts with a copy of every descriptor, the state
	 * lock's among them: the lock is not free until the deleter has
	 * closed them all, which the end of this pipe says. */
	int done[2];
	if (pipe(done) < 0) {
		r = -errno;
		goto out;
	}
	pid_t pid = fork();
	if (pid < 0) {
		r = -errno;
		close(done[0]);
		close(done[1]);
		goto out;
	}
	if (pid == 0) {
		pid_t g = fork();
		if (g == 0) {
			deleter(abs, hold && *hold ? hold : NULL);
			_exit(0);
		}
		_exit(g < 0 ? 1 : 0);
	}
	close(done[1]);
	int st;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	char c;
	while (read(done[0], &c, 1) < 0 && errno == EINTR)
		;
	close(done[0]);
out:
	free(trash);
	free(del);
	free(abs);
	return r;
}
