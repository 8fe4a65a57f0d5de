/* sprout script PLAN: the plan's build as a plain POSIX shell script that
 * runs the same build commands back to back, without sprout: sources
 * unpacked with tar, dependencies copied into a sysroot, each script under
 * env -i; native-stage steps inside their root tree through bwrap. It is
 * the peer that `make bench` measures sprout's own overhead against, and a
 * way to see exactly what a build runs. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "build/engine.h"
#include "build/session.h"
#include "cli/cmd.h"
#include "core/err.h"
#include "build/plan.h"
#include "core/util.h"

/* Print s as one single-quoted shell word. */
static void q(const char *s)
{
	putchar('\'');
	for (; *s; s++) {
		if (*s == '\'')
			fputs("'\\''", stdout);
		else
			putchar(*s);
	}
	putchar('\'');
}

static void env_common(const struct plan *p, const struct step *s, const char *arch, const char *opt)
{
	printf(" %sARCH=", opt);
	q(arch);
	printf(" %sHOST_ARCH=", opt);
	q(host_arch());
	printf(" %sSTAGE=%s %sSTEP=", opt, p->stages[s->stage].name, opt);
	q(s->name);
	printf(" %sRECIPE=", opt);
	q(s->recipe->name);
	printf(" %sVERSION=", opt);
	q(s->recipe->version);
	printf(" %sJOBS=\"$JOBS\" %sMAKEFLAGS=\"-j$JOBS\" %sTZ=UTC %sLC_ALL=C %sLANG=C %sTERM=dumb", opt, opt, opt, opt,
	       opt, opt);
	const struct setting **sets = xcalloc(p->nsets + 1, sizeof *sets);
	size_t nsets = plan_step_sets(p, (int)(s - p->steps), sets);
	for (size_t k = 0; k < nsets; k++) {
		printf(" %s%s=", opt, sets[k]->key);
		q(sets[k]->value);
	}
	free(sets);
}

int cmd_script(struct ctx *c, int argc, char **argv)
{
	struct plan *p;
	const char *arch;
	int rc = cmd_open_plan(c, argc, argv, NULL, "PLAN > build.sh; sh build.sh WORKDIR [JOBS]", NULL, NULL, &p,
			       &arch);
	if (rc)
		return rc;
	/* The steps a whole-plan build makes: not the ondemand ones nothing needs. */
	struct engine e;
	engine_init(&e, p, arch, c->statedir);
	struct session ss = cmd_session(c);
	char *dist = session_distdir(&ss);
	printf("#!/bin/sh\n# The build of plan %s for %s as plain shell, written by 'sprout script'.\n"
	       "# Usage: sh THIS WORKDIR [JOBS]. Sources come from the distfiles directory below\n"
	       "# (fetch them first with 'sprout fetch'); native steps need bwrap.\n"
	       "set -e\nW=${1:?usage: sh $0 WORKDIR [JOBS]}\nJOBS=${2:-1}\nD=",
	       p->name, arch);
	q(dist);
	printf("\nmkdir -p \"$W\"\numask 022\n");
	for (size_t n = 0; n < p->nsteps; n++) {
		int i = p->order[n];
		if (!e.want[i])
			continue;
		const struct step *s = &p->steps[i];
		const struct recipe *rc2 = s->recipe;
		const struct stage *st = &p->stages[s->stage];
		printf("\n# step %s (stage %s, recipe %s, script %s)\n", s->name, st->name, rc2->name, s->build_name);
		printf("echo \"step %s\" >&2\ns=\"$W/%s\"\nrm -rf \"$s\"\nmkdir -p \"$s/work/patches\" \"$s/out\" \"$s/sysroot\" "
		       "\"$s/deps\"\n",
		       s->name, s->name);
		for (size_t k = 0; k < rc2->nsources; k++) {
			const struct source *src = &rc2->sources[k];
			if (src->extract)
				printf("tar --no-same-owner --no-same-permissions -xf \"$D\"/");
			else
				printf("cp \"$D\"/");
			q(src->file);
			printf(src->extract ? " -C \"$s/work\"\n" : " \"$s/work/\"\n");
		}
		for (size_t k = 0; k < rc2->npatches; k++) {
			char *pp = path_join(rc2->dir, rc2->patches[k].file);
			char *abs = realpath(pp, NULL);
			printf("cp ");
			q(abs ? abs : pp);
			printf(" \"$s/work/patches/\"\n");
			free(abs);
			free(pp);
		}
		for (size_t k = 0; k < s->ndeps; k++) {
			const char *dn = p->steps[s->deps[k]].name;
			if (s->deps[k] != st->rootfs)
				printf("cp -a \"$W/%s/out/.\" \"$s/sysroot/\"\n", dn);
			printf("ln -s \"$W/%s/out\" \"$s/deps/%s\"\n", dn, dn);
		}
		if (st->mode == RUN_HOST) {
			printf("(cd \"$s/work\" && exec env -i PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin HOME=\"$s/work\" "
			       "BUILDDIR=\"$s/work\" DESTDIR=\"$s/out\" SYSROOT=\"$s/sysroot\" DEPS=\"$s/deps\"");
			env_common(p, s, arch, "");
			printf(" /bin/sh -e -c ");
		} else {
			/* The root tree's top entries over a tmpfs, so that the
			 * mount points the tree lacks can be made. */
			printf("set --\nfor e in \"$W/%s/out\"/*; do\n"
			       "\tif [ -L \"$e\" ]; then set -- \"$@\" --symlink \"$(readlink \"$e\")\" \"/${e##*/}\"\n"
			       "\telif [ -d \"$e\" ]; then set -- \"$@\" --ro-bind \"$e\" \"/${e##*/}\"; fi\ndone\n",
			       p->steps[st->rootfs].name);
			printf("(exec bwrap --unshare-all --die-with-parent --tmpfs / \"$@\" --dev /dev --proc /proc "
			       "--tmpfs /tmp --bind \"$s/work\" /build --bind \"$s/out\" /destdir --ro-bind \"$s/sysroot\" /sysroot");
			for (size_t k = 0; k < s->ndeps; k++)
				printf(" --ro-bind \"$W/%s/out\" /deps/%s", p->steps[s->deps[k]].name,
				       p->steps[s->deps[k]].name);
			printf(" --hostname sprout --chdir /build --clearenv --setenv PATH /usr/bin:/bin:/usr/sbin:/sbin "
			       "--setenv HOME /build --setenv BUILDDIR /build --setenv DESTDIR /destdir --setenv SYSROOT /sysroot "
			       "--setenv DEPS /deps");
			/* bwrap takes --setenv NAME VALUE: reuse the K=V printer, then split. */
			printf(" /usr/bin/env");
			env_common(p, s, arch, "");
			printf(" /bin/sh -e -c ");
		}
		q(s->build->script);
		printf(" sprout-step) </dev/null >\"$s/log\" 2>&1 || { echo \"step %s failed: see $s/log\" >&2; exit 1; }\n",
		       s->name);
	}
	printf("\necho \"done: the outputs are in $W/STEP/out\" >&2\n");
	free(dist);
	engine_free(&e);
	plan_free(p);
	return CMD_EXIT_OK;
}
