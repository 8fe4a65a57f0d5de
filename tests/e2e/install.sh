# make install: the program, the man page, the completion, and the plans
# with their recipes under PREFIX/share/sprout, which an installed sprout
# finds after the working directory's plans/ (issue 16 item 3).
. "$TOP/tests/e2e/lib.sh"
R=$T/root
make -s -C "$TOP" -o all install DESTDIR="$R" PREFIX=/usr >"$T/make.out" 2>&1; rc=$?
check "make install DESTDIR=... PREFIX=/usr works" test $rc = 0
check "  ... installs the program" test -x "$R/usr/bin/sprout"
check "  ... the plans" test -f "$R/usr/share/sprout/plans/minimal/plan"
check "  ... with their digests" test -f "$R/usr/share/sprout/plans/minimal/digests.x86_64"
check "  ... and the recipes" test -f "$R/usr/share/sprout/recipes/tcc/recipe"
mkdir -p "$T/elsewhere"
cd "$T/elsewhere" || exit 1
"$R/usr/bin/sprout" --state "$T/s" plan minimal >"$T/out" 2>&1; rc=$?
check "outside the source tree, the installed sprout finds plan minimal" \
	sh -c "test $rc = 0 && grep -q '^plan minimal for .*steps' '$T/out'"
"$R/usr/bin/sprout" --state "$T/s" --arch x86_64 plan minimal --why rootfs >"$T/out" 2>&1
check "  ... and its recipes" grep -q "rootfs" "$T/out"
mkdir -p plans/minimal
mkdir -p plans/minimal/x
printf 'name x\nversion 1\nlicense MIT\nbuild host\n\ttrue\n' >plans/minimal/x/recipe
printf 'plan minimal\narches x86_64 aarch64\nrecipes .\nset SOURCE_DATE_EPOCH 0\nstage host\n\tstep x\n' >plans/minimal/plan
"$R/usr/bin/sprout" --state "$T/s" plan minimal >"$T/out" 2>&1
check "the working directory's plans/ come first" grep -q '^plan minimal for .*: 1 step, 0 cached, 1 to build' "$T/out"
"$R/usr/bin/sprout" --state "$T/s" plan nosuch >"$T/out" 2>&1; rc=$?
check "an unknown plan: exit 3" test $rc = 3
check "  ... saying where it looked, the installed plans last" \
	grep -qF "no plan 'nosuch' (looked for nosuch, plans/nosuch/plan, $R/usr/share/sprout/plans/nosuch/plan;" "$T/out"
SPROUT_DATADIR=$T/data "$R/usr/bin/sprout" --state "$T/s" plan nosuch >"$T/out" 2>&1
check "  ... or in \$SPROUT_DATADIR" grep -qF "$T/data/plans/nosuch/plan" "$T/out"
echo "1..$n"
