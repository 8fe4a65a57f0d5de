# The trust checks on the minimal plan (long: make check-long, or
# SPROUT_LONG=1): audit accounts for every flagged file of its sources;
# verify finds every step reproducible under its variations and equal to
# the checked-in digests; verify --diverse (seed built by gcc, then by
# clang) gives a bit-identical native stage and final rootfs; the SBOM of
# the build validates against the SPDX 2.3 schema.
# SPROUT_DISTFILES=DIR reuses a distfiles directory (to save downloads).
. "$TOP/tests/e2e/lib.sh"
if [ "${SPROUT_LONG:-}" != 1 ]; then
	ok "# SKIP long test (make check-long, or SPROUT_LONG=1)"
	echo "1..$n"
	exit 0
fi
chmod 755 "$T"
export TMPDIR="$T"
S=$T/state
if [ -n "${SPROUT_DISTFILES:-}" ]; then
	mkdir -p "$S" && cp -r "$SPROUT_DISTFILES" "$S/distfiles"
fi
cd "$TOP" || exit 1
arch=$(uname -m)

sprout --state "$S" audit plans/minimal >"$T/audit" 2>&1; rc=$?
grep -v '^  ' "$T/audit" | sed 's/^/# /'
check "audit: every flagged file of the minimal plan's sources is accounted for" test $rc = 0
check "  ... the summary says so" grep -q ' 0 not accounted for$' "$T/audit"

t0=$(date +%s)
sprout --state "$S" verify plans/minimal >"$T/verify" 2>&1; rc=$?
t1=$(date +%s)
sed -n '/^  step /,/^result/p' "$T/verify" | sed 's/^/# /'
check "verify: every step of the minimal plan is reproducible ($((t1 - t0)) s)" test $rc = 0
check "  ... in every variant, and equal to digests.$arch" \
	sh -c "! sed -n '/^  step /,/^\$/p' '$T/verify' | sed 1d | grep -v ' same  same  [a-z]*  same  *reproducible\$' | grep -q ."

t0=$(date +%s)
sprout --state "$S" verify --diverse plans/minimal >"$T/diverse" 2>&1; rc=$?
t1=$(date +%s)
sed -n '/^diverse double-compiling/,$p' "$T/diverse" | sed 's/^/# /'
check "verify --diverse: the native stage is bit-identical whether gcc or clang built the seed ($((t1 - t0)) s)" test $rc = 0
check "  ... tcc, musl and the final rootfs among the compared steps" \
	sh -c "grep -Eq '^  tcc-3 .* identical\$' '$T/diverse' && grep -Eq '^  musl .* identical\$' '$T/diverse' && grep -Eq '^  rootfs .* identical\$' '$T/diverse'"

sprout --state "$S" sbom plans/minimal -o "$T/sbom.json" 2>"$T/sbom.err"
check "sbom of the minimal plan is written" test -s "$T/sbom.json"
if python3 -c 'import jsonschema' 2>/dev/null; then
	check "  ... and validates against the SPDX 2.3 schema" python3 -c '
import json, sys, jsonschema
jsonschema.validate(json.load(open(sys.argv[2])), json.load(open(sys.argv[1])))' \
		"$TOP/tests/data/spdx-schema-2.3.json" "$T/sbom.json"
	check "  ... listing the final rootfs's tcc, make and busybox" python3 -c '
import json, sys
names = {f["fileName"] for f in json.load(open(sys.argv[1]))["files"]}
sys.exit(0 if {"./usr/bin/tcc", "./usr/bin/make", "./usr/bin/busybox"} <= names else 1)' "$T/sbom.json"
else
	ok "# SKIP python3-jsonschema is not installed (sh mk/deps.sh --test)"
fi
echo "1..$n"
