# The kernel build is reproducible (make check-kernel-repro, or
# SPROUT_KERNEL_REPRO=1; docs/boot.md): plans/minimal's kernel step, built
# in the state of make check-vm (SPROUT_VM_STATE, kept) or in a fresh one,
# then built again from scratch in a second state directory, under another
# path, another umask and at another time, sharing only the verified
# sources: the same key and the same digest, which is the one
# digests.ARCH records. Each build takes 10 to 20 minutes on a 2-core
# machine: not in make check or make check-vm.
# SPROUT_VM_ARCHES="x86_64" (the default): the arches.
. "$TOP/tests/e2e/lib.sh"
skip_unless SPROUT_KERNEL_REPRO "kernel reproducibility test (make check-kernel-repro, or SPROUT_KERNEL_REPRO=1)"
long_state
cd "$TOP" || exit 1
P=plans/minimal
for a in ${SPROUT_VM_ARCHES:-x86_64}; do
	t=$(date +%s)
	sprout --state "$S" --arch $a build $P kernel >"$T/k1.$a" 2>&1; rc=$?
	[ $rc = 0 ] || tail -n 20 "$T/k1.$a" | sed 's/^/# /'
	check "$a: the kernel, in the first state ($(since $t) s)" test $rc = 0
	S2=$T/a-second-state-directory-with-a-longer-path.$a
	mkdir -p "$S2"
	t=$(date +%s)
	(umask 027 && "$SPROUT" --state "$S2" --distfiles "$S/distfiles" --arch $a build $P kernel) >"$T/k2.$a" 2>&1; rc=$?
	[ $rc = 0 ] || tail -n 20 "$T/k2.$a" | sed 's/^/# /'
	check "$a: built again from scratch in a second state ($(since $t) s)" \
		sh -c "test $rc = 0 && grep -q '^kernel .* built ' '$T/k2.$a'"
	k1=$(sprout --state "$S" --arch $a path $P kernel) k2=$(sprout --state "$S2" --arch $a path $P kernel)
	d1=$(cat "$(dirname "$k1")/digest") d2=$(cat "$(dirname "$k2")/digest")
	echo "# first:  $k1 $d1"
	echo "# second: $k2 $d2"
	check "  ... the same key" test "$(basename "$(dirname "$k1")")" = "$(basename "$(dirname "$k2")")"
	check "  ... the same digest" test -n "$d1" -a "$d1" = "$d2"
	check "  ... the one digests.$a records" grep -q "^kernel  *$d1\$" $P/digests.$a
done
echo "1..$n"
