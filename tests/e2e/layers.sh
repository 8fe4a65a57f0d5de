# The layers of src/ (docs/architecture.md): a folder includes only its own
# headers and those of lower layers, and nothing outside cli/ prints to
# stdout or stderr or ends the program. Checked in the sources (comments
# stripped) and, when the library archive is built, in its objects' symbols.
#
#   0 core
#   1 archive fetch sandbox pkg      (each: core only, not each other)
#   2 build image
#   3 trust vm dist
#   4 cli
#
# A new folder must be given a layer here and in docs/architecture.md.
. "$TOP/tests/e2e/lib.sh"
SRC=${LAYERS_SRC:-$TOP/src}
LIB=${LAYERS_LIB:-$TOP/${SPROUT_O:-build}/libsprout.a}

layer() {
	case $1 in
	core) echo 0 ;;
	archive | fetch | sandbox | pkg) echo 1 ;;
	build | image) echo 2 ;;
	trust | vm | dist) echo 3 ;;
	cli) echo 4 ;;
	*) echo ;;
	esac
}

# Known exceptions, each with why and when it goes: "FILE INCLUDED".
# (None: fetch/source.h now holds the source types that fetch.h took from
# build/recipe.h.)
allowed="
"

# The source of file $1 without comments (and without string contents, so
# that a message that says "printf" is not a call).
code() {
	sed -e 's/"\([^"\\]\|\\.\)*"/""/g' "$1" |
		awk '{
			out = ""; s = $0
			while (s != "") {
				if (inc) { i = index(s, "*/"); if (!i) { s = ""; break }; s = substr(s, i + 2); inc = 0; continue }
				i = index(s, "/*"); j = index(s, "//")
				if (j && (!i || j < i)) { out = out substr(s, 1, j - 1); s = ""; break }
				if (!i) { out = out s; s = ""; break }
				out = out substr(s, 1, i - 1); s = substr(s, i + 2); inc = 1
			}
			print out
		}'
}

bad_inc=$T/bad-includes bad_io=$T/bad-io unknown=$T/unknown
: >"$bad_inc"; : >"$bad_io"; : >"$unknown"
for d in "$SRC"/*/; do
	dir=$(basename "$d")
	me=$(layer "$dir")
	if [ -z "$me" ]; then
		echo "$dir" >>"$unknown"
		continue
	fi
	for f in "$d"*.c "$d"*.h; do
		[ -f "$f" ] || continue
		rel=src/$dir/$(basename "$f")
		grep -o '^[[:space:]]*#[[:space:]]*include[[:space:]]*"[a-z0-9_]*/[^"]*"' "$f" | sed 's/.*"\(.*\)"/\1/' |
			while read -r h; do
				hd=${h%%/*}
				[ "$hd" = "$dir" ] && continue
				them=$(layer "$hd")
				if [ -n "$them" ] && { [ "$them" -lt "$me" ] || [ "$them" = 0 ]; }; then
					continue
				fi
				case $allowed in *"
$rel $h
"*) continue ;; esac
				echo "$rel includes $h (layer ${them:-?} from layer $me)"
			done >>"$bad_inc"
		[ "$dir" = cli ] && continue
		# Printing to the terminal or ending the program: cli/ only. A
		# forked child's _exit and the out-of-memory abort are allowed.
		code "$f" | grep -nE '(^|[^_[:alnum:]])(v?printf|puts|putchar|perror|exit|quick_exit|_Exit|err|errx|warn|warnx)[[:space:]]*\(|(^|[^_[:alnum:]])(stdout|stderr)([^_[:alnum:]]|$)' |
			sed "s|^|$rel:|" >>"$bad_io"
	done
done
check "every folder of src/ has a layer" test ! -s "$unknown"
[ -s "$unknown" ] && sed 's/^/# no layer for src\//' "$unknown"
check "no folder includes a higher layer's header or a sibling's" test ! -s "$bad_inc"
sed 's/^/# /' "$bad_inc"
check "no library file prints to stdout or stderr or exits" test ! -s "$bad_io"
sed 's/^/# /' "$bad_io"
stale=$(printf '%s\n' "$allowed" | while read -r f h; do
	[ -n "$f" ] || continue
	grep -q "#include \"$h\"" "$TOP/$f" 2>/dev/null || echo "$f $h"
done)
check "every allowed exception is still needed (else delete it)" test -z "$stale"
[ -n "$stale" ] && echo "# stale: $stale"

# The archive: no cli/ object, and no object that calls the printing
# functions, reaches stdout or stderr, or calls exit (abort only in
# core/util.o, for out of memory).
if [ -f "$LIB" ] && command -v nm >/dev/null 2>&1; then
	fails "the library archive holds no cli/ object" sh -c "ar t '$LIB' | grep -Eq '^(cmd_|main\\.o)'"
	nm -A -u "$LIB" 2>/dev/null | grep -E ' U (printf|vprintf|puts|putchar|perror|exit|quick_exit|stdout|stderr|abort)(@.*)?$' |
		grep -v '^[^ ]*util\.o: *U abort' >"$T/syms"
	check "no library object calls printf, puts, perror, exit or touches stdout/stderr" test ! -s "$T/syms"
	sed 's/^/# /' "$T/syms"
else
	ok "# SKIP no library archive at $LIB or no nm"
fi
echo "1..$n"
