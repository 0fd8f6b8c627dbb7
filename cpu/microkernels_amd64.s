//go:build amd64 && !purego

#include "textflag.h"

// func tile4x16Asm(k int, a0, a1, a2, a3, b, c *float32)
TEXT ·tile4x16Asm(SB), NOSPLIT, $0-56
	MOVQ k+0(FP), CX
	MOVQ a0+8(FP), R8
	MOVQ a1+16(FP), R9
	MOVQ a2+24(FP), R10
	MOVQ a3+32(FP), R11
	MOVQ b+40(FP), SI
	MOVQ c+48(FP), DI
	VMOVUPS 0(DI), Y0
	VMOVUPS 32(DI), Y1
	VMOVUPS 64(DI), Y2
	VMOVUPS 96(DI), Y3
	VMOVUPS 128(DI), Y4
	VMOVUPS 160(DI), Y5
	VMOVUPS 192(DI), Y6
	VMOVUPS 224(DI), Y7
	TESTQ CX, CX
	JEQ   done4

loop4:
	VMOVUPS      0(SI), Y8
	VMOVUPS      32(SI), Y9
	VBROADCASTSS (R8), Y10
	VFMADD231PS  Y8, Y10, Y0
	VFMADD231PS  Y9, Y10, Y1
	VBROADCASTSS (R9), Y11
	VFMADD231PS  Y8, Y11, Y2
	VFMADD231PS  Y9, Y11, Y3
	VBROADCASTSS (R10), Y12
	VFMADD231PS  Y8, Y12, Y4
	VFMADD231PS  Y9, Y12, Y5
	VBROADCASTSS (R11), Y13
	VFMADD231PS  Y8, Y13, Y6
	VFMADD231PS  Y9, Y13, Y7
	ADDQ         $64, SI
	ADDQ         $4, R8
	ADDQ         $4, R9
	ADDQ         $4, R10
	ADDQ         $4, R11
	DECQ         CX
	JNZ          loop4

done4:
	VMOVUPS Y0, 0(DI)
	VMOVUPS Y1, 32(DI)
	VMOVUPS Y2, 64(DI)
	VMOVUPS Y3, 96(DI)
	VMOVUPS Y4, 128(DI)
	VMOVUPS Y5, 160(DI)
	VMOVUPS Y6, 192(DI)
	VMOVUPS Y7, 224(DI)
	VZEROUPPER
	RET

// func tile1x16Asm(k int, a, b, c *float32)
TEXT ·tile1x16Asm(SB), NOSPLIT, $0-32
	MOVQ k+0(FP), CX
	MOVQ a+8(FP), R8
	MOVQ b+16(FP), SI
	MOVQ c+24(FP), DI
	VMOVUPS 0(DI), Y0
	VMOVUPS 32(DI), Y1
	TESTQ CX, CX
	JEQ   done1

loop1:
	VBROADCASTSS (R8), Y10
	VFMADD231PS  0(SI), Y10, Y0
	VFMADD231PS  32(SI), Y10, Y1
	ADDQ         $64, SI
	ADDQ         $4, R8
	DECQ         CX
	JNZ          loop1

done1:
	VMOVUPS Y0, 0(DI)
	VMOVUPS Y1, 32(DI)
	VZEROUPPER
	RET

// func axpyAsm(n int, x, w, y *float32)
TEXT ·axpyAsm(SB), NOSPLIT, $0-32
	MOVQ n+0(FP), CX
	MOVQ x+8(FP), SI
	MOVQ w+16(FP), DX
	MOVQ y+24(FP), DI

loop8:
	CMPQ        CX, $8
	JLT         tail
	VMOVUPS     (SI), Y0
	VMOVUPS     (DI), Y1
	VFMADD231PS (DX), Y0, Y1
	VMOVUPS     Y1, (DI)
	ADDQ        $32, SI
	ADDQ        $32, DX
	ADDQ        $32, DI
	SUBQ        $8, CX
	JMP         loop8

tail:
	TESTQ CX, CX
	JEQ   doneA

loop1a:
	VMOVSS      (SI), X0
	VMOVSS      (DI), X1
	VFMADD231SS (DX), X0, X1
	VMOVSS      X1, (DI)
	ADDQ        $4, SI
	ADDQ        $4, DX
	ADDQ        $4, DI
	DECQ        CX
	JNZ         loop1a

doneA:
	VZEROUPPER
	RET

// func convTile4Asm(k, ntaps int, offs *int, a0, a1, a2, a3, b, bias, out *float32, ldo int, lo, hi float32)
// For 4 output pixels (input windows at a0..a3) and one 16-channel panel:
// out[r*ldo+j] = clamp(bias[j] + sum_t sum_{i<k} a_r[offs[t]+i] * b[(t*k+i)*16+j], lo, hi).
TEXT ·convTile4Asm(SB), NOSPLIT, $0-96
	MOVQ    bias+64(FP), AX
	VMOVUPS (AX), Y0
	VMOVUPS 32(AX), Y1
	VMOVAPS Y0, Y2
	VMOVAPS Y1, Y3
	VMOVAPS Y0, Y4
	VMOVAPS Y1, Y5
	VMOVAPS Y0, Y6
	VMOVAPS Y1, Y7
	MOVQ    b+56(FP), SI
	MOVQ    offs+16(FP), R8
	MOVQ    ntaps+8(FP), R9

ctap:
	MOVQ (R8), AX
	SHLQ $2, AX
	MOVQ a0+24(FP), R10
	ADDQ AX, R10
	MOVQ a1+32(FP), R11
	ADDQ AX, R11
	MOVQ a2+40(FP), R12
	ADDQ AX, R12
	MOVQ a3+48(FP), R13
	ADDQ AX, R13
	MOVQ k+0(FP), CX

ckloop:
	VMOVUPS      (SI), Y8
	VMOVUPS      32(SI), Y9
	VBROADCASTSS (R10), Y10
	VFMADD231PS  Y8, Y10, Y0
	VFMADD231PS  Y9, Y10, Y1
	VBROADCASTSS (R11), Y11
	VFMADD231PS  Y8, Y11, Y2
	VFMADD231PS  Y9, Y11, Y3
	VBROADCASTSS (R12), Y12
	VFMADD231PS  Y8, Y12, Y4
	VFMADD231PS  Y9, Y12, Y5
	VBROADCASTSS (R13), Y13
	VFMADD231PS  Y8, Y13, Y6
	VFMADD231PS  Y9, Y13, Y7
	ADDQ         $64, SI
	ADDQ         $4, R10
	ADDQ         $4, R11
	ADDQ         $4, R12
	ADDQ         $4, R13
	DECQ         CX
	JNZ          ckloop
	ADDQ         $8, R8
	DECQ         R9
	JNZ          ctap

	VBROADCASTSS lo+88(FP), Y14
	VBROADCASTSS hi+92(FP), Y15
	VMAXPS       Y14, Y0, Y0
	VMAXPS       Y14, Y1, Y1
	VMAXPS       Y14, Y2, Y2
	VMAXPS       Y14, Y3, Y3
	VMAXPS       Y14, Y4, Y4
	VMAXPS       Y14, Y5, Y5
	VMAXPS       Y14, Y6, Y6
	VMAXPS       Y14, Y7, Y7
	VMINPS       Y15, Y0, Y0
	VMINPS       Y15, Y1, Y1
	VMINPS       Y15, Y2, Y2
	VMINPS       Y15, Y3, Y3
	VMINPS       Y15, Y4, Y4
	VMINPS       Y15, Y5, Y5
	VMINPS       Y15, Y6, Y6
	VMINPS       Y15, Y7, Y7
	MOVQ         out+72(FP), DI
	MOVQ         ldo+80(FP), DX
	SHLQ         $2, DX
	VMOVUPS      Y0, (DI)
	VMOVUPS      Y1, 32(DI)
	ADDQ         DX, DI
	VMOVUPS      Y2, (DI)
	VMOVUPS      Y3, 32(DI)
	ADDQ         DX, DI
	VMOVUPS      Y4, (DI)
	VMOVUPS      Y5, 32(DI)
	ADDQ         DX, DI
	VMOVUPS      Y6, (DI)
	VMOVUPS      Y7, 32(DI)
	VZEROUPPER
	RET

// func dwRowAsm(c8, npix int, x *float32, xstep int, offs *int, ntaps int, w *float32, wstride int, bias, y *float32, ystride int, lo, hi float32)
// For npix output pixels i (input window at x+i*xstep, output at
// y+i*ystride) and channels j < c8 (a multiple of 8):
// y[j] = clamp(bias[j] + sum_t x[offs[t]+j] * w[t*wstride+j], lo, hi).
TEXT ·dwRowAsm(SB), NOSPLIT, $0-96
	MOVQ         c8+0(FP), BX
	SHLQ         $2, BX
	MOVQ         npix+8(FP), CX
	MOVQ         x+16(FP), SI
	MOVQ         offs+32(FP), R8
	MOVQ         ntaps+40(FP), R9
	MOVQ         w+48(FP), DX
	MOVQ         wstride+56(FP), R12
	SHLQ         $2, R12
	MOVQ         y+72(FP), DI
	VBROADCASTSS lo+88(FP), Y14
	VBROADCASTSS hi+92(FP), Y15
	TESTQ        CX, CX
	JEQ          rdone

rpix:
	CMPQ BX, $32
	JNE  rsingle
	CMPQ CX, $2
	JGE  rpair

rsingle:
	XORQ R10, R10

rchunk16:
	LEAQ    64(R10), AX
	CMPQ    AX, BX
	JGT     rchunk8
	MOVQ    bias+64(FP), AX
	VMOVUPS (AX)(R10*1), Y0
	VMOVUPS 32(AX)(R10*1), Y1
	MOVQ    R8, R11
	MOVQ    DX, R13
	ADDQ    R10, R13
	MOVQ    R9, R14

rtap16:
	MOVQ        (R11), AX
	SHLQ        $2, AX
	ADDQ        SI, AX
	ADDQ        R10, AX
	VMOVUPS     (AX), Y2
	VMOVUPS     32(AX), Y3
	VFMADD231PS (R13), Y2, Y0
	VFMADD231PS 32(R13), Y3, Y1
	ADDQ        $8, R11
	ADDQ        R12, R13
	DECQ        R14
	JNZ         rtap16
	VMAXPS      Y14, Y0, Y0
	VMAXPS      Y14, Y1, Y1
	VMINPS      Y15, Y0, Y0
	VMINPS      Y15, Y1, Y1
	VMOVUPS     Y0, (DI)(R10*1)
	VMOVUPS     Y1, 32(DI)(R10*1)
	ADDQ        $64, R10
	JMP         rchunk16

rchunk8:
	LEAQ    32(R10), AX
	CMPQ    AX, BX
	JGT     rnext
	MOVQ    bias+64(FP), AX
	VMOVUPS (AX)(R10*1), Y0
	MOVQ    R8, R11
	MOVQ    DX, R13
	ADDQ    R10, R13
	MOVQ    R9, R14

rtap8:
	MOVQ        (R11), AX
	SHLQ        $2, AX
	ADDQ        SI, AX
	ADDQ        R10, AX
	VMOVUPS     (AX), Y2
	VFMADD231PS (R13), Y2, Y0
	ADDQ        $8, R11
	ADDQ        R12, R13
	DECQ        R14
	JNZ         rtap8
	VMAXPS      Y14, Y0, Y0
	VMINPS      Y15, Y0, Y0
	VMOVUPS     Y0, (DI)(R10*1)
	ADDQ        $32, R10
	JMP         rchunk8

// Exactly 8 channels: two pixels at a time, sharing each tap's offset
// and weight load (the loop overhead was most of the time).
rpair:
	MOVQ    bias+64(FP), AX
	VMOVUPS (AX), Y0
	VMOVUPS Y0, Y1
	MOVQ    xstep+24(FP), R10
	SHLQ    $2, R10
	MOVQ    R8, R11
	MOVQ    DX, R13
	MOVQ    R9, R14

rptap:
	MOVQ        (R11), AX
	SHLQ        $2, AX
	ADDQ        SI, AX
	VMOVUPS     (R13), Y3
	VFMADD231PS (AX), Y3, Y0
	VFMADD231PS (AX)(R10*1), Y3, Y1
	ADDQ        $8, R11
	ADDQ        R12, R13
	DECQ        R14
	JNZ         rptap
	VMAXPS      Y14, Y0, Y0
	VMAXPS      Y14, Y1, Y1
	VMINPS      Y15, Y0, Y0
	VMINPS      Y15, Y1, Y1
	MOVQ        ystride+80(FP), AX
	SHLQ        $2, AX
	VMOVUPS     Y0, (DI)
	VMOVUPS     Y1, (DI)(AX*1)
	LEAQ        (SI)(R10*2), SI
	LEAQ        (DI)(AX*2), DI
	SUBQ        $2, CX
	JNZ         rpix
	JMP         rdone

rnext:
	MOVQ xstep+24(FP), AX
	SHLQ $2, AX
	ADDQ AX, SI
	MOVQ ystride+80(FP), AX
	SHLQ $2, AX
	ADDQ AX, DI
	DECQ CX
	JNZ  rpix

rdone:
	VZEROUPPER
	RET

// Elementwise kernels over the first n&^7 floats:
// out[i] = clamp(a[i] OP b[i], lo, hi), one function per OP from this
// template. clampAsm is the template with VMAXPS: its callers pass b = a,
// and max(a, a) = a.
#define BINCLAMP(name, OP) \
TEXT name(SB), NOSPLIT, $0-40 \
	MOVQ         n+0(FP), CX \
	MOVQ         a+8(FP), SI \
	MOVQ         b+16(FP), DX \
	MOVQ         out+24(FP), DI \
	VBROADCASTSS lo+32(FP), Y14 \
	VBROADCASTSS hi+36(FP), Y15 \
	SHRQ         $3, CX \
	JEQ          done \
loop: \
	VMOVUPS (SI), Y0 \
	OP      (DX), Y0, Y0 \
	VMAXPS  Y14, Y0, Y0 \
	VMINPS  Y15, Y0, Y0 \
	VMOVUPS Y0, (DI) \
	ADDQ    $32, SI \
	ADDQ    $32, DX \
	ADDQ    $32, DI \
	DECQ    CX \
	JNZ     loop \
done: \
	VZEROUPPER \
	RET

// func addClampAsm(n int, a, b, out *float32, lo, hi float32)
BINCLAMP(·addClampAsm, VADDPS)

// func subClampAsm(n int, a, b, out *float32, lo, hi float32)
BINCLAMP(·subClampAsm, VSUBPS)

// func mulClampAsm(n int, a, b, out *float32, lo, hi float32)
BINCLAMP(·mulClampAsm, VMULPS)

// func clampAsm(n int, a, b, out *float32, lo, hi float32)
BINCLAMP(·clampAsm, VMAXPS)

// func hardSwishAsm(n int, x, out *float32)
// out[i] = x[i] * clamp(x[i]+3, 0, 6) * (1/6) for the first n&^7 floats.
TEXT ·hardSwishAsm(SB), NOSPLIT, $0-24
	MOVQ         n+0(FP), CX
	MOVQ         x+8(FP), SI
	MOVQ         out+16(FP), DI
	MOVL         $0x40400000, AX // 3.0
	MOVL         AX, X10
	VBROADCASTSS X10, Y10
	MOVL         $0x40C00000, AX // 6.0
	MOVL         AX, X11
	VBROADCASTSS X11, Y11
	MOVL         $0x3E2AAAAB, AX // 1/6
	MOVL         AX, X12
	VBROADCASTSS X12, Y12
	VXORPS       Y13, Y13, Y13
	SHRQ         $3, CX
	JEQ          hs_done

hs_loop:
	VMOVUPS (SI), Y0
	VADDPS  Y10, Y0, Y1
	VMAXPS  Y13, Y1, Y1
	VMINPS  Y11, Y1, Y1
	VMULPS  Y0, Y1, Y1
	VMULPS  Y12, Y1, Y1
	VMOVUPS Y1, (DI)
	ADDQ    $32, SI
	ADDQ    $32, DI
	DECQ    CX
	JNZ     hs_loop

hs_done:
	VZEROUPPER
	RET

#define BCAST(imm, reg) MOVL $imm, AX; MOVL AX, X3; VBROADCASTSS X3, reg

// func logisticAsm(n int, x, out *float32)
// out[i] = 1/(1+exp(-x[i])) for the first n&^7 floats, with exp by range
// reduction to |r| <= ln2/2 and its degree-7 Taylor polynomial (a few
// 1e-7 relative).
TEXT ·logisticAsm(SB), NOSPLIT, $0-24
	MOVQ n+0(FP), CX
	MOVQ x+8(FP), SI
	MOVQ out+16(FP), DI
	BCAST(0xC2AE0000, Y4)  // -87
	BCAST(0x42B00000, Y5)  // 88
	BCAST(0x3FB8AA3B, Y6)  // log2(e)
	BCAST(0x3F318000, Y7)  // ln2 high part
	BCAST(0xB95E8083, Y8)  // ln2 low part
	BCAST(0x3F800000, Y9)  // 1
	BCAST(0x39500D01, Y10) // 1/5040
	BCAST(0x3AB60B61, Y11) // 1/720
	BCAST(0x3C088889, Y12) // 1/120
	BCAST(0x3D2AAAAB, Y13) // 1/24
	BCAST(0x3E2AAAAB, Y14) // 1/6
	BCAST(0x3F000000, Y15) // 1/2
	SHRQ $3, CX
	JEQ  lg_done

lg_loop:
	VMOVUPS     (SI), Y0
	VXORPS      Y3, Y3, Y3
	VSUBPS      Y0, Y3, Y0 // -x
	VMAXPS      Y4, Y0, Y0
	VMINPS      Y5, Y0, Y0
	VMULPS      Y6, Y0, Y1
	VROUNDPS    $0, Y1, Y1 // k = round(x*log2e)
	VFNMADD231PS Y7, Y1, Y0 // r = x - k*ln2hi
	VFNMADD231PS Y8, Y1, Y0 // r -= k*ln2lo
	VMOVAPS     Y10, Y2
	VFMADD213PS Y11, Y0, Y2
	VFMADD213PS Y12, Y0, Y2
	VFMADD213PS Y13, Y0, Y2
	VFMADD213PS Y14, Y0, Y2
	VFMADD213PS Y15, Y0, Y2
	VFMADD213PS Y9, Y0, Y2
	VFMADD213PS Y9, Y0, Y2 // p = e^r
	VCVTPS2DQ   Y1, Y1
	MOVL        $127, AX
	MOVL        AX, X3
	VPBROADCASTD X3, Y3
	VPADDD      Y3, Y1, Y1
	VPSLLD      $23, Y1, Y1 // 2^k
	VMULPS      Y1, Y2, Y2 // e^-x
	VADDPS      Y9, Y2, Y2
	VDIVPS      Y2, Y9, Y2 // 1/(1+e^-x)
	VMOVUPS     Y2, (DI)
	ADDQ        $32, SI
	ADDQ        $32, DI
	DECQ        CX
	JNZ         lg_loop

lg_done:
	VZEROUPPER
	RET

// func bilerpRowAsm(c, npix int, r0, r1 *float32, offs *int, fx *float32, fy float32, out *float32)
// One output row of a bilinear resize, c (a positive multiple of 8)
// channels per pixel: for output pixel p, with lo = offs[2p], hi =
// offs[2p+1] (element offsets into the input rows r0 and r1):
// top = r0[lo] + (r0[hi]-r0[lo])*fx[p], bottom likewise from r1,
// out = top + (bottom-top)*fy.
TEXT ·bilerpRowAsm(SB), NOSPLIT, $0-64
	MOVQ         c+0(FP), BX
	SHLQ         $2, BX
	MOVQ         npix+8(FP), CX
	MOVQ         r0+16(FP), SI
	MOVQ         r1+24(FP), DX
	MOVQ         offs+32(FP), R8
	MOVQ         fx+40(FP), R9
	VBROADCASTSS fy+48(FP), Y15
	MOVQ         out+56(FP), DI
	TESTQ        CX, CX
	JEQ          bdone

bpix:
	VBROADCASTSS (R9), Y14
	MOVQ         (R8), R10
	SHLQ         $2, R10
	MOVQ         8(R8), R11
	SHLQ         $2, R11
	LEAQ         (DX)(R10*1), R12
	LEAQ         (DX)(R11*1), R13
	ADDQ         SI, R10
	ADDQ         SI, R11
	XORQ         AX, AX

bchunk:
	VMOVUPS     (R10)(AX*1), Y0
	VMOVUPS     (R11)(AX*1), Y1
	VMOVUPS     (R12)(AX*1), Y2
	VMOVUPS     (R13)(AX*1), Y3
	VSUBPS      Y0, Y1, Y1
	VFMADD231PS Y14, Y1, Y0
	VSUBPS      Y2, Y3, Y3
	VFMADD231PS Y14, Y3, Y2
	VSUBPS      Y0, Y2, Y2
	VFMADD231PS Y15, Y2, Y0
	VMOVUPS     Y0, (DI)(AX*1)
	ADDQ        $32, AX
	CMPQ        AX, BX
	JLT         bchunk
	ADDQ        BX, DI
	ADDQ        $16, R8
	ADDQ        $4, R9
	DECQ        CX
	JNZ         bpix

bdone:
	VZEROUPPER
	RET
