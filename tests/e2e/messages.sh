# What the user is told (issue 16 item 11): fetch --offline names every
# missing file and the command that fetches them; fetch -v says what served
# each file; pkg create says what it wrote; clean says what it freed.
. "$TOP/tests/e2e/lib.sh"
P=$T/plan
S=$T/state
mkdir -p "$P/recipes/a" "$P/recipes/b"
printf 'one\n' >"$P/recipes/a/one.txt"
printf 'two\n' >"$P/recipes/b/two.txt"
h1=$(sha256sum "$P/recipes/a/one.txt" | cut -d' ' -f1)
h2=$(sha256sum "$P/recipes/b/two.txt" | cut -d' ' -f1)
printf 'name a\nversion 1\nlicense MIT\nsource one.txt\n\tsha256 %s\n\tlocal one.txt\nbuild host\n\tmkdir -p "$DESTDIR/a"\n\tcp one.txt "$DESTDIR/a/"\n' "$h1" >"$P/recipes/a/recipe"
printf 'name b\nversion 1\nlicense MIT\nsource two.txt\n\tsha256 %s\n\tlocal two.txt\nbuild host\n\ttrue\n' "$h2" >"$P/recipes/b/recipe"
printf 'plan msg\narches x86_64 aarch64\nrecipes recipes\nset SOURCE_DATE_EPOCH 1700000000\nstage host\n\tstep a\n\tstep b\n' >"$P/plan"

sprout --state "$S" fetch --offline "$P" >"$T/out" 2>&1; rc=$?
check "fetch --offline with nothing stored: exit 4" test $rc = 4
check "  ... names the first missing file" grep -q "one.txt: not in the store and --offline" "$T/out"
check "  ... and the second" grep -q "two.txt: not in the store and --offline" "$T/out"
check "  ... and the command that fetches them, with --state" \
	grep -qF "fetch: 2 of 2 sources of plan msg not in the store (above); fetch them with: $SPROUT --state $S fetch $P" "$T/out"

sprout --state "$S" -v fetch "$P" >"$T/out" 2>&1
check "fetch -v says what served each file" grep -qx "fetch: one.txt: local one.txt" "$T/out"
check "  ... every one" grep -qx "fetch: two.txt: local two.txt" "$T/out"
sprout --state "$S" -v fetch "$P" >"$T/out" 2>&1
check "  ... and when it was in the store already" grep -qx "fetch: one.txt: in the store" "$T/out"
check "  ... '1 was', not '1 were'" sh -c "rm '$S/distfiles/two.txt'; '$SPROUT' --state '$S' fetch '$P' | grep -qx 'fetch: 2 sources of plan msg verified: 1 was in the store, 1 fetched'"

sprout --state "$S" --runner=plain build "$P" >/dev/null 2>&1
sprout --state "$S" clean >"$T/out" 2>&1
check "clean says what it freed" grep -q "^clean: removed build trees, logs and temporary files from $S: [0-9.]* [KMG]*i*B freed\$" "$T/out"
sprout --state "$S" clean >"$T/out" 2>&1
check "  ... and when there was nothing" grep -qx "clean: nothing to remove in $S" "$T/out"
sprout --state "$S" clean --all >"$T/out" 2>&1
check "clean --all frees the store too" grep -q "^clean: removed build trees, logs and temporary files, the store from $S: .* freed\$" "$T/out"

mkdir -p "$T/tree/usr/bin"
echo hi >"$T/tree/usr/bin/hi"
sprout pkg create "$T/tree" hi 1.0 -o "$T/hi.spk" --compress=none >"$T/out" 2>&1
check "pkg create says what it wrote" grep -q "^pkg create: wrote $T/hi.spk: hi 1.0-1 for $(uname -m), [0-9.]* [KMG]*i*B\$" "$T/out"
sprout -q pkg create "$T/tree" hi 1.0 -o "$T/hi2.spk" --compress=none >"$T/out" 2>&1
check "  ... nothing with -q" test ! -s "$T/out"
echo "1..$n"
