# Assemble a root tree of recipes/rootfs-glibc from its dependencies
# ($SYSROOT, merged) and check that it has what a glibc system with GCC
# needs to work on its own. Reads ARCH, SYSROOT and DESTDIR.
set -e
cp -a "$SYSROOT"/. "$DESTDIR"/
cd "$DESTDIR"
test -x bin/sh && test -x usr/bin/gcc && test -x usr/bin/g++ && test -x usr/bin/c++ && test -x usr/bin/cc
test -x usr/bin/as && test -x usr/bin/make && test -x usr/bin/m4
# What glibc's build needs besides: GNU awk, bison, Python 3.
test -x usr/bin/gawk && test -x usr/bin/bison && test -x usr/bin/python3
test "$(readlink usr/bin/sh)" = busybox
test -f usr/include/linux/types.h && test -f usr/include/stdio.h
case $ARCH in
x86_64)
	# The psABI's loaders, through lib64 -> usr/lib64 and lib -> usr/lib.
	test "$(readlink lib64)" = usr/lib64 && test "$(readlink lib)" = usr/lib
	test -f lib64/ld-linux-x86-64.so.2 && test -f lib/ld-linux.so.2
	for d in usr/lib64 usr/lib; do
		test -f $d/libc.so.6 && test -f $d/libc.a && test -f $d/libstdc++.so.6 && test -f $d/libgcc_s.so.1
	done
	;;
aarch64)
	test -f lib/ld-linux-aarch64.so.1 && test -f usr/lib64/libc.so.6
	;;
esac
