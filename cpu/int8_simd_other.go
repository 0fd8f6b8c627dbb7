//go:build !amd64 || purego

package cpu

// Without assembly the Go loops of int8_simd.go run.
const (
	useLUT8Asm      = false
	useQuantF32Asm  = false
	useAddSubAsm    = false
	useAddSubAVX512 = false
)

func lut8VBMIAsm(n int, t, in, out *byte) { panic("unreachable: lut8VBMIAsm without assembly") }

func quantF32Asm(n int, x *float32, out *byte, inv, flo, fhi float32, zp int32, unsigned int) {
	panic("unreachable: quantF32Asm without assembly")
}

func addSubAsm(n int, p *addSubVec, a, b, out *byte) {
	panic("unreachable: addSubAsm without assembly")
}

func addSubAVX512(n int, p *addSubVec, a, b, out *byte) {
	panic("unreachable: addSubAVX512 without assembly")
}

func mulAVX512(n int, p *mulVec, a, b, out *byte) { panic("unreachable: mulAVX512 without assembly") }

func addLinAVX512(n int, l *addLin, a, b, out *byte) {
	panic("unreachable: addLinAVX512 without assembly")
}

func addLinAVX2(n int, l *addLin, a, b, out *byte) {
	panic("unreachable: addLinAVX2 without assembly")
}

func addLin64AVX512(n int, l *addLin, a, b, out *byte) {
	panic("unreachable: addLin64AVX512 without assembly")
}

func dequantI8Asm(n int, in *int8, out *float32, zp int32, scale float32) {
	panic("unreachable: dequantI8Asm without assembly")
}

func addLinFixAVX512(n int, l *addLin, a, b, out *byte) {
	panic("unreachable: addLinFixAVX512 without assembly")
}
