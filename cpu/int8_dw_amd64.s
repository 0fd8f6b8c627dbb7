//go:build amd64 && !purego

#include "textflag.h"
#include "int8_rq_amd64.h"

// The depthwise row kernels with their epilogue in registers: the loops
// (DWK3LOOP, DWK5LOOP, DWKLOOP) accumulate each pixel's 16 lanes in Z0
// and run store (DWRQ: requantize to int8; DWHQ: the hybrid float
// epilogue), writing at DI and advancing it by ostep.
#define DWRQ RQ(Z0, Z14, Z16, K1, (DI))
#define DWHQ HQ(Z0, Z26, Z28, Z30, K1, (DI))

// DWK3PROLOG loads n, the three rows, xstep, out, ostep and the three
// weight vectors (arguments n, r0, r1, r2, xstep, w at 0-40, out and
// ostep at 64 and 72).
#define DWK3PROLOG \
	MOVQ      n+0(FP), CX; \
	MOVQ      r0+8(FP), R8; \
	MOVQ      r1+16(FP), R9; \
	MOVQ      r2+24(FP), R10; \
	MOVQ      xstep+32(FP), R11; \
	MOVQ      w+40(FP), SI; \
	MOVQ      out+64(FP), DI; \
	MOVQ      ostep+72(FP), R12; \
	VMOVDQU32 (SI), Z4; \
	VMOVDQU32 64(SI), Z5; \
	VMOVDQU32 128(SI), Z6

#define DWK3LOOP(store, loopL, doneL) \
	TESTQ     CX, CX; \
	JZ        doneL; \
loopL: \
	VMOVDQU32 (R8), Z1; \
	VMOVDQU32 (R9), Z2; \
	VMOVDQU32 (R10), Z3; \
	VPXORD    Z0, Z0, Z0; \
	VPDPBUSD  Z4, Z1, Z0; \
	VPDPBUSD  Z5, Z2, Z0; \
	VPDPBUSD  Z6, Z3, Z0; \
	store; \
	ADDQ      R11, R8; \
	ADDQ      R11, R9; \
	ADDQ      R11, R10; \
	ADDQ      R12, DI; \
	DECQ      CX; \
	JNZ       loopL; \
doneL: \
	VZEROUPPER; \
	RET

// DWK5PROLOG loads the ten weight vectors, the five rows' pointers (rows
// + off), gstep, xstep, out, ostep and n (arguments n, rows, off, gstep,
// xstep, w at 0-40, out and ostep at 64 and 72).
#define DWK5PROLOG \
	MOVQ      w+40(FP), SI; \
	VMOVDQU32 (SI), Z4; \
	VMOVDQU32 64(SI), Z5; \
	VMOVDQU32 128(SI), Z6; \
	VMOVDQU32 192(SI), Z7; \
	VMOVDQU32 256(SI), Z8; \
	VMOVDQU32 320(SI), Z9; \
	VMOVDQU32 384(SI), Z10; \
	VMOVDQU32 448(SI), Z11; \
	VMOVDQU32 512(SI), Z12; \
	VMOVDQU32 576(SI), Z13; \
	MOVQ      rows+8(FP), BX; \
	MOVQ      off+16(FP), AX; \
	MOVQ      (BX), R8; \
	ADDQ      AX, R8; \
	MOVQ      8(BX), R9; \
	ADDQ      AX, R9; \
	MOVQ      16(BX), R10; \
	ADDQ      AX, R10; \
	MOVQ      24(BX), R11; \
	ADDQ      AX, R11; \
	MOVQ      32(BX), R12; \
	ADDQ      AX, R12; \
	MOVQ      gstep+24(FP), R13; \
	MOVQ      xstep+32(FP), R14; \
	MOVQ      out+64(FP), DI; \
	MOVQ      ostep+72(FP), R15; \
	MOVQ      n+0(FP), CX

#define DWK5LOOP(store, loopL, doneL) \
	TESTQ     CX, CX; \
	JZ        doneL; \
loopL: \
	VPXORD    Z0, Z0, Z0; \
	VPXORD    Z3, Z3, Z3; \
	VMOVDQU32 (R8), Z1; \
	VMOVDQU32 (R8)(R13*1), Z2; \
	VPDPBUSD  Z4, Z1, Z0; \
	VPDPBUSD  Z5, Z2, Z3; \
	VMOVDQU32 (R9), Z1; \
	VMOVDQU32 (R9)(R13*1), Z2; \
	VPDPBUSD  Z6, Z1, Z0; \
	VPDPBUSD  Z7, Z2, Z3; \
	VMOVDQU32 (R10), Z1; \
	VMOVDQU32 (R10)(R13*1), Z2; \
	VPDPBUSD  Z8, Z1, Z0; \
	VPDPBUSD  Z9, Z2, Z3; \
	VMOVDQU32 (R11), Z1; \
	VMOVDQU32 (R11)(R13*1), Z2; \
	VPDPBUSD  Z10, Z1, Z0; \
	VPDPBUSD  Z11, Z2, Z3; \
	VMOVDQU32 (R12), Z1; \
	VMOVDQU32 (R12)(R13*1), Z2; \
	VPDPBUSD  Z12, Z1, Z0; \
	VPDPBUSD  Z13, Z2, Z3; \
	VPADDD    Z3, Z0, Z0; \
	store; \
	ADDQ      R14, R8; \
	ADDQ      R14, R9; \
	ADDQ      R14, R10; \
	ADDQ      R14, R11; \
	ADDQ      R14, R12; \
	ADDQ      R15, DI; \
	DECQ      CX; \
	JNZ       loopL; \
doneL: \
	VZEROUPPER; \
	RET

// DWKLOOP is the loop of any kh rows of ng groups (arguments n, kh, ng,
// rows, off, gstep, xstep, w at 0-56, out and ostep at 80 and 88).
#define DWKLOOP(store, pixL, rowL, grpL, doneL) \
	MOVQ   n+0(FP), CX; \
	MOVQ   out+80(FP), DI; \
	XORQ   R13, R13; \
	TESTQ  CX, CX; \
	JZ     doneL; \
pixL: \
	VPXORD Z0, Z0, Z0; \
	MOVQ   rows+24(FP), BX; \
	MOVQ   kh+8(FP), DX; \
	MOVQ   w+56(FP), SI; \
rowL: \
	MOVQ   (BX), AX; \
	ADDQ   off+32(FP), AX; \
	ADDQ   R13, AX; \
	MOVQ   ng+16(FP), R9; \
grpL: \
	VMOVDQU32 (AX), Z2; \
	VPDPBUSD  (SI), Z2, Z0; \
	ADDQ      gstep+40(FP), AX; \
	ADDQ      $64, SI; \
	DECQ      R9; \
	JNZ       grpL; \
	ADDQ      $8, BX; \
	DECQ      DX; \
	JNZ       rowL; \
	store; \
	ADDQ      ostep+88(FP), DI; \
	ADDQ      xstep+48(FP), R13; \
	DECQ      CX; \
	JNZ       pixL; \
doneL: \
	VZEROUPPER; \
	RET

// func i8DWExpandVNNI(npix, n32, cp int, src *byte, sstep int, dst *byte, dstep int)
//
// Per pixel, n32 steps of 32 lanes: 32 bytes from src and the 32 bytes
// cp, 2cp and 3cp further interleave (within each 128-bit half) into four
// registers whose halves VPERM2I128 puts in order: 128 bytes. A pixel's
// last step may write past its lanes, into the next pixel's (written
// after it) or the row's slack.
TEXT ·i8DWExpandVNNI(SB), NOSPLIT, $0-56
	MOVQ         cp+16(FP), R8
	MOVQ         src+24(FP), R9
	MOVQ         dst+40(FP), R10
	MOVQ         npix+0(FP), BX
	MOVL         $0x80808080, AX
	MOVQ         AX, X15
	VPBROADCASTD X15, Y15
	TESTQ        BX, BX
	JZ           expDone

expPix:
	MOVQ R9, SI
	MOVQ R10, DI
	LEAQ (SI)(R8*1), R11
	LEAQ (R11)(R8*1), R12
	LEAQ (R12)(R8*1), R13
	MOVQ n32+8(FP), CX

expLoop:
	VMOVDQU    (SI), Y0
	VMOVDQU    (R11), Y1
	VMOVDQU    (R12), Y2
	VMOVDQU    (R13), Y3
	VPXOR      Y15, Y0, Y0
	VPXOR      Y15, Y1, Y1
	VPXOR      Y15, Y2, Y2
	VPXOR      Y15, Y3, Y3
	VPUNPCKLBW Y1, Y0, Y4
	VPUNPCKHBW Y1, Y0, Y5
	VPUNPCKLBW Y3, Y2, Y6
	VPUNPCKHBW Y3, Y2, Y7
	VPUNPCKLWD Y6, Y4, Y0 // lanes 0-3 | 16-19
	VPUNPCKHWD Y6, Y4, Y1 // 4-7 | 20-23
	VPUNPCKLWD Y7, Y5, Y2 // 8-11 | 24-27
	VPUNPCKHWD Y7, Y5, Y3 // 12-15 | 28-31
	VPERM2I128 $0x20, Y1, Y0, Y4
	VPERM2I128 $0x20, Y3, Y2, Y5
	VPERM2I128 $0x31, Y1, Y0, Y6
	VPERM2I128 $0x31, Y3, Y2, Y7
	VMOVDQU    Y4, (DI)
	VMOVDQU    Y5, 32(DI)
	VMOVDQU    Y6, 64(DI)
	VMOVDQU    Y7, 96(DI)
	ADDQ       $32, SI
	ADDQ       $32, R11
	ADDQ       $32, R12
	ADDQ       $32, R13
	ADDQ       $128, DI
	DECQ       CX
	JNZ        expLoop
	ADDQ       sstep+32(FP), R9
	ADDQ       dstep+48(FP), R10
	DECQ       BX
	JNZ        expPix

expDone:
	VZEROUPPER
	RET

// func i8DWK3VNNI(n int, r0, r1, r2 *byte, xstep int, w *byte, acc *int32, astep int)
//
// The three rows' weights stay in Z4-Z6; per pixel three loads and three
// VPDPBUSD.
TEXT ·i8DWK3VNNI(SB), NOSPLIT, $0-64
	MOVQ      n+0(FP), CX
	MOVQ      r0+8(FP), R8
	MOVQ      r1+16(FP), R9
	MOVQ      r2+24(FP), R10
	MOVQ      xstep+32(FP), R11
	MOVQ      w+40(FP), SI
	MOVQ      acc+48(FP), DI
	MOVQ      astep+56(FP), R12
	VMOVDQU32 (SI), Z4
	VMOVDQU32 64(SI), Z5
	VMOVDQU32 128(SI), Z6
	TESTQ     CX, CX
	JZ        k3Done

k3Loop:
	VMOVDQU32 (R8), Z1
	VMOVDQU32 (R9), Z2
	VMOVDQU32 (R10), Z3
	VPXORD    Z0, Z0, Z0
	VPDPBUSD  Z4, Z1, Z0
	VPDPBUSD  Z5, Z2, Z0
	VPDPBUSD  Z6, Z3, Z0
	VMOVDQU32 Z0, (DI)
	ADDQ      R11, R8
	ADDQ      R11, R9
	ADDQ      R11, R10
	ADDQ      R12, DI
	DECQ      CX
	JNZ       k3Loop

k3Done:
	VZEROUPPER
	RET

// func i8DWKVNNI(n, kh, ng int, rows *[8]*byte, off, gstep, xstep int, w *byte, acc *int32, astep int)
TEXT ·i8DWKVNNI(SB), NOSPLIT, $0-80
	MOVQ n+0(FP), CX
	MOVQ acc+64(FP), DI
	XORQ R13, R13
	TESTQ CX, CX
	JZ   kDone

kPix:
	VPXORD Z0, Z0, Z0
	MOVQ   rows+24(FP), BX
	MOVQ   kh+8(FP), DX
	MOVQ   w+56(FP), SI

kRow:
	MOVQ (BX), AX
	ADDQ off+32(FP), AX
	ADDQ R13, AX
	MOVQ ng+16(FP), R9

kGroup:
	VMOVDQU32 (AX), Z2
	VPDPBUSD  (SI), Z2, Z0
	ADDQ      gstep+40(FP), AX
	ADDQ      $64, SI
	DECQ      R9
	JNZ       kGroup
	ADDQ      $8, BX
	DECQ      DX
	JNZ       kRow

	VMOVDQU32 Z0, (DI)
	ADDQ      astep+72(FP), DI
	ADDQ      xstep+48(FP), R13
	DECQ      CX
	JNZ       kPix

kDone:
	VZEROUPPER
	RET

// func i8DWK3VNNIQ(n int, r0, r1, r2 *byte, xstep int, w *byte, bias *int32, scale *float32, out *int8, ostep int, mask int, zero int32, lo, hi float32)
//
// i8DWK3VNNI with the requantization in registers (RQ).
TEXT ·i8DWK3VNNIQ(SB), NOSPLIT, $0-100
	RQSETUP16(bias+48(FP), scale+56(FP), lo+92(FP), hi+96(FP), zero+88(FP))
	MOVQ  mask+80(FP), AX
	KMOVW AX, K1
	DWK3PROLOG
	DWK3LOOP(DWRQ, k3qLoop, k3qDone)

// func i8DWKVNNIQ(n, kh, ng int, rows *[8]*byte, off, gstep, xstep int, w *byte, bias *int32, scale *float32, out *int8, ostep int, mask int, zero int32, lo, hi float32)
//
// i8DWKVNNI with the requantization in registers (RQ).
TEXT ·i8DWKVNNIQ(SB), NOSPLIT, $0-116
	RQSETUP16(bias+64(FP), scale+72(FP), lo+108(FP), hi+112(FP), zero+104(FP))
	MOVQ  mask+96(FP), AX
	KMOVW AX, K1
	DWKLOOP(DWRQ, kqPix, kqRow, kqGroup, kqDone)

// func i8DWK5VNNIQ(n int, rows *[8]*byte, off, gstep, xstep int, w *byte, bias *int32, scale *float32, out *int8, ostep int, mask int, zero int32, lo, hi float32)
//
// i8DWKVNNIQ for 5 rows of 2 tap groups (5x5 kernels): the ten weight
// vectors stay in Z4-Z13, the rows' pointers in R8-R12; two accumulators.
TEXT ·i8DWK5VNNIQ(SB), NOSPLIT, $0-100
	RQSETUP16(bias+48(FP), scale+56(FP), lo+92(FP), hi+96(FP), zero+88(FP))
	MOVQ  mask+80(FP), AX
	KMOVW AX, K1
	DWK5PROLOG
	DWK5LOOP(DWRQ, k5qLoop, k5qDone)

// func i8DWK3VNNIH(n int, r0, r1, r2 *byte, xstep int, w *byte, wsum *int32, s1 *float32, out *float32, ostep int, bias *float32, mask int, corr int32, s2, lo, hi float32)
//
// i8DWK3VNNI with the hybrid epilogue in registers (HQ).
TEXT ·i8DWK3VNNIH(SB), NOSPLIT, $0-112
	HSETUP16(wsum+48(FP), s1+56(FP), bias+80(FP), corr+96(FP), s2+100(FP), lo+104(FP), hi+108(FP), mask+88(FP))
	DWK3PROLOG
	DWK3LOOP(DWHQ, k3hLoop, k3hDone)

// func i8DWKVNNIH(n, kh, ng int, rows *[8]*byte, off, gstep, xstep int, w *byte, wsum *int32, s1 *float32, out *float32, ostep int, bias *float32, mask int, corr int32, s2, lo, hi float32)
//
// i8DWKVNNI with the hybrid epilogue in registers (HQ).
TEXT ·i8DWKVNNIH(SB), NOSPLIT, $0-128
	HSETUP16(wsum+64(FP), s1+72(FP), bias+96(FP), corr+112(FP), s2+116(FP), lo+120(FP), hi+124(FP), mask+104(FP))
	DWKLOOP(DWHQ, khPix, khRow, khGroup, khDone)

// func i8DWK5VNNIH(n int, rows *[8]*byte, off, gstep, xstep int, w *byte, wsum *int32, s1 *float32, out *float32, ostep int, bias *float32, mask int, corr int32, s2, lo, hi float32)
//
// i8DWK5VNNIQ with the hybrid epilogue in registers (HQ).
TEXT ·i8DWK5VNNIH(SB), NOSPLIT, $0-112
	HSETUP16(wsum+48(FP), s1+56(FP), bias+80(FP), corr+96(FP), s2+100(FP), lo+104(FP), hi+108(FP), mask+88(FP))
	DWK5PROLOG
	DWK5LOOP(DWHQ, k5hLoop, k5hDone)
