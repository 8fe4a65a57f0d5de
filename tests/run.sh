#!/bin/sh
# Runs every test tier and ends with "N passed, N failed".
#   unit:   build/tests/test_* (TAP)
#   golden: tests/golden/*.test (@ARGS, @EXIT, @EXPECT against ./sprout)
#   e2e:    tests/e2e/*.sh (TAP through tests/e2e/lib.sh)
#   fuzz:   each fuzz/*.c target a few seconds on its seeds (make fuzz-build)
# SPROUT_TESTS=pattern runs only the tests whose file name matches.
# SPROUT_BIN=path tests that sprout (make check-asan's) instead of ./sprout;
# SPROUT_FUZZ=no leaves the fuzz tier out (check-asan: it has its own build).
O=${1:-build}
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
bin=${SPROUT_BIN:-$top/sprout}
case $bin in /*) ;; *) bin=$top/$bin ;; esac
pass=0 fail=0
pat=${SPROUT_TESTS:-}
tmp=$(mktemp -d /tmp/sprout-tests.XXXXXX)
trap 'rm -rf "$tmp"' EXIT INT TERM
# No configuration file of the machine's or the user's (docs/config.md).
XDG_CONFIG_HOME=$tmp/config SPROUT_SYSTEM_CONFIG=$tmp/no-system.conf
export XDG_CONFIG_HOME SPROUT_SYSTEM_CONFIG

tally() { # name, file with TAP output
	p=$(grep -c '^ok ' "$2")
	f=$(grep -c '^not ok ' "$2")
	pass=$((pass + p)) fail=$((fail + f))
	if [ "$f" -gt 0 ] || [ "$3" != 0 ]; then
		echo "FAIL $1 ($p ok, $f not ok, exit $3)"
		grep -v '^ok ' "$2" | tail -n 40 | sed 's/^/    /'
		if [ "$f" -eq 0 ]; then fail=$((fail + 1)); fi
	else
		echo "ok   $1 ($p)"
	fi
}

want() { [ -z "$pat" ] || case "$1" in *$pat*) return 0 ;; *) return 1 ;; esac; }

for t in "$O"/tests/test_*; do
	[ -x "$t" ] || continue
	want "$t" || continue
	"$t" >"$tmp/out" 2>&1; rc=$?
	tally "unit/$(basename "$t")" "$tmp/out" $rc
done

for g in tests/golden/*.test; do
	[ -f "$g" ] || continue
	want "$g" || continue
	sh tests/golden/run-one.sh "$bin" "$g" >"$tmp/out" 2>&1; rc=$?
	tally "golden/$(basename "$g" .test)" "$tmp/out" $rc
done

for e in tests/e2e/*.sh; do
	[ -f "$e" ] || continue
	case "$e" in */lib.sh) continue ;; esac
	want "$e" || continue
	SPROUT="$bin" TOP="$top" SPROUT_O="$O" sh "$e" >"$tmp/out" 2>&1; rc=$?
	tally "e2e/$(basename "$e" .sh)" "$tmp/out" $rc
done

if [ "${SPROUT_FUZZ:-yes}" != no ] && want fuzz/targets; then
	sh fuzz/run.sh "${FO:-build-fuzz}" "${FUZZ_CHECK_SECONDS:-3}" >"$tmp/out" 2>&1; rc=$?
	tally "fuzz/targets" "$tmp/out" $rc
fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
