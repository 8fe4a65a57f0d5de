# sprout boot and bootstrap --boot on a small plan, against a stand-in
# qemu-system-ARCH early in PATH (no kernel, no VM: make check-vm boots the
# real ones): the initramfs it is given holds the final system and the boot
# overlay, the console's report and result are read, a failed smoke test
# fails the command, and bootstrap --boot boots the system it just built.
. "$TOP/tests/e2e/lib.sh"
P=$T/plan S=$T/state
a=$(uname -m)
mkdir -p "$T/bin"
mkrec() { mkdir -p "$P/recipes/$1"; { printf 'name %s\nversion 1\nlicense MIT\n' "$1"; cat; } >"$P/recipes/$1/recipe"; }
# The final system is built in a seed of the host's dash and mkdir, so that
# no host-built file is left in it (the bootstrap checks that).
seed_recipe "$P/recipes/seed" /bin/mkdir
mkrec tree <<'R'
build native
	mkdir -p "$DESTDIR/usr/bin"
	echo "a file of the final system" >"$DESTDIR/usr/bin/hello"
R
mkrec fakekernel <<'R'
build host
	mkdir -p "$DESTDIR/boot"
	printf 'MZ not a kernel\n' >"$DESTDIR/boot/vmlinuz"
R
mkrec smoke <<'R'
build native
	mkdir -p "$DESTDIR/smoke"
	echo "hello: ok" >"$DESTDIR/smoke/report"
R
cat >"$P/plan" <<'R'
plan tinyboot
arches x86_64 aarch64
recipes recipes
set SOURCE_DATE_EPOCH 1700000000
final tree
smoke smoke
stage host
	step seed
	step kernel fakekernel ondemand=yes
stage native rootfs=seed
	step tree
	step smoke
R
# The stand-in: keeps its arguments and its initramfs, prints what sprout's
# init prints, with the result in $T/result.
cat >"$T/bin/qemu-system-$a" <<Q
#!/bin/sh
echo "\$*" >"$T/qemu.args"
while [ \$# -gt 0 ]; do [ "\$1" = -initrd ] && cp "\$2" "$T/initrd.gz"; shift; done
echo 'Linux version 6.1'
echo 'sprout-boot: init on Linux 6.1 $a'
echo 'sprout-boot: report begin'
echo 'sh: runs a script: ok'
echo 'sprout-boot: report end'
echo "sprout-boot: smoke \$(cat "$T/result")"
Q
chmod 755 "$T/bin/qemu-system-$a"
echo PASS >"$T/result"
sp() { PATH="$T/bin:$PATH" "$SPROUT" --state "$S" "$@" >"$T/out" 2>&1; }

sp boot "$P" --timeout 0; rc=$?
check "boot --timeout 0: a usage error (2)" sh -c "test $rc = 2 && grep -q 'bad option value' '$T/out'"
sp boot "$P"; rc=$?
check "boot: builds what it needs and passes with the stand-in's report" \
	sh -c "test $rc = 0 && grep -q '^result:     PASS: tinyboot for $a booted (initramfs)' '$T/out'"
check "  ... the report's lines are the console's" grep -q '^smoke:      sh: runs a script: ok' "$T/out"
check "  ... qemu got the kernel step's vmlinuz and sprout's init" \
	sh -c "grep -q -- '-kernel [^ ]*/out/boot/vmlinuz .*rdinit=/usr/sbin/init SPROUT_BOOT=test' '$T/qemu.args'"
gzip -dc "$T/initrd.gz" | cpio -it --quiet >"$T/initrd.list" 2>/dev/null
check "  ... its initramfs holds the final system and the boot overlay" \
	sh -c "grep -qx usr/bin/hello '$T/initrd.list' && grep -qx usr/sbin/init '$T/initrd.list'"
echo FAIL >"$T/result"
sp boot "$P"; rc=$?
check "a failed smoke test in the VM: exit 1" \
	sh -c "test $rc = 1 && grep -q '^result:     FAILED: the smoke test failed in the VM' '$T/out'"

# bootstrap --boot: the bootstrap, then the boot of what it built.
echo PASS >"$T/result"
sp bootstrap --plan "$P" --update-digests
rm -f "$T/qemu.args"
sp bootstrap --plan "$P" --boot; rc=$?
check "bootstrap --boot: the bootstrap, then the boot, passes" \
	sh -c "test $rc = 0 && grep -q '^bootstrap tinyboot for $a' '$T/out' && grep -q '^result:     PASS: tinyboot for $a booted' '$T/out'"
check "  ... and its report does not tell to boot it again" sh -c "! grep -q '^boot it:' '$T/out'"
echo FAIL >"$T/result"
sp bootstrap --plan "$P" --boot; rc=$?
check "bootstrap --boot fails when the smoke test fails in the VM" \
	sh -c "test $rc = 1 && grep -q '^result:     ok' '$T/out' && grep -q '^result:     FAILED: the smoke test failed in the VM' '$T/out'"
echo "1..$n"
