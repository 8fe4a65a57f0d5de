# VM mode end to end (make check-vmmode, or SPROUT_VMMODE=1): the minimal
# plan's chroot bootstrap and kernel in one state, then, in a second state
# holding only the host stage and the kernel, `bootstrap --mode vm` under
# TCG, killed (qemu) once a few steps came back, and run again: it resumes,
# and every step's digest equals the chroot mode's and digests.ARCH.
# SPROUT_VM_STATE=DIR uses (and keeps) that state for the chroot run (the
# state of make check-vm); SPROUT_VMMODE_ARCHES="x86_64" (the default).
. "$TOP/tests/e2e/lib.sh"
if [ "${SPROUT_VMMODE:-}" != 1 ]; then
	ok "# SKIP VM mode test (make check-vmmode, or SPROUT_VMMODE=1)"
	echo "1..$n"
	exit 0
fi
S=${SPROUT_VM_STATE:-$T/state}
if [ -n "${SPROUT_DISTFILES:-}" ] && [ ! -d "$S/distfiles" ]; then
	mkdir -p "$S" && cp -r "$SPROUT_DISTFILES" "$S/distfiles"
fi
cd "$TOP" || exit 1
el() { echo $(($(date +%s) - $1)); }
P=plans/minimal
# The store directory of step $2 in state $1.
stored() { d=$(sprout --state "$1" --arch "$a" path $P "$2" 2>/dev/null) && dirname "$d"; }
for a in ${SPROUT_VMMODE_ARCHES:-x86_64}; do
	t=$(date +%s)
	sprout --state "$S" --arch $a bootstrap >"$T/bs.$a" 2>&1 &&
		sprout --state "$S" --arch $a build $P kernel >>"$T/bs.$a" 2>&1; rc=$?
	[ $rc = 0 ] || tail -n 20 "$T/bs.$a" | sed 's/^/# /'
	check "$a: chroot mode's bootstrap and the kernel ($(el $t) s)" test $rc = 0
	# A state with the host stage and the kernel only.
	V=$T/vm.$a
	mkdir -p "$V/store"
	cp -r "$S/distfiles" "$V/distfiles"
	for s in seed-musl seed-tcc seed-busybox seed-make seed-base seed kernel; do
		d=$(stored "$S" $s) && cp -a "$d" "$V/store/"
	done
	sprout --state "$V" --arch $a plan $P >"$T/plan.$a" 2>&1
	check "  ... a second state has the host stage and the kernel, not the native steps" \
		sh -c "grep -q 'kernel *cached' '$T/plan.$a' && grep -q 'tcc-1 *build' '$T/plan.$a'"

	# Killed once tcc-1 came back from the VM.
	t=$(date +%s)
	sprout --state "$V" --arch $a bootstrap --mode vm --accel tcg >"$T/vm1.$a" 2>&1 &
	bpid=$!
	while kill -0 $bpid 2>/dev/null && ! grep -q 'saved tcc-1 ' "$T/vm1.$a"; do sleep 2; done
	q=$(ps -o pid= --ppid $bpid | head -n 1)
	[ -n "$q" ] && kill -9 $q
	wait $bpid; rc=$?
	grep '^  vm | sprout-vm: saved\|^vm:\|^sprout:' "$T/vm1.$a" | sed 's/^/# /'
	check "$a: VM mode killed in the middle fails ($(el $t) s)" test $rc != 0 -a -n "$q"
	check "  ... and keeps what came back: run again to resume" grep -q 'run the same command again to resume' "$T/vm1.$a"
	sprout --state "$V" --arch $a plan $P >"$T/plan2.$a" 2>&1
	check "  ... musl and tcc-1 are in the store" \
		sh -c "grep -q '^ *native *musl *cached' '$T/plan2.$a' && grep -q '^ *native *tcc-1 *cached' '$T/plan2.$a'"

	t=$(date +%s)
	sprout --state "$V" --arch $a bootstrap --mode vm --accel tcg >"$T/vm2.$a" 2>&1; rc=$?
	grep -v '^  vm | \|^\[\|^[a-z0-9-]*  *[a-z]*  *cached' "$T/vm2.$a" | sed 's/^/# /'
	check "$a: VM mode run again passes ($(el $t) s)" test $rc = 0
	check "  ... the report names the mode" grep -q "^bootstrap minimal for $a (mode vm)" "$T/vm2.$a"
	check "  ... it built only what had not come back" sh -c "! grep -q 'vm | .*start  *musl ' '$T/vm2.$a'"
	check "  ... every digest matches digests.$a" grep -q "^digests:    all .* steps match" "$T/vm2.$a"
	check "  ... the smoke test ran in the VM" grep -q "^smoke:      sh: .*ok" "$T/vm2.$a"
	same=yes
	for s in musl tcc-1 tcc-2 tcc-3 make busybox base rootfs smoke; do
		x=$(stored "$S" $s) && y=$(stored "$V" $s) && cmp -s "$x/digest" "$y/digest" || { same=no; echo "# $s differs"; }
	done
	check "  ... and every native and packages step's digest is the chroot mode's" test $same = yes
done
echo "1..$n"
