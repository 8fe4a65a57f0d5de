# Shared helpers for end-to-end tests: TAP output and a scratch directory.
# Tests get $SPROUT (the binary) and $TOP (the repository root).
set -u
export SPROUT
T=$(mktemp -d /tmp/sprout-e2e.XXXXXX)
trap 'chmod -R u+w "$T" 2>/dev/null; rm -rf "$T"' EXIT
n=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
notok() { n=$((n + 1)); echo "not ok $n - $*"; }
# check "description" command...: ok when the command succeeds.
check() { d=$1; shift; if "$@"; then ok "$d"; else notok "$d"; fi; }
# fails "description" command...: ok when the command fails.
fails() { d=$1; shift; if "$@"; then notok "$d"; else ok "$d"; fi; }
sprout() { "$SPROUT" "$@"; }
# skip_unless VAR HOW: the test ends here, skipped, unless $VAR is 1 (HOW
# says how to run it).
skip_unless() {
	eval "v=\${$1:-}"
	[ "$v" = 1 ] && return 0
	ok "# SKIP $2"
	echo "1..$n"
	exit 0
}
# since T: the seconds since T (of date +%s).
since() { echo $(($(date +%s) - $1)); }
# long_state: S, the state of a long test (vm.sh, vmmode.sh): SPROUT_VM_STATE
# (used and kept) or a fresh one; with SPROUT_DISTFILES=DIR, that directory's
# sources when the state has none.
long_state() {
	S=${SPROUT_VM_STATE:-$T/state}
	if [ -n "${SPROUT_DISTFILES:-}" ] && [ ! -d "$S/distfiles" ]; then
		mkdir -p "$S" && cp -r "$SPROUT_DISTFILES" "$S/distfiles"
	fi
}
# seed_recipe DIR TOOL...: write DIR/recipe, a seed of the host's dash and
# the tools named (paths), each with its libraries, /bin/sh a link to dash.
seed_recipe() {
	d=$1; shift
	mkdir -p "$d"
	cat >"$d/recipe" <<R
name seed
version 1
license MIT
build host
	for b in /bin/dash $*; do
		for f in \$(ldd "\$b" 2>/dev/null | grep -o '/[^ ]*'); do
			mkdir -p "\$DESTDIR\$(dirname "\$f")"
			cp -L "\$f" "\$DESTDIR\$f"
		done
		mkdir -p "\$DESTDIR/bin"
		cp -L "\$b" "\$DESTDIR/bin/"
	done
	ln -s dash "\$DESTDIR/bin/sh"
	mkdir -p "\$DESTDIR/tmp" "\$DESTDIR/usr/bin"
R
}
# spk OUT META MANIFEST PAYLOAD: a well-formed package file of those parts
# (docs/package.md), for hostile packages made by hand.
spk() {
	{ printf 'sprout-package 1\nmeta %s\n' "$(wc -c <"$2")"; cat "$2"
	  printf 'manifest %s\n' "$(wc -c <"$3")"; cat "$3"
	  printf 'payload none %s %s\n' "$(wc -c <"$4")" "$(wc -c <"$4")"; cat "$4"; } >"$1.body"
	{ cat "$1.body"; printf 'sha256 %s\n' "$(sha256sum <"$1.body" | cut -d' ' -f1)"; } >"$1"
	rm -f "$1.body"
}
# comp LINE: what bash completion (contrib/sprout.bash-completion) offers
# at the end of LINE, one a line, with the sprout under test as "sprout"
# (run from the top of the tree).
comp() {
	mkdir -p "$T/bin"
	[ -e "$T/bin/sprout" ] || ln -s "$SPROUT" "$T/bin/sprout"
	PATH="$T/bin:$PATH" bash -c '
		. contrib/sprout.bash-completion
		COMP_LINE=$1 COMP_POINT=${#1}
		read -ra COMP_WORDS <<<"$1"; [[ $1 == *" " ]] && COMP_WORDS+=("")
		COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
		_sprout
		printf "%s\n" "${COMPREPLY[@]}"' comp "$1"
}
