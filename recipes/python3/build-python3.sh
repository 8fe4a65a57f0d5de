# Configure, build and install CPython for recipes/python3; the arguments
# are the stage's own configure options. Reads JOBS, BUILDDIR and DESTDIR
# (and SOURCE_DATE_EPOCH, with which CPython writes hash-checked .pyc
# files, not ones that record the sources' times). IPv6 is asked for by
# name: a cross build cannot run the getaddrinfo test that would choose it.
set -e
cd Python-3.11.2
./configure "$@" --prefix=/usr --without-ensurepip --disable-test-modules --enable-ipv6 \
	--without-static-libpython CFLAGS="-O2 -ffile-prefix-map=$BUILDDIR=." >configure.log
make -j"$JOBS"
make install DESTDIR="$DESTDIR" >install.log
rm -rf "$DESTDIR/usr/share/man"
test -x "$DESTDIR/usr/bin/python3.11" && test "$(readlink "$DESTDIR/usr/bin/python3")" = python3.11
