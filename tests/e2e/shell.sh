# sprout shell: a freshly prepared build tree for a step that has not
# failed (removed afterwards), a throwaway shell in the plan's final system
# with the current directory at /mnt, commands read from a pipe (no
# terminal), the shell's exit status passed on, and errors that say what to
# build, with the --state given.
. "$TOP/tests/e2e/lib.sh"
if ! "$SPROUT" sandbox-run true >/dev/null 2>&1; then
	ok "# SKIP the sandbox cannot run here"
	echo "1..$n"
	exit 0
fi
P=$T/plan
mkdir -p "$P/recipes"
r() { mkdir -p "$P/recipes/$1"; cat >"$P/recipes/$1/recipe"; }
# The seed: the host's dash and a few tools with their libraries.
seed_recipe "$P/recipes/seed" /bin/cat /bin/cp /bin/ls /bin/touch /bin/mkdir
r tool <<'R'
name tool
version 1
license MIT
patch fix.patch
build native
	test -f patches/fix.patch
	mkdir -p "$DESTDIR/usr/share"
	echo "the final system" >"$DESTDIR/usr/share/motd"
R
printf -- '--- a/x\n+++ b/x\n' >"$P/recipes/tool/fix.patch"
r rootfs <<'R'
name rootfs
version 1
license MIT
build native: tool
	cp -a "$DEPS/seed"/. "$DESTDIR"/
	cp -a "$SYSROOT"/. "$DESTDIR"/
R
cat >"$P/plan" <<'R'
plan tiny
arches x86_64 aarch64
recipes recipes
set SOURCE_DATE_EPOCH 1700000000
final rootfs
stage host
	step seed
stage native rootfs=seed
	step tool
	step rootfs
R
S=$T/state
W=$T/work
mkdir -p "$W"
cd "$W" || exit 1

echo 'echo hi' | "$SPROUT" --state "$S" shell "$P" >"$T/out" 2>&1; rc=$?
check "before a build, 'shell PLAN' fails" test $rc = 1
check "  ... saying what to build, with the --state given" \
	grep -qF "the final system of plan 'tiny' (step 'rootfs') is not built for $(uname -m); build it first: $SPROUT --state $S build $P" "$T/out"
echo 'echo hi' | "$SPROUT" --state "$S" shell "$P" rootfs >"$T/out" 2>&1; rc=$?
check "'shell PLAN STEP' whose dependencies are not built fails" test $rc = 1
check "  ... naming them and the build to run" \
	grep -qF "step 'rootfs' needs steps that are not in the store (seed, tool); build them first: $SPROUT --state $S build $P rootfs" "$T/out"

check "the plan builds" "$SPROUT" --state "$S" build "$P" -q

printf 'cat /usr/share/motd\necho "pwd=$(pwd)"\necho made >made.txt\ntouch /usr/x 2>/dev/null || echo "root read-only"\nexit 7\n' |
	"$SPROUT" --state "$S" shell "$P" >"$T/out" 2>"$T/err"; rc=$?
check "'shell PLAN' reads commands from a pipe, in the final system" grep -qx 'the final system' "$T/out"
check "  ... in the current directory, at /mnt" grep -qx 'pwd=/mnt' "$T/out"
check "  ... which is writable and is this directory" grep -qx made "$W/made.txt"
check "  ... the root read-only" grep -qx 'root read-only' "$T/out"
check "  ... the shell's exit status passed on" test $rc = 7
check "  ... and says where the user is, on stderr" grep -q "shell in the final system of plan 'tiny'.*the current directory is /mnt" "$T/err"
echo true | "$SPROUT" -q --state "$S" shell "$P" >"$T/out" 2>&1
check "  ... nothing of that with -q" test ! -s "$T/out"

if command -v script >/dev/null 2>&1; then
	# on a pseudo-terminal, typing once the shell is up
	{ sleep 1; printf 'echo "in=$(cat /usr/share/motd)"; exit\n'; sleep 1; } |
		timeout 30 script -qec "'$SPROUT' --state '$S' shell '$P'" "$T/shell.ts" >/dev/null 2>&1
	check "'shell PLAN' on a terminal is an interactive shell in the final system" grep -q '^in=the final system' "$T/shell.ts"
else
	ok "# SKIP no script(1) for a terminal"
fi

printf 'echo "pwd=$(pwd)"\nls patches\necho "step=$STEP"\n' | "$SPROUT" --state "$S" shell "$P" tool >"$T/out" 2>"$T/err"; rc=$?
check "'shell PLAN STEP' of a built step opens a freshly prepared tree" grep -qx 'fix.patch' "$T/out"
check "  ... as its working directory, with the step's environment" sh -c "grep -qx 'pwd=/build' '$T/out' && grep -qx 'step=tool' '$T/out'"
check "  ... says it is fresh" grep -q "shell in step 'tool' (native), in a freshly prepared build tree, removed when the shell ends" "$T/err"
check "  ... and removes it afterwards" test ! -e "$S/build/tiny/$(uname -m)/tool"
check "  ... exit 0" test $rc = 0

# A failed attempt's tree is the one a shell opens.
sed -i 's|test -f patches/fix.patch|test -f patches/fix.patch; echo left >left.txt; exit 1|' "$P/recipes/tool/recipe"
"$SPROUT" --state "$S" build "$P" >/dev/null 2>&1
echo 'cat left.txt' | "$SPROUT" --state "$S" shell "$P" tool >"$T/out" 2>"$T/err"
check "after a failure, the shell opens the failed build tree" grep -qx left "$T/out"
check "  ... and says so" grep -q "the build tree of its last failed attempt" "$T/err"
check "  ... and keeps it" test -f "$S/build/tiny/$(uname -m)/tool/work/left.txt"

echo 'exit 0' | "$SPROUT" --state "$S" shell "$P" nosuch >"$T/out" 2>&1; rc=$?
check "an unknown step: exit 3" test $rc = 3
"$SPROUT" --state "$S" shell >"$T/out" 2>&1; rc=$?
check "no plan: a usage error" sh -c "test $rc = 2 && grep -q 'usage: sprout shell PLAN \[STEP\]' '$T/out'"
echo "1..$n"
