//go:build !amd64 || purego

package cpu

// Without assembly the Go microkernels run.
const useAsm = false

const asmISA = "go"

func tile4x16Asm(k int, a0, a1, a2, a3, b, c *float32) { tile4x16Go(k, a0, a1, a2, a3, b, c) }
func tile1x16Asm(k int, a, b, c *float32)              { tile1x16Go(k, a, b, c) }
func axpyAsm(n int, x, w, y *float32)                  { axpyGo(n, x, w, y) }

func convTile4Asm(k, ntaps int, offs *int, a0, a1, a2, a3, b, bias, out *float32, ldo int, lo, hi float32) {
	panic("unreachable: convTile4Asm without assembly")
}

func dwRowAsm(c8, npix int, x *float32, xstep int, offs *int, ntaps int, w *float32, wstride int, bias, y *float32, ystride int, lo, hi float32) {
	panic("unreachable: dwRowAsm without assembly")
}

func addClampAsm(n int, a, b, out *float32, lo, hi float32) { panic("unreachable") }
func subClampAsm(n int, a, b, out *float32, lo, hi float32) { panic("unreachable") }
func mulClampAsm(n int, a, b, out *float32, lo, hi float32) { panic("unreachable") }
func clampAsm(n int, a, b, out *float32, lo, hi float32)    { panic("unreachable") }

func hardSwishAsm(n int, x, out *float32) { panic("unreachable") }

func logisticAsm(n int, x, out *float32) { panic("unreachable") }

func bilerpRowAsm(c, npix int, r0, r1 *float32, offs *int, fx *float32, fy float32, out *float32) {
	panic("unreachable: bilerpRowAsm without assembly")
}
