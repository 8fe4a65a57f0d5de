#!/bin/sh
# Run one golden case: SPROUT CASEFILE. Prints one TAP line.
# A case file holds "@ARGS words" (shell words, run from the repository
# root with a fresh --state), optionally "@EXIT n" (default 0), then
# "@EXPECT" and the exact combined stdout and stderr. In the output the
# state directory reads $STATE.
sprout=$1 case=$2
tmp=$(mktemp -d /tmp/sprout-golden.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
args=$(sed -n 's/^@ARGS //p' "$case")
exp_rc=$(sed -n 's/^@EXIT //p' "$case"); exp_rc=${exp_rc:-0}
sed -n '/^@EXPECT$/,$p' "$case" | sed 1d >"$tmp/expect"
eval "\"\$sprout\" --state \"\$tmp/state\" $args" >"$tmp/got" 2>&1
rc=$?
sed -i "s|$tmp/state|\$STATE|g" "$tmp/got"
name=$(basename "$case" .test)
if [ "$rc" = "$exp_rc" ] && cmp -s "$tmp/expect" "$tmp/got"; then
	echo "ok 1 - $name"
else
	echo "not ok 1 - $name (exit $rc, expected $exp_rc)"
	diff -u "$tmp/expect" "$tmp/got" | sed 's/^/# /'
fi
