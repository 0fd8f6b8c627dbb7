//go:build !amd64 || purego

package cpu

// Without assembly the int8 kernels run in Go.
var i8ISA = i8Go

func i8TilesVNNI(ntiles, k, ntaps int, offs *int, buf *byte, bases *int, w *byte, acc *int32) {
	panic("unreachable: i8TilesVNNI without assembly")
}

func i8TilesAVX2(ntiles, k, ntaps int, offs *int, buf *byte, bases *int, w *byte, acc *int32) {
	panic("unreachable: i8TilesAVX2 without assembly")
}

func i8RequantAVX2(npix, n int, acc *int32, accStride int, params *int32, pstride int, out *int8, outStride int, zero, lo, hi int32) {
	panic("unreachable: i8RequantAVX2 without assembly")
}

func i8RequantAVX512(npix, n int, acc *int32, accStride int, params *int32, pstride int, out *int8, outStride int, zero, lo, hi int32) {
	panic("unreachable: i8RequantAVX512 without assembly")
}

func i8DWRowAVX512(npix, c16, ntaps int, offs *int, x *int8, xstep int, w *int32, wstride int, acc *int32) {
	panic("unreachable: i8DWRowAVX512 without assembly")
}

func i8DWRowAVX2(npix, c8, ntaps int, offs *int, x *int8, xstep int, w *int32, wstride int, acc *int32) {
	panic("unreachable: i8DWRowAVX2 without assembly")
}
