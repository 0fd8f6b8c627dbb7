//go:build amd64 && !purego

package cpu

import "golang.org/x/sys/cpu"

// useAsm selects the AVX2+FMA microkernels.
var useAsm = cpu.X86.HasAVX2 && cpu.X86.HasFMA

const asmISA = "avx2+fma"

//go:noescape
func tile4x16Asm(k int, a0, a1, a2, a3, b, c *float32)

//go:noescape
func tile1x16Asm(k int, a, b, c *float32)

//go:noescape
func axpyAsm(n int, x, w, y *float32)

//go:noescape
func convTile4Asm(k, ntaps int, offs *int, a0, a1, a2, a3, b, bias, out *float32, ldo int, lo, hi float32)

//go:noescape
func dwRowAsm(c8, npix int, x *float32, xstep int, offs *int, ntaps int, w *float32, wstride int, bias, y *float32, ystride int, lo, hi float32)

//go:noescape
func addClampAsm(n int, a, b, out *float32, lo, hi float32)

//go:noescape
func subClampAsm(n int, a, b, out *float32, lo, hi float32)

//go:noescape
func mulClampAsm(n int, a, b, out *float32, lo, hi float32)

//go:noescape
func clampAsm(n int, a, b, out *float32, lo, hi float32)

//go:noescape
func hardSwishAsm(n int, x, out *float32)

//go:noescape
func logisticAsm(n int, x, out *float32)

//go:noescape
func bilerpRowAsm(c, npix int, r0, r1 *float32, offs *int, fx *float32, fy float32, out *float32)
