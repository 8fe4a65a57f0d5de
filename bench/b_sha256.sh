#!/bin/sh
# sprout hash against coreutils sha256sum on a 1 GiB file in the page cache.
# Run by bench/run.sh from the repository root with $SPROUT and $BENCH_TMP.
set -eu
: "${SPROUT:?}" "${BENCH_TMP:?}"
f=$BENCH_TMP/sha256-1g.bin
size=1073741824

# 1 GiB: a 1 MiB block of fixed text repeated (content does not change the speed).
if [ "$(stat -c %s "$f" 2>/dev/null || echo 0)" != $size ]; then
	blk=$BENCH_TMP/sha256-1m.bin
	yes 'sprout sha256 benchmark block' | head -c 1048576 >"$blk"
	i=0
	: >"$f.tmp"
	while [ $i -lt 16 ]; do cat "$blk" "$blk" "$blk" "$blk"; i=$((i + 1)); done >"$blk.64"
	i=0
	while [ $i -lt 16 ]; do cat "$blk.64"; i=$((i + 1)); done >"$f.tmp"
	rm -f "$blk" "$blk.64"
	mv "$f.tmp" "$f"
fi
cat "$f" >/dev/null     # warm the page cache

now() { date +%s.%N; }
# secs CMD...: wall time of one run, output discarded
secs() {
	t0=$(now)
	"$@" >/dev/null
	t1=$(now)
	echo "$t0 $t1" | awk '{ printf "%.3f\n", $2 - $1 }'
}
median() { sort -n | sed -n 2p; }

want=$(sha256sum "$f" | cut -d' ' -f1)
got=$("$SPROUT" hash "$f" | cut -d' ' -f1)
if [ "$want" != "$got" ]; then
	echo "sha256-1g: sprout hash gives $got, sha256sum $want" >&2
	exit 1
fi

: >"$BENCH_TMP/s.t"
: >"$BENCH_TMP/p.t"
for i in 1 2 3; do
	secs "$SPROUT" hash "$f" >>"$BENCH_TMP/s.t"
	secs sha256sum "$f" >>"$BENCH_TMP/p.t"
done
s=$(median <"$BENCH_TMP/s.t")
p=$(median <"$BENCH_TMP/p.t")
rm -f "$BENCH_TMP/s.t" "$BENCH_TMP/p.t"
echo "$s $p" | awk '{ printf "sha256-1g: sprout %.3f s, sha256sum %.3f s, ratio %.2f (goal <= 1.10)\n", $1, $2, $1 / $2 }'
