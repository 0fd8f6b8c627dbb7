//go:build amd64 && !purego

#include "textflag.h"

// func lut8VBMIAsm(n int, t, in, out *byte)
// The table sits in Z0..Z3; VPERMI2B looks up the low 7 bits of each
// index in Z0:Z1 and in Z2:Z3, and the index's top bit picks one.
TEXT ·lut8VBMIAsm(SB), NOSPLIT, $0-32
	MOVQ n+0(FP), CX
	MOVQ t+8(FP), AX
	MOVQ in+16(FP), SI
	MOVQ out+24(FP), DI
	VMOVDQU64 (AX), Z0
	VMOVDQU64 64(AX), Z1
	VMOVDQU64 128(AX), Z2
	VMOVDQU64 192(AX), Z3

loop128:
	CMPQ CX, $128
	JLT  loop64
	VMOVDQU64 (SI), Z4
	VMOVDQU64 64(SI), Z8
	VPMOVB2M  Z4, K1
	VPMOVB2M  Z8, K2
	VMOVDQA64 Z4, Z5
	VMOVDQA64 Z8, Z9
	VPERMI2B  Z1, Z0, Z4
	VPERMI2B  Z3, Z2, Z5
	VPERMI2B  Z1, Z0, Z8
	VPERMI2B  Z3, Z2, Z9
	VPBLENDMB Z5, Z4, K1, Z6
	VPBLENDMB Z9, Z8, K2, Z10
	VMOVDQU64 Z6, (DI)
	VMOVDQU64 Z10, 64(DI)
	ADDQ      $128, SI
	ADDQ      $128, DI
	SUBQ      $128, CX
	JMP       loop128

loop64:
	TESTQ CX, CX
	JZ    done
	VMOVDQU64 (SI), Z4
	VPMOVB2M  Z4, K1
	VMOVDQA64 Z4, Z5
	VPERMI2B  Z1, Z0, Z4
	VPERMI2B  Z3, Z2, Z5
	VPBLENDMB Z5, Z4, K1, Z6
	VMOVDQU64 Z6, (DI)
	ADDQ      $64, SI
	ADDQ      $64, DI
	SUBQ      $64, CX
	JMP       loop64

done:
	VZEROUPPER
	RET

// func quantF32Asm(n int, x *float32, out *byte, inv, flo, fhi float32, zp int32, unsigned int)
// 16 values a step: multiply, clamp (VMAXPS with flo as the second source
// turns NaN into flo), convert rounding half to even (MXCSR's default),
// add the zero point, pack with saturation (the values are in range).
TEXT ·quantF32Asm(SB), NOSPLIT, $0-48
	MOVQ         n+0(FP), CX
	MOVQ         x+8(FP), SI
	MOVQ         out+16(FP), DI
	VBROADCASTSS inv+24(FP), Y10
	VBROADCASTSS flo+28(FP), Y11
	VBROADCASTSS fhi+32(FP), Y12
	MOVL         zp+36(FP), AX
	VMOVD        AX, X13
	VPBROADCASTD X13, Y13
	MOVQ         unsigned+40(FP), DX

qloop:
	CMPQ         CX, $16
	JLT          qdone
	VMULPS       (SI), Y10, Y0
	VMULPS       32(SI), Y10, Y1
	VMAXPS       Y11, Y0, Y0
	VMAXPS       Y11, Y1, Y1
	VMINPS       Y12, Y0, Y0
	VMINPS       Y12, Y1, Y1
	VCVTPS2DQ    Y0, Y0
	VCVTPS2DQ    Y1, Y1
	VPADDD       Y13, Y0, Y0
	VPADDD       Y13, Y1, Y1
	VPACKSSDW    Y1, Y0, Y0
	VPERMQ       $0xD8, Y0, Y0
	VEXTRACTI128 $1, Y0, X1
	TESTQ        DX, DX
	JNZ          qunsigned
	VPACKSSWB    X1, X0, X0
	JMP          qstore

qunsigned:
	VPACKUSWB X1, X0, X0

qstore:
	VMOVDQU X0, (DI)
	ADDQ    $64, SI
	ADDQ    $16, DI
	SUBQ    $16, CX
	JMP     qloop

qdone:
	VZEROUPPER
	RET

// REQ applies one TFLite MultiplyByQuantizedMultiplier to the eight int32
// in Y0 with the vectors at M, L, MASK, HALF, R of DX: shift left; the
// doubling high multiply as (x·m + 2^30) >> 31 on the even and the odd
// lanes (a logical shift: the result fits in 32 bits); the rounding
// divide by 2^r, rounding half away from zero. Clobbers Y1..Y3.
#define REQ(M, L, MASK, HALF, R) \
	VPSLLD   L(DX), Y0, Y0       \
	VPSRLQ   $32, Y0, Y1         \
	VPMULDQ  M(DX), Y0, Y2       \
	VPMULDQ  M(DX), Y1, Y1       \
	VPADDQ   672(DX), Y2, Y2     \
	VPADDQ   672(DX), Y1, Y1     \
	VPSRLQ   $31, Y2, Y2         \
	VPSRLQ   $31, Y1, Y1         \
	VPSLLQ   $32, Y1, Y1         \
	VPBLENDD $0xAA, Y1, Y2, Y0   \
	VPAND    MASK(DX), Y0, Y1    \
	VPSRAD   $31, Y0, Y2         \
	VMOVDQU  HALF(DX), Y3        \
	VPSUBD   Y2, Y3, Y2          \
	VPSRAD   R(DX), Y0, Y0       \
	VPCMPGTD Y2, Y1, Y1          \
	VPSUBD   Y1, Y0, Y0

// func addSubAsm(n int, p *addSubVec, a, b, out *byte)
TEXT ·addSubAsm(SB), NOSPLIT, $0-40
	MOVQ n+0(FP), CX
	MOVQ p+8(FP), DX
	MOVQ a+16(FP), SI
	MOVQ b+24(FP), BX
	MOVQ out+32(FP), DI
	MOVL 704(DX), R8
	MOVL 708(DX), R9

aloop:
	CMPQ      CX, $8
	JLT       adone
	VMOVQ     (SI), X0
	VPXOR     640(DX), X0, X0
	VPMOVSXBD X0, Y0
	VPSUBD    0(DX), Y0, Y0
	VPSLLD    $20, Y0, Y0
	REQ(64, 96, 128, 160, 544)
	VMOVDQA   Y0, Y4
	VMOVQ     (BX), X0
	VPXOR     640(DX), X0, X0
	VPMOVSXBD X0, Y0
	VPSUBD    32(DX), Y0, Y0
	VPSLLD    $20, Y0, Y0
	REQ(192, 224, 256, 288, 576)
	TESTL     R8, R8
	JNZ       asub
	VPADDD    Y0, Y4, Y0
	JMP       asum

asub:
	VPSUBD Y0, Y4, Y0

asum:
	REQ(320, 352, 384, 416, 608)
	VPADDD       448(DX), Y0, Y0
	VPMAXSD      480(DX), Y0, Y0
	VPMINSD      512(DX), Y0, Y0
	VEXTRACTI128 $1, Y0, X1
	VPACKSSDW    X1, X0, X0
	TESTL        R9, R9
	JNZ          aunsigned
	VPACKSSWB    X0, X0, X0
	JMP          astore

aunsigned:
	VPACKUSWB X0, X0, X0

astore:
	MOVQ X0, (DI)
	ADDQ $8, SI
	ADDQ $8, BX
	ADDQ $8, DI
	SUBQ $8, CX
	JMP  aloop

adone:
	VZEROUPPER
	RET

// REQZ is REQ on sixteen int32 in Z0 with the multiplier in MREG, the
// masks in MASKREG and HALFREG, K3 = 0xAAAA and Z15 = 1. Clobbers Z1, Z2,
// K4.
#define REQZ(MREG, L, MASKREG, HALFREG, R) \
	VPSLLD    L(DX), Z0, Z0              \
	VPSRLQ    $32, Z0, Z1                \
	VPMULDQ   MREG, Z0, Z2               \
	VPMULDQ   MREG, Z1, Z1               \
	VPADDQ    Z30, Z2, Z2                \
	VPADDQ    Z30, Z1, Z1                \
	VPSRLQ    $31, Z2, Z2                \
	VPSLLQ    $1, Z1, Z1                 \
	VPBLENDMD Z1, Z2, K3, Z0             \
	VPANDD    MASKREG, Z0, Z1            \
	VPSRAD    $31, Z0, Z2                \
	VPSUBD    Z2, HALFREG, Z2            \
	VPSRAD    R(DX), Z0, Z0              \
	VPCMPGTD  Z2, Z1, K4                 \
	VPADDD    Z15, Z0, K4, Z0

// func addSubAVX512(n int, p *addSubVec, a, b, out *byte)
// addSubAsm sixteen elements a step, n a multiple of 16.
TEXT ·addSubAVX512(SB), NOSPLIT, $0-40
	MOVQ         n+0(FP), CX
	MOVQ         p+8(FP), DX
	MOVQ         a+16(FP), SI
	MOVQ         b+24(FP), BX
	MOVQ         out+32(FP), DI
	MOVL         704(DX), R8
	MOVL         708(DX), R9
	VPBROADCASTD 0(DX), Z16
	VPBROADCASTD 32(DX), Z17
	VPBROADCASTD 64(DX), Z18
	VPBROADCASTD 128(DX), Z19
	VPBROADCASTD 160(DX), Z20
	VPBROADCASTD 192(DX), Z21
	VPBROADCASTD 256(DX), Z22
	VPBROADCASTD 288(DX), Z23
	VPBROADCASTD 320(DX), Z24
	VPBROADCASTD 384(DX), Z25
	VPBROADCASTD 416(DX), Z26
	VPBROADCASTD 448(DX), Z27
	VPBROADCASTD 480(DX), Z28
	VPBROADCASTD 512(DX), Z29
	VPBROADCASTQ 672(DX), Z30
	VMOVDQU      640(DX), X14
	MOVL         $1, AX
	VPBROADCASTD AX, Z15
	MOVL         $0xAAAA, AX
	KMOVW        AX, K3

zloop:
	CMPQ      CX, $16
	JLT       zdone
	VMOVDQU   (SI), X0
	VPXOR     X14, X0, X0
	VPMOVSXBD X0, Z0
	VPSUBD    Z16, Z0, Z0
	VPSLLD    $20, Z0, Z0
	REQZ(Z18, 96, Z19, Z20, 544)
	VMOVDQA64 Z0, Z4
	VMOVDQU   (BX), X0
	VPXOR     X14, X0, X0
	VPMOVSXBD X0, Z0
	VPSUBD    Z17, Z0, Z0
	VPSLLD    $20, Z0, Z0
	REQZ(Z21, 224, Z22, Z23, 576)
	TESTL     R8, R8
	JNZ       zsub
	VPADDD    Z0, Z4, Z0
	JMP       zsum

zsub:
	VPSUBD Z0, Z4, Z0

zsum:
	REQZ(Z24, 352, Z25, Z26, 608)
	VPADDD  Z27, Z0, Z0
	VPMAXSD Z28, Z0, Z0
	VPMINSD Z29, Z0, Z0
	TESTL   R9, R9
	JNZ     zunsigned
	VPMOVSDB Z0, X0
	JMP      zstore

zunsigned:
	VPMOVUSDB Z0, X0

zstore:
	VMOVDQU X0, (DI)
	ADDQ $16, SI
	ADDQ $16, BX
	ADDQ $16, DI
	SUBQ $16, CX
	JMP  zloop

zdone:
	VZEROUPPER
	RET

// func mulAVX512(n int, p *mulVec, a, b, out *byte)
// XNNPACK's int8 MUL sixteen elements a step (n a multiple of 16): the
// integer product of the centred inputs, converted to float32, times the
// float32 scale, rounded half to even, plus the output zero point,
// clamped.
TEXT ·mulAVX512(SB), NOSPLIT, $0-40
	MOVQ         n+0(FP), CX
	MOVQ         p+8(FP), DX
	MOVQ         a+16(FP), SI
	MOVQ         b+24(FP), BX
	MOVQ         out+32(FP), DI
	VPBROADCASTD 0(DX), Z16
	VPBROADCASTD 4(DX), Z17
	VPBROADCASTD 8(DX), Z18
	VPBROADCASTD 12(DX), Z19
	VPBROADCASTD 16(DX), Z20
	VPBROADCASTD 20(DX), Z21
	VPBROADCASTD 24(DX), X14
	MOVL         28(DX), R9

mloop:
	CMPQ      CX, $16
	JLT       mdone
	VMOVDQU   (SI), X0
	VMOVDQU   (BX), X1
	VPXOR     X14, X0, X0
	VPXOR     X14, X1, X1
	VPMOVSXBD X0, Z0
	VPMOVSXBD X1, Z1
	VPSUBD    Z16, Z0, Z0
	VPSUBD    Z17, Z1, Z1
	VPMULLD   Z1, Z0, Z0
	VCVTDQ2PS Z0, Z0
	VMULPS    Z21, Z0, Z0
	VCVTPS2DQ Z0, Z0
	VPADDD    Z18, Z0, Z0
	VPMAXSD   Z19, Z0, Z0
	VPMINSD   Z20, Z0, Z0
	TESTL     R9, R9
	JNZ       munsigned
	VPMOVSDB  Z0, X0
	JMP       mstore

munsigned:
	VPMOVUSDB Z0, X0

mstore:
	VMOVDQU X0, (DI)
	ADDQ    $16, SI
	ADDQ    $16, BX
	ADDQ    $16, DI
	SUBQ    $16, CX
	JMP     mloop

mdone:
	VZEROUPPER
	RET

// LINPARAMS broadcasts a narrow addLin at DX: ma, mb, bias, add, lo, hi
// to Z16..Z21 (the low half of each int64 field), sh to X22.
#define LINPARAMS \
	VPBROADCASTD 0(DX), Z16  \
	VPBROADCASTD 8(DX), Z17  \
	VPBROADCASTD 16(DX), Z18 \
	VPBROADCASTD 24(DX), Z19 \
	VPBROADCASTD 32(DX), Z20 \
	VPBROADCASTD 40(DX), Z21 \
	VMOVQ        48(DX), X22

// LINZ evaluates the narrow linear form (LINPARAMS) on the sixteen int32
// a in A and b in B into R: acc = a×ma + b×mb + bias; (acc + add +
// (acc>>31)) >> sh; clamped. Clobbers T; A and B are kept unless R or T.
#define LINZ(A, B, R, T) \
	VPMULLD Z16, A, R  \
	VPMULLD Z17, B, T  \
	VPADDD  T, R, R    \
	VPADDD  Z18, R, R  \
	VPSRAD  $31, R, T  \
	VPADDD  Z19, R, R  \
	VPADDD  T, R, R    \
	VPSRAD  X22, R, R  \
	VPMAXSD Z20, R, R  \
	VPMINSD Z21, R, R

// func addLinAVX512(n int, l *addLin, a, b, out *byte)
// A narrow linear form sixteen elements a step (32 while it can), the low
// bytes of the int32 results packed to a register and stored.
TEXT ·addLinAVX512(SB), NOSPLIT, $0-40
	MOVQ n+0(FP), CX
	MOVQ l+8(FP), DX
	MOVQ a+16(FP), SI
	MOVQ b+24(FP), BX
	MOVQ out+32(FP), DI
	LINPARAMS

lz32:
	CMPQ      CX, $32
	JLT       lz16
	VPMOVSXBD (SI), Z0
	VPMOVSXBD 16(SI), Z4
	VPMOVSXBD (BX), Z1
	VPMOVSXBD 16(BX), Z5
	LINZ(Z0, Z1, Z0, Z1)
	LINZ(Z4, Z5, Z4, Z5)
	VPMOVDB   Z0, X0
	VPMOVDB   Z4, X4
	VMOVDQU   X0, (DI)
	VMOVDQU   X4, 16(DI)
	ADDQ      $32, SI
	ADDQ      $32, BX
	ADDQ      $32, DI
	SUBQ      $32, CX
	JMP       lz32

lz16:
	TESTQ     CX, CX
	JZ        lzdone
	VPMOVSXBD (SI), Z0
	VPMOVSXBD (BX), Z1
	LINZ(Z0, Z1, Z0, Z1)
	VPMOVDB   Z0, X0
	VMOVDQU   X0, (DI)

lzdone:
	VZEROUPPER
	RET

// func addLinAVX2(n int, l *addLin, a, b, out *byte)
// addLinAVX512 eight elements a step; the clamped values fit in int8, so
// the saturating packs keep them.
TEXT ·addLinAVX2(SB), NOSPLIT, $0-40
	MOVQ         n+0(FP), CX
	MOVQ         l+8(FP), DX
	MOVQ         a+16(FP), SI
	MOVQ         b+24(FP), BX
	MOVQ         out+32(FP), DI
	VPBROADCASTD 0(DX), Y8
	VPBROADCASTD 8(DX), Y9
	VPBROADCASTD 16(DX), Y10
	VPBROADCASTD 24(DX), Y11
	VPBROADCASTD 32(DX), Y12
	VPBROADCASTD 40(DX), Y13
	VMOVQ        48(DX), X14

ly8:
	TESTQ        CX, CX
	JZ           lydone
	VPMOVSXBD    (SI), Y0
	VPMOVSXBD    (BX), Y1
	VPMULLD      Y8, Y0, Y0
	VPMULLD      Y9, Y1, Y1
	VPADDD       Y1, Y0, Y0
	VPADDD       Y10, Y0, Y0
	VPSRAD       $31, Y0, Y1
	VPADDD       Y11, Y0, Y0
	VPADDD       Y1, Y0, Y0
	VPSRAD       X14, Y0, Y0
	VPMAXSD      Y12, Y0, Y0
	VPMINSD      Y13, Y0, Y0
	VEXTRACTI128 $1, Y0, X1
	VPACKSSDW    X1, X0, X0
	VPACKSSWB    X0, X0, X0
	MOVQ         X0, (DI)
	ADDQ         $8, SI
	ADDQ         $8, BX
	ADDQ         $8, DI
	SUBQ         $8, CX
	JMP          ly8

lydone:
	VZEROUPPER
	RET

// func addLin64AVX512(n int, l *addLin, a, b, out *byte)
// A wide linear form sixteen elements a step as two halves of eight int64
// lanes: VPMULDQ multiplies the sign-extended inputs by the 32-bit
// multipliers exactly; the clamped results are packed to bytes.
TEXT ·addLin64AVX512(SB), NOSPLIT, $0-40
	MOVQ         n+0(FP), CX
	MOVQ         l+8(FP), DX
	MOVQ         a+16(FP), SI
	MOVQ         b+24(FP), BX
	MOVQ         out+32(FP), DI
	VPBROADCASTQ 0(DX), Z16
	VPBROADCASTQ 8(DX), Z17
	VPBROADCASTQ 16(DX), Z18
	VPBROADCASTQ 24(DX), Z19
	VPBROADCASTQ 32(DX), Z20
	VPBROADCASTQ 40(DX), Z21
	VMOVQ        48(DX), X22

wz16:
	TESTQ       CX, CX
	JZ          wzdone
	VPMOVSXBQ   (SI), Z0
	VPMOVSXBQ   8(SI), Z2
	VPMOVSXBQ   (BX), Z1
	VPMOVSXBQ   8(BX), Z3
	VPMULDQ     Z16, Z0, Z0
	VPMULDQ     Z16, Z2, Z2
	VPMULDQ     Z17, Z1, Z1
	VPMULDQ     Z17, Z3, Z3
	VPADDQ      Z1, Z0, Z0
	VPADDQ      Z3, Z2, Z2
	VPADDQ      Z18, Z0, Z0
	VPADDQ      Z18, Z2, Z2
	VPSRAQ      $63, Z0, Z1
	VPSRAQ      $63, Z2, Z3
	VPADDQ      Z19, Z0, Z0
	VPADDQ      Z19, Z2, Z2
	VPADDQ      Z1, Z0, Z0
	VPADDQ      Z3, Z2, Z2
	VPSRAQ      X22, Z0, Z0
	VPSRAQ      X22, Z2, Z2
	VPMAXSQ     Z20, Z0, Z0
	VPMAXSQ     Z20, Z2, Z2
	VPMINSQ     Z21, Z0, Z0
	VPMINSQ     Z21, Z2, Z2
	VPMOVQB     Z0, X0
	VPMOVQB     Z2, X2
	VPUNPCKLQDQ X2, X0, X0
	VMOVDQU     X0, (DI)
	ADDQ        $16, SI
	ADDQ        $16, BX
	ADDQ        $16, DI
	SUBQ        $16, CX
	JMP         wz16

wzdone:
	VZEROUPPER
	RET

// func dequantI8Asm(n int, in *int8, out *float32, zp int32, scale float32)
// float32(q - zp) × scale, 32 values a step then 8 (n a multiple of 8):
// the conversion is exact, the product rounds once, as the Go loop's.
TEXT ·dequantI8Asm(SB), NOSPLIT, $0-32
	MOVQ         n+0(FP), CX
	MOVQ         in+8(FP), SI
	MOVQ         out+16(FP), DI
	MOVL         zp+24(FP), AX
	MOVQ         AX, X14
	VPBROADCASTD X14, Y14
	VBROADCASTSS scale+28(FP), Y15

dq32:
	CMPQ      CX, $32
	JLT       dq8
	VPMOVSXBD (SI), Y0
	VPMOVSXBD 8(SI), Y1
	VPMOVSXBD 16(SI), Y2
	VPMOVSXBD 24(SI), Y3
	VPSUBD    Y14, Y0, Y0
	VPSUBD    Y14, Y1, Y1
	VPSUBD    Y14, Y2, Y2
	VPSUBD    Y14, Y3, Y3
	VCVTDQ2PS Y0, Y0
	VCVTDQ2PS Y1, Y1
	VCVTDQ2PS Y2, Y2
	VCVTDQ2PS Y3, Y3
	VMULPS    Y15, Y0, Y0
	VMULPS    Y15, Y1, Y1
	VMULPS    Y15, Y2, Y2
	VMULPS    Y15, Y3, Y3
	VMOVUPS   Y0, (DI)
	VMOVUPS   Y1, 32(DI)
	VMOVUPS   Y2, 64(DI)
	VMOVUPS   Y3, 96(DI)
	ADDQ      $32, SI
	ADDQ      $128, DI
	SUBQ      $32, CX
	JMP       dq32

dq8:
	TESTQ     CX, CX
	JZ        dqdone
	VPMOVSXBD (SI), Y0
	VPSUBD    Y14, Y0, Y0
	VCVTDQ2PS Y0, Y0
	VMULPS    Y15, Y0, Y0
	VMOVUPS   Y0, (DI)
	ADDQ      $8, SI
	ADDQ      $32, DI
	SUBQ      $8, CX
	JMP       dq8

dqdone:
	VZEROUPPER
	RET

// func addLinFixAVX512(n int, l *addLin, a, b, out *byte)
// addLinAVX512 sixteen elements a step with the two fixed pairs: lanes
// whose inputs equal (fixA[j], fixB[j]) take fixV[j].
TEXT ·addLinFixAVX512(SB), NOSPLIT, $0-40
	MOVQ         n+0(FP), CX
	MOVQ         l+8(FP), DX
	MOVQ         a+16(FP), SI
	MOVQ         b+24(FP), BX
	MOVQ         out+32(FP), DI
	LINPARAMS
	VPBROADCASTD 56(DX), Z23
	VPBROADCASTD 72(DX), Z24
	VPBROADCASTD 88(DX), Z25
	VPBROADCASTD 64(DX), Z26
	VPBROADCASTD 80(DX), Z27
	VPBROADCASTD 96(DX), Z28

fz16:
	TESTQ     CX, CX
	JZ        fzdone
	VPMOVSXBD (SI), Z0
	VPMOVSXBD (BX), Z1
	LINZ(Z0, Z1, Z2, Z3)
	VPCMPEQD  Z23, Z0, K1
	VPCMPEQD  Z24, Z1, K1, K1
	VMOVDQA32 Z25, K1, Z2
	VPCMPEQD  Z26, Z0, K2
	VPCMPEQD  Z27, Z1, K2, K2
	VMOVDQA32 Z28, K2, Z2
	VPMOVDB   Z2, X2
	VMOVDQU   X2, (DI)
	ADDQ      $16, SI
	ADDQ      $16, BX
	ADDQ      $16, DI
	SUBQ      $16, CX
	JMP       fz16

fzdone:
	VZEROUPPER
	RET
