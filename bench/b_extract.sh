#!/bin/sh
# sprout extract against GNU tar -xf on two real source tarballs.
# Run by bench/run.sh from the repository root with $SPROUT and $BENCH_TMP.
# Downloads are cached in $SPROUT_BENCH_CACHE (default ~/.cache/sprout-bench)
# and pinned by sha256 (the upstream release tarballs, as Debian ships them).
set -eu
: "${SPROUT:?}" "${BENCH_TMP:?}"
cache=${SPROUT_BENCH_CACHE:-$HOME/.cache/sprout-bench}
mkdir -p "$cache"

if ! tar --version 2>/dev/null | grep -q 'GNU tar'; then
	echo "b_extract: GNU tar not found, skipped" >&2
	exit 0
fi

# fetch FILE URL SHA256: a verified copy of FILE in the cache.
fetch() {
	dst=$cache/$1
	if [ ! -f "$dst" ]; then
		if command -v curl >/dev/null; then
			curl -fsSL -o "$dst.part" "$2"
		else
			wget -q -O "$dst.part" "$2"
		fi
		mv "$dst.part" "$dst"
	fi
	got=$(sha256sum "$dst" | cut -d' ' -f1)
	if [ "$got" != "$3" ]; then
		echo "b_extract: $dst: sha256 $got, expected $3; removed" >&2
		rm -f "$dst"
		exit 1
	fi
}

now() { date +%s.%N; }
secs() {
	t0=$(now)
	"$@"
	t1=$(now)
	echo "$t0 $t1" | awk '{ printf "%.3f\n", $2 - $1 }'
}
median() { sort -n | sed -n 2p; }

run_sprout() {
	sync
	secs "$SPROUT" extract "$arc" "$BENCH_TMP/x/$1-sprout-$i" >>"$BENCH_TMP/s.t"
}
run_tar() {
	mkdir -p "$BENCH_TMP/x/$1-tar-$i"
	sync
	secs tar -xf "$arc" -C "$BENCH_TMP/x/$1-tar-$i" >>"$BENCH_TMP/p.t"
}

# bench NAME FILE: three runs each into fresh directories, taking turns at
# going first. The trees are only removed at the end: on ext4, creating
# files soon after deleting many is much slower (it skips recently freed
# inodes), which would make the runs depend on their order.
bench() {
	arc=$cache/$2
	cat "$arc" >/dev/null
	: >"$BENCH_TMP/s.t"
	: >"$BENCH_TMP/p.t"
	for i in 1 2 3; do
		if [ $i = 2 ]; then
			run_tar "$1"
			run_sprout "$1"
		else
			run_sprout "$1"
			run_tar "$1"
		fi
	done
	if ! diff -r --no-dereference "$BENCH_TMP/x/$1-sprout-1" "$BENCH_TMP/x/$1-tar-1" >/dev/null; then
		echo "$1: sprout and GNU tar extracted different trees" >&2
		exit 1
	fi
	st=$(median <"$BENCH_TMP/s.t")
	pt=$(median <"$BENCH_TMP/p.t")
	rm -f "$BENCH_TMP/s.t" "$BENCH_TMP/p.t"
	echo "$1 $st $pt" | awk '{ printf "%s: sprout %.3f s, tar %.3f s, ratio %.2f (goal <= 1.20)\n", $1, $2, $3, $2 / $3 }'
}

rm -rf "$BENCH_TMP/x"
mkdir -p "$BENCH_TMP/x"
trap 'rm -rf "$BENCH_TMP/x" "$BENCH_TMP/s.t" "$BENCH_TMP/p.t"' EXIT

fetch busybox_1.35.0.orig.tar.bz2 \
	http://deb.debian.org/debian/pool/main/b/busybox/busybox_1.35.0.orig.tar.bz2 \
	faeeb244c35a348a334f4a59e44626ee870fb07b6884d68c10ae8bc19f83a694
fetch musl_1.2.3.orig.tar.gz \
	http://deb.debian.org/debian/pool/main/m/musl/musl_1.2.3.orig.tar.gz \
	7d5b0b6062521e4627e099e4c9dc8248d32a30285e959b7eecaa780cf8cfd4a4

bench extract-busybox-1.35.0 busybox_1.35.0.orig.tar.bz2
bench extract-musl-1.2.3 musl_1.2.3.orig.tar.gz
