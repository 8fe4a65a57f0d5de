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
check "  ... and the libc's syscalls, setjmp, signals, threads and fenv work" grep -q 'libc:  syscalls, setjmp/longjmp, signals .*: ok' "$T/out"
check "tcc's test suite ran inside the final system" grep -q "tcc's test suite (tests/tests2): [0-9]* of [0-9]* passed" "$T/out"
O=$S/outputs/minimal-$(uname -m)
check "the rootfs, its tarball, manifest and provenance are written" \
	test -d "$O/rootfs/usr/bin" -a -f "$O/rootfs.tar" -a -f "$O/manifest" -a -f "$O/provenance"
check "the rootfs has a merged /usr" sh -c "test \"\$(readlink '$O/rootfs/bin')\" = usr/bin"
check "the rootfs holds no sandbox mount points (build/, destdir/)" test ! -e "$O/rootfs/build" -a ! -e "$O/rootfs/destdir"
check "  ... nor does its tarball" sh -c "! tar tf '$O/rootfs.tar' | grep -qE '^(\./)?(build|destdir)/?\$'"
check "every provenance line names a native-stage step" sh -c "! grep -v '^#' '$O/provenance' | sed 1d | grep -v ' native '"
t0=$(date +%s%N)
sprout --state "$S" bootstrap >"$T/out2" 2>&1; rc=$?
t1=$(date +%s%N)
check "a second bootstrap succeeds" test $rc = 0
check "  ... building nothing" grep -q ': [0-9]* steps, 0 built' "$T/out2"
check "  ... in under a second ($(( (t1 - t0) / 1000000 )) ms)" test $(( (t1 - t0) / 1000000 )) -lt 1000

# Stage 4: package the final rootfs's parts, install a fresh root from
# them, build sprout there with the system's tcc and rebuild the native
# stage and its packages inside: they must be bit-identical.
t0=$(date +%s)
sprout --state "$S" bootstrap --stage4 >"$T/out3" 2>&1; rc=$?
t1=$(date +%s)
sed -n '/^stage 4:/,$p' "$T/out3" | sed 's/^/# /'
[ $rc = 0 ] || tail -n 40 "$S/stage4/minimal-$(uname -m)/stage4.log" | sed 's/^/# log: /'
check "bootstrap --stage4 succeeds ($((t1 - t0)) s)" test $rc = 0
R=$S/stage4/minimal-$(uname -m)
check "  ... the root was installed from the signed packages alone" \
	sh -c "grep -q 'signed with key' '$T/out3' && grep -q '^transaction 1: 5 installed' '$T/out3' && test -f '$R/root/etc/sprout/keys/stage4.pub'"
check "  ... the base package holds no build/ or destdir/" \
	sh -c "sprout() { '$SPROUT' \"\$@\"; }; files=\$(sprout pkg files --root '$R/root' base) && echo \"\$files\" | grep -q '^etc/' && ! echo \"\$files\" | grep -qE '^(build|destdir)/?\$'"
check "  ... and pkg verify found it whole" grep -q '^5 packages, [0-9]* entries: no difference' "$T/out3"
check "  ... sprout was built inside by the system's own tcc" grep -q '^stage4: building sprout with /usr/bin/tcc' "$R/stage4.log"
check "  ... which rebuilt the native stage in sandboxes of its own" grep -q '^minimal-stage4: 14 built, 0 cached, 0 failed' "$R/stage4.log"
check "  ... and 5 packages, each bit-identical to the first" \
	sh -c "test \$(grep -c '^            .*\.spk  *identical ' '$T/out3') = 5 && grep -q '^stage4:     ok' '$T/out3'"
check "  ... the rebuilt files are the same bytes" sh -c "cd '$R' && for f in packages/*.spk; do cmp -s \"\$f\" \"work/\$f\" || exit 1; done"
sprout pkg remove --root "$R/root" --no-sync musl >"$T/rm.out" 2>&1; rc=$?
check "  ... whose packages say what they need: musl cannot go while tcc needs it" sh -c "test $rc != 0 && grep -q 'tcc needs musl' '$T/rm.out'"
check "a sprout inside a sandbox makes its own with --nest" \
	sprout sandbox-run --rootfs "$R/root" --nest 'sprout sandbox-run "test \$(id -u) = 0"'
fails "  ... and cannot without it (no capabilities)" \
	sh -c "'$SPROUT' sandbox-run --rootfs '$R/root' 'sprout sandbox-run true' >/dev/null 2>&1"
