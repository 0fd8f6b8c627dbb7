//go:build amd64 && !purego

#include "textflag.h"

// func qmaxRunAsm(n, c, kw, kh, step, rs int, in, out *int8, lo, hi int32)
// For each of n windows and each sixteen channels (the last chunk at
// c-16): the byte-wise signed maximum over the kw × kh pixels, clamped
// to [lo, hi].
TEXT ·qmaxRunAsm(SB), NOSPLIT, $0-72
	MOVQ         n+0(FP), R8
	MOVQ         c+8(FP), R9
	MOVQ         step+32(FP), R12
	MOVQ         rs+40(FP), R13
	MOVQ         in+48(FP), SI
	MOVQ         out+56(FP), DI
	MOVL         lo+64(FP), AX
	MOVQ         AX, X14
	VPBROADCASTB X14, X14
	MOVL         hi+68(FP), AX
	MOVQ         AX, X15
	VPBROADCASTB X15, X15
	MOVQ         R9, BX
	SUBQ         $16, BX

pixel:
	XORQ AX, AX

chunk:
	CMPQ    AX, BX
	CMOVQGT BX, AX
	LEAQ    (SI)(AX*1), DX
	VMOVDQU (DX), X0
	MOVQ    kh+24(FP), CX

wy:
	MOVQ DX, R10
	MOVQ kw+16(FP), R11

wx:
	VPMAXSB (R10), X0, X0
	ADDQ    R9, R10
	DECQ    R11
	JNZ     wx
	ADDQ    R13, DX
	DECQ    CX
	JNZ     wy
	VPMAXSB X14, X0, X0
	VPMINSB X15, X0, X0
	VMOVDQU X0, (DI)(AX*1)
	ADDQ    $16, AX
	CMPQ    AX, R9
	JLT     chunk
	ADDQ    R12, SI
	ADDQ    R9, DI
	DECQ    R8
	JNZ     pixel
	RET
