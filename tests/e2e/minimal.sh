# The main job end to end: sprout bootstrap of the minimal plan for the
# host's arch, from an empty state directory (sources from the Debian
# archive), then a second run that does nothing.
# SPROUT_DISTFILES=DIR reuses a distfiles directory (to save downloads).
. "$TOP/tests/e2e/lib.sh"
S=$T/state
if [ -n "${SPROUT_DISTFILES:-}" ]; then
	mkdir -p "$S" && cp -r "$SPROUT_DISTFILES" "$S/distfiles"
fi
cd "$TOP" || exit 1
t0=$(date +%s)
sprout --state "$S" bootstrap >"$T/out" 2>&1; rc=$?
t1=$(date +%s)
sed 's/^/# /' "$T/out" | grep -v '^# \[' | tail -n 30
check "sprout bootstrap succeeds ($((t1 - t0)) s)" test $rc = 0
check "the tcc fixpoint holds" grep -q '^fixpoint:   tcc-2 and tcc-3 are identical' "$T/out"
check "every step digest matches the checked-in ones" grep -q '^digests:    all [0-9]* steps match' "$T/out"
check "no host-built file is in the final rootfs" grep -q 'no host-built file' "$T/out"
check "the smoke test ran sh, tcc and make" sh -c "grep -q '^smoke:      sh: .*ok' '$T/out' && grep -q 'tcc: .*ok' '$T/out' && grep -q 'make: .*ok' '$T/out'"
check "tcc's test suite ran inside the final system" grep -q "tcc's test suite (tests/tests2): [0-9]* of [0-9]* passed" "$T/out"
O=$S/outputs/minimal-$(uname -m)
check "the rootfs, its tarball, manifest and provenance are written" \
	test -d "$O/rootfs/usr/bin" -a -f "$O/rootfs.tar" -a -f "$O/manifest" -a -f "$O/provenance"
check "the rootfs has a merged /usr" sh -c "test \"\$(readlink '$O/rootfs/bin')\" = usr/bin"
check "every provenance line names a native-stage step" sh -c "! grep -v '^#' '$O/provenance' | sed 1d | grep -v ' native '"
t0=$(date +%s%N)
sprout --state "$S" bootstrap >"$T/out2" 2>&1; rc=$?
t1=$(date +%s%N)
check "a second bootstrap succeeds" test $rc = 0
check "  ... building nothing" grep -q ': [0-9]* steps, 0 built' "$T/out2"
check "  ... in under a second ($(( (t1 - t0) / 1000000 )) ms)" test $(( (t1 - t0) / 1000000 )) -lt 1000
