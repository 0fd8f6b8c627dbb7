#include "textflag.h"

// func encodeVector(dst *uint16, src *uint32, n int, acc *vecAcc) int
//
// Converts 8 float32 values at a time with VCVTPS2PH (round to nearest
// even) while every lane is zero or in float16's normal range
// [2^-14, 65504]; it stops at the first block of 8 with any other lane
// (clamp, NaN, Inf, subnormal or underflow: the caller handles that block
// in Go) and returns how many values it converted. acc holds the running
// per-lane maximum of |x| (as bits) and of the relative rounding error
// float32(|f16(x)-x| / |x|).
TEXT ·encodeVector(SB), NOSPLIT, $0-40
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), CX
	MOVQ acc+24(FP), DX
	XORQ AX, AX
	MOVL $0x7fffffff, R8
	VMOVD R8, X15
	VPBROADCASTD X15, Y15 // |x| mask
	MOVL $0x477fe000, R8
	VMOVD R8, X14
	VPBROADCASTD X14, Y14 // 65504, the largest float16
	MOVL $0x38800000, R8
	VMOVD R8, X13
	VPBROADCASTD X13, Y13 // 2^-14, the smallest normal float16
	VPXOR Y12, Y12, Y12
	VMOVDQU 0(DX), Y11    // max |x| bits
	VMOVUPS 32(DX), Y10   // max relative error

loop:
	CMPQ AX, CX
	JGE  done
	VMOVDQU (SI)(AX*4), Y0
	VPAND   Y15, Y0, Y1   // a = |x| bits
	VPCMPGTD Y14, Y1, Y2  // a > 65504 (also Inf, NaN)
	VPCMPGTD Y1, Y13, Y3  // a < 2^-14
	VPCMPEQD Y12, Y1, Y4  // a == 0
	VPANDN  Y3, Y4, Y3    // below normal and not zero
	VPOR    Y3, Y2, Y2
	VPTEST  Y2, Y2
	JNZ     done
	VPMAXUD Y1, Y11, Y11
	VCVTPS2PH $0, Y0, X2
	VMOVDQU X2, (DI)(AX*2)
	VCVTPH2PS X2, Y3      // y = f16(x)
	VSUBPS  Y0, Y3, Y3    // y - x (exact)
	VANDPS  Y15, Y3, Y3   // |y - x|
	VMAXPS  Y13, Y1, Y4   // |x|, or 2^-14 for zero lanes (error 0)
	VDIVPS  Y4, Y3, Y3
	VMAXPS  Y3, Y10, Y10
	ADDQ    $8, AX
	JMP     loop

done:
	VMOVDQU Y11, 0(DX)
	VMOVUPS Y10, 32(DX)
	VZEROUPPER
	MOVQ AX, ret+32(FP)
	RET
