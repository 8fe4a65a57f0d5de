# Configure, build and install binutils for recipes/binutils-glibc; the
# arguments are the stage's own configure options (build, host and target,
# the compilers). Reads JOBS, BUILDDIR and DESTDIR.
set -e
mkdir build
cd build
f="-O2 -ffile-prefix-map=$BUILDDIR=."
../binutils-2.40/configure "$@" --prefix=/usr --disable-shared --disable-install-libbfd \
	--disable-nls --disable-werror --disable-multilib --disable-gprofng --disable-gold \
	--disable-plugins --enable-deterministic-archives --without-zstd --without-debuginfod \
	--without-msgpack --disable-gdb --disable-gdbserver --disable-sim --disable-readline \
	--disable-libdecnumber CFLAGS="$f" CXXFLAGS="$f" MAKEINFO=true >configure.log
make -j"$JOBS" MAKEINFO=true
make install-strip DESTDIR="$DESTDIR" MAKEINFO=true >install.log
rm -rf "$DESTDIR/usr/share/info" "$DESTDIR/usr/share/man"
find "$DESTDIR" -name '*.la' -delete
test -x "$DESTDIR/usr/bin/as" && test -x "$DESTDIR/usr/bin/ld"
