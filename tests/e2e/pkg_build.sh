# sprout pkg build: packages from the step outputs in the store, with the
# recipes' package blocks (release, dependencies, a -dev subpackage);
# deterministic; installed together they make the plan's final tree.
. "$TOP/tests/e2e/lib.sh"
cd "$TOP" || exit 1
P=tests/golden/data/pkgplan
S=$T/state
A=$(uname -m)
case $A in x86_64 | aarch64) ;; *) ok "# SKIP the test plan has no arch $A"; exit 0 ;; esac

fails "pkg build before the steps are built" sprout --state "$S" pkg build $P
check "  ... says which step" sh -c '"$SPROUT" --state "$1" pkg build "$2" 2>&1 | grep -q "step zlib is not built"' - "$S" $P
sprout --state "$S" --runner=plain build $P >/dev/null 2>&1
check "pkg build writes the packages of what the final step is made of" sprout --state "$S" pkg build $P -o "$T/out1"
check "  ... one per step, and the recipe's -dev subpackage" test "$(ls "$T/out1" | tr '\n' ' ')" = \
	"tool-0.5-1-$A.spk zlib-1.3-2-$A.spk zlib-dev-1.3-2-$A.spk "
sprout --state "$S" pkg build $P -o "$T/out2" >/dev/null
same=1
for f in "$T"/out1/*.spk; do cmp -s "$f" "$T/out2/$(basename "$f")" || same=0; done
check "building them again gives the same bytes" test $same = 1
sprout pkg info "$T/out1/zlib-1.3-2-$A.spk" >"$T/info"
key=$(cat "$S/last/pkgplan/$A/zlib")
check "the metadata: version, release (the package block's), provides" sh -c '
	grep -qx "version      1.3-2" "$1" && grep -qx "provides     libz=1.3" "$1" && grep -qx "license      Zlib" "$1"' - "$T/info"
check "  ... the step key" grep -qx "step-key     $key" "$T/info"
check "  ... and the build's digest" grep -qx "build-digest $(cat "$S/store/$key/digest")" "$T/info"
check "the -dev subpackage needs its package, exactly" sh -c 'sprout() { "$SPROUT" "$@"; }
	sprout pkg info "$1" | grep -qx "depends      zlib=1.3-2"' - "$T/out1/zlib-dev-1.3-2-$A.spk"
check "tool's dependencies come from its package block" sh -c '
	"$SPROUT" pkg info "$1" | grep -qx "depends      libz>=1.2" && "$SPROUT" pkg info "$1" | grep -qx "conflicts    oldtool"' \
	- "$T/out1/tool-0.5-1-$A.spk"
sprout pkg index "$T/out1" >/dev/null
sprout pkg install --root "$T/root" --repo "$T/out1" --allow-untrusted tool >"$T/install" 2>&1
check "installing tool pulls zlib in through what zlib provides" grep -qx "install: tool 0.5-1, zlib 1.3-2 (for tool)" "$T/install"
check "  ... without the -dev files" test ! -e "$T/root/usr/include/zlib.h" -a ! -e "$T/root/usr/lib/libz.a" -a -e "$T/root/usr/lib/libz.so.1"
check "  ... which zlib-dev adds" sprout pkg install --root "$T/root" --repo "$T/out1" --allow-untrusted zlib-dev
final=$(cat "$S/last/pkgplan/$A/sysroot")
check "the root made from the packages is the final step's tree" diff -r --no-dereference -x var "$T/root" "$S/store/$final/out"
check "pkg build --compress=none" sh -c '"$SPROUT" --state "$1" pkg build "$2" zlib -o "$3" --compress=none >/dev/null &&
	"$SPROUT" pkg check "$3"/zlib-1.3-2-*.spk | grep -q "payload none"' - "$S" $P "$T/out3"
check "two steps of one recipe cannot both be packaged" sh -c '"$SPROUT" --state "$1" --arch x86_64 pkg build plans/minimal tcc-1 tcc-2 2>&1 |
	grep -q "steps tcc-1 and tcc-2 would both make the package tcc"' - "$S"
