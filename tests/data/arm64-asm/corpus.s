// The encoding corpus of tcc's AArch64 assembler (recipes/tcc/arm64-asm.patch):
// tests/e2e/tcc_arm64_asm.sh assembles it with the patched tcc (its arm64
// cross compiler) and with binutils' aarch64 assembler, links both at the
// same address and compares the bytes. Every instruction musl's aarch64
// sources use is in musl's own files, which the test assembles too; this
// is the broader table.
	.text
	.global corpus
	.type corpus,%function
corpus:
// add, sub and their flags: immediate, shifted and extended register
	add x0, x1, #0
	add x0, x1, #4095
	add w3, w4, #1, lsl #12
	add x5, x6, #0x1000
	add x29, sp, #16
	add sp, sp, #32
	add x0, x1, #-16
	sub x2, x3, #1
	sub sp, sp, #0x10
	sub w0, w1, #-1
	adds x0, x1, #2
	subs w2, w3, #4
	subs x2, x2, 128 + 16
	cmp x0, #0
	cmp w1, 0
	cmp x2, #-1
	cmn x0, #1
	cmn w0, #-2
	add x0, x1, x2
	add w0, w1, w2, lsl #3
	add x0, x1, x2, lsr #7
	add x0, x1, x2, asr #63
	sub x0, x1, x2
	subs x0, x1, x2, lsl #1
	adds w0, w1, w2
	cmp x1, x2
	cmp w1, w2, lsl #2
	cmn x1, x2
	neg x0, x1
	neg w0, w1, lsl #4
	negs x3, x4
	add x0, x1, w2, uxtw
	add x0, x1, w2, sxtw #2
	add x0, x1, x2, uxtx #3
	add w0, w1, w2, uxtb
	sub x0, sp, x1
	sub sp, sp, x0
	add sp, x1, x2
	add x0, sp, x2, lsl #4
	cmp sp, x1
	adc x0, x1, x2
	adcs w0, w1, w2
	sbc x0, x1, x2
	sbcs w0, w1, w2
	ngc x0, x1
	ngcs w0, w1
// logical: immediate (bitmask) and shifted register
	and x0, x1, #0xff
	and w0, w0, #0xc00000
	and x1, x1, #-16
	and sp, x0, #-16
	and w0, w0, #0x1f
	and x2, x3, #0x5555555555555555
	and w4, w5, #0x0f0f0f0f
	and x6, x7, #0x8000000000000000
	and x8, x9, #0x7ffffffffffffffe
	orr w1, w1, w0
	orr x0, x1, #0x3
	orr w0, w1, #0xfffffffe
	eor x0, x1, #0xaaaaaaaaaaaaaaaa
	eor w0, w1, w2, ror #5
	ands x0, x1, #0xf0
	ands w0, w1, w2, lsl #3
	tst x0, #7
	tst w1, w2
	bic w1, w1, #0xc00000
	bic x3, x0, 15
	bic x0, x1, x2, lsl #4
	bics w0, w1, w2
	orn x0, x1, x2
	eon w0, w1, w2, asr #2
	mvn x0, x1
	mvn w0, w1, lsr #3
// moves
	mov x0, x1
	mov w0, w1
	mov x29, sp
	mov sp, x2
	mov x0, sp
	mov w0, wsp
	mov x0, #0
	mov w0, #0
	mov x8, #139
	mov x0, #0x10000
	mov x0, #0xffff00000000
	mov x0, #-1
	mov w0, #-1
	mov x0, #-2
	mov w0, #0xffff0000
	mov x0, #0xffffffff
	mov x0, #0x5555555555555555
	mov w1, #0x0f0f0f0f
	movz x0, #1, lsl #16
	movz w0, #0xffff
	movn x0, #5
	movn w0, #0, lsl #16
	movk x0, #0x1234, lsl #48
	movk w0, #0xbeef
	mov xzr, x0
	mov x0, xzr
// bitfields, extends, shifts
	lsl x0, x1, #3
	lsl w0, w1, #31
	lsr x14, x2, 1
	lsr w0, w1, #0
	asr x0, x1, #63
	asr w0, w1, #7
	ror x0, x1, #13
	ror w0, w1, #1
	lsl x0, x1, x2
	lsr w0, w1, w2
	asr x0, x1, x2
	ror w0, w1, w2
	lslv x0, x1, x2
	rorv w0, w1, w2
	sxtb x0, w1
	sxtb w0, w1
	sxth x0, w1
	sxth w0, w1
	sxtw x0, w1
	uxtb w0, w1
	uxth w0, w1
	uxtw x0, w2
	ubfx x0, x1, #4, #8
	ubfx w0, w1, #0, #1
	sbfx x0, x1, #60, #4
	bfxil w0, w1, #3, #5
	ubfiz x0, x1, #3, #10
	sbfiz w0, w1, #1, #30
	bfi x0, x1, #8, #16
	ubfm x0, x1, #2, #5
	sbfm w0, w1, #31, #30
	bfm x0, x1, #0, #63
	extr x0, x1, x2, #17
	extr w0, w1, w2, #31
// conditional select and compare
	csel x0, x1, x2, eq
	csel w0, w1, w2, ne
	csinc w0, w1, wzr, ne
	csinv x0, x1, x2, hs
	csneg w0, w1, w2, lo
	cset w0, eq
	cset x0, cs
	csetm x0, lt
	cinc x0, x1, gt
	cinv w0, w1, le
	cneg x0, x1, mi
	ccmp w1, 0, 0, hs
	ccmp x0, x1, #4, ne
	ccmn w0, #31, #15, vc
	ccmn x0, x1, #0, al
	csel x0, x1, x2, hi
	csel x0, x1, x2, ls
	csel x0, x1, x2, ge
	csel x0, x1, x2, pl
	csel x0, x1, x2, vs
	csel x0, x1, x2, cc
// multiply, divide, one source
	mul x0, x1, x2
	mul w0, w1, w2
	madd x0, x1, x2, x3
	msub w0, w1, w2, w3
	mneg x0, x1, x2
	smull x0, w1, w2
	umull x0, w1, w2
	smaddl x0, w1, w2, x3
	umsubl x0, w1, w2, x3
	smnegl x0, w1, w2
	umnegl x0, w1, w2
	smulh x0, x1, x2
	umulh x0, x1, x2
	udiv x0, x1, x2
	sdiv w0, w1, w2
	rbit x0, x1
	rbit w0, w1
	clz x0, x0
	clz w0, w1
	cls x0, x1
	rev x0, x1
	rev w0, w1
	rev16 w0, w1
	rev16 x0, x1
	rev32 x0, x1
// branches to labels (resolved when linked)
1:	b 1b
	b 2f
	bl corpus_far
	b.eq 1b
	b.ne 2f
	b.hs 1b
	b.cs 1b
	b.lo 2f
	b.cc 2f
	b.mi 1b
	b.pl 1b
	b.vs 1b
	b.vc 1b
	b.hi 1b
	b.ls 1b
	b.ge 1b
	b.lt 1b
	b.gt 1b
	b.le 1b
	b.al 1b
	cbz x0, 1b
	cbz w1, 2f
	cbnz x2, 1b
	cbnz w3, 2f
	tbz x0, #3, 1b
	tbz w1, 31, 2f
	tbnz x2, #63, 1b
	tbnz x3, #32, 2f
2:	br x16
	blr x1
	ret
	ret x1
	adr x0, 1b
	adr x1, 2b
	adr x2, corpus_data
	adrp x0, corpus_data
	add x0, x0, #:lo12:corpus_data
	ldr x1, [x0, #:lo12:corpus_data]
	ldr w1, [x0, :lo12:corpus_data]
	ldrb w1, [x0, #:lo12:corpus_data]
	ldrh w1, [x0, #:lo12:corpus_data]
	str q0, [x0, #:lo12:corpus_data]
	ldr d0, [x0, #:lo12:corpus_data]
	ldr x3, corpus_lit
	ldr w3, corpus_lit
	ldrsw x3, corpus_lit
	ldr d3, corpus_lit
	ldr q3, corpus_lit
	b .
	b .+8
	b corpus + 4
// loads and stores
	ldr x0, [x1]
	ldr x0, [x1, #8]
	ldr x0, [x1, #32760]
	ldr w0, [x1, #4]
	ldr x1, [x1, #-8]
	ldr x0, [x1, #3]
	ldr x2, [x0, #104]
	str x30, [x0, #176]
	str x19, [x0, #176+8+8]
	ldrb w0, [x1, #4095]
	ldrh w0, [x1, #2]
	ldrsb x0, [x1]
	ldrsb w0, [x1, #1]
	ldrsh x0, [x1, #2]
	ldrsh w0, [x1]
	ldrsw x0, [x1, #4]
	strb w0, [x1, #-1]
	strh w0, [x1, #-2]
	ldr x0, [x1, #16]!
	ldr x0, [x1], #16
	str x0, [sp, #-16]!
	ldr x0, [sp], #16
	str w0, [x1], #-4
	ldrb w0, [x1], #1
	strb w0, [x1, #1]!
	ldr x1, [x1, x0, lsl #3]
	ldr x0, [x1, x2]
	ldr w0, [x1, w2, uxtw]
	ldr w0, [x1, w2, uxtw #2]
	ldr x0, [x1, w2, sxtw #3]
	ldr x0, [x1, x2, sxtx]
	ldrb w0, [x1, x2]
	ldrb w0, [x1, x2, lsl #0]
	strb w0, [x1, x2]
	ldrh w0, [x1, x2, lsl #1]
	ldrsw x0, [x1, x2, lsl #2]
	ldur x0, [x1, #-1]
	ldur w0, [x1, #3]
	stur x0, [x1, #8]
	sturb w0, [x1, #-3]
	ldurh w0, [x1, #1]
	ldursb x0, [x1, #-1]
	ldursw x0, [x1, #-4]
	ldr b0, [x1]
	ldr h0, [x1, #2]
	ldr s0, [x1, #4]
	ldr d0, [x1, #8]
	ldr q0, [x1, #16]
	str q0, [x0]
	str q0, [x0, #-16]
	str d8, [sp, #-16]!
	ldr d8, [sp], #16
	ldr q1, [x1, x2, lsl #4]
	ldr d1, [x1, x2, lsl #3]
	ldur q0, [x1, #-1]
	stur d0, [x1, #1]
	prfm pldl1keep, [x0]
	prfm pstl2strm, [x0, #64]
	prfm #5, [x1, #8]
	prfum pldl3keep, [x0, #-1]
// pairs
	stp x29, x30, [sp, -16]!
	stp x29, x30, [sp, #-16]!
	ldp x29, x30, [sp], #16
	stp x19, x20, [x0, #0]
	stp x0, x3, [x1, #-16]!
	ldp x0, x2, [x0]
	ldp w1, w2, [x0]
	stp w1, w2, [x0, #8]
	ldp x1, x0, [sp], #16
	ldp d8, d9, [x0, #112]
	stp d14, d15, [x0, #160]
	stp q0, q0, [x0, #32]
	stp q0, q0, [x3, #64]!
	ldp q0, q1, [x1], #-32
	ldp s0, s1, [x2, #252]
	ldpsw x0, x1, [x2, #8]
	ldnp x0, x1, [x2, #16]
	stnp q0, q1, [x2]
	ldp x0, x1, [x2, #504]
	ldp x0, x1, [x2, #-512]
// exclusives and acquire/release
	ldxr w2, [x0]
	ldxr x2, [x0]
	ldaxr w0, [x1]
	ldaxr x0, [x1, #0]
	stxr w3, w2, [x0]
	stxr w3, x2, [x0]
	stlxr w3, w2, [x0]
	stlxr w3, x2, [x4]
	ldar x0, [x1]
	ldar w0, [sp]
	stlr x0, [x1]
	stlr w0, [x1]
	ldxrb w0, [x1]
	ldxrh w0, [x1]
	ldaxrb w0, [x1]
	stxrb w2, w0, [x1]
	stlxrh w2, w0, [x1]
	ldarb w0, [x1]
	stlrh w0, [x1]
	ldxp x0, x1, [x2]
	ldaxp w0, w1, [x2]
	stxp w4, x0, x1, [x2]
	stlxp w4, w0, w1, [x2]
// system
	svc 0
	svc #0
	svc #0xffff
	brk #1
	hlt #0
	hvc #1
	smc #2
	nop
	yield
	wfe
	wfi
	sev
	sevl
	hint #34
	dmb ish
	dmb ishld
	dmb ishst
	dmb sy
	dmb oshld
	dmb #3
	dsb sy
	dsb ish
	dsb nsh
	isb
	isb sy
	clrex
	clrex #5
	mrs x0, fpcr
	mrs x1, fpsr
	msr fpcr, x1
	msr fpsr, x2
	mrs x1, tpidr_el0
	msr tpidr_el0, x0
	mrs x5, dczid_el0
	mrs x0, nzcv
	msr nzcv, x0
	mrs x0, ctr_el0
	mrs x0, cntvct_el0
	mrs x0, cntfrq_el0
	mrs x0, midr_el1
	mrs x0, tpidrro_el0
	mrs x0, s3_3_c13_c0_2
	msr daifset, #2
	msr daifclr, #15
	dc zva, x3
	dc civac, x0
	dc cvau, x1
	dc cvac, x1
	ic ivau, x2
	ic iallu
// floating point
	fmov d0, d1
	fmov s0, s1
	fmov d0, x1
	fmov x0, d1
	fmov s0, w1
	fmov w0, s1
	fmov d0, #1.0
	fmov s0, #-2.5
	fmov d1, #0.125
	fmov d2, #31.0
	fmov s3, #0.1875
	fmov x0, v1.d[1]
	fmov v1.d[1], x0
	fabs d0, d1
	fabs s0, s1
	fneg d0, d1
	fsqrt d0, d1
	fsqrt s0, s1
	frintn d0, d1
	frintp d0, d1
	frintm s0, s1
	frintz d0, d1
	frinta s0, s1
	frintx d1, d1
	frinti d0, d1
	fcvt d0, s1
	fcvt s0, d1
	fcvt h0, s1
	fcvt d0, h1
	fadd d0, d1, d2
	fsub s0, s1, s2
	fmul d0, d1, d2
	fdiv s0, s1, s2
	fmax d0, d1, d2
	fmin d0, d1, d2
	fmaxnm d0, d1, d2
	fminnm s0, s1, s2
	fnmul d0, d1, d2
	fmadd d0, d1, d2, d3
	fmsub s0, s1, s2, s3
	fnmadd d0, d1, d2, d3
	fnmsub d0, d1, d2, d3
	fcmp d0, d1
	fcmp s0, #0.0
	fcmpe d0, d1
	fcmpe d0, #0.0
	fccmp d0, d1, #0, eq
	fccmpe s0, s1, #15, ne
	fcsel d0, d1, d2, gt
	fcvtzs x0, d1
	fcvtzs w0, s1
	fcvtzs w0, d1
	fcvtzu x0, s1
	fcvtas x0, d1
	fcvtau w0, d1
	fcvtns x0, d1
	fcvtnu w0, s1
	fcvtps x0, d1
	fcvtpu x0, d1
	fcvtms x0, d1
	fcvtmu w0, d1
	scvtf d0, x1
	scvtf s0, w1
	ucvtf d0, w1
	ucvtf s0, x1
// SIMD
	dup v0.16B, w1
	dup v0.8b, w1
	dup v0.4h, w1
	dup v0.8h, w1
	dup v0.2s, w1
	dup v0.4s, w1
	dup v0.2d, x1
	dup v0.4s, v1.s[2]
	dup v0.2d, v1.d[1]
	mov x1, v0.D[0]
	mov w1, v0.s[3]
	umov w0, v1.b[15]
	umov w0, v1.h[7]
	umov x0, v1.d[1]
	smov x0, v1.b[3]
	smov w0, v1.h[1]
	smov x0, v1.s[1]
	ins v0.s[1], w1
	mov v0.d[1], x2
	mov v0.b[3], w2
	ins v0.h[2], v1.h[5]
	mov v0.s[0], v1.s[3]
	mov v0.16b, v1.16b
	mov v2.8b, v3.8b
	movi v0.16b, #0
	movi v0.8b, #0xff
	movi v1.2d, #0
	movi v1.2d, #0xff00ff00ff00ff00
	movi v2.4s, #1
	movi v2.2s, #0x80, lsl #24
	add v0.2d, v1.2d, v2.2d
	add v0.4s, v1.4s, v2.4s
	add v0.8b, v1.8b, v2.8b
	sub v0.8h, v1.8h, v2.8h
	mul v0.4s, v1.4s, v2.4s
	and v0.16b, v1.16b, v2.16b
	orr v0.8b, v1.8b, v2.8b
	eor v0.16b, v1.16b, v2.16b
	bic v0.16b, v1.16b, v2.16b
	orn v0.16b, v1.16b, v2.16b
	bsl v0.16b, v1.16b, v2.16b
	bit v0.8b, v1.8b, v2.8b
	bif v0.16b, v1.16b, v2.16b
	cmeq v0.16b, v1.16b, v2.16b
	cmgt v0.4s, v1.4s, v2.4s
	cmhi v0.2d, v1.2d, v2.2d
	cmhs v0.8h, v1.8h, v2.8h
	cmge v0.2s, v1.2s, v2.2s
	cmtst v0.16b, v1.16b, v2.16b
	umax v0.16b, v1.16b, v2.16b
	umin v0.4s, v1.4s, v2.4s
	smax v0.8h, v1.8h, v2.8h
	smin v0.2s, v1.2s, v2.2s
	fadd v0.2d, v1.2d, v2.2d
	fadd v0.4s, v1.4s, v2.4s
	fsub v0.2s, v1.2s, v2.2s
	fmul v0.2d, v1.2d, v2.2d
	fdiv v0.4s, v1.4s, v2.4s
	fmax v0.2d, v1.2d, v2.2d
	fmin v0.4s, v1.4s, v2.4s
	fmaxnm v0.2d, v1.2d, v2.2d
	fminnm v0.2s, v1.2s, v2.2s
	cnt v0.8b, v1.8b
	cnt v0.16b, v1.16b
	not v0.16b, v1.16b
	mvn v0.8b, v1.8b
	rev64 v0.4s, v1.4s
	rev32 v0.8h, v1.8h
	rev16 v0.16b, v1.16b
	abs v0.2d, v1.2d
	neg v0.4s, v1.4s
	fabs v0.2d, v1.2d
	fneg v0.4s, v1.4s
	fsqrt v0.2d, v1.2d
	addv b0, v1.8b
	addv b0, v1.16b
	addv h0, v1.8h
	addv s0, v1.4s
	uaddlv h0, v1.16b
	uaddlv s0, v1.8h
	umaxv b0, v1.16b
	uminv h0, v1.4h
	smaxv s0, v1.4s
	sminv b0, v1.8b
// data and directives
	.inst 0xd503201f
	.p2align 4
	.balign 8
corpus_lit:
	.quad 0x0123456789abcdef
	.xword corpus
	.word 0x1234
	.hword 0x55aa
	.long corpus_lit
	.int 5
	.byte 1, 2, 3
	.short 9
	.ascii "ab"
	.asciz "cd"
	.align 3
	.size corpus, .-corpus
	.data
	.p2align 4
corpus_data:
	.quad 1, 2
	.text
corpus_far:
	ret
