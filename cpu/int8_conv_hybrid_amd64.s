//go:build amd64 && !purego

#include "textflag.h"

// func f32MinMaxAVX2(n int, x *float32) (lo, hi float32)
TEXT ·f32MinMaxAVX2(SB), NOSPLIT, $0-24
	MOVQ    n+0(FP), CX
	MOVQ    x+8(FP), SI
	VMOVUPS (SI), Y0
	VMOVUPS Y0, Y1
	ADDQ    $32, SI
	SUBQ    $8, CX
	JZ      mmReduce

mmLoop:
	VMINPS (SI), Y0, Y0
	VMAXPS (SI), Y1, Y1
	ADDQ   $32, SI
	SUBQ   $8, CX
	JNZ    mmLoop

mmReduce:
	VEXTRACTF128 $1, Y0, X2
	VMINPS       X2, X0, X0
	VPERMILPS    $0x4E, X0, X2
	VMINPS       X2, X0, X0
	VPERMILPS    $0xB1, X0, X2
	VMINPS       X2, X0, X0
	VEXTRACTF128 $1, Y1, X3
	VMAXPS       X3, X1, X1
	VPERMILPS    $0x4E, X1, X3
	VMAXPS       X3, X1, X1
	VPERMILPS    $0xB1, X1, X3
	VMAXPS       X3, X1, X1
	MOVSS        X0, lo+16(FP)
	MOVSS        X1, hi+20(FP)
	VZEROUPPER
	RET

// func hybridQuantAVX2(n int, x *float32, q *int8, inv, zero, lo, hi float32)
//
// q = round half away from zero of clamp(zero + x×inv, lo, hi) (clamping
// to integer bounds before rounding gives the same values): trunc(v +
// copysign(0.49999997, v)).
TEXT ·hybridQuantAVX2(SB), NOSPLIT, $0-40
	MOVQ         n+0(FP), CX
	MOVQ         x+8(FP), SI
	MOVQ         q+16(FP), DI
	VBROADCASTSS inv+24(FP), Y10
	VBROADCASTSS zero+28(FP), Y11
	VBROADCASTSS lo+32(FP), Y12
	VBROADCASTSS hi+36(FP), Y13
	MOVL         $0x3EFFFFFF, AX  // 0.49999997
	MOVQ         AX, X14
	VBROADCASTSS X14, Y14
	MOVL         $0x80000000, AX
	MOVQ         AX, X15
	VBROADCASTSS X15, Y15

hqLoop:
	VMULPS       (SI), Y10, Y0
	VADDPS       Y11, Y0, Y0
	VMAXPS       Y0, Y12, Y0
	VMINPS       Y0, Y13, Y0
	VANDPS       Y15, Y0, Y1
	VORPS        Y14, Y1, Y1
	VADDPS       Y1, Y0, Y0
	VCVTTPS2DQ   Y0, Y0
	VPACKSSDW    Y0, Y0, Y0
	VPACKSSWB    Y0, Y0, Y0
	VEXTRACTI128 $1, Y0, X1
	VPUNPCKLDQ   X1, X0, X0
	MOVQ         X0, (DI)
	ADDQ         $32, SI
	ADDQ         $8, DI
	SUBQ         $8, CX
	JNZ          hqLoop
	VZEROUPPER
	RET

// func hybridEpiAVX2(npix, n int, acc *int32, accStride int, wsum *int32, corr int32, s1 *float32, s2 float32, bias *float32, out *float32, outStride int, lo, hi float32)
//
// out = clamp(float(acc - corr×wsum) × s1 × s2 + bias, lo, hi), float32
// operations in that order (no fused multiply-add), for npix pixels of n
// lanes (a multiple of 8); bias may be nil.
TEXT ·hybridEpiAVX2(SB), NOSPLIT, $0-96
	MOVQ         npix+0(FP), DX
	MOVQ         acc+16(FP), R12
	MOVQ         out+72(FP), R13
	MOVL         corr+40(FP), AX
	MOVQ         AX, X9
	VPBROADCASTD X9, Y9
	VBROADCASTSS s2+56(FP), Y10
	VBROADCASTSS lo+88(FP), Y11
	VBROADCASTSS hi+92(FP), Y12
	MOVQ         bias+64(FP), R14

hePix:
	MOVQ n+8(FP), CX
	MOVQ R12, R8
	MOVQ R13, DI
	MOVQ wsum+32(FP), R9
	MOVQ s1+48(FP), R10
	MOVQ R14, R11

heLoop:
	VMOVDQU   (R8), Y0
	VPMULLD   (R9), Y9, Y1
	VPSUBD    Y1, Y0, Y0
	VCVTDQ2PS Y0, Y0
	VMULPS    (R10), Y0, Y0
	VMULPS    Y10, Y0, Y0
	TESTQ     R11, R11
	JZ        heNoBias
	VADDPS    (R11), Y0, Y0
	ADDQ      $32, R11

heNoBias:
	VMAXPS  Y0, Y11, Y0
	VMINPS  Y0, Y12, Y0
	VMOVUPS Y0, (DI)
	ADDQ    $32, R8
	ADDQ    $32, R9
	ADDQ    $32, R10
	ADDQ    $32, DI
	SUBQ    $8, CX
	JNZ     heLoop
	MOVQ    accStride+24(FP), AX
	LEAQ    (R12)(AX*4), R12
	MOVQ    outStride+80(FP), AX
	LEAQ    (R13)(AX*4), R13
	DECQ    DX
	JNZ     hePix
	VZEROUPPER
	RET

// func hybridQuantAVX512(n int, x *float32, q *int8, inv, zero, lo, hi float32)
//
// hybridQuantAVX2 on 16 lanes at a time (n a multiple of 16).
TEXT ·hybridQuantAVX512(SB), NOSPLIT, $0-40
	MOVQ         n+0(FP), CX
	MOVQ         x+8(FP), SI
	MOVQ         q+16(FP), DI
	VBROADCASTSS inv+24(FP), Z10
	VBROADCASTSS zero+28(FP), Z11
	VBROADCASTSS lo+32(FP), Z12
	VBROADCASTSS hi+36(FP), Z13
	MOVL         $0x3EFFFFFF, AX  // 0.49999997
	VPBROADCASTD AX, Z14
	MOVL         $0x80000000, AX
	VPBROADCASTD AX, Z15

hq512Loop:
	VMULPS     (SI), Z10, Z0
	VADDPS     Z11, Z0, Z0
	VMAXPS     Z0, Z12, Z0
	VMINPS     Z0, Z13, Z0
	VPANDD     Z15, Z0, Z1
	VPORD      Z14, Z1, Z1
	VADDPS     Z1, Z0, Z0
	VCVTTPS2DQ Z0, Z0
	VPMOVDB    Z0, X0
	VMOVDQU    X0, (DI)
	ADDQ       $64, SI
	ADDQ       $16, DI
	SUBQ       $16, CX
	JNZ        hq512Loop
	VZEROUPPER
	RET
