//go:build amd64 && !purego

#include "textflag.h"

// func resizeHAsm(c, ow int, src *int8, xs *lerp32, dst *int32)
// XNNPACK's horizontal ibilinear pass, c a multiple of 8: for each output
// column (lo, hi: byte offsets of its two source pixels, frac: the right
// one's weight in 1/2048) and each channel, l<<11 + (r-l)×frac as int32.
TEXT ·resizeHAsm(SB), NOSPLIT, $0-40
	MOVQ c+0(FP), R8
	MOVQ ow+8(FP), CX
	MOVQ src+16(FP), SI
	MOVQ xs+24(FP), BX
	MOVQ dst+32(FP), DI

hcol:
	TESTQ        CX, CX
	JZ           hdone
	MOVLQSX      0(BX), AX
	MOVLQSX      4(BX), DX
	VPBROADCASTD 8(BX), Y15
	LEAQ         (SI)(AX*1), AX
	LEAQ         (SI)(DX*1), DX
	MOVQ         R8, R9

hchan:
	VPMOVSXBD (AX), Y0
	VPMOVSXBD (DX), Y1
	VPSUBD    Y0, Y1, Y1
	VPMULLD   Y15, Y1, Y1
	VPSLLD    $11, Y0, Y0
	VPADDD    Y1, Y0, Y0
	VMOVDQU   Y0, (DI)
	ADDQ      $8, AX
	ADDQ      $8, DX
	ADDQ      $32, DI
	SUBQ      $8, R9
	JNZ       hchan
	ADDQ      $12, BX
	DECQ      CX
	JMP       hcol

hdone:
	VZEROUPPER
	RET

// func resizeVAsm(n int, top, bot *int32, fy int32, out *int8)
// XNNPACK's vertical ibilinear pass, n a multiple of 8: (t<<11 +
// (b-t)×fy + 2^21) >> 22 packed to int8 (a convex combination of int8
// values: no saturation happens).
TEXT ·resizeVAsm(SB), NOSPLIT, $0-40
	MOVQ         n+0(FP), CX
	MOVQ         top+8(FP), SI
	MOVQ         bot+16(FP), BX
	MOVL         fy+24(FP), AX
	MOVQ         AX, X15
	VPBROADCASTD X15, Y15
	MOVQ         out+32(FP), DI
	MOVL         $0x200000, AX
	MOVQ         AX, X14
	VPBROADCASTD X14, Y14

v16:
	CMPQ        CX, $16
	JLT         v8
	VMOVDQU     (SI), Y0
	VMOVDQU     32(SI), Y2
	VMOVDQU     (BX), Y1
	VMOVDQU     32(BX), Y3
	VPSUBD      Y0, Y1, Y1
	VPSUBD      Y2, Y3, Y3
	VPMULLD     Y15, Y1, Y1
	VPMULLD     Y15, Y3, Y3
	VPSLLD      $11, Y0, Y0
	VPSLLD      $11, Y2, Y2
	VPADDD      Y1, Y0, Y0
	VPADDD      Y3, Y2, Y2
	VPADDD      Y14, Y0, Y0
	VPADDD      Y14, Y2, Y2
	VPSRAD      $22, Y0, Y0
	VPSRAD      $22, Y2, Y2
	VPACKSSDW   Y2, Y0, Y0
	VPERMQ      $0xD8, Y0, Y0
	VEXTRACTI128 $1, Y0, X1
	VPACKSSWB   X1, X0, X0
	VMOVDQU     X0, (DI)
	ADDQ        $64, SI
	ADDQ        $64, BX
	ADDQ        $16, DI
	SUBQ        $16, CX
	JMP         v16

v8:
	TESTQ        CX, CX
	JZ           vdone
	VMOVDQU      (SI), Y0
	VMOVDQU      (BX), Y1
	VPSUBD       Y0, Y1, Y1
	VPMULLD      Y15, Y1, Y1
	VPSLLD       $11, Y0, Y0
	VPADDD       Y1, Y0, Y0
	VPADDD       Y14, Y0, Y0
	VPSRAD       $22, Y0, Y0
	VEXTRACTI128 $1, Y0, X1
	VPACKSSDW    X1, X0, X0
	VPACKSSWB    X0, X0, X0
	MOVQ         X0, (DI)

vdone:
	VZEROUPPER
	RET

// func resizeVAVX512(n int, top, bot *int32, fy int32, out *int8)
// resizeVAsm 32 values a step in zmm registers, n a multiple of 32.
TEXT ·resizeVAVX512(SB), NOSPLIT, $0-40
	MOVQ         n+0(FP), CX
	MOVQ         top+8(FP), SI
	MOVQ         bot+16(FP), BX
	MOVL         fy+24(FP), AX
	VPBROADCASTD AX, Z15
	MOVQ         out+32(FP), DI
	MOVL         $0x200000, AX
	VPBROADCASTD AX, Z14

w32:
	TESTQ     CX, CX
	JZ        wdone
	VMOVDQU32 (SI), Z0
	VMOVDQU32 64(SI), Z2
	VMOVDQU32 (BX), Z1
	VMOVDQU32 64(BX), Z3
	VPSUBD    Z0, Z1, Z1
	VPSUBD    Z2, Z3, Z3
	VPMULLD   Z15, Z1, Z1
	VPMULLD   Z15, Z3, Z3
	VPSLLD    $11, Z0, Z0
	VPSLLD    $11, Z2, Z2
	VPADDD    Z1, Z0, Z0
	VPADDD    Z3, Z2, Z2
	VPADDD    Z14, Z0, Z0
	VPADDD    Z14, Z2, Z2
	VPSRAD    $22, Z0, Z0
	VPSRAD    $22, Z2, Z2
	VPMOVDB   Z0, X0
	VPMOVDB   Z2, X2
	VMOVDQU   X0, (DI)
	VMOVDQU   X2, 16(DI)
	ADDQ      $128, SI
	ADDQ      $128, BX
	ADDQ      $32, DI
	SUBQ      $32, CX
	JMP       w32

wdone:
	VZEROUPPER
	RET
