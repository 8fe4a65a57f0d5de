# Sources laid ahead (docs/cache.md, "Sources laid ahead"): at -j2, while
# a step runs alone, the next step's sources are unpacked into its build
# tree before it can start; at -j1 nothing is; either way the outputs are
# the same, the audit rules' note reaches the step's log, and a tree laid
# for a step that never starts is put away.
. "$TOP/tests/e2e/lib.sh"
RUNNER=${RUNNER:---runner=plain}
P=$T/plan
mkdir -p "$P/recipes/first" "$P/recipes/second" "$T/src/pkg-1/bin"
printf 'kept\n' >"$T/src/pkg-1/keep"
cp "$SPROUT" "$T/src/pkg-1/bin/true-elf"
tar czf "$P/recipes/second/pkg-1.tar.gz" -C "$T/src" pkg-1
# first runs in STATE/build/ah/x86_64/first/work (the plain runner): the
# next step's tree is ../../second. At -j2 it waits (60 s at most) until
# that tree holds the next step's source; at -j1 it fails if the tree is
# there at all. With FAIL set (the plan's), it fails once it has seen it;
# with KEPT, it fails if the next step's tree loses the file a failed run
# left in it (for 3 s).
mkrecipe "$P/recipes/first" first <<'R'
build host
	n=0
	if [ "$JOBS" -gt 1 ]; then
		while [ ! -e ../../second/work/pkg-1/keep ]; do n=$((n + 1)); [ $n -lt 600 ] || exit 1; sleep 0.1; done
	elif [ -e ../../second/work ]; then
		echo "the next step's sources were laid at -j1"; exit 2
	fi
	[ -z "${FAIL:-}" ] || exit 3
	if [ -n "${KEPT:-}" ]; then
		n=0
		while [ $n -lt 30 ]; do test -e ../../second/work/left-behind || exit 4; n=$((n + 1)); sleep 0.1; done
	fi
	echo first >"$DESTDIR/first"
R
mkrecipe_local "$P/recipes/second" second pkg-1.tar.gz "delete pkg-1/bin" <<'R'
depends first
build host
	test ! -e pkg-1/bin/true-elf
	[ -z "${FAIL2:-}" ] || { touch left-behind; exit 5; }
	test ! -e left-behind
	cp pkg-1/keep "$DESTDIR/keep"
	cat "$SYSROOT/first" >>"$DESTDIR/keep"
R
mkplan "$P" ah first second
b() { s=$1; shift; sprout --state "$s" $RUNNER "$@" >"$T/out" 2>&1; }

check "-j2: the next step's sources are laid while the step before it runs" b "$T/s2" -j2 build "$P"
check "  ... and it is built from them" grep -q '^ah: 2 built, 0 cached' "$T/out"
check "  ... with the audit rules applied, noted in its log" log_has "$T/s2" ah second \
	'sprout: delete pkg-1/bin (recipe line 7): removed 1 file'
check "  ... and no note is left in its tree" sh -c "! test -e '$T/s2/build/ah/x86_64/second/removed'"
check "-j1 lays nothing ahead" b "$T/s1" -j1 build "$P"
dg() { cat "$1/store/$(head -c 64 "$1/last/ah/x86_64/$2")/digest"; }
same_digests() { for s in first second; do [ "$(dg "$T/s1" $s)" = "$(dg "$T/s2" $s)" ] || return 1; done; }
check "  ... and gives the same digests" same_digests

# The step before fails once the tree is laid: the run stops, and the tree
# laid for the step that never started is put away (the failed one's kept).
sed -i 's/^stage host/set FAIL yes\nstage host/' "$P/plan"
b "$T/s3" -j2 build "$P"; rc=$?
check "a failure after the tree was laid fails the run" test "$rc" = 1
check "  ... the failed step's tree is kept" test -d "$T/s3/build/ah/x86_64/first/work"
check "  ... the tree laid ahead is put away" sh -c "! test -e '$T/s3/build/ah/x86_64/second'"

# A tree a failed run kept (for sprout shell) is not laid over while the
# step before runs: it stays as it was until its own step starts.
sed -i 's/^set FAIL yes$/set FAIL2 yes/' "$P/plan"
b "$T/s4" -j2 build "$P"
check "the next step fails, and keeps its tree" test -e "$T/s4/build/ah/x86_64/second/work/left-behind"
sed -i 's/^set FAIL2 yes$/set KEPT yes/' "$P/plan"
check "a kept tree is left alone while the step before runs" b "$T/s4" -j2 build "$P"
check "  ... and its step starts from a fresh one" grep -q '^ah: 2 built, 0 cached' "$T/out"
echo "1..$n"
