# What a failed step reports: the signal that killed it, a timeout, and a
# 'sprout shell' command that is exact: it repeats -C, -c, --state (only
# when given), --arch, --set and --runner, quotes what needs quoting, and
# opens a shell in that very build tree.
. "$TOP/tests/e2e/lib.sh"
P="$T/my plans/p"
mkdir -p "$P/recipes/sig" "$P/recipes/slow" "$P/recipes/bad"
printf 'name sig\nversion 1\nlicense MIT\nbuild host\n\techo about to die\n\tprintf "\\\\033]0;pwned\\\\007\\\\033[2Jwiped\\\\n"\n\tkill -9 $$\n' >"$P/recipes/sig/recipe"
printf 'name slow\nversion 1\nlicense MIT\nbuild host\n\tsleep 30\n' >"$P/recipes/slow/recipe"
printf 'name bad\nversion 1\nlicense MIT\nbuild host\n\techo "FLAVOUR is $FLAVOUR" >flavour\n\texit 2\n' >"$P/recipes/bad/recipe"
printf 'plan p\narches x86_64 aarch64\nrecipes recipes\nset SOURCE_DATE_EPOCH 0\nset FLAVOUR mild\nstage host\n\tstep sig\n\tstep slow\n\tstep bad\n' >"$P/plan"
S=$T/state
run() { "$SPROUT" "$@" >"$T/out" 2>&1; echo $? >"$T/rc"; }

run --state "$S" --runner=plain build "$P" sig
check "a step killed by a signal: exit 1" test "$(cat "$T/rc")" = 1
check "  ... the signal named" grep -q "step 'sig' (stage host) failed: killed by signal 9 (SIGKILL) after" "$T/out"
check "  ... with its log's tail" grep -q '^    about to die$' "$T/out"
check "  ... whose escapes reach the terminal escaped" grep -q '^    \\x1b\]0;pwned\\x07\\x1b\[2Jwiped$' "$T/out"
check "  ... and not raw" sh -c "! grep -q \"\$(printf '\\033')\" '$T/out'"

run --state "$S" --runner=plain --step-timeout 1 build "$P" slow
check "a step past --step-timeout: 'timed out'" grep -q "step 'slow' (stage host) failed: timed out after" "$T/out"

# -C, -c, --set, a path with a blank: the command must work as printed.
# (With the sandbox runner when it can run here: the plain runner's
# interactive shell does not get the terminal.)
printf 'jobs = 1\n' >"$T/my.conf"
cd "$T" || exit 1
run -C "$T/my plans" -c "$T/my.conf" --state "$S" --runner=plain --set FLAVOUR=hot build p bad
cmd=$(sed -n 's/^to look inside: //p' "$T/out")
check "the shell command repeats every option that matters ($cmd)" \
	test "$cmd" = "$SPROUT -C '$T/my plans' -c $T/my.conf --state $S --arch $(uname -m) --set FLAVOUR=hot --runner=plain shell p bad"
if "$SPROUT" sandbox-run true >/dev/null 2>&1 && command -v script >/dev/null 2>&1; then
	run -C "$T/my plans" -c "$T/my.conf" --state "$S" --set FLAVOUR=hot build p bad
	cmd=$(sed -n 's/^to look inside: //p' "$T/out")
	check "  ... the runner only when it is not the sandbox" sh -c "! echo \"\$1\" | grep -q -- --runner" sh "$cmd"
	# run it on a pseudo-terminal, typing once the shell is up
	{ sleep 1; printf 'cat flavour; echo "pwd=$(pwd)"; exit\n'; sleep 1; } |
		timeout 30 script -qec "$cmd" "$T/shell.ts" >/dev/null 2>&1
	check "  ... and opens a shell in the failed build tree, with the --set" grep -q '^FLAVOUR is hot' "$T/shell.ts"
	check "  ... whose directory is the kept tree" grep -q "^pwd=/build" "$T/shell.ts"
else
	ok "# SKIP no sandbox or no script(1) to open the shell in"
fi

XDG_CACHE_HOME=$T/cache run --runner=plain -C "$T/my plans" build p bad
check "without --state the command names none" sh -c "grep '^to look inside: ' '$T/out' | grep -qv -- '--state'"
check "  ... and sprout then uses the default state" test -d "$T/cache/sprout/build"
