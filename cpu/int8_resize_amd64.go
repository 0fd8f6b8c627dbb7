//go:build amd64 && !purego

package cpu

import "golang.org/x/sys/cpu"

// useResizeAsm selects the AVX2 passes of the int8 bilinear resize.
var useResizeAsm = cpu.X86.HasAVX2

// resizeHAsm is resizeH for c a multiple of 8.
//
//go:noescape
func resizeHAsm(c, ow int, src *int8, xs *lerp32, dst *int32)

// resizeVAsm is resizeV for n a multiple of 8.
//
//go:noescape
func resizeVAsm(n int, top, bot *int32, fy int32, out *int8)

// useResizeAVX512 selects resizeVAVX512 for the vertical pass.
var useResizeAVX512 = cpu.X86.HasAVX512F && cpu.X86.HasAVX512BW

// resizeVAVX512 is resizeV for n a multiple of 32.
//
//go:noescape
func resizeVAVX512(n int, top, bot *int32, fy int32, out *int8)
