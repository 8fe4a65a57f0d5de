# plans/gnu-glibc without building it (docs/gnu-glibc.md): it parses for
# both arches with every recipe it names; its cross-binutils step is
# plans/gnu's (shared, not copied); the host stage is in
# glibc's order; the final stages hold the fixpoint and the smoke test;
# mk/check-gnu.sh refuses a plan it does not know before building
# anything; the shell scripts of the new recipes parse. The userland
# recipes are plans/gnu's, shared through LIBC and the plans' aliases
# (libc, cross-cc, cross-ld): each plan resolves them to its own steps.
. "$TOP/tests/e2e/lib.sh"
cd "$TOP" || exit 1
S=$T/state
for a in x86_64 aarch64; do
	check "plans/gnu-glibc parses for $a" sh -c '"$SPROUT" --state "$1" --arch "$2" --json plan plans/gnu-glibc >"$3/plan-$2.json"' \
		sh "$S" "$a" "$T"
done
# key STEP FILE: the step's key in a `plan --json` output.
key() { awk -v s="\"$1\"," '$1 == "\"name\":" && $2 == s { f = 1 } f && $1 == "\"key\":" { gsub(/[",]/, "", $2); print $2; exit }' "$2"; }
"$SPROUT" --state "$S" --arch x86_64 --json plan plans/gnu >"$T/gnu.json" 2>&1
# The same recipe, inputs and all but the plan's settings: plans/gnu-glibc's
# LIBC=gnu is in every key of that plan (docs/cache.md), so the keys
# differ, and by nothing else: without it they are the same.
k1=$(key cross-binutils "$T/gnu.json")
k2=$(key cross-binutils "$T/plan-x86_64.json")
check "cross-binutils: plans/gnu-glibc's key is not plans/gnu's (LIBC is in it)" test -n "$k1" -a -n "$k2" -a "$k1" != "$k2"
mkdir -p "$T/nolibc/plans/gnu-glibc"
grep -v '^set LIBC ' plans/gnu-glibc/plan >"$T/nolibc/plans/gnu-glibc/plan"
ln -s "$TOP/recipes" "$T/nolibc/recipes"
"$SPROUT" --state "$S" --arch x86_64 --json plan "$T/nolibc/plans/gnu-glibc" >"$T/nolibc.json" 2>&1
k3=$(key cross-binutils "$T/nolibc.json")
check "... and without LIBC it is plans/gnu's ($k3)" test -n "$k1" -a "$k1" = "$k3"
order=$(awk '$1 == "\"name\":" { n = $2 } $1 == "\"stage\":" && $2 == "\"host\"," { gsub(/[",]/, "", n); printf "%s ", n }' "$T/plan-x86_64.json")
check "host stage in glibc's order: $order" test "$order" = "cross-binutils cross-binutils-glibc cross-gcc-pass1-glibc cross-linux-headers cross-glibc cross-gcc-glibc "
for a in gnu gnu-glibc; do
	"$SPROUT" --state "$S" graph "plans/$a" >"$T/$a.dot" 2>&1
done
# edges PLAN STEP: the steps STEP depends on, sorted, on one line.
edges() { sed -n "s/^	\"\([^\"]*\)\" -> \"$2\".*/\1/p" "$T/$1.dot" | sort | tr '\n' ' '; }
for st in seed-m4 seed-busybox seed-make; do
	e=$(edges gnu $st)
	check "plans/gnu: $st needs the musl cross toolchain ($e)" test "$e" = "cross-binutils cross-gcc "
	e=$(edges gnu-glibc $st)
	check "plans/gnu-glibc: $st needs the glibc cross toolchain ($e)" \
		test "$e" = "cross-binutils cross-binutils-glibc cross-gcc-glibc "
done
for st in m4 busybox make bison gawk python3; do
	e=$(edges gnu-glibc $st)
	check "plans/gnu-glibc: native $st needs the native glibc ($e)" test "$e" = "glibc linux-headers seed "
done
for st in m4 busybox make; do
	e=$(edges gnu $st)
	check "plans/gnu: native $st needs the native musl ($e)" test "$e" = "linux-headers musl seed "
done
check "the userland steps use plans/gnu's recipes" sh -c 'grep -q "^	step seed-m4  *m4$" "$1" &&
	grep -q "^	step busybox  *busybox-gnu$" "$1" && grep -q "^	step make  *make-gnu$" "$1"' sh plans/gnu-glibc/plan
check "no copies of plans/gnu's userland recipes" sh -c '! ls -d recipes/m4-glibc recipes/busybox-glibc recipes/make-glibc 2>/dev/null'
check "plans/gnu-glibc sets LIBC=gnu" grep -q '^set LIBC gnu$' plans/gnu-glibc/plan
check "plans/gnu sets no LIBC (its keys stay)" sh -c '! grep -q "^set LIBC" plans/gnu/plan'
check "fixpoint, final and smoke" grep -q '^fixpoint gcc-1 gcc-2$' plans/gnu-glibc/plan
check "the smoke step is smoke-glibc's" grep -q '^[	 ]*step smoke smoke-glibc$' plans/gnu-glibc/plan
out=$(GNU_PLANS=gnu-musl GNU_STATE=$S sh mk/check-gnu.sh 2>&1)
st=$?
check "check-gnu.sh: GNU_PLANS=gnu-musl exits 2" test "$st" = 2
check "check-gnu.sh names the plans it knows" sh -c 'printf "%s\n" "$1" | grep -q "unknown plan .gnu-musl. (expected gnu, gnu-glibc)"' sh "$out"
check "check-gnu.sh built nothing" test ! -d "$S/store"
for f in recipes/glibc/build-glibc.sh recipes/gcc-glibc/build-gcc.sh recipes/binutils-glibc/build-binutils.sh \
	recipes/rootfs-glibc/check.sh recipes/smoke-glibc/smoke-glibc.sh recipes/gawk/build-gawk.sh \
	recipes/bison/build-bison.sh recipes/python3/build-python3.sh; do
	check "$f parses (sh -n)" sh -n "$f"
done
echo "1..$n"
