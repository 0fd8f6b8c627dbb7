//go:build !amd64 || purego

package cpu

// Without assembly the int8 kernels run in Go.
var i8ISA = i8Go

func i8TileVNNI(kg, ntaps int, offs *int, a0, a1, a2, a3 *byte, w *byte, acc *int32) {
	panic("unreachable: i8TileVNNI without assembly")
}

func i8TileAVX2(kpairs, ntaps int, offs *int, a0, a1, a2, a3 *byte, w *byte, acc *int32) {
	panic("unreachable: i8TileAVX2 without assembly")
}

func i8RequantAVX2(npix, n int, acc *int32, accStride int, bias, mult, shift *int32, out *int8, outStride int, zero, lo, hi int32) {
	panic("unreachable: i8RequantAVX2 without assembly")
}

func i8RequantAVX512(npix, n int, acc *int32, accStride int, bias, mult, shift *int32, out *int8, outStride int, zero, lo, hi int32) {
	panic("unreachable: i8RequantAVX512 without assembly")
}

func i8DWRowAVX512(npix, c16, ntaps int, offs *int, x *int8, xstep int, w *int32, wstride int, acc *int32) {
	panic("unreachable: i8DWRowAVX512 without assembly")
}

func i8DWRowAVX2(npix, c8, ntaps int, offs *int, x *int8, xstep int, w *int32, wstride int, acc *int32) {
	panic("unreachable: i8DWRowAVX2 without assembly")
}
