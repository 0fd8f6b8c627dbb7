//go:build amd64 && !purego

package cpu

import "golang.org/x/sys/cpu"

// useTconv2x2Asm selects tconv2x2 (AVX-512 masked broadcasts).
var useTconv2x2Asm = cpu.X86.HasAVX512F

// tconv2x2Asm computes n groups of four input pixels of inC channels at
// in: both output rows of each (out, and out + ldo bytes), eight floats
// a row per group.
//
//go:noescape
func tconv2x2Asm(n, inC int, in, wp *float32, bias float32, out *float32, ldo int)
