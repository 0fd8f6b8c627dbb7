//go:build !amd64 || purego

package cpu

// Without assembly every MAX_POOL_2D pixel runs qpoolRows' Go loop.
const useQPoolAsm = false

func qmaxRunAsm(n, c, kw, kh, step, rs int, in, out *int8, lo, hi int32) {
	panic("unreachable: qmaxRunAsm without assembly")
}
