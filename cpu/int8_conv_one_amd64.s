//go:build amd64 && !purego

#include "textflag.h"
#include "int8_rq_amd64.h"

// The int8 convolution with one output channel (int8_conv_one.go): 16
// output pixels per vector lane set.

// Dword indices: the even dwords of two vectors, then the odd ones.
DATA i8Conv1Idx<>+0(SB)/4, $0
DATA i8Conv1Idx<>+4(SB)/4, $2
DATA i8Conv1Idx<>+8(SB)/4, $4
DATA i8Conv1Idx<>+12(SB)/4, $6
DATA i8Conv1Idx<>+16(SB)/4, $8
DATA i8Conv1Idx<>+20(SB)/4, $10
DATA i8Conv1Idx<>+24(SB)/4, $12
DATA i8Conv1Idx<>+28(SB)/4, $14
DATA i8Conv1Idx<>+32(SB)/4, $16
DATA i8Conv1Idx<>+36(SB)/4, $18
DATA i8Conv1Idx<>+40(SB)/4, $20
DATA i8Conv1Idx<>+44(SB)/4, $22
DATA i8Conv1Idx<>+48(SB)/4, $24
DATA i8Conv1Idx<>+52(SB)/4, $26
DATA i8Conv1Idx<>+56(SB)/4, $28
DATA i8Conv1Idx<>+60(SB)/4, $30
DATA i8Conv1Idx<>+64(SB)/4, $1
DATA i8Conv1Idx<>+68(SB)/4, $3
DATA i8Conv1Idx<>+72(SB)/4, $5
DATA i8Conv1Idx<>+76(SB)/4, $7
DATA i8Conv1Idx<>+80(SB)/4, $9
DATA i8Conv1Idx<>+84(SB)/4, $11
DATA i8Conv1Idx<>+88(SB)/4, $13
DATA i8Conv1Idx<>+92(SB)/4, $15
DATA i8Conv1Idx<>+96(SB)/4, $17
DATA i8Conv1Idx<>+100(SB)/4, $19
DATA i8Conv1Idx<>+104(SB)/4, $21
DATA i8Conv1Idx<>+108(SB)/4, $23
DATA i8Conv1Idx<>+112(SB)/4, $25
DATA i8Conv1Idx<>+116(SB)/4, $27
DATA i8Conv1Idx<>+120(SB)/4, $29
DATA i8Conv1Idx<>+124(SB)/4, $31
GLOBL i8Conv1Idx<>(SB), RODATA|NOPTR, $128

// func i8Conv1TransposeK8(n16 int, src *byte, dst *byte, gst int)
//
// 16 pixels of 8 bytes at a time: VPERMI2D gathers their first 4 bytes
// (even dwords) to dst and their last 4 (odd dwords) to dst + gst.
TEXT ·i8Conv1TransposeK8(SB), NOSPLIT, $0-32
	MOVQ      n16+0(FP), CX
	MOVQ      src+8(FP), SI
	MOVQ      dst+16(FP), DI
	MOVQ      gst+24(FP), R8
	VMOVDQU32 i8Conv1Idx<>+0(SB), Z4
	VMOVDQU32 i8Conv1Idx<>+64(SB), Z5
	TESTQ     CX, CX
	JZ        trDone

trLoop:
	VMOVDQU32 (SI), Z0
	VMOVDQU32 64(SI), Z1
	VMOVDQA32 Z4, Z2
	VMOVDQA32 Z5, Z3
	VPERMI2D  Z1, Z0, Z2
	VPERMI2D  Z1, Z0, Z3
	VMOVDQU32 Z2, (DI)
	VMOVDQU32 Z3, (DI)(R8*1)
	ADDQ      $128, SI
	ADDQ      $64, DI
	DECQ      CX
	JNZ       trLoop

trDone:
	VZEROUPPER
	RET

// func i8Conv1VNNI(n, ntaps, ng int, toffs *int, gst int, x *byte, w *int32, bias int32, scale float32, out *int8, zero int32, lo, hi float32)
//
// Per 16 pixels: for each tap and group of 4 input channels, 16 dwords
// (one per pixel) from the transposed rows, VPDPBUSD with the tap's
// weights broadcast; then RQ with the channel's bias and scale; the last
// vector masked to the pixels left.
TEXT ·i8Conv1VNNI(SB), NOSPLIT, $0-84
	MOVL         bias+56(FP), AX
	VPBROADCASTD AX, Z14
	VBROADCASTSS scale+60(FP), Z16
	VBROADCASTSS lo+76(FP), Z18
	VBROADCASTSS hi+80(FP), Z19
	MOVL         zero+72(FP), AX
	VPBROADCASTD AX, Z20
	MOVQ         n+0(FP), CX
	MOVQ         x+40(FP), SI
	MOVQ         out+64(FP), DI
	MOVQ         gst+32(FP), R12
	TESTQ        CX, CX
	JLE          c1Done

c1Block:
	MOVL  $0xffff, AX
	CMPQ  CX, $16
	JGE   c1Mask
	MOVL  $1, AX
	SHLL  CX, AX
	DECL  AX

c1Mask:
	KMOVW  AX, K1
	VPXORD Z0, Z0, Z0
	MOVQ   toffs+24(FP), BX
	MOVQ   ntaps+8(FP), DX
	MOVQ   w+48(FP), R9

c1Tap:
	MOVQ (BX), R11
	ADDQ SI, R11
	MOVQ ng+16(FP), R10

c1Group:
	VMOVDQU32     (R11), Z1
	VPDPBUSD.BCST (R9), Z1, Z0
	ADDQ          R12, R11
	ADDQ          $4, R9
	DECQ          R10
	JNZ           c1Group
	ADDQ          $8, BX
	DECQ          DX
	JNZ           c1Tap

	RQ(Z0, Z14, Z16, K1, (DI))
	ADDQ $64, SI
	ADDQ $16, DI
	SUBQ $16, CX
	JG   c1Block

c1Done:
	VZEROUPPER
	RET
