#!/bin/sh
# Run one golden case: SPROUT CASEFILE. Prints one TAP line.
# A case file holds "@ARGS words" (shell words, run from the repository
# root with a fresh --state), optionally "@EXIT n" (default 0), then
# "@EXPECT" and the exact combined stdout and stderr. In the output the
# state directory reads $STATE and the sprout binary's path reads sprout.
# Optional lines:
#   @SETUP words   run first, in order, with the same state; output dropped
#   @DURATIONS     durations ("0.0s", " 12.34s") read " Ns", spaces before
#                  them included, and JSON's ("seconds": 0.012) read
#                  "seconds": N, so that timings do not matter
# No configuration file is read (docs/config.md) but one a case names.
# The installed plans (SPROUT_DATADIR) are looked for in a directory that
# does not exist, which the output names $DATADIR.
sprout=$1 case=$2
tmp=$(mktemp -d /tmp/sprout-golden.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
XDG_CONFIG_HOME=$tmp/config SPROUT_SYSTEM_CONFIG=$tmp/no-system.conf
SPROUT_DATADIR=$tmp/data
export XDG_CONFIG_HOME SPROUT_SYSTEM_CONFIG SPROUT_DATADIR
args=$(sed -n 's/^@ARGS //p' "$case")
exp_rc=$(sed -n 's/^@EXIT //p' "$case"); exp_rc=${exp_rc:-0}
sed -n '/^@EXPECT$/,$p' "$case" | sed 1d >"$tmp/expect"
sed -n 's/^@SETUP //p' "$case" >"$tmp/setup"
while IFS= read -r setup; do
	eval "\"\$sprout\" --state \"\$tmp/state\" $setup" </dev/null >/dev/null 2>&1
done <"$tmp/setup"
eval "\"\$sprout\" --state \"\$tmp/state\" $args" >"$tmp/got" 2>&1
rc=$?
sed -i -e "s|$tmp/state|\$STATE|g" -e "s|$tmp/data|\$DATADIR|g" -e "s|$sprout|sprout|g" "$tmp/got"
if grep -q '^@DURATIONS$' "$case"; then
	sed -i -E -e 's/ +[0-9]+(\.[0-9]+)?s\b/ Ns/g' -e 's/"seconds": [0-9]+(\.[0-9]+)?/"seconds": N/g' "$tmp/got"
fi
name=$(basename "$case" .test)
if [ "$rc" = "$exp_rc" ] && cmp -s "$tmp/expect" "$tmp/got"; then
	echo "ok 1 - $name"
else
	echo "not ok 1 - $name (exit $rc, expected $exp_rc)"
	diff -u "$tmp/expect" "$tmp/got" | sed 's/^/# /'
fi
