# Hostile bytes in a package never reach the terminal raw (issue 12 defect
# 5): a manifest path or a file name with an escape sequence is shown with
# its control bytes as \xHH by pkg check and pkg install.
. "$TOP/tests/e2e/lib.sh"
cd "$T" || exit 1
A=$(uname -m)
X=$(printf x | sha256sum | cut -d' ' -f1)
printf 'name esc\nversion 1\nrelease 1\narch %s\nlicense MIT\ninstalled-size 1\nbuild-digest %s\n' "$A" \
	0000000000000000000000000000000000000000000000000000000000000000 >m
# The manifest names the file e<ESC>[2Jred (stored escaped); its bytes lie.
printf 'sprout-manifest 1\nf 0644 1 %s e\\x1b[2Jred\n' "$X" >man
printf y >pay
spk lying.spk m man pay
raw() { grep -c "$(printf '\033')" "$1"; }
sprout pkg check lying.spk >out 2>&1
check "pkg check refuses a package whose file lies" grep -q "e.x1b\[2Jred" out
check "  ... showing the path's escape byte as \\x1b, never raw" test "$(raw out)" = 0
sprout pkg install --root r --allow-untrusted lying.spk >out 2>&1
check "pkg install: the same" sh -c 'grep -q "e.x1b\[2Jred" "$0" && test "$(grep -c "$(printf "\033")" "$0")" = 0' out
printf x >pay
spk "$(printf 'good\033[2J.spk')" m man pay
sprout pkg check "$(printf 'good\033[2J.spk')" >out 2>&1
check "pkg check of a file whose name has an escape: ok, the name escaped" sh -c 'grep -q ": ok: esc 1-1" "$0" && test "$(grep -c "$(printf "\033")" "$0")" = 0' out
