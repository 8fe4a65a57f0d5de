# sprout verify: a step whose build embeds the time or a random value is
# caught and the differing file named (with diffoscope's report when it is
# installed: here a stand-in); steps that are reproducible pass under every
# variant (job count, order, state path, umask, junk environment, another
# user); the plan's expected digests are checked; --order=reverse and --set.
. "$TOP/tests/e2e/lib.sh"
chmod 755 "$T"
export TMPDIR="$T"   # where the variant run as another user keeps its state
P=$T/plan
mkdir -p "$P/recipes/stable" "$P/recipes/clock" "$P/recipes/random" "$P/recipes/user" "$T/src/pkg-1" "$T/bin"
echo hello >"$T/src/pkg-1/file.txt"
chmod 644 "$T/src/pkg-1/file.txt"
tar czf "$P/recipes/stable/pkg-1.tar.gz" -C "$T/src" pkg-1
h=$(sha256sum "$P/recipes/stable/pkg-1.tar.gz" | cut -d' ' -f1)
# What a build sees of its environment, umask and source modes is part of
# its output: none of the variants may change it.
cat >"$P/recipes/stable/recipe" <<R
name stable
version 1
license MIT
source pkg-1.tar.gz
	sha256 $h
	local pkg-1.tar.gz
build host
	mkdir -p "\$DESTDIR/share"
	cp -p pkg-1/file.txt "\$DESTDIR/share/"
	env | grep -v -e '^JOBS=' -e '^MAKEFLAGS=' | sort >"\$DESTDIR/share/env"
	umask >"\$DESTDIR/share/umask"
	ls -l pkg-1 | cut -c1-10 >"\$DESTDIR/share/modes"
R
cat >"$P/recipes/clock/recipe" <<'R'
name clock
version 1
license MIT
depends stable
build host
	mkdir -p "$DESTDIR/share"
	date +%s >"$DESTDIR/share/stamp"
	cp "$SYSROOT/share/file.txt" "$DESTDIR/share/copy"
R
cat >"$P/recipes/random/recipe" <<'R'
name random
version 1
license MIT
build host
	od -An -N16 -tx1 /dev/urandom >"$DESTDIR/random"
R
cat >"$P/recipes/user/recipe" <<'R'
name user
version 1
license MIT
depends stable
build host
	cat "$SYSROOT/share/file.txt" >"$DESTDIR/user"
R
printf 'plan vt\narches x86_64 aarch64\nrecipes recipes\nset SOURCE_DATE_EPOCH 1700000000\nstage host\n\tstep stable\n\tstep clock\n\tstep random\n\tstep user\n' >"$P/plan"
chmod -R a+rX "$P"
# A stand-in for diffoscope: verify runs "diffoscope --text REPORT A B".
printf '#!/bin/sh\necho "stand-in report: $3 vs $4" >"$2"\nexit 1\n' >"$T/bin/diffoscope"
chmod 755 "$T/bin/diffoscope"
S=$T/state
arch=$(uname -m)

PATH="$T/bin:$PATH" sprout --state "$S" verify "$P" >"$T/out" 2>&1; rc=$?
check "verify of a plan with unreproducible steps exits 1" test "$rc" = 1
check "  ... after building the reference first" grep -q '^verify: reference: 4 built, 0 cached' "$T/out"
check "  ... the step that records the time is not reproducible" grep -Eq '^  clock .* DIFF .*NOT reproducible$' "$T/out"
check "  ... nor the one that records a random value" grep -Eq '^  random .* DIFF .*NOT reproducible$' "$T/out"
check "  ... and the differing files are named" sh -c "grep -q '^    A: ~ share/stamp$' '$T/out' && grep -q '^    B: ~ random$' '$T/out'"
check "  ... with diffoscope's report saved beside the logs" \
	grep -q '^stand-in report: ' "$S/logs/vt/$arch/verify/clock.A.diffoscope.txt"
check "  ... and the variant's log of the step" test -f "$S/logs/vt/$arch/verify/random.B.log"
check "the step that reads its environment, umask and source modes is reproducible in every variant" \
	grep -Eq '^  stable .*same  same  (same|skip)  -  .*reproducible$' "$T/out"
check "  ... and so is the one after it" grep -Eq '^  user .* reproducible$' "$T/out"
check "  ... so the junk variables did not reach the build" sh -c "! grep -q JUNK '$S'/store/*/out/share/env"
check "variant B ran in reverse order with umask 0077 and a longer state path" \
	grep -q '^  B  -j[0-9]*, reverse order, umask 0077, junk variables' "$T/out"
if [ "$(id -u)" = 0 ]; then
	check "as root, variant C runs rootless as another user" grep -Eq '^  C  built in ' "$T/out"
else
	check "not root: variant C is skipped, and says why" grep -q '^  not checked: variant C (not root' "$T/out"
fi
check "the summary counts 2 of 4 reproducible" grep -q '^verify: 2 of 4 steps reproducible in ' "$T/out"
rm -rf "$S/verify" "$T"/sprout-verify-*

sprout --state "$S" verify "$P" stable user >"$T/out2" 2>&1; rc=$?
check "verify of reproducible steps exits 0" test "$rc" = 0
check "  ... with the reference from the cache" grep -q '^verify: reference: 0 built, 2 cached' "$T/out2"
check "  ... and says so" grep -q '^result: reproducible$' "$T/out2"
check "  ... and leaves no variant state behind" test ! -e "$S/verify/a"

# --shallow: the named step alone is rebuilt in each variant, what it
# needs hard-linked from the store (and not compared).
sprout --state "$S" verify --shallow "$P" user >"$T/sh.out" 2>&1; rc=$?
check "verify --shallow of a reproducible step exits 0" test "$rc" = 0
check "  ... rebuilding it alone, its dependency taken from the store" \
	grep -q '^verify vt for [a-z0-9_]*: 1 step rebuilt in 3 variants, its 1 dependency taken from the reference.s store (--shallow)$' "$T/sh.out"
check "  ... the step compared, the dependency not" \
	sh -c "grep -Eq '^  user .* reproducible$' '$T/sh.out' && ! grep -Eq '^  stable ' '$T/sh.out'"
if [ "$(id -u)" = 0 ]; then
	check "  ... in variant C too, run as another user" grep -Eq '^  C  built in ' "$T/sh.out"
else
	ok "# SKIP not root: no variant C"
fi
sprout --state "$S" verify --shallow "$P" >"$T/sh2.out" 2>&1; rc=$?
check "verify --shallow with no step named is a usage error (exit 2)" \
	sh -c "test $rc = 2 && grep -q 'shallow rebuilds the steps named' '$T/sh2.out'"

# The plan's expected digests: one right, one wrong.
key() { head -c 64 "$S/last/vt/$arch/$1"; }
d_stable=$(cat "$S/store/$(key stable)/digest")
{ echo "# expected"; echo "stable $d_stable"; echo "user 0000000000000000000000000000000000000000000000000000000000000000"; } \
	>"$P/digests.$arch"
sprout --state "$S" verify "$P" stable user >"$T/out3" 2>&1; rc=$?
check "a cached digest that differs from the plan's expected one fails" test "$rc" = 1
check "  ... the matching step says same" grep -Eq '^  stable .* same +reproducible$' "$T/out3"
check "  ... the other DIFF, naming the digests file" \
	sh -c "grep -Eq '^  user .* DIFF +NOT reproducible$' '$T/out3' && grep -q 'differs from the plan.s 000000000000 ($P/digests.$arch)' '$T/out3'"
rm -f "$P/digests.$arch"

# --order=reverse: with -j1, of the independent steps the last starts first.
sprout --state "$T/o1" -j1 build "$P" >"$T/o1.out" 2>&1
sprout --state "$T/o2" -j1 --order=reverse build "$P" >"$T/o2.out" 2>&1
check "plan order starts stable first" sh -c "grep -m1 start '$T/o1.out' | grep -q ' stable '"
check "--order=reverse starts random first" sh -c "grep -m1 start '$T/o2.out' | grep -q ' random '"
check "  ... and both orders give the same digest for stable" \
	test "$(cat "$T/o1/store/$(head -c 64 "$T/o1/last/vt/$arch/stable")/digest")" = \
	"$(cat "$T/o2/store/$(head -c 64 "$T/o2/last/vt/$arch/stable")/digest")"

# --set: a setting is part of every key and reaches the build.
sprout --state "$S" --set EXTRA=1 plan "$P" >"$T/set.out" 2>&1
check "--set KEY=VALUE changes the keys: plan says why" grep -q "stable .*setting EXTRA added" "$T/set.out"
sprout --state "$S" --set PATH=/x plan "$P" >"$T/set2.out" 2>&1; rc=$?
check "--set of a name sprout sets itself is refused (exit 2)" test "$rc" = 2
check "  ... saying why" grep -q "^sprout: --set: 'PATH' is set by sprout itself$" "$T/set2.out"
echo "1..$n"
