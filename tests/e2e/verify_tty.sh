# sprout verify on a terminal (a pseudo-terminal from util-linux's script):
# while a variant rebuilds, a line redrawn in place shows it working, with
# the last line of its build's output; off a terminal no such line is
# written (the report stays as it was).
. "$TOP/tests/e2e/lib.sh"
if ! command -v script >/dev/null 2>&1; then
	ok "# SKIP no script(1) (util-linux) for a pseudo-terminal"
	echo "1..$n"
	exit 0
fi
P=$T/plan
mkdir -p "$P/recipes/slow"
cat >"$P/recipes/slow/recipe" <<'R'
name slow
version 1
license MIT
build host
	for i in 1 2 3 4 5 6 7 8; do echo "slow is at $i"; sleep 0.3; done
	echo slow >"$DESTDIR/slow"
R
printf 'plan vtty\narches x86_64 aarch64\nrecipes recipes\nset SOURCE_DATE_EPOCH 0\nstage host\n\tstep slow\n' >"$P/plan"
cmd="'$SPROUT' --state '$T/state' --runner=plain verify '$P'"
env -u NO_COLOR TERM=xterm script -qec "$cmd" "$T/tty" >/dev/null 2>&1 </dev/null; rc=$?
check "verify on a terminal passes" test "$rc" = 0
check "  ... showing each variant at work, redrawn in place" grep -q "$(printf '\r\033\\[K')  A  building 0m0[0-9]s: " "$T/tty"
check "  ... with the variant's own progress" grep -Eq '  B  building 0m0[0-9]s: \[[01]/1\] (start|done) +slow' "$T/tty"
check "  ... and the line cleared before the result" grep -q "$(printf '\r\033\\[K')  A  built in " "$T/tty"
"$SPROUT" --state "$T/state" --runner=plain verify "$P" >"$T/plain" 2>&1
check "off a terminal no progress line is written" sh -c "! grep -q 'building' '$T/plain' && grep -q '^  A  built in ' '$T/plain'"
echo "1..$n"
