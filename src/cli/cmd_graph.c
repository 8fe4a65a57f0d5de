/* sprout graph: the step graph in Graphviz DOT, one cluster per stage. */
#include <stdio.h>
#include <string.h>

#include "cli/cmd.h"
#include "build/plan.h"
#include "core/util.h"

/* Print s as a DOT string: quoted, with " and \ escaped, a newline as \n
 * (a line break in a label). */
static void dot_str(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		if (*s == '\n') {
			fputs("\\n", stdout);
			continue;
		}
		if (*s == '"' || *s == '\\')
			putchar('\\');
		putchar(*s);
	}
	putchar('"');
}

int cmd_graph(struct ctx *c, int argc, char **argv)
{
	struct plan *p;
	const char *arch;
	int rc = cmd_open_plan(c, argc, argv, NULL, "PLAN", NULL, NULL, &p, &arch);
	if (rc)
		return rc;
	printf("digraph ");
	dot_str(p->name);
	printf(" {\n");
	printf("\tlabel=");
	struct buf l = {0};
	buf_addf(&l, "plan %s%s%s", p->name, p->description ? ": " : "", p->description ? p->description : "");
	dot_str(l.s);
	buf_free(&l);
	printf(";\n\tlabelloc=t;\n\trankdir=LR;\n\tnode [shape=box];\n");
	for (size_t g = 0; g < p->nstages; g++) {
		const struct stage *st = &p->stages[g];
		struct buf name = {0};
		buf_addf(&name, "cluster_%s", st->name);
		printf("\tsubgraph ");
		dot_str(name.s);
		printf(" {\n\t\tlabel=");
		buf_free(&name);
		if (st->rootfs_name)
			buf_addf(&name, "stage %s (root: %s)", st->name, st->rootfs_name);
		else
			buf_addf(&name, "stage %s", st->name);
		dot_str(name.s);
		buf_free(&name);
		printf(";\n");
		for (size_t i = 0; i < p->nsteps; i++) {
			const struct step *s = &p->steps[i];
			if ((size_t)s->stage != g)
				continue;
			printf("\t\t");
			dot_str(s->name);
			printf(" [label=");
			buf_addf(&name, "%s\n%s %s", s->name, s->recipe->name, s->recipe->version);
			dot_str(name.s);
			buf_free(&name);
			printf("];\n");
		}
		printf("\t}\n");
	}
	for (size_t i = 0; i < p->nsteps; i++) {
		const struct step *s = &p->steps[i];
		for (size_t k = 0; k < s->ndeps; k++) {
			printf("\t");
			dot_str(p->steps[s->deps[k]].name);
			printf(" -> ");
			dot_str(s->name);
			if (s->deps[k] == p->stages[s->stage].rootfs)
				printf(" [style=dashed]");
			printf(";\n");
		}
	}
	printf("}\n");
	plan_free(p);
	return CMD_EXIT_OK;
}
