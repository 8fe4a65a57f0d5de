/* The boot overlay (docs/boot.md): what sprout adds to a final system to
 * boot it and test it: its init and the smoke test's tree. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "build/engine.h"
#include "core/err.h"
#include "core/util.h"
#include "fetch/fetch.h"
#include "vm/vm.h"

/* The system's first program. SPROUT_BOOT comes from the kernel's command
 * line (a word KEY=VALUE without a dot is put in init's environment). */
static const char init_script[] =
	"#!/bin/sh\n"
	"# The first program of a system booted by sprout (docs/boot.md): runs the\n"
	"# plan's smoke test from /sprout/smoke, prints its report between markers,\n"
	"# then opens a shell on the console. When init ends, the kernel (panic=-1)\n"
	"# restarts the machine, which ends qemu (-no-reboot).\n"
	"# SPROUT_BOOT=test: no shell after the test; SPROUT_BOOT=shell: no test.\n"
	"export PATH=/usr/bin:/usr/sbin HOME=/root LC_ALL=C TZ=UTC\n"
	"umask 022\n"
	"cd /\n"
	"# An initramfs has only /dev/console; a disk root has devtmpfs.\n"
	"for d in 'null 666 1 3' 'zero 666 1 5' 'tty 666 5 0' 'urandom 444 1 9'; do\n"
	"\tset -- $d\n"
	"\t[ -e \"/dev/$1\" ] || mknod -m \"$2\" \"/dev/$1\" c \"$3\" \"$4\"\n"
	"done\n"
	"mkdir -p /tmp /root && chmod 1777 /tmp\n"
	"echo \"sprout-boot: init on $(uname -srm)\"\n"
	"if [ \"${SPROUT_BOOT:-}\" != shell ] && [ -f /sprout/smoke/run ]; then\n"
	"\trm -rf /tmp/sprout-smoke\n"
	"\tmkdir -p /tmp/sprout-smoke/destdir\n"
	"\tcp -a /sprout/smoke/build /tmp/sprout-smoke/build\n"
	"\tif sh -e /sprout/smoke/run >/tmp/sprout-smoke/log 2>&1; then r=PASS; else r=FAIL; fi\n"
	"\techo 'sprout-boot: report begin'\n"
	"\t[ ! -f /tmp/sprout-smoke/destdir/smoke/report ] || cat /tmp/sprout-smoke/destdir/smoke/report\n"
	"\t[ $r = PASS ] || tail -n 20 /tmp/sprout-smoke/log\n"
	"\techo 'sprout-boot: report end'\n"
	"\techo \"sprout-boot: smoke $r\"\n"
	"fi\n"
	"sync\n"
	"[ \"${SPROUT_BOOT:-}\" != test ] || exit 0\n"
	"echo 'sprout-boot: shell (exit ends the system)'\n"
	"sh -i\n"
	"sync\n";

/* The smoke step's sources and patches into build, as the engine lays a
 * build tree out (engine_lay_sources). */
static int smoke_tree(const struct step *s, const char *statedir, const char *distdir, const char *build)
{
	const struct recipe *rc = s->recipe;
	struct fetch_ctx fc;
	memset(&fc, 0, sizeof fc);
	fc.distdir = distdir;
	fc.statedir = statedir;
	fc.recipedir = rc->dir;
	fc.offline = 1;
	struct buf removed = {0};
	int r = mkdir_p(build, 0755);
	if (!r)
		r = engine_lay_sources(rc, &fc, build, &removed);
	buf_free(&removed);
	return r;
}

/* The smoke step's script, after the environment docs/recipes.md gives a
 * step (the paths are where init puts the tree). */
static void smoke_run(const struct plan *p, const struct step *s, const char *arch, struct buf *b)
{
	buf_addf(b, "# The smoke step '%s' of plan %s, as sprout runs it (docs/recipes.md).\n", s->name, p->name);
	buf_addf(b, "export ARCH=%s HOST_ARCH=%s STAGE=%s STEP=%s RECIPE=%s VERSION=%s JOBS=1 MAKEFLAGS=-j1\n", arch,
		 arch, p->stages[s->stage].name, s->name, s->recipe->name, s->recipe->version);
	buf_addf(b, "export BUILDDIR=/tmp/sprout-smoke/build DESTDIR=/tmp/sprout-smoke/destdir SYSROOT= DEPS=\n");
	buf_addf(b, "export HOME=/tmp/sprout-smoke/build PATH=/usr/bin:/bin:/usr/sbin:/sbin\n");
	buf_addf(b, "export TZ=UTC LC_ALL=C LANG=C TERM=dumb\n");
	const struct setting **sets = xcalloc(p->nsets + 1, sizeof *sets);
	size_t nsets = plan_step_sets(p, (int)(s - p->steps), sets);
	for (size_t i = 0; i < nsets; i++)
		buf_addf(b, "export %s='%s'\n", sets[i]->key, sets[i]->value);
	free(sets);
	buf_addf(b, "cd \"$BUILDDIR\"\n%s", s->build->script);
	if (b->len && b->s[b->len - 1] != '\n')
		buf_addc(b, '\n');
}

int vm_overlay(const struct plan *p, const char *arch, const char *statedir, const char *distdir, const char *dir)
{
	char *sbin = path_join(dir, "usr/sbin");
	char *init = path_join(sbin, "init");
	int r = rm_rf(dir);
	if (!r)
		r = mkdir_p(sbin, 0755);
	if (!r)
		r = file_write_atomic(init, init_script, strlen(init_script));
	if (!r && chmod(init, 0755) < 0)
		r = -errno;
	if (r)
		r = errf(r, "%s: %s", init, err_str(r));
	int si = !r && p->smoke ? plan_step_index(p, p->smoke) : -1;
	if (si >= 0) {
		char *build = path_join(dir, "sprout/smoke/build");
		char *run = path_join(dir, "sprout/smoke/run");
		struct buf b = {0};
		r = smoke_tree(&p->steps[si], statedir, distdir, build);
		smoke_run(p, &p->steps[si], arch, &b);
		if (!r && (r = file_write_atomic(run, b.s, b.len)) != 0)
			r = errf(r, "%s: %s", run, err_str(r));
		buf_free(&b);
		free(build);
		free(run);
	}
	free(sbin);
	free(init);
	return r;
}
