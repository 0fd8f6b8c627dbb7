//go:build amd64 && !purego

package cpu

import "golang.org/x/sys/cpu"

// useLUT8Asm selects the AVX-512 VBMI 256-entry byte table lookup
// (VPERMI2B over the table in four registers).
var useLUT8Asm = cpu.X86.HasAVX512F && cpu.X86.HasAVX512BW && cpu.X86.HasAVX512VBMI

// useQuantF32Asm selects the AVX2 float32 → 8-bit QUANTIZE.
var useQuantF32Asm = cpu.X86.HasAVX2

// lut8VBMIAsm writes t[in[i]] to out[i] for i < n, n a multiple of 64.
//
//go:noescape
func lut8VBMIAsm(n int, t, in, out *byte)

// quantF32Asm is quantizeF32's loop for n a multiple of 16; unsigned is 0
// for INT8 output, 1 for UINT8.
//
//go:noescape
func quantF32Asm(n int, x *float32, out *byte, inv, flo, fhi float32, zp int32, unsigned int)

// useAddSubAsm selects the AVX2 int8/uint8 ADD and SUB.
var useAddSubAsm = cpu.X86.HasAVX2

// addSubAsm computes n elements (n a multiple of 8) of an ADD or SUB
// with TFLite's fixed-point arithmetic, parameters in p.
//
//go:noescape
func addSubAsm(n int, p *addSubVec, a, b, out *byte)

// useAddSubAVX512 selects addSubAVX512 over addSubAsm.
var useAddSubAVX512 = cpu.X86.HasAVX512F && cpu.X86.HasAVX512BW

// addSubAVX512 is addSubAsm sixteen lanes at a time, n a multiple of 16.
//
//go:noescape
func addSubAVX512(n int, p *addSubVec, a, b, out *byte)

// mulAVX512 is XNNPACK's int8/uint8 MUL for n a multiple of 16.
//
//go:noescape
func mulAVX512(n int, p *mulVec, a, b, out *byte)

// addLinAVX512 evaluates the linear form l of an INT8 ADD or SUB sixteen
// elements a step, n a multiple of 16.
//
//go:noescape
func addLinAVX512(n int, l *addLin, a, b, out *byte)

// addLinAVX2 is addLinAVX512 eight elements a step, n a multiple of 8.
//
//go:noescape
func addLinAVX2(n int, l *addLin, a, b, out *byte)

// addLin64AVX512 evaluates the wide linear form l of an INT8 ADD or SUB
// sixteen elements a step, n a multiple of 16.
//
//go:noescape
func addLin64AVX512(n int, l *addLin, a, b, out *byte)

// dequantI8Asm is dequantizeI8's loop for n a multiple of 8 (AVX2).
//
//go:noescape
func dequantI8Asm(n int, in *int8, out *float32, zp int32, scale float32)

// addLinFixAVX512 evaluates the narrow linear form l with its fixed pairs
// sixteen elements a step, n a multiple of 16.
//
//go:noescape
func addLinFixAVX512(n int, l *addLin, a, b, out *byte)
