//go:build amd64 && !purego

#include "textflag.h"

// The AVX2+FMA kernels: the same functions as kernel_amd64.s's AVX-512 ones, with the same
// arguments, results and tile shapes, for CPUs without AVX-512. Sixteen 8-lane registers
// hold a quarter of what thirty-two 16-lane ones do, so the product kernels compute their
// tiles in parts, one after another, each re-reading inputs that are by then in L1; the row
// kernels use masked loads and stores (VMASKMOVPS) for a row's last, partial group.

// Register use in tileConvAVX2: the 8×48 tile is computed as four 4×24 quarters (rows 0-3
// then 4-7, each for columns 0-23 then 24-47), BX the quarter. Y0-Y11 hold a quarter (row
// i in Y(3i)..Y(3i+2)), Y12-Y14 the 24 inputs of one tap, Y15 a broadcast weight.
// SI weights, DI input plane, R8 tap offsets, R9 taps, R10 tap index, R11 channels left,
// R12 plane stride in bytes, DX output, R13 output row stride in bytes.

#define ROW4(wo, C0, C1, C2) \
	VBROADCASTSS wo(SI), Y15 \
	VFMADD231PS  Y12, Y15, C0 \
	VFMADD231PS  Y13, Y15, C1 \
	VFMADD231PS  Y14, Y15, C2

// func tileConvAVX2(w, b *float32, offs *int, ntap, nci, ldb int, c *float32, ldc int)
TEXT ·tileConvAVX2(SB), NOSPLIT, $0-64
	MOVQ offs+16(FP), R8
	MOVQ ntap+24(FP), R9
	MOVQ ldb+40(FP), R12
	SHLQ $2, R12
	MOVQ ldc+56(FP), R13
	SHLQ $2, R13
	XORQ BX, BX

quarter:
	MOVQ  w+0(FP), SI
	MOVQ  b+8(FP), DI
	MOVQ  c+48(FP), DX
	TESTQ $1, BX
	JZ    left
	ADDQ  $96, DI               // columns 24-47
	ADDQ  $96, DX

left:
	TESTQ $2, BX
	JZ    top
	ADDQ  $16, SI               // rows 4-7: their weights and output rows
	LEAQ  (DX)(R13*4), DX

top:
	MOVQ   nci+32(FP), R11
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	VXORPS Y4, Y4, Y4
	VXORPS Y5, Y5, Y5
	VXORPS Y6, Y6, Y6
	VXORPS Y7, Y7, Y7
	VXORPS Y8, Y8, Y8
	VXORPS Y9, Y9, Y9
	VXORPS Y10, Y10, Y10
	VXORPS Y11, Y11, Y11

qchan:
	XORQ R10, R10

qtap:
	MOVQ    (R8)(R10*8), AX
	VMOVUPS (DI)(AX*4), Y12
	VMOVUPS 32(DI)(AX*4), Y13
	VMOVUPS 64(DI)(AX*4), Y14
	ROW4(0, Y0, Y1, Y2)
	ROW4(4, Y3, Y4, Y5)
	ROW4(8, Y6, Y7, Y8)
	ROW4(12, Y9, Y10, Y11)
	ADDQ    $32, SI
	INCQ    R10
	CMPQ    R10, R9
	JLT     qtap
	ADDQ    R12, DI
	DECQ    R11
	JNZ     qchan

	VMOVUPS Y0, (DX)
	VMOVUPS Y1, 32(DX)
	VMOVUPS Y2, 64(DX)
	ADDQ    R13, DX
	VMOVUPS Y3, (DX)
	VMOVUPS Y4, 32(DX)
	VMOVUPS Y5, 64(DX)
	ADDQ    R13, DX
	VMOVUPS Y6, (DX)
	VMOVUPS Y7, 32(DX)
	VMOVUPS Y8, 64(DX)
	ADDQ    R13, DX
	VMOVUPS Y9, (DX)
	VMOVUPS Y10, 32(DX)
	VMOVUPS Y11, 64(DX)
	INCQ    BX
	CMPQ    BX, $4
	JLT     quarter
	VZEROUPPER
	RET

// func tileConv1AVX2(w, b *float32, offs *int, ntap, nci, ldb int, c *float32)
//
// tileConv1: c[j] = Σ_ci Σ_t w[ci·ntap+t] · b[ci·ldb+offs[t]+j] for j < 144, as two halves
// of 72 (BX halves left). Y0-Y8 hold the sums, Y9 the broadcast weight; the inputs are
// FMA memory operands. SI weights, DI the half's first input, CX the channel's plane, R8
// offsets, R9 taps, R10 tap index, R11 channels left, R12 plane stride in bytes, DX output.
TEXT ·tileConv1AVX2(SB), NOSPLIT, $0-56
	MOVQ offs+16(FP), R8
	MOVQ ntap+24(FP), R9
	MOVQ ldb+40(FP), R12
	SHLQ $2, R12
	MOVQ b+8(FP), DI
	MOVQ c+48(FP), DX
	MOVQ $2, BX

half1:
	MOVQ   w+0(FP), SI
	MOVQ   nci+32(FP), R11
	MOVQ   DI, CX
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	VXORPS Y4, Y4, Y4
	VXORPS Y5, Y5, Y5
	VXORPS Y6, Y6, Y6
	VXORPS Y7, Y7, Y7
	VXORPS Y8, Y8, Y8

chan1h:
	XORQ R10, R10

tap1h:
	MOVQ         (R8)(R10*8), AX
	VBROADCASTSS (SI), Y9
	VFMADD231PS  (CX)(AX*4), Y9, Y0
	VFMADD231PS  32(CX)(AX*4), Y9, Y1
	VFMADD231PS  64(CX)(AX*4), Y9, Y2
	VFMADD231PS  96(CX)(AX*4), Y9, Y3
	VFMADD231PS  128(CX)(AX*4), Y9, Y4
	VFMADD231PS  160(CX)(AX*4), Y9, Y5
	VFMADD231PS  192(CX)(AX*4), Y9, Y6
	VFMADD231PS  224(CX)(AX*4), Y9, Y7
	VFMADD231PS  256(CX)(AX*4), Y9, Y8
	ADDQ         $4, SI
	INCQ         R10
	CMPQ         R10, R9
	JLT          tap1h
	ADDQ         R12, CX
	DECQ         R11
	JNZ          chan1h

	VMOVUPS Y0, (DX)
	VMOVUPS Y1, 32(DX)
	VMOVUPS Y2, 64(DX)
	VMOVUPS Y3, 96(DX)
	VMOVUPS Y4, 128(DX)
	VMOVUPS Y5, 160(DX)
	VMOVUPS Y6, 192(DX)
	VMOVUPS Y7, 224(DX)
	VMOVUPS Y8, 256(DX)
	ADDQ    $288, DI
	ADDQ    $288, DX
	DECQ    BX
	JNZ     half1
	VZEROUPPER
	RET

// Register use in tileDotAVX2: the 4×6 tile of 16-lane sums is computed in four passes
// (BX), each for b rows 0-2 or 3-5 and lanes 0-7 or 8-15, so every sum keeps the lanes
// that tileDotGo gives it. Y0-Y11 hold a pass's sums (pair i, j in Y(3i+j)), Y12-Y14 the
// b rows' next 8 values, Y15 an a row's. R8-R11 a rows, R12, R13, SI b rows, DX the lane
// half in bytes, R14 byte offset, CX steps left, DI the pass's accumulators, AX scratch.

#define DOT3(ptr, C0, C1, C2) \
	VMOVUPS     (ptr)(R14*1), Y15 \
	VFMADD231PS Y12, Y15, C0      \
	VFMADD231PS Y13, Y15, C1      \
	VFMADD231PS Y14, Y15, C2

// func tileDotAVX2(steps int, a *[ar]*float32, b *[br]*float32, acc *float32)
TEXT ·tileDotAVX2(SB), NOSPLIT, $0-32
	XORQ BX, BX

dpass:
	MOVQ BX, DX
	ANDQ $1, DX
	SHLQ $5, DX                 // lanes 8-15 on odd passes: 32 bytes on
	MOVQ a+8(FP), AX
	MOVQ 0(AX), R8
	MOVQ 8(AX), R9
	MOVQ 16(AX), R10
	MOVQ 24(AX), R11
	ADDQ DX, R8
	ADDQ DX, R9
	ADDQ DX, R10
	ADDQ DX, R11
	MOVQ b+16(FP), AX
	MOVQ acc+24(FP), DI
	ADDQ DX, DI
	CMPQ BX, $2
	JLT  dfirst
	ADDQ $24, AX                // b rows 3-5
	ADDQ $192, DI

dfirst:
	MOVQ 0(AX), R12
	MOVQ 8(AX), R13
	MOVQ 16(AX), SI
	ADDQ DX, R12
	ADDQ DX, R13
	ADDQ DX, SI

	VMOVUPS 0(DI), Y0
	VMOVUPS 64(DI), Y1
	VMOVUPS 128(DI), Y2
	VMOVUPS 384(DI), Y3
	VMOVUPS 448(DI), Y4
	VMOVUPS 512(DI), Y5
	VMOVUPS 768(DI), Y6
	VMOVUPS 832(DI), Y7
	VMOVUPS 896(DI), Y8
	VMOVUPS 1152(DI), Y9
	VMOVUPS 1216(DI), Y10
	VMOVUPS 1280(DI), Y11
	MOVQ    steps+0(FP), CX
	XORQ    R14, R14

dstep:
	VMOVUPS (R12)(R14*1), Y12
	VMOVUPS (R13)(R14*1), Y13
	VMOVUPS (SI)(R14*1), Y14
	DOT3(R8, Y0, Y1, Y2)
	DOT3(R9, Y3, Y4, Y5)
	DOT3(R10, Y6, Y7, Y8)
	DOT3(R11, Y9, Y10, Y11)
	ADDQ    $64, R14
	DECQ    CX
	JNZ     dstep

	VMOVUPS Y0, 0(DI)
	VMOVUPS Y1, 64(DI)
	VMOVUPS Y2, 128(DI)
	VMOVUPS Y3, 384(DI)
	VMOVUPS Y4, 448(DI)
	VMOVUPS Y5, 512(DI)
	VMOVUPS Y6, 768(DI)
	VMOVUPS Y7, 832(DI)
	VMOVUPS Y8, 896(DI)
	VMOVUPS Y9, 1152(DI)
	VMOVUPS Y10, 1216(DI)
	VMOVUPS Y11, 1280(DI)
	INCQ    BX
	CMPQ    BX, $4
	JLT     dpass
	VZEROUPPER
	RET

// The row kernels work on groups of 8 outputs (16 inputs in two registers for pooling).
// Splitting 16 values into even and odd elements takes VSHUFPS, which works within
// 128-bit lanes: of x = v0..v7 and y = v8..v15, VSHUFPS $0x88 gives the evens in the order
// v0 v2 v8 v10 | v4 v6 v12 v14, windows 0 1 4 5 | 2 3 6 7 ("lane order"), and $0xdd the
// odds. VPERMPD $0xd8 (64-bit chunks 0 2 1 3) turns lane order into natural order and back;
// VUNPCKLPS and VUNPCKHPS of two vectors in lane order interleave them into natural order.

// masks<> is 16 lanes of ones and 16 of zeros: the 8 lanes from lane 16 − k are ones in
// their first k lanes, for the masked loads and stores of a partial group.
DATA masks<>+0(SB)/8, $-1
DATA masks<>+8(SB)/8, $-1
DATA masks<>+16(SB)/8, $-1
DATA masks<>+24(SB)/8, $-1
DATA masks<>+32(SB)/8, $-1
DATA masks<>+40(SB)/8, $-1
DATA masks<>+48(SB)/8, $-1
DATA masks<>+56(SB)/8, $-1
DATA masks<>+64(SB)/8, $0
DATA masks<>+72(SB)/8, $0
DATA masks<>+80(SB)/8, $0
DATA masks<>+88(SB)/8, $0
DATA masks<>+96(SB)/8, $0
DATA masks<>+104(SB)/8, $0
DATA masks<>+112(SB)/8, $0
DATA masks<>+120(SB)/8, $0
GLOBL masks<>(SB), RODATA|NOPTR, $128

// TAILMASKS sets the masks of a partial group of CX < 8 outputs: Y13 its CX outputs, Y12
// and Y11 the 2·CX values of a doubled row (the first 8 and the rest).
#define TAILMASKS \
	LEAQ    masks<>+64(SB), AX \
	MOVQ    CX, DX             \
	SHLQ    $2, DX             \
	SUBQ    DX, AX             \
	VMOVUPS (AX), Y13          \
	SUBQ    DX, AX             \
	VMOVUPS (AX), Y12          \
	VMOVUPS 32(AX), Y11

// HSUM sums the lanes of Y10 into X0.
#define HSUM \
	VEXTRACTF128 $1, Y10, X0 \
	VADDPS       X10, X0, X0 \
	VMOVHLPS     X0, X0, X1  \
	VADDPS       X1, X0, X0  \
	VMOVSHDUP    X0, X1      \
	VADDSS       X1, X0, X0

// POOLFWD pools the rows r0 (Y0, Y1) and r1 (Y2, Y3) into Y4, in natural order, adding
// the bias Y15 and rectifying (max with the zeros in Y14) where R11 is set: the maximum of
// the rows first, then of the even and odd lanes, as poolFwdAVX512 does.
#define POOLFWD \
	VMAXPS  Y2, Y0, Y0         \
	VMAXPS  Y3, Y1, Y1         \
	VSHUFPS $0x88, Y1, Y0, Y4  \
	VSHUFPS $0xdd, Y1, Y0, Y0  \
	VMAXPS  Y0, Y4, Y4         \
	VPERMPD $0xd8, Y4, Y4      \
	VADDPS  Y15, Y4, Y4        \
	TESTQ   R11, R11           \
	JZ      2(PC)              \
	VMAXPS  Y14, Y4, Y4

// func poolFwdAVX2(r0, r1, out *float32, wo int, b float32, relu bool)
//
// One row of 2×2 windows: out[x] = max of the window over r0 and r1 (2·wo values each),
// plus b, rectified if relu. SI r0, DI r1, R8 out, CX windows left, R11 relu.
TEXT ·poolFwdAVX2(SB), NOSPLIT, $0-37
	MOVQ         r0+0(FP), SI
	MOVQ         r1+8(FP), DI
	MOVQ         out+16(FP), R8
	MOVQ         wo+24(FP), CX
	VBROADCASTSS b+32(FP), Y15
	MOVBLZX      relu+36(FP), R11
	VXORPS       Y14, Y14, Y14
	CMPQ         CX, $8
	JLT          pftail

pfgroup:
	VMOVUPS (SI), Y0
	VMOVUPS 32(SI), Y1
	VMOVUPS (DI), Y2
	VMOVUPS 32(DI), Y3
	POOLFWD
	VMOVUPS Y4, (R8)
	ADDQ    $64, SI
	ADDQ    $64, DI
	ADDQ    $32, R8
	SUBQ    $8, CX
	CMPQ    CX, $8
	JGE     pfgroup

pftail:
	TESTQ      CX, CX
	JZ         pfdone
	TAILMASKS
	VMASKMOVPS (SI), Y12, Y0
	VMASKMOVPS 32(SI), Y11, Y1
	VMASKMOVPS (DI), Y12, Y2
	VMASKMOVPS 32(DI), Y11, Y3
	POOLFWD
	VMASKMOVPS Y4, Y13, (R8)

pfdone:
	VZEROUPPER
	RET

// POOLBACK takes rows r0 (Y0, Y1) and r1 (Y2, Y3) and the output gradients Y9 (natural
// order) and leaves the input gradients in Y0, Y1 (for r0) and Y2, Y3 (for r1), adding
// the gradients passed on to Y10. Each window's gradient goes to its first maximum in
// row-major order (a, b, c, d), and nowhere where R11 is set and max + bias (Y15) ≤ 0.
#define POOLBACK \
	VSHUFPS   $0x88, Y1, Y0, Y4 /* a, in lane order */ \
	VSHUFPS   $0xdd, Y1, Y0, Y5 /* b */ \
	VSHUFPS   $0x88, Y3, Y2, Y6 /* c */ \
	VSHUFPS   $0xdd, Y3, Y2, Y7 /* d */ \
	VMAXPS    Y5, Y4, Y8         \
	VMAXPS    Y7, Y6, Y0         \
	VMAXPS    Y0, Y8, Y8 /* the maxima */ \
	VPERMPD   $0xd8, Y9, Y9 /* their gradients, in lane order */ \
	TESTQ     R11, R11           \
	JZ        4(PC)              \
	VADDPS    Y15, Y8, Y0        \
	VCMPPS    $0x1e, Y14, Y0, Y0 /* m + b > 0 */ \
	VANDPS    Y0, Y9, Y9         \
	VADDPS    Y9, Y10, Y10       \
	VCMPPS    $0, Y8, Y4, Y4 /* a == m */ \
	VCMPPS    $0, Y8, Y5, Y5 /* b == m */ \
	VANDNPS   Y5, Y4, Y5 /* and not a */ \
	VORPS     Y4, Y5, Y0         \
	VCMPPS    $0, Y8, Y6, Y6 /* c == m */ \
	VANDNPS   Y6, Y0, Y6 /* and not a or b */ \
	VORPS     Y0, Y6, Y0         \
	VANDNPS   Y9, Y0, Y7 /* d: none of the others */ \
	VANDPS    Y9, Y4, Y4         \
	VANDPS    Y9, Y5, Y5         \
	VANDPS    Y9, Y6, Y6         \
	VUNPCKLPS Y5, Y4, Y0         \
	VUNPCKHPS Y5, Y4, Y1         \
	VUNPCKLPS Y7, Y6, Y2         \
	VUNPCKHPS Y7, Y6, Y3

// func poolBackAVX2(r0, r1, d0, d1, dy *float32, wo int, b float32, relu bool) float32
//
// One row of 2×2 windows: r0 and r1 are the two input rows (2·wo values each), dy the wo
// output gradients; d0 and d1 receive the input gradients. Returns the sum of the
// gradients passed on (after the rectifier). SI r0, DI r1, R8 d0, R9 d1, R10 dy, CX
// windows left, R11 relu.
TEXT ·poolBackAVX2(SB), NOSPLIT, $0-60
	MOVQ         r0+0(FP), SI
	MOVQ         r1+8(FP), DI
	MOVQ         d0+16(FP), R8
	MOVQ         d1+24(FP), R9
	MOVQ         dy+32(FP), R10
	MOVQ         wo+40(FP), CX
	VBROADCASTSS b+48(FP), Y15
	MOVBLZX      relu+52(FP), R11
	VXORPS       Y14, Y14, Y14
	VXORPS       Y10, Y10, Y10
	CMPQ         CX, $8
	JLT          pbtail

pbgroup:
	VMOVUPS (SI), Y0
	VMOVUPS 32(SI), Y1
	VMOVUPS (DI), Y2
	VMOVUPS 32(DI), Y3
	VMOVUPS (R10), Y9
	POOLBACK
	VMOVUPS Y0, (R8)
	VMOVUPS Y1, 32(R8)
	VMOVUPS Y2, (R9)
	VMOVUPS Y3, 32(R9)
	ADDQ    $64, SI
	ADDQ    $64, DI
	ADDQ    $64, R8
	ADDQ    $64, R9
	ADDQ    $32, R10
	SUBQ    $8, CX
	CMPQ    CX, $8
	JGE     pbgroup

pbtail:
	TESTQ      CX, CX
	JZ         pbdone
	TAILMASKS
	VMASKMOVPS (SI), Y12, Y0
	VMASKMOVPS 32(SI), Y11, Y1
	VMASKMOVPS (DI), Y12, Y2
	VMASKMOVPS 32(DI), Y11, Y3
	VMASKMOVPS (R10), Y13, Y9
	POOLBACK
	VMASKMOVPS Y0, Y12, (R8)
	VMASKMOVPS Y1, Y11, 32(R8)
	VMASKMOVPS Y2, Y12, (R9)
	VMASKMOVPS Y3, Y11, 32(R9)

pbdone:
	HSUM
	VMOVSS X0, ret+56(FP)
	VZEROUPPER
	RET

// UPFWD turns the values Y0 into Y3 and Y4, each repeated twice in natural order, after
// adding the bias Y15 and rectifying where R11 is set.
#define UPFWD \
	VADDPS     Y15, Y0, Y0      \
	TESTQ      R11, R11         \
	JZ         2(PC)            \
	VMAXPS     Y14, Y0, Y0      \
	VUNPCKLPS  Y0, Y0, Y1 /* v0 v0 v1 v1 | v4 v4 v5 v5 */ \
	VUNPCKHPS  Y0, Y0, Y2 /* v2 v2 v3 v3 | v6 v6 v7 v7 */ \
	VPERM2F128 $0x20, Y2, Y1, Y3 \
	VPERM2F128 $0x31, Y2, Y1, Y4

// func upFwdAVX2(src, d0, d1 *float32, w int, b float32, relu bool)
//
// One row of nearest upsampling: d0 and d1 (2·w values each) both get each value of src,
// plus b and rectified if relu, twice. SI src, R8 d0, R9 d1, CX values left, R11 relu.
TEXT ·upFwdAVX2(SB), NOSPLIT, $0-37
	MOVQ         src+0(FP), SI
	MOVQ         d0+8(FP), R8
	MOVQ         d1+16(FP), R9
	MOVQ         w+24(FP), CX
	VBROADCASTSS b+32(FP), Y15
	MOVBLZX      relu+36(FP), R11
	VXORPS       Y14, Y14, Y14
	CMPQ         CX, $8
	JLT          uftail

ufgroup2:
	VMOVUPS (SI), Y0
	UPFWD
	VMOVUPS Y3, (R8)
	VMOVUPS Y4, 32(R8)
	VMOVUPS Y3, (R9)
	VMOVUPS Y4, 32(R9)
	ADDQ    $32, SI
	ADDQ    $64, R8
	ADDQ    $64, R9
	SUBQ    $8, CX
	CMPQ    CX, $8
	JGE     ufgroup2

uftail:
	TESTQ      CX, CX
	JZ         ufdone
	TAILMASKS
	VMASKMOVPS (SI), Y13, Y0
	UPFWD
	VMASKMOVPS Y3, Y12, (R8)
	VMASKMOVPS Y4, Y11, 32(R8)
	VMASKMOVPS Y3, Y12, (R9)
	VMASKMOVPS Y4, Y11, 32(R9)

ufdone:
	VZEROUPPER
	RET

// UPBWD sums the 2×2 blocks of g0 (Y0, Y1) and g1 (Y2, Y3) into Y4, in natural order:
// (g0[2x]+g1[2x]) + (g0[2x+1]+g1[2x+1]), as upBwdAVX512 does.
#define UPBWD \
	VADDPS  Y2, Y0, Y0        \
	VADDPS  Y3, Y1, Y1        \
	VSHUFPS $0x88, Y1, Y0, Y4 \
	VSHUFPS $0xdd, Y1, Y0, Y0 \
	VADDPS  Y0, Y4, Y4        \
	VPERMPD $0xd8, Y4, Y4

// RECTIFY zeroes the lanes of Y4 where Y5 + b (Y15) ≤ 0.
#define RECTIFY \
	VADDPS Y15, Y5, Y5         \
	VCMPPS $0x1e, Y14, Y5, Y5  \
	VANDPS Y5, Y4, Y4

// func upBwdAVX2(g0, g1, src, dx *float32, w int, b float32, relu bool) float32
//
// One row of the upsampling's gradient: dx[x] = the sum of the 2×2 block of g0 and g1
// (2·w values each) above it, or 0 where relu is set and src[x] + b ≤ 0. Returns the sum
// of dx. SI g0, DI g1, R10 src, R8 dx, CX values left, R11 relu, Y10 the sum.
TEXT ·upBwdAVX2(SB), NOSPLIT, $0-52
	MOVQ         g0+0(FP), SI
	MOVQ         g1+8(FP), DI
	MOVQ         src+16(FP), R10
	MOVQ         dx+24(FP), R8
	MOVQ         w+32(FP), CX
	VBROADCASTSS b+40(FP), Y15
	MOVBLZX      relu+44(FP), R11
	VXORPS       Y14, Y14, Y14
	VXORPS       Y10, Y10, Y10
	CMPQ         CX, $8
	JLT          ubtail

ubgroup2:
	VMOVUPS (SI), Y0
	VMOVUPS 32(SI), Y1
	VMOVUPS (DI), Y2
	VMOVUPS 32(DI), Y3
	UPBWD
	TESTQ   R11, R11
	JZ      ubstore2
	VMOVUPS (R10), Y5
	RECTIFY
	ADDQ    $32, R10

ubstore2:
	VMOVUPS Y4, (R8)
	VADDPS  Y4, Y10, Y10
	ADDQ    $64, SI
	ADDQ    $64, DI
	ADDQ    $32, R8
	SUBQ    $8, CX
	CMPQ    CX, $8
	JGE     ubgroup2

ubtail:
	TESTQ      CX, CX
	JZ         ubdone
	TAILMASKS
	VMASKMOVPS (SI), Y12, Y0
	VMASKMOVPS 32(SI), Y11, Y1
	VMASKMOVPS (DI), Y12, Y2
	VMASKMOVPS 32(DI), Y11, Y3
	UPBWD
	TESTQ      R11, R11
	JZ         ubtstore
	VMASKMOVPS (R10), Y13, Y5
	RECTIFY

ubtstore:
	VMASKMOVPS Y4, Y13, (R8)
	VADDPS     Y4, Y10, Y10

ubdone:
	HSUM
	VMOVSS X0, ret+48(FP)
	VZEROUPPER
	RET
