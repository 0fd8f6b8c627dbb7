//go:build amd64 && !purego

#include "textflag.h"

// func i8TilesVNNI(ntiles, k, ntaps int, offs *int, buf *byte, bases *int, w *byte, acc *int32)
TEXT ·i8TilesVNNI(SB), NOSPLIT, $0-64
	MOVQ ntiles+0(FP), R13
	MOVQ bases+40(FP), R14
	MOVQ acc+56(FP), DI

i8TilesVNNITile:
	MOVQ buf+32(FP), R12
	MOVQ 0(R14), R8
	ADDQ R12, R8
	MOVQ 8(R14), R9
	ADDQ R12, R9
	MOVQ 16(R14), R10
	ADDQ R12, R10
	MOVQ 24(R14), R11
	ADDQ R12, R11
	MOVQ k+8(FP), CX
	MOVQ ntaps+16(FP), DX
	MOVQ offs+24(FP), BX
	MOVQ w+48(FP), SI
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
	ADDQ $512, DI
	ADDQ $32, R14
	DECQ R13
	JNZ  i8TilesVNNITile
	VZEROUPPER
	RET

// func i8TilesAVX2(ntiles, k, ntaps int, offs *int, buf *byte, bases *int, w *byte, acc *int32)
TEXT ·i8TilesAVX2(SB), NOSPLIT, $0-64
	MOVQ ntiles+0(FP), R13
	MOVQ bases+40(FP), R14
	MOVQ acc+56(FP), DI

i8TilesAVX2Tile:
	MOVQ buf+32(FP), R12
	MOVQ 0(R14), R8
	ADDQ R12, R8
	MOVQ 8(R14), R9
	ADDQ R12, R9
	MOVQ 16(R14), R10
	ADDQ R12, R10
	MOVQ 24(R14), R11
	ADDQ R12, R11
	MOVQ k+8(FP), CX
	MOVQ ntaps+16(FP), DX
	MOVQ offs+24(FP), BX
	MOVQ w+48(FP), SI
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
	ADDQ $256, DI
	ADDQ $32, R14
	DECQ R13
	JNZ  i8TilesAVX2Tile
	VZEROUPPER
	RET

// func i8RequantAVX2(npix, n int, acc *int32, accStride int, params *int32, pstride int, out *int8, outStride int, zero, lo, hi int32)
//
// Per lane i (channel): x = (acc + bias) << left; h = (x × mult + 2^30)
// >> 31 (gemmlowp's SaturatingRoundingDoublingHighMul, mult > 0, taken
// from the high dword of 2 × (x × mult + 2^30)); then the rounding right
// shift (RoundingDivideByPOT): h >> right, plus 1 when h & mask exceeds
// threshold (+1 for negative h). params holds six arrays pstride bytes
// apart: bias, mult, left, right, mask = 2^right - 1, threshold = mask >>
// 1 (mult readable 16 elements past n). For npix pixels: acc and out
// advance by accStride and outStride elements, the parameters restart.
TEXT ·i8RequantAVX2(SB), NOSPLIT, $0-76
	MOVQ         acc+16(FP), R12
	MOVQ         out+48(FP), R13
	MOVQ         npix+0(FP), DX
	MOVL         zero+64(FP), AX
	MOVQ         AX, X13
	VPBROADCASTD X13, Y13
	MOVL         lo+68(FP), AX
	MOVQ         AX, X14
	VPBROADCASTD X14, Y14
	MOVL         hi+72(FP), AX
	MOVQ         AX, X15
	VPBROADCASTD X15, Y15
	MOVQ         $0x40000000, AX
	MOVQ         AX, X9
	VPBROADCASTQ X9, Y9           // 2^30 in every qword

rqPix:
	MOVQ n+8(FP), CX
	MOVQ R12, R8
	MOVQ params+32(FP), R9
	MOVQ pstride+40(FP), AX
	LEAQ (R9)(AX*1), R10
	LEAQ (R10)(AX*1), R11
	LEAQ (R11)(AX*1), BX
	LEAQ (BX)(AX*1), SI
	LEAQ (SI)(AX*1), R14
	MOVQ R13, DI

rqLoop:
	VMOVDQU    (R8), Y0
	VPADDD     (R9), Y0, Y0
	VPSLLVD    (R11), Y0, Y0
	VPMULDQ    (R10), Y0, Y5      // even lanes, 64-bit
	VPSHUFD    $0xF5, Y0, Y6
	VPMULDQ    4(R10), Y6, Y6     // odd lanes
	VPADDQ     Y9, Y5, Y5
	VPADDQ     Y9, Y6, Y6
	VPADDQ     Y5, Y5, Y5
	VPADDQ     Y6, Y6, Y6
	VPSHUFD    $0xF5, Y5, Y5
	VPBLENDD   $0xAA, Y6, Y5, Y5  // h
	VPAND      (SI), Y5, Y8       // remainder
	VPSRAD     $31, Y5, Y6
	VMOVDQU    (R14), Y7
	VPSUBD     Y6, Y7, Y7         // threshold (+1 for negative h)
	VPCMPGTD   Y7, Y8, Y8         // remainder > threshold: -1
	VPSRAVD    (BX), Y5, Y5
	VPSUBD     Y8, Y5, Y5
	VPADDD     Y13, Y5, Y5
	VPMAXSD    Y14, Y5, Y5
	VPMINSD    Y15, Y5, Y5
	VPACKSSDW  Y5, Y5, Y5
	VPACKSSWB  Y5, Y5, Y5
	VEXTRACTI128 $1, Y5, X6
	VPUNPCKLDQ X6, X5, X5
	MOVQ       X5, (DI)
	ADDQ       $32, R8
	ADDQ       $32, R9
	ADDQ       $32, R10
	ADDQ       $32, R11
	ADDQ       $32, BX
	ADDQ       $32, SI
	ADDQ       $32, R14
	ADDQ       $8, DI
	SUBQ       $8, CX
	JNZ        rqLoop
	MOVQ       accStride+24(FP), AX
	LEAQ       (R12)(AX*4), R12
	ADDQ       outStride+56(FP), R13
	DECQ       DX
	JNZ        rqPix
	VZEROUPPER
	RET

// func i8RequantAVX512(npix, n int, acc *int32, accStride int, params *int32, pstride int, out *int8, outStride int, zero, lo, hi int32)
//
// i8RequantAVX2 on 16 lanes at a time (n a multiple of 16).
TEXT ·i8RequantAVX512(SB), NOSPLIT, $0-76
	MOVQ         acc+16(FP), R12
	MOVQ         out+48(FP), R13
	MOVQ         npix+0(FP), DX
	MOVL         zero+64(FP), AX
	VPBROADCASTD AX, Z13
	MOVL         lo+68(FP), AX
	VPBROADCASTD AX, Z14
	MOVL         hi+72(FP), AX
	VPBROADCASTD AX, Z15
	MOVL         $1, AX
	VPBROADCASTD AX, Z10          // 1 in every lane
	MOVQ         $0x40000000, AX
	VPBROADCASTQ AX, Z9           // 2^30 in every qword
	MOVL         $0xAAAA, AX
	KMOVW        AX, K1           // odd lanes

rq512Pix:
	MOVQ n+8(FP), CX
	MOVQ R12, R8
	MOVQ params+32(FP), R9
	MOVQ pstride+40(FP), AX
	LEAQ (R9)(AX*1), R10
	LEAQ (R10)(AX*1), R11
	LEAQ (R11)(AX*1), BX
	LEAQ (BX)(AX*1), SI
	LEAQ (SI)(AX*1), R14
	MOVQ R13, DI

rq512Loop:
	VMOVDQU32 (R8), Z0
	VPADDD    (R9), Z0, Z0
	VPSLLVD   (R11), Z0, Z0
	VPMULDQ   (R10), Z0, Z5       // even lanes, 64-bit
	VPSHUFD   $0xF5, Z0, Z6
	VPMULDQ   4(R10), Z6, Z6      // odd lanes
	VPADDQ    Z9, Z5, Z5
	VPADDQ    Z9, Z6, Z6
	VPADDQ    Z5, Z5, Z5
	VPADDQ    Z6, Z6, Z6
	VPSHUFD   $0xF5, Z5, Z5
	VPBLENDMD Z6, Z5, K1, Z5      // h
	VPANDD    (SI), Z5, Z8        // remainder
	VPSRAD    $31, Z5, Z6
	VMOVDQU32 (R14), Z7
	VPSUBD    Z6, Z7, Z7          // threshold (+1 for negative h)
	VPCMPGTD  Z7, Z8, K2          // remainder > threshold
	VPSRAVD   (BX), Z5, Z5
	VPADDD    Z10, Z5, K2, Z5
	VPADDD    Z13, Z5, Z5
	VPMAXSD   Z14, Z5, Z5
	VPMINSD   Z15, Z5, Z5
	VPMOVDB   Z5, X5              // to a register: VPMOVDB to memory is slow on AMD
	VMOVDQU   X5, (DI)
	ADDQ      $64, R8
	ADDQ      $64, R9
	ADDQ      $64, R10
	ADDQ      $64, R11
	ADDQ      $64, BX
	ADDQ      $64, SI
	ADDQ      $64, R14
	ADDQ      $16, DI
	SUBQ      $16, CX
	JNZ       rq512Loop
	MOVQ      accStride+24(FP), AX
	LEAQ      (R12)(AX*4), R12
	ADDQ      outStride+56(FP), R13
	DECQ      DX
	JNZ       rq512Pix
	VZEROUPPER
	RET

// func i8DWRowAVX512(npix, c16, ntaps int, offs *int, x *int8, xstep int, w *int32, wstride int, acc *int32)
TEXT ·i8DWRowAVX512(SB), NOSPLIT, $0-72
	MOVQ npix+0(FP), R13
	MOVQ x+32(FP), R12
	MOVQ acc+64(FP), DI

dw512Pix:
	MOVQ c16+8(FP), CX
	MOVQ R12, SI
	MOVQ w+48(FP), R10

dw512Group:
	VPXORD Z0, Z0, Z0
	VPXORD Z2, Z2, Z2
	MOVQ   offs+24(FP), BX
	MOVQ   ntaps+16(FP), DX
	MOVQ   R10, R9
	MOVQ   wstride+56(FP), R11

dw512Tap:
	MOVQ      (BX), AX
	VPMOVSXBD (SI)(AX*1), Z1
	VPMADDWD  (R9), Z1, Z1
	VPADDD    Z1, Z0, Z0
	ADDQ      $8, BX
	ADDQ      R11, R9
	DECQ      DX
	JZ        dw512Done
	MOVQ      (BX), AX
	VPMOVSXBD (SI)(AX*1), Z3
	VPMADDWD  (R9), Z3, Z3
	VPADDD    Z3, Z2, Z2
	ADDQ      $8, BX
	ADDQ      R11, R9
	DECQ      DX
	JNZ       dw512Tap

dw512Done:
	VPADDD    Z2, Z0, Z0
	VMOVDQU32 Z0, (DI)
	ADDQ      $16, SI
	ADDQ      $64, R10
	ADDQ      $64, DI
	DECQ      CX
	JNZ       dw512Group
	ADDQ      xstep+40(FP), R12
	DECQ      R13
	JNZ       dw512Pix
	VZEROUPPER
	RET

// func i8DWRowAVX2(npix, c8, ntaps int, offs *int, x *int8, xstep int, w *int32, wstride int, acc *int32)
TEXT ·i8DWRowAVX2(SB), NOSPLIT, $0-72
	MOVQ npix+0(FP), R13
	MOVQ x+32(FP), R12
	MOVQ acc+64(FP), DI

dw256Pix:
	MOVQ c8+8(FP), CX
	MOVQ R12, SI
	MOVQ w+48(FP), R10

dw256Group:
	VPXOR Y0, Y0, Y0
	VPXOR Y2, Y2, Y2
	MOVQ  offs+24(FP), BX
	MOVQ  ntaps+16(FP), DX
	MOVQ  R10, R9
	MOVQ  wstride+56(FP), R11

dw256Tap:
	MOVQ      (BX), AX
	VPMOVSXBD (SI)(AX*1), Y1
	VPMADDWD  (R9), Y1, Y1
	VPADDD    Y1, Y0, Y0
	ADDQ      $8, BX
	ADDQ      R11, R9
	DECQ      DX
	JZ        dw256Done
	MOVQ      (BX), AX
	VPMOVSXBD (SI)(AX*1), Y3
	VPMADDWD  (R9), Y3, Y3
	VPADDD    Y3, Y2, Y2
	ADDQ      $8, BX
	ADDQ      R11, R9
	DECQ      DX
	JNZ       dw256Tap

dw256Done:
	VPADDD  Y2, Y0, Y0
	VMOVDQU Y0, (DI)
	ADDQ    $8, SI
	ADDQ    $32, R10
	ADDQ    $32, DI
	DECQ    CX
	JNZ     dw256Group
	ADDQ    xstep+40(FP), R12
	DECQ    R13
	JNZ     dw256Pix
	VZEROUPPER
	RET

// func i8TilesVNNI16(ntiles, k, ntaps int, offs *int, buf *byte, bases *int, w *byte, acc *int32)
//
// i8TilesVNNI for blocks of 16 channels (narrow layers): acc[tile][4][16],
// weights [tap][k][16][4].
TEXT ·i8TilesVNNI16(SB), NOSPLIT, $0-64
	MOVQ ntiles+0(FP), R13
	MOVQ bases+40(FP), R14
	MOVQ acc+56(FP), DI

vnni16Tile:
	MOVQ   buf+32(FP), R12
	MOVQ   0(R14), R8
	ADDQ   R12, R8
	MOVQ   8(R14), R9
	ADDQ   R12, R9
	MOVQ   16(R14), R10
	ADDQ   R12, R10
	MOVQ   24(R14), R11
	ADDQ   R12, R11
	MOVQ   k+8(FP), CX
	MOVQ   ntaps+16(FP), DX
	MOVQ   offs+24(FP), BX
	MOVQ   w+48(FP), SI
	VPXORD Z0, Z0, Z0
	VPXORD Z2, Z2, Z2
	VPXORD Z4, Z4, Z4
	VPXORD Z6, Z6, Z6

vnni16Tap:
	MOVQ (BX), AX
	MOVQ CX, R12

vnni16K:
	VMOVDQU32    (SI), Z8
	VPBROADCASTD (R8)(AX*1), Z10
	VPBROADCASTD (R9)(AX*1), Z11
	VPBROADCASTD (R10)(AX*1), Z12
	VPBROADCASTD (R11)(AX*1), Z13
	VPDPBUSD     Z8, Z10, Z0
	VPDPBUSD     Z8, Z11, Z2
	VPDPBUSD     Z8, Z12, Z4
	VPDPBUSD     Z8, Z13, Z6
	ADDQ         $64, SI
	ADDQ         $4, AX
	DECQ         R12
	JNZ          vnni16K
	ADDQ         $8, BX
	DECQ         DX
	JNZ          vnni16Tap

	VMOVDQU32 Z0, 0(DI)
	VMOVDQU32 Z2, 64(DI)
	VMOVDQU32 Z4, 128(DI)
	VMOVDQU32 Z6, 192(DI)
	ADDQ      $256, DI
	ADDQ      $32, R14
	DECQ      R13
	JNZ       vnni16Tile
	VZEROUPPER
	RET

// func i8RequantF32AVX2(npix, n int, acc *int32, accStride int, params *int32, pstride int, out *int8, outStride int, zero, lo, hi int32)
//
// XNNPACK's requantization: out = round half to even(clamp(float32(acc +
// bias) × scale, lo - zero, hi - zero)) + zero, with bias the first of
// i8Params' arrays and scale (float32) the seventh.
TEXT ·i8RequantF32AVX2(SB), NOSPLIT, $0-76
	MOVQ         acc+16(FP), R12
	MOVQ         out+48(FP), R13
	MOVQ         npix+0(FP), DX
	MOVL         zero+64(FP), AX
	MOVQ         AX, X13
	VPBROADCASTD X13, Y13
	MOVL         lo+68(FP), AX
	SUBL         zero+64(FP), AX
	MOVQ         AX, X14
	VPBROADCASTD X14, Y14
	VCVTDQ2PS    Y14, Y14
	MOVL         hi+72(FP), AX
	SUBL         zero+64(FP), AX
	MOVQ         AX, X15
	VPBROADCASTD X15, Y15
	VCVTDQ2PS    Y15, Y15

rqfPix:
	MOVQ n+8(FP), CX
	MOVQ R12, R8
	MOVQ params+32(FP), R9
	MOVQ pstride+40(FP), AX
	IMULQ $6, AX
	LEAQ (R9)(AX*1), R10
	MOVQ R13, DI

rqfLoop:
	VMOVDQU      (R8), Y0
	VPADDD       (R9), Y0, Y0
	VCVTDQ2PS    Y0, Y0
	VMULPS       (R10), Y0, Y0
	VMAXPS       Y14, Y0, Y0
	VMINPS       Y15, Y0, Y0
	VCVTPS2DQ    Y0, Y0
	VPADDD       Y13, Y0, Y0
	VPACKSSDW    Y0, Y0, Y0
	VPACKSSWB    Y0, Y0, Y0
	VEXTRACTI128 $1, Y0, X1
	VPUNPCKLDQ   X1, X0, X0
	MOVQ         X0, (DI)
	ADDQ         $32, R8
	ADDQ         $32, R9
	ADDQ         $32, R10
	ADDQ         $8, DI
	SUBQ         $8, CX
	JNZ          rqfLoop
	MOVQ         accStride+24(FP), AX
	LEAQ         (R12)(AX*4), R12
	ADDQ         outStride+56(FP), R13
	DECQ         DX
	JNZ          rqfPix
	VZEROUPPER
	RET

// func i8RequantF32AVX512(npix, n int, acc *int32, accStride int, params *int32, pstride int, out *int8, outStride int, zero, lo, hi int32)
//
// i8RequantF32AVX2 on 16 lanes at a time (n a multiple of 16).
TEXT ·i8RequantF32AVX512(SB), NOSPLIT, $0-76
	MOVQ         acc+16(FP), R12
	MOVQ         out+48(FP), R13
	MOVQ         npix+0(FP), DX
	MOVL         zero+64(FP), AX
	VPBROADCASTD AX, Z13
	MOVL         lo+68(FP), AX
	SUBL         zero+64(FP), AX
	VPBROADCASTD AX, Z14
	VCVTDQ2PS    Z14, Z14
	MOVL         hi+72(FP), AX
	SUBL         zero+64(FP), AX
	VPBROADCASTD AX, Z15
	VCVTDQ2PS    Z15, Z15

rqf512Pix:
	MOVQ  n+8(FP), CX
	MOVQ  R12, R8
	MOVQ  params+32(FP), R9
	MOVQ  pstride+40(FP), AX
	IMULQ $6, AX
	LEAQ  (R9)(AX*1), R10
	MOVQ  R13, DI

rqf512Loop:
	VMOVDQU32 (R8), Z0
	VPADDD    (R9), Z0, Z0
	VCVTDQ2PS Z0, Z0
	VMULPS    (R10), Z0, Z0
	VMAXPS    Z14, Z0, Z0
	VMINPS    Z15, Z0, Z0
	VCVTPS2DQ Z0, Z0
	VPADDD    Z13, Z0, Z0
	VPMOVDB   Z0, X0              // to a register: VPMOVDB to memory is slow on AMD
	VMOVDQU   X0, (DI)
	ADDQ      $64, R8
	ADDQ      $64, R9
	ADDQ      $64, R10
	ADDQ      $16, DI
	SUBQ      $16, CX
	JNZ       rqf512Loop
	MOVQ      accStride+24(FP), AX
	LEAQ      (R12)(AX*4), R12
	ADDQ      outStride+56(FP), R13
	DECQ      DX
	JNZ       rqf512Pix
	VZEROUPPER
	RET
