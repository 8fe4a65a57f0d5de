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
# mkrecipe DIR NAME: write DIR/recipe for step NAME (version 1, license
# MIT) followed by the lines on stdin: its other keys and build scripts.
mkrecipe() {
	mkdir -p "$1"
	{ printf 'name %s\nversion 1\nlicense MIT\n' "$2"; cat; } >"$1/recipe"
}
# mkrecipe_local DIR NAME FILE [LINE...]: mkrecipe with one source first,
# the file DIR/FILE pinned by its sha256, the LINEs under it (audit rules,
# inner archives), then the lines on stdin.
mkrecipe_local() {
	_rd=$1 _rn=$2 _rf=$3; shift 3
	_rh=$(sha256sum "$_rd/$_rf" | cut -d' ' -f1)
	{ printf 'source %s\n\tsha256 %s\n\tlocal %s\n' "$_rf" "$_rh" "$_rf"
	  for _rl in "$@"; do printf '\t%s\n' "$_rl"; done
	  cat; } | mkrecipe "$_rd" "$_rn"
}
# mkplan DIR NAME STEP...: write DIR/plan, plan NAME for x86_64 and
# aarch64 with its recipes in DIR/recipes, SOURCE_DATE_EPOCH 1700000000,
# and the STEPs in one stage, host.
mkplan() {
	_pd=$1 _pn=$2; shift 2
	{ printf 'plan %s\narches x86_64 aarch64\nrecipes recipes\nset SOURCE_DATE_EPOCH 1700000000\nstage host\n' "$_pn"
	  for _ps in "$@"; do printf '\tstep %s\n' "$_ps"; done; } >"$_pd/plan"
}
# stored S PLAN STEP: the store entry (a directory) of the last x86_64
# build of STEP of PLAN in the state directory S (docs/state.md).
stored() { printf '%s/store/%s\n' "$1" "$(head -c 64 "$1/last/$2/x86_64/$3" 2>/dev/null)"; }
# log_has S PLAN STEP LINE...: whether the x86_64 log of STEP of PLAN in
# the state directory S has each LINE, whole.
log_has() {
	_ll="$1/logs/$2/x86_64/$3.log"; shift 3
	for _lx in "$@"; do grep -qxF -- "$_lx" "$_ll" || return 1; done
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
