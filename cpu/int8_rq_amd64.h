// The requantization macros of the fused int8 kernels (AVX-512).

// RQ requantizes accumulator acc with bias b and scale s (registers) and
// stores the 16 bytes selected by mask k at dst.
#define RQ(acc, b, s, k, dst) \
	VPADDD    b, acc, acc; \
	VCVTDQ2PS acc, acc; \
	VMULPS    s, acc, acc; \
	VMAXPS    Z18, acc, acc; \
	VMINPS    Z19, acc, acc; \
	VCVTPS2DQ acc, acc; \
	VPADDD    Z20, acc, acc; \
	VPMOVDB   acc, X21; \
	VMOVDQU8  X21, k, dst

// ROWSETUP loads the requantization constants: bias halves Z14/Z15,
// scale halves Z16/Z17, lo - zero Z18, hi - zero Z19, zero Z20, store
// masks K1/K2.
#define ROWSETUP \
	MOVQ         bias+56(FP), AX; \
	VMOVDQU32    (AX), Z14; \
	VMOVDQU32    64(AX), Z15; \
	MOVQ         scale+64(FP), AX; \
	VMOVDQU32    (AX), Z16; \
	VMOVDQU32    64(AX), Z17; \
	VBROADCASTSS lo+100(FP), Z18; \
	VBROADCASTSS hi+104(FP), Z19; \
	VPBROADCASTD zero+96(FP), Z20; \
	MOVQ         mask+88(FP), AX; \
	KMOVW        AX, K1; \
	SHRQ         $16, AX; \
	KMOVW        AX, K2

// RQSETUP16 loads the constants of RQ for one block of 16 channels: bias
// Z14, scale Z16, lo - zero Z18, hi - zero Z19, zero Z20 (the arguments
// are the functions' FP operands).
#define RQSETUP16(bias, scale, lo, hi, zero) \
	MOVQ         bias, AX; \
	VMOVDQU32    (AX), Z14; \
	MOVQ         scale, AX; \
	VMOVDQU32    (AX), Z16; \
	VBROADCASTSS lo, Z18; \
	VBROADCASTSS hi, Z19; \
	VPBROADCASTD zero, Z20

// HQ is hybridEpiAVX2's arithmetic on 16 lanes: clamp(float(acc -
// corr×Σw) × s1 × s2 + bias), the masked lanes stored at dst.
#define HQ(acc, ws, s1, b, k, dst) \
	VPMULLD   ws, Z22, Z21; \
	VPSUBD    Z21, acc, acc; \
	VCVTDQ2PS acc, acc; \
	VMULPS    s1, acc, acc; \
	VMULPS    Z23, acc, acc; \
	VADDPS    b, acc, acc; \
	VMAXPS    acc, Z24, acc; \
	VMINPS    acc, Z25, acc; \
	VMOVUPS   acc, k, dst

// HSETUP16 loads HQ's constants for one block of 16 channels: Σw Z26, s1
// Z28, bias Z30, corr Z22, s2 Z23, lo Z24, hi Z25, store mask K1 (the
// arguments are the functions' FP operands).
#define HSETUP16(wsum, s1, bias, corr, s2, lo, hi, mask) \
	MOVQ         wsum, AX; \
	VMOVDQU32    (AX), Z26; \
	MOVQ         s1, AX; \
	VMOVDQU32    (AX), Z28; \
	MOVQ         bias, AX; \
	VMOVDQU32    (AX), Z30; \
	MOVL         corr, AX; \
	VPBROADCASTD AX, Z22; \
	VBROADCASTSS s2, Z23; \
	VBROADCASTSS lo, Z24; \
	VBROADCASTSS hi, Z25; \
	MOVQ         mask, AX; \
	KMOVW        AX, K1
