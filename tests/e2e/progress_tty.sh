# sprout build on a terminal (a pseudo-terminal from util-linux's script):
# the live lines are redrawn in place with ANSI cursor movement, not
# scrolled; the run ends with the summary; NO_COLOR, --color and --plain
# are honoured; -v shows each log line once.
. "$TOP/tests/e2e/lib.sh"
if ! command -v script >/dev/null 2>&1; then
	ok "# SKIP no script(1) (util-linux) for a pseudo-terminal"
	exit 0
fi
P=$T/plan
for r in one two three; do
	mkdir -p "$P/recipes/$r"
	cat >"$P/recipes/$r/recipe" <<R
name $r
version 1
license MIT
build host
	for i in 1 2 3 4 5 6; do echo "$r is at \$i"; sleep 0.2; done
	echo $r >"\$DESTDIR/$r"
R
done
echo 'depends one' >>"$P/recipes/three/recipe"
printf 'plan tty\narches x86_64 aarch64\nrecipes recipes\nset SOURCE_DATE_EPOCH 0\nstage host\n\tstep one\n\tstep two\n\tstep three\n' >"$P/plan"

# on_tty FILE ENV ARGS...: run sprout under a pseudo-terminal, its output
# in FILE, with TERM=xterm and no NO_COLOR, then ENV (VAR=VALUE words).
on_tty() {
	f=$1 envs=$2; shift 2
	cmd="'$SPROUT' --state '$T/state' --runner=plain $*"
	env -u NO_COLOR TERM=xterm $envs script -qec "$cmd" "$f" >/dev/null 2>&1 </dev/null
}

# screen FILE: what a terminal shows at the end, given the output in FILE:
# a small terminal that knows CR, LF, cursor up (ESC [ n A), erase below
# (ESC [ J), erase line (ESC [ K, ESC [ 2 K) and ignores colours (ESC [ ... m).
screen() {
	sed '1{/^Script started/d};${/^Script done/d}' "$1" | LC_ALL=C awk '
	BEGIN { row = 0; col = 0; max = 0 }
	function put(ch) { line = scr[row]; while (length(line) < col) line = line " ";
		scr[row] = substr(line, 1, col) ch substr(line, col + 2); col++; if (row > max) max = row }
	{
		s = $0
		for (i = 1; i <= length(s); i++) {
			c = substr(s, i, 1)
			if (c == "\r") { col = 0; continue }
			if (c == "\033" && substr(s, i + 1, 1) == "[") {
				j = i + 2; n = ""
				while (substr(s, j, 1) ~ /[0-9;?]/) { n = n substr(s, j, 1); j++ }
				f = substr(s, j, 1); i = j
				if (n == "") n = 1
				if (f == "A") { row -= n; if (row < 0) row = 0 }
				else if (f == "J") { scr[row] = substr(scr[row], 1, col); for (k = row + 1; k <= max; k++) scr[k] = ""; max = row }
				else if (f == "K") { if (n == 2) scr[row] = ""; else scr[row] = substr(scr[row], 1, col) }
				continue
			}
			put(c)
		}
		row++; col = 0; if (row > max) max = row
	}
	END { last = max; while (last > 0 && scr[last] == "") last--; for (k = 0; k <= last; k++) print scr[k] }'
}
# nosgr FILE: FILE without colours.
nosgr() { sed "s/$(printf '\033')\[[0-9;]*m//g" "$1"; }

on_tty "$T/live.ts" "" -j2 build "$P"
screen "$T/live.ts" >"$T/live.screen"
check "on a terminal the build succeeds" grep -q '^tty: 3 built, 0 cached' "$T/live.screen"
nosgr "$T/live.ts" >"$T/live.raw"
check "  ... with live lines for the running steps" grep -q '^  one (host) 0:0.* of ~' "$T/live.raw"
check "  ... and the overall line with elapsed time and ETA" grep -q '\[[0-3]/3\] elapsed 0:0[0-9], ETA ' "$T/live.raw"
check "  ... and a line of each step's log in its live line" grep -q 'two (host) .*  two is at [2-6]' "$T/live.raw"
check "  ... redrawn in place (cursor up, erase below)" sh -c "grep -q \"\$(printf '\\033')\\[[0-9]*A\" '$T/live.ts' && grep -q \"\$(printf '\\033')\\[J\" '$T/live.ts'"
redraws=$(grep -o "$(printf '\033')\[[0-9]*A" "$T/live.ts" | wc -l)
check "  ... many times ($redraws)" test "$redraws" -ge 6
check "  ... yet the screen keeps no live line (no scrolling)" sh -c "! grep -q 'elapsed\\|(host) 0:0' '$T/live.screen'"
check "  ... and no line twice" sh -c "[ -z \"\$(grep -v '^ *\$' '$T/live.screen' | sort | uniq -d)\" ]"
check "  ... but one line per finished step" test "$(grep -c '^\[[1-3]/3\] done   ' "$T/live.screen")" = 3
check "the run ends with the summary table" sh -c "tail -n 5 '$T/live.screen' | head -n 1 | grep -q '^step  *stage  *result  *time  *size  *digest'"
check "  ... one row per step, built" test "$(grep -c '^[a-z]*  *host  *built ' "$T/live.screen")" = 3
check "  ... and the totals" sh -c "tail -n 1 '$T/live.screen' | grep -q '^tty: 3 built'"
check "colours on a terminal by default" grep -q "$(printf '\033')\[32m" "$T/live.ts"
check "durations were recorded for the next ETA" test -s "$T/state/durations/tty/x86_64/three"

# Each run below changes every recipe, so that all three steps run again
# (three needs one, but one rebuilt to the same bytes leaves it cached).
sed -i 's/ is at / now at /' "$P"/recipes/*/recipe
on_tty "$T/nocolor.ts" NO_COLOR=1 -j2 build "$P"
check "NO_COLOR: still redrawn in place" grep -q "$(printf '\033')\[[0-9]*A" "$T/nocolor.ts"
check "  ... but no colour" sh -c "! grep -q \"\$(printf '\\033')\\[[0-9;]*m\" '$T/nocolor.ts'"
check "  ... and the ETA comes from the last run (no ~)" grep -q 'one (host) 0:0[0-9] of 0:0[0-9]' "$T/nocolor.ts"
sed -i 's/ now at / then at /' "$P"/recipes/*/recipe
on_tty "$T/always.ts" NO_COLOR=1 --color=always -j2 build "$P"
check "--color=always wins over NO_COLOR" grep -q "$(printf '\033')\[32m" "$T/always.ts"
sed -i 's/ then at / again at /' "$P"/recipes/*/recipe
on_tty "$T/never.ts" "" --color=never -j2 build "$P"
check "--color=never: no colour on a terminal" sh -c "! grep -q \"\$(printf '\\033')\\[[0-9;]*m\" '$T/never.ts'"

sed -i 's/ again at / dumbly at /' "$P"/recipes/*/recipe
on_tty "$T/dumb.ts" TERM=dumb -j2 build "$P"
check "TERM=dumb: no cursor movement, no colour" sh -c "! grep -q \"\$(printf '\\033')\" '$T/dumb.ts'"
check "  ... a line per step start and end instead" test "$(grep -c '\] start  \|\] done   ' "$T/dumb.ts")" = 6

sed -i 's/ dumbly at / plainly at /' "$P"/recipes/*/recipe
on_tty "$T/plain.ts" "" --plain -j2 build "$P"
check "--plain on a terminal: no cursor movement" sh -c "! grep -q \"\$(printf '\\033')\\[[0-9]*A\" '$T/plain.ts'"
check "  ... a line per step start and end" test "$(nosgr "$T/plain.ts" | grep -c '\] start  \|\] done   ')" = 6

sed -i 's/ plainly at / loudly at /' "$P"/recipes/*/recipe
on_tty "$T/verbose.ts" "" -v -j2 build "$P"
screen "$T/verbose.ts" >"$T/verbose.screen"
check "-v on a terminal: every log line shown once, with its step" \
	test "$(grep -c '^one| one loudly at [1-6]$' "$T/verbose.screen")" = 6
check "  ... above the live lines, which leave no trace" sh -c "! grep -q 'elapsed' '$T/verbose.screen'"

# A failure on a terminal: the report, then the summary, nothing left of the block.
printf 'exit 7\n' | sed 's/^/\t/' >>"$P/recipes/two/recipe"
on_tty "$T/fail.ts" "" -j2 build "$P"
screen "$T/fail.ts" >"$T/fail.screen"
check "a failure on a terminal: the report" grep -q "step 'two' (stage host) failed.*exit status 7" "$T/fail.screen"
check "  ... with the command to look inside" grep -q "to look inside: .*shell $P two" "$T/fail.screen"
check "  ... and the summary" grep -q '^two  *host  *failed ' "$T/fail.screen"
check "  ... and no live line left" sh -c "! grep -q 'elapsed' '$T/fail.screen'"

# The ETA of a first build on this machine: from the durations recorded
# with the plan (durations.ARCH, as bootstrap --update-digests writes
# them), scaled by how fast this machine runs the first finished steps.
sed -i '/^\texit 7$/d; s/ loudly at / timely at /' "$P"/recipes/*/recipe
rm -rf "$T/state/durations"
printf '# recorded elsewhere\none 60\ntwo 60\nthree 60\n' >"$P/durations.x86_64"
on_tty "$T/eta.ts" "" -j2 build "$P"
check "first build: the plan's durations give the first ETA (one and two at once, then three)" \
	grep -q 'ETA 2:00' "$T/eta.ts"
nosgr "$T/eta.ts" >"$T/eta.raw"
check "  ... and each step's expected time" grep -q 'one (host) 0:0[0-9] of ~1:00' "$T/eta.raw"
check "  ... scaled down once the first steps finish in seconds, not minutes" \
	sh -c "sed -n '/done.* one /,\$p' '$T/eta.ts' | grep -q 'ETA 0:0[0-9]'"
