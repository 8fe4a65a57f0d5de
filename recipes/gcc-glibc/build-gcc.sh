# Configure, build and install GCC for recipes/gcc-glibc; the arguments
# are the stage's own configure options (build, host and target, the
# build sysroot, the compilers). Reads ARCH, JOBS, BUILDDIR and DESTDIR.
set -e
case $ARCH in
x86_64) multilib="--enable-multilib --with-multilib-list=m64,m32" ;;
*) multilib=--disable-multilib ;;
esac
rmdir gcc-12-12.2.0
mv gmp-6.2.1 gcc-12.2.0/gmp
mv mpfr-4.2.0 gcc-12.2.0/mpfr
mv mpc-1.3.1 gcc-12.2.0/mpc
# Debian's GMP repack has no doc/ (GMP's manual is under the GFDL with
# invariant sections): GMP's configure and top Makefile must not name it.
sed -i 's| doc/Makefile | |' gcc-12.2.0/gmp/configure
sed -i 's|^SUBDIRS = \(.*\) doc$|SUBDIRS = \1|' gcc-12.2.0/gmp/Makefile.in
if grep -q ' doc/Makefile ' gcc-12.2.0/gmp/configure || grep -q '^SUBDIRS = .* doc$' gcc-12.2.0/gmp/Makefile.in; then
	echo "GMP's configure or Makefile.in still names doc/" >&2; exit 1
fi
mkdir build
cd build
f="-O2 -ffile-prefix-map=$BUILDDIR=."
../gcc-12.2.0/configure "$@" --prefix=/usr --enable-languages=c,c++ \
	--enable-shared --enable-threads=posix --enable-tls $multilib --disable-nls \
	--disable-bootstrap --disable-lto --disable-plugin --without-isl --without-zstd \
	--disable-werror --disable-libgomp --disable-libitm --disable-libquadmath \
	--disable-libssp --disable-libvtv --disable-libsanitizer --disable-libstdcxx-pch \
	CFLAGS="$f" CXXFLAGS="$f" CFLAGS_FOR_TARGET="$f" CXXFLAGS_FOR_TARGET="$f" \
	MAKEINFO=true >configure.log
make -j"$JOBS" MAKEINFO=true
# Debian's repack replaces gcc/doc/tm.texi.in with a stub (the GFDL manual
# is removed), which genhooks refuses when `make install` asks for the
# manual's tm.texi; no manual is built here, so its stamp is marked done.
touch gcc/s-tm-texi
make MAKEINFO=true DESTDIR="$DESTDIR" install-strip >install.log
rm -rf "$DESTDIR/usr/share/info" "$DESTDIR/usr/share/man"
find "$DESTDIR" -name '*.la' -delete
# The cc name, beside the c++ GCC installs itself.
ln -s gcc "$DESTDIR/usr/bin/cc"
test -x "$DESTDIR/usr/bin/gcc" && test -x "$DESTDIR/usr/bin/g++"
# The shared runtime libraries, where GCC's multilib directories put
# them (m64: usr/lib64; m32: usr/lib).
d=$("$DESTDIR/usr/bin/gcc" -print-multi-os-directory)
test -f "$DESTDIR/usr/lib/$d/libstdc++.so.6" && test -f "$DESTDIR/usr/lib/$d/libgcc_s.so.1"
if [ "$ARCH" = x86_64 ]; then test -f "$DESTDIR/usr/lib/libstdc++.so.6" && test -f "$DESTDIR/usr/lib/libgcc_s.so.1"; fi
