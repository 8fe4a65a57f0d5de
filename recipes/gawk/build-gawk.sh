# Configure, build and install gawk for recipes/gawk; the arguments are the
# stage's own configure options. Reads JOBS, BUILDDIR and DESTDIR.
set -e
cd gawk-5.2.1
./configure "$@" --prefix=/usr --disable-nls --disable-extensions --without-readline \
	--without-mpfr CFLAGS="-O2 -ffile-prefix-map=$BUILDDIR=." MAKEINFO=true >configure.log
make -j"$JOBS" MAKEINFO=true
make install DESTDIR="$DESTDIR" MAKEINFO=true >install.log
rm -rf "$DESTDIR/usr/share/info" "$DESTDIR/usr/share/man" "$DESTDIR/usr/share/locale"
rm -f "$DESTDIR/usr/bin/awk"
test -x "$DESTDIR/usr/bin/gawk"
