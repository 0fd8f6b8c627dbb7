//go:build amd64 && !purego

package cpu

import "golang.org/x/sys/cpu"

// useQPoolAsm selects qmaxRunAsm (AVX2) for the int8 MAX_POOL_2D.
var useQPoolAsm = cpu.X86.HasAVX2

// qmaxRunAsm is qmaxRun's loop, sixteen channels a step (the last step
// overlapping the one before when c is not a multiple of 16).
//
//go:noescape
func qmaxRunAsm(n, c, kw, kh, step, rs int, in, out *int8, lo, hi int32)
