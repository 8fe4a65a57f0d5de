#!/bin/sh
# The Mes road experiment (README.md beside this file): build the plan in
# this directory, then print what each step measured and the sizes of the
# seeds compared. Run from the top of the tree: `make mes-road`, or
# `sh experiments/mes/run.sh [STEP...]`. Long (hours on a loaded
# machine), resumable, never part of `make check`.
set -e
sprout=${SPROUT:-./build/sprout}
state=${MES_STATE:-/var/tmp/sprout-mes/state}
plan=experiments/mes
nice -n 5 "$sprout" --state "$state" -j2 --plain build "$plan" "$@"

path() { "$sprout" --state "$state" path "$plan" "$1" 2>/dev/null; }
for s in mescc-tools-gcc mes-gcc mes-check-gcc mescc-tcc-gcc mescc-tools-tcc mes-tcc mes-check-tcc mescc-tcc-tcc; do
	p=$(path "$s") || { echo "== $s: not built"; continue; }
	echo "== $s"
	find "$p" -path '*/share/mes-road/*.txt' -exec cat {} +
done

# Diverse double-compiling of Mes: mescc, running on the gcc-built mes in
# one leg and on the tcc-built mes in the other, compiles Mes itself
# (bin/mes-mescc) and its C library; the results must be the same bytes.
echo "== mescc's output in both legs"
for f in opt/mes/bin/mes-mescc opt/mes/lib/x86_64-mes/libc.a opt/mes/lib/x86_64-mes/libc+tcc.a; do
	g=$(path mes-gcc) && t=$(path mes-tcc) && [ -e "$g/$f" ] && [ -e "$t/$f" ] || { echo "$f: not in both legs"; continue; }
	a=$(sha256sum <"$g/$f" | cut -c1-64); b=$(sha256sum <"$t/$f" | cut -c1-64)
	if [ "$a" = "$b" ]; then echo "$f: identical, $a"; else echo "$f: DIFFERENT, gcc leg $a, tcc leg $b"; fi
done

# The binary seeds, in bytes: what each road runs that it did not build.
echo "== seeds"
size() { if [ -e "$1" ]; then wc -c <"$1" | tr -d ' '; else echo -; fi; }
if p=$(path seed); then
	echo "minimal plan, host-built seed rootfs: $(du -sk "$p" | cut -f1) KiB (tcc $(size "$p/usr/bin/tcc"), busybox $(size "$p/usr/bin/busybox"), make $(size "$p/usr/bin/make"), libc.a $(size "$p/usr/lib/libc.a"))"
fi
for leg in gcc tcc; do
	t=$(path "mescc-tools-$leg") && m=$(path "mes-$leg") || continue
	n=0
	for f in "$t"/usr/bin/M1 "$t"/usr/bin/hex2 "$t"/usr/bin/blood-elf "$t"/usr/bin/kaem "$m"/opt/mes/bin/mes; do
		n=$((n + $(size "$f")))
	done
	echo "Mes road, $leg-built: mes $(size "$m/opt/mes/bin/mes"), M1 $(size "$t/usr/bin/M1"), hex2 $(size "$t/usr/bin/hex2"), blood-elf $(size "$t/usr/bin/blood-elf"), kaem $(size "$t/usr/bin/kaem"): $n bytes"
done
