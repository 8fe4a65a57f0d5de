# sprout sandbox-run: shell text in a throwaway host-mode sandbox, its
# output on stdout, its status passed through; timeouts, Ctrl-C and a
# killed sprout end everything in it; rootless the same as root.
. "$TOP/tests/e2e/lib.sh"
chmod 755 "$T"
if sprout sandbox-run true 2>&1 | grep -q "unknown command"; then
	ok "# SKIP sandbox-run is not registered in main.c yet"
	exit 0
fi

check "the step sees uid 0 and hostname sprout" test "$(sprout sandbox-run 'id -u; uname -n; pwd')" = "0
sprout
/build"
sprout sandbox-run 'echo out; echo err >&2; exit 7' >"$T/o" 2>"$T/e"; rc=$?
check "its status passes through, stdout and stderr both on stdout" test "$rc:$(cat "$T/o"):$(cat "$T/e")" = "7:out
err:"
check "/build and /destdir are writable and start empty" \
	test "$(sprout sandbox-run 'ls -A; touch a "$DESTDIR/b"; ls /build "$DESTDIR"')" = "/build:
a

/destdir:
b"
sprout sandbox-run >/dev/null 2>&1; rc=$?
check "no script is a usage error (2)" test "$rc" = 2

start=$(date +%s)
sprout --step-timeout 1 sandbox-run 'sleep 30' >"$T/o" 2>&1; rc=$?
check "--step-timeout 1: exit 253 within seconds" test "$rc" = 253 -a $(($(date +%s) - start)) -lt 10
check "  ... saying so" grep -q 'sprout: step timed out after 1 s' "$T/o"

running() { pgrep -x sleep -a 2>/dev/null | grep -q " $1\$"; }
wait_for() { i=0; while ! running "$1" && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done; running "$1"; }

a=1000.$$
"$SPROUT" sandbox-run "sleep $a" >/dev/null 2>&1 &
pid=$!
wait_for $a
kill -INT $pid
wait $pid; rc=$?
check "SIGINT to sprout: exit 130" test "$rc" = 130
check "  ... and nothing of the step is left" sh -c "! pgrep -x sleep -a | grep -q ' $a\$'"

b=1001.$$
"$SPROUT" sandbox-run "sleep $b" >/dev/null 2>&1 &
pid=$!
wait_for $b
kill -9 $pid
wait $pid 2>/dev/null
i=0; while running $b && [ $i -lt 40 ]; do sleep 0.05; i=$((i + 1)); done
check "SIGKILL to sprout: the sandbox dies with it" sh -c "! pgrep -x sleep -a | grep -q ' $b\$'"

# A native root: the host's dash and C library, nothing else.
R=$T/root
if [ "$(uname -m)" = x86_64 ] && [ -e /lib64/ld-linux-x86-64.so.2 ]; then
	mkdir -p "$R/bin" "$R/lib64" "$R/lib/x86_64-linux-gnu"
	cp /bin/dash "$R/bin/sh"
	cp /lib/x86_64-linux-gnu/libc.so.6 "$R/lib/x86_64-linux-gnu/"
	cp "$(readlink -f /lib64/ld-linux-x86-64.so.2)" "$R/lib64/ld-linux-x86-64.so.2"
	chmod -R a+rX "$R"
	check "--rootfs: the step sees the rootfs and the sandbox's mounts, nothing else" \
		test "$(sprout sandbox-run --rootfs "$R" 'cd /; echo *')" = \
		"bin build deps destdir dev lib lib64 proc tmp"
else
	ok "# SKIP --rootfs: not a Debian x86_64 host"
fi

if [ "$(id -u)" = 0 ]; then
	id sprout-test >/dev/null 2>&1 ||
		useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin sprout-test \
			>/dev/null 2>&1
	if id sprout-test >/dev/null 2>&1; then
		u=$(id -u sprout-test) g=$(id -g sprout-test)
		got=$(setpriv --reuid="$u" --regid="$g" --clear-groups "$SPROUT" sandbox-run \
			'id -u; id -g; touch /usr/x 2>/dev/null || echo ro' 2>&1)
		check "rootless (sprout-test): uid 0, gid 0, /usr read-only" test "$got" = "0
0
ro"
	else
		ok "# SKIP rootless: no user sprout-test"
	fi
fi
echo "1..$n"
