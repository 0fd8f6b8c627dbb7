//go:build amd64 && !purego

package cpu

import "golang.org/x/sys/cpu"

// useSumColsAsm selects sumColsAsm (AVX2) for the int8 MEAN and SUM.
var useSumColsAsm = cpu.X86.HasAVX2

// sumColsAsm is sumCols for c a multiple of 8 and rows > 0.
//
//go:noescape
func sumColsAsm(rows, c int, in *int8, acc *int32)
