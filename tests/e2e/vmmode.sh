# VM and bare-metal modes end to end (make check-vmmode, or
# SPROUT_VMMODE=1): the minimal plan's chroot bootstrap, kernel and mke2fs
# in one state; then, in a second state holding only the host stage and
# the kernel, `bootstrap --mode vm` under TCG, stopped (SIGTERM) once a
# few steps came back, and run again with --stage4: it resumes, every
# step's digest equals the chroot mode's and digests.ARCH, and stage 4 runs
# in the VM, its steps sandboxed. Then bare metal in a third
# state: the disk of `image --format disk --bootstrap`, booted by qemu with
# UEFI firmware (the stand-in for a machine) with its disk writable, and
# `bootstrap --import` of that disk: the same digests.
# SPROUT_VM_STATE=DIR uses (and keeps) that state for the chroot run (the
# state of make check-vm); SPROUT_VMMODE_ARCHES="x86_64" (the default).
. "$TOP/tests/e2e/lib.sh"
skip_unless SPROUT_VMMODE "VM mode test (make check-vmmode, or SPROUT_VMMODE=1)"
long_state
cd "$TOP" || exit 1
P=plans/minimal
# The store directory of step $2 in state $1.
stored() { d=$(sprout --state "$1" --arch "$a" path $P "$2" 2>/dev/null) && dirname "$d"; }
# Whether every native and packages step has the same digest in state $1
# as in the chroot mode's state; names those that differ.
same_as_chroot() {
	same=0
	for s in musl tcc-1 tcc-2 tcc-3 make busybox base rootfs smoke; do
		x=$(stored "$S" $s) && y=$(stored "$1" $s) && cmp -s "$x/digest" "$y/digest" || { same=1; echo "# $s differs"; }
	done
	return $same
}
for a in ${SPROUT_VMMODE_ARCHES:-x86_64}; do
	t=$(date +%s)
	sprout --state "$S" --arch $a bootstrap >"$T/bs.$a" 2>&1 &&
		sprout --state "$S" --arch $a build $P kernel e2fsprogs >>"$T/bs.$a" 2>&1; rc=$?
	[ $rc = 0 ] || tail -n 20 "$T/bs.$a" | sed 's/^/# /'
	check "$a: chroot mode's bootstrap, the kernel and mke2fs ($(since $t) s)" test $rc = 0
	# States with the host stage, the kernel (and mke2fs) only.
	V=$T/vm.$a M=$T/metal.$a
	mkdir -p "$V/store" "$M/store"
	cp -r "$S/distfiles" "$V/distfiles"
	cp -r "$S/distfiles" "$M/distfiles"
	for s in seed-musl seed-tcc seed-busybox seed-make seed-base seed kernel e2fsprogs; do
		d=$(stored "$S" $s) && cp -a "$d" "$V/store/" && cp -a "$d" "$M/store/"
	done
	sprout --state "$V" --arch $a plan $P >"$T/plan.$a" 2>&1
	check "  ... a second state has the host stage and the kernel, not the native steps" \
		sh -c "grep -q 'kernel *cached' '$T/plan.$a' && grep -q 'tcc-1 *build' '$T/plan.$a'"

	# Stopped (SIGTERM to sprout: a background job of this shell ignores
	# SIGINT) once tcc-1 came back from the VM; qemu ends with it.
	t=$(date +%s)
	"$SPROUT" --state "$V" --arch $a bootstrap --mode vm --accel tcg >"$T/vm1.$a" 2>&1 &
	bpid=$!
	while kill -0 $bpid 2>/dev/null && ! grep -q 'saved tcc-1 ' "$T/vm1.$a"; do sleep 2; done
	sprout --state "$V" --arch $a build $P seed >"$T/busy.$a" 2>&1; brc=$?
	check "$a: while VM mode runs, another sprout on its state is refused" \
		sh -c "test $brc != 0 && grep -q 'another sprout is using the state directory' '$T/busy.$a'"
	q=$(ps -o pid= --ppid $bpid | head -n 1)
	kill -TERM $bpid
	wait $bpid; rc=$?
	sleep 2
	grep '^  vm | sprout-vm: saved\|^vm:\|^sprout:' "$T/vm1.$a" | sed 's/^/# /'
	check "$a: VM mode interrupted in the middle fails ($(since $t) s)" test $rc != 0 -a -n "$q"
	check "  ... and its qemu ends with it" sh -c "! kill -0 $q 2>/dev/null"
	t=$(date +%s)
	sprout --state "$V" --arch $a bootstrap --mode vm --accel tcg --stage4 >"$T/vm2.$a" 2>&1; rc=$?
	grep -v '^  vm | \|^\[\|^[a-z0-9-]*  *[a-z]*  *cached' "$T/vm2.$a" | sed 's/^/# /'
	check "$a: VM mode run again passes ($(since $t) s)" test $rc = 0
	check "  ... the report names the mode" grep -q "^bootstrap minimal for $a (mode vm)" "$T/vm2.$a"
	check "  ... it took what came back before the interruption" grep -q "^vm: .* came back from the last run's results disk" "$T/vm2.$a"
	check "  ... and built only the rest" sh -c "! grep -q '^  vm | \[[0-9]*/[0-9]*\] start  *musl ' '$T/vm2.$a'"
	check "  ... every digest matches digests.$a" grep -q "^digests:    all .* steps match" "$T/vm2.$a"
	check "  ... the smoke test ran in the VM" grep -q "^smoke:      sh: .*ok" "$T/vm2.$a"
	check "  ... then stage 4 in the VM: its five packages rebuilt bit-identically" \
		sh -c "test \$(grep -c '^  vm |             .*\.spk  *identical ' '$T/vm2.$a') = 5 && grep -q '^stage4:     ok inside the VM' '$T/vm2.$a'"
	check "  ... by the sprout the system's tcc built, in sandboxes of the VM's kernel" \
		sh -c "grep -q '^  vm |  *stage4: building sprout with /usr/bin/tcc' '$T/vm2.$a' && grep -q '^  vm |  *minimal-stage4: 14 built, 0 cached, 0 failed' '$T/vm2.$a' && grep -q 'each step in a sandbox of its own' '$T/vm2.$a'"
	check "  ... and every native and packages step's digest is the chroot mode's" same_as_chroot "$V"

	# Bare metal: the disk, booted through UEFI firmware, then imported.
	t=$(date +%s)
	sprout --state "$M" --arch $a image $P --format disk --bootstrap -o "$T/metal.img" >"$T/img.$a" 2>&1; rc=$?
	[ $rc = 0 ] || tail -n 20 "$T/img.$a" | sed 's/^/# /'
	check "$a: image --format disk --bootstrap ($(since $t) s)" test $rc = 0
	t=$(date +%s)
	case $a in
	x86_64) q="qemu-system-x86_64 -M q35" fw=/usr/share/ovmf/OVMF.fd ;;
	*) q="qemu-system-aarch64 -M virt -cpu cortex-a57" fw=/usr/share/qemu-efi-aarch64/QEMU_EFI.fd ;;
	esac
	timeout 7200 $q -accel tcg -m 2048 -smp 2 -nodefaults -no-user-config -display none -no-reboot \
		-serial stdio -monitor none -bios $fw -drive if=none,id=disk,format=raw,file="$T/metal.img" \
		-device virtio-blk-pci,drive=disk </dev/null >"$T/metal.console" 2>&1
	grep '^sprout-boot\|^sprout-vm: [0-9]' "$T/metal.console" | sed 's/^/# /'
	check "  ... booted under UEFI, it ran its bootstrap ($(since $t) s)" grep -q '^sprout-boot: bootstrap PASS' "$T/metal.console"
	sprout --state "$M" --arch $a bootstrap --import "$T/metal.img" >"$T/imp.$a" 2>&1; rc=$?
	grep -v '^\[\|^[a-z0-9-]*  *[a-z]*  *cached' "$T/imp.$a" | sed 's/^/# /'
	check "  ... bootstrap --import takes its results" test $rc = 0
	check "  ... the report names the mode" grep -q "^bootstrap minimal for $a (mode metal)" "$T/imp.$a"
	check "  ... every digest matches digests.$a" grep -q "^digests:    all .* steps match" "$T/imp.$a"
	check "  ... and every native and packages step's digest is the chroot mode's" same_as_chroot "$M"
	rm -f "$T/metal.img"
done
echo "1..$n"
