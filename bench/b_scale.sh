#!/bin/sh
# The engine's own costs as a plan grows: synthetic plans of 100, 1,000 and
# 10,000 trivial steps (bench/gen_plan.sh), wide (every step needs the
# first) and deep (a chain). For each: plan load and key computation
# (bench/phases), a dry-run `sprout plan`, and a fully cached `sprout build`,
# with time and peak memory. Goals: linear growth (10x the steps, about 10x
# the time), and a cached build of 10,000 steps under 1 s.
# Run by bench/run.sh with $SPROUT, $BENCH_TMP and $SPROUT_PHASES. The
# plans are built once, untimed, with their state on /dev/shm when there
# is one (the engine's costs are measured, not the disk's fsyncs).
set -eu
: "${SPROUT:?}" "${BENCH_TMP:?}" "${SPROUT_PHASES:?}"
top=$(cd "$(dirname "$0")/.." && pwd)
shm=$BENCH_TMP
if [ -d /dev/shm ] && [ -w /dev/shm ]; then
	shm=$(mktemp -d /dev/shm/sprout-bench.XXXXXX)
	trap 'rm -rf "$shm"' EXIT INT TERM
fi
# wall and CPU (user + system) seconds and peak KiB of a command:
# "WALL CPU KIB". On a loaded machine the wall time is mostly waiting for
# a core; the CPU time is what the engine costs.
measure() {
	/usr/bin/time -f '%e %U %S %M' -o "$BENCH_TMP/time" "$@" >/dev/null 2>&1 || { echo "0 0 0"; return; }
	awk '{ printf "%.2f %.2f %d\n", $1, $2 + $3, $4 }' "$BENCH_TMP/time"
}
# runs N COMMAND...: N runs in a row, per run: "WALL CPU KIB". CPU time is
# counted in 10 ms ticks, so the runs must add up to many ticks for a
# small figure to be read: N is 100 for a 100-step plan (a few ms a run),
# 10 for 1,000 and 5 for 10,000, each total a third of a second or more.
runs() {
	k=$1
	shift
	printf '%s\n' "$*" >"$BENCH_TMP/cmd"
	measure sh -c 'k=$2; while [ "$k" -gt 0 ]; do eval "$(cat "$1")" >/dev/null 2>&1; k=$((k - 1)); done' - \
		"$BENCH_TMP/cmd" "$k" | awk -v k="$k" '{ printf "%.4f %.4f %d\n", $1 / k, $2 / k, $3 }'
}
for shape in wide deep; do
	prev=
	for n in 100 1000 10000; do
		P=$BENCH_TMP/scale-$shape-$n S=$shm/state-$shape-$n
		rm -rf "$P" "$S"
		sh "$top/bench/gen_plan.sh" "$P" $n $shape
		"$SPROUT" -q --state "$S" --runner=plain -j2 build "$P" >/dev/null 2>&1 ||
			{ echo "scale $shape $n: the first build failed"; continue; }
		ph=$("$SPROUT_PHASES" "$P/plan" "$S")
		load=$(echo "$ph" | awk '{print $8}') keys=$(echo "$ph" | awk '{print $10}')
		reps=$((1000000 / (n * 100)))
		[ "$reps" -ge 5 ] || reps=5
		set -- $(runs $reps "$SPROUT" --state "$S" plan "$P")
		pt=$1 pc=$2 pm=$3
		set -- $(runs $reps "$SPROUT" -q --state "$S" --runner=plain build "$P")
		bt=$1 bc=$2 bm=$3
		printf 'scale %-4s %5d steps: cpu load %.4f s, keys %.4f s; plan %.4f s (cpu %.4f s) %d MiB; cached build %.4f s (cpu %.4f s) %d MiB (mean of %d runs)\n' \
			$shape $n "$load" "$keys" "$pt" "$pc" $((pm / 1024)) "$bt" "$bc" $((bm / 1024)) $reps
		if [ -n "$prev" ]; then
			awk -v a="$prev" -v b="$bc" -v n=$n -v s=$shape 'BEGIN {
				if (a < 0.0005) a = 0.0005
				printf "scale %s: cached build cpu, %d steps / %d steps: %.1fx for 10x the steps (goal <= 10x, linear)\n", s, n, n / 10, b / a }'
		fi
		prev=$bc
		[ $n = 10000 ] && awk -v b="$bt" -v c="$bc" -v s=$shape 'BEGIN {
			printf "scale %s: cached 10,000-step build: sprout %.2f s wall (%.2f s cpu), goal 1.00 s, ratio %.2f (goal <= 1.00)\n", s, b, c, b }'
		rm -rf "$S"
	done
done
