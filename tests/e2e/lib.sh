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
