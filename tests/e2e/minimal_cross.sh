# The main job for aarch64 on another host, end to end (make check-cross,
# or SPROUT_CROSS=1): sprout --arch aarch64 bootstrap of the minimal plan
# from an empty state directory. The host stage cross-compiles with
# Debian's gcc-aarch64-linux-gnu (sh mk/deps.sh --cross); the native and
# packages stages run under qemu-user through binfmt_misc, where tcc
# rebuilds musl (its assembly too) and everything else. Then a second run
# that does nothing.
# SPROUT_DISTFILES=DIR reuses a distfiles directory (to save downloads).
. "$TOP/tests/e2e/lib.sh"
if [ "${SPROUT_CROSS:-}" != 1 ]; then
	ok "# SKIP cross test (make check-cross, or SPROUT_CROSS=1)"
	echo "1..$n"
	exit 0
fi
S=$T/state
if [ -n "${SPROUT_DISTFILES:-}" ]; then
	mkdir -p "$S" && cp -r "$SPROUT_DISTFILES" "$S/distfiles"
fi
cd "$TOP" || exit 1
check "the cross compiler is installed (sh mk/deps.sh --cross)" sh -c "command -v aarch64-linux-gnu-gcc >/dev/null"
t0=$(date +%s)
sprout --state "$S" --arch aarch64 bootstrap >"$T/out" 2>&1; rc=$?
t1=$(date +%s)
grep -v '^ \{14\}' "$T/out" | sed 's/^/# /' | grep -v '^# \[' | tail -n 30
check "sprout --arch aarch64 bootstrap succeeds ($((t1 - t0)) s)" test $rc = 0
check "the tcc fixpoint holds" grep -q '^fixpoint:   tcc-2 and tcc-3 are identical' "$T/out"
check "every step digest matches the checked-in ones" grep -q '^digests:    all [0-9]* steps match' "$T/out"
check "the smoke test ran sh, tcc and make" sh -c "grep -q '^smoke:      sh: .*ok' '$T/out' && grep -q 'tcc: .*ok' '$T/out' && grep -q 'make: .*ok' '$T/out'"
check "  ... and the libc's syscalls, setjmp, signals, threads and fenv work" grep -q 'libc:  syscalls, setjmp/longjmp, signals .*: ok' "$T/out"
check "tcc's test suite ran inside the final system" grep -q "tcc's test suite (tests/tests2): [0-9]* of [0-9]* passed" "$T/out"
check "no host-built file is in the final rootfs (musl too is rebuilt)" grep -q '^provenance: .* each from a native-stage step; no host-built file' "$T/out"
check "  ... and there is no known gap" sh -c "! grep -q '^known gap:' '$T/out'"
O=$S/outputs/minimal-aarch64
check "the rootfs, its tarball, manifest and provenance are written" \
	test -d "$O/rootfs/usr/bin" -a -f "$O/rootfs.tar" -a -f "$O/manifest" -a -f "$O/provenance"
# e_machine, bytes 18 and 19 of an ELF header: 183 (0xb7), 0 is AArch64.
check "tcc, make and busybox are AArch64 programs" sh -c "
	for f in tcc make busybox; do test \"\$(od -An -tu1 -j18 -N2 '$O/rootfs/usr/bin/'\$f | tr -s ' ')\" = ' 183 0' || exit 1; done"
check "every provenance line names a native-stage step" \
	sh -c "! grep -v '^#' '$O/provenance' | sed 1d | grep -v ' native '"
check "  ... libc.a and crt1.o from the native musl step, tcc, make and busybox from theirs" sh -c "
	grep -q '^musl native f usr/lib/libc.a\$' '$O/provenance' &&
	grep -q '^musl native f usr/lib/crt1.o\$' '$O/provenance' &&
	grep -q '^tcc-3 native f usr/bin/tcc\$' '$O/provenance' &&
	grep -q '^make native f usr/bin/make\$' '$O/provenance' &&
	grep -q '^busybox native f usr/bin/busybox\$' '$O/provenance'"
t0=$(date +%s%N)
sprout --state "$S" --arch aarch64 bootstrap >"$T/out2" 2>&1; rc=$?
t1=$(date +%s%N)
check "a second bootstrap succeeds" test $rc = 0
check "  ... building nothing" grep -q ': [0-9]* steps, 0 built' "$T/out2"
check "  ... in under a second ($(( (t1 - t0) / 1000000 )) ms)" test $(( (t1 - t0) / 1000000 )) -lt 1000
# Stage 4 on aarch64: the packages rebuilt inside the system they
# installed, under qemu-user (whose sprout runs its steps as plain
# processes: qemu cannot make namespaces).
t0=$(date +%s)
sprout --state "$S" --arch aarch64 bootstrap --stage4 >"$T/out3" 2>&1; rc=$?
t1=$(date +%s)
sed -n '/^stage 4:/,$p' "$T/out3" | sed 's/^/# /'
R=$S/stage4/minimal-aarch64
[ $rc = 0 ] || tail -n 40 "$R/stage4.log" | sed 's/^/# log: /'
check "bootstrap --stage4 succeeds ($((t1 - t0)) s)" test $rc = 0
check "  ... sprout was built inside by the system's own tcc, an AArch64 program" sh -c "
	grep -q '^stage4: building sprout with /usr/bin/tcc' '$R/stage4.log' &&
	test \"\$(od -An -tu1 -j18 -N2 '$R/root/usr/bin/sprout' | tr -s ' ')\" = ' 183 0'"
check "  ... and 5 packages, each bit-identical to the first" \
	sh -c "test \$(grep -c '^            .*\.spk  *identical ' '$T/out3') = 5 && grep -q '^stage4:     ok' '$T/out3'"

echo "1..$n"
