# The engine end to end on a synthetic plan: building, caching, rebuilding
# exactly what changed, parallelism, failures, resuming after SIGKILL.
. "$TOP/tests/e2e/lib.sh"
RUNNER=${RUNNER:---runner=plain}
P=$T/plan
mkdir -p "$P/recipes/base" "$P/recipes/lib" "$P/recipes/app" "$P/recipes/tool" "$T/shared"
printf 'hello from a local source\n' >"$P/recipes/base/data.txt"
h=$(sha256sum "$P/recipes/base/data.txt" | cut -d' ' -f1)
mkrecipe_local "$P/recipes/base" base data.txt <<'R'
build host
	mkdir -p "$DESTDIR/usr/share"
	cp data.txt "$DESTDIR/usr/share/base.txt"
	printf '%s %s\n' "$JOBS" "$MAKEFLAGS" >"$DESTDIR/usr/share/jobs"
R
printf -- '--- a/x\n+++ b/x\n' >"$P/recipes/lib/fix.patch"
mkrecipe "$P/recipes/lib" lib <<'R'
patch fix.patch
depends base
build host
	mkdir -p "$DESTDIR/usr/lib"
	cat "$SYSROOT/usr/share/base.txt" patches/fix.patch >"$DESTDIR/usr/lib/lib.txt"
R
mkrecipe "$P/recipes/app" app <<'R'
depends lib
build host
	mkdir -p "$DESTDIR/usr/bin"
	{ echo '#!/bin/sh'; echo 'echo app'; } >"$DESTDIR/usr/bin/app"
	chmod 755 "$DESTDIR/usr/bin/app"
	test -f "$DEPS/lib/usr/lib/lib.txt"
	ln -s app "$DESTDIR/usr/bin/app2"
R
mkrecipe "$P/recipes/tool" tool <<'R'
depends base
build host
	mkdir -p "$DESTDIR/usr/bin"
	echo tool >"$DESTDIR/usr/bin/tool"
R
mkplan "$P" synth base lib app tool
S=$T/state
build() { sprout --state "$S" $RUNNER "$@" >"$T/out" 2>&1; }

check "first build succeeds" build -j2 build "$P"
check "all four steps built" grep -q '^synth: 4 built, 0 cached' "$T/out"
check "JOBS and MAKEFLAGS reach the build" sh -c "grep -qx '2 -j2' '$S'/store/*/out/usr/share/jobs"
build -j2 build "$P"
check "second build does nothing" grep -q '^synth: 0 built, 4 cached' "$T/out"
check "plan shows everything cached" sh -c "'$SPROUT' --state '$S' plan '$P' | grep -c ' cached ' | grep -qx 4"

# Early cutoff: a comment in the lib recipe changes lib's key, and lib is
# rebuilt, to the same bytes: app, keyed by lib's output digest, stays cached.
printf '# a comment\n' >>"$P/recipes/lib/recipe"
sprout --state "$S" plan "$P" >"$T/plan.out"
check "plan: lib rebuilds because its recipe changed" grep -q 'lib .*build .*recipe changed$' "$T/plan.out"
check "plan: app waits for lib (its key follows lib's output)" grep -q 'app .*build .*waits for lib$' "$T/plan.out"
check "  ... the header counts it to build" grep -q '4 steps, 2 cached, 2 to build' "$T/plan.out"
build build "$P"
check "a comment rebuilds lib and nothing else (same bytes)" grep -q '^synth: 1 built, 3 cached' "$T/out"
check "  ... and app is cached after lib is done" sh -c "'$SPROUT' --state '$S' plan '$P' | grep -q ' app .*cached'"
check "  ... by a key that hashes lib's digest, not its key" sh -c "
	k=\$(head -c 64 '$S/last/synth/x86_64/app'); l=\$(head -c 64 '$S/last/synth/x86_64/lib')
	grep -qx \"dep lib \$(cat '$S/store/'\$l/digest)\" '$S/store/'\$k/inputs"

# A real change to lib's output: lib and app rebuild, base and tool do not.
sed -i 's#patches/fix.patch >#patches/fix.patch extra >#; s#^build host#build host\n\techo v2 >extra#' "$P/recipes/lib/recipe"
build build "$P"
check "an output change rebuilds lib and app only" grep -q '^synth: 2 built, 2 cached' "$T/out"
check "  ... and the rebuilt steps are lib and app" sh -c "grep 'done' '$T/out' | awk '{print \$3}' | sort | tr '\n' ' ' | grep -qx 'app lib '"

# A patch byte.
printf -- '--- a/y\n+++ b/y\n' >"$P/recipes/lib/fix.patch"
sprout --state "$S" plan "$P" >"$T/plan.out"
check "plan: lib rebuilds because its patch changed" grep -q 'lib .*patch fix.patch changed' "$T/plan.out"
build build "$P"
check "patch change rebuilds lib and app only" grep -q '^synth: 2 built, 2 cached' "$T/out"

# A source byte (and its new pin).
printf 'hello from a changed source\n' >"$P/recipes/base/data.txt"
h2=$(sha256sum "$P/recipes/base/data.txt" | cut -d' ' -f1)
sed -i "s/$h/$h2/" "$P/recipes/base/recipe"
sprout --state "$S" plan "$P" >"$T/plan.out"
check "plan: base rebuilds because its source changed" grep -q 'base .*source data.txt changed' "$T/plan.out"
build build "$P"
check "source change rebuilds everything after it" grep -q '^synth: 4 built, 0 cached' "$T/out"

# A wrong pin (a hash never built before): refused, nothing extracted,
# nothing stored.
h3=$(printf 'other\n' | sha256sum | cut -d' ' -f1)
sed -i "s/$h2/$h3/" "$P/recipes/base/recipe"
rm -rf "$S/distfiles"
build build "$P"; rc=$?
check "a wrong sha256 fails with exit 4" test "$rc" = 4
check "  ... naming the file and both hashes" sh -c "grep -q 'data.txt' '$T/out' && grep -q '$h3' '$T/out' && grep -q '$h2' '$T/out'"
check "  ... with nothing in the store" test ! -e "$S/distfiles/data.txt"
check "  ... and nothing extracted" test ! -e "$S/build/synth/x86_64/base/work/data.txt"
sed -i "s/$h3/$h2/" "$P/recipes/base/recipe"

# Parallel steps really overlap: each waits for the other's marker.
mkdir -p "$T/par/recipes/x" "$T/par/recipes/y"
for a in x y; do
	b=$([ $a = x ] && echo y || echo x)
	cat >"$T/par/recipes/$a/recipe" <<R
name $a
version 1
license MIT
build host
	touch "\$SHARED/$a"
	i=0; while [ ! -e "\$SHARED/$b" ]; do i=\$((i+1)); [ \$i -lt 50 ] || exit 1; sleep 0.1; done
	touch "\$DESTDIR/$a"
R
done
printf 'plan par\narches x86_64 aarch64\nrecipes recipes\nset SOURCE_DATE_EPOCH 0\nset SHARED %s\nstage host\nstep x\nstep y\n' "$T/shared" >"$T/par/plan"
check "-j2 runs independent steps at the same time" build -j2 build "$T/par"
rm -f "$T/shared"/*
sed -i 's/^version 1/version 2/' "$T/par/recipes/x/recipe" "$T/par/recipes/y/recipe"
fails "-j1 runs them one at a time (so they cannot meet)" build -j1 --step-timeout 30 build "$T/par"

# A failing step: status, log tail, kept tree, shell command.
mkdir -p "$T/fail/recipes/bad"
cat >"$T/fail/recipes/bad/recipe" <<'R'
name bad
version 1
license MIT
build host
	echo "making the thing"
	echo "something went wrong" >&2
	touch left-behind
	exit 3
R
printf 'plan fail\narches x86_64 aarch64\nrecipes recipes\nset SOURCE_DATE_EPOCH 0\nstage host\nstep bad\n' >"$T/fail/plan"
build build "$T/fail"; rc=$?
check "a failed step exits 1" test "$rc" = 1
check "  ... names the step, stage and status" grep -q "step 'bad' (stage host) failed: exit status 3" "$T/out"
check "  ... shows the log's tail" grep -q '    something went wrong' "$T/out"
check "  ... keeps the build tree" test -e "$S/build/fail/x86_64/bad/work/left-behind"
check "  ... and says how to enter it" grep -q "shell $T/fail bad" "$T/out"
check "  ... and stores nothing" sh -c "! ls '$S'/last/fail/x86_64/bad 2>/dev/null"

# SIGKILL in the middle of a step, then resume. The step sleeps for a
# duration unique to this test run, so the check for a leftover process
# sees only this run's (another test running at the same time has its own).
nap=3.$$
mkdir -p "$T/kill/recipes/one" "$T/kill/recipes/two" "$T/kill/recipes/three"
for r in one two three; do
	printf 'name %s\nversion 1\nlicense MIT\n' $r >"$T/kill/recipes/$r/recipe"
done
printf 'build host\n\techo one >"$DESTDIR/one"\n' >>"$T/kill/recipes/one/recipe"
printf 'depends one\nbuild host\n\techo partial >"$DESTDIR/two"\n\ttouch "$SHARED/two-started"\n\tsleep %s\n\techo done >>"$DESTDIR/two"\n' "$nap" >>"$T/kill/recipes/two/recipe"
printf 'depends two\nbuild host\n\tcat "$SYSROOT/two" >"$DESTDIR/three"\n' >>"$T/kill/recipes/three/recipe"
printf 'plan kill\narches x86_64 aarch64\nrecipes recipes\nset SOURCE_DATE_EPOCH 0\nset SHARED %s\nstage host\nstep one\nstep two\nstep three\n' "$T/shared" >"$T/kill/plan"
sprout --state "$T/ref" $RUNNER build "$T/kill" >/dev/null 2>&1
rm -f "$T/shared"/*
"$SPROUT" --state "$S" $RUNNER build "$T/kill" >"$T/kill.out" 2>&1 &
pid=$!
i=0; while [ ! -e "$T/shared/two-started" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done
kill -9 $pid; wait $pid 2>/dev/null
sleep 0.5
check "after SIGKILL, 'two' is not counted as done" sh -c "! test -e '$S/last/kill/x86_64/two'"
check "  ... and no step process is left running" sh -c "! pgrep -f '^sleep $nap\$' >/dev/null"
build build "$T/kill"
check "the rerun resumes at the unfinished step" grep -q '^kill: 2 built, 1 cached' "$T/out"
ref=$(for s in one two three; do cat "$T/ref/store/$(cat "$T/ref/last/kill/x86_64/$s" | head -c 64)/digest"; done)
got=$(for s in one two three; do cat "$S/store/$(cat "$S/last/kill/x86_64/$s" | head -c 64)/digest"; done)
check "  ... and its digests equal an uninterrupted run's" test "$ref" = "$got"
check "the resumed output is whole" grep -qx done "$(stored "$S" kill two)/out/two"
