# Configure, build and install glibc 2.36 (recipes/glibc): the 64-bit
# library, and on x86_64 the 32-bit (i686) one beside it (multilib).
#
#   sh build-glibc.sh DEST HEADERS [TOOLPREFIX]
#
# DEST is the root to install into (a toolchain's sysroot or the system's
# root), HEADERS the Linux UAPI headers' include directory, TOOLPREFIX
# what names the target's tools: "$ARCH-sprout-linux-gnu-" for a cross
# build; none for a native one (build = host). Reads ARCH, JOBS and
# BUILDDIR.
#
# Library directories: GCC's own (docs/gnu-glibc.md says why): 64-bit in
# /usr/lib64 (and on aarch64 the loader in /usr/lib, where the psABI's
# /lib/ld-linux-aarch64.so.1 finds it), 32-bit in /usr/lib; locales shared,
# in /usr/lib/locale. The psABI's loader paths, /lib64/ld-linux-x86-64.so.2
# and /lib/ld-linux.so.2, reach them through lib64 -> usr/lib64 (made here)
# and lib -> usr/lib (recipes/base).
set -e
dest=$1 headers=$2 tp=${3-}
src=$BUILDDIR/glibc-2.36
host=$ARCH-sprout-linux-gnu
build=$host
if [ -n "$tp" ]; then build=$(sh "$src/scripts/config.guess"); fi
case $ARCH in
x86_64) rtld64=/usr/lib64 ;;
aarch64) rtld64=/usr/lib ;;
*) echo "build-glibc.sh: no glibc layout for $ARCH" >&2; exit 1 ;;
esac

# Debian's patches that are applied (recipes/glibc says why these):
# upstream's release/2.36 branch, then Debian's own for its orig without
# the manual (a manual/Makefile that needs no .texi, and no test that
# reads the manual's errno.texi).
for p in git-updates.diff all/local-remove-manual.diff; do
	(cd "$src" && patch -p1 -s <"$BUILDDIR/debian/patches/$p")
done

# configure DIR HOST CC LIBDIR RTLDDIR: one configured build tree, whose
# programs all go to /usr (ldconfig and sln too: /sbin is recipes/base's
# symlink to usr/sbin, as /lib is to usr/lib). No C++
# compiler (glibc uses one for tests only), no translations (MSGFMT=:
# makes no catalogue, whether or not the build machine has a msgfmt: the
# seed has none, the host may), no manual (MAKEINFO=:; Debian's orig has
# none), tools named explicitly so that none of the build machine's is
# taken by mistake.
glibc_configure() {
	mkdir "$1"
	cd "$1"
	"$src/configure" --prefix=/usr --build="$build" --host="$2" --libdir="$4" \
		--with-headers="$headers" --disable-werror --without-selinux --without-gd \
		libc_cv_slibdir="$4" libc_cv_rtlddir="$5" libc_cv_complocaledir=/usr/lib/locale \
		libc_cv_rootsbindir=/usr/sbin \
		CC="$3" CXX=false AR="${tp}ar" AS="${tp}as" LD="${tp}ld" NM="${tp}nm" \
		OBJCOPY="${tp}objcopy" OBJDUMP="${tp}objdump" RANLIB="${tp}ranlib" \
		READELF="${tp}readelf" STRIP="${tp}strip" MSGFMT=: MAKEINFO=: \
		CFLAGS="-O2 -ffile-prefix-map=$BUILDDIR=." >configure.log
	cd "$BUILDDIR"
}

# The charmaps are installed as they are (INSTALL_UNCOMPRESSED): gzip's
# output would depend on which gzip ran (the host's or BusyBox's).
glibc_configure build64 "$host" "${tp}gcc" /usr/lib64 "$rtld64"
make -C build64 -j"$JOBS"
make -C build64 install DESTDIR="$dest" INSTALL_UNCOMPRESSED=yes >build64/install.log
mkdir -p "$dest/usr/lib"
ln -s usr/lib64 "$dest/lib64"

if [ "$ARCH" = x86_64 ]; then
	# Natively, build = host for the 32-bit library too: the kernel runs
	# i686 programs, so configure's tests run them.
	if [ -z "$tp" ]; then build=i686-sprout-linux-gnu; fi
	glibc_configure build32 i686-sprout-linux-gnu "${tp}gcc -m32" /usr/lib /usr/lib
	make -C build32 -j"$JOBS"
	make -C build32 install DESTDIR="$BUILDDIR/root32" INSTALL_UNCOMPRESSED=yes >build32/install.log
	# The two installs' headers are the same but for the stubs and the
	# library names of each ABI, which the shared stubs.h and lib-names.h
	# choose between: the 32-bit ones join the 64-bit tree, and its
	# libraries go to /usr/lib. Its programs (iconv, ldd ...) are the
	# 64-bit install's.
	diff -r -x stubs-32.h -x stubs-64.h -x lib-names-32.h -x lib-names-64.h \
		"$dest/usr/include" root32/usr/include
	cp root32/usr/include/gnu/stubs-32.h root32/usr/include/gnu/lib-names-32.h "$dest/usr/include/gnu/"
	cp -a root32/usr/lib/. "$dest/usr/lib/"
fi

# Natively, the C.UTF-8 locale (glibc's own source for it, localedata/
# locales/C, with the UTF-8 charmap the install put in usr/share/i18n),
# compiled by the new localedef, run by the new loader on the new
# libraries, into usr/lib/locale/C.utf8 (no locale-archive). A cross build
# leaves it to the native stage: the target's localedef cannot be
# expected to run on the build machine.
if [ -z "$tp" ]; then
	case $ARCH in
	x86_64) ld=$dest/usr/lib64/ld-linux-x86-64.so.2 ;;
	aarch64) ld=$dest/usr/lib/ld-linux-aarch64.so.1 ;;
	esac
	mkdir -p "$dest/usr/lib/locale"
	I18NPATH=$dest/usr/share/i18n "$ld" --library-path "$dest/usr/lib64" "$dest/usr/bin/localedef" \
		--prefix="$dest" --no-archive -i C -f UTF-8 C.UTF-8
	test -f "$dest/usr/lib/locale/C.utf8/LC_CTYPE"
fi
