#!/bin/sh
# Run the libFuzzer targets: sh fuzz/run.sh DIR SECONDS [TARGET...]
# DIR holds the built targets (DIR/fuzz/NAME). Each runs alone for SECONDS
# on a copy of its seeds (fuzz/corpus/NAME), so that what it finds does not
# land in the tree; a crash's input is kept as fuzz/crashes/NAME-*. Prints
# one TAP line per target with its executions, and ends non-zero when any
# target crashed. FUZZ_WORK (default: a temporary directory) keeps the grown
# corpora and the logs.
dir=$1 secs=$2
shift 2
targets=${*:-$(cd fuzz && ls *.c | sed 's/\.c$//')}
work=${FUZZ_WORK:-$(mktemp -d /tmp/sprout-fuzzrun.XXXXXX)}
[ -n "${FUZZ_WORK:-}" ] || trap 'rm -rf "$work"' EXIT
mkdir -p "$work" fuzz/crashes
n=0 bad=0
for t in $targets; do
	n=$((n + 1))
	bin=$dir/fuzz/$t
	if [ ! -x "$bin" ]; then
		echo "not ok $n - fuzz/$t: not built ($bin)"
		bad=1
		continue
	fi
	rm -rf "$work/$t"
	mkdir -p "$work/$t"
	cp fuzz/corpus/"$t"/* "$work/$t/" 2>/dev/null
	# leaks are a finding too; -rss_limit_mb keeps a run from taking the machine
	ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1} \
	UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
	"$bin" -max_total_time="$secs" -rss_limit_mb=1024 -timeout=20 -max_len=65536 \
		-artifact_prefix="fuzz/crashes/$t-" -print_final_stats=1 "$work/$t" >"$work/$t.log" 2>&1
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/$t.log" | tail -n 1)
	cov=$(grep -o 'cov: [0-9]*' "$work/$t.log" | tail -n 1)
	if [ "$rc" = 0 ]; then
		echo "ok $n - fuzz/$t: ${execs:-?} executions in ${secs}s, $cov, no crash"
	else
		echo "not ok $n - fuzz/$t: exit $rc after ${execs:-?} executions; input in fuzz/crashes/"
		grep -E '^(==[0-9]+==ERROR|SUMMARY|.*runtime error)' "$work/$t.log" | head -n 5 | sed 's/^/# /'
		bad=1
	fi
done
echo "1..$n"
exit $bad
