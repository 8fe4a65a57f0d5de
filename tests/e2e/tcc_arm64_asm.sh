# The encoding test of tcc's AArch64 assembler (recipes/tcc/arm64-asm.patch):
# tcc patched as the tcc recipe patches it, built for this host as its arm64
# cross compiler (arm64-tcc), against binutils' aarch64 assembler. Each
# input (tests/data/arm64-asm/corpus.s, and every .s and .S file of musl's
# aarch64 port as the musl recipe patches it) is assembled by both; both
# objects are linked by GNU ld at the same addresses and their sections
# compared byte for byte (local branches are relocations in tcc's object,
# which the link resolves as GNU as did). Then musl's inline asm
# (tests/data/arm64-asm/inline.c) through tcc, and the errors.
# The patched cross tcc is built once per recipes/tcc content and cached
# under build/arm64-asm/. SPROUT_DISTFILES=DIR reuses a distfiles directory.
. "$TOP/tests/e2e/lib.sh"
cd "$TOP" || exit 1
D=$TOP/tests/data/arm64-asm
X=aarch64-linux-gnu-
for t in ${X}as ${X}ld ${X}nm ${X}objcopy ${X}objdump cpp cc make patch bzip2; do
	if ! command -v "$t" >/dev/null; then
		notok "$t is installed (sh mk/deps.sh --test)"
		echo "1..$n"
		exit 1
	fi
done

# The patched arm64-tcc, cached by the recipe's and patches' content.
C=$TOP/build/arm64-asm
key=$(cat recipes/tcc/recipe recipes/tcc/*.patch recipes/musl/*.patch | sha256sum | cut -c1-16)
B=$C/$key
mkdir -p "$C/state"
if [ -n "${SPROUT_DISTFILES:-}" ] && [ ! -d "$C/state/distfiles" ]; then
	mkdir -p "$C/state/distfiles"
	cp "$SPROUT_DISTFILES"/tcc_* "$SPROUT_DISTFILES"/musl_* "$C/state/distfiles/" 2>/dev/null
fi
if [ ! -x "$B/arm64-tcc" ]; then
	rm -rf "$B.tmp" && mkdir -p "$B.tmp/tcc" "$T/plan"
	cat >"$T/plan/plan" <<-EOF
	plan        arm64-asm-test
	description the sources of tcc's AArch64 assembler test
	arches      x86_64 aarch64
	recipes     $TOP/recipes
	set SOURCE_DATE_EPOCH 1
	stage host
		step tcc
		step musl
	EOF
	sprout --state "$C/state" fetch "$T/plan" >"$T/fetch" 2>&1 || { sed 's/^/# /' "$T/fetch"; notok "the tcc and musl sources are fetched"; echo "1..$n"; exit 1; }
	(
		set -e
		R=$TOP
		unset TOP MAKEFLAGS MFLAGS MAKELEVEL # tcc's Makefile has a TOP of its own
		cd "$B.tmp/tcc"
		bzip2 -dc "$C"/state/distfiles/tcc_*.orig.tar.bz2 | tar -xf -
		# in file-name order, as the recipes apply them
		for p in "$R"/recipes/tcc/*.patch; do patch -s -p1 <"$p"; done
		./configure >../configure.log 2>&1
		make arm64-tcc >../make.log 2>&1
		cd .. && mv tcc/arm64-tcc . && gzip -dc "$C"/state/distfiles/musl_*.orig.tar.gz | tar -xf -
		cd musl-1.2.3
		for p in "$R"/recipes/musl/*.patch; do patch -s -p1 <"$p"; done
	) >"$T/build" 2>&1 || { sed 's/^/# /' "$T/build"; tail -n 20 "$B.tmp/make.log" 2>/dev/null | sed 's/^/# /'; }
	rm -rf "$B.tmp/tcc"
	[ -x "$B.tmp/arm64-tcc" ] && rm -rf "$B" && mv "$B.tmp" "$B"
fi
check "the patched arm64-tcc is built" test -x "$B/arm64-tcc"
[ -x "$B/arm64-tcc" ] || { echo "1..$n"; exit 1; }
TCC=$B/arm64-tcc
M=$B/musl-1.2.3

# same NAME SOURCE: SOURCE assembled by both, linked at the same addresses,
# and every section compared. A difference shows the first differing
# instructions.
same() {
	name=$1 src=$2 w=$T/$1
	mkdir -p "$w"
	case $src in
	*.S) cpp -P -x assembler-with-cpp "$src" >"$w/pp.s" && ${X}as "$w/pp.s" -o "$w/gas.o" ;;
	*) ${X}as "$src" -o "$w/gas.o" ;;
	esac 2>"$w/err" || { sed 's/^/# gas: /' "$w/err"; notok "$name: GNU as assembles it"; return; }
	if ! "$TCC" -c "$src" -o "$w/tcc.o" 2>"$w/err"; then
		sed 's/^/# tcc: /' "$w/err"; notok "$name: tcc assembles it"; return
	fi
	# the symbols it leaves undefined (musl's other files) at one address
	undef=$(${X}nm -u "$w/gas.o" | awk '{ printf " --defsym=%s=0x400000", $2 }')
	for o in gas tcc; do
		${X}ld -Ttext=0x400000 -Tdata=0x410000 --section-start=.init=0x420000 \
			--section-start=.fini=0x430000 -e 0x400000 $undef \
			-o "$w/$o.elf" "$w/$o.o" 2>>"$w/err" || { sed 's/^/# ld: /' "$w/err"; notok "$name: linked"; return; }
	done
	for s in .text .data .init .fini; do
		${X}objcopy -O binary -j $s "$w/gas.elf" "$w/gas$s" 2>/dev/null
		${X}objcopy -O binary -j $s "$w/tcc.elf" "$w/tcc$s" 2>/dev/null
		if ! cmp -s "$w/gas$s" "$w/tcc$s"; then
			${X}objdump -d -j $s "$w/gas.elf" | grep -P '^\s+[0-9a-f]+:' | cut -f1-3 >"$w/gas.dis"
			${X}objdump -d -j $s "$w/tcc.elf" | grep -P '^\s+[0-9a-f]+:' | cut -f1-3 >"$w/tcc.dis"
			diff "$w/gas.dis" "$w/tcc.dis" | head -n 12 | sed 's/^/# /'
			notok "$name: $s is the same bytes as GNU as's"
			return
		fi
	done
	ok "$name: the same bytes as GNU as ($(wc -c <"$w/gas.text") bytes of code)"
}

same corpus.s "$D/corpus.s"
check "  ... the corpus has over 500 instructions" test "$(grep -c '^	[a-z]' "$D/corpus.s")" -gt 500
for f in "$M"/crt/aarch64/*.s "$M"/src/*/aarch64/*.s "$M"/src/*/aarch64/*.S; do
	same "musl/${f#$M/}" "$f"
done

# musl's inline asm: each function's instructions, as tcc made them.
"$TCC" -c "$D/inline.c" -o "$T/inline.o" 2>"$T/err"; rc=$?
sed 's/^/# /' "$T/err"
check "inline.c (musl's inline asm) compiles" test $rc = 0
${X}objdump -d "$T/inline.o" >"$T/inline.dis"
has() { # function, instruction pattern (extended regex)
	sed -n "/<$1>:/,/^\$/p" "$T/inline.dis" | grep -Eq "	$2\$"
}
check "  syscall: the register variables are x8, x0-x2, then svc" sh -c '
	d=$(sed -n "/<sys3>:/,/^\$/p" "$0" | cut -f3- | tr "\t" " ")
	echo "$d" | grep -A4 "^ldur x8," | tr "\n" ";" | grep -q "ldur x0,.*;ldur x1,.*;ldur x2,.*;svc #0x0;"' "$T/inline.dis"
check "  a_ll: ldaxr w, [x] from the Q operand" has ll 'ldaxr	w[0-9]+, \[x[0-9]+\]'
check "  a_sc: stlxr with %w0, %w2 and Q" has sc 'stlxr	w[0-9]+, w[0-9]+, \[x[0-9]+\]'
check "  a_ll_p: ldaxr x, the pointer-sized default" has ll_p 'ldaxr	x[0-9]+, \[x[0-9]+\]'
check "  a_barrier: dmb ish" has barrier 'dmb	ish'
check "  a_ctz_64: rbit and clz on one register" sh -c "grep -Eq '	rbit	x([0-9]+), x[0-9]+\$' '$T/inline.dis' && grep -Eq '	clz	x([0-9]+), x[0-9]+\$' '$T/inline.dis'"
check "  __get_tp: mrs tpidr_el0" has get_tp 'mrs	x[0-9]+, tpidr_el0'
check "  sqrt: fsqrt d, d from w operands" has my_sqrt 'fsqrt	d[0-9]+, d[0-9]+'
check "  fmaf: fmadd on s registers" has my_fmaf 'fmadd	s[0-9]+, s[0-9]+, s[0-9]+, s[0-9]+'
check "  lrint: frintx and fcvtzs x, d with a + operand" sh -c "sed -n '/<my_lrint>:/,/^\$/p' '$T/inline.dis' | grep -q 'frintx' && sed -n '/<my_lrint>:/,/^\$/p' '$T/inline.dis' | grep -Eq 'fcvtzs	x[0-9]+, d[0-9]+'"
check "  a clobbered x19 and d8 are saved and restored" sh -c "
	d=\$(sed -n '/<saves_x19>:/,/^\$/p' '$T/inline.dis' | cut -f3- | tr '\t' ' ')
	echo \"\$d\" | grep -q 'str x19, \[sp, #-16\]!' && echo \"\$d\" | grep -q 'ldr x19, \[sp\], #16' &&
	echo \"\$d\" | grep -q 'str d8, \[sp, #-16\]!' && echo \"\$d\" | grep -q 'ldr d8, \[sp\], #16'"
check "  an i operand is a number" has add_imm 'add	w[0-9]+, w[0-9]+, #0x2a'

# Errors name the file and line, and nothing is written.
err() { # description, expected message (fixed string), asm line
	printf '\tnop\n%s\n' "$3" >"$T/bad.s"
	rm -f "$T/bad.o"
	"$TCC" -c "$T/bad.s" -o "$T/bad.o" >"$T/err" 2>&1; rc=$?
	if [ $rc != 0 ] && grep -qF "$T/bad.s:2: error: $2" "$T/err"; then ok "$1"; else sed 's/^/# /' "$T/err"; notok "$1"; fi
}
err "an unknown mnemonic is an error with file:line" "unknown instruction 'frobnicate'" "	frobnicate x0, x1"
err "mixed register sizes are an error" "'add': operands must be registers of the same size" "	add x0, w1, #1"
err "an immediate out of range is an error" "'add': immediate out of range" "	add x0, x1, #4097"
err "an immediate that is no bitmask is an error" "'and': immediate cannot be encoded as a bitmask" "	and x0, x1, #0x12345"
err "a load offset out of range is an error" "'ldr': offset out of range" "	ldr x0, [x1, #-1000]"
err "a condition that is none is an error" "'csel': expected a condition" "	csel x0, x1, x2, xx"
err "a pair with a misaligned offset is an error" "'ldp': offset out of range" "	ldp x0, x1, [x2, #4]"
err "an unknown system register is an error" "'mrs': unknown system register 'foo_el9'" "	mrs x0, foo_el9"
err "an unknown directive is an error" "unknown assembler directive '.frob'" "	.frob 1"
err "too many operands is an error" "'ret': wrong number of operands" "	ret x0, x1"
echo "1..$n"
