# plans/gnu's engine overhead against the plain script (`sprout script`).
# A cold plans/gnu takes about six hours on this machine, so the overhead is
# measured step by step, on steps of each kind (host, cross, native) and of
# each size: every step in GNU_STEPS is rebuilt
#   - by sprout: its store entry is removed from a hard-linked copy of a
#     state where plans/gnu is built, then `sprout -j2 build plans/gnu STEP`
#     (every dependency is found in the store), and
#   - by the script: the block `sprout script plans/gnu` writes for that step,
#     alone, at JOBS=2, with its dependencies' outputs linked from the same
#     store (the script's own layout, WORKDIR/STEP/out),
# in the order sprout, script, script, sprout (a cold build drifts with what
# ran before it). Each side's time is the mean of its two runs; the CPU time
# (user + system of every process) is given beside the wall time, since a
# loaded machine's wall time is mostly waiting for a core. sprout's output
# must have the digest of the first build (the same bytes), or the figure
# is refused.
#
# Runs only when SPROUT_GNU_STATE names a state where plans/gnu is built
# for this machine's arch (`SPROUT_GNU_STATE=/var/tmp/sprout-gnu
# SPROUT_BENCH=gnu make bench`); otherwise it says so and does nothing.
S=${SPROUT_GNU_STATE:-}
if [ -z "$S" ]; then
	echo "gnu: skipped (SPROUT_GNU_STATE names no state where plans/gnu is built)"
	exit 0
fi
plan=${GNU_PLAN:-plans/gnu}
steps=${GNU_STEPS:-cross-binutils seed-m4 seed-make m4 make busybox}
# The copy lives beside $S, not under $BENCH_TMP: bench/run.sh ends with a
# `chmod -R u+w` of $BENCH_TMP, which would change the modes of the files
# the copy shares with $S. It is removed here, directories made writable
# first and files left as they are.
C=$(mktemp -d "${S%/}.bench.XXXXXX") || exit 1
drop() {
	find "$C" -type d -exec chmod u+w {} + 2>/dev/null
	rm -rf "$C"
	[ -z "$cg" ] || rmdir "$cg" 2>/dev/null
}
trap drop EXIT
trap 'exit 1' INT TERM
W=$BENCH_TMP/gnu-work
mkdir -p "$W"
cp -al "$S/store" "$S/distfiles" "$S/layout" "$C/" || { echo "gnu: FAILED (cannot link $S into $C)"; exit 1; }
"$SPROUT" --state "$C" script "$plan" >"$BENCH_TMP/gnu.sh" || { echo "gnu: FAILED (sprout script)"; exit 1; }
# Every step's output, linked where the script expects it.
for s in $(sed -n 's/^# step \([^ ]*\) (stage.*/\1/p' "$BENCH_TMP/gnu.sh"); do
	p=$("$SPROUT" --state "$C" path "$plan" "$s" 2>/dev/null) || continue
	mkdir -p "$W/$s"
	ln -s "$p" "$W/$s/out"
done
now() { date +%s.%N; }
# CPU time: of everything a run starts, bwrap's and the sandbox's children
# included (they are not all reaped by their parents, so `times` misses
# them): each run goes into a cgroup of its own (v1 cpuacct, or v2 cpu.stat)
# and its usage is read after. Without a writable cgroup file system (not
# root) the CPU figures are left out.
cg=
for d in /sys/fs/cgroup/cpuacct /sys/fs/cgroup/unified /sys/fs/cgroup; do
	if [ -w "$d" ] && mkdir "$d/sprout-bench-$$" 2>/dev/null; then cg=$d/sprout-bench-$$; break; fi
done
cg_cpu() { # the cgroup's CPU seconds so far
	if [ -f "$cg/cpuacct.usage" ]; then awk '{ printf "%.1f", $1 / 1e9 }' "$cg/cpuacct.usage"
	elif [ -f "$cg/cpu.stat" ]; then awk '$1 == "usage_usec" { printf "%.1f", $2 / 1e6 }' "$cg/cpu.stat"
	else echo 0; fi
}
measured() { # command...: runs it in the cgroup; prints "wall cpu"
	c0=$(cg_cpu)
	t0=$(now)
	if [ -n "$cg" ]; then sh -c 'echo $$ >"$1/cgroup.procs" 2>/dev/null || echo $$ >"$1/tasks"; shift; exec "$@" >&2' cg "$cg" "$@"
	else "$@" >&2; fi
	rc=$?
	t1=$(now)
	c1=$(cg_cpu)
	echo "$t0 $t1 $c0 $c1" | awk '{ printf "%.1f %.1f", $2 - $1, $4 - $3 }'
	return $rc
}
block() { # the script's block for step $1, runnable alone
	printf 'set -e\nW=%s\nJOBS=2\nD=%s\numask 022\n' "$W" "$C/distfiles"
	awk -v s="# step $1 (" 'index($0, s) == 1 { on = 1 } on && /^# step / && index($0, s) != 1 { exit } on && /^echo "done:/ { exit } on { print }' "$BENCH_TMP/gnu.sh"
}
settle() {
	i=0
	while [ -n "$(ls -A "$C/deleting" 2>/dev/null)" ] && [ $i -lt 3000 ]; do sleep 0.2; i=$((i + 1)); done
}
run_sprout() { # step; prints "wall cpu"
	out=$("$SPROUT" --state "$C" path "$plan" "$1") || return 1
	# Directories only: the files are hard links shared with $S, whose
	# modes must not change.
	find "${out%/out}" -type d -exec chmod u+w {} + 2>/dev/null
	rm -rf "${out%/out}"
	sync
	r=$(measured "$SPROUT" -q --state "$C" -j2 build "$plan" "$1" 2>"$BENCH_TMP/gnu-$1.log") || return 1
	settle
	echo "$r"
}
run_script() {
	block "$1" >"$BENCH_TMP/gnu-$1.sh"
	rm -rf "$W/$1/work" "$W/$1/out"
	sync
	measured sh "$BENCH_TMP/gnu-$1.sh" 2>>"$BENCH_TMP/gnu-$1.log"
}
total_a=0 total_s=0 n=0
for s in $steps; do
	ref=$("$SPROUT" --state "$C" path "$plan" "$s" 2>/dev/null) || { echo "gnu $s: skipped (not built in $S)"; continue; }
	digest=$(sha256sum "${ref%/out}/manifest" | cut -c1-64)
	# The script's block writes $W/STEP; the store's output moves aside.
	rm -f "$W/$s/out"
	a1=$(run_sprout "$s") && y1=$(run_script "$s") && y2=$(run_script "$s") && a2=$(run_sprout "$s") ||
		{ echo "gnu $s: FAILED (see $BENCH_TMP/gnu-$s.log)"; continue; }
	got=$(sha256sum "$("$SPROUT" --state "$C" path "$plan" "$s" | sed 's|/out$||')/manifest" | cut -c1-64)
	if [ "$got" != "$digest" ]; then
		echo "gnu $s: FAILED (sprout's rebuild has digest $got, the state's $digest)"
		continue
	fi
	echo "$a1 $a2 $y1 $y2" | awk -v s="$s" '{ a = ($1 + $3) / 2; y = ($5 + $7) / 2; ac = ($2 + $4) / 2; yc = ($6 + $8) / 2
		printf "gnu %s -j2: sprout %.1f s, script %.1f s, ratio %.3f; cpu sprout %.1f s, script %.1f s, ratio %.3f (runs sprout, script, script, sprout: %s %s %s %s s)\n", s, a, y, a / y, ac, yc, ac / yc, $1, $5, $7, $3 }'
	echo "$a1 $a2 $y1 $y2" >>"$BENCH_TMP/gnu-sums"
	ln -sfn "$("$SPROUT" --state "$C" path "$plan" "$s")" "$W/$s/out"
done
[ -s "$BENCH_TMP/gnu-sums" ] && awk '{ a += ($1 + $3) / 2; y += ($5 + $7) / 2; ac += ($2 + $4) / 2; yc += ($6 + $8) / 2; n++ }
	END { printf "gnu overhead (%d steps, -j2): sprout %.1f s, script %.1f s, ratio %.3f (goal <= 1.03); cpu ratio %.3f\n", n, a, y, a / y, ac / yc }' "$BENCH_TMP/gnu-sums"
exit 0
