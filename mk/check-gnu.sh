#!/bin/sh
# make check-gnu: plans/gnu end to end for the host's arch (or GNU_ARCH),
# then sprout itself built inside the final system by that system's GCC
# (no optional libraries: the system has none) and its unit tests run
# there. Hours on 2 cores, so never part of `make check`. Resumable: every
# finished step stays in the state directory (GNU_STATE, else sprout's
# default), so running it again after an interruption goes on from where
# it stopped.
set -e
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
state=${GNU_STATE:-$(./sprout config | sed -n 's/^state *= *\([^ ]*\).*/\1/p')}
arch=${GNU_ARCH:-$(uname -m)}
./sprout --state "$state" --arch "$arch" -j 2 bootstrap --plan plans/gnu

# sprout in the final system: a writable copy of its rootfs, sprout's
# source tree in /root/sprout.
tmp=$(mktemp -d /var/tmp/sprout-check-gnu.XXXXXX)
trap 'rm -rf "$tmp"' EXIT INT TERM
cp -a "$state/outputs/gnu-$arch/rootfs" "$tmp/root"
mkdir -p "$tmp/root/root/sprout"
cp -a src mk tests Makefile "$tmp/root/root/sprout/"
./sprout --arch "$arch" sandbox-run --rootfs "$tmp/root" --rootfs-rw '
	cd /root/sprout
	make CC=gcc NOLIBS=1 O=build-gnu units >/tmp/make.log 2>&1 || { tail -n 25 /tmp/make.log; exit 1; }
	pass=0 fail=0
	for t in build-gnu/tests/test_*; do
		if "$t" >/tmp/unit.out 2>&1; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL ${t##*/}"; tail -n 10 /tmp/unit.out; fi
	done
	echo "sprout built by the system gcc ($(gcc -dumpversion)); unit tests: $pass passed, $fail failed"
	test "$fail" = 0'
