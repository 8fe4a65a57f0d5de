# verify --diverse on the minimal plan with compilers of unrelated descent:
# Debian's pcc (the Portable C Compiler) and chibicc each build the seed tcc
# (SEED_CC, through recipes/tcc/seed-cc.sh), and every step after the host
# stage (musl, tcc-1..3, make, busybox, the final rootfs, the smoke test)
# must be bit-identical in every leg, and equal to plans/minimal's digests.
# make check runs the pcc and chibicc legs; make check-diverse
# (SPROUT_DIVERSE=1) runs all four: gcc, clang, pcc and chibicc.
# SPROUT_DISTFILES=DIR reuses a distfiles directory (to save downloads).
. "$TOP/tests/e2e/lib.sh"
if [ "$(uname -m)" != x86_64 ]; then
	ok "# SKIP the pcc and chibicc legs are for x86_64 (Debian ships chibicc for amd64 only)"
	echo "1..$n"
	exit 0
fi
legs=pcc,chibicc
[ "${SPROUT_DIVERSE:-}" = 1 ] && legs=gcc,clang,pcc,chibicc
for c in $(echo "$legs" | tr , ' '); do
	if ! command -v "$c" >/dev/null 2>&1; then
		ok "# SKIP no $c (sh mk/deps.sh --test installs it)"
		echo "1..$n"
		exit 0
	fi
done
chmod 755 "$T"
S=$T/state
if [ -n "${SPROUT_DISTFILES:-}" ]; then
	mkdir -p "$S" && cp -r "$SPROUT_DISTFILES" "$S/distfiles"
fi
cd "$TOP" || exit 1
t0=$(date +%s)
sprout --state "$S" --plain verify --diverse --compilers "$legs" plans/minimal >"$T/out" 2>&1; rc=$?
t1=$(date +%s)
sed -n '/^diverse double-compiling/,$p' "$T/out" | sed 's/^/# /'
check "verify --diverse --compilers $legs plans/minimal passes ($((t1 - t0)) s)" test "$rc" = 0
check "  ... pcc and chibicc each built the seed tcc" sh -c \
	"grep -q '^verify --diverse: SEED_CC=pcc: 15 built' '$T/out' && grep -q '^verify --diverse: SEED_CC=chibicc: 15 built' '$T/out'"
nl=$(echo "$legs" | tr , '\n' | wc -l)
# A row whose digests are all the first one's: "  STEP  STAGE  D  D ...  identical".
same_row() {
	re="^  $1 +$2 +([0-9a-f]{12})"
	i=1
	while [ "$i" -lt "$nl" ]; do re="$re  \\1"; i=$((i + 1)); done
	grep -Eq "$re  $3\$" "$T/out"
}
check "  ... the seed tcc itself differs between the legs (each compiler's own code)" \
	grep -Eq '^  seed-tcc +host .* differ \(not compared\)$' "$T/out"
for s in musl tcc-1 tcc-2 tcc-3 make busybox rootfs; do
	check "  ... $s is identical in every leg" same_row "$s" native identical
done
check "  ... and the verdict is PASSED" grep -q "^verdict: PASSED: all [0-9]* compared steps are bit-identical whether" "$T/out"
# The legs' native digests are the plan's own.
bad=$(sed -n 's/^  \([a-z0-9-]*\) *[a-z]* *\([0-9a-f]\{64\}\).*/\1 \2/p' "$T/out" | while read -r s d; do
	[ -n "$s" ] || continue
	want=$(sed -n "s/^$s //p" plans/minimal/digests.x86_64)
	[ -z "$want" ] || [ "$want" = "$d" ] || echo "$s"
done)
check "  ... and equal to plans/minimal/digests.x86_64" test -z "$bad"
echo "1..$n"
