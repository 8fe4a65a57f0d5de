# Every global option sprout --help lists is completed; every option
# docs/cli.md gives a command (its Commands and Packages tables) is completed by contrib/sprout.bash-completion and named in the
# man page; the completion offers no command option that docs/cli.md does
# not describe; and for each pkg verb the completion offers exactly the
# options the binary's own table has (sprout pkg VERB --help).
. "$TOP/tests/e2e/lib.sh"
cd "$TOP" || exit 1
if ! command -v bash >/dev/null 2>&1; then
	ok "# SKIP no bash"
	echo "1..$n"
	exit 0
fi
# offered LINE: what completion offers there (comp, lib.sh), "OPT=" as OPT
offered() { comp "$1" | sed 's/=$//' | sort -u; }
# opts_of TEXT: the options (-x, --xyz) written in TEXT, one a line
opts_of() { printf '%s\n' "$1" | grep -oE '(^|[][ `(|])--?[a-zA-Z][a-zA-Z0-9-]*' | sed 's/^[][ `(|]//' | sort -u; }
# the first cell of each row of a section's first table: "NAME<TAB>CELL"
rows() {
	awk -v s="$1" '/^## / { on = ($0 == "## " s) } on && /^\| `/ { print }' docs/cli.md |
		sed -E 's/^\| `([^`]*)`.*/\1/; s/\\\|/|/g' | awk '{ w = $1; $1 = ""; printf "%s\t%s\n", w, $0 }'
}
# the man page's text, its hyphens plain
sed 's/\\-/-/g' docs/sprout.1 >"$T/man"
globals=$(offered "sprout -" | tr '\n' ' ')

# the global options sprout --help lists
"$SPROUT" --help | sed -n '/^global options:/,/^$/p' | grep -oE '(^|[ ,])--?[a-zA-Z][a-zA-Z0-9-]*' |
	sed 's/^[ ,]//' | sort -u >"$T/globals"
missing=
for o in $(cat "$T/globals"); do printf '%s\n' $globals | grep -qx -- "$o" || missing="$missing $o"; done
check "the completion offers every global option sprout --help lists ($(wc -l <"$T/globals"))${missing:+ (missing:$missing)}" \
	test -z "$missing" -a "$(wc -l <"$T/globals")" -gt 10

rows Commands >"$T/cmds"
check "docs/cli.md's Commands table has its rows ($(wc -l <"$T/cmds"))" test "$(wc -l <"$T/cmds")" -gt 20
nocomp= noman= undoc=
while IFS="$(printf '\t')" read -r cmd cell; do
	got=$(offered "sprout $cmd -")
	for o in $(opts_of "$cell"); do
		printf '%s\n' "$got" | grep -qx -- "$o" || nocomp="$nocomp $cmd:$o"
		grep -q -- "$o\\b" "$T/man" || noman="$noman $cmd:$o"
	done
done <"$T/cmds"
# the other way: what the completion offers a command beyond the globals
for cmd in $(cut -f1 "$T/cmds" | sort -u); do
	cells=$(awk -F'\t' -v c="$cmd" '$1 == c { print $2 }' "$T/cmds")
	for o in $(offered "sprout $cmd -"); do
		case " $globals " in *" $o "*) continue ;; esac
		[ "$o" = -- ] && continue
		opts_of "$cells" | grep -qx -- "$o" || undoc="$undoc $cmd:$o"
	done
done
check "the completion offers every command option docs/cli.md gives${nocomp:+ (missing:$nocomp)}" test -z "$nocomp"
check "the man page names every command option docs/cli.md gives${noman:+ (missing:$noman)}" test -z "$noman"
check "docs/cli.md describes every command option the completion offers${undoc:+ (not in docs:$undoc)}" test -z "$undoc"

# pkg: the binary's table of each verb's options is the truth.
verbs=$("$SPROUT" pkg 2>&1 | sed -n 's/^verbs: //p')
check "sprout pkg lists its verbs ($(echo $verbs | wc -w))" test "$(echo $verbs | wc -w)" -gt 10
rows Packages >"$T/verbs"
differ= nodoc= noman=
for v in $verbs; do
	has=$("$SPROUT" pkg "$v" --help 2>&1 | sed -n 's/^options://p' | tr ' ' '\n' | sed '/^$/d' | sort -u)
	got=$(offered "sprout pkg $v -" | grep -vxF -e "$(printf '%s\n' $globals)")
	[ "$has" = "$got" ] || differ="$differ $v:[$(echo $has)]/[$(echo $got)]"
	cell=$(awk -F'\t' -v c="$v" '$1 == c { print $2 }' "$T/verbs")
	for o in $has; do
		# the options table under Packages covers the root verbs' shared options
		opts_of "$cell" | grep -qx -- "$o" || grep -q "^| \`$o[ \`]" docs/cli.md || nodoc="$nodoc $v:$o"
		grep -q -- "$o\\b" "$T/man" || noman="$noman $v:$o"
	done
done
check "pkg VERB -<TAB> offers the options of the verb's table, no more${differ:+ (differ:$differ)}" test -z "$differ"
check "docs/cli.md describes every pkg verb's options${nodoc:+ (missing:$nodoc)}" test -z "$nodoc"
check "the man page names every pkg verb's options${noman:+ (missing:$noman)}" test -z "$noman"
echo "1..$n"
