# What a run throws away goes to STATE/trash at once and is deleted after
# the run by a process of its own (build/trash.h): the finished steps'
# build trees, a failed attempt's tree when the step is built again, and
# what a dead run left in STATE/tmp. The deleter holds neither the state
# lock nor the command's output.
. "$TOP/tests/e2e/lib.sh"
S=$T/state
mkdir -p "$T/p/recipes/a" "$T/p/recipes/b"
printf 'name a\nversion 1\nlicense MIT\nbuild host\n\techo a >"$DESTDIR/a"; echo tree >a-tree\n' >"$T/p/recipes/a/recipe"
printf 'name b\nversion 1\nlicense MIT\nbuild host\n\techo left >left.txt; test "$FAIL" = no || exit 3\n\techo b >"$DESTDIR/b"\n' >"$T/p/recipes/b/recipe"
plan() { printf 'plan p\narches x86_64\nrecipes recipes\nset SOURCE_DATE_EPOCH 0\nset FAIL %s\nstage host\n\tstep a\n\tstep b\n' "$1" >"$T/p/plan"; }
A="--state $S --runner=plain --arch x86_64"
B=$S/build/p/x86_64
# settled: the background deletions are over (at most 20 s)
settled() {
	i=0
	while [ -n "$(ls -A "$S/deleting" 2>/dev/null)" ] && [ $i -lt 200 ]; do sleep 0.1; i=$((i + 1)); done
	[ -z "$(ls -A "$S/deleting" 2>/dev/null)" ] && [ ! -e "$S/trash" ]
}

plan yes
sprout $A build "$T/p" >"$T/out" 2>&1
check "a failed step keeps its build tree" test -f "$B/b/work/left.txt"
check "  ... the finished step's tree is gone from build/" test ! -e "$B/a"
check "  ... and deleted once the run is over" settled

# A dead run's leftovers in tmp/, and a big trash the next run finds.
mkdir -p "$S/tmp/dead/out/deep" "$S/tmp/many"
echo x >"$S/tmp/dead/out/deep/f"
(cd "$S/tmp/many" && seq 1 20000 | xargs touch)
# The deleter is held back (SPROUT_TRASH_HOLD) until $T/go exists.
plan no
SPROUT_TRASH_HOLD=$T/go "$SPROUT" $A build "$T/p" 2>&1 | cat >"$T/out1"; rc=$?
check "the next build succeeds" grep -q '^p: 2 built, 0 cached, 0 failed' "$T/out1"
check "  ... and its output ends while the deletion waits (the deleter holds no descriptor of it)" \
	test -n "$(ls -A "$S/deleting")"
bad=0
for i in 1 2 3 4 5 6; do
	# each starts a deleter (the held one has not deleted anything yet)
	SPROUT_TRASH_HOLD=$T/go "$SPROUT" $A build "$T/p" >"$T/out2" 2>&1 || bad=$((bad + 1))
done
check "commands on the state one right after another are never refused (a deleter holds no lock)" \
	sh -c "test $bad = 0 && ! grep -q 'another sprout' '$T/out2'"
touch "$T/go"
check "  ... the failed attempt's tree went too" test ! -e "$B/b"
check "  ... a dead run's tmp/ is emptied" sh -c "test -d '$S/tmp' && test -z \"\$(ls -A '$S/tmp')\""
check "  ... and all of it is deleted in the background" settled
check "  ... the outputs are in the store" sh -c "'$SPROUT' $A plan '$T/p' | head -1 | grep -q '2 cached, 0 to build'"
