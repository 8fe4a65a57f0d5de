# sprout pkg against a hostile mirror and a hostile root (issue 12): a
# replayed or expired index is refused, an installed package is never
# downgraded unasked, a root's keys are not read through a link, and the
# history keeps every word of a transaction.
. "$TOP/tests/e2e/lib.sh"
cd "$T" || exit 1
# pkg NAME VERSION [DIR]: a package of one file into DIR (repo)
pkg() { mkdir -p "t/$1-$2/usr/share/$1" "${3:-repo}"; echo "$2" >"t/$1-$2/usr/share/$1/v"
	sprout pkg create "t/$1-$2" "$1" "$2" -o "${3:-repo}/$1-$2.spk" >/dev/null; }
idx() { sprout pkg index "$@" --key "$T/k.key" >/dev/null; }
ver() { sprout pkg list --root "$1" | awk -v n="$2" '$1 == n { print $2 }'; }

# The history keeps every name of a transaction, written and read back.
for p in p1 p2 p3 p4 p5 p6 p7; do pkg "$p" 1.0 plain; done
sprout pkg index plain >/dev/null
sprout pkg install --root h --repo plain --allow-untrusted p1 p2 p3 p4 p5 p6 >/dev/null 2>&1
sprout pkg install --root h --repo plain --allow-untrusted p7 >/dev/null 2>&1
check "history keeps every name of a transaction" sh -c '"$SPROUT" pkg history --root h | grep -q "  install p1 p2 p3 p4 p5 p6$"'
check "  ... after the database was written again" grep -q "^txn 1 [0-9]* install p1 p2 p3 p4 p5 p6$" h/var/lib/sprout/db
many=$(i=0; while [ $i -lt 3000 ]; do printf 'p1 '; i=$((i + 1)); done)
# shellcheck disable=SC2086
sprout pkg remove --root h p1 >/dev/null 2>&1
fails "a transaction too long for one history line is refused" sprout pkg install --root h --repo plain --allow-untrusted $many
# shellcheck disable=SC2086
check "  ... saying so, before anything is written" sh -c '"$SPROUT" pkg install --root h --repo plain --allow-untrusted '"$many"' 2>&1 | grep -q "too long for one line of the history" && ! test -e h/usr/share/p1'

if ! sprout pkg keygen "$T/k" >/dev/null 2>&1; then
	ok "# SKIP no libsodium: signed indexes"
	echo "1..$n"
	exit 0
fi
mkdir -p keys && cp k.pub keys/
pkg app 1.0
idx repo
check "an index has a sequence, a creation and an expiry time" sh -c 'sed -n 2,4p repo/index | tr "\n" " " | grep -Eq "^sequence 1 created [0-9]+ expires [0-9]+ $"'
cp -r repo old
pkg app 2.0
idx repo
check "  ... the sequence grows with each index" grep -qx "sequence 2" repo/index
fails "  ... and never goes back" sprout pkg index repo --sequence 2 --key "$T/k.key"

# A mirror that serves the older index again.
mkdir -p r/etc/sprout/keys && cp k.pub r/etc/sprout/keys/
sprout pkg install --root r --repo repo app >/dev/null 2>&1
check "install from the current index: app 2.0" test "$(ver r app)" = 2.0-1
sprout pkg install --root r --repo old app >out 2>&1; rc=$?
check "a replayed older index is refused" test $rc != 0
check "  ... saying why" grep -q "sequence 1 from key .*this root has seen sequence 2" out
check "  ... and app stays 2.0" test "$(ver r app)" = 2.0-1
check "the root remembers what it saw per key" grep -Eq "^[0-9a-f]{16} 2 [0-9a-f]{64}$" r/var/lib/sprout/indexes
cp -r old forged && pkg app 1.5 forged && sprout pkg index forged --sequence 2 >/dev/null && cp old/index.sig forged/
fails "an index changed under the same signature is refused" sprout pkg install --root r --repo forged app

# A newer index that offers only an older package.
cp -r old down && sprout pkg index down --sequence 3 --key "$T/k.key" >/dev/null
sprout pkg install --root r --repo down app >out 2>&1; rc=$?
check "an older package is not installed over a newer one" test $rc != 0 -a "$(ver r app)" = 2.0-1
check "  ... saying so" grep -q "app 2.0-1 is installed; 1.0-1 is older: not downgraded (--allow-downgrade" out
check "  ... unless --allow-downgrade" sh -c '"$SPROUT" pkg install --root r --repo down --allow-downgrade app >/dev/null 2>&1'
check "  ... which downgrades" test "$(ver r app)" = 1.0-1

# Rollback names its packages by sha256: an older index may serve them.
mkdir -p r4/etc/sprout/keys && cp k.pub r4/etc/sprout/keys/
sprout pkg install --root r4 --repo old --no-cache app >/dev/null 2>&1
sprout pkg install --root r4 --repo repo --no-cache app >/dev/null 2>&1
check "rollback takes its pinned packages from an older index" sh -c '"$SPROUT" pkg rollback --root r4 --repo old 1 >/dev/null 2>&1'
check "  ... and the root has app 1.0 again" test "$(ver r4 app)" = 1.0-1

# An index past its expiry (a frozen mirror).
cp -r old exp && sprout pkg index exp --sequence 9 --expires 1s --key "$T/k.key" >/dev/null
sleep 2
sprout pkg install --root r2 --keys keys --repo exp app >out 2>&1; rc=$?
check "an expired index is refused" test $rc != 0
check "  ... saying when it expired" grep -q "(sequence 9) expired on " out
fails "pkg index --expires takes a duration" sprout pkg index exp --expires soon

# A root whose etc is a link to elsewhere: its keys are not trusted.
mkdir -p evil/sprout/keys r3 && cp k.pub evil/sprout/keys/ && ln -s ../evil r3/etc
sprout pkg install --root r3 --repo repo app >out 2>&1; rc=$?
check "keys through a linked etc are not read" test $rc != 0 -a ! -e r3/usr
check "  ... saying why" grep -q "etc/sprout/keys (a link on the way, not followed)" out
echo "1..$n"
