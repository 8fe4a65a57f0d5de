# sprout verify --diverse: the host stage compiles programs with $CC, once
# with gcc and once with clang; a native step whose output depends only on
# what a program does is bit-identical both ways (passes); one whose output
# depends on which compiler built the program is caught (fails, naming the
# file); host builds that ignore $CC make the check inconclusive.
. "$TOP/tests/e2e/lib.sh"
chmod 755 "$T"
if [ "$(uname -m)" != x86_64 ] || [ ! -e /bin/dash ] || [ ! -e /lib/x86_64-linux-gnu/libc.so.6 ]; then
	ok "# SKIP needs a Debian x86_64 host (the seed root is the host's dash and libc)"
	echo "1..$n"
	exit 0
fi
for c in gcc clang; do
	if ! command -v $c >/dev/null 2>&1; then
		ok "# SKIP no $c"
		echo "1..$n"
		exit 0
	fi
done
P=$T/plan
mkdir -p "$P/recipes/prog" "$P/recipes/seed" "$P/recipes/use" "$P/recipes/leak"
# prog_recipe SUMCC ID CCIDCC: sum (built by SUMCC) prints a computed
# number; ccid (by CCIDCC) prints ID.
prog_recipe() {
	printf 'name prog\nversion 1\nlicense MIT\nbuild host\n'
	printf '\tprintf %s >sum.c\n' "'#include <stdio.h>\\nint main(void){int s=0;for(int i=1;i<=10;i++)s+=i*i;printf(\"sum %%d\\\\n\",s);return 0;}\\n'"
	printf '\tprintf %s >ccid.c\n' "'#include <stdio.h>\\nint main(void){puts($2);return 0;}\\n'"
	printf '\t%s -O2 -o sum sum.c\n\t%s -O2 -o ccid ccid.c\n' "$1" "$3"
	printf '\tmkdir -p "$DESTDIR/usr/bin"\n\tcp sum ccid "$DESTDIR/usr/bin/"\n'
}
prog_recipe '"$CC"' __VERSION__ '"$CC"' >"$P/recipes/prog/recipe"
# A seed root: the host's dash and C library, enough to run the programs.
cat >"$P/recipes/seed/recipe" <<'R'
name seed
version 1
license MIT
build host
	mkdir -p "$DESTDIR/bin" "$DESTDIR/lib64" "$DESTDIR/lib/x86_64-linux-gnu"
	cp /bin/dash "$DESTDIR/bin/sh"
	cp /lib/x86_64-linux-gnu/libc.so.6 "$DESTDIR/lib/x86_64-linux-gnu/"
	cp "$(readlink -f /lib64/ld-linux-x86-64.so.2)" "$DESTDIR/lib64/ld-linux-x86-64.so.2"
R
cat >"$P/recipes/use/recipe" <<'R'
name use
version 1
license MIT
depends prog seed
build native
	"$SYSROOT/usr/bin/sum" >"$DESTDIR/result"
R
cat >"$P/recipes/leak/recipe" <<'R'
name leak
version 1
license MIT
depends prog seed
build native
	"$SYSROOT/usr/bin/ccid" >"$DESTDIR/compiled-by"
R
printf 'plan dv\narches x86_64\nrecipes recipes\nset SOURCE_DATE_EPOCH 1700000000\nstage host\n\tstep prog\n\tstep seed\nstage native rootfs=seed\n\tstep use\n\tstep leak\n' >"$P/plan"
chmod -R a+rX "$P"
S=$T/state

sprout --state "$S" verify --diverse "$P" use >"$T/out" 2>&1; rc=$?
check "a native step that depends only on the programs' behaviour passes" test "$rc" = 0
check "  ... the host-built program differs between gcc and clang" grep -Eq '^  prog +host .* differ \(not compared\)$' "$T/out"
check "  ... the native output is identical" grep -Eq '^  use +native +([0-9a-f]{12})  \1  identical$' "$T/out"
check "  ... and the verdict says so" grep -q '^verdict: PASSED: the 1 compared step is bit-identical whether gcc or clang' "$T/out"
d=$(sed -n 's/^  use   gcc   \([0-9a-f]\{64\}\)$/\1/p' "$T/out")
check "  ... with both full digests" sh -c "test -n '$d' && grep -q '^        clang $d\$' '$T/out'"

sprout --state "$S" verify --diverse "$P" >"$T/out" 2>&1; rc=$?
check "by default every step after the host stage is compared, and one that depends on the compiler fails" test "$rc" = 1
check "  ... naming the step" grep -Eq '^  leak +native .* DIFFERENT$' "$T/out"
check "  ... and the file that differs" grep -q '^      ~ compiled-by$' "$T/out"
check "  ... in a plain verdict" grep -q '^verdict: FAILED: 1 of 2 compared steps differ' "$T/out"
check "  ... building only what the first run had not (leak)" grep -q '^verify --diverse: CC=clang CXX=clang++: 1 built, 3 cached' "$T/out"

# --json (docs/cli.md): the same result as one document on stdout, the
# report on stderr. Everything is in the store now: no build runs.
if command -v python3 >/dev/null 2>&1; then
	js() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if ($2) else 1)" "$1"; }
	sprout --state "$S" --json verify --diverse "$P" >"$T/dv.json" 2>"$T/dv.err"; rc=$?
	check "verify --diverse --json: the same exit status (1)" test "$rc" = 1
	check "  ... stdout is one JSON document, the report on stderr" \
		sh -c "grep -q '^verdict: FAILED' '$T/dv.err' && ! grep -q verdict '$T/dv.json'"
	check "  ... with each leg" js "$T/dv.json" \
		"[(l['compiler'], l['setting'], l['status']) for l in d['legs']] == [('gcc', 'CC=gcc CXX=g++', 'built'), ('clang', 'CC=clang CXX=clang++', 'built')]"
	check "  ... each step, compared or not, with a digest per leg" js "$T/dv.json" \
		"{s['name']: (s['compared'], s['agree']) for s in d['steps']} == {'prog': (False, False), 'seed': (False, True), 'use': (True, True), 'leak': (True, False)} and all(len(s['digests']['gcc']) == 64 for s in d['steps'])"
	ud=$(sed -n 's/^  use   gcc   \([0-9a-f]\{64\}\)$/\1/p' "$T/dv.err")
	check "  ... the digests the report shows" js "$T/dv.json" \
		"[s for s in d['steps'] if s['name'] == 'use'][0]['digests'] == {'gcc': '$ud', 'clang': '$ud'} and len('$ud') == 64"
	check "  ... and the totals and result" js "$T/dv.json" \
		"d['same'] == 1 and d['differ'] == 1 and d['shared'] == 0 and d['twins'] is None and d['result'] == 'failed' and d['plan'] == 'dv'"
else
	ok "# SKIP no python3 to read JSON"
fi

# The legs' settings are for the host stage alone (docs/cache.md): a native
# step whose dependencies have the same digests in every leg has one key,
# and is built once. Its script sees no CC.
mkdir -p "$P/recipes/plain"
printf 'name plain\nversion 1\nlicense MIT\ndepends seed\nbuild native\n\techo "CC=${CC-unset} CXX=${CXX-unset}" >"$DESTDIR/env"\n' >"$P/recipes/plain/recipe"
printf '\tstep plain\n' >>"$P/plan"
chmod -R a+rX "$P"
sprout --state "$S" verify --diverse "$P" use plain >"$T/out" 2>&1; rc=$?
check "a native step that depends on the seed alone passes" sh -c "test $rc = 0 && grep -Eq '^  plain +native +([0-9a-f]{12})  \1  identical$' '$T/out'"
check "  ... built once for both legs, and the report says so" sh -c "grep -q '^verify --diverse: CC=gcc CXX=g++: 1 built, 3 cached' '$T/out' && grep -q '^verify --diverse: CC=clang CXX=clang++: 0 built, 4 cached' '$T/out' && grep -q '^  (1 of them had the same inputs in every leg' '$T/out'"
# The plan as written (no CC) builds its own seed, the same bytes: plain's
# key is the legs' one, so it is there already.
sprout --state "$S" build "$P" seed >/dev/null 2>&1
pd=$(sprout --state "$S" path "$P" plain 2>/dev/null)
check "  ... and its script saw neither CC nor CXX" grep -qx 'CC=unset CXX=unset' "$pd/env"

# Host builds that ignore $CC compare a compiler with itself.
sed -i 's/"\$CC"/cc/' "$P/recipes/prog/recipe"
sprout --state "$S" verify --diverse "$P" use >"$T/out" 2>&1; rc=$?
check "when the host stage ignores \$CC the result is inconclusive, not a pass" test "$rc" = 1
check "  ... and says why" grep -q '^verdict: INCONCLUSIVE: every host-stage step gave the same bytes' "$T/out"

sprout --state "$S" verify --diverse --compilers gcc,no-such-cc "$P" >"$T/out" 2>&1; rc=$?
check "a missing compiler is named" sh -c "test $rc = 1 && grep -q \"no compiler 'no-such-cc'\" '$T/out'"
check "  ... its leg is INCONCLUSIVE, not dropped" grep -q "^  no-such-cc: no compiler 'no-such-cc'" "$T/out"
check "  ... with a column of its own" grep -Eq '^  step +stage +gcc +no-such-cc +result$' "$T/out"

# More legs: a compiler the host recipes do not drive whole (here tcc)
# builds only what reads SEED_CC; every leg is a column, PASSED when all agree.
prog_recipe '"${SEED_CC:-${CC:-gcc}}"' '"same"' '"${CC:-gcc}"' >"$P/recipes/prog/recipe"
if command -v tcc >/dev/null 2>&1; then
	sprout --state "$S" verify --diverse --compilers gcc,clang,tcc "$P" use >"$T/out" 2>&1; rc=$?
	check "three legs: the native output agrees in all (passes)" test "$rc" = 0
	check "  ... one column per leg" grep -Eq '^  use +native +([0-9a-f]{12})  \1  \1  identical$' "$T/out"
	check "  ... tcc set SEED_CC only" grep -q '^verify --diverse: building dv with SEED_CC=tcc (the seed compiler' "$T/out"
	check "  ... and the verdict names every leg" grep -q 'bit-identical whether gcc, clang or tcc built' "$T/out"
	check "  ... with every leg's full digest" grep -Eq '^        tcc   [0-9a-f]{64}$' "$T/out"
	sprout --state "$S" verify --diverse --compilers gcc,clang,tcc,no-such-cc "$P" use >"$T/out" 2>&1; rc=$?
	check "a fourth leg that cannot build makes it INCONCLUSIVE (exit 1), the rest still compared" \
		sh -c "test $rc = 1 && grep -q '^verdict: INCONCLUSIVE: 1 of 4 legs have no result' '$T/out' && grep -Eq '^  use +native +([0-9a-f]{12})  \1  \1  -  +identical$' '$T/out'"
else
	ok "# SKIP no tcc on this host for a third leg"
fi
sprout --state "$S" verify --diverse --compilers gcc "$P" >"$T/out" 2>&1; rc=$?
check "one compiler is a usage error" sh -c "test $rc = 2 && grep -q 'expected two or more compilers' '$T/out'"
echo "1..$n"
