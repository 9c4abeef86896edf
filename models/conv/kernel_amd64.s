//go:build amd64 && !purego

#include "textflag.h"

// Register use in tileConvAVX512: Z0-Z23 hold the 8×48 tile (row i in Z(3i)..Z(3i+2)),
// Z24-Z26 the 48 inputs of one tap, Z27-Z30 broadcast weights.
// SI weights, DI input plane, R8 tap offsets, R9 taps, R10 tap index, R11 channels left,
// R12 plane stride in bytes, DX output, R13 output row stride in bytes.

#define ROW(wo, A, C0, C1, C2) \
	VBROADCASTSS wo(SI), A    \
	VFMADD231PS  Z24, A, C0   \
	VFMADD231PS  Z25, A, C1   \
	VFMADD231PS  Z26, A, C2

// func tileConvAVX512(w, b *float32, offs *int, ntap, nci, ldb int, c *float32, ldc int)
TEXT ·tileConvAVX512(SB), NOSPLIT, $0-64
	MOVQ w+0(FP), SI
	MOVQ b+8(FP), DI
	MOVQ offs+16(FP), R8
	MOVQ ntap+24(FP), R9
	MOVQ nci+32(FP), R11
	MOVQ ldb+40(FP), R12
	SHLQ $2, R12
	MOVQ c+48(FP), DX
	MOVQ ldc+56(FP), R13
	SHLQ $2, R13

	VPXORD Z0, Z0, Z0
	VPXORD Z1, Z1, Z1
	VPXORD Z2, Z2, Z2
	VPXORD Z3, Z3, Z3
	VPXORD Z4, Z4, Z4
	VPXORD Z5, Z5, Z5
	VPXORD Z6, Z6, Z6
	VPXORD Z7, Z7, Z7
	VPXORD Z8, Z8, Z8
	VPXORD Z9, Z9, Z9
	VPXORD Z10, Z10, Z10
	VPXORD Z11, Z11, Z11
	VPXORD Z12, Z12, Z12
	VPXORD Z13, Z13, Z13
	VPXORD Z14, Z14, Z14
	VPXORD Z15, Z15, Z15
	VPXORD Z16, Z16, Z16
	VPXORD Z17, Z17, Z17
	VPXORD Z18, Z18, Z18
	VPXORD Z19, Z19, Z19
	VPXORD Z20, Z20, Z20
	VPXORD Z21, Z21, Z21
	VPXORD Z22, Z22, Z22
	VPXORD Z23, Z23, Z23

chan:
	XORQ R10, R10

tap:
	MOVQ    (R8)(R10*8), AX
	VMOVUPS (DI)(AX*4), Z24
	VMOVUPS 64(DI)(AX*4), Z25
	VMOVUPS 128(DI)(AX*4), Z26
	ROW(0, Z27, Z0, Z1, Z2)
	ROW(4, Z28, Z3, Z4, Z5)
	ROW(8, Z29, Z6, Z7, Z8)
	ROW(12, Z30, Z9, Z10, Z11)
	ROW(16, Z27, Z12, Z13, Z14)
	ROW(20, Z28, Z15, Z16, Z17)
	ROW(24, Z29, Z18, Z19, Z20)
	ROW(28, Z30, Z21, Z22, Z23)
	ADDQ    $32, SI
	INCQ    R10
	CMPQ    R10, R9
	JLT     tap
	ADDQ    R12, DI
	DECQ    R11
	JNZ     chan

	VMOVUPS Z0, (DX)
	VMOVUPS Z1, 64(DX)
	VMOVUPS Z2, 128(DX)
	ADDQ    R13, DX
	VMOVUPS Z3, (DX)
	VMOVUPS Z4, 64(DX)
	VMOVUPS Z5, 128(DX)
	ADDQ    R13, DX
	VMOVUPS Z6, (DX)
	VMOVUPS Z7, 64(DX)
	VMOVUPS Z8, 128(DX)
	ADDQ    R13, DX
	VMOVUPS Z9, (DX)
	VMOVUPS Z10, 64(DX)
	VMOVUPS Z11, 128(DX)
	ADDQ    R13, DX
	VMOVUPS Z12, (DX)
	VMOVUPS Z13, 64(DX)
	VMOVUPS Z14, 128(DX)
	ADDQ    R13, DX
	VMOVUPS Z15, (DX)
	VMOVUPS Z16, 64(DX)
	VMOVUPS Z17, 128(DX)
	ADDQ    R13, DX
	VMOVUPS Z18, (DX)
	VMOVUPS Z19, 64(DX)
	VMOVUPS Z20, 128(DX)
	ADDQ    R13, DX
	VMOVUPS Z21, (DX)
	VMOVUPS Z22, 64(DX)
	VMOVUPS Z23, 128(DX)
	VZEROUPPER
	RET

// Register use in tileDotAVX512: Z0-Z23 hold the 4×6 partial sums (pair i, j in Z(6i+j)),
// Z24-Z27 the a rows' next 16 values, Z28-Z29 a b row's. R8-R11 a rows, R12, R13, SI, DI,
// BX, DX b rows, R14 byte offset, CX steps left, AX accumulator.

#define DOT(ptr, B, C0, C1, C2, C3) \
	VMOVUPS     (ptr)(R14*1), B \
	VFMADD231PS B, Z24, C0      \
	VFMADD231PS B, Z25, C1      \
	VFMADD231PS B, Z26, C2      \
	VFMADD231PS B, Z27, C3

// func tileDotAVX512(steps int, a *[ar]*float32, b *[br]*float32, acc *float32)
TEXT ·tileDotAVX512(SB), NOSPLIT, $0-32
	MOVQ steps+0(FP), CX
	MOVQ a+8(FP), AX
	MOVQ 0(AX), R8
	MOVQ 8(AX), R9
	MOVQ 16(AX), R10
	MOVQ 24(AX), R11
	MOVQ b+16(FP), AX
	MOVQ 0(AX), R12
	MOVQ 8(AX), R13
	MOVQ 16(AX), SI
	MOVQ 24(AX), DI
	MOVQ 32(AX), BX
	MOVQ 40(AX), DX
	MOVQ acc+24(FP), AX

	VMOVUPS 0(AX), Z0
	VMOVUPS 64(AX), Z1
	VMOVUPS 128(AX), Z2
	VMOVUPS 192(AX), Z3
	VMOVUPS 256(AX), Z4
	VMOVUPS 320(AX), Z5
	VMOVUPS 384(AX), Z6
	VMOVUPS 448(AX), Z7
	VMOVUPS 512(AX), Z8
	VMOVUPS 576(AX), Z9
	VMOVUPS 640(AX), Z10
	VMOVUPS 704(AX), Z11
	VMOVUPS 768(AX), Z12
	VMOVUPS 832(AX), Z13
	VMOVUPS 896(AX), Z14
	VMOVUPS 960(AX), Z15
	VMOVUPS 1024(AX), Z16
	VMOVUPS 1088(AX), Z17
	VMOVUPS 1152(AX), Z18
	VMOVUPS 1216(AX), Z19
	VMOVUPS 1280(AX), Z20
	VMOVUPS 1344(AX), Z21
	VMOVUPS 1408(AX), Z22
	VMOVUPS 1472(AX), Z23
	XORQ    R14, R14

step:
	VMOVUPS (R8)(R14*1), Z24
	VMOVUPS (R9)(R14*1), Z25
	VMOVUPS (R10)(R14*1), Z26
	VMOVUPS (R11)(R14*1), Z27
	DOT(R12, Z28, Z0, Z6, Z12, Z18)
	DOT(R13, Z29, Z1, Z7, Z13, Z19)
	DOT(SI, Z28, Z2, Z8, Z14, Z20)
	DOT(DI, Z29, Z3, Z9, Z15, Z21)
	DOT(BX, Z28, Z4, Z10, Z16, Z22)
	DOT(DX, Z29, Z5, Z11, Z17, Z23)
	ADDQ    $64, R14
	DECQ    CX
	JNZ     step

	VMOVUPS Z0, 0(AX)
	VMOVUPS Z1, 64(AX)
	VMOVUPS Z2, 128(AX)
	VMOVUPS Z3, 192(AX)
	VMOVUPS Z4, 256(AX)
	VMOVUPS Z5, 320(AX)
	VMOVUPS Z6, 384(AX)
	VMOVUPS Z7, 448(AX)
	VMOVUPS Z8, 512(AX)
	VMOVUPS Z9, 576(AX)
	VMOVUPS Z10, 640(AX)
	VMOVUPS Z11, 704(AX)
	VMOVUPS Z12, 768(AX)
	VMOVUPS Z13, 832(AX)
	VMOVUPS Z14, 896(AX)
	VMOVUPS Z15, 960(AX)
	VMOVUPS Z16, 1024(AX)
	VMOVUPS Z17, 1088(AX)
	VMOVUPS Z18, 1152(AX)
	VMOVUPS Z19, 1216(AX)
	VMOVUPS Z20, 1280(AX)
	VMOVUPS Z21, 1344(AX)
	VMOVUPS Z22, 1408(AX)
	VMOVUPS Z23, 1472(AX)
	VZEROUPPER
	RET

// Lane indices that split 32 floats (two registers) into their even and odd elements, and
// that interleave two registers back (low and high halves of the result).
DATA poolidx<>+0(SB)/4, $0
DATA poolidx<>+4(SB)/4, $2
DATA poolidx<>+8(SB)/4, $4
DATA poolidx<>+12(SB)/4, $6
DATA poolidx<>+16(SB)/4, $8
DATA poolidx<>+20(SB)/4, $10
DATA poolidx<>+24(SB)/4, $12
DATA poolidx<>+28(SB)/4, $14
DATA poolidx<>+32(SB)/4, $16
DATA poolidx<>+36(SB)/4, $18
DATA poolidx<>+40(SB)/4, $20
DATA poolidx<>+44(SB)/4, $22
DATA poolidx<>+48(SB)/4, $24
DATA poolidx<>+52(SB)/4, $26
DATA poolidx<>+56(SB)/4, $28
DATA poolidx<>+60(SB)/4, $30
DATA poolidx<>+64(SB)/4, $1
DATA poolidx<>+68(SB)/4, $3
DATA poolidx<>+72(SB)/4, $5
DATA poolidx<>+76(SB)/4, $7
DATA poolidx<>+80(SB)/4, $9
DATA poolidx<>+84(SB)/4, $11
DATA poolidx<>+88(SB)/4, $13
DATA poolidx<>+92(SB)/4, $15
DATA poolidx<>+96(SB)/4, $17
DATA poolidx<>+100(SB)/4, $19
DATA poolidx<>+104(SB)/4, $21
DATA poolidx<>+108(SB)/4, $23
DATA poolidx<>+112(SB)/4, $25
DATA poolidx<>+116(SB)/4, $27
DATA poolidx<>+120(SB)/4, $29
DATA poolidx<>+124(SB)/4, $31
DATA poolidx<>+128(SB)/4, $0
DATA poolidx<>+132(SB)/4, $16
DATA poolidx<>+136(SB)/4, $1
DATA poolidx<>+140(SB)/4, $17
DATA poolidx<>+144(SB)/4, $2
DATA poolidx<>+148(SB)/4, $18
DATA poolidx<>+152(SB)/4, $3
DATA poolidx<>+156(SB)/4, $19
DATA poolidx<>+160(SB)/4, $4
DATA poolidx<>+164(SB)/4, $20
DATA poolidx<>+168(SB)/4, $5
DATA poolidx<>+172(SB)/4, $21
DATA poolidx<>+176(SB)/4, $6
DATA poolidx<>+180(SB)/4, $22
DATA poolidx<>+184(SB)/4, $7
DATA poolidx<>+188(SB)/4, $23
DATA poolidx<>+192(SB)/4, $8
DATA poolidx<>+196(SB)/4, $24
DATA poolidx<>+200(SB)/4, $9
DATA poolidx<>+204(SB)/4, $25
DATA poolidx<>+208(SB)/4, $10
DATA poolidx<>+212(SB)/4, $26
DATA poolidx<>+216(SB)/4, $11
DATA poolidx<>+220(SB)/4, $27
DATA poolidx<>+224(SB)/4, $12
DATA poolidx<>+228(SB)/4, $28
DATA poolidx<>+232(SB)/4, $13
DATA poolidx<>+236(SB)/4, $29
DATA poolidx<>+240(SB)/4, $14
DATA poolidx<>+244(SB)/4, $30
DATA poolidx<>+248(SB)/4, $15
DATA poolidx<>+252(SB)/4, $31
GLOBL poolidx<>(SB), RODATA|NOPTR, $256

// func poolBackAVX512(r0, r1, d0, d1, dy *float32, wo int, b float32, relu bool) float32
//
// One row of 2×2 windows: r0 and r1 are the two input rows (2·wo values each), dy the wo
// output gradients; d0 and d1 receive the input gradients. Returns the sum of the
// gradients passed on (after the rectifier). Register use: Z28-Z31 the index vectors,
// Z27 the bias, Z26 the running sum; per group of 16 windows, Z0/Z1 r0, Z2/Z3 r1, Z4-Z7
// the four window elements, Z8 the maximum, Z9 the gradient; K1 the lanes of windows,
// K2 the lanes of inputs in the first register, K3 in the second.
TEXT ·poolBackAVX512(SB), NOSPLIT, $0-60
	MOVQ         r0+0(FP), SI
	MOVQ         r1+8(FP), DI
	MOVQ         d0+16(FP), R8
	MOVQ         d1+24(FP), R9
	MOVQ         dy+32(FP), R10
	MOVQ         wo+40(FP), CX
	MOVSS        b+48(FP), X0
	VBROADCASTSS X0, Z27
	MOVBLZX      relu+52(FP), R11
	LEAQ         poolidx<>(SB), AX
	VMOVUPS      0(AX), Z28
	VMOVUPS      64(AX), Z29
	VMOVUPS      128(AX), Z30
	VMOVUPS      192(AX), Z31
	VPXORD       Z26, Z26, Z26

group:
	// Masks: K1 = min(wo, 16) windows; inputs 2·that, split over two registers.
	MOVQ  CX, DX
	CMPQ  DX, $16
	JLE   masks
	MOVQ  $16, DX

masks:
	MOVQ  $1, AX
	SHLXQ DX, AX, AX
	DECQ  AX
	KMOVW AX, K1
	MOVQ  DX, BX
	SHLQ  $1, BX                // 2·windows inputs
	MOVQ  $0xffff, AX
	MOVQ  BX, R12
	CMPQ  R12, $16
	JGE   full0
	MOVQ  $1, AX
	SHLXQ R12, AX, AX
	DECQ  AX

full0:
	KMOVW AX, K2
	XORQ  AX, AX
	SUBQ  $16, R12
	JLE   half1
	MOVQ  $1, AX
	SHLXQ R12, AX, AX
	DECQ  AX

half1:
	KMOVW AX, K3

	VMOVUPS.Z (SI), K2, Z0
	VMOVUPS.Z 64(SI), K3, Z1
	VMOVUPS.Z (DI), K2, Z2
	VMOVUPS.Z 64(DI), K3, Z3
	VMOVAPS   Z0, Z4
	VPERMT2PS Z1, Z28, Z4       // r0 even
	VMOVAPS   Z0, Z5
	VPERMT2PS Z1, Z29, Z5       // r0 odd
	VMOVAPS   Z2, Z6
	VPERMT2PS Z3, Z28, Z6       // r1 even
	VMOVAPS   Z2, Z7
	VPERMT2PS Z3, Z29, Z7       // r1 odd
	VMAXPS    Z5, Z4, Z8
	VMAXPS    Z7, Z6, Z10
	VMAXPS    Z10, Z8, Z8       // the maxima
	VMOVUPS.Z (R10), K1, Z9     // their gradients
	TESTQ     R11, R11
	JZ        norelu
	VADDPS    Z27, Z8, Z10
	VPXORD    Z11, Z11, Z11
	VCMPPS    $0x1e, Z11, Z10, K4 // m + b > 0
	VMOVAPS.Z Z9, K4, Z9

norelu:
	VADDPS    Z9, Z26, Z26
	// The first maximum in row-major order: a, then b, c, d.
	VCMPPS    $0, Z8, Z4, K4    // a == m
	VCMPPS    $0, Z8, Z5, K5    // b == m
	KANDNW    K5, K4, K5        // and not a
	KORW      K4, K5, K6
	VCMPPS    $0, Z8, Z6, K7    // c == m
	KANDNW    K7, K6, K7        // and not a or b
	KORW      K6, K7, K6
	KNOTW     K6, K6            // d: none of the others
	VMOVAPS.Z Z9, K4, Z12
	VMOVAPS.Z Z9, K5, Z13
	VMOVAPS.Z Z9, K7, Z14
	VMOVAPS.Z Z9, K6, Z15
	VMOVAPS   Z12, Z16
	VPERMT2PS Z13, Z30, Z16
	VMOVAPS   Z12, Z17
	VPERMT2PS Z13, Z31, Z17
	VMOVAPS   Z14, Z18
	VPERMT2PS Z15, Z30, Z18
	VMOVAPS   Z14, Z19
	VPERMT2PS Z15, Z31, Z19
	VMOVUPS   Z16, K2, (R8)
	VMOVUPS   Z17, K3, 64(R8)
	VMOVUPS   Z18, K2, (R9)
	VMOVUPS   Z19, K3, 64(R9)

	ADDQ $128, SI
	ADDQ $128, DI
	ADDQ $128, R8
	ADDQ $128, R9
	ADDQ $64, R10
	SUBQ DX, CX
	JG   group

	// Horizontal sum of Z26.
	VEXTRACTF32X8 $1, Z26, Y0
	VADDPS        Y0, Y26, Y0
	VEXTRACTF128  $1, Y0, X1
	VADDPS        X1, X0, X0
	VMOVHLPS      X0, X0, X1
	VADDPS        X1, X0, X0
	VMOVSHDUP     X0, X1
	VADDSS        X1, X0, X0
	MOVSS         X0, ret+56(FP)
	VZEROUPPER
	RET

// func poolFwdAVX512(r0, r1, out *float32, wo int, b float32, relu bool)
//
// One row of 2×2 windows: out[x] = max of the window over r0 and r1 (2·wo values each),
// plus b, rectified if relu. Registers as in poolBackAVX512.
TEXT ·poolFwdAVX512(SB), NOSPLIT, $0-37
	MOVQ         r0+0(FP), SI
	MOVQ         r1+8(FP), DI
	MOVQ         out+16(FP), R8
	MOVQ         wo+24(FP), CX
	MOVSS        b+32(FP), X0
	VBROADCASTSS X0, Z27
	MOVBLZX      relu+36(FP), R11
	LEAQ         poolidx<>(SB), AX
	VMOVUPS      0(AX), Z28
	VMOVUPS      64(AX), Z29
	VPXORD       Z26, Z26, Z26

fgroup:
	MOVQ  CX, DX
	CMPQ  DX, $16
	JLE   fmasks
	MOVQ  $16, DX

fmasks:
	MOVQ  $1, AX
	SHLXQ DX, AX, AX
	DECQ  AX
	KMOVW AX, K1
	MOVQ  DX, R12
	SHLQ  $1, R12
	MOVQ  $0xffff, AX
	CMPQ  R12, $16
	JGE   ffull0
	MOVQ  $1, AX
	SHLXQ R12, AX, AX
	DECQ  AX

ffull0:
	KMOVW AX, K2
	XORQ  AX, AX
	SUBQ  $16, R12
	JLE   fhalf1
	MOVQ  $1, AX
	SHLXQ R12, AX, AX
	DECQ  AX

fhalf1:
	KMOVW     AX, K3
	VMOVUPS.Z (SI), K2, Z0
	VMOVUPS.Z 64(SI), K3, Z1
	VMOVUPS.Z (DI), K2, Z2
	VMOVUPS.Z 64(DI), K3, Z3
	VMAXPS    Z2, Z0, Z0        // rows first: then the even and odd lanes
	VMAXPS    Z3, Z1, Z1
	VMOVAPS   Z0, Z4
	VPERMT2PS Z1, Z28, Z4
	VPERMT2PS Z1, Z29, Z0
	VMAXPS    Z0, Z4, Z4
	VADDPS    Z27, Z4, Z4
	TESTQ     R11, R11
	JZ        fstore
	VMAXPS    Z26, Z4, Z4

fstore:
	VMOVUPS Z4, K1, (R8)
	ADDQ    $128, SI
	ADDQ    $128, DI
	ADDQ    $64, R8
	SUBQ    DX, CX
	JG      fgroup
	VZEROUPPER
	RET

// Lane indices that repeat each of the first (then the last) eight lanes twice.
DATA dupidx<>+0(SB)/4, $0
DATA dupidx<>+4(SB)/4, $0
DATA dupidx<>+8(SB)/4, $1
DATA dupidx<>+12(SB)/4, $1
DATA dupidx<>+16(SB)/4, $2
DATA dupidx<>+20(SB)/4, $2
DATA dupidx<>+24(SB)/4, $3
DATA dupidx<>+28(SB)/4, $3
DATA dupidx<>+32(SB)/4, $4
DATA dupidx<>+36(SB)/4, $4
DATA dupidx<>+40(SB)/4, $5
DATA dupidx<>+44(SB)/4, $5
DATA dupidx<>+48(SB)/4, $6
DATA dupidx<>+52(SB)/4, $6
DATA dupidx<>+56(SB)/4, $7
DATA dupidx<>+60(SB)/4, $7
DATA dupidx<>+64(SB)/4, $8
DATA dupidx<>+68(SB)/4, $8
DATA dupidx<>+72(SB)/4, $9
DATA dupidx<>+76(SB)/4, $9
DATA dupidx<>+80(SB)/4, $10
DATA dupidx<>+84(SB)/4, $10
DATA dupidx<>+88(SB)/4, $11
DATA dupidx<>+92(SB)/4, $11
DATA dupidx<>+96(SB)/4, $12
DATA dupidx<>+100(SB)/4, $12
DATA dupidx<>+104(SB)/4, $13
DATA dupidx<>+108(SB)/4, $13
DATA dupidx<>+112(SB)/4, $14
DATA dupidx<>+116(SB)/4, $14
DATA dupidx<>+120(SB)/4, $15
DATA dupidx<>+124(SB)/4, $15
GLOBL dupidx<>(SB), RODATA|NOPTR, $128

// Masks for a group of up to 16 values of a row of wo, which becomes 2·that in two
// registers: K1 the values, K2 and K3 the doubled lanes. DX gets the group's size.
#define GROUPMASKS(wo) \
	MOVQ  wo, DX          \
	CMPQ  DX, $16         \
	JLE   2(PC)           \
	MOVQ  $16, DX         \
	MOVQ  $1, AX          \
	SHLXQ DX, AX, AX      \
	DECQ  AX              \
	KMOVW AX, K1          \
	MOVQ  DX, R12         \
	SHLQ  $1, R12         \
	MOVQ  $0xffff, AX     \
	CMPQ  R12, $16        \
	JGE   4(PC)           \
	MOVQ  $1, AX          \
	SHLXQ R12, AX, AX     \
	DECQ  AX              \
	KMOVW AX, K2          \
	XORQ  AX, AX          \
	SUBQ  $16, R12        \
	JLE   4(PC)           \
	MOVQ  $1, AX          \
	SHLXQ R12, AX, AX     \
	DECQ  AX              \
	KMOVW AX, K3

// func upFwdAVX512(src, d0, d1 *float32, w int, b float32, relu bool)
//
// One row of nearest upsampling: d0 and d1 (2·w values each) both get each value of src,
// plus b and rectified if relu, twice.
TEXT ·upFwdAVX512(SB), NOSPLIT, $0-37
	MOVQ         src+0(FP), SI
	MOVQ         d0+8(FP), R8
	MOVQ         d1+16(FP), R9
	MOVQ         w+24(FP), CX
	MOVSS        b+32(FP), X0
	VBROADCASTSS X0, Z27
	MOVBLZX      relu+36(FP), R11
	LEAQ         dupidx<>(SB), AX
	VMOVUPS      0(AX), Z28
	VMOVUPS      64(AX), Z29
	VPXORD       Z26, Z26, Z26

ufgroup:
	GROUPMASKS(CX)
	VMOVUPS.Z (SI), K1, Z0
	VADDPS    Z27, Z0, Z0
	TESTQ     R11, R11
	JZ        ufdup
	VMAXPS    Z26, Z0, Z0

ufdup:
	VPERMPS Z0, Z28, Z1
	VPERMPS Z0, Z29, Z2
	VMOVUPS Z1, K2, (R8)
	VMOVUPS Z2, K3, 64(R8)
	VMOVUPS Z1, K2, (R9)
	VMOVUPS Z2, K3, 64(R9)
	ADDQ    $64, SI
	ADDQ    $128, R8
	ADDQ    $128, R9
	SUBQ    DX, CX
	JG      ufgroup
	VZEROUPPER
	RET

// func upBwdAVX512(g0, g1, src, dx *float32, w int, b float32, relu bool) float32
//
// One row of the upsampling's gradient: dx[x] = the sum of the 2×2 block of g0 and g1
// (2·w values each) above it, (g0[2x]+g1[2x]) + (g0[2x+1]+g1[2x+1]), or 0 where relu is
// set and src[x] + b ≤ 0. Returns the sum of dx.
TEXT ·upBwdAVX512(SB), NOSPLIT, $0-52
	MOVQ         g0+0(FP), SI
	MOVQ         g1+8(FP), DI
	MOVQ         src+16(FP), R10
	MOVQ         dx+24(FP), R8
	MOVQ         w+32(FP), CX
	MOVSS        b+40(FP), X0
	VBROADCASTSS X0, Z27
	MOVBLZX      relu+44(FP), R11
	LEAQ         poolidx<>(SB), AX
	VMOVUPS      0(AX), Z28
	VMOVUPS      64(AX), Z29
	VPXORD       Z26, Z26, Z26
	VPXORD       Z25, Z25, Z25

ubgroup:
	GROUPMASKS(CX)
	VMOVUPS.Z (SI), K2, Z0
	VMOVUPS.Z 64(SI), K3, Z1
	VMOVUPS.Z (DI), K2, Z2
	VMOVUPS.Z 64(DI), K3, Z3
	VADDPS    Z2, Z0, Z0
	VADDPS    Z3, Z1, Z1
	VMOVAPS   Z0, Z4
	VPERMT2PS Z1, Z28, Z4
	VPERMT2PS Z1, Z29, Z0
	VADDPS    Z0, Z4, Z4
	TESTQ     R11, R11
	JZ        ubstore
	VMOVUPS.Z (R10), K1, Z5
	VADDPS    Z27, Z5, Z5
	VCMPPS    $0x1e, Z25, Z5, K4
	VMOVAPS.Z Z4, K4, Z4
	ADDQ      $64, R10

ubstore:
	VMOVUPS Z4, K1, (R8)
	VADDPS  Z4, Z26, Z26
	ADDQ    $128, SI
	ADDQ    $128, DI
	ADDQ    $64, R8
	SUBQ    DX, CX
	JG      ubgroup

	VEXTRACTF32X8 $1, Z26, Y0
	VADDPS        Y0, Y26, Y0
	VEXTRACTF128  $1, Y0, X1
	VADDPS        X1, X0, X0
	VMOVHLPS      X0, X0, X1
	VADDPS        X1, X0, X0
	VMOVSHDUP     X0, X1
	VADDSS        X1, X0, X0
	MOVSS         X0, ret+48(FP)
	VZEROUPPER
	RET

// func tileConv1AVX512(w, b *float32, offs *int, ntap, nci, ldb int, c *float32)
//
// tileConv for a single output channel: c[j] = Σ_ci Σ_t w[ci·ntap+t] · b[ci·ldb+offs[t]+j]
// for j < 144 (three tileConv tiles). Z0-Z8 hold the sums, Z9-Z17 the inputs of one tap,
// Z18 the broadcast weight. SI weights, DI input plane, R8 offsets, R9 taps, R10 tap
// index, R11 channels left, R12 plane stride in bytes, DX output.
TEXT ·tileConv1AVX512(SB), NOSPLIT, $0-56
	MOVQ   w+0(FP), SI
	MOVQ   b+8(FP), DI
	MOVQ   offs+16(FP), R8
	MOVQ   ntap+24(FP), R9
	MOVQ   nci+32(FP), R11
	MOVQ   ldb+40(FP), R12
	SHLQ   $2, R12
	MOVQ   c+48(FP), DX
	VPXORD Z0, Z0, Z0
	VPXORD Z1, Z1, Z1
	VPXORD Z2, Z2, Z2
	VPXORD Z3, Z3, Z3
	VPXORD Z4, Z4, Z4
	VPXORD Z5, Z5, Z5
	VPXORD Z6, Z6, Z6
	VPXORD Z7, Z7, Z7
	VPXORD Z8, Z8, Z8

chan1:
	XORQ R10, R10

tap1:
	MOVQ         (R8)(R10*8), AX
	VBROADCASTSS (SI), Z18
	VFMADD231PS  (DI)(AX*4), Z18, Z0
	VFMADD231PS  64(DI)(AX*4), Z18, Z1
	VFMADD231PS  128(DI)(AX*4), Z18, Z2
	VFMADD231PS  192(DI)(AX*4), Z18, Z3
	VFMADD231PS  256(DI)(AX*4), Z18, Z4
	VFMADD231PS  320(DI)(AX*4), Z18, Z5
	VFMADD231PS  384(DI)(AX*4), Z18, Z6
	VFMADD231PS  448(DI)(AX*4), Z18, Z7
	VFMADD231PS  512(DI)(AX*4), Z18, Z8
	ADDQ         $4, SI
	INCQ         R10
	CMPQ         R10, R9
	JLT          tap1
	ADDQ         R12, DI
	DECQ         R11
	JNZ          chan1

	VMOVUPS Z0, (DX)
	VMOVUPS Z1, 64(DX)
	VMOVUPS Z2, 128(DX)
	VMOVUPS Z3, 192(DX)
	VMOVUPS Z4, 256(DX)
	VMOVUPS Z5, 320(DX)
	VMOVUPS Z6, 384(DX)
	VMOVUPS Z7, 448(DX)
	VMOVUPS Z8, 512(DX)
	VZEROUPPER
	RET
