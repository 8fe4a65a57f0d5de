# plans/gnu-glibc without building it (docs/gnu-glibc.md): it parses for
# both arches with every recipe it names; its cross-binutils step is
# plans/gnu's, key and all (shared, not copied); the host stage is in
# glibc's order; the final stages hold the fixpoint and the smoke test;
# mk/check-gnu.sh refuses a plan it does not know before building
# anything; the shell scripts of the new recipes parse.
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
k1=$(key cross-binutils "$T/gnu.json")
k2=$(key cross-binutils "$T/plan-x86_64.json")
check "cross-binutils has plans/gnu's key in plans/gnu-glibc ($k2)" test -n "$k1" -a "$k1" = "$k2"
order=$(awk '$1 == "\"name\":" { n = $2 } $1 == "\"stage\":" && $2 == "\"host\"," { gsub(/[",]/, "", n); printf "%s ", n }' "$T/plan-x86_64.json")
check "host stage in glibc's order: $order" test "$order" = "cross-binutils cross-binutils-glibc cross-gcc-pass1-glibc cross-linux-headers cross-glibc cross-gcc-glibc "
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
