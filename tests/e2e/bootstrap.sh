# sprout bootstrap on a small synthetic plan with host and native stages:
# fixpoint, digests (missing, recorded, matching, mismatching with the
# files named), smoke report, provenance (a host-built file is caught),
# outputs, and a second run that does nothing.
. "$TOP/tests/e2e/lib.sh"
P=$T/plan
mkdir -p "$P/recipes"
r() { mkdir -p "$P/recipes/$1"; cat >"$P/recipes/$1/recipe"; }
r tool <<'R'
name tool
version 1
license MIT
build host
	mkdir -p "$DESTDIR/usr/share"
	echo "made on the host" >"$DESTDIR/usr/share/tool.txt"
R
# The seed: the host's dash and a few tools with their libraries.
seed_recipe "$P/recipes/seed" /bin/cat /bin/cp /bin/mkdir /bin/ln /usr/bin/sha256sum
r gen <<'R'
name gen
version 1
license MIT
build native
	mkdir -p "$DESTDIR/usr/lib"
	echo "generation output" >"$DESTDIR/usr/lib/gen.txt"
R
r rootfs <<'R'
name rootfs
version 1
license MIT
build native: gen
	mkdir -p "$DESTDIR/usr/lib" "$DESTDIR/etc"
	cp "$DEPS/gen-2/usr/lib/gen.txt" "$DESTDIR/usr/lib/gen.txt"
	echo "root:x:0:0::/:/bin/sh" >"$DESTDIR/etc/passwd"
R
r smoke <<'R'
name smoke
version 1
license MIT
build packages
	test -f "$DEPS/rootfs/usr/lib/gen.txt"
	mkdir -p "$DESTDIR/smoke"
	echo "gen.txt present: ok" >"$DESTDIR/smoke/report"
R
cat >"$P/plan" <<'R'
plan tiny
arches x86_64 aarch64
recipes recipes
set SOURCE_DATE_EPOCH 1700000000
fixpoint gen-1 gen-2
final rootfs
smoke smoke
stage host
	step tool
	step seed
stage native rootfs=seed
	step gen-1 gen
	step gen-2 gen
	step rootfs use:gen=gen-2
stage packages rootfs=seed
	step smoke after=rootfs
R
# (The final rootfs of this tiny plan has no shell, so the smoke step runs
# in the seed and looks at the final rootfs through $DEPS.)
S=$T/state
bs() { "$SPROUT" --state "$S" bootstrap --plan "$P" "$@" >"$T/out" 2>&1; }

bs; rc=$?
check "without recorded digests, bootstrap fails" test $rc = 1
check "  ... saying the digests are missing and how to record them" grep -q 'MISSING.*--update-digests' "$T/out"
check "  ... after checking the fixpoint" grep -q '^fixpoint:   gen-1 and gen-2 are identical' "$T/out"
check "  ... and showing the smoke report" grep -q '^smoke:      gen.txt present: ok' "$T/out"
check "  ... and the provenance" grep -q "^provenance: .* each from a native-stage step; no host-built file" "$T/out"
check "--update-digests records them" bs --update-digests
check "  ... in digests.ARCH" sh -c "grep -c '^[a-z0-9-]* [0-9a-f]\{64\}\$' '$P/digests.$(uname -m)' | grep -qx 6"
check "  ... and manifests.ARCH" grep -q '^== rootfs ' "$P/manifests.$(uname -m)"
check "then bootstrap passes" bs
check "  ... reporting every step matched" grep -q '^digests:    all 6 steps match' "$T/out"
check "  ... and where the outputs are" grep -q "^outputs:    $S/outputs/tiny-" "$T/out"
check "  ... and ends with the command that enters the result" \
	sh -c "tail -n 1 '$T/out' | grep -qF 'enter it:   $SPROUT --state $S shell $P '"
O=$(ls -d "$S"/outputs/tiny-*)
check "the rootfs directory is written" test -f "$O/rootfs/usr/lib/gen.txt"
check "the tarball holds the rootfs" sh -c "tar tf '$O/rootfs.tar' | grep -qx 'usr/lib/gen.txt'"
check "  ... owned by 0/0, dated SOURCE_DATE_EPOCH" sh -c "tar tvf '$O/rootfs.tar' --full-time | grep 'usr/lib/gen.txt' | grep -q '0/0 .*2023-11-14 22:13:20'"
check "the provenance names the step of each file" grep -q '^gen-2 native f usr/lib/gen.txt$' "$O/provenance"
check "  ... and files the final step made itself" grep -q '^rootfs native f etc/passwd$' "$O/provenance"
t0=$(date +%s%N)
bs
t1=$(date +%s%N)
check "a second run builds nothing" grep -q 'bootstrap tiny for .*: 6 steps, 0 built, 6 cached' "$T/out"
check "  ... in under a second" test $(( (t1 - t0) / 1000000 )) -lt 1000

# A change in what the final step makes: the digest check names the file.
sed -i 's|echo "root:x:0:0::/:/bin/sh"|echo "root:x:0:0:changed:/:/bin/sh"|' "$P/recipes/rootfs/recipe"
bs; rc=$?
check "a changed output fails the digest check" test $rc = 1
check "  ... naming the step" grep -q '^digests:    MISMATCH rootfs' "$T/out"
check "  ... and the file" grep -q '~ etc/passwd' "$T/out"

# A host-built file slipped into the final rootfs is caught.
sed -i 's|^build native: gen$|depends tool\nbuild native: gen|' "$P/recipes/rootfs/recipe"
printf '\tmkdir -p "$DESTDIR/usr/share"\n\tcp "$DEPS/tool/usr/share/tool.txt" "$DESTDIR/usr/share/"\n' >>"$P/recipes/rootfs/recipe"
bs --update-digests; rc=$?
check "a host-built file in the final rootfs fails the run" test $rc = 1
check "  ... and is listed" grep -q 'usr/share/tool.txt (from host step tool)' "$T/out"

# A gap the plan declares for this arch is reported, not fatal.
printf 'host-built %s tool\n' "$(uname -m)" >>"$P/plan"
bs --update-digests; rc=$?
check "a declared host-built step is a known gap: the run passes" test $rc = 0
check "  ... and its files are listed" grep -q 'usr/share/tool.txt (tool)' "$T/out"
sed -i '$d' "$P/plan"

# A step that exists only for another arch is not part of this run.
sed -i 's/^\tstep tool$/\tstep tool only=riscv64/' "$P/plan"
"$SPROUT" --state "$S" plan "$P" >"$T/plan.out" 2>&1; rc=$?
check "only=ARCH leaves a step out on other arches" sh -c "test $rc = 3 && grep -q \"unknown dependency 'tool'\" '$T/plan.out'"
sed -i 's/^\tstep tool only=riscv64$/\tstep tool only=riscv64,'"$(uname -m)"'/' "$P/plan"
check "  ... and in on the arches it names" sh -c "'$SPROUT' --state '$S' plan '$P' | grep -q ' tool '"

# The fixpoint check bites when the two generations differ.
sed -i 's|echo "generation output"|echo "generation $STEP"|' "$P/recipes/gen/recipe"
bs --update-digests; rc=$?
check "a fixpoint difference fails the run" test $rc = 1
check "  ... naming the differing file" grep -q '~ usr/lib/gen.txt' "$T/out"

# A file the plan excludes from the fixpoint, with its reason, may differ.
printf 'fixpoint-exclude usr/lib/gen.txt it names the step that built it\nfixpoint-exclude usr/share/*.x a stale exclusion\n' >>"$P/plan"
bs --update-digests; rc=$?
check "with the differing file excluded, the fixpoint holds" sh -c "! grep -q '^fixpoint:   FAILED' '$T/out'"
check "  ... saying so" grep -q '^fixpoint:   gen-1 (.*) and gen-2 (.*) are identical but for what the plan excludes:$' "$T/out"
check "  ... with each exclusion's line, reason and what it took" \
	grep -q '^            excluded: usr/lib/gen.txt (plan line 17: it names the step that built it): 1 difference$' "$T/out"
check "  ... the file it left out, under it" \
	sh -c "grep -A1 'excluded: usr/lib/gen.txt' '$T/out' | grep -q '^              ~ usr/lib/gen.txt\$'"
check "  ... and an exclusion that took nothing" \
	grep -q '^            excluded: usr/share/\*.x (plan line 18: a stale exclusion): identical anyway$' "$T/out"
sed -i '$d' "$P/plan"
sed -i '$d' "$P/plan"

# --stage4 is refused before anything is built when it cannot run: this
# plan lives outside sprout's source tree and has no PLAN-stage4 beside it.
rm -rf "$S/store"
bs --stage4; rc=$?
check "bootstrap --stage4 of a plan outside sprout's tree: usage error (2)" test $rc = 2
check "  ... saying why" grep -q "bootstrap --stage4: sprout's source tree is not around the plan" "$T/out"
check "  ... before building anything" test ! -d "$S/store" -o -z "$(ls -A "$S/store" 2>/dev/null)"
"$SPROUT" --state "$S" --runner=plain bootstrap --plan "$P" --stage4 >"$T/out" 2>&1; rc=$?
check "  ... and with --runner=plain" sh -c "test $rc = 2 && grep -q 'not with --runner=plain' '$T/out'"
