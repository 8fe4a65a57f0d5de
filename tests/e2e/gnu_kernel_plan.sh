# plans/gnu's kernel without building it (docs/boot.md): the native stage's
# on-demand kernel step is recipes/linux's native script, compiled by gcc-2
# (the fixpoint's compiler, not the seed's) with the native binutils, musl
# and headers, and the flex, bison and bc steps of the same stage, which
# the seed's GCC builds against the native musl; none of them is part of a
# bootstrap run (ondemand=yes), so plans/gnu's bootstrap is what it was;
# the scripts parse.
. "$TOP/tests/e2e/lib.sh"
cd "$TOP" || exit 1
S=$T/state
for a in x86_64 aarch64; do
	check "plans/gnu parses for $a" sh -c '"$SPROUT" --state "$1" --arch "$2" plan plans/gnu >/dev/null' sh "$S" "$a"
done
"$SPROUT" --state "$S" graph plans/gnu >"$T/gnu.dot" 2>&1
# edges STEP: the steps STEP depends on, sorted, on one line.
edges() { sed -n "s/^	\"\([^\"]*\)\" -> \"$1\".*/\1/p" "$T/gnu.dot" | sort | tr '\n' ' '; }
e=$(edges kernel)
check "kernel: gcc-2, the native binutils, musl and headers, flex, bison, bc ($e)" \
	test "$e" = "bc binutils bison flex gcc-2 linux-headers musl seed "
e=$(edges flex)
check "flex: bison and the native musl ($e)" test "$e" = "bison linux-headers musl seed "
e=$(edges bc)
check "bc: flex, bison and the native musl ($e)" test "$e" = "bison flex linux-headers musl seed "
e=$(edges bison)
check "bison: the native musl ($e)" test "$e" = "linux-headers musl seed "
for st in bison flex bc kernel; do
	check "$st is built on demand only" grep -q "^	step $st .*ondemand=yes\$" plans/gnu/plan
done
check "the kernel step is recipes/linux's" grep -q '^	step kernel  *linux ' plans/gnu/plan
# Only the on-demand steps need them, so a bootstrap run leaves all four out.
d=$(sed -n 's/^	"\(kernel\|flex\|bc\|bison\)" -> "\([^"]*\)".*/\2/p' "$T/gnu.dot" | sort -u | tr '\n' ' ')
check "what needs bison, flex, bc or the kernel: $d" test "$d" = "bc flex kernel "
check "recipes/linux/build-linux.sh parses (sh -n)" sh -n recipes/linux/build-linux.sh
check "the x86_64 patch drops only HAVE_OBJTOOL's select" sh -c \
	'test "$(grep -c "^[-+]	" "$1")" = 1 && grep -q "^-	select HAVE_OBJTOOL			if X86_64$" "$1"' \
	sh recipes/linux/x86-no-objtool.patch
echo "1..$n"
