//go:build !amd64 || purego

package cpu

// Without assembly sumCols runs its Go loop.
const useSumColsAsm = false

func sumColsAsm(rows, c int, in *int8, acc *int32) {
	panic("unreachable: sumColsAsm without assembly")
}
