# Configure, build and install bison for recipes/bison; the arguments are
# the stage's own configure options. Reads JOBS, BUILDDIR and DESTDIR.
# M4 is where the root tree has it, whatever the build machine's is.
set -e
cd bison-3.8.2
# Debian's repack leaves the manual out (doc/bison.texi and the figures it
# includes, under the GFDL), which make wants for the info manual and for
# the examples extracted from it. Stand-ins dated 2000 make both look made
# (Debian's own build does the same); no manual is installed. PERL=true:
# perl (which no seed has) only post-processes that manual.
mkdir -p doc/figs
touch -d @946684800 doc/bison.texi doc/version.texi doc/bison.info \
	doc/figs/example.txt doc/figs/example-reduce.txt doc/figs/example-shift.txt
./configure "$@" --prefix=/usr --disable-nls --disable-yacc M4=/usr/bin/m4 \
	CFLAGS="-O2 -ffile-prefix-map=$BUILDDIR=." MAKEINFO=true HELP2MAN=true >configure.log
make -j"$JOBS" MAKEINFO=true HELP2MAN=true PERL=true
make install DESTDIR="$DESTDIR" MAKEINFO=true HELP2MAN=true PERL=true >install.log
rm -rf "$DESTDIR/usr/share/info" "$DESTDIR/usr/share/man" "$DESTDIR/usr/share/locale" \
	"$DESTDIR/usr/share/doc"
test -x "$DESTDIR/usr/bin/bison"
