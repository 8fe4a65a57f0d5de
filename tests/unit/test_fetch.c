/* fetch: the store, local and http origins (against a tiny http server in
 * a child process on 127.0.0.1), offline mode, the removal of a killed
 * run's temporaries, and the derivation of a private apt sources list
 * (debsrc). Nothing here needs the network. */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fetch/debsrc.h"
#include "core/err.h"
#include "fetch/fetch.h"
#include "core/sha256.h"
#include "core/util.h"
#include "tap.h"

static char top[64];
static char *distdir, *statedir, *recipedir;
static int port;

static const char hello[] = "hello, world: the right bytes\n";
static const char other[] = "some other bytes, not the ones pinned\n";

static void put(const char *dir, const char *name, const char *text)
{
	char *p = path_join(dir, name);
	if (file_write_atomic(p, text, strlen(text)) < 0) {
		perror(p);
		exit(2);
	}
	free(p);
}

/* The whole file at dir/name, or NULL. Caller frees. */
static char *get(const char *dir, const char *name)
{
	struct buf b = {0};
	char *p = path_join(dir, name);
	int r = file_read(p, &b);
	free(p);
	if (r < 0) {
		buf_free(&b);
		return NULL;
	}
	return buf_take(&b);
}

static int same(const char *dir, const char *name, const char *want)
{
	char *s = get(dir, name);
	int ok = s && !strcmp(s, want);
	free(s);
	return ok;
}

/* Names in dir, space-separated and sorted, hidden ones included. */
static char *listing(const char *dir)
{
	struct dirent **ents;
	struct buf b = {0};
	int n = scandir(dir, &ents, NULL, alphasort);
	for (int i = 0; i < n; i++) {
		const char *f = ents[i]->d_name;
		if (strcmp(f, ".") && strcmp(f, ".."))
			buf_addf(&b, "%s%s", b.len ? " " : "", f);
		free(ents[i]);
	}
	if (n >= 0)
		free(ents);
	return buf_take(&b);
}

static int listing_is(const char *dir, const char *want)
{
	char *s = listing(dir);
	int ok = !strcmp(s, want);
	if (!ok)
		printf("# %s holds \"%s\", want \"%s\"\n", dir, s, want);
	free(s);
	return ok;
}

static void store_clear(void)
{
	rm_rf(distdir);
	mkdir_p(distdir, 0755);
}

/* ---- a tiny http server: /f/NAME serves recipedir/NAME, /trunc/NAME
 * promises all of it and sends half, /redir/NAME redirects to /f/NAME,
 * anything else is 404 ---- */

static void http_reply(int c, const char *req)
{
	char path[512], head[1024];
	struct buf body = {0};
	int code = 404, trunc = 0;
	if (sscanf(req, "GET %511s", path) != 1)
		path[0] = 0;
	if (!strncmp(path, "/redir/", 7)) {
		int n = snprintf(head, sizeof head, "HTTP/1.1 302 Found\r\nLocation: /f/%s\r\n"
				 "Content-Length: 0\r\nConnection: close\r\n\r\n", path + 7);
		if (write(c, head, (size_t)n) < 0)
			return;
		return;
	}
	if (!strncmp(path, "/f/", 3) || (trunc = !strncmp(path, "/trunc/", 7))) {
		char *s = get(recipedir, strchr(path + 1, '/') + 1);
		if (s) {
			buf_adds(&body, s);
			code = 200;
			free(s);
		}
	}
	if (code != 200)
		buf_adds(&body, "not found\n");
	int n = snprintf(head, sizeof head, "HTTP/1.1 %d %s\r\nContent-Length: %zu\r\n"
			 "Connection: close\r\n\r\n", code, code == 200 ? "OK" : "Not Found", body.len);
	size_t send = trunc ? body.len / 2 : body.len;
	if (write(c, head, (size_t)n) < 0 || write(c, body.s, send) < 0) {
		/* the client went away */
	}
	buf_free(&body);
}

static pid_t http_start(void)
{
	struct sockaddr_in a;
	socklen_t alen = sizeof a;
	int s = socket(AF_INET, SOCK_STREAM, 0);
	memset(&a, 0, sizeof a);
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof a) < 0 || listen(s, 16) < 0 ||
	    getsockname(s, (struct sockaddr *)&a, &alen) < 0) {
		perror("http server");
		exit(2);
	}
	port = ntohs(a.sin_port);
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		signal(SIGPIPE, SIG_IGN);
		for (;;) {
			char req[4096];
			size_t got = 0;
			int c = accept(s, NULL, NULL);
			if (c < 0)
				continue;
			while (got < sizeof req - 1) {
				ssize_t n = read(c, req + got, sizeof req - 1 - got);
				if (n <= 0)
					break;
				got += (size_t)n;
				req[got] = 0;
				if (strstr(req, "\r\n\r\n"))
					break;
			}
			req[got] = 0;
			http_reply(c, req);
			close(c);
		}
	}
	close(s);
	return pid;
}

/* ---- fetching ---- */

static struct origin origins[4];
static struct source src;

static void source_set(const char *file, const char *content)
{
	memset(&src, 0, sizeof src);
	src.file = (char *)file;
	sha256_buf(content, strlen(content), src.sha256);
	src.origins = origins;
}

static void origin_add(enum origin_kind kind, const char *a)
{
	origins[src.norigins].kind = kind;
	origins[src.norigins].a = (char *)a;
	origins[src.norigins].b = NULL;
	src.norigins++;
}

static int fetch(int offline, char **path)
{
	struct fetch_ctx ctx = {distdir, statedir, recipedir, 0, offline};
	*path = NULL;
	err_clear();
	return fetch_source(&ctx, &src, path);
}

static int has(const char *s, const char *part)
{
	if (!strstr(s, part)) {
		printf("# message lacks \"%s\":\n# %s\n", part, s);
		return 0;
	}
	return 1;
}

static void test_local(void)
{
	char *path, *want, hex[65], got[65];
	unsigned char d[32];
	int r;

	source_set("hello.txt", hello);
	origin_add(ORIGIN_LOCAL, "hello.txt");
	want = path_join(distdir, "hello.txt");
	r = fetch(0, &path);
	ok(r == 0 && path && !strcmp(path, want), "local origin with the right hash: stored at %s", want);
	ok(same(distdir, "hello.txt", hello), "the stored bytes are the origin's");
	ok(listing_is(distdir, "hello.txt"), "nothing else is left in the store");
	free(path);

	src.norigins = 0;
	r = fetch(0, &path);
	ok(r == 0 && path && !strcmp(path, want), "a stored file that matches is used without any origin");
	free(path);
	free(want);

	/* the wrong hash: refused, and nothing enters the store */
	store_clear();
	source_set("hello.txt", hello);
	origin_add(ORIGIN_LOCAL, "other.txt");
	sha256_hex(src.sha256, hex);
	sha256_buf(other, strlen(other), d);
	sha256_hex(d, got);
	r = fetch(0, &path);
	ok(r == -SPROUT_ERR_HASH && !path, "a local file with the wrong hash is refused (SPROUT_ERR_HASH)");
	ok(listing_is(distdir, ""), "and the store stays empty");
	ok(has(err_msg(r), "hello.txt") && has(err_msg(r), hex) && has(err_msg(r), got),
	   "the message names the file, the expected and the actual hash");

	/* a stored copy that was corrupted is set aside and replaced */
	store_clear();
	put(distdir, "hello.txt", "corrupted\n");
	source_set("hello.txt", hello);
	origin_add(ORIGIN_LOCAL, "hello.txt");
	r = fetch(0, &path);
	ok(r == 0 && same(distdir, "hello.txt", hello), "a corrupted stored file is replaced from the origin");
	ok(same(distdir, "hello.txt.bad", "corrupted\n"), "and the corrupted copy is kept as hello.txt.bad");
	free(path);

	/* the origin is missing */
	store_clear();
	source_set("gone.txt", hello);
	origin_add(ORIGIN_LOCAL, "gone.txt");
	r = fetch(0, &path);
	ok(r == -SPROUT_ERR_FETCH && has(err_msg(r), "gone.txt: no origin worked") &&
	   has(err_msg(r), "local gone.txt: No such file"), "a missing local file: SPROUT_ERR_FETCH naming it");

	source_set("../evil", hello);
	origin_add(ORIGIN_LOCAL, "hello.txt");
	r = fetch(0, &path);
	ok(r < 0 && !path, "a file name with a slash is refused");
}

static void test_offline(void)
{
	char *path;
	int r;

	store_clear();
	source_set("hello.txt", hello);
	origin_add(ORIGIN_LOCAL, "hello.txt");
	r = fetch(1, &path);
	ok(r == -SPROUT_ERR_FETCH && has(err_msg(r), "hello.txt: not in the store and --offline"),
	   "offline, missing: SPROUT_ERR_FETCH \"not in the store and --offline\"");
	ok(listing_is(distdir, ""), "offline: no origin was used");

	put(distdir, "hello.txt", hello);
	r = fetch(1, &path);
	ok(r == 0 && path, "offline, stored: the stored file is used");
	free(path);

	put(distdir, "hello.txt", "corrupted\n");
	r = fetch(1, &path);
	ok(r == -SPROUT_ERR_HASH && has(err_msg(r), "sha256 mismatch from the store"),
	   "offline, corrupted in the store: SPROUT_ERR_HASH");
	ok(listing_is(distdir, "hello.txt"), "and the stored copy stays in its place (never used for this pin)");
}

/* A wrong pin (issue 12, defect 6): the store holds the right file, the
 * recipe's sha256 is mistyped. The stored file must stay where it is, the
 * message must say the pin looks wrong and where it is, and once the pin is
 * corrected the file is used again without a download, even offline. */
static void test_wrong_pin(void)
{
	char *path;
	int r;
	char good[65], typo[65];

	store_clear();
	source_set("hello.txt", hello);
	origin_add(ORIGIN_LOCAL, "hello.txt");
	r = fetch(0, &path);
	ok(r == 0, "the right file is fetched into the store");
	free(path);
	sha256_hex(src.sha256, good);
	src.sha256[0] ^= 0xff;            /* the mistyped pin */
	src.pin_line = 7;
	sha256_hex(src.sha256, typo);
	struct fetch_ctx ctx = {distdir, statedir, recipedir, 0, 1, NULL, "recipes/hello/recipe"};
	err_clear();
	r = fetch_source(&ctx, &src, &path);
	ok(r == -SPROUT_ERR_HASH && has(err_msg(r), "recipes/hello/recipe:7"), "offline: SPROUT_ERR_HASH naming the pin's line (%s)",
	   err_msg(r));
	ok(listing_is(distdir, "hello.txt"), "offline: the stored file stays in place");
	ctx.offline = 0;
	err_clear();
	r = fetch_source(&ctx, &src, &path);
	ok(r == -SPROUT_ERR_HASH && has(err_msg(r), "the sha256 pin looks wrong") && has(err_msg(r), good) &&
	   has(err_msg(r), typo) && has(err_msg(r), "local hello.txt") && has(err_msg(r), "recipes/hello/recipe:7"),
	   "online, the origin agrees with the store: the pin looks wrong, at its line");
	ok(listing_is(distdir, "hello.txt"), "online: the stored file stays in place, no hello.txt.bad");
	src.sha256[0] ^= 0xff;            /* the pin corrected */
	ctx.offline = 1;
	err_clear();
	r = fetch_source(&ctx, &src, &path);
	ok(r == 0 && path, "the corrected pin finds the file in the store, offline (%s)", r ? err_msg(r) : "ok");
	free(path);
}

/* A pid that no process has: a child that has exited and been reaped. */
static pid_t pid_dead(void)
{
	pid_t pid = fork();
	if (pid == 0)
		_exit(0);
	waitpid(pid, NULL, 0);
	return pid;
}

static int exists(const char *name)
{
	char *p = path_join(distdir, name);
	int r = path_exists(p);
	free(p);
	return r;
}

/* A killed sprout's ".FILE.part.PID" and ".FILE.apt.PID.XXXXXX": removed
 * when PID is gone, never used, kept while PID lives. */
static void test_stale(void)
{
	char part_dead[64], part_self[64], part_live[64], apt_dead[64], apt_live[64];
	char other_dead[64], apt_legacy[64], *path, *in;
	pid_t dead = pid_dead(), live = fork();
	int r;

	if (live == 0) {
		pause();
		_exit(0);
	}
	snprintf(part_dead, sizeof part_dead, ".hello.txt.part.%ld", (long)dead);
	snprintf(part_self, sizeof part_self, ".hello.txt.part.%ld", (long)getpid());
	snprintf(part_live, sizeof part_live, ".hello.txt.part.%ld", (long)live);
	snprintf(apt_dead, sizeof apt_dead, ".hello.txt.apt.%ld.Ab12cD", (long)dead);
	snprintf(apt_live, sizeof apt_live, ".hello.txt.apt.%ld.Ab12cD", (long)live);
	snprintf(other_dead, sizeof other_dead, ".other.txt.part.%ld", (long)dead);
	snprintf(apt_legacy, sizeof apt_legacy, ".hello.txt.apt.Ab12cD");

	/* the stale files hold the pinned bytes: a fetch that used one would
	 * succeed, but the only origin is missing */
	store_clear();
	put(distdir, part_dead, hello);
	put(distdir, part_live, hello);
	put(distdir, other_dead, other);
	put(distdir, ".hello.txt.part.12ab", hello);
	in = path_join(distdir, apt_dead);
	mkdir_p(in, 0755);
	put(in, "hello.txt", hello);
	free(in);
	in = path_join(distdir, apt_live);
	mkdir_p(in, 0755);
	free(in);
	in = path_join(distdir, apt_legacy);
	mkdir_p(in, 0755);
	free(in);
	source_set("hello.txt", hello);
	origin_add(ORIGIN_LOCAL, "gone.txt");
	r = fetch(0, &path);
	ok(r == -SPROUT_ERR_FETCH && !path && !exists("hello.txt"),
	   "stale temporaries with the right bytes are never used (SPROUT_ERR_FETCH, nothing stored)");
	ok(!exists(part_dead) && !exists(apt_dead), "a dead pid's .part file and .apt directory are removed");
	ok(exists(part_live) && exists(apt_live), "a live pid's .part file and .apt directory are kept");
	ok(exists(other_dead), "another file's temporaries are left for when that file is fetched");
	ok(exists(".hello.txt.part.12ab") && exists(apt_legacy), "names that carry no pid are not touched");

	/* offline, and with the file in the store: removed all the same */
	put(distdir, part_dead, hello);
	put(distdir, part_self, hello);
	r = fetch(1, &path);
	ok(r == -SPROUT_ERR_FETCH && !exists(part_dead), "offline: a dead pid's .part file is removed, not used");
	ok(!exists(part_self), "a .part file with our own pid (an earlier process's) is removed");
	put(distdir, "hello.txt", hello);
	put(distdir, part_dead, other);
	r = fetch(1, &path);
	ok(r == 0 && !exists(part_dead) && same(distdir, "hello.txt", hello),
	   "a stored file is used and a dead pid's .part file beside it removed");
	free(path);

	/* the other file's, when that file is fetched */
	source_set("other.txt", other);
	origin_add(ORIGIN_LOCAL, "other.txt");
	r = fetch(0, &path);
	ok(r == 0 && !exists(other_dead) && same(distdir, "other.txt", other),
	   "fetching the other file removes its dead temporaries");
	free(path);

	kill(live, SIGTERM);
	waitpid(live, NULL, 0);
}

static void test_http(void)
{
	char url[4][128], *path;
	int r;

	/* A sprout without libcurl fetches through curl or wget; a system
	 * with neither (plans/gnu's final system, where make check-gnu runs
	 * these tests) cannot fetch over http at all. */
	if (!strcmp(fetch_http_backend(), "curl/wget")) {
		char *c = fetch_tool_find("curl"), *w = fetch_tool_find("wget");
		int none = !c && !w;
		free(c);
		free(w);
		if (none) {
			ok(1, "# SKIP http: no libcurl in this build and neither curl nor wget in PATH");
			return;
		}
	}

	snprintf(url[0], sizeof url[0], "http://127.0.0.1:%d/f/hello.txt", port);
	snprintf(url[1], sizeof url[1], "http://127.0.0.1:%d/redir/hello.txt", port);
	snprintf(url[2], sizeof url[2], "http://127.0.0.1:%d/f/other.txt", port);
	snprintf(url[3], sizeof url[3], "http://127.0.0.1:%d/trunc/hello.txt", port);

	store_clear();
	source_set("hello.txt", hello);
	origin_add(ORIGIN_URL, url[0]);
	r = fetch(0, &path);
	ok(r == 0 && same(distdir, "hello.txt", hello), "http (%s): the right file is stored", fetch_http_backend());
	ok(listing_is(distdir, "hello.txt"), "http: nothing else is left in the store");
	free(path);

	store_clear();
	source_set("hello.txt", hello);
	origin_add(ORIGIN_URL, url[1]);
	r = fetch(0, &path);
	ok(r == 0 && same(distdir, "hello.txt", hello), "http: a redirect is followed");
	free(path);

	store_clear();
	source_set("hello.txt", hello);
	origin_add(ORIGIN_URL, url[2]);
	r = fetch(0, &path);
	ok(r == -SPROUT_ERR_HASH && has(err_msg(r), "hello.txt: sha256 mismatch from http://127.0.0.1"),
	   "http: a different file is refused (SPROUT_ERR_HASH naming the URL)");
	ok(listing_is(distdir, ""), "and leaves nothing in the store");

	store_clear();
	source_set("hello.txt", hello);
	origin_add(ORIGIN_URL, url[3]);
	r = fetch(0, &path);
	ok(r == -SPROUT_ERR_FETCH && has(err_msg(r), url[3]), "http: a truncated transfer fails (SPROUT_ERR_FETCH)");
	ok(listing_is(distdir, ""), "and leaves nothing in the store");

	store_clear();
	source_set("nothere.txt", hello);
	snprintf(url[0], sizeof url[0], "http://127.0.0.1:%d/nothere.txt", port);
	origin_add(ORIGIN_URL, url[0]);
	r = fetch(0, &path);
	ok(r == -SPROUT_ERR_FETCH && has(err_msg(r), url[0]) && has(err_msg(r), "404"),
	   "http: a 404 fails, naming the URL and the status");

	/* an unreachable host falls through to the next origin */
	store_clear();
	source_set("hello.txt", hello);
	origin_add(ORIGIN_URL, "http://127.0.0.1:1/hello.txt");
	origin_add(ORIGIN_LOCAL, "hello.txt");
	r = fetch(0, &path);
	ok(r == 0 && same(distdir, "hello.txt", hello), "an unreachable URL falls through to a local origin");
	free(path);

	store_clear();
	source_set("hello.txt", hello);
	origin_add(ORIGIN_URL, "http://127.0.0.1:1/hello.txt");
	origin_add(ORIGIN_URL, "ftp://127.0.0.1/hello.txt");
	origin_add(ORIGIN_LOCAL, "gone.txt");
	r = fetch(0, &path);
	ok(r == -SPROUT_ERR_FETCH && has(err_msg(r), "hello.txt: no origin worked:\n  http://127.0.0.1:1/hello.txt: ") &&
	   has(err_msg(r), "\n  ftp://127.0.0.1/hello.txt: not an http") &&
	   has(err_msg(r), "\n  local gone.txt: "), "no origin worked: one line per origin");

	/* a mismatch and a failure: SPROUT_ERR_HASH, and the failure is still told */
	store_clear();
	source_set("hello.txt", hello);
	origin_add(ORIGIN_URL, url[2]);
	origin_add(ORIGIN_URL, "http://127.0.0.1:1/hello.txt");
	r = fetch(0, &path);
	ok(r == -SPROUT_ERR_HASH && has(err_msg(r), "\n  http://127.0.0.1:1/hello.txt: "),
	   "a mismatch then a failure: SPROUT_ERR_HASH with both origins");
	ok(listing_is(distdir, ""), "and nothing in the store");

	/* without libcurl: the same through wget when curl is missing */
	static const char *const wgets[] = {"/usr/bin/wget", "/bin/wget", "/usr/local/bin/wget"};
	const char *wget = NULL;
	for (size_t i = 0; i < 3 && !strcmp(fetch_http_backend(), "curl/wget"); i++)
		if (!wget && access(wgets[i], X_OK) == 0)
			wget = wgets[i];
	if (wget) {
		char *bin = path_join(top, "bin"), *link = path_join(bin, "wget");
		char *old = xstrdup(getenv("PATH"));
		mkdir_p(bin, 0755);
		if (symlink(wget, link) < 0)
			perror(link);
		setenv("PATH", bin, 1);
		store_clear();
		snprintf(url[0], sizeof url[0], "http://127.0.0.1:%d/f/hello.txt", port);
		source_set("hello.txt", hello);
		origin_add(ORIGIN_URL, url[2]);
		origin_add(ORIGIN_URL, url[0]);
		r = fetch(0, &path);
		setenv("PATH", old, 1);
		ok(r == 0 && same(distdir, "hello.txt", hello), "http through wget when curl is missing");
		free(path);
		free(old);
		free(bin);
		free(link);
	} else {
		ok(1, "# skip: the wget fallback (libcurl build or no wget)");
	}
}

static void test_apt_sources(void)
{
	char *etc = path_join(top, "etc"), *keys = path_join(top, "keys");
	char *d = path_join(etc, "sources.list.d");
	const char *key = "-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nmQINBAAAAAA=\n-----END PGP PUBLIC KEY BLOCK-----\n";
	unsigned char h[32];
	char hex[65];
	struct buf out = {0}, want = {0};

	mkdir_p(d, 0755);
	put(etc, "sources.list",
	    "# the main archive\n"
	    "deb http://a.example/debian bookworm main contrib # trailing comment\n"
	    "deb-src [ signed-by=/k.gpg  arch=amd64 ] http://b.example/debian bookworm main\n"
	    "deb cdrom:[Debian 12]/ bookworm main\n"
	    "rpm http://x.example/ y z\n"
	    "deb http://incomplete.example/\n");
	put(d, "a.sources",
	    "Types: deb\n"
	    "# a comment inside a stanza\n"
	    "URIs: http://c.example/debian\n"
	    "Suites: bookworm bookworm-updates\n"
	    "Components: main\n"
	    "Signed-By: /usr/share/keyrings/c.gpg\n"
	    "\n"
	    "Types: deb\n"
	    "Enabled: no\n"
	    "URIs: http://disabled.example/\n"
	    "Suites: x\n"
	    "Components: main\n"
	    "\n\n"
	    "Types: deb-src deb\n"
	    "URIs: http://e.example/ http://f.example/\n"
	    "Suites: stable/\n"
	    "Architectures: amd64\n"
	    "Signed-By:\n"
	    " -----BEGIN PGP PUBLIC KEY BLOCK-----\n"
	    " .\n"
	    " mQINBAAAAAA=\n"
	    " -----END PGP PUBLIC KEY BLOCK-----\n"
	    "\n"
	    "Types: rpm\n"
	    "URIs: http://rpm.example/\n"
	    "Suites: x\n");
	put(d, "b.list", "deb http://a.example/debian bookworm main contrib\n");
	put(d, "c.list.disabled-by-farm", "deb http://disabled.example/ x main\n");
	put(d, "d.sources.disabled", "Types: deb\nURIs: http://disabled.example/\nSuites: x\n");

	sha256_buf(key, strlen(key), h);
	sha256_hex(h, hex);
	hex[16] = 0;
	buf_addf(&want,
		 "deb-src http://a.example/debian bookworm main contrib\n"
		 "deb-src [signed-by=/k.gpg arch=amd64] http://b.example/debian bookworm main\n"
		 "deb-src [signed-by=/usr/share/keyrings/c.gpg] http://c.example/debian bookworm main\n"
		 "deb-src [signed-by=/usr/share/keyrings/c.gpg] http://c.example/debian bookworm-updates main\n"
		 "deb-src [signed-by=%s/%s.asc] http://e.example/ stable/\n"
		 "deb-src [signed-by=%s/%s.asc] http://f.example/ stable/\n",
		 keys, hex, keys, hex);
	int r = debsrc_derive_sources(etc, keys, &out);
	ok(r == 0 && out.s && !strcmp(out.s, want.s), "apt sources: deb-src lines from one-line and deb822 files");
	if (!out.s || strcmp(out.s, want.s))
		printf("# got:\n%s# want:\n%s", out.s ? out.s : "", want.s);
	char *keyfile = xasprintf("%s.asc", hex);
	ok(same(keys, keyfile, key), "apt sources: an inline Signed-By key is written out as a file");
	free(keyfile);

	buf_free(&out);
	r = debsrc_derive_sources(keys, keys, &out);
	ok(r == 0 && out.len == 0, "apt sources: no configuration, no lines");

	buf_free(&out);
	buf_free(&want);
	free(etc);
	free(keys);
	free(d);
}

int main(void)
{
	tap_tmpdir(top, sizeof top, "fetch");
	distdir = path_join(top, "distfiles");
	statedir = path_join(top, "state");
	recipedir = path_join(top, "recipe");
	mkdir_p(recipedir, 0755);
	mkdir_p(distdir, 0755);
	put(recipedir, "hello.txt", hello);
	put(recipedir, "other.txt", other);
	/* the test server is local: never through a proxy */
	setenv("no_proxy", "127.0.0.1,localhost", 1);
	setenv("NO_PROXY", "127.0.0.1,localhost", 1);

	ok(!strcmp(fetch_http_backend(), "libcurl") || !strcmp(fetch_http_backend(), "curl/wget"),
	   "http backend: %s", fetch_http_backend());
	char *p = fetch_store_path(&(struct fetch_ctx){distdir, statedir, recipedir, 0, 0},
				   &(struct source){.file = "x.tar.gz"});
	char *want = path_join(distdir, "x.tar.gz");
	ok(!strcmp(p, want), "the store path is distdir/file");
	free(p);
	free(want);

	test_local();
	test_offline();
	test_wrong_pin();
	test_stale();
	pid_t server = http_start();
	test_http();
	kill(server, SIGTERM);
	waitpid(server, NULL, 0);
	test_apt_sources();

	rm_rf(top);
	free(distdir);
	free(statedir);
	free(recipedir);
	return tap_done();
}
