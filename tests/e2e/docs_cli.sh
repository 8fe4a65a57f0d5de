# The man page, docs/cli.md and the bash completion know every command and
# global option that sprout --help lists; the man page is valid roff; the
# completion completes commands, options, plans and steps; make install
# puts the binary, the man page and the completion in place.
. "$TOP/tests/e2e/lib.sh"
cd "$TOP" || exit 1
"$SPROUT" --help >"$T/help"
cmds=$(sed -n '/^commands:/,/^$/s/^  \([a-z][a-z-]*\) .*/\1/p' "$T/help")
opts=$(sed -n '/^global options:/,/^$/s/^  \(-[-a-zA-Z]*\).*/\1/p' "$T/help")
check "sprout --help lists commands ($(echo $cmds | wc -w)) and options ($(echo $opts | wc -w))" \
	test "$(echo $cmds | wc -w)" -gt 10 -a "$(echo $opts | wc -w)" -gt 10
# the tags of the man page's .TP entries, without fonts and escapes
awk 'p { print; p = 0 } /^\.TP/ { p = 1 }' docs/sprout.1 |
	sed -E 's/\\f[BIRP]//g; s/\\-/-/g; s/^\.[BI][RI]? //; s/"//g; s/[=,[]/ /g' | awk '{ print $1 }' >"$T/man-tags"
missing=
for c in $cmds; do grep -qx -- "$c" "$T/man-tags" || missing="$missing $c"; done
check "every command has an entry in docs/sprout.1${missing:+ (missing:$missing)}" test -z "$missing"
missing=
for o in $opts; do grep -qx -- "${o%=}" "$T/man-tags" || missing="$missing $o"; done
check "every global option has an entry in docs/sprout.1${missing:+ (missing:$missing)}" test -z "$missing"
missing=
for c in $cmds; do grep -q "^| \`$c[ \`]" docs/cli.md || missing="$missing $c"; done
check "every command is in docs/cli.md${missing:+ (missing:$missing)}" test -z "$missing"
missing=
for o in $opts; do grep -q "^| \`${o%=}" docs/cli.md || missing="$missing $o"; done
check "every global option is in docs/cli.md${missing:+ (missing:$missing)}" test -z "$missing"
if command -v groff >/dev/null 2>&1; then
	groff -man -ww -z docs/sprout.1 >"$T/groff" 2>&1
	check "groff reads the man page without a warning" test ! -s "$T/groff"
else
	ok "# SKIP no groff"
fi

if command -v bash >/dev/null 2>&1; then
	# what completing at the end of LINE offers (comp, lib.sh), sorted, on one line
	is() { got=$(comp "$1" | sort | tr "\n" " "); [ "$got" = "$2" ] && ok "completing '$1' gives '$2'" || notok "completing '$1' gives '$2' (got '$got')"; }
	is "sprout gr" "graph "
	is "sprout b" "boot bootstrap build "
	check "completing a command lists them all" test "$(comp 'sprout ' | wc -w)" = "$(echo $cmds | wc -w)"
	is "sprout --col" "--color= "
	# readline replaces only what follows the '=' (COMP_WORDBREAKS); the
	# real keystrokes are in tests/e2e/completion.sh
	is "sprout --color=a" "always auto "
	is "sprout --runner=p" "plain "
	is "sprout pkg in" "index info install "
	is "sprout parts --rec" "--recorded "
	is "sprout -C tests/golden/data build sm" "small "
	is "sprout -C tests/golden/data build small " "app base lib "
	is "sprout -C tests/golden/data plan small --why l" "lib "
	is "sprout help con" "config "
else
	ok "# SKIP no bash"
fi

if [ -x build/sprout ] && command -v make >/dev/null 2>&1; then
	make -s -o all install DESTDIR="$T/root" PREFIX=/usr >"$T/install.out" 2>&1
	check "make install: the binary" test -x "$T/root/usr/bin/sprout"
	check "  ... the man page" cmp -s "$T/root/usr/share/man/man1/sprout.1" docs/sprout.1
	check "  ... the bash completion" cmp -s "$T/root/usr/share/bash-completion/completions/sprout" contrib/sprout.bash-completion
else
	ok "# SKIP no build/sprout to install"
fi
