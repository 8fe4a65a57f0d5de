# "shared RECIPE PATH" (docs/recipes.md, "Shared files"): a recipe uses a
# file beside another recipe, which reaches its build tree; a changed
# shared file is refused until the recipe pins its new bytes; a bad
# reference is a parse error at its word.
. "$TOP/tests/e2e/lib.sh"
P=$T/plan
S=$T/state
mkdir -p "$P/recipes/one" "$P/recipes/two"
printf 'echo from one\n' >"$P/recipes/one/tool.sh"
h=$(sha256sum "$P/recipes/one/tool.sh" | cut -d' ' -f1)
printf 'name one\nversion 1\nlicense MIT\nbuild host\n\techo one >"$DESTDIR/one"\n' >"$P/recipes/one/recipe"
two() { # the word after shared, the sha256
	cat >"$P/recipes/two/recipe" <<R
name two
version 1
license MIT
source tool.sh
	sha256 $2
	shared $1
build host
	sh tool.sh >"\$DESTDIR/said"
R
}
two "one tool.sh" "$h"
printf 'plan shared\narches x86_64 aarch64\nrecipes recipes\nset SOURCE_DATE_EPOCH 0\nstage host\n\tstep one\n\tstep two\n' >"$P/plan"
build() { "$SPROUT" --state "$S" --runner=plain -q build "$P" >"$T/out" 2>&1; }
check "a recipe builds with a file beside another recipe" build
out=$("$SPROUT" --state "$S" path "$P" two 2>/dev/null)
check "  ... which reached its build tree" test "$(cat "$out/said" 2>/dev/null)" = "from one"
printf 'echo changed\n' >"$P/recipes/one/tool.sh"
rm -rf "$S/distfiles"
fetch() { "$SPROUT" --state "$S" fetch "$P" >"$T/out" 2>&1; }
fails "a changed shared file is refused while the old bytes are pinned" fetch
check "  ... saying the sha256 does not match" grep -q "sha256" "$T/out"
h2=$(sha256sum "$P/recipes/one/tool.sh" | cut -d' ' -f1)
two "one tool.sh" "$h2"
check "pinning the new bytes builds again" build
out=$("$SPROUT" --state "$S" path "$P" two 2>/dev/null)
check "  ... with the new file" test "$(cat "$out/said" 2>/dev/null)" = "changed"
two "on tool.sh" "$h2"
fails "a shared file of a recipe that is not there" "$SPROUT" --state "$S" plan "$P"
"$SPROUT" --state "$S" plan "$P" >"$T/out" 2>&1
check "  ... is an error at the recipe's name" grep -q "recipes/two/recipe:6:9: no recipe 'on' beside this one" "$T/out"
two "one tol.sh" "$h2"
"$SPROUT" --state "$S" plan "$P" >"$T/out" 2>&1
check "a missing shared file is an error at its path" grep -q "recipes/two/recipe:6:13: recipe 'one' has no file 'tol.sh'" "$T/out"
echo "1..$n"
