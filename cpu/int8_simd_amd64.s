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
