# The README's package example (issue 16 item 15): run as written from a
# checkout, it leaves nothing in the checkout, and a secret key there would
# be ignored by git anyway.
. "$TOP/tests/e2e/lib.sh"
mkdir -p "$T/co" "$T/home" "$T/tmp"
cp "$TOP/.gitignore" "$T/co/"
cd "$T/co" || exit 1
git init -q . && git add .gitignore && git -c user.name=t -c user.email=t@t commit -qm t
# The example's key and index lines, with /tmp/ made private to the test.
sed -n '/^## Packages/,/^A root needs/p' "$TOP/README.md" | grep -E '^    (mkdir -p ~|\./sprout pkg (keygen|index))' |
	sed -E 's/^    //; s#\./sprout#"$SPROUT"#; s#/tmp/#'"$T"'/tmp/#g; s/ +# .*//' >"$T/lines"
check "the README has a keygen and an index line" sh -c 'grep -q "pkg keygen" "$0" && grep -q "pkg index" "$0"' "$T/lines"
mkdir -p "$T/tmp/repo"
HOME=$T/home sh -e "$T/lines" >"$T/out" 2>&1 || sed 's/^/# /' "$T/out"
if sprout pkg keygen "$T/probe" >/dev/null 2>&1; then
	check "  ... which make a key outside it" sh -c 'ls "$0"/home/.sprout-keys/*.key >/dev/null' "$T"
else
	ok "# SKIP no libsodium: no key made"
fi
check "the checkout is left clean" test -z "$(git status --porcelain)"
touch mykey.key
check "a secret key in the checkout is ignored" test -z "$(git status --porcelain)"
