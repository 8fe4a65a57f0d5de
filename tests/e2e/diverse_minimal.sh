# verify --diverse on the minimal plan with compilers of unrelated descent:
# Debian's pcc (the Portable C Compiler) and chibicc each build the seed tcc
# (SEED_CC, through recipes/tcc/seed-cc.sh).
#
# make check (the part that fits its time): recipes/tcc's host stage with
# SEED_CC=pcc and SEED_CC=chibicc, against Debian's musl-dev, each giving a
# seed tcc that compiles and runs a program (the recipe checks that).
# make check-diverse (SPROUT_DIVERSE=1): the four legs, gcc, clang, pcc and
# chibicc, on plans/minimal: every step after the host stage (musl,
# tcc-1..3, make, busybox, the final rootfs, the smoke test) must be
# bit-identical in every leg, and equal to plans/minimal's digests.
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

if [ "${SPROUT_DIVERSE:-}" != 1 ]; then
	M=/usr/lib/x86_64-linux-musl
	if [ ! -f "$M/libc.a" ]; then
		ok "# SKIP no Debian musl-dev (sh mk/deps.sh --test installs it)"
		echo "1..$n"
		exit 0
	fi
	# A plan of two steps: musl (Debian's musl-dev, copied) and the seed
	# tcc from the real recipe.
	P=$T/plan
	mkdir -p "$P/recipes/musl"
	cp -r "$TOP/recipes/tcc" "$P/recipes/tcc"
	cat >"$P/recipes/musl/recipe" <<'R'
name musl
version 1
license MIT
build host
	mkdir -p "$DESTDIR/usr/lib" "$DESTDIR/usr/include"
	cp -R /usr/include/x86_64-linux-musl/. "$DESTDIR/usr/include/"
	cp /usr/lib/x86_64-linux-musl/*.o /usr/lib/x86_64-linux-musl/*.a "$DESTDIR/usr/lib/"
R
	printf 'plan seedcc\narches x86_64\nrecipes recipes\nset SOURCE_DATE_EPOCH 1700000000\nstage host\n\tstep musl\n\tstep seed-tcc tcc\n' >"$P/plan"
	chmod -R a+rX "$P"
	for c in pcc chibicc; do
		t0=$(date +%s)
		sprout --state "$S" --plain --set "SEED_CC=$c" build "$P" >"$T/$c.out" 2>&1; rc=$?
		t1=$(date +%s)
		[ "$rc" = 0 ] || tail -n 30 "$T/$c.out" | sed 's/^/# /'
		check "$c builds the seed tcc from recipes/tcc, and it compiles and runs a program ($((t1 - t0)) s)" test "$rc" = 0
		grep -q "^sh /build/tcc-seed-cc.sh $c " "$S"/logs/x86_64/seed-tcc.log "$S"/logs/*/x86_64/seed-tcc.log 2>/dev/null
		check "  ... compiling each file with $c" test $? = 0
		sed -n 's/^seed-tcc .* \([0-9a-f]\{12\}\)$/\1/p' "$T/$c.out" >"$T/$c.digest"
	done
	check "the two seed tccs differ (each compiler's own code)" \
		sh -c "test -s '$T/pcc.digest' && test -s '$T/chibicc.digest' && ! cmp -s '$T/pcc.digest' '$T/chibicc.digest'"
	echo "1..$n"
	exit 0
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
