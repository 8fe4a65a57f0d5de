# Configure, build and install bison for recipes/bison; the arguments are
# the stage's own configure options. Reads JOBS, BUILDDIR and DESTDIR.
# M4 is where the root tree has it, whatever the build machine's is.
set -e
cd bison-3.8.2
./configure "$@" --prefix=/usr --disable-nls --disable-yacc M4=/usr/bin/m4 \
	CFLAGS="-O2 -ffile-prefix-map=$BUILDDIR=." MAKEINFO=true HELP2MAN=true >configure.log
make -j"$JOBS" MAKEINFO=true HELP2MAN=true
make install DESTDIR="$DESTDIR" MAKEINFO=true HELP2MAN=true >install.log
rm -rf "$DESTDIR/usr/share/info" "$DESTDIR/usr/share/man" "$DESTDIR/usr/share/locale" \
	"$DESTDIR/usr/share/doc"
test -x "$DESTDIR/usr/bin/bison"
