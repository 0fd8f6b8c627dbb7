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

func i8RequantAVX2(n int, acc, bias, mult, shift *int32, out *int8, zero, lo, hi int32) {
	panic("unreachable: i8RequantAVX2 without assembly")
}

func i8DWPixelAVX2(c8, ntaps int, offs *int, x *int16, w *int32, wstride int, acc *int32) {
	panic("unreachable: i8DWPixelAVX2 without assembly")
}
