#!/bin/sh
# sprout pkg install against pacman, and the minimal plan's packages.
# Run by bench/run.sh from the repository root with $SPROUT and $BENCH_TMP.
#
# 1. 1,000 small synthetic packages (10 files each: a program in usr/bin,
#    a library in usr/lib, eight files in usr/share/NAME) installed into an
#    empty root in one command: sprout pkg install from a signed repository
#    (index signature, each package's sha256, every file's sha256) against
#    pacman -S from a local repository of the same files (pacman.conf
#    SigLevel = Never, so no signatures, but each package's sha256 from the
#    sync database is checked; packages built with bsdtar, no makepkg).
#    fsync policies: sprout's default makes a transaction durable with two
#    syncfs() calls (docs/package.md); pacman fsyncs nothing. Both are
#    shown: sprout as it is, and sprout --no-sync (no fsync either).
# 2. The minimal plan's packages (base, musl, tcc, busybox, make) installed
#    into an empty root, against GNU tar extracting the plan's rootfs.tar.
#    It needs the minimal plan built in $SPROUT_BENCH_STATE (default
#    ~/.cache/sprout-bench/minimal-state); when it is not, it is built
#    first (a few minutes), unless SPROUT_BENCH_NO_BUILD is set: then this
#    part is skipped with a note.
#
# Goals (issue 13): at most 0.6 of pacman's time with the crash-safe
# default, 0.3 with --no-sync.
#
# Each figure is the median of five runs (three for the minimal plan) into
# fresh roots, taking turns at going first; roots are only removed at the
# end (on ext4, creating files soon after deleting many is much slower:
# docs/bench.md). The line also gives each side's spread (fastest and
# slowest run) and the medians of the CPU times.
# syncfs() waits for everything dirty on the file system, other programs'
# writes too: on a busy machine the first figure moves with them.
set -eu
: "${SPROUT:?}" "${BENCH_TMP:?}"
N=${SPROUT_BENCH_PKGS:-1000}
W=$BENCH_TMP/pkg
rm -rf "$W"
mkdir -p "$W"
trap 'rm -rf "$W"' EXIT

now() { date +%s.%N; }
# cpu FILE: the user + system seconds of this shell's children in FILE, the
# output of `times` (run in this shell, not a subshell, whose children
# would be its own).
cpu() { awk 'NR == 2 { n = split($0, f, /[ms]+/); c = 0; for (i = 1; i < n; i += 2) c += f[i] * 60 + f[i + 1]; printf "%.3f\n", c }' "$1"; }
# secs FILE COMMAND...: run it, append its wall and CPU (user + system)
# seconds to FILE ("WALL CPU").
secs() {
	f=$1
	shift
	sync
	times >"$W/c0"
	t0=$(now)
	"$@" >"$W/last.out" 2>&1 || { echo "b_pkg: failed: $1 $2 $3 ..." >&2; tail -5 "$W/last.out" >&2; exit 1; }
	t1=$(now)
	times >"$W/c1"
	echo "$t0 $t1 $(cpu "$W/c0") $(cpu "$W/c1")" | awk '{ printf "%.3f %.3f\n", $2 - $1, $4 - $3 }' >>"$f"
}
# median FILE [COLUMN]; spread FILE: "MIN-MAX" of the first column.
median() { awk -v c="${2:-1}" '{ print $c }' "$1" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
spread() { sort -n "$1" | awk 'NR == 1 { lo = $1 } { hi = $1 } END { printf "%.3f-%.3f", lo, hi }'; }
# line NAME SPROUT-FILE PEER PEER-FILE GOAL: the medians of the wall times
# and their ratio against the goal, each side's spread, and the medians of
# the CPU times (on a loaded machine the wall time is mostly waiting for a
# core; the CPU time is what each tool costs).
line() {
	echo "$1 $(median "$2") $3 $(median "$4") $5 $(spread "$2") $(spread "$4") $(median "$2" 2) $(median "$4" 2)" |
		awk '{ printf "%s: sprout %.3f s, %s %.3f s, ratio %.2f (goal <= %s); runs: sprout %s s, %s %s s; CPU: sprout %.3f s, %s %.3f s, ratio %.2f\n",
			$1, $2, $3, $4, $2 / $4, $5, $6, $3, $7, $8, $3, $9, ($9 > 0 ? $8 / $9 : 0) }'
}

"$SPROUT" pkg keygen "$W/bench" >/dev/null
mkdir -p "$W/keys"
cp "$W/bench.pub" "$W/keys/"

# ---- 1. synthetic packages ----
seq 1 "$N" | awk -v w="$W/trees" '{ print w "/p" $1 "/usr/bin"; print w "/p" $1 "/usr/lib"; print w "/p" $1 "/usr/share/p" $1 }' |
	xargs mkdir -p
awk -v w="$W/trees" -v n="$N" 'BEGIN {
	for (i = 1; i <= n; i++) {
		for (k = 0; k < 10; k++) {
			f = k == 0 ? sprintf("%s/p%d/usr/bin/p%d", w, i, i) : k == 1 ? sprintf("%s/p%d/usr/lib/libp%d.so.1", w, i, i) \
				: sprintf("%s/p%d/usr/share/p%d/f%d", w, i, i, k)
			len = 100 + (i * 37 + k * 101) % 900
			s = ""
			while (length(s) < len)
				s = s sprintf("%d:%d:%d ", i, k, length(s))
			print substr(s, 1, len) > f
			close(f)
		}
	}
}'
find "$W/trees" -path '*/usr/bin/*' -type f -exec chmod 755 {} +

mkdir -p "$W/srepo"
i=1
while [ $i -le "$N" ]; do
	"$SPROUT" pkg create "$W/trees/p$i" "p$i" 1.0 -o "$W/srepo/p$i-1.0-1.spk" --license MIT >/dev/null
	i=$((i + 1))
done
"$SPROUT" pkg index "$W/srepo" --key "$W/bench.key" >/dev/null
names=$(seq -f 'p%g' 1 "$N" | tr '\n' ' ')

pacman_ok=
if ! command -v pacman >/dev/null || ! command -v bsdtar >/dev/null; then
	echo "b_pkg: pacman or bsdtar missing (sh mk/deps.sh --test installs them): no comparison" >&2
elif [ "$(id -u)" != 0 ]; then
	echo "b_pkg: pacman -S runs only as root: no comparison" >&2
else
	pacman_ok=1
	mkdir -p "$W/prepo" "$W/pdb"
	arch=$(uname -m)
	i=1
	while [ $i -le "$N" ]; do
		d=$W/trees/p$i f=p$i-1.0-1-$arch.pkg.tar.zst
		size=$(du -sb "$d" | cut -f1)
		printf 'pkgname = p%s\npkgbase = p%s\npkgver = 1.0-1\npkgdesc = bench\nurl = none\nbuilddate = 1700000000\npackager = bench\nsize = %s\narch = %s\nlicense = MIT\n' \
			$i $i "$size" "$arch" >"$W/PKGINFO"
		(cd "$d" && cp "$W/PKGINFO" .PKGINFO &&
			LANG=C bsdtar -cf - --format=mtree --options='!all,use-set,type,uid,gid,mode,time,size,md5,sha256,link' \
				.PKGINFO usr | gzip -c -n >.MTREE &&
			LANG=C bsdtar --uid 0 --gid 0 --zstd -cf "$W/prepo/$f" .PKGINFO .MTREE usr && rm .PKGINFO .MTREE)
		mkdir -p "$W/pdb/p$i-1.0-1"
		printf '%%FILENAME%%\n%s\n\n%%NAME%%\np%s\n\n%%BASE%%\np%s\n\n%%VERSION%%\n1.0-1\n\n%%DESC%%\nbench\n\n%%CSIZE%%\n%s\n\n%%ISIZE%%\n%s\n\n%%SHA256SUM%%\n%s\n\n%%ARCH%%\n%s\n\n%%BUILDDATE%%\n1700000000\n\n%%PACKAGER%%\nbench\n\n' \
			"$f" $i $i "$(stat -c %s "$W/prepo/$f")" "$size" "$(sha256sum "$W/prepo/$f" | cut -d' ' -f1)" "$arch" \
			>"$W/pdb/p$i-1.0-1/desc"
		i=$((i + 1))
	done
	(cd "$W/pdb" && bsdtar -czf "$W/prepo/bench.db" -- *)
	cat >"$W/pacman.conf" <<EOF
[options]
Architecture = auto
SigLevel = Never
LocalFileSigLevel = Never

[bench]
Server = file://$W/prepo
EOF
fi

# The floor: the same 10,000 files (and their directories) extracted from
# one tarball by GNU tar, with no check, no database and no fsync: what the
# file system alone charges for creating them, which no installer can go
# below. It is given as a ratio against pacman beside the goals, so that a
# goal below the floor shows as such.
mkdir -p "$W/merged"
for t in "$W"/trees/p*; do cp -a "$t/." "$W/merged/"; done
tar -cf "$W/all.tar" -C "$W/merged" usr
rm -rf "$W/merged"
run_tar() { mkdir -p "$W/rt$1" && secs "$W/t.t" tar -xf "$W/all.tar" -C "$W/rt$1"; }
run_sprout() { secs "$W/s.t" "$SPROUT" pkg install --root "$W/rs$1" --repo "$W/srepo" --keys "$W/keys" $names; }
run_nosync() { secs "$W/n.t" "$SPROUT" pkg install --root "$W/rn$1" --repo "$W/srepo" --keys "$W/keys" --no-sync $names; }
run_pacman() {
	r=$W/rp$1
	mkdir -p "$r/var/lib/pacman/sync"
	cp "$W/prepo/bench.db" "$r/var/lib/pacman/sync/bench.db"
	secs "$W/p.t" pacman --config "$W/pacman.conf" --root "$r" --dbpath "$r/var/lib/pacman" --cachedir "$W/prepo" \
		--logfile "$r/pacman.log" --noprogressbar -S --noconfirm $names
}
: >"$W/s.t"
: >"$W/n.t"
: >"$W/p.t"
: >"$W/t.t"
for i in 1 2 3 4 5; do
	if [ $((i % 2)) = 0 ]; then
		[ -z "$pacman_ok" ] || run_pacman $i
		run_tar $i
		run_nosync $i
		run_sprout $i
	else
		run_sprout $i
		run_nosync $i
		run_tar $i
		[ -z "$pacman_ok" ] || run_pacman $i
	fi
done
if [ -n "$pacman_ok" ]; then
	# The same files, the same bytes.
	(cd "$W/rs1" && find usr -type f -exec sha256sum {} + | sort) >"$W/s.sum"
	(cd "$W/rp1" && find usr -type f -exec sha256sum {} + | sort) >"$W/p.sum"
	if ! cmp -s "$W/s.sum" "$W/p.sum" || [ "$(wc -l <"$W/s.sum")" != $((N * 10)) ]; then
		echo "b_pkg: sprout and pacman installed different files" >&2
		exit 1
	fi
	line "pkg-install-${N}x10" "$W/s.t" pacman "$W/p.t" 0.60
	line "pkg-install-${N}x10-no-sync" "$W/n.t" pacman "$W/p.t" 0.30
	echo "pkg-install-${N}x10-floor $(median "$W/t.t") $(median "$W/p.t") $(median "$W/n.t")" |
		awk '{ printf "%s: GNU tar -xf of the same files %.3f s, pacman %.3f s, ratio %.2f: the file system'"'"'s own cost, below which no installer goes (sprout --no-sync is %.2f of it)\n", $1, $2, $3, $2 / $3, $4 / $2 }'
else
	echo "pkg-install-${N}x10: sprout $(median "$W/s.t") s (--no-sync $(median "$W/n.t") s), no pacman to compare"
fi
# apk-tools, the usual fastest peer, is not packaged in Debian 12 (no
# candidate for apk-tools): compared only where it is installed.
if command -v apk >/dev/null; then
	echo "b_pkg: apk found, but its repository is not built here: no comparison" >&2
else
	echo "pkg-install-${N}x10: apk-tools: not installed (Debian 12 has no apk-tools package): no comparison"
fi
rm -rf "$W"/rs* "$W"/rn* "$W"/rp* "$W"/rt* "$W/all.tar" "$W/trees" "$W/prepo" "$W/pdb"

# ---- 2. the minimal plan's packages ----
S=${SPROUT_BENCH_STATE:-$HOME/.cache/sprout-bench/minimal-state}
if ! "$SPROUT" --state "$S" pkg build plans/minimal -o "$W/mrepo" >"$W/build.out" 2>&1; then
	if [ -n "${SPROUT_BENCH_NO_BUILD:-}" ]; then
		echo "pkg-install-minimal: skipped: the minimal plan is not built in $S (SPROUT_BENCH_NO_BUILD is set)"
		exit 0
	fi
	echo "b_pkg: building the minimal plan in $S first (a few minutes)" >&2
	"$SPROUT" --state "$S" --plain bootstrap >"$W/bootstrap.out" 2>&1 || {
		echo "pkg-install-minimal: skipped: sprout bootstrap failed (log: kept in $W)" >&2
		tail -5 "$W/bootstrap.out" >&2
		exit 1
	}
	"$SPROUT" --state "$S" pkg build plans/minimal -o "$W/mrepo" >"$W/build.out" 2>&1
fi
"$SPROUT" pkg index "$W/mrepo" --key "$W/bench.key" >/dev/null
tarball=$(ls "$S"/outputs/minimal-*/rootfs.tar 2>/dev/null | head -1)
: >"$W/m.t"
: >"$W/t.t"
for i in 1 2 3; do
	secs "$W/m.t" "$SPROUT" pkg install --root "$W/mr$i" --repo "$W/mrepo" --keys "$W/keys" base musl tcc busybox make
	if [ -n "$tarball" ]; then
		mkdir -p "$W/mt$i"
		secs "$W/t.t" tar -xf "$tarball" -C "$W/mt$i"
	fi
done
"$SPROUT" pkg verify --root "$W/mr1" >/dev/null
if [ -n "$tarball" ]; then
	echo "pkg-install-minimal $(median "$W/m.t") $(median "$W/t.t")" |
		awk '{ printf "%s: sprout %.3f s, tar (rootfs.tar) %.3f s, ratio %.2f (goal: sprout <= 0.5 s)\n", $1, $2, $3, $2 / $3 }'
else
	echo "pkg-install-minimal: sprout $(median "$W/m.t") s (goal <= 0.5 s)"
fi
