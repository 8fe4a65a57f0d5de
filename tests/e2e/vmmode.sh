# VM and bare-metal modes end to end (docs/modes.md). make check-vm runs it
# (SPROUT_VMMODE=1) after tests/e2e/vm.sh, in the same state
# (SPROUT_VM_STATE, which check-vm shares between them), so that the chroot
# mode's bootstrap, the kernel and mke2fs are built once:
# 1. VM mode, in a second state V holding only the host stage and the
#    kernel: `bootstrap --mode vm --accel tcg`, stopped (SIGTERM) once tcc-1
#    came back (another sprout on its state is refused meanwhile), then run
#    again: it resumes from what came back, builds only the rest, and every
#    step's digest equals digests.ARCH and the chroot mode's.
# 2. Bare metal, in V again, whose store loses make, base, rootfs and smoke
#    (the tail of the plan: make is a real compile by tcc, smoke runs the
#    final system): the disk of `image --format disk --bootstrap`, booted by
#    qemu with UEFI firmware (the stand-in for a machine) with its disk
#    writable, rebuilds them from its own partition, and `bootstrap --import`
#    takes them: the same digests.
# SPROUT_VMMODE_FULL=1 (make check-vmmode) runs the resumed VM run with
# --stage4 (stage 4 inside the VM, its steps sandboxed), and boots the disk
# of a third state that holds only the host stage, so that the disk
# rebuilds every native step.
# Every long command of an arch shares one time budget,
# SPROUT_VMMODE_BUDGET seconds (default 1500; 7200 with FULL): a command
# still running when it runs out is stopped (SIGTERM, SIGKILL 30 s later)
# and fails, and so does every later one at once: a hung VM fails the test
# rather than hanging it.
# SPROUT_VMMODE_ARCHES="x86_64" (the default): the arches, those of
# SPROUT_VM_ARCHES only when that is set.
. "$TOP/tests/e2e/lib.sh"
skip_unless SPROUT_VMMODE "VM mode test (make check-vm, make check-vmmode, or SPROUT_VMMODE=1)"
long_state
cd "$TOP" || exit 1
P=plans/minimal
full=${SPROUT_VMMODE_FULL:-0}
[ "$full" = 1 ] && budget=${SPROUT_VMMODE_BUDGET:-7200} || budget=${SPROUT_VMMODE_BUDGET:-1500}
# The store directory of step $2 in state $1.
in_store() { d=$(sprout --state "$1" --arch "$a" path $P "$2" 2>/dev/null) && dirname "$d"; }
# Whether every native and packages step has the same digest in state $1
# as in the chroot mode's state; names those that differ.
same_as_chroot() {
	same=0
	for s in musl tcc-1 tcc-2 tcc-3 make busybox base rootfs smoke; do
		x=$(in_store "$S" $s) && y=$(in_store "$1" $s) && cmp -s "$x/digest" "$y/digest" || { same=1; echo "# $s differs"; }
	done
	return $same
}
# The seconds left of this arch's budget (at least 1).
left() { l=$((end - $(date +%s))); [ $l -gt 0 ] || l=1; echo $l; }
# within CMD...: CMD, stopped when the budget runs out (status 124 or 137),
# which it says on the test's output (fd 3).
exec 3>&1
within() {
	timeout -k 30 "$(left)" "$@"; r=$?
	if [ $r = 124 ] || [ $r = 137 ]; then echo "# stopped: the budget of $budget s ran out during: $*" >&3; fi
	return $r
}
# seed STATE STEP...: a new state with the distfiles and those steps of $S.
seed() {
	d=$1; shift
	mkdir -p "$d/store"
	cp -r "$S/distfiles" "$d/distfiles"
	for s; do x=$(in_store "$S" $s) && cp -a "$x" "$d/store/"; done
}
# metal STATE TAG: the bare-metal disk of STATE, booted under UEFI, then
# imported; the import's output in $T/imp.TAG.
metal() {
	t=$(date +%s)
	within "$SPROUT" --state "$1" --arch $a image $P --format disk --bootstrap -o "$T/metal.img" >"$T/img.$2" 2>&1; rc=$?
	[ $rc = 0 ] || tail -n 20 "$T/img.$2" | sed 's/^/# /'
	check "$a: image --format disk --bootstrap ($(since $t) s)" test $rc = 0
	t=$(date +%s)
	case $a in
	x86_64) q="qemu-system-x86_64 -M q35" fw=/usr/share/ovmf/OVMF.fd ;;
	*) q="qemu-system-aarch64 -M virt -cpu cortex-a57" fw=/usr/share/qemu-efi-aarch64/QEMU_EFI.fd ;;
	esac
	[ $rc = 0 ] && within $q -accel tcg -m 2048 -smp 2 -nodefaults -no-user-config -display none -no-reboot \
		-serial stdio -monitor none -bios $fw -drive if=none,id=disk,format=raw,file="$T/metal.img" \
		-device virtio-blk-pci,drive=disk </dev/null >"$T/console.$2" 2>&1
	grep '^sprout-boot\|^sprout-vm: [0-9]' "$T/console.$2" 2>/dev/null | sed 's/^/# /'
	grep -q '^sprout-boot: bootstrap PASS' "$T/console.$2" 2>/dev/null || tail -n 15 "$T/console.$2" 2>/dev/null | sed 's/^/# /'
	check "  ... booted under UEFI, it ran its bootstrap ($(since $t) s)" grep -q '^sprout-boot: bootstrap PASS' "$T/console.$2"
	sprout --state "$1" --arch $a bootstrap --import "$T/metal.img" >"$T/imp.$2" 2>&1; rc=$?
	grep -v '^\[\|^[a-z0-9-]*  *[a-z]*  *cached' "$T/imp.$2" | sed 's/^/# /'
	check "  ... bootstrap --import takes its results" test $rc = 0
	check "  ... the report names the mode" grep -q "^bootstrap minimal for $a (mode metal)" "$T/imp.$2"
	check "  ... every digest matches digests.$a" grep -q "^digests:    all .* steps match" "$T/imp.$2"
	check "  ... and every native and packages step's digest is the chroot mode's" same_as_chroot "$1"
	rm -f "$T/metal.img"
}
for a in ${SPROUT_VMMODE_ARCHES:-x86_64}; do
	case " ${SPROUT_VM_ARCHES:-$a} " in
	*" $a "*) ;;
	*) ok "# SKIP $a: not in SPROUT_VM_ARCHES"; continue ;;
	esac
	end=$(($(date +%s) + budget))
	t=$(date +%s)
	within "$SPROUT" --state "$S" --arch $a bootstrap >"$T/bs.$a" 2>&1 &&
		within "$SPROUT" --state "$S" --arch $a build $P kernel e2fsprogs >>"$T/bs.$a" 2>&1; rc=$?
	[ $rc = 0 ] || tail -n 20 "$T/bs.$a" | sed 's/^/# /'
	check "$a: chroot mode's bootstrap, the kernel and mke2fs ($(since $t) s)" test $rc = 0
	# A state with the host stage, the kernel and mke2fs only.
	V=$T/vm.$a
	seed "$V" seed-musl seed-tcc seed-busybox seed-make seed-base seed kernel e2fsprogs
	sprout --state "$V" --arch $a plan $P >"$T/plan.$a" 2>&1
	check "  ... a second state has the host stage and the kernel, not the native steps" \
		sh -c "grep -q 'kernel *cached' '$T/plan.$a' && grep -q 'tcc-1 *build' '$T/plan.$a'"

	# Stopped (SIGTERM to sprout: a background job of this shell ignores
	# SIGINT) once tcc-1 came back from the VM; qemu ends with it.
	t=$(date +%s)
	"$SPROUT" --state "$V" --arch $a bootstrap --mode vm --accel tcg >"$T/vm1.$a" 2>&1 &
	bpid=$!
	while kill -0 $bpid 2>/dev/null && ! grep -q 'saved tcc-1 ' "$T/vm1.$a" && [ "$(left)" -gt 1 ]; do sleep 2; done
	[ "$(left)" -gt 1 ] || echo "# stopped: the budget of $budget s ran out before tcc-1 came back"
	sprout --state "$V" --arch $a build $P seed >"$T/busy.$a" 2>&1; brc=$?
	check "$a: while VM mode runs, another sprout on its state is refused" \
		sh -c "test $brc != 0 && grep -q 'another sprout is using the state directory' '$T/busy.$a'"
	q=$(ps -o pid= --ppid $bpid | head -n 1)
	kill -TERM $bpid
	wait $bpid; rc=$?
	sleep 2
	grep '^  vm | sprout-vm: saved\|^vm:\|^sprout:' "$T/vm1.$a" | sed 's/^/# /'
	check "$a: VM mode interrupted in the middle fails ($(since $t) s)" \
		sh -c "test $rc != 0 -a -n '$q' && grep -q 'saved tcc-1 ' '$T/vm1.$a'"
	check "  ... and its qemu ends with it" sh -c "! kill -0 $q 2>/dev/null"
	t=$(date +%s)
	s4=
	[ "$full" = 1 ] && s4=--stage4
	within "$SPROUT" --state "$V" --arch $a bootstrap --mode vm --accel tcg $s4 >"$T/vm2.$a" 2>&1; rc=$?
	grep -v '^  vm | \|^\[\|^[a-z0-9-]*  *[a-z]*  *cached' "$T/vm2.$a" | sed 's/^/# /'
	check "$a: VM mode run again passes ($(since $t) s)" test $rc = 0
	check "  ... the report names the mode" grep -q "^bootstrap minimal for $a (mode vm)" "$T/vm2.$a"
	check "  ... it took what came back before the interruption" grep -q "^vm: .* came back from the last run's results disk" "$T/vm2.$a"
	check "  ... and built only the rest" sh -c "! grep -q '^  vm | \[[0-9]*/[0-9]*\] start  *musl ' '$T/vm2.$a'"
	check "  ... every digest matches digests.$a" grep -q "^digests:    all .* steps match" "$T/vm2.$a"
	check "  ... the smoke test ran in the VM" grep -q "^smoke:      sh: .*ok" "$T/vm2.$a"
	if [ "$full" = 1 ]; then
		check "  ... then stage 4 in the VM: its five packages rebuilt bit-identically" \
			sh -c "test \$(grep -c '^  vm |             .*\.spk  *identical ' '$T/vm2.$a') = 5 && grep -q '^stage4:     ok inside the VM' '$T/vm2.$a'"
		check "  ... by the sprout the system's tcc built, in sandboxes of the VM's kernel" \
			sh -c "grep -q '^  vm |  *stage4: building sprout with /usr/bin/tcc' '$T/vm2.$a' && grep -q '^  vm |  *minimal-stage4: 14 built, 0 cached, 0 failed' '$T/vm2.$a' && grep -q 'each step in a sandbox of its own' '$T/vm2.$a'"
	fi
	check "  ... and every native and packages step's digest is the chroot mode's" same_as_chroot "$V"

	if [ "$full" = 1 ]; then
		# Bare metal from the host stage: the disk builds every native step.
		M=$T/metal.$a
		seed "$M" seed-musl seed-tcc seed-busybox seed-make seed-base seed kernel e2fsprogs
		metal "$M" $a
		check "  ... all nine native and packages steps came from the disk" \
			sh -c "grep -q '^metal: *9 steps came back' '$T/imp.$a' && grep -q ' 9 in the disk.s run, ' '$T/imp.$a'"
	else
		# Bare metal in V, which loses the plan's tail: the disk rebuilds it.
		# Last step first: a step's key (and path) is known only while the
		# steps it depends on are in the store.
		for s in smoke rootfs base make; do x=$(in_store "$V" $s) && chmod -R u+w "$x" && rm -rf "$x"; done
		sprout --state "$V" --arch $a plan $P >"$T/plan2.$a" 2>&1
		check "$a: the VM mode's state without make, base, rootfs and smoke" \
			sh -c "grep -q 'busybox *cached' '$T/plan2.$a' && grep -q 'make *build' '$T/plan2.$a' && grep -q 'smoke *build' '$T/plan2.$a'"
		metal "$V" $a
		check "  ... the four steps came from the disk" \
			sh -c "grep -q '^metal: *4 steps came back' '$T/imp.$a' && grep -q ' 4 in the disk.s run, ' '$T/imp.$a'"
	fi
done
echo "1..$n"
