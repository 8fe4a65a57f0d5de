# The main job's figures: a cold `sprout bootstrap` (sources already
# fetched) against the same build commands run back to back by a plain
# shell script (`sprout script`, native steps through bwrap), at -j1 and
# -j2; the x86_64 wall-time goal; and a second, cached bootstrap.
# SPROUT_BENCH_CACHE keeps the fetched sources between runs.
cache=${SPROUT_BENCH_CACHE:-$HOME/.cache/sprout-bench}
D=$cache/distfiles
mkdir -p "$D"
if ! command -v bwrap >/dev/null 2>&1; then
	echo "bootstrap: skipped (the peer script needs bwrap; Debian: apt-get install bubblewrap)"
	exit 0
fi
"$SPROUT" -q --distfiles "$D" --state "$BENCH_TMP/bs-fetch" fetch minimal >/dev/null 2>&1 ||
	{ echo "bootstrap: skipped (cannot fetch the minimal plan's sources)"; exit 0; }
now() { date +%s.%N; }
run() { # label, then the command; prints seconds
	l=$1
	shift
	t0=$(now)
	"$@" >"$BENCH_TMP/bs-$l.log" 2>&1 || { echo "bootstrap: $l failed:" >&2; tail -5 "$BENCH_TMP/bs-$l.log" >&2; }
	t1=$(now)
	echo "$t0 $t1" | awk '{printf "%.1f", $2 - $1}'
}
# settle STATE: wait (untimed) for the build trees a sprout run threw away
# to be deleted: sprout deletes them in the background once its run is
# over (docs/cli.md, STATE/deleting), and the next timed run must not
# share the disk with that.
settle() {
	i=0
	while [ -n "$(ls -A "$1/deleting" 2>/dev/null)" ] && [ $i -lt 3000 ]; do sleep 0.2; i=$((i + 1)); done
}
# -j1 in the order sprout, script, script, sprout (each side's mean): a
# cold build's time drifts with what ran before it (page cache, writeback),
# and going first or second must not decide the ratio.
"$SPROUT" --distfiles "$D" --state "$BENCH_TMP/bs-gen" script minimal >"$BENCH_TMP/build.sh"
sync
x1=$(run sprout-j1 "$SPROUT" -q -j1 --distfiles "$D" --state "$BENCH_TMP/bs1a" bootstrap)
settle "$BENCH_TMP/bs1a"
sync
y1=$(run script-j1 sh "$BENCH_TMP/build.sh" "$BENCH_TMP/bs-script-a" 1)
sync
y2=$(run script-j1 sh "$BENCH_TMP/build.sh" "$BENCH_TMP/bs-script-b" 1)
sync
x2=$(run sprout-j1 "$SPROUT" -q -j1 --distfiles "$D" --state "$BENCH_TMP/bs1" bootstrap)
settle "$BENCH_TMP/bs1"
a1=$(echo "$x1 $x2" | awk '{printf "%.1f", ($1 + $2) / 2}')
s1=$(echo "$y1 $y2" | awk '{printf "%.1f", ($1 + $2) / 2}')
rm -rf "$BENCH_TMP/bs1a" "$BENCH_TMP/bs-script-a" "$BENCH_TMP/bs-script-b"
sync
a2=$(run sprout-j2 "$SPROUT" -q -j2 --distfiles "$D" --state "$BENCH_TMP/bs2" bootstrap)
settle "$BENCH_TMP/bs2"
t0=$(now)
"$SPROUT" -q -j2 --distfiles "$D" --state "$BENCH_TMP/bs2" bootstrap >/dev/null 2>&1
t1=$(now)
again=$(echo "$t0 $t1" | awk '{printf "%.3f", $2 - $1}')
arch=$(uname -m)
awk -v a="$a1" -v s="$s1" -v r="$x1 $y1 $y2 $x2" 'BEGIN { printf "bootstrap cold -j1 (incl. checks): sprout %.1f s, script %.1f s, ratio %.2f (goal <= 1.03; runs sprout, script, script, sprout: %s s)\n", a, s, a / s, r }'
awk -v a="$a2" -v s="$s1" 'BEGIN { printf "bootstrap cold -j2: sprout %.1f s, script -j1 %.1f s, ratio %.2f (goal < 0.60)\n", a, s, a / s }'
awk -v a="$a2" -v g="$([ "$arch" = x86_64 ] && echo 300 || echo 1200)" -v arch="$arch" 'BEGIN { printf "bootstrap cold %s: sprout %.1f s, goal %d s, ratio %.2f (goal <= 1.00)\n", arch, a, g, a / g }'
awk -v a="$again" 'BEGIN { printf "bootstrap cached: sprout %.3f s, goal 1.000 s, ratio %.2f (goal <= 1.00)\n", a, a }'
