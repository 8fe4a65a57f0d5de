/* The failed command of a traced (sh -x) log and its line in the recipe. */
#include <stdlib.h>
#include <string.h>

#include "build/trace.h"
#include "core/util.h"
#include "tap.h"

static int failed(const char *script, const char *log, const char *want, int want_line)
{
	struct build b;
	memset(&b, 0, sizeof b);
	b.script = (char *)script;
	b.line = 10; /* "build host" at line 10: the script starts at 11 */
	char *cmd = NULL;
	int line = -1;
	int r = trace_failed_command(log, strlen(log), &b, &cmd, &line);
	int good = want ? !r && !strcmp(cmd, want) && line == want_line : r < 0;
	if (!good)
		printf("# got r %d cmd '%s' line %d\n", r, cmd ? cmd : "", line);
	free(cmd);
	return good;
}

int main(void)
{
	const char *s = "./configure --prefix=/usr\nmake -j\"$JOBS\"\nmake install DESTDIR=\"$DESTDIR\"\n";
	ok(failed(s, "+ ./configure --prefix=/usr\nchecking...\n+ make -j2\ncc -c x.c\nerror\n", "make -j2", 12),
	   "the last traced command, on its script line");
	ok(failed(s, "+ ./configure --prefix=/usr\n+ make -j2\n+ make install DESTDIR=/d\n", "make install DESTDIR=/d", 13),
	   "  ... two commands of one name: the one after the last");
	const char *loop = "i=0\nwhile [ $i -lt 3 ]; do i=$((i + 1)); echo $i; done\nfalse\n";
	ok(failed(loop, "+ i=0\n+ [ 0 -lt 3 ]\n+ i=1\n+ echo 1\n1\n+ [ 1 -lt 3 ]\n+ i=2\n+ false\n", "false", 13),
	   "a loop goes round; an assignment is matched by its name");
	const char *forp = "for p in ../patches/*.patch; do patch -p1 <\"$p\"; done\n./configure\n";
	ok(failed(forp, "+ patch -p1\npatching file x\n+ patch -p1\nHunk #1 FAILED\n", "patch -p1", 11),
	   "a command in the middle of a line");
	ok(failed("\"$CC\" -o x x.c\n", "+ gcc -o x x.c\nx.c:1: error\n", "gcc -o x x.c", 0),
	   "a command the script names through a variable: no line");
	ok(failed(s, "no trace at all\n", NULL, 0), "a log with no trace: none");
	return tap_done();
}
