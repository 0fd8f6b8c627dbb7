//go:build amd64 && !purego

#include "textflag.h"

// func sumColsAsm(rows, c int, in *int8, acc *int32)
// acc[k] += Σ_r in[r×c + k] for k < c, c a multiple of 8: 32 channels at
// a time in four int32 accumulators over all rows, then 8 at a time.
TEXT ·sumColsAsm(SB), NOSPLIT, $0-32
	MOVQ rows+0(FP), R8
	MOVQ c+8(FP), R9
	MOVQ in+16(FP), SI
	MOVQ acc+24(FP), DI
	XORQ AX, AX

blk32:
	LEAQ   32(AX), BX
	CMPQ   BX, R9
	JGT    blk8
	VPXOR  Y0, Y0, Y0
	VPXOR  Y1, Y1, Y1
	VPXOR  Y2, Y2, Y2
	VPXOR  Y3, Y3, Y3
	LEAQ   (SI)(AX*1), DX
	MOVQ   R8, CX

r32:
	VPMOVSXBD (DX), Y4
	VPMOVSXBD 8(DX), Y5
	VPMOVSXBD 16(DX), Y6
	VPMOVSXBD 24(DX), Y7
	VPADDD    Y4, Y0, Y0
	VPADDD    Y5, Y1, Y1
	VPADDD    Y6, Y2, Y2
	VPADDD    Y7, Y3, Y3
	ADDQ      R9, DX
	DECQ      CX
	JNZ       r32
	VPADDD    (DI)(AX*4), Y0, Y0
	VPADDD    32(DI)(AX*4), Y1, Y1
	VPADDD    64(DI)(AX*4), Y2, Y2
	VPADDD    96(DI)(AX*4), Y3, Y3
	VMOVDQU   Y0, (DI)(AX*4)
	VMOVDQU   Y1, 32(DI)(AX*4)
	VMOVDQU   Y2, 64(DI)(AX*4)
	VMOVDQU   Y3, 96(DI)(AX*4)
	MOVQ      BX, AX
	JMP       blk32

blk8:
	CMPQ  AX, R9
	JGE   done
	VPXOR Y0, Y0, Y0
	LEAQ  (SI)(AX*1), DX
	MOVQ  R8, CX

r8:
	VPMOVSXBD (DX), Y4
	VPADDD    Y4, Y0, Y0
	ADDQ      R9, DX
	DECQ      CX
	JNZ       r8
	VPADDD    (DI)(AX*4), Y0, Y0
	VMOVDQU   Y0, (DI)(AX*4)
	ADDQ      $8, AX
	JMP       blk8

done:
	VZEROUPPER
	RET
