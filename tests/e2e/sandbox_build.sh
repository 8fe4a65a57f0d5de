# A plan built in the sandbox: as root and as an unprivileged user the
# steps see the same world and give the same digests; a step that does not
# look at its environment gives the same digest under the plain runner; a
# native stage runs in a rootfs built by an earlier step, nothing of the
# host's. As root, the unprivileged runs use the user sprout-test (created
# when missing).
. "$TOP/tests/e2e/lib.sh"
chmod 755 "$T"
P=$T/plan
mkdir -p "$P/recipes/prog" "$P/recipes/facts" "$P/recipes/seed" "$P/recipes/inside"
cat >"$P/recipes/prog/recipe" <<'R'
name prog
version 1
license MIT
build host
	printf '#include <stdio.h>\nint main(void){puts("hi");return 0;}\n' >hi.c
	cc -O2 -o hi hi.c
	strip hi
	mkdir -p "$DESTDIR/usr/bin"
	cp hi "$DESTDIR/usr/bin/hi"
	"$DESTDIR/usr/bin/hi" >"$DESTDIR/usr/bin/hi.out"
R
cat >"$P/recipes/facts/recipe" <<'R'
name facts
version 1
license MIT
depends prog
build host
	mkdir -p "$DESTDIR/facts"
	{ id -u; id -g; uname -n; umask; pwd; echo "$BUILDDIR $DESTDIR $SYSROOT $DEPS"; } >"$DESTDIR/facts/who"
	"$DEPS/prog/usr/bin/hi" >"$DESTDIR/facts/hi"
	cat "$SYSROOT/usr/bin/hi.out" >>"$DESTDIR/facts/hi"
	test ! -e /root && test ! -e /home && echo hidden >"$DESTDIR/facts/hidden"
R
# A seed root: the host's dash and the C library, nothing else.
cat >"$P/recipes/seed/recipe" <<'R'
name seed
version 1
license MIT
build host
	for f in /bin/dash "$(readlink -f /lib64/ld-linux-x86-64.so.2)" /lib/x86_64-linux-gnu/libc.so.6; do
		test -e "$f" || { echo "no $f: not a Debian x86_64 host"; exit 1; }
	done
	mkdir -p "$DESTDIR/bin" "$DESTDIR/lib64" "$DESTDIR/lib/x86_64-linux-gnu" "$DESTDIR/etc"
	cp /bin/dash "$DESTDIR/bin/sh"
	cp /lib/x86_64-linux-gnu/libc.so.6 "$DESTDIR/lib/x86_64-linux-gnu/"
	cp "$(readlink -f /lib64/ld-linux-x86-64.so.2)" "$DESTDIR/lib64/ld-linux-x86-64.so.2"
	echo seed >"$DESTDIR/etc/seed-release"
R
cat >"$P/recipes/inside/recipe" <<'R'
name inside
version 1
license MIT
depends seed
build native
	cd /
	echo * >"$DESTDIR/root-listing"
	read r </etc/seed-release
	echo "$r $(echo /usr/* /home/*)" >"$DESTDIR/seen"
R
cat >"$P/plan" <<'R'
plan sbx
arches x86_64
recipes recipes
set SOURCE_DATE_EPOCH 1700000000
stage host
	step prog
	step facts
	step seed
stage native rootfs=seed
	step inside
R
chmod -R a+rX "$P"

digest() { # state step
	cat "$1/store/$(head -c 64 "$1/last/sbx/x86_64/$2")/digest" 2>/dev/null
}
out() { # state step file
	cat "$1/store/$(head -c 64 "$1/last/sbx/x86_64/$2")/out/$3" 2>/dev/null
}

if [ "$(uname -m)" != x86_64 ]; then
	ok "# SKIP not an x86_64 host"
	exit 0
fi

if [ "$(id -u)" = 0 ]; then
	id sprout-test >/dev/null 2>&1 ||
		useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin sprout-test \
			>/dev/null 2>&1
	if id sprout-test >/dev/null 2>&1; then
		as_user() { setpriv --reuid="$(id -u sprout-test)" --regid="$(id -g sprout-test)" --clear-groups "$@"; }
	else
		as_user() { return 1; }
	fi
else
	as_user() { "$@"; }
fi

sprout --state "$T/root" --runner=sandbox build "$P" >"$T/root.out" 2>&1
check "the plan builds in the sandbox" grep -q '^sbx: 4 built' "$T/root.out"
who=$(out "$T/root" facts facts/who | tr '\n' ' ')
check "a step sees uid 0, gid 0, hostname sprout, umask 022, fixed paths ($who)" \
	test "$who" = "0 0 sprout 0022 /build /build /destdir /sysroot /deps "
check "  ... its dependency at \$DEPS/NAME and \$SYSROOT" test "$(out "$T/root" facts facts/hi)" = "hi
hi"
check "  ... and neither /root nor /home" test "$(out "$T/root" facts facts/hidden)" = hidden
check "a native step sees the rootfs and the sandbox's mounts only" \
	test "$(out "$T/root" inside root-listing)" = "bin build deps destdir dev etc lib lib64 proc sysroot tmp"
check "  ... nothing of the host's /usr or /home" test "$(out "$T/root" inside seen)" = "seed /usr/* /home/*"

mkdir -p "$T/user"
chmod 777 "$T/user"
if [ "$(id -u)" = 0 ] && ! id sprout-test >/dev/null 2>&1; then
	ok "# SKIP no user sprout-test"
else
	as_user "$SPROUT" --state "$T/user/state" --runner=sandbox build "$P" >"$T/user.out" 2>&1
	check "rootless, the plan builds in the sandbox" grep -q '^sbx: 4 built' "$T/user.out"
	for s in prog facts seed inside; do
		check "  ... step $s has the same digest as with root" test -n "$(digest "$T/root" $s)" -a \
			"$(digest "$T/root" $s)" = "$(digest "$T/user/state" $s)"
	done
fi

sprout --state "$T/plain" --runner=plain build "$P" prog >"$T/plain.out" 2>&1
check "a step that does not look around has the same digest under the plain runner" \
	test -n "$(digest "$T/plain" prog)" -a "$(digest "$T/plain" prog)" = "$(digest "$T/root" prog)"
echo "1..$n"
