# The kill test (docs/package.md, "Transactions"): a transaction that
# upgrades a package and installs another (new directories, new files,
# replaced files, removed files and directories, a directory mode set at
# the commit) is killed with SIGKILL at 100 different points, through the
# test hook SPROUT_PKG_CRASH_AT. After each, the next command finishes or
# undoes it: the root is exactly as before or exactly as after, the
# database says which, pkg verify finds no difference, and nothing
# temporary is left. Then the same for a removal, and for kills during the
# recovery itself.
. "$TOP/tests/e2e/lib.sh"
cd "$T" || exit 1

# tree NAME N DIR...: N files spread over the directories, contents by name
tree() {
	t=$1 count=$2
	shift 2
	i=0
	while [ $i -lt "$count" ]; do
		for d in "$@"; do
			[ $i -lt "$count" ] || break
			mkdir -p "trees/$t/$d"
			printf '%s %s %s\n' "$t" "$d" $i >"trees/$t/$d/f$i"
			i=$((i + 1))
		done
	done
}
tree base 10 etc usr/share/base
tree lib1 16 usr/lib usr/include/lib usr/share/lib/old
tree lib2 16 usr/lib usr/include/lib usr/share/lib/new
tree app 6 usr/bin
tree extra 60 usr/share/extra/a usr/share/extra/b usr/share/extra/c/d
chmod 555 trees/extra/usr/share/extra/c
ln -s ../lib/f0 trees/lib2/usr/include/lib/link
mkdir -p repo
P() { sprout pkg create "trees/$1" "$2" "$3" -o "repo/$2-$3.spk" --compress=none ${4:+--depends "$4"} >/dev/null; }
P base base 1
P lib1 lib 1
P app app 1 lib
P extra extra 1 lib
sprout pkg index repo >/dev/null
R="--repo repo --allow-untrusted"
sprout pkg install --root tmpl $R base app >/dev/null 2>&1
P lib2 lib 2
sprout pkg index repo >/dev/null

# state ROOT: the root's files (but sprout's own) with types, modes and
# contents, and what the database says is installed
state() {
	(cd "$1" && find . -path ./var -prune -o -printf '%p %y %m %l\n' | sort &&
		find . -path ./var -prune -o -type f -exec sha256sum {} + | sort)
	echo "--"
	sprout pkg list --root "$1" 2>/dev/null
}
leftovers() { find "$1" -name '.sprout-tx.*' -o -name 'journal*' -o -name 'db.new' | head -3; }

state tmpl >before
cp -a tmpl full
sprout pkg install --root full $R lib extra >/dev/null 2>&1
state full >after
check "the transaction upgrades lib and installs extra" sh -c 'grep -q "^extra 1-1$" after && grep -q "^lib 2-1$" after'
check "  ... a directory mode is set at the commit" test "$(stat -c %a full/usr/share/extra/c)" = 555
total=$(cp -a tmpl count && SPROUT_PKG_CRASH_AT=0 "$SPROUT" pkg install --root count $R lib extra 2>&1 >/dev/null |
	sed -n 's/.* \([0-9]*\) crash points$/\1/p')
check "it has at least 100 crash points ($total)" test "${total:-0}" -ge 100

# kill ROOT POINT COMMAND...: run the command, killed at that crash point
kill_at() { r=$1 k=$2; shift 2; SPROUT_PKG_CRASH_AT=$k "$SPROUT" "$@" >/dev/null 2>&1; }

# The files are written by one writer or several at once, from the bytes
# kept when the packages were checked or read again (SPROUT_PKG_WRITERS,
# SPROUT_PKG_KEEP: docs/package.md, "The test hook"): the points take
# turns at each way, and the crash points are the same in number.
ways="SPROUT_PKG_WRITERS=1 SPROUT_PKG_WRITERS=3 SPROUT_PKG_WRITERS=2,SPROUT_PKG_KEEP=1000 SPROUT_PKG_KEEP=0"
way_of() { n=$(($1 % 4 + 1)); echo $ways | cut -d' ' -f$n | tr , ' '; }
same=1
for w in $ways; do
	cp -a tmpl wcount
	n=$(env $(echo "$w" | tr , ' ') SPROUT_PKG_CRASH_AT=0 "$SPROUT" pkg install --root wcount $R lib extra 2>&1 >/dev/null |
		sed -n 's/.* \([0-9]*\) crash points$/\1/p')
	state wcount >wstate
	[ "$n" = "$total" ] && cmp -s wstate after || { same=0; echo "# $w: $n crash points, or another result"; }
	rm -rf wcount
done
check "written by one writer or several, from kept bytes or read again: the same root, $total crash points" test $same = 1

bad=0 undone=0 finished=0 notkilled=0
i=0
while [ $i -lt 100 ] && [ "${total:-0}" -ge 100 ]; do
	k=$((1 + i * (total - 1) / 99))
	i=$((i + 1))
	rm -rf r
	cp -a tmpl r
	env $(way_of $i) SPROUT_PKG_CRASH_AT=$k "$SPROUT" pkg install --root r $R lib extra >/dev/null 2>&1
	[ $? -eq 137 ] || notkilled=$((notkilled + 1))
	# The next command (any: verify here) finishes or undoes it.
	if ! sprout pkg verify --root r >verify.out 2>&1; then
		bad=$((bad + 1))
		echo "# point $k: verify failed"; sed 's/^/#   /' verify.out | head -5
		continue
	fi
	state r >now
	if [ -n "$(leftovers r)" ]; then
		bad=$((bad + 1))
		echo "# point $k: left over: $(leftovers r)"
	elif cmp -s now before; then
		undone=$((undone + 1))
	elif cmp -s now after; then
		finished=$((finished + 1))
	else
		bad=$((bad + 1))
		echo "# point $k: the root is neither as before nor as after"
		diff after now | head -5 | sed 's/^/#   /'
	fi
done
check "killed at 100 points, each run was killed ($notkilled not)" test $notkilled = 0
check "after each, pkg verify is clean and the root is as before ($undone) or after ($finished), nothing left over" \
	test $bad = 0 -a $((undone + finished)) = 100
check "  ... both happen" test $undone -gt 0 -a $finished -gt 0

# A removal, killed at every one of its points.
rtotal=$(cp -a full rcount && SPROUT_PKG_CRASH_AT=0 "$SPROUT" pkg remove --root rcount extra app 2>&1 >/dev/null |
	sed -n 's/.* \([0-9]*\) crash points$/\1/p')
cp -a full rdone && sprout pkg remove --root rdone extra app >/dev/null 2>&1
state rdone >rafter
bad=0 k=1
while [ $k -le "${rtotal:-0}" ]; do
	rm -rf r
	cp -a full r
	kill_at r $k pkg remove --root r extra app
	if ! sprout pkg verify --root r >/dev/null 2>&1 || [ -n "$(leftovers r)" ]; then
		bad=$((bad + 1))
	else
		state r >now
		cmp -s now after || cmp -s now rafter || bad=$((bad + 1))
	fi
	k=$((k + 1))
done
check "a removal killed at each of its $rtotal points is finished or undone" test "${rtotal:-0}" -gt 10 -a $bad = 0

# Kills during the recovery: the recovery of the recovery still ends in a
# consistent root.
bad=0
for k in 3 $((total / 3)) $((total / 2)) $((total * 2 / 3)) $((total - 3)); do
	for m in 1 2 3; do
		rm -rf r
		cp -a tmpl r
		kill_at r $k pkg install --root r $R lib extra
		kill_at r $m pkg list --root r
		if ! sprout pkg verify --root r >/dev/null 2>&1 || [ -n "$(leftovers r)" ]; then
			bad=$((bad + 1))
		else
			state r >now
			cmp -s now before || cmp -s now after || bad=$((bad + 1))
		fi
	done
done
check "killed again while recovering (15 cases), the root still ends before or after" test $bad = 0
