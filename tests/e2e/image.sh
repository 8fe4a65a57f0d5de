# sprout image on a small plan: every format twice, as root and rootless,
# gives the same bytes, and a real reader takes each: GNU cpio, e2fsck and
# debugfs, skopeo, sfdisk and fsck.fat. The kernel of the disk image is a
# stand-in (no kernel build here: make check-vm boots the real one); mke2fs
# is the plan's e2fsprogs step, built from its pinned source.
# SPROUT_DISTFILES=DIR reuses a distfiles directory (to save downloads).
. "$TOP/tests/e2e/lib.sh"
P=$T/plan
S=$T/state
mkdir -p "$P/recipes/tree" "$P/recipes/fakekernel" "$S"
cp -r "$TOP/recipes/e2fsprogs" "$P/recipes/"
if [ -n "${SPROUT_DISTFILES:-}" ]; then cp -r "$SPROUT_DISTFILES" "$S/distfiles"; fi
cat >"$P/recipes/tree/recipe" <<'R'
name tree
version 1
license MIT
build host
	cd "$DESTDIR"
	mkdir -p usr/bin usr/share/doc/deep/er etc tmp
	ln -s usr/bin bin
	printf '#!/bin/sh\necho hello\n' >usr/bin/hello
	chmod 755 usr/bin/hello
	printf 'root:x:0:0:root:/root:/bin/sh\n' >etc/passwd
	head -c 100000 /dev/zero | tr '\0' x >usr/share/doc/big
	: >usr/share/doc/deep/er/empty
	ln -s ../bin/hello usr/bin/hi
	chmod 1777 tmp
R
cat >"$P/recipes/fakekernel/recipe" <<'R'
name fakekernel
version 1
license MIT
build host
	mkdir -p "$DESTDIR/boot"
	printf 'MZ not a kernel\n' >"$DESTDIR/boot/vmlinuz"
R
cat >"$P/plan" <<'R'
plan img
arches x86_64 aarch64
default-arch host
recipes recipes
set SOURCE_DATE_EPOCH 1700000000
stage host
	step tree
	step kernel fakekernel ondemand=yes
	step e2fsprogs ondemand=yes
final tree
R
img() { "$SPROUT" --runner=plain -q --state "$1" image "$P" --format "$2" -o "$3" 2>"$3.err"; }

# What an image needs that the plan lacks is named before anything builds.
mkdir -p "$T/nofinal" "$T/nokernel"
sed '/^final/d' "$P/plan" >"$T/nofinal/plan"
sed '/step kernel/d' "$P/plan" >"$T/nokernel/plan"
ln -s "$P/recipes" "$T/nofinal/recipes"
ln -s "$P/recipes" "$T/nokernel/recipes"
"$SPROUT" --runner=plain --state "$T/s0" image "$T/nofinal" --format tar -o "$T/x.tar" >/dev/null 2>"$T/x.err"; rc=$?
check "a plan without a final step: exit 3, saying so" \
	sh -c "test $rc = 3 && grep -q 'plan img has no final step: no system to make an image of' '$T/x.err' && test ! -e '$T/s0/store'"
"$SPROUT" --runner=plain --state "$T/s0" image "$T/nokernel" --format disk -o "$T/x.img" >/dev/null 2>"$T/x.err"; rc=$?
check "a disk image of a plan without a kernel step: exit 3, naming it" \
	sh -c "test $rc = 3 && grep -q \"plan img has no step 'kernel', which this needs\" '$T/x.err'"

# Root (or whoever runs the tests) first: everything is built here.
for f in tar cpio ext4 oci disk; do
	img "$S" $f "$T/a.$f" >"$T/a.$f.sum"; rc=$?
	[ $rc = 0 ] || sed 's/^/# /' "$T/a.$f.err" | tail -n 20
	check "image --format $f writes an image and prints its sha256" \
		sh -c "test $rc = 0 && grep -Eq '^[0-9a-f]{64}  $T/a.$f' '$T/a.$f.sum'"
	img "$S" $f "$T/b.$f" >"$T/b.$f.sum"
	check "  ... the same bytes on a second run" sh -c "test \"\$(cut -d' ' -f1 '$T/a.$f.sum')\" = \"\$(cut -d' ' -f1 '$T/b.$f.sum')\""
done
check "  ... the file's own sha256 is the one printed" \
	test "$(sha256sum "$T/a.disk" | cut -d' ' -f1)" = "$(cut -d' ' -f1 "$T/a.disk.sum")"
check "  ... and the OCI layouts are identical files" diff -r "$T/a.oci" "$T/b.oci"

# Each format read back.
check "tar: members owned by 0/0, times clamped" sh -c "tar -tvf '$T/a.tar' | grep -q '^-rwxr-xr-x 0/0 .* 2023-11-14 22:13 usr/bin/hello$'"
if command -v cpio >/dev/null; then
	zcat "$T/a.cpio" | cpio -itv --quiet >"$T/cpio.list" 2>&1
	check "cpio: GNU cpio reads every entry back, sorted" \
		sh -c "test \"\$(zcat '$T/a.cpio' | cpio -it --quiet | head -n 4 | tr '\n' ' ')\" = 'bin etc etc/passwd tmp '"
	check "  ... owned by root, file data intact" sh -c "grep -q '^-rwxr-xr-x .* root *root .*usr/bin/hello$' '$T/cpio.list' &&
		mkdir '$T/x' && cd '$T/x' && zcat '$T/a.cpio' | cpio -id --quiet && test \"\$(sh usr/bin/hello)\" = hello &&
		test \$(wc -c <usr/share/doc/big) = 100000"
	check "  ... gzip without a name or a time" sh -c "test \"\$(od -An -tx1 -j4 -N4 '$T/a.cpio' | tr -d ' ')\" = 00000000"
else
	ok "# SKIP no GNU cpio (sh mk/deps.sh --test)"
fi
check "ext4: e2fsck -fn finds nothing wrong" e2fsck -fn "$T/a.ext4"
check "  ... debugfs reads the files, owned by 0 and dated SOURCE_DATE_EPOCH" sh -c "
	debugfs -R 'cat /usr/bin/hello' '$T/a.ext4' 2>/dev/null | grep -q 'echo hello' &&
	debugfs -R 'stat /usr/share/doc/big' '$T/a.ext4' 2>/dev/null | grep -q 'User: *0 *Group: *0' &&
	debugfs -R 'stat /usr/share/doc/big' '$T/a.ext4' 2>/dev/null | grep -q 'ctime: .*Tue Nov 14 22:13:20 2023'"
if command -v skopeo >/dev/null; then
	check "oci: skopeo inspects the layout" sh -c "skopeo inspect 'oci:$T/a.oci' >'$T/inspect' 2>&1 && grep -q '\"Architecture\": \"amd64\"\\|\"Architecture\": \"arm64\"' '$T/inspect'"
	check "  ... and copies it" skopeo copy -q "oci:$T/a.oci" "oci:$T/copy.oci"
else
	ok "# SKIP no skopeo (sh mk/deps.sh --test)"
fi
if command -v sfdisk >/dev/null; then
	sfdisk -d "$T/a.disk" >"$T/sfdisk" 2>&1
	check "disk: sfdisk reads a GPT with an EFI system partition and a root partition" sh -c "
		grep -q '^label: gpt' '$T/sfdisk' && grep -qi 'label-id: 73707274-0000-4000-8000-000000000000' '$T/sfdisk' &&
		grep -qi 'type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B, uuid=73707274-0000-4000-8000-000000000001' '$T/sfdisk' &&
		grep -qi 'uuid=73707274-0000-4000-8000-000000000002' '$T/sfdisk'"
	check "  ... which fdisk -l lists without a complaint" sh -c "fdisk -l '$T/a.disk' 2>&1 | grep -q 'EFI System' && ! fdisk -l '$T/a.disk' 2>&1 | grep -qi 'corrupt\|mismatch\|invalid'"
	start=$(sed -n 's/.*start= *\([0-9]*\),.*uuid=73707274-0000-4000-8000-000000000002.*/\1/p' "$T/sfdisk")
	dd if="$T/a.disk" of="$T/root.ext4" bs=512 skip="$start" status=none 2>/dev/null
	check "  ... its root partition is the ext4 file system, with sprout's init" sh -c "e2fsck -fn '$T/root.ext4' >/dev/null 2>&1 &&
		debugfs -R 'stat /usr/sbin/init' '$T/root.ext4' 2>/dev/null | grep -q 'Mode: *0755'"
	dd if="$T/a.disk" of="$T/esp.img" bs=512 skip=2048 count=131072 status=none 2>/dev/null
	if command -v fsck.fat >/dev/null && command -v mtype >/dev/null; then
		check "  ... its ESP is a FAT file system fsck.fat accepts" fsck.fat -n "$T/esp.img"
		check "  ... holding the kernel as EFI/BOOT/BOOT*.EFI and its command line" sh -c "
			mtype -i '$T/esp.img' ::EFI/BOOT/BOOT*.EFI | grep -q 'MZ not a kernel' &&
			mtype -i '$T/esp.img' ::EFI/BOOT/CMDLINE.TXT | grep -q 'root=PARTUUID=73707274-0000-4000-8000-000000000002'"
	else
		ok "# SKIP no dosfstools or mtools (sh mk/deps.sh --test)"
	fi
else
	ok "# SKIP no sfdisk (sh mk/deps.sh --test)"
fi
fails "an unknown format is refused" sh -c "'$SPROUT' --state '$S' image '$P' --format zip 2>/dev/null"

# Rootless: another user, with a copy of the state, gets the same bytes.
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
	id sprout-test >/dev/null 2>&1 ||
		useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin sprout-test >/dev/null 2>&1
	if id sprout-test >/dev/null 2>&1; then
		U=$T/user
		mkdir -p "$U" && cp -a "$S" "$U/state" && cp -a "$P" "$U/plan" && chown -R sprout-test:sprout-test "$U" && chmod 755 "$T"
		for f in tar cpio ext4 oci disk; do
			setpriv --reuid="$(id -u sprout-test)" --regid="$(id -g sprout-test)" --clear-groups \
				"$SPROUT" --runner=plain -q --state "$U/state" image "$U/plan" --format $f -o "$U/c.$f" >"$U/c.$f.sum" 2>"$U/c.$f.err"
			[ -s "$U/c.$f.sum" ] || sed 's/^/# /' "$U/c.$f.err" | tail -n 5
			check "rootless: $f is the same bytes" \
				test "$(cut -d' ' -f1 "$U/c.$f.sum" 2>/dev/null)" = "$(cut -d' ' -f1 "$T/a.$f.sum")"
		done
	else
		ok "# SKIP no user sprout-test"
	fi
else
	ok "# SKIP rootless: not root, or no setpriv"
fi
