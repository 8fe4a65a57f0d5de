# Install the Linux UAPI headers of the unpacked kernel tree (the current
# directory) for $ARCH under $1/include: what `make headers_install` does,
# without its rsync. `make headers` builds scripts/unifdef with $HOSTCC and
# writes the cleaned headers to usr/include; the *.h files there are copied.
set -e
dest=$1
case $ARCH in
x86_64) karch=x86 ;;
aarch64) karch=arm64 ;;
*) echo "install-headers.sh: no kernel arch for $ARCH" >&2; exit 1 ;;
esac
# Debian's DFSG patches: the orig lacks a few non-free files, and the
# Makefiles and Kconfig files that named them must not.
for p in $(sed -n 's,^debian/dfsg/,,p' ../debian/patches/series); do
	patch -p1 <"../debian/patches/debian/dfsg/$p" >/dev/null
done
make ARCH="$karch" HOSTCC="${HOSTCC:-gcc}" headers >headers.log
cd usr/include
find . -name '*.h' | LC_ALL=C sort | while read -r f; do
	mkdir -p "$dest/include/${f%/*}"
	cp "$f" "$dest/include/$f"
done
test -f "$dest/include/linux/version.h" && test -f "$dest/include/asm/unistd.h"
