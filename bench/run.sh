#!/bin/sh
# make bench: run every bench/b_*.sh side by side with its peer tool.
# Each prints lines "NAME: sprout X s, PEER Y s, ratio R (goal <= G)".
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
export SPROUT="$top/sprout"
export SPROUT_PHASES="${SPROUT_PHASES:-$top/build/bench/phases}"
# SPROUT_BENCH_TMPDIR: where the scratch directory goes (default /var/tmp;
# /dev/shm for b_pkg measures the tools without the disk: docs/bench.md).
BENCH_TMP=$(mktemp -d "${SPROUT_BENCH_TMPDIR:-/var/tmp}/sprout-bench.XXXXXX")
export BENCH_TMP
trap 'chmod -R u+w "$BENCH_TMP" 2>/dev/null; rm -rf "$BENCH_TMP"' EXIT INT TERM
for b in bench/b_*.sh; do
	[ -z "$SPROUT_BENCH" ] || case "$b" in *$SPROUT_BENCH*) ;; *) continue ;; esac
	sh "$b" || echo "$(basename "$b" .sh): FAILED"
done
