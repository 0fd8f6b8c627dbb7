//go:build amd64 && !purego

#include "textflag.h"
#include "int8_rq_amd64.h"

// The fused VNNI convolution row kernels: i8TilesVNNI's accumulation for
// tiles of 4 pixels (then single pixels), followed in registers by
// XNNPACK's requantization (i8RequantF32AVX512's arithmetic) and a masked
// store of the int8 outputs.

// func i8ConvRowVNNI16(n int, x *byte, xstep int, k, ntaps int, offs *int, w *byte, bias *int32, scale *float32, out *int8, ostep int, mask int, zero int32, lo, hi float32)
TEXT ·i8ConvRowVNNI16(SB), NOSPLIT, $0-108
	ROWSETUP
	MOVQ x+8(FP), R8
	MOVQ xstep+16(FP), R15
	MOVQ out+72(FP), DI
	MOVQ ostep+80(FP), R14
	MOVQ n+0(FP), R13
	CMPQ R13, $4
	JLT  f16One

f16Tile:
	LEAQ   (R8)(R15*1), R9
	LEAQ   (R9)(R15*1), R10
	LEAQ   (R10)(R15*1), R11
	VPXORD Z0, Z0, Z0
	VPXORD Z1, Z1, Z1
	VPXORD Z2, Z2, Z2
	VPXORD Z3, Z3, Z3
	MOVQ   offs+40(FP), BX
	MOVQ   ntaps+32(FP), DX
	MOVQ   w+48(FP), SI

f16Tap:
	MOVQ (BX), AX
	MOVQ k+24(FP), R12

f16K:
	VMOVDQU32    (SI), Z8
	VPBROADCASTD (R8)(AX*1), Z10
	VPBROADCASTD (R9)(AX*1), Z11
	VPBROADCASTD (R10)(AX*1), Z12
	VPBROADCASTD (R11)(AX*1), Z13
	VPDPBUSD     Z8, Z10, Z0
	VPDPBUSD     Z8, Z11, Z1
	VPDPBUSD     Z8, Z12, Z2
	VPDPBUSD     Z8, Z13, Z3
	ADDQ         $64, SI
	ADDQ         $4, AX
	DECQ         R12
	JNZ          f16K
	ADDQ         $8, BX
	DECQ         DX
	JNZ          f16Tap

	RQ(Z0, Z14, Z16, K1, (DI))
	ADDQ R14, DI
	RQ(Z1, Z14, Z16, K1, (DI))
	ADDQ R14, DI
	RQ(Z2, Z14, Z16, K1, (DI))
	ADDQ R14, DI
	RQ(Z3, Z14, Z16, K1, (DI))
	ADDQ R14, DI
	LEAQ (R11)(R15*1), R8
	SUBQ $4, R13
	CMPQ R13, $4
	JGE  f16Tile

f16One:
	TESTQ R13, R13
	JZ    f16Done

f16OnePix:
	VPXORD Z0, Z0, Z0
	MOVQ   offs+40(FP), BX
	MOVQ   ntaps+32(FP), DX
	MOVQ   w+48(FP), SI

f16OneTap:
	MOVQ (BX), AX
	MOVQ k+24(FP), R12

f16OneK:
	VPBROADCASTD (R8)(AX*1), Z10
	VPDPBUSD     (SI), Z10, Z0
	ADDQ         $64, SI
	ADDQ         $4, AX
	DECQ         R12
	JNZ          f16OneK
	ADDQ         $8, BX
	DECQ         DX
	JNZ          f16OneTap

	RQ(Z0, Z14, Z16, K1, (DI))
	ADDQ R14, DI
	ADDQ R15, R8
	DECQ R13
	JNZ  f16OnePix

f16Done:
	VZEROUPPER
	RET

// func i8ConvRowVNNI32(n int, x *byte, xstep int, k, ntaps int, offs *int, w *byte, bias *int32, scale *float32, out *int8, ostep int, mask int, zero int32, lo, hi float32)
TEXT ·i8ConvRowVNNI32(SB), NOSPLIT, $0-108
	ROWSETUP
	MOVQ x+8(FP), R8
	MOVQ xstep+16(FP), R15
	MOVQ out+72(FP), DI
	MOVQ ostep+80(FP), R14
	MOVQ n+0(FP), R13
	CMPQ R13, $4
	JLT  f32One

f32Tile:
	LEAQ   (R8)(R15*1), R9
	LEAQ   (R9)(R15*1), R10
	LEAQ   (R10)(R15*1), R11
	VPXORD Z0, Z0, Z0
	VPXORD Z1, Z1, Z1
	VPXORD Z2, Z2, Z2
	VPXORD Z3, Z3, Z3
	VPXORD Z4, Z4, Z4
	VPXORD Z5, Z5, Z5
	VPXORD Z6, Z6, Z6
	VPXORD Z7, Z7, Z7
	MOVQ   offs+40(FP), BX
	MOVQ   ntaps+32(FP), DX
	MOVQ   w+48(FP), SI

f32Tap:
	MOVQ (BX), AX
	MOVQ k+24(FP), R12

f32K:
	VMOVDQU32    (SI), Z8
	VMOVDQU32    64(SI), Z9
	VPBROADCASTD (R8)(AX*1), Z10
	VPBROADCASTD (R9)(AX*1), Z11
	VPBROADCASTD (R10)(AX*1), Z12
	VPBROADCASTD (R11)(AX*1), Z13
	VPDPBUSD     Z8, Z10, Z0
	VPDPBUSD     Z9, Z10, Z4
	VPDPBUSD     Z8, Z11, Z1
	VPDPBUSD     Z9, Z11, Z5
	VPDPBUSD     Z8, Z12, Z2
	VPDPBUSD     Z9, Z12, Z6
	VPDPBUSD     Z8, Z13, Z3
	VPDPBUSD     Z9, Z13, Z7
	ADDQ         $128, SI
	ADDQ         $4, AX
	DECQ         R12
	JNZ          f32K
	ADDQ         $8, BX
	DECQ         DX
	JNZ          f32Tap

	RQ(Z0, Z14, Z16, K1, (DI))
	RQ(Z4, Z15, Z17, K2, 16(DI))
	ADDQ R14, DI
	RQ(Z1, Z14, Z16, K1, (DI))
	RQ(Z5, Z15, Z17, K2, 16(DI))
	ADDQ R14, DI
	RQ(Z2, Z14, Z16, K1, (DI))
	RQ(Z6, Z15, Z17, K2, 16(DI))
	ADDQ R14, DI
	RQ(Z3, Z14, Z16, K1, (DI))
	RQ(Z7, Z15, Z17, K2, 16(DI))
	ADDQ R14, DI
	LEAQ (R11)(R15*1), R8
	SUBQ $4, R13
	CMPQ R13, $4
	JGE  f32Tile

f32One:
	TESTQ R13, R13
	JZ    f32Done

f32OnePix:
	VPXORD Z0, Z0, Z0
	VPXORD Z4, Z4, Z4
	MOVQ   offs+40(FP), BX
	MOVQ   ntaps+32(FP), DX
	MOVQ   w+48(FP), SI

f32OneTap:
	MOVQ (BX), AX
	MOVQ k+24(FP), R12

f32OneK:
	VPBROADCASTD (R8)(AX*1), Z10
	VPDPBUSD     (SI), Z10, Z0
	VPDPBUSD     64(SI), Z10, Z4
	ADDQ         $128, SI
	ADDQ         $4, AX
	DECQ         R12
	JNZ          f32OneK
	ADDQ         $8, BX
	DECQ         DX
	JNZ          f32OneTap

	RQ(Z0, Z14, Z16, K1, (DI))
	RQ(Z4, Z15, Z17, K2, 16(DI))
	ADDQ R14, DI
	ADDQ R15, R8
	DECQ R13
	JNZ  f32OnePix

f32Done:
	VZEROUPPER
	RET

// func i8XorCopyAVX512(n64 int, src, dst unsafe.Pointer)
TEXT ·i8XorCopyAVX512(SB), NOSPLIT, $0-24
	MOVQ         n64+0(FP), CX
	MOVQ         src+8(FP), SI
	MOVQ         dst+16(FP), DI
	MOVL         $0x80808080, AX
	VPBROADCASTD AX, Z1

xorLoop:
	VPXORD    (SI), Z1, Z0
	VMOVDQU32 Z0, (DI)
	ADDQ      $64, SI
	ADDQ      $64, DI
	DECQ      CX
	JNZ       xorLoop
	VZEROUPPER
	RET

// Dword and byte indices of i8Pix3To4AVX512: the 12 bytes of 4 pixels
// into each 128-bit lane, then each pixel's 3 bytes into a dword.
DATA i8Pix3Perm<>+0(SB)/4, $0
DATA i8Pix3Perm<>+4(SB)/4, $1
DATA i8Pix3Perm<>+8(SB)/4, $2
DATA i8Pix3Perm<>+12(SB)/4, $0
DATA i8Pix3Perm<>+16(SB)/4, $3
DATA i8Pix3Perm<>+20(SB)/4, $4
DATA i8Pix3Perm<>+24(SB)/4, $5
DATA i8Pix3Perm<>+28(SB)/4, $0
DATA i8Pix3Perm<>+32(SB)/4, $6
DATA i8Pix3Perm<>+36(SB)/4, $7
DATA i8Pix3Perm<>+40(SB)/4, $8
DATA i8Pix3Perm<>+44(SB)/4, $0
DATA i8Pix3Perm<>+48(SB)/4, $9
DATA i8Pix3Perm<>+52(SB)/4, $10
DATA i8Pix3Perm<>+56(SB)/4, $11
DATA i8Pix3Perm<>+60(SB)/4, $0
GLOBL i8Pix3Perm<>(SB), RODATA|NOPTR, $64
DATA i8Pix3Shuf<>+0(SB)/8, $0x8005040380020100
DATA i8Pix3Shuf<>+8(SB)/8, $0x800b0a0980080706
DATA i8Pix3Shuf<>+16(SB)/8, $0x8005040380020100
DATA i8Pix3Shuf<>+24(SB)/8, $0x800b0a0980080706
DATA i8Pix3Shuf<>+32(SB)/8, $0x8005040380020100
DATA i8Pix3Shuf<>+40(SB)/8, $0x800b0a0980080706
DATA i8Pix3Shuf<>+48(SB)/8, $0x8005040380020100
DATA i8Pix3Shuf<>+56(SB)/8, $0x800b0a0980080706
GLOBL i8Pix3Shuf<>(SB), RODATA|NOPTR, $64

// func i8Pix3To4AVX512(n16 int, src, dst unsafe.Pointer)
TEXT ·i8Pix3To4AVX512(SB), NOSPLIT, $0-24
	MOVQ         n16+0(FP), CX
	MOVQ         src+8(FP), SI
	MOVQ         dst+16(FP), DI
	MOVQ         $0xffffffffffff, AX
	KMOVQ        AX, K1
	VMOVDQU32    i8Pix3Perm<>(SB), Z4
	VMOVDQU32    i8Pix3Shuf<>(SB), Z5
	MOVL         $0x80808080, AX
	VPBROADCASTD AX, Z6

pix3Loop:
	VMOVDQU8.Z (SI), K1, Z0
	VPERMD     Z0, Z4, Z1
	VPSHUFB    Z5, Z1, Z1
	VPXORD     Z6, Z1, Z1
	VMOVDQU32  Z1, (DI)
	ADDQ       $48, SI
	ADDQ       $64, DI
	DECQ       CX
	JNZ        pix3Loop
	VZEROUPPER
	RET
