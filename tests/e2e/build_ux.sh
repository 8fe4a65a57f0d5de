# What a user sees around a build: where the output is (sprout path, the
# build's last line), and Ctrl-C: the summary so far and which step the
# next build starts again at.
. "$TOP/tests/e2e/lib.sh"
P=$T/plan
S=$T/state
mkdir -p "$P/recipes/a" "$P/recipes/b" "$P/recipes/c"
printf 'name a\nversion 1\nlicense MIT\nbuild host\n\techo a >"$DESTDIR/a"\n' >"$P/recipes/a/recipe"
printf 'name b\nversion 1\nlicense MIT\ndepends a\nbuild host\n\ttouch "$SHARED/b-started"\n\tsleep 5\n\techo b >"$DESTDIR/b"\n' >"$P/recipes/b/recipe"
printf 'name c\nversion 1\nlicense MIT\ndepends b\nbuild host\n\techo c >"$DESTDIR/c"\n' >"$P/recipes/c/recipe"
mkdir -p "$T/shared"
printf 'plan ux\narches x86_64 aarch64\nrecipes recipes\nset SOURCE_DATE_EPOCH 0\nset SHARED %s\nstage host\n\tstep a\n\tstep b\n\tstep c\nfinal c\n' "$T/shared" >"$P/plan"
A="--state $S --runner=plain --arch x86_64"

# Ctrl-C (SIGINT to sprout) while b runs.
"$SPROUT" $A build "$P" >"$T/out" 2>&1 &
pid=$!
i=0; while [ ! -e "$T/shared/b-started" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done
kill -INT $pid; wait $pid; rc=$?
check "Ctrl-C: exit status 130" test $rc = 130
check "  ... the summary so far: a built" grep -Eq '^a +host +built ' "$T/out"
check "  ... b interrupted" grep -Eq '^b +host +interrupted +[0-9.]+s ' "$T/out"
check "  ... c not started" grep -Eq '^c +host +not started ' "$T/out"
check "  ... which step the next build starts again at" \
	grep -qx "interrupted: the next build of $P starts again at b; what is built stays built" "$T/out"
check "  ... and the totals, b among them" grep -q '^ux: 1 built, 0 cached, 0 failed, 1 interrupted, 1 not started' "$T/out"

# SIGTERM while b runs: the same, and the run record says so.
rm -f "$T/shared/b-started"
"$SPROUT" --state "$T/state2" --runner=plain --arch x86_64 build "$P" >"$T/out2" 2>&1 &
pid=$!
i=0; while [ ! -e "$T/shared/b-started" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done
kill -TERM $pid; wait $pid
check "SIGTERM: b is counted, as interrupted" grep -q '^ux: 1 built, 0 cached, 0 failed, 1 interrupted, 1 not started' "$T/out2"
check "  ... and so it is in the run record" grep -Eq '^step b host interrupted [0-9.]+ [0-9.]+ 0 - -$' "$T/state2/runs/x86_64/ux"
# A signal while a step's tree is laid (sources unpacked), with another
# step running: the laid step's script never starts, the running one is
# stopped, and the run ends at once (it used to start the script and wait
# for both). SPROUT_PREPARE_HOLD holds the engine after the laying.
mkdir -p "$T/sig/recipes/long" "$T/sig/recipes/late"
printf 'name long\nversion 1\nlicense MIT\nbuild host\n\ttouch "$SHARED/long-started"\n\tsleep 60\n' >"$T/sig/recipes/long/recipe"
printf 'name late\nversion 1\nlicense MIT\nbuild host\n\ttouch "$SHARED/late-started"\n\techo late >"$DESTDIR/late"\n' >"$T/sig/recipes/late/recipe"
printf 'plan sig\narches x86_64 aarch64\nrecipes recipes\nset SOURCE_DATE_EPOCH 0\nset SHARED %s\nstage host\n\tstep long\n\tstep late\n' "$T/shared" >"$T/sig/plan"
t0=$(date +%s)
SPROUT_PREPARE_HOLD="late:$T/hold" "$SPROUT" --state "$T/state3" --runner=plain --arch x86_64 -j2 build "$T/sig" >"$T/out3" 2>&1 &
pid=$!
i=0; while ! { [ -e "$T/shared/long-started" ] && [ -e "$T/hold.waiting" ]; } && [ $i -lt 300 ]; do sleep 0.1; i=$((i+1)); done
kill -TERM $pid; sleep 0.5; touch "$T/hold"; wait $pid; rc=$?
t1=$(date +%s)
check "SIGTERM while a tree is laid: exit status 130, as for any interruption" test $rc = 130
check "  ... the laid step's script never started" test ! -e "$T/shared/late-started"
check "  ... both steps interrupted" sh -c "grep -q '^sig: 0 built, 0 cached, 0 failed, 2 interrupted' '$T/out3'"
check "  ... and the running step was stopped, not waited for (took $((t1 - t0)) s)" test $((t1 - t0)) -lt 45

fails "path before the final step is built fails" sprout $A path "$P"
check "  ... saying how to build it" sh -c "'$SPROUT' $A path '$P' 2>&1 | grep -q \"step 'c' of plan ux is not built for x86_64: run 'sprout build $P' first\""

sprout $A build "$P" >"$T/out" 2>&1
check "the rerun starts at b" grep -q '^ux: 2 built, 1 cached' "$T/out"
out=$(sprout $A path "$P")
check "path prints the final step's output directory" test "$(cat "$out/c")" = c
check "  ... in the store" sh -c "case '$out' in '$S'/store/*/out) ;; *) exit 1 ;; esac"
check "path PLAN STEP: that step's" test "$(cat "$(sprout $A path "$P" a)/a")" = a
check "the build says where the final step's output is" grep -qx "output of c: $out" "$T/out"
fails "path of an unknown step fails" sprout $A path "$P" nosuch

# A failed step: the report names the failing command and its recipe line;
# inside sprout shell, JOBS and MAKEFLAGS are the build's, and one command
# runs the step's script again from the start.
mkdir -p "$T/bad/recipes/bad"
printf 'name bad\nversion 1\nlicense MIT\nbuild host\n\techo "building with $JOBS jobs"\n\tfalse --flag\n\techo never\n' >"$T/bad/recipes/bad/recipe"
printf 'plan bad\narches x86_64 aarch64\nrecipes recipes\nset SOURCE_DATE_EPOCH 0\nstage host\n\tstep bad\n' >"$T/bad/plan"
sprout $A -j3 build "$T/bad" >"$T/out" 2>&1
check "the failed command, with its recipe line" grep -qx "command:    $T/bad/recipes/bad/recipe:6: false --flag" "$T/out"
check "  ... the log traces the script" grep -qx '+ false --flag' "$S/logs/bad/x86_64/bad.log"
if command -v script >/dev/null 2>&1; then
	printf 'echo "in: JOBS=$JOBS MAKEFLAGS=$MAKEFLAGS"\nsh -ex -c "$STEP_SCRIPT"\nexit\n' >"$T/cmds"
	script -qec "'$SPROUT' $A shell '$T/bad' bad" "$T/shell.ts" <"$T/cmds" >/dev/null 2>&1
	check "shell of a failed step: JOBS and MAKEFLAGS as the build had them" grep -q 'in: JOBS=3 MAKEFLAGS=-j3' "$T/shell.ts"
	check "  ... and STEP_SCRIPT runs its script again from the start" \
		sh -c "grep -q '^building with 3 jobs' '$T/shell.ts' && grep -q '^+ false --flag' '$T/shell.ts'"
	check "  ... which the shell says on entry" grep -q 'sh -ex -c "\$STEP_SCRIPT" runs the step' "$T/shell.ts"
else
	ok "# SKIP no script(1) for a terminal"
fi

# sprout script (make bench's peer) writes what a whole-plan build makes:
# not a step that is built only on demand.
mkdir -p "$T/od/recipes/x" "$T/od/recipes/y"
printf 'name x\nversion 1\nlicense MIT\nbuild host\n\techo x >"$DESTDIR/x"\n' >"$T/od/recipes/x/recipe"
printf 'name y\nversion 1\nlicense MIT\nbuild host\n\techo y >"$DESTDIR/y"\n' >"$T/od/recipes/y/recipe"
printf 'plan od\narches x86_64 aarch64\nrecipes recipes\nset SOURCE_DATE_EPOCH 0\nstage host\n\tstep x\n\tstep y ondemand=yes\n' >"$T/od/plan"
sprout $A script "$T/od" >"$T/od.sh"
check "script: the steps a build makes" grep -qx '# step x (stage host, recipe x, script host)' "$T/od.sh"
check "  ... and not an ondemand step" sh -c "! grep -q '^# step y' '$T/od.sh'"
check "  ... which runs" sh "$T/od.sh" "$T/od-work"
