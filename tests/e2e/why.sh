# sprout plan --why STEP names the input that makes a step rebuild, for
# every kind of input: recipe, patch, source, dependency, setting, build
# script; added and removed ones too; and a step whose key waits for a
# dependency that must be built first (its key hashes that output).
. "$TOP/tests/e2e/lib.sh"
P=$T/plan
S=$T/state
mkdir -p "$P/recipes/base" "$P/recipes/lib" "$P/recipes/app" "$P/recipes/tool"
printf 'one\n' >"$P/recipes/base/data.txt"
h1=$(sha256sum "$P/recipes/base/data.txt" | cut -d' ' -f1)
mkrecipe_local "$P/recipes/base" base data.txt <<'R'
build host
	cp data.txt "$DESTDIR/"
R
printf 'fix one\n' >"$P/recipes/lib/fix.patch"
printf 'fix two\n' >"$P/recipes/lib/two.patch"
mkrecipe "$P/recipes/lib" lib <<'R'
patch fix.patch
depends base
build host
	cat patches/*.patch >"$DESTDIR/lib"
build other
	echo other >"$DESTDIR/lib"
R
printf 'name app\nversion 1\nlicense MIT\ndepends lib\nbuild host\n\techo app >"$DESTDIR/app"\n' >"$P/recipes/app/recipe"
printf 'name tool\nversion 1\nlicense MIT\nbuild host\n\techo tool >"$DESTDIR/tool"\n' >"$P/recipes/tool/recipe"
plan() { # extra lines for the lib step
	printf 'plan why\narches x86_64 aarch64\nrecipes recipes\nset SOURCE_DATE_EPOCH 0\n%s\nstage host\n\tstep base\n\tstep tool\n\tstep lib %s\n\tstep app\n' "$1" "$2" >"$P/plan"
}
plan 'set FLAVOUR mild' ''
build() { "$SPROUT" --state "$S" --runner=plain -q build "$P" >/dev/null 2>&1; }
# why STEP: the reason column of sprout plan --why STEP.
why() { "$SPROUT" --state "$S" plan "$P" --why "$1" | sed -E 's/^ +[a-z]+ +[a-z]+ +(build|cached) +//'; }
is() { # step, expected reason
	got=$(why "$1")
	if [ "$got" = "$2" ]; then ok "$1: $2"; else notok "$1: expected '$2', got '$got'"; fi
}

is base "never built"
is lib "never built; waits for base"
build
is lib "digest $(head -c 12 "$(stored "$S" why lib)/digest")"
check "--why prints only that step" test "$("$SPROUT" --state "$S" plan "$P" --why lib | wc -l)" = 1

sed -i 's/^version 1$/version 2/' "$P/recipes/lib/recipe"
is lib "recipe changed (version 1 -> 2)"
is app "waits for lib"
is base "digest $(head -c 12 "$(stored "$S" why base)/digest")"
build
sed -i 's/cat patches/cat -- patches/' "$P/recipes/lib/recipe"
is lib "recipe changed"
build

printf 'fix one, better\n' >"$P/recipes/lib/fix.patch"
is lib "patch fix.patch changed"
build
sed -i 's/^patch fix.patch$/patch fix.patch\npatch two.patch/' "$P/recipes/lib/recipe"
is lib "recipe changed, patch two.patch added"
build
sed -i '/^patch fix.patch$/d' "$P/recipes/lib/recipe"
is lib "recipe changed, patch fix.patch removed"
build

printf 'two\n' >"$P/recipes/base/data.txt"
h2=$(sha256sum "$P/recipes/base/data.txt" | cut -d' ' -f1)
sed -i "s/$h1/$h2/" "$P/recipes/base/recipe"
is base "recipe changed, source data.txt changed"
is lib "waits for base"
build_only() { "$SPROUT" --state "$S" --runner=plain -q build "$P" "$1" >/dev/null 2>&1; }
build_only base
is lib "dependency base changed"
is app "waits for lib"
build

plan 'set FLAVOUR hot' ''
is tool "setting FLAVOUR changed (mild -> hot)"
is lib "setting FLAVOUR changed (mild -> hot); waits for base"
build
plan "$(printf 'set FLAVOUR hot\nset EXTRA 1')" ''
is tool "setting EXTRA added"
build
plan 'set FLAVOUR hotter' ''
is tool "setting FLAVOUR changed (hot -> hotter), setting EXTRA removed"
build

plan 'set FLAVOUR hotter' 'after=tool'
is lib "dependency tool added"
build
plan 'set FLAVOUR hotter' 'build=other'
is lib "build script changed (host -> other), dependency tool removed"
build

rm -rf "$(stored "$S" why app)"
is app "output missing from the store"
sed -i 's/^version 1$/version 5/' "$P/recipes/tool/recipe"
rm -rf "$(stored "$S" why tool)"
is tool "its last build is gone from the store (nothing to compare with)"
