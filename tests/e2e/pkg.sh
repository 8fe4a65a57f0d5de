# sprout pkg end to end: packages, a signed repository, installing into a
# root and everything that must be refused (docs/package.md).
. "$TOP/tests/e2e/lib.sh"
cd "$T" || exit 1
A=$(uname -m)
# Whether this sprout can sign (built with libsodium).
sodium=
sprout pkg keygen "$T/probe" >/dev/null 2>&1 && sodium=yes

# file TREE PATH [TEXT]: a file in a tree (its path as content by default)
file() { mkdir -p "$(dirname "$T/trees/$1/$2")"; printf '%s\n' "${3:-$2}" >"$T/trees/$1/$2"; }
# pk TREE NAME VERSION [OPTIONS]: the package of a tree, into repo/
pk() { pt=$1 pn=$2 pv=$3; shift 3; sprout pkg create "$T/trees/$pt" "$pn" "$pv" -o "$T/repo/$pn-$pv.spk" "$@"; }
# snap ROOT: everything in a root but sprout's own files, with contents
snap() { (cd "$1" && find . -path ./var -prune -o -printf '%p %y %m %l\n' | sort && find . -path ./var -prune -o -type f -exec sha256sum {} + | sort); }

mkdir -p repo
file lib usr/lib/libx.so
file lib usr/include/x.h
file app usr/bin/app
chmod 755 trees/app/usr/bin/app
ln -s app trees/app/usr/bin/app-link
file tools usr/bin/tool
file other usr/bin/tool "another tool"
file ex usr/share/ex/file
check "pkg create writes packages" sh -c '
	"$SPROUT" pkg create trees/lib lib 1.0 -o repo/lib-1.0.spk --license MIT &&
	"$SPROUT" pkg create trees/app app 0.3 -o repo/app-0.3.spk --depends "lib>=1.0" --description "an app" &&
	"$SPROUT" pkg create trees/tools tools 1 -o repo/tools-1.spk --provides tool --conflicts other-tools &&
	"$SPROUT" pkg create trees/other other-tools 2 -o repo/other-tools-2.spk'
check "pkg check reads them whole" sprout pkg check repo/lib-1.0.spk repo/app-0.3.spk
sprout pkg create trees/lib lib 1.0 -o again.spk --license MIT
check "the same tree gives the same package, byte for byte" cmp repo/lib-1.0.spk again.spk
sprout pkg create trees/lib lib 1.0 -o none.spk --license MIT --compress=none
check "an uncompressed payload is allowed" sh -c '"$SPROUT" pkg check none.spk | grep -q "payload none"'
rm -f again.spk none.spk
check "pkg index" sprout pkg index repo
check "  ... lists every package" test "$(grep -c '^package ' repo/index)" = 4

# Signatures.
if [ -n "$sodium" ]; then
	check "pkg keygen" sprout pkg keygen "$T/key"
	check "  ... the secret key is private" test "$(stat -c %a "$T/key.key")" = 600
	fails "  ... and never overwritten" sprout pkg keygen "$T/key"
	sprout pkg keygen "$T/other" >/dev/null
	fails "an unsigned index is refused" sprout pkg install --root r0 --repo repo app
	check "  ... saying so" sh -c '"$SPROUT" pkg install --root r0 --repo repo app 2>&1 | grep -q "is not signed"'
	check "pkg sign" sprout pkg sign --key "$T/key.key" repo
	fails "a root without the key refuses the index" sprout pkg install --root r0 --repo repo app
	mkdir -p r0/etc/sprout/keys keys
	cp other.pub r0/etc/sprout/keys/
	cp key.pub keys/
	check "  ... naming the key" sh -c '"$SPROUT" pkg install --root r0 --repo repo app 2>&1 | grep -q "not among the trusted keys"'
	cp key.pub r0/etc/sprout/keys/
	cp -r repo badrepo
	printf '# changed\n' >>badrepo/index
	fails "an index changed after signing is refused" sprout pkg install --root r0 --repo badrepo app
	check "  ... as a bad signature" sh -c '"$SPROUT" pkg install --root r0 --repo badrepo app 2>&1 | grep -q "bad signature"'
	rm -rf badrepo
	cp -r repo badrepo
	cp repo/tools-1.spk badrepo/app-0.3.spk
	fails "a package whose sha256 differs from the index is refused" sprout pkg install --root r0 --repo badrepo app
	check "  ... saying which" sh -c '"$SPROUT" pkg install --root r0 --repo badrepo app 2>&1 | grep -q "app-0.3.spk: sha256 .*, but the index says"'
	check "  ... and nothing is installed" test -z "$(sprout pkg list --root r0)" -a ! -e r0/usr
	check "with the key, the index is trusted" sprout pkg install --root r0 --repo repo app
	trust="--repo repo --keys $T/keys"
else
	ok "# SKIP no libsodium: signatures"
	trust="--repo repo --allow-untrusted"
fi
rm -rf r0

# Installing.
sprout pkg install --root r1 $trust app >out 2>&1
check "install resolves the dependency" grep -q '^install: app 0.3-1, lib 1.0-1 (for app)$' out
check "  ... writes the files" test "$(cat r1/usr/bin/app)" = usr/bin/app -a "$(readlink r1/usr/bin/app-link)" = app
check "  ... with their modes" test "$(stat -c %a r1/usr/bin/app)" = 755
check "  ... and records them" test "$(sprout pkg list --root r1 | tr '\n' ' ')" = "app 0.3-1 lib 1.0-1 "
check "pkg verify finds no difference" sprout pkg verify --root r1
check "pkg files" sh -c '"$SPROUT" pkg files --root r1 app | grep -qx "usr/bin/app-link -> app"'
check "pkg owner" sh -c 'test "$("$SPROUT" pkg owner --root r1 /usr/include/x.h)" = "/usr/include/x.h: lib 1.0-1"'
fails "pkg owner of nothing" sprout pkg owner --root r1 /etc/passwd
check "pkg info" sh -c '"$SPROUT" pkg info --root r1 app | grep -q "^depends *lib>=1.0$"'
check "pkg info of a package file" sh -c '"$SPROUT" pkg info repo/tools-1.spk | grep -q "^provides *tool$"'
check "a second install does nothing" sh -c '"$SPROUT" pkg install --root r1 '"$trust"' app | grep -q "nothing to do"'
echo changed >r1/usr/include/x.h
chmod 700 r1/usr/bin/app
rm r1/usr/lib/libx.so
sprout pkg verify --root r1 >out 2>&1
check "pkg verify finds changed, re-moded and missing files" sh -c '
	grep -qx "lib: usr/include/x.h: 8 bytes, expected 16" out &&
	grep -qx "app: usr/bin/app: mode 0700, expected 0755" out &&
	grep -qx "lib: usr/lib/libx.so: missing" out && grep -q "3 differences" out'
fails "  ... and fails" sprout pkg verify --root r1

# Refusals, each with nothing written.
sprout pkg install --root r2 $trust app >/dev/null 2>&1
snap r2 >before
fails "remove refuses while a package needs it" sprout pkg remove --root r2 lib
check "  ... naming it" sh -c '"$SPROUT" pkg remove --root r2 lib 2>&1 | grep -q "app needs lib>=1.0"'
check "  ... unless it goes too" sprout pkg remove --root r2 lib app
check "  ... which empties the root" test -z "$(snap r2 | grep -v '^\. ')"
sprout pkg install --root r2 $trust app >/dev/null 2>&1
sprout pkg install --root r2 $trust tools >/dev/null 2>&1
snap r2 >before
fails "a conflict is refused" sprout pkg install --root r2 $trust other-tools
check "  ... naming both" sh -c '"$SPROUT" pkg install --root r2 '"$trust"' other-tools 2>&1 | grep -q "tools (installed) conflicts with other-tools"'
snap r2 >after
check "  ... nothing written" cmp -s before after
pk ex clash 1 >/dev/null
cp trees/app/usr/bin/app trees/ex/usr/share/ex/file
mkdir -p trees/clash2/usr/bin && echo mine >trees/clash2/usr/bin/app
pk clash2 clash2 1 >/dev/null
sprout pkg index repo >/dev/null
[ -n "$sodium" ] && sprout pkg sign --key key.key repo >/dev/null
fails "a file clash is refused" sprout pkg install --root r2 $trust clash2
check "  ... naming the path and both packages" sh -c '"$SPROUT" pkg install --root r2 '"$trust"' clash2 2>&1 | grep -q "file clash: usr/bin/app is a file in clash2 and a file in app (installed)"'
echo "mine" >r2/usr/bin/stray
mkdir -p trees/stray/usr/bin && echo theirs >trees/stray/usr/bin/stray
pk stray stray 1 >/dev/null
sprout pkg index repo >/dev/null
[ -n "$sodium" ] && sprout pkg sign --key key.key repo >/dev/null
snap r2 >before
fails "a file no package owns is not overwritten" sprout pkg install --root r2 $trust stray
snap r2 >after
check "  ... nothing written" cmp -s before after
check "  ... unless --overwrite" sh -c '"$SPROUT" pkg install --root r2 '"$trust"' --overwrite stray && test "$(cat r2/usr/bin/stray)" = theirs'

# Hostile packages, made by hand (docs/package.md): each refused by the
# reader, with nothing written into the root.
# spk (lib.sh) makes a well-formed package file of given parts.
# hostile NAME MANIFEST-LINES PAYLOAD [SIZE]: a package with that manifest
hostile() {
	printf 'name %s\nversion 1\nrelease 1\narch %s\nlicense MIT\ninstalled-size %s\nbuild-digest %s\n' "$1" "$A" \
		"${4:-0}" 0000000000000000000000000000000000000000000000000000000000000000 >h.meta
	printf 'sprout-manifest 1\n%b' "$2" >h.man
	printf '%s' "$3" >h.pay
	mkdir -p hostile
	spk "hostile/$1.spk" h.meta h.man h.pay
}
E=e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
X=$(printf x | sha256sum | cut -d' ' -f1)
hostile good "f 0644 1 $X ok\n" x 1
check "a package made by hand is accepted" sprout pkg install --root r3 --allow-untrusted hostile/good.spk
snap r3 >before
hostile traversal "f 0644 1 $X ../../evil\n" x 1
hostile absolute "f 0644 1 $X /etc/evil\n" x 1
hostile device "c 0644 - - dev\n" ""
hostile fifo "p 0644 - - fifo\n" ""
hostile escape "l 0777 9 - up ../../etc\n" ""
hostile through "l 0777 4 - lnk /etc\nf 0644 1 $X lnk/passwd\n" x 1
hostile dbfile "d 0755 - - var\nd 0755 - - var/lib\nd 0755 - - var/lib/sprout\nf 0644 1 $X var/lib/sprout/db\n" x 1
hostile setuid "f 4755 1 $X suid\n" x 1
hostile lying "f 0644 1 $X liar\n" y 1
for h in traversal absolute device fifo escape through dbfile setuid lying; do
	out=$(sprout pkg install --root r3 --allow-untrusted "hostile/$h.spk" 2>&1 >/dev/null)
	rc=$?
	snap r3 >after
	if [ $rc -ne 0 ] && cmp -s before after && [ -z "$(find r3 -name '.sprout-tx.*')" ]; then
		ok "hostile package ($h) refused, nothing written: ${out#sprout: }"
	else
		notok "hostile package ($h) refused, nothing written (exit $rc: $out)"
	fi
done
check "setuid is installed when allowed" sh -c '"$SPROUT" pkg install --root r3 --allow-untrusted --allow-setuid hostile/setuid.spk && test "$(stat -c %a r3/suid)" = 4755'
awk 'BEGIN { printf "name big\nversion 1\nrelease 1\narch x\nlicense MIT\n"; for (i = 0; i < 20000; i++) printf "depends a%d\n", i }' >h.meta
printf 'sprout-manifest 1\n' >h.man
: >h.pay
spk hostile/big.spk h.meta h.man h.pay
out=$(sprout pkg install --root r3 --allow-untrusted hostile/big.spk 2>&1)
check "oversized metadata refused: ${out#sprout: }" sh -c 'echo "$1" | grep -q "more than the 65536 allowed"' - "$out"
# A link in the root where a package needs a directory: never followed.
mkdir -p outside r4
ln -s "$T/outside" r4/usr
fails "a link in the root is not written through" sprout pkg install --root r4 $trust lib
check "  ... nothing outside" test -z "$(ls outside)"

# Upgrades, history, rollback.
sprout pkg install --root r5 $trust app >/dev/null 2>&1
mkdir -p trees/lib2/usr/lib trees/lib2/usr/share/lib
echo v2 >trees/lib2/usr/lib/libx.so
echo new >trees/lib2/usr/share/lib/data
pk lib2 lib 2.0 --license MIT >/dev/null
sprout pkg index repo >/dev/null
[ -n "$sodium" ] && sprout pkg sign --key key.key repo >/dev/null
check "install upgrades to the newest version, showing from what" sh -c '"$SPROUT" pkg install --root r5 '"$trust"' lib | grep -q "^install: lib 1.0-1 -> 2.0-1$"'
check "  ... replacing files, removing the old ones" test "$(cat r5/usr/lib/libx.so)" = v2 -a ! -e r5/usr/include/x.h -a ! -d r5/usr/include
check "  ... verified" sprout pkg verify --root r5
sprout pkg history --root r5 >out
check "pkg history lists each transaction" sh -c 'grep -Eq "^1  [0-9-]+ [0-9:]+Z  install app$" out && grep -Eq "^2 .*  install lib$" out && grep -q "^    - lib 1.0-1$" out && grep -q "^    + lib 2.0-1$" out'
check "pkg rollback 1" sprout pkg rollback --root r5 1
check "  ... brings the old files back" test "$(cat r5/usr/lib/libx.so)" = usr/lib/libx.so -a -f r5/usr/include/x.h -a ! -e r5/usr/share/lib
check "  ... verified" sprout pkg verify --root r5
check "  ... recorded" sh -c '"$SPROUT" pkg history --root r5 | grep -q "^3 .*  rollback 1$"'
check "pkg rollback 0 empties the root" sh -c '"$SPROUT" pkg rollback --root r5 0 && test -z "$("$SPROUT" pkg list --root r5)" && test ! -e r5/usr'

# A foreign arch: nothing runs; the root keeps its arch.
if [ "$A" = x86_64 ]; then F=aarch64; else F=x86_64; fi
mkdir -p trees/f/usr/bin && printf '\177ELF' >trees/f/usr/bin/foreign
sprout --arch "$F" pkg create trees/f foreign 1 -o foreign.spk
check "--arch installs a foreign package into a foreign root" sprout --arch "$F" pkg install --root r6 --allow-untrusted foreign.spk
check "  ... which remembers its arch" sh -c '"$SPROUT" pkg install --root r6 --allow-untrusted repo/lib-1.0.spk 2>&1 | grep -q "is for $1, the root is $2"' - "$A" "$F"
fails "  ... and refuses another" sprout --arch "$A" pkg install --root r6 --allow-untrusted repo/lib-1.0.spk

# Rootless: another user, a root of its own.
if [ "$(id -u)" = 0 ] && ! id sprout-test >/dev/null 2>&1; then
	useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin sprout-test >/dev/null 2>&1
fi
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null && id sprout-test >/dev/null 2>&1; then
	u=$(id -u sprout-test) g=$(id -g sprout-test)
	chmod o+x "$T"
	mkdir -p user && cp -r repo user/ && chown -R "$u:$g" user
	as() { setpriv --reuid="$u" --regid="$g" --clear-groups "$@"; }
	check "rootless: a user installs into a root it owns" as "$SPROUT" pkg install --root "$T/user/root" --repo "$T/user/repo" --allow-untrusted app
	check "  ... owned by that user" test "$(stat -c %u user/root/usr/bin/app)" = "$u"
	check "  ... verified" as "$SPROUT" pkg verify --root "$T/user/root"
	check "  ... removed" as "$SPROUT" pkg remove --root "$T/user/root" app lib
else
	ok "# SKIP rootless: not root, or no user sprout-test"
fi
