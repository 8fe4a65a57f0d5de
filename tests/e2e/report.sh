# sprout report: one self-contained HTML page about a plan's last build
# (no script, no network), checked in a real browser when chromium is
# here: rendered to a PNG, and its text read back through --dump-dom.
. "$TOP/tests/e2e/lib.sh"
S=$T/state
P=$TOP/tests/golden/data/small
sprout --state "$S" report "$P" >"$T/out" 2>&1; rc=$?
check "before any build: exit 1" test $rc = 1
check "  ... saying what to build, with --state" \
	grep -qF "report: no build of plan small for $(uname -m) is recorded in $S; build it first: $SPROUT --state $S build $P" "$T/out"
sprout --state "$S" --runner=plain -j2 build "$P" >/dev/null 2>&1
check "a build leaves the run record" grep -q '^step lib host built [0-9.]* [0-9.]* [01] 90 7b368abdd1d1' "$S/runs/$(uname -m)/small"
# a step that fails shows as failed; the record of the run is the last one
sprout --state "$S" --runner=plain audit "$P" >/dev/null 2>&1
check "report -o FILE writes the page" sprout --state "$S" report "$P" -o "$T/r.html"
check "  ... one HTML document" sh -c "head -n 1 '$T/r.html' | grep -qx '<!DOCTYPE html>' && tail -n 1 '$T/r.html' | grep -qx '</html>'"
check "  ... with no script" sh -c "! grep -qi '<script' '$T/r.html'"
check "  ... and nothing fetched (no src=, href= or url())" sh -c "! grep -qiE 'src=|href=|url\\(' '$T/r.html'"
check "  ... an SVG timeline with a bar per step" sh -c "test \$(grep -c '<rect x=\"[0-9.]*\" y=\"[0-9]*\" width=\"[0-9.]*\" height=\"[0-9]*\" rx=' '$T/r.html') = 3"
sprout --state "$S" report "$P" >"$T/stdout.html" 2>/dev/null
check "  ... the same page on stdout without -o" cmp -s "$T/r.html" "$T/stdout.html"

B=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$B" ]; then
	ok "# SKIP no chromium (sh mk/deps.sh --test installs it)"
	echo "1..$n"
	exit 0
fi
# chromium as root needs --no-sandbox; no network, no profile of the user's
flags="--headless --no-sandbox --disable-gpu --no-first-run --disable-background-networking
	--disable-component-update --disable-sync --user-data-dir=$T/chromium"
timeout 120 "$B" $flags --dump-dom "file://$T/r.html" >"$T/dom.html" 2>"$T/chromium.err"
check "chromium reads the page (--dump-dom)" grep -q '<svg' "$T/dom.html"
check "  ... the title and the run" sh -c "sed -e 's/<[^>]*>//g' '$T/dom.html' | tr -s ' \n' ' ' | grep -q 'Plan small for $(uname -m).*ok; 3 built, 0 cached, 0 failed, 0 not started'"
check "  ... every step with its digest" sh -c "grep -q '3b6d856bb7b8662f2a88e26d81085e0417db3933baff201f724451a2b154c360' '$T/dom.html' && grep -q 'd21e04d20fa8c861923996eb6b00e9090452683582fed00a85abbd2d7c7e77d4' '$T/dom.html'"
check "  ... the checks, with the audit that was run" sh -c "sed -e 's/<[^>]*>//g' '$T/dom.html' | tr -s ' \n' ' ' | grep -q 'audit: ok: 1 source, 1 file, 0 flagged'"
check "  ... verify not run" sh -c "sed -e 's/<[^>]*>//g' '$T/dom.html' | tr -s ' \n' ' ' | grep -q 'verify: not run'"
timeout 120 "$B" $flags --window-size=1100,800 --screenshot="$T/r.png" "file://$T/r.html" >/dev/null 2>>"$T/chromium.err"
check "chromium renders it to a PNG" sh -c "test -s '$T/r.png' && head -c 8 '$T/r.png' | od -An -c | grep -q 'P   N   G'"
echo "1..$n"
