//go:build amd64 && !purego

#include "textflag.h"

// func i8TileVNNI(kg, ntaps int, offs *int, a0, a1, a2, a3 *byte, w *byte, acc *int32)
TEXT ·i8TileVNNI(SB), NOSPLIT, $0-72
	MOVQ   kg+0(FP), CX
	MOVQ   ntaps+8(FP), DX
	MOVQ   offs+16(FP), BX
	MOVQ   a0+24(FP), R8
	MOVQ   a1+32(FP), R9
	MOVQ   a2+40(FP), R10
	MOVQ   a3+48(FP), R11
	MOVQ   w+56(FP), SI
	MOVQ   acc+64(FP), DI
	VPXORD Z0, Z0, Z0
	VPXORD Z1, Z1, Z1
	VPXORD Z2, Z2, Z2
	VPXORD Z3, Z3, Z3
	VPXORD Z4, Z4, Z4
	VPXORD Z5, Z5, Z5
	VPXORD Z6, Z6, Z6
	VPXORD Z7, Z7, Z7

vnniTap:
	MOVQ (BX), AX
	MOVQ CX, R12

vnniK:
	VMOVDQU32    (SI), Z8
	VMOVDQU32    64(SI), Z9
	VPBROADCASTD (R8)(AX*1), Z10
	VPBROADCASTD (R9)(AX*1), Z11
	VPBROADCASTD (R10)(AX*1), Z12
	VPBROADCASTD (R11)(AX*1), Z13
	VPDPBUSD     Z8, Z10, Z0
	VPDPBUSD     Z9, Z10, Z1
	VPDPBUSD     Z8, Z11, Z2
	VPDPBUSD     Z9, Z11, Z3
	VPDPBUSD     Z8, Z12, Z4
	VPDPBUSD     Z9, Z12, Z5
	VPDPBUSD     Z8, Z13, Z6
	VPDPBUSD     Z9, Z13, Z7
	ADDQ         $128, SI
	ADDQ         $4, AX
	DECQ         R12
	JNZ          vnniK
	ADDQ         $8, BX
	DECQ         DX
	JNZ          vnniTap

	VMOVDQU32 Z0, 0(DI)
	VMOVDQU32 Z1, 64(DI)
	VMOVDQU32 Z2, 128(DI)
	VMOVDQU32 Z3, 192(DI)
	VMOVDQU32 Z4, 256(DI)
	VMOVDQU32 Z5, 320(DI)
	VMOVDQU32 Z6, 384(DI)
	VMOVDQU32 Z7, 448(DI)
	VZEROUPPER
	RET

// func i8TileAVX2(kpairs, ntaps int, offs *int, a0, a1, a2, a3 *byte, w *byte, acc *int32)
TEXT ·i8TileAVX2(SB), NOSPLIT, $0-72
	MOVQ  kpairs+0(FP), CX
	MOVQ  ntaps+8(FP), DX
	MOVQ  offs+16(FP), BX
	MOVQ  a0+24(FP), R8
	MOVQ  a1+32(FP), R9
	MOVQ  a2+40(FP), R10
	MOVQ  a3+48(FP), R11
	MOVQ  w+56(FP), SI
	MOVQ  acc+64(FP), DI
	VPXOR Y0, Y0, Y0
	VPXOR Y1, Y1, Y1
	VPXOR Y2, Y2, Y2
	VPXOR Y3, Y3, Y3
	VPXOR Y4, Y4, Y4
	VPXOR Y5, Y5, Y5
	VPXOR Y6, Y6, Y6
	VPXOR Y7, Y7, Y7

avx2Tap:
	MOVQ (BX), AX
	MOVQ CX, R12

avx2K:
	VMOVDQU      (SI), Y8
	VMOVDQU      32(SI), Y9
	VPBROADCASTD (R8)(AX*1), Y10
	VPBROADCASTD (R9)(AX*1), Y11
	VPMADDWD     Y8, Y10, Y12
	VPMADDWD     Y9, Y10, Y13
	VPADDD       Y12, Y0, Y0
	VPADDD       Y13, Y1, Y1
	VPMADDWD     Y8, Y11, Y14
	VPMADDWD     Y9, Y11, Y15
	VPADDD       Y14, Y2, Y2
	VPADDD       Y15, Y3, Y3
	VPBROADCASTD (R10)(AX*1), Y10
	VPBROADCASTD (R11)(AX*1), Y11
	VPMADDWD     Y8, Y10, Y12
	VPMADDWD     Y9, Y10, Y13
	VPADDD       Y12, Y4, Y4
	VPADDD       Y13, Y5, Y5
	VPMADDWD     Y8, Y11, Y14
	VPMADDWD     Y9, Y11, Y15
	VPADDD       Y14, Y6, Y6
	VPADDD       Y15, Y7, Y7
	ADDQ         $64, SI
	ADDQ         $4, AX
	DECQ         R12
	JNZ          avx2K
	ADDQ         $8, BX
	DECQ         DX
	JNZ          avx2Tap

	VMOVDQU Y0, 0(DI)
	VMOVDQU Y1, 32(DI)
	VMOVDQU Y2, 64(DI)
	VMOVDQU Y3, 96(DI)
	VMOVDQU Y4, 128(DI)
	VMOVDQU Y5, 160(DI)
	VMOVDQU Y6, 192(DI)
	VMOVDQU Y7, 224(DI)
	VZEROUPPER
	RET

// func i8RequantAVX2(n int, acc, bias, mult, shift *int32, out *int8, zero, lo, hi int32)
//
// Per lane: x = (acc + bias) << max(shift, 0); h = (x × mult + 2^30) >> 31
// (gemmlowp's SaturatingRoundingDoublingHighMul, mult > 0); then the
// rounding right shift by max(-shift, 0) (RoundingDivideByPOT): add 1 when
// the remainder exceeds half the divisor (minus one for negative h).
TEXT ·i8RequantAVX2(SB), NOSPLIT, $0-60
	MOVQ         n+0(FP), CX
	MOVQ         acc+8(FP), R8
	MOVQ         bias+16(FP), R9
	MOVQ         mult+24(FP), R10
	MOVQ         shift+32(FP), R11
	MOVQ         out+40(FP), DI
	MOVL         zero+48(FP), AX
	MOVQ         AX, X13
	VPBROADCASTD X13, Y13
	MOVL         lo+52(FP), AX
	MOVQ         AX, X14
	VPBROADCASTD X14, Y14
	MOVL         hi+56(FP), AX
	MOVQ         AX, X15
	VPBROADCASTD X15, Y15
	VPXOR        Y12, Y12, Y12
	VPCMPEQD     Y10, Y10, Y10
	VPSRLD       $31, Y10, Y10    // 1 in every lane
	MOVQ         $0x40000000, AX
	MOVQ         AX, X9
	VPBROADCASTQ X9, Y9           // 2^30 in every qword

rqLoop:
	VMOVDQU  (R8), Y0
	VPADDD   (R9), Y0, Y0
	VMOVDQU  (R11), Y1
	VPMAXSD  Y12, Y1, Y2          // left
	VPSUBD   Y1, Y12, Y3
	VPMAXSD  Y12, Y3, Y3          // right
	VPSLLVD  Y2, Y0, Y0
	VMOVDQU  (R10), Y4
	VPMULDQ  Y4, Y0, Y5           // even lanes, 64-bit
	VPSRLQ   $32, Y0, Y6
	VPSRLQ   $32, Y4, Y7
	VPMULDQ  Y7, Y6, Y6           // odd lanes
	VPADDQ   Y9, Y5, Y5
	VPADDQ   Y9, Y6, Y6
	VPSRLQ   $31, Y5, Y5
	VPSRLQ   $31, Y6, Y6
	VPSLLQ   $32, Y6, Y6
	VPBLENDD $0xAA, Y6, Y5, Y5    // h
	VPSLLVD  Y3, Y10, Y7
	VPSUBD   Y10, Y7, Y7          // mask
	VPAND    Y7, Y5, Y8           // remainder
	VPSRLD   $1, Y7, Y7           // threshold
	VPSRAD   $31, Y5, Y6
	VPSUBD   Y6, Y7, Y7           // +1 for negative h
	VPCMPGTD Y7, Y8, Y8           // remainder > threshold: -1
	VPSRAVD  Y3, Y5, Y5
	VPSUBD   Y8, Y5, Y5
	VPADDD   Y13, Y5, Y5
	VPMAXSD  Y14, Y5, Y5
	VPMINSD  Y15, Y5, Y5
	VPACKSSDW Y5, Y5, Y5
	VPACKSSWB Y5, Y5, Y5
	VEXTRACTI128 $1, Y5, X6
	VPUNPCKLDQ X6, X5, X5
	MOVQ     X5, (DI)
	ADDQ     $32, R8
	ADDQ     $32, R9
	ADDQ     $32, R10
	ADDQ     $32, R11
	ADDQ     $8, DI
	SUBQ     $8, CX
	JNZ      rqLoop
	VZEROUPPER
	RET

// func i8DWPixelAVX2(c8, ntaps int, offs *int, x *int16, w *int32, wstride int, acc *int32)
TEXT ·i8DWPixelAVX2(SB), NOSPLIT, $0-56
	MOVQ c8+0(FP), CX
	MOVQ x+24(FP), SI
	MOVQ w+32(FP), R10
	MOVQ wstride+40(FP), R11
	MOVQ acc+48(FP), DI

dwGroup:
	VPXOR Y0, Y0, Y0
	VPXOR Y2, Y2, Y2
	MOVQ  offs+16(FP), BX
	MOVQ  ntaps+8(FP), DX
	MOVQ  R10, R9

dwTap:
	MOVQ      (BX), AX
	VPMOVSXWD (SI)(AX*1), Y1
	VPMULLD   (R9), Y1, Y1
	VPADDD    Y1, Y0, Y0
	ADDQ      $8, BX
	ADDQ      R11, R9
	DECQ      DX
	JZ        dwDone
	MOVQ      (BX), AX
	VPMOVSXWD (SI)(AX*1), Y3
	VPMULLD   (R9), Y3, Y3
	VPADDD    Y3, Y2, Y2
	ADDQ      $8, BX
	ADDQ      R11, R9
	DECQ      DX
	JNZ       dwTap

dwDone:
	VPADDD  Y2, Y0, Y0
	VMOVDQU Y0, (DI)
	ADDQ    $16, SI
	ADDQ    $32, R10
	ADDQ    $32, DI
	DECQ    CX
	JNZ     dwGroup
	VZEROUPPER
	RET
