//go:build amd64 && !purego

#include "textflag.h"

// qword order of a group's sixteen lanes (pixel p, tap t at lane 4p+t):
// the (t0, t1) pairs of the four pixels (output row 0), then the (t2, t3)
// pairs (row 1).
DATA tconvRowsIdx<>+0(SB)/8, $0
DATA tconvRowsIdx<>+8(SB)/8, $2
DATA tconvRowsIdx<>+16(SB)/8, $4
DATA tconvRowsIdx<>+24(SB)/8, $6
DATA tconvRowsIdx<>+32(SB)/8, $1
DATA tconvRowsIdx<>+40(SB)/8, $3
DATA tconvRowsIdx<>+48(SB)/8, $5
DATA tconvRowsIdx<>+56(SB)/8, $7
GLOBL tconvRowsIdx<>(SB), RODATA|NOPTR, $64

// BCAST4 broadcasts channel i of the four pixels at BASE, BASE + BX,
// BASE + 2BX, BASE + DX (= 3BX) to lanes 0-3, 4-7, 8-11, 12-15 of Z.
#define BCAST4(BASE, Z) \
	VBROADCASTSS (BASE), K1, Z        \
	VBROADCASTSS (BASE)(BX*1), K2, Z  \
	VBROADCASTSS (BASE)(BX*2), K3, Z  \
	VBROADCASTSS (BASE)(DX*1), K4, Z

// TSTORE clamps the accumulator ACC as convTile4Asm does, adds the bias
// (Z28), splits the two output rows (VPERMQ by Z29) and stores them OFF
// bytes into the rows at DI and DI + R10. Clobbers Z2, Z3.
#define TSTORE(ACC, OFF) \
	VMAXPS        Z30, ACC, ACC      \
	VMINPS        Z31, ACC, ACC      \
	VPERMQ        ACC, Z29, Z2       \
	VADDPS        Z28, Z2, Z2        \
	VEXTRACTF64X4 $1, Z2, Y3         \
	VMOVUPS       Y2, OFF(DI)        \
	VMOVUPS       Y3, OFF(DI)(R10*1)

// func tconv2x2Asm(n, inC int, in, wp *float32, bias float32, out *float32, ldo int)
// Per group: lanes 4p..4p+3 hold input pixel p's channel i (four masked
// broadcasts) times the four taps' weights, accumulated by one FMA chain
// over i from +0; clamped to [-Inf, +Inf] as convTile4Asm clamps (NaN
// becomes -Inf); bias added; rows split by VPERMQ and stored. Four groups
// (sixteen pixels) go together while they can, their chains interleaved.
TEXT ·tconv2x2Asm(SB), NOSPLIT, $0-56
	MOVQ         n+0(FP), R8
	MOVQ         inC+8(FP), R9
	MOVQ         in+16(FP), SI
	MOVQ         out+40(FP), DI
	VBROADCASTSS bias+32(FP), Z28
	VMOVDQU64    tconvRowsIdx<>(SB), Z29
	MOVL         $0xFF800000, AX
	VPBROADCASTD AX, Z30
	MOVL         $0x7F800000, AX
	VPBROADCASTD AX, Z31
	MOVW         $0x000F, AX
	KMOVW        AX, K1
	MOVW         $0x00F0, AX
	KMOVW        AX, K2
	MOVW         $0x0F00, AX
	KMOVW        AX, K3
	MOVW         $0xF000, AX
	KMOVW        AX, K4
	MOVQ         R9, BX
	SHLQ         $2, BX        // bytes per pixel
	LEAQ         (BX)(BX*2), DX // 3 pixels

quad:
	CMPQ   R8, $4
	JLT    group
	VXORPS Z0, Z0, Z0
	VXORPS Z4, Z4, Z4
	VXORPS Z8, Z8, Z8
	VXORPS Z12, Z12, Z12
	MOVQ   wp+24(FP), R10
	MOVQ   SI, AX
	LEAQ   (SI)(BX*4), R11
	LEAQ   (R11)(BX*4), R12
	LEAQ   (R12)(BX*4), R13
	MOVQ   R9, CX

qchan:
	VMOVUPS      (R10), Z16
	BCAST4(AX, Z1)
	BCAST4(R11, Z5)
	BCAST4(R12, Z9)
	BCAST4(R13, Z13)
	VFMADD231PS  Z16, Z1, Z0
	VFMADD231PS  Z16, Z5, Z4
	VFMADD231PS  Z16, Z9, Z8
	VFMADD231PS  Z16, Z13, Z12
	ADDQ         $4, AX
	ADDQ         $4, R11
	ADDQ         $4, R12
	ADDQ         $4, R13
	ADDQ         $64, R10
	DECQ         CX
	JNZ          qchan

	MOVQ ldo+48(FP), R10
	TSTORE(Z0, 0)
	TSTORE(Z4, 32)
	TSTORE(Z8, 64)
	TSTORE(Z12, 96)
	LEAQ (R13)(DX*1), SI
	ADDQ $128, DI
	SUBQ $4, R8
	JMP  quad

group:
	TESTQ  R8, R8
	JZ     done
	VXORPS Z0, Z0, Z0
	MOVQ   wp+24(FP), R10
	MOVQ   SI, AX
	MOVQ   R9, CX

chan:
	BCAST4(AX, Z1)
	VFMADD231PS  (R10), Z1, Z0
	ADDQ         $4, AX
	ADDQ         $64, R10
	DECQ         CX
	JNZ          chan

	MOVQ ldo+48(FP), R10
	TSTORE(Z0, 0)
	LEAQ (AX)(DX*1), SI
	ADDQ $32, DI
	DECQ R8
	JMP  group

done:
	VZEROUPPER
	RET
