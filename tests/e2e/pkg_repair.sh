# Packages people can rely on (issue 16 items 6 and 7): pkg fix and
# install --reinstall repair what pkg verify finds, pkg upgrade takes a
# root to the newest packages and shows each as OLD -> NEW, pkg VERB --help,
# the query verbs read / by default, and nothing is shown as installed
# before it is.
. "$TOP/tests/e2e/lib.sh"
cd "$T" || exit 1
# pkg NAME VERSION TEXT: a package of two files and a directory into repo/
pkg() { mkdir -p "t/$1-$2/usr/bin" "t/$1-$2/usr/share/$1" repo; echo "$3" >"t/$1-$2/usr/bin/$1"; chmod 755 "t/$1-$2/usr/bin/$1"
	echo "doc $2" >"t/$1-$2/usr/share/$1/README"
	sprout pkg create "t/$1-$2" "$1" "$2" -o "repo/$1-$2.spk" >/dev/null && sprout pkg index repo >/dev/null; }
R="--repo repo --allow-untrusted --no-sync"
pkg app 1.0 one
pkg lib 1.0 lib
sprout pkg install --root r $R app lib >/dev/null 2>&1

# Repair.
echo changed >r/usr/bin/app
chmod 600 r/usr/share/app/README
rm r/usr/bin/lib
fails "pkg verify finds the changes" sprout pkg verify --root r
sprout pkg install --root r $R app >out 2>&1
check "install of an installed package does nothing" grep -q "nothing to do: installed already" out
sprout pkg install --root r $R --reinstall app >out 2>&1
check "install --reinstall writes it again" grep -q "^install: app 1.0-1 (again)$" out
check "  ... its file restored" test "$(cat r/usr/bin/app)" = one -a "$(stat -c %a r/usr/share/app/README)" = 644
sprout pkg fix --root r --no-sync >out 2>&1
check "pkg fix writes again what verify finds different" grep -q "^fixed: lib 1.0-1$" out
check "  ... from the package cache" test "$(cat r/usr/bin/lib)" = lib
check "  ... and verify is clean" sprout pkg verify --root r
check "pkg fix with nothing different does nothing" sh -c '"$SPROUT" pkg fix --root r | grep -q "nothing to do"'
sprout pkg install --root r2 $R --no-cache app >/dev/null 2>&1
echo changed >r2/usr/bin/app
fails "without the package cache, fix needs a repository" sprout pkg fix --root r2
check "  ... and with --repo, fixes" sh -c '"$SPROUT" pkg fix --root r2 '"$R"' app >/dev/null && test "$(cat r2/usr/bin/app)" = one'

# Upgrade.
pkg app 1.1 two
sprout pkg upgrade --root r $R >out 2>&1
check "pkg upgrade shows each package as OLD -> NEW" grep -q "^upgrade: app 1.0-1 -> 1.1-1$" out
check "  ... upgrades" test "$(cat r/usr/bin/app)" = two
check "  ... only what is newer" sh -c '! grep -q "lib" "$0"' out
check "  ... and then is up to date" sh -c '"$SPROUT" pkg upgrade --root r '"$R"' | grep -q "nothing to do: up to date"'
fails "pkg upgrade of a package not installed" sprout pkg upgrade --root r $R nosuch

# Nothing shown as installed before it is.
pkg bad 1.0 bad
printf 'x' >>repo/bad-1.0.spk
sprout pkg install --root r $R bad >out 2>&1
check "a package that fails its check is refused" grep -q "bad-1.0.spk" out
check "  ... and nothing is shown as installed" sh -c '! grep -q "^install:" "$0"' out

# Help and defaults.
sprout pkg install --help >out 2>&1; rc=$?
check "pkg install --help: the verb's own usage" sh -c 'test '$rc' = 0 && grep -q "^usage: sprout pkg install NAME" "$0" && grep -q -- "--reinstall" "$0"' out
check "pkg list reads / when --root is not given" sprout pkg list
fails "pkg install still needs --root" sprout pkg install app
