//go:build !amd64 || purego

package cpu

// Without assembly the Go loops of int8_simd.go run.
const (
	useLUT8Asm     = false
	useQuantF32Asm = false
)

func lut8VBMIAsm(n int, t, in, out *byte) { panic("unreachable: lut8VBMIAsm without assembly") }

func quantF32Asm(n int, x *float32, out *byte, inv, flo, fhi float32, zp int32, unsigned int) {
	panic("unreachable: quantF32Asm without assembly")
}
