# build-make.sh: build GNU make 4.3 (make-dfsg-4.3) with nothing but a C
# compiler and a POSIX sh (busybox is enough): no configure, no make, no perl.
# Used by both build scripts of recipes/make/recipe, from the build tree,
# where it is make-4.3-build.sh and config.h is make-4.3-config.h (source
# names are global in the distfiles store, so they carry the package name):
#
#	CC=gcc sh make-4.3-build.sh     # host stage
#	CC=tcc sh make-4.3-build.sh     # native stage, inside the seed rootfs
#
# MAKE_SELFTEST=no skips the selftest, where the new make cannot run (a
# cross build).
#
# It compiles the sources a Linux build of make uses, with config.h (beside
# this file) in place of configure's, links a static `make', checks that the
# result runs a small makefile correctly, and installs $DESTDIR/usr/bin/make.
set -e

CC=${CC:-cc}
CFLAGS=${CFLAGS--O2}
# -s strips the binary (tcc ignores it).
LDFLAGS=${LDFLAGS--static -s}
: "${DESTDIR:?DESTDIR is not set}"

top=$(pwd)
cd make-dfsg-4.3

# configure's work, done by hand: config.h, and the two headers of the
# bundled glob/fnmatch, which are plain copies of their templates (they
# have no @...@ substitutions).
cp "$top/make-4.3-config.h" src/config.h
cp lib/glob.in.h lib/glob.h
cp lib/fnmatch.in.h lib/fnmatch.h
# make's glob and fnmatch are used against every libc, so that make
# behaves the same on glibc and musl.  glob.c already compiles in full
# on current glibc (its interface version differs); fnmatch.c compiles to
# nothing when it sees glibc, so that condition is turned off.
sed 's,^#if defined _LIBC [|][|] !defined __GNU_LIBRARY__$,#if 1 /* sprout: always use this fnmatch */,' \
	lib/fnmatch.c >lib/fnmatch.c.new
grep -q '^#if 1 /\* sprout' lib/fnmatch.c.new || { echo "build-make.sh: lib/fnmatch.c has changed; update the sed" >&2; exit 1; }
mv lib/fnmatch.c.new lib/fnmatch.c

# The sources of Makefile.am's make_SOURCES for a POSIX system without
# customs, and the two lib/ files (guile.c and load.c compile to stubs).
srcs="src/ar.c src/arscan.c src/commands.c src/default.c src/dir.c
src/expand.c src/file.c src/function.c src/getopt.c src/getopt1.c
src/guile.c src/hash.c src/implicit.c src/job.c src/load.c src/loadapi.c
src/main.c src/misc.c src/output.c src/read.c src/remake.c src/rule.c
src/signame.c src/strcache.c src/variable.c src/version.c src/vpath.c
src/posixos.c src/remote-stub.c lib/glob.c lib/fnmatch.c"

objs=
for c in $srcs; do
	o=${c%.c}.o
	echo "  CC $c"
	$CC $CFLAGS -DHAVE_CONFIG_H -Isrc -Ilib -c "$c" -o "$o"
	objs="$objs $o"
done
echo "  LD make"
$CC $CFLAGS $LDFLAGS -o make $objs

if [ "${MAKE_SELFTEST:-}" = no ]; then
	echo "selftest skipped (MAKE_SELFTEST=no: the new make cannot run here)"
	mkdir -p "$DESTDIR/usr/bin"
	cp make "$DESTDIR/usr/bin/make"
	chmod 755 "$DESTDIR/usr/bin/make"
	exit 0
fi

# Does it work?  Pattern rules, $(wildcard) (make's glob), $(shell), a
# recursive $(MAKE) through the jobserver, -j2, and a second run that has
# nothing to do.
rm -rf selftest
mkdir selftest
cd selftest
printf 'a\n' >a.in
printf 'b\n' >b.in
printf 'c\n' >c.in
{
	printf 'IN := $(sort $(wildcard *.in))\n'
	printf 'OUT := $(IN:.in=.out)\n'
	printf 'SH := $(shell echo shell-ok)\n'
	printf 'all: result\n'
	printf 'result: $(OUT) sub.out\n'
	printf '\tcat $(OUT) sub.out >$@\n'
	printf '\techo "$(SH) $(words $(IN)) $(notdir $(CURDIR))" >>$@\n'
	printf '%%.out: %%.in\n'
	printf '\tsed "s/^/got /" $< >$@\n'
	printf 'sub.out:\n'
	printf '\t$(MAKE) -f sub.mk\n'
} >Makefile
{
	printf 'sub.out: $(firstword $(wildcard *.in))\n'
	printf '\techo "sub $(MAKELEVEL) $(filter -j%%,$(MAKEFLAGS)) $^" >$@\n'
} >sub.mk
printf 'got a\ngot b\ngot c\nsub 1 -j2 a.in\nshell-ok 3 selftest\n' >expected
MAKEFLAGS= ../make -s -j2
if ! cmp -s expected result; then
	echo "build-make.sh: the new make gave a wrong result; expected:" >&2
	cat expected >&2
	echo "got:" >&2
	cat result >&2
	exit 1
fi
MAKEFLAGS= ../make -q -j2 || { echo "build-make.sh: the new make wants to rebuild an up-to-date tree" >&2; exit 1; }
../make --version | head -n 1 | grep -q '^GNU Make 4\.3$' || { echo "build-make.sh: make --version is wrong" >&2; exit 1; }
cd ..
echo "selftest passed: $(./make --version | head -n 1), $(./make --version | sed -n 's/^Built for //p')"

mkdir -p "$DESTDIR/usr/bin"
cp make "$DESTDIR/usr/bin/make"
chmod 755 "$DESTDIR/usr/bin/make"
