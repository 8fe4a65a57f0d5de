# A root whose package directory was replaced by a link (issue 12): remove
# and rollback refuse before committing anything, and a committed
# transaction that can no longer be applied as written is finished by the
# next pkg command, which says what it left alone, instead of wedging the
# root.
. "$TOP/tests/e2e/lib.sh"
cd "$T" || exit 1
mkdir -p t/app/usr/share/app t/app/usr/bin repo elsewhere
echo 1 >t/app/usr/share/app/data
echo app >t/app/usr/bin/app
sprout pkg create t/app app 1.0 -o repo/app-1.0.spk >/dev/null
mkdir -p t/app2/usr/share/app && cp -r t/app/usr t/app2/ && echo 2 >t/app2/usr/share/app/data
sprout pkg create t/app2 app 2.0 -o repo/app-2.0.spk >/dev/null
sprout pkg index repo >/dev/null
echo mine >elsewhere/data
inst() { sprout pkg install --root "$1" --repo repo --allow-untrusted --no-sync "$2" >/dev/null 2>&1; }
# wedge ROOT: its package directory becomes a link to elsewhere
wedge() { rm -rf "$1/usr/share/app" && ln -s "$T/elsewhere" "$1/usr/share/app"; }

inst r1 app && wedge r1
sprout pkg remove --root r1 --no-sync app >out 2>&1; rc=$?
check "remove through a linked package directory is refused" test $rc != 0
check "  ... before anything is committed" test ! -e r1/var/lib/sprout/journal.commit -a ! -e r1/var/lib/sprout/journal
check "  ... saying what to do" grep -q "usr/share/app.*nothing was changed; put the directory back" out
check "  ... nothing outside the root touched" test "$(cat elsewhere/data)" = mine
check "  ... and the root still works" sprout pkg list --root r1
rm r1/usr/share/app
check "once the link is gone, remove works" sprout pkg remove --root r1 --no-sync app

inst r2 'app=1.0-1' && inst r2 app && wedge r2
sprout pkg rollback --root r2 --no-sync 1 >out 2>&1; rc=$?
check "rollback through a linked package directory is refused" test $rc != 0 -a ! -e r2/var/lib/sprout/journal.commit
check "  ... nothing outside the root touched" test "$(cat elsewhere/data)" = mine

# Committed, then the directory replaced before the commit was applied.
inst r3 app
cp -a r3 r3.clean
n=$(SPROUT_PKG_CRASH_AT=0 "$SPROUT" pkg remove --root r3 --no-sync app 2>&1 | sed -n 's/.*: \([0-9]*\) crash points/\1/p')
rm -rf r3 && cp -a r3.clean r3
k=1
while [ "$k" -le "${n:-0}" ]; do
	rm -rf r3 && cp -a r3.clean r3
	SPROUT_PKG_CRASH_AT=$k "$SPROUT" pkg remove --root r3 --no-sync app >/dev/null 2>&1
	[ -e r3/var/lib/sprout/journal.commit ] && break
	k=$((k + 1))
done
check "a remove killed after its commit leaves a committed journal" test -e r3/var/lib/sprout/journal.commit
wedge r3
sprout pkg list --root r3 >out 2>&1; rc=$?
check "the next pkg command finishes it anyway" test $rc = 0 -a ! -e r3/var/lib/sprout/journal.commit
check "  ... saying what it left alone" grep -q "usr/share/app/data: del: a link or a file on the way, left alone" out
check "  ... and how to see the rest" grep -q "sprout pkg verify --root" out
check "  ... app is removed" test -z "$(sprout pkg list --root r3)"
check "  ... nothing outside the root touched" test "$(cat elsewhere/data)" = mine
rm r3/usr/share/app
check "  ... and the root works again" sprout pkg install --root r3 --repo repo --allow-untrusted --no-sync app
