# A step's output reaches the disk before it enters the store
# (docs/cache.md, "Building a step", 3): sprout syncs the file system that
# holds tmp/KEY, then renames tmp/KEY to store/KEY. Seen with strace, in
# the order of the system calls.
. "$TOP/tests/e2e/lib.sh"
command -v strace >/dev/null && have_strace=1
skip_unless have_strace "needs strace (sh mk/deps.sh --test installs it)"
S=$T/state
mkdir -p "$T/p/recipes/a"
printf 'name a\nversion 1\nlicense MIT\nbuild host\n\techo a >"$DESTDIR/a"\n' >"$T/p/recipes/a/recipe"
printf 'plan p\narches x86_64\nrecipes recipes\nset SOURCE_DATE_EPOCH 0\nstage host\n\tstep a\n' >"$T/p/plan"
strace -f -qq -e trace=syncfs,rename,renameat,renameat2 -o "$T/trace" \
	"$SPROUT" --state "$S" --runner=plain --arch x86_64 build "$T/p" >"$T/out" 2>&1
check "the build succeeds under strace" grep -q '^p: 1 built' "$T/out"
key=$(head -c 64 "$S/last/p/x86_64/a")
# The line numbers of the rename into the store and of the last syncfs
# before it.
awk -v k="store/$key" '/syncfs\(/ && !/= -1/ { s = NR } index($0, k "\"") && /rename/ { r = NR; exit } END { print s + 0, r + 0 }' "$T/trace" >"$T/order"
read -r s r <"$T/order"
check "the output is renamed into the store" test "$r" -gt 0
check "  ... after a successful syncfs" test "$s" -gt 0 -a "$s" -lt "$r"
