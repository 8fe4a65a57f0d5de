#!/bin/sh
# Start and tear down a sandbox that runs /bin/true directly (no shell):
# sprout's own sandbox
# against bubblewrap's, medians of many alternating runs in one session.
# SPROUT: the binary (default ./sprout); RUNS: how many runs of each.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
sprout=${SPROUT:-$top/sprout}
runs=${RUNS:-200}
if ! command -v bwrap >/dev/null 2>&1; then
	echo "sandbox start+teardown: skipped (bwrap is not installed; Debian: apt-get install bubblewrap)"
	exit 0
fi
if ! "$sprout" sandbox-run -- /bin/true >/dev/null 2>&1; then
	echo "sandbox start+teardown: skipped (sprout sandbox-run does not work here:" \
		"$("$sprout" sandbox-run -- /bin/true 2>&1 | head -n 1))"
	exit 0
fi
if ! bwrap --unshare-all --ro-bind / / true >/dev/null 2>&1; then
	echo "sandbox start+teardown: skipped (bwrap cannot create namespaces here)"
	exit 0
fi

# Microseconds from $EPOCHREALTIME, without forking.
us() { local s=${1%[.,]*} f=${1#*[.,]}; echo $((10#$s * 1000000 + 10#$f)); }
a=() b=()
for ((i = 0; i < runs + 5; i++)); do
	t0=$EPOCHREALTIME
	"$sprout" sandbox-run -- /bin/true >/dev/null
	t1=$EPOCHREALTIME
	bwrap --unshare-all --ro-bind / / true >/dev/null
	t2=$EPOCHREALTIME
	((i < 5)) && continue # warm-up
	a+=($(($(us "$t1") - $(us "$t0"))))
	b+=($(($(us "$t2") - $(us "$t1"))))
done
median() { printf '%s\n' "$@" | sort -n | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }
ma=$(median "${a[@]}") mb=$(median "${b[@]}")
awk -v a="$ma" -v b="$mb" 'BEGIN {
	printf "sandbox start+teardown: sprout %.4f s, bwrap %.4f s, ratio %.2f (goal <= 1.00)\n",
		a / 1e6, b / 1e6, a / b }'
