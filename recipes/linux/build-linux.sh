# Configure and build Linux for recipes/linux, from the build tree: its
# arguments are make's variables for the stage (CROSS_COMPILE=, HOSTCC= ...);
# it reads ARCH, JOBS and DESTDIR, and LINUX_PATCHES (files of patches/ to
# apply after Debian's DFSG patches, if any).
set -e
mkdir deb
tar -C deb -xJf linux_6.1.187-1.debian.tar.xz debian/patches/series debian/patches/debian/dfsg
cd linux-6.1.187
for p in $(sed -n 's,^\(debian/dfsg/[^ ]*\.patch\).*,\1,p' ../deb/debian/patches/series); do
	patch -p1 <"../deb/debian/patches/$p"
done
for p in ${LINUX_PATCHES-}; do
	patch -p1 <"../patches/$p"
done
case $ARCH in
x86_64) karch=x86_64 image=arch/x86/boot/bzImage ;;
aarch64) karch=arm64 image=arch/arm64/boot/Image ;;
*) echo "linux: no configuration for $ARCH" >&2; exit 1 ;;
esac
export KBUILD_BUILD_TIMESTAMP="@$SOURCE_DATE_EPOCH" KBUILD_BUILD_USER=sprout KBUILD_BUILD_HOST=sprout
export KBUILD_BUILD_VERSION=1
set -- ARCH="$karch" "$@"
make "$@" tinyconfig
scripts/kconfig/merge_config.sh -m .config ../common.config "../$ARCH.config"
make "$@" olddefconfig
# Every option of the fragments made it (kconfig drops one whose
# dependencies are missing without a word).
grep -h '^CONFIG_\|^# CONFIG_.* is not set$' ../common.config "../$ARCH.config" | while read -r l; do
	grep -qxF "$l" .config || { echo "linux: not in .config: $l" >&2; exit 1; }
done
make "$@" -j"$JOBS" "${image##*/}"
mkdir -p "$DESTDIR/boot"
cp "$image" "$DESTDIR/boot/vmlinuz"
cp .config "$DESTDIR/boot/config"
cp System.map "$DESTDIR/boot/System.map"
