# The booted system, end to end (make check-vm, or SPROUT_VM=1): for x86_64
# and aarch64, the minimal plan's bootstrap, then sprout boot, which builds
# the kernel and boots the final system from an initramfs in qemu (TCG
# without KVM), then the disk image through UEFI firmware; the disk image
# is the same bytes twice. Prints the times.
# SPROUT_VM_STATE=DIR uses (and keeps) that state directory instead of a
# fresh one; SPROUT_VM_ARCHES="x86_64" boots only those arches;
# SPROUT_DISTFILES=DIR reuses a distfiles directory.
. "$TOP/tests/e2e/lib.sh"
skip_unless SPROUT_VM "VM test (make check-vm, or SPROUT_VM=1)"
long_state
cd "$TOP" || exit 1
for a in ${SPROUT_VM_ARCHES:-x86_64 aarch64}; do
	t=$(date +%s)
	sprout --state "$S" --arch $a bootstrap >"$T/bs.$a" 2>&1; rc=$?
	[ $rc = 0 ] || grep -v '^\[' "$T/bs.$a" | tail -n 20 | sed 's/^/# /'
	check "$a: bootstrap ($(since $t) s)" test $rc = 0
	check "  ... its report says how to boot the result" grep -q "^boot it:    sprout --arch $a boot minimal" "$T/bs.$a"
	t=$(date +%s)
	sprout --state "$S" --arch $a build plans/minimal kernel >"$T/kernel.$a" 2>&1; rc=$?
	[ $rc = 0 ] || tail -n 20 "$T/kernel.$a" | sed 's/^/# /'
	check "$a: the kernel builds ($(since $t) s; $(sed -n 's/^kernel .* built *\([0-9.]*s\).*/\1 in the step/p' "$T/kernel.$a"))" test $rc = 0
	t=$(date +%s)
	sprout --state "$S" --arch $a boot plans/minimal >"$T/boot.$a" 2>&1; rc=$?
	sed 's/^/# /' "$T/boot.$a" | grep -v '^# \[' | tail -n 16
	check "$a: sprout boot: the smoke test passes inside the VM ($(since $t) s)" \
		sh -c "test $rc = 0 && grep -q '^result:     PASS' '$T/boot.$a'"
	check "  ... the report came from the VM's console" grep -q "^smoke:      sh: .*ok" "$T/boot.$a"
	check "  ... with tcc's test suite" grep -q "tcc's test suite (tests/tests2): [0-9]* of [0-9]* passed" "$T/boot.$a"
	t=$(date +%s)
	sprout --state "$S" --arch $a boot plans/minimal --image disk >"$T/disk.$a" 2>&1; rc=$?
	sed 's/^/# /' "$T/disk.$a" | grep -v '^# \[' | tail -n 6
	check "$a: sprout boot --image disk: the disk boots through UEFI and passes ($(since $t) s)" \
		sh -c "test $rc = 0 && grep -q '^result:     PASS' '$T/disk.$a'"
	sprout --state "$S" --arch $a image plans/minimal --format disk -o "$T/d1.img" >"$T/d1.sum" 2>/dev/null
	sprout --state "$S" --arch $a image plans/minimal --format disk -o "$T/d2.img" >"$T/d2.sum" 2>/dev/null
	check "$a: the disk image is the same bytes twice" sh -c "test -s '$T/d1.img' && cmp -s '$T/d1.img' '$T/d2.img'"
	rm -f "$T/d1.img" "$T/d2.img"
done
