# Configure, build and install gawk for recipes/gawk; the arguments are the
# stage's own configure options. Reads JOBS, BUILDDIR and DESTDIR.
set -e
cd gawk-5.2.1
./configure "$@" --prefix=/usr --disable-nls --disable-extensions --without-readline \
	--without-mpfr CFLAGS="-O2 -ffile-prefix-map=$BUILDDIR=." MAKEINFO=true >configure.log
# Debian's orig has no manual (doc/gawktexi.in), from which doc/ makes the
# Info manual and awklib/ extracts its programs and library (igawk, grcat,
# pwcat, the awk library functions): neither directory is built, only
# gawk (the generated Makefile's SUBDIRS lose them).
sed 's/^SUBDIRS = \(.*\) extras doc awklib /SUBDIRS = \1 extras /' Makefile >Makefile.new
mv Makefile.new Makefile
grep -q '^SUBDIRS = .* extras po test$' Makefile
make -j"$JOBS" MAKEINFO=true
make install DESTDIR="$DESTDIR" MAKEINFO=true >install.log
rm -rf "$DESTDIR/usr/share/info" "$DESTDIR/usr/share/man" "$DESTDIR/usr/share/locale" "$DESTDIR/usr/etc"
rm -f "$DESTDIR/usr/bin/awk"
test -x "$DESTDIR/usr/bin/gawk"
