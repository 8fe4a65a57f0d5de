#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "build/trace.h"
#include "core/util.h"

/* Characters that end a word of shell text, roughly. */
static int is_sep(char c)
{
	return c == ' ' || c == '\t' || c == ';' || c == '|' || c == '&' || c == '(' || c == ')' || c == '{' ||
	       c == '}' || c == '<' || c == '>' || c == '`' || c == '\n' || c == 0;
}

/* The length of the command name at the start of a traced command: up to
 * a blank, or up to '=' for an assignment ("+ x=1"). */
static size_t name_len(const char *cmd, size_t n)
{
	size_t k = 0;
	while (k < n && cmd[k] != ' ' && cmd[k] != '\t' && cmd[k] != '=')
		k++;
	return k;
}

/* Whether line (one script line) runs a command named name: the name as a
 * word of its own, or followed by '=' (an assignment). */
static int line_runs(const char *line, size_t llen, const char *name, size_t n)
{
	if (!n)
		return 0;
	for (size_t i = 0; i + n <= llen; i++) {
		if (memcmp(line + i, name, n))
			continue;
		if ((i == 0 || is_sep(line[i - 1])) && (i + n == llen || is_sep(line[i + n]) || line[i + n] == '='))
			return 1;
	}
	return 0;
}

/* The script's lines: starts and lengths. */
static size_t split_lines(const char *s, const char ***at, size_t **len)
{
	size_t n = 0, cap = 16;
	*at = xcalloc(cap, sizeof **at);
	*len = xcalloc(cap, sizeof **len);
	for (const char *p = s; p && *p;) {
		const char *e = strchr(p, '\n');
		if (n == cap) {
			cap *= 2;
			*at = xrealloc(*at, cap * sizeof **at);
			*len = xrealloc(*len, cap * sizeof **len);
		}
		(*at)[n] = p;
		(*len)[n++] = e ? (size_t)(e - p) : strlen(p);
		p = e ? e + 1 : NULL;
	}
	return n;
}

int trace_failed_command(const char *log, size_t len, const struct build *b, char **cmd, int *line)
{
	const char **at;
	size_t *ll;
	size_t nl = split_lines(b && b->script ? b->script : "", &at, &ll);
	const char *last = NULL;
	size_t lastn = 0;
	long cur = -1; /* the script line of the last traced command */
	for (const char *p = log; p < log + len;) {
		const char *e = memchr(p, '\n', (size_t)(log + len - p));
		size_t n = e ? (size_t)(e - p) : (size_t)(log + len - p);
		if (n > 2 && p[0] == '+' && p[1] == ' ') {
			last = p + 2;
			lastn = n - 2;
			/* the next script line that runs it, after the last one, round
			 * to the start (a loop) */
			size_t nn = name_len(last, lastn);
			long found = -1, base = cur < 0 ? -1 : cur;
			for (size_t k = 1; k <= nl && found < 0; k++) {
				size_t i = (size_t)(base + (long)k) % nl;
				if (line_runs(at[i], ll[i], last, nn))
					found = (long)i;
			}
			cur = found; /* -1 when lost: no line for this one */
		}
		p = e ? e + 1 : log + len;
	}
	free(at);
	free(ll);
	if (!last)
		return -ENOENT;
	*cmd = xstrndup(last, lastn);
	*line = cur >= 0 && b ? b->line + 1 + (int)cur : 0;
	return 0;
}
