# The state directory's per-step records (last/, logs/, build/,
# durations/) are kept per plan: two plans with a step of the same name in
# one state directory never read or overwrite each other's; a state
# directory of the older layout (records named by arch and step only) keeps
# its store and has its records set aside, never misread.
. "$TOP/tests/e2e/lib.sh"
S=$T/state
mkdir -p "$T/one/recipes/base" "$T/one/recipes/make" "$T/two"
printf 'name base\nversion 1\nlicense MIT\nbuild host\n\techo base >"$DESTDIR/base"\n' >"$T/one/recipes/base/recipe"
cat >"$T/one/recipes/make/recipe" <<'R'
name make
version 1
license MIT
build host
	echo "make for $PLAN_NAME"
	echo "$PLAN_NAME" >"$DESTDIR/make"
build other
	echo "make for $PLAN_NAME, the other way"
	test "$FAIL" = no || exit 3
	echo "$PLAN_NAME" >"$DESTDIR/make-other"
R
printf 'plan one\narches x86_64 aarch64\nrecipes recipes\nset SOURCE_DATE_EPOCH 0\nset PLAN_NAME one\nstage host\n\tstep base\n\tstep make\n' >"$T/one/plan"
plan_two() { # extra settings
	printf 'plan two\narches x86_64 aarch64\nrecipes ../one/recipes\nset SOURCE_DATE_EPOCH 0\nset PLAN_NAME two\nset FAIL %s\nstage host\n\tstep make build=other\n\tstep base\n' "$1" >"$T/two/plan"
}
plan_two no
A="--state $S --runner=plain --arch x86_64"
# reasons PLAN: "STEP RESULT REASON" for each step of sprout plan.
reasons() { sprout $A plan "$1" | sed 1d | sed -E 's/^ +[a-z]+ +//; s/  +/ /g'; }

check "a plan never built: every step says so" test "$(reasons "$T/two")" = "$(printf 'make build never built\nbase build never built')"
sprout $A -q build "$T/one" >/dev/null 2>&1
check "another plan built in the same state: still never built, not 'build script changed'" \
	test "$(reasons "$T/two")" = "$(printf 'make build never built\nbase build never built')"
check "  ... plan --why says the same" sh -c "'$SPROUT' $A plan '$T/two' --why make | grep -q ' build  *never built\$'"
sprout $A -q build "$T/two" >/dev/null 2>&1
check "both built: the first plan is all cached" sh -c "'$SPROUT' $A plan '$T/one' | head -1 | grep -q '2 cached, 0 to build'"
check "  ... and so is the second" sh -c "'$SPROUT' $A plan '$T/two' | head -1 | grep -q '2 cached, 0 to build'"
check "each plan has its own log of its step 'make'" \
	sh -c "grep -qx 'make for one' '$S/logs/one/x86_64/make.log' && grep -qx 'make for two, the other way' '$S/logs/two/x86_64/make.log'"
check "  ... its own duration" test -s "$S/durations/one/x86_64/make" -a -s "$S/durations/two/x86_64/make"
check "  ... and its own last-built key" sh -c "! cmp -s '$S/last/one/x86_64/make' '$S/last/two/x86_64/make'"

# The second plan's 'make' fails: the first plan's log and record stay.
plan_two yes
sprout $A build "$T/two" >"$T/out" 2>&1; rc=$?
check "a failing step of the second plan fails the build" test $rc = 1
check "  ... its log and build tree are the second plan's" \
	sh -c "grep -q '$S/logs/two/x86_64/make.log' '$T/out' && test -d '$S/build/two/x86_64/make/work'"
check "  ... the first plan's log of 'make' is untouched" grep -qx 'make for one' "$S/logs/one/x86_64/make.log"
check "  ... and the first plan is still all cached" sh -c "'$SPROUT' $A plan '$T/one' | head -1 | grep -q '2 cached, 0 to build'"

# A state directory of the older layout: records named ARCH/STEP.
O=$T/old
sprout --state "$O" --runner=plain --arch x86_64 -q build "$T/one" >/dev/null 2>&1
for d in last durations logs; do mv "$O/$d/one/x86_64" "$O/$d/x86_64.tmp" && rm -r "$O/$d/one" && mv "$O/$d/x86_64.tmp" "$O/$d/x86_64"; done
rm -rf "$O/build" "$O/layout"
check "old layout: a never-built plan's step of the same name is never built, not misread" \
	sh -c "'$SPROUT' --state '$O' --arch x86_64 plan '$T/two' --why make | grep -q 'never built\$'"
sprout --state "$O" --runner=plain --arch x86_64 build "$T/one" >"$T/out" 2>&1
check "  ... its store is reused: nothing rebuilt" grep -q '^one: 0 built, 2 cached' "$T/out"
check "  ... its old records are set aside" test -s "$O/old-records/last/x86_64/make" -a ! -e "$O/last/x86_64"
check "  ... and the layout is recorded" grep -qx 'sprout-state 2' "$O/layout"
plan_two no
sprout --state "$O" --runner=plain --arch x86_64 -q build "$T/two" >/dev/null 2>&1
check "  ... after which both plans build side by side" sh -c "'$SPROUT' --state '$O' --arch x86_64 plan '$T/two' | head -1 | grep -q '0 to build'"
