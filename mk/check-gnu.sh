#!/bin/sh
# make check-gnu: plans/gnu end to end for the host's arch (or GNU_ARCH),
# then sprout itself built inside the final system by that system's GCC
# (no optional libraries: the system has none) and its unit tests run
# there, then the final system booted in qemu with the kernel the plan's
# native stage built (sprout boot). Hours on 2 cores, so never part of
# `make check`. Resumable: every finished step stays in the state
# directory (GNU_STATE, else sprout's default), so running it again after
# an interruption goes on from where it stopped.
#
# GNU_PLANS names the plans to check, in order (default: gnu). The glibc
# half is GNU_PLANS='gnu gnu-glibc' (or GNU_PLANS=gnu-glibc alone):
# plans/gnu-glibc the same way, its smoke test with the 32-bit programs,
# then sprout in its final system. It is not in the default until that
# plan has been bootstrapped to the end and its digests recorded
# (docs/gnu-glibc.md says how far it is).
set -e
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
state=${GNU_STATE:-$(./sprout config | sed -n 's/^state *= *\([^ ]*\).*/\1/p')}
arch=${GNU_ARCH:-$(uname -m)}
plans=${GNU_PLANS:-gnu}
for plan in $plans; do
	case $plan in
	gnu | gnu-glibc) ;;
	*) echo "mk/check-gnu.sh: GNU_PLANS: unknown plan '$plan' (expected gnu, gnu-glibc)" >&2; exit 2 ;;
	esac
done
for plan in $plans; do
	echo "check-gnu: plans/$plan for $arch (state $state)"
	./sprout --state "$state" --arch "$arch" -j 2 bootstrap --plan "plans/$plan"

	# sprout in the final system: a writable copy of its rootfs, sprout's
	# source tree (and the recipes its unit tests read) in /root/sprout.
	tmp=$(mktemp -d /var/tmp/sprout-check-gnu.XXXXXX)
	trap 'rm -rf "$tmp"' EXIT INT TERM
	cp -a "$state/outputs/$plan-$arch/rootfs" "$tmp/root"
	mkdir -p "$tmp/root/root/sprout"
	cp -a src mk tests recipes Makefile "$tmp/root/root/sprout/"
	script='
		cd /root/sprout
		make CC=gcc NOLIBS=1 O=build-gnu units >/tmp/make.log 2>&1 || { tail -n 25 /tmp/make.log; exit 1; }
		pass=0 fail=0 skip=""
		for t in build-gnu/tests/test_*; do
			case "${t##*/}:$SKIP_SANDBOX" in test_sandbox:1) skip=" (test_sandbox not run: $SKIP_SANDBOX_WHY)"; continue ;; esac
			if "$t" >/tmp/unit.out 2>&1; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL ${t##*/}"; grep "^not ok" /tmp/unit.out | head -n 10; tail -n 5 /tmp/unit.out; fi
		done
		echo "sprout built by the system gcc ($(gcc -dumpversion)); unit tests: $pass passed, $fail failed$skip"
		test "$fail" = 0'
	if [ "$(id -u)" = 0 ]; then
		# As root, in a chroot of the copy with its own mount and pid
		# namespaces: test_sandbox then makes sandboxes inside it as root.
		unshare -m -p -f sh -c '
			set -e
			mount --make-rprivate /
			mount --bind "$1" "$1"
			mount -t proc proc "$1/proc"
			mount --rbind /dev "$1/dev"
			mount -t sysfs sys "$1/sys"
			mount -t tmpfs tmp "$1/tmp"
			exec chroot "$1" /usr/bin/env -i PATH=/usr/bin:/bin:/usr/sbin:/sbin HOME=/root /bin/sh -c "$2"' \
			sh "$tmp/root" "$script"
	else
		# Rootless, in sprout's sandbox, which drops every capability: the
		# sandbox tests' own sandboxes cannot be made there.
		./sprout --arch "$arch" sandbox-run --rootfs "$tmp/root" --rootfs-rw \
			"SKIP_SANDBOX=1 SKIP_SANDBOX_WHY='rootless: no nested sandbox without capabilities'; $script"
	fi
	rm -rf "$tmp"
	trap - EXIT INT TERM

	# The final system booted in qemu with the kernel its own GCC built (the
	# native stage's on-demand kernel step, built here the first time: half
	# an hour or more on 2 cores), its smoke test run in the VM
	# (docs/boot.md). plans/gnu-glibc has no kernel step yet.
	if [ "$plan" = gnu ]; then
		./sprout --state "$state" --arch "$arch" -j 2 boot "plans/$plan"
	fi
done
