# Configure, build and install bison for recipes/bison; the arguments are
# the stage's own configure options. Reads JOBS, BUILDDIR and DESTDIR.
# M4 is where the root tree has it, whatever the build machine's is.
set -e
cd bison-3.8.2
./configure "$@" --prefix=/usr --disable-nls --disable-yacc M4=/usr/bin/m4 \
	CFLAGS="-O2 -ffile-prefix-map=$BUILDDIR=." MAKEINFO=true HELP2MAN=true >configure.log
# Debian's +dfsg orig has no manual (doc/bison.texi), from which the
# Makefile would make the Info manual (all-local's doc/bison.info.bak) and
# extract the example grammars (examples/extracted.stamp); none of them is
# installed here: no Info manual, no extracted examples (their variables
# are emptied on make's command line, and all-local's rule loses its
# prerequisite in the generated Makefile).
sed 's|^all-local: \$(srcdir)/\$(doc_bison).info.bak$|all-local:|' Makefile >Makefile.new
mv Makefile.new Makefile
grep -qx 'all-local:' Makefile
set -- MAKEINFO=true HELP2MAN=true INFO_DEPS= mfcalc_extracted= rpcalc_extracted= calcxx_extracted= \
	calcxx_sources_extracted= simple_extracted=
make -j"$JOBS" "$@"
make install DESTDIR="$DESTDIR" "$@" >install.log
rm -rf "$DESTDIR/usr/share/info" "$DESTDIR/usr/share/man" "$DESTDIR/usr/share/locale" \
	"$DESTDIR/usr/share/doc"
test -x "$DESTDIR/usr/bin/bison"
