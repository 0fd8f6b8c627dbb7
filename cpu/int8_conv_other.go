//go:build !amd64 || purego

package cpu

import "unsafe"

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

func f32MinMaxAVX2(n int, x *float32) (lo, hi float32) {
	panic("unreachable: f32MinMaxAVX2 without assembly")
}

func hybridQuantAVX2(n int, x *float32, q *int8, inv, zero, lo, hi float32) {
	panic("unreachable: hybridQuantAVX2 without assembly")
}

func hybridEpiAVX2(npix, n int, acc *int32, accStride int, wsum *int32, corr int32, s1 *float32, s2 float32, bias *float32, out *float32, outStride int, lo, hi float32) {
	panic("unreachable: hybridEpiAVX2 without assembly")
}

func i8TilesVNNI16(ntiles, k, ntaps int, offs *int, buf *byte, bases *int, w *byte, acc *int32) {
	panic("unreachable: i8TilesVNNI16 without assembly")
}

func i8RequantF32AVX2(npix, n int, acc *int32, accStride int, params *int32, pstride int, out *int8, outStride int, zero, lo, hi int32) {
	panic("unreachable: i8RequantF32AVX2 without assembly")
}

func i8RequantF32AVX512(npix, n int, acc *int32, accStride int, params *int32, pstride int, out *int8, outStride int, zero, lo, hi int32) {
	panic("unreachable: i8RequantF32AVX512 without assembly")
}

func i8DWExpandVNNI(npix, n32, cp int, src *byte, sstep int, dst *byte, dstep int) {
	panic("unreachable: i8DWExpandVNNI without assembly")
}

func i8DWK3VNNI(n int, r0, r1, r2 *byte, xstep int, w *byte, acc *int32, astep int) {
	panic("unreachable: i8DWK3VNNI without assembly")
}

func i8DWKVNNI(n, kh, ng int, rows *[8]*byte, off, gstep, xstep int, w *byte, acc *int32, astep int) {
	panic("unreachable: i8DWKVNNI without assembly")
}

func i8ConvRowVNNI16(n int, x *byte, xstep int, k, ntaps int, offs *int, w *byte, bias *int32, scale *float32, out *int8, ostep int, mask int, zero int32, lo, hi float32) {
	panic("unreachable: i8ConvRowVNNI16 without assembly")
}

func i8ConvRowVNNI32(n int, x *byte, xstep int, k, ntaps int, offs *int, w *byte, bias *int32, scale *float32, out *int8, ostep int, mask int, zero int32, lo, hi float32) {
	panic("unreachable: i8ConvRowVNNI32 without assembly")
}

func i8XorCopyAVX512(n64 int, src, dst unsafe.Pointer) {
	panic("unreachable: i8XorCopyAVX512 without assembly")
}

func i8DWK3VNNIQ(n int, r0, r1, r2 *byte, xstep int, w *byte, bias *int32, scale *float32, out *int8, ostep int, mask int, zero int32, lo, hi float32) {
	panic("unreachable: i8DWK3VNNIQ without assembly")
}

func i8DWKVNNIQ(n, kh, ng int, rows *[8]*byte, off, gstep, xstep int, w *byte, bias *int32, scale *float32, out *int8, ostep int, mask int, zero int32, lo, hi float32) {
	panic("unreachable: i8DWKVNNIQ without assembly")
}

func i8DWK5VNNIQ(n int, rows *[8]*byte, off, gstep, xstep int, w *byte, bias *int32, scale *float32, out *int8, ostep int, mask int, zero int32, lo, hi float32) {
	panic("unreachable: i8DWK5VNNIQ without assembly")
}

func i8Conv1TransposeK8(n16 int, src *byte, dst *byte, gst int) {
	panic("unreachable: i8Conv1TransposeK8 without assembly")
}

func i8Conv1VNNI(n, ntaps, ng int, toffs *int, gst int, x *byte, w *int32, bias int32, scale float32, out *int8, zero int32, lo, hi float32) {
	panic("unreachable: i8Conv1VNNI without assembly")
}

func i8Pix3To4AVX512(n16 int, src, dst unsafe.Pointer) {
	panic("unreachable: i8Pix3To4AVX512 without assembly")
}

func i8ConvRowVNNIH16(n int, x *byte, xstep int, k, ntaps int, offs *int, w *byte, wsum *int32, s1 *float32, out *float32, ostep int, bias *float32, mask int, corr int32, s2, lo, hi float32) {
	panic("unreachable: i8ConvRowVNNIH16 without assembly")
}

func i8ConvRowVNNIH32(n int, x *byte, xstep int, k, ntaps int, offs *int, w *byte, wsum *int32, s1 *float32, out *float32, ostep int, bias *float32, mask int, corr int32, s2, lo, hi float32) {
	panic("unreachable: i8ConvRowVNNIH32 without assembly")
}

func i8DWK3VNNIH(n int, r0, r1, r2 *byte, xstep int, w *byte, wsum *int32, s1 *float32, out *float32, ostep int, bias *float32, mask int, corr int32, s2, lo, hi float32) {
	panic("unreachable: i8DWK3VNNIH without assembly")
}

func i8DWKVNNIH(n, kh, ng int, rows *[8]*byte, off, gstep, xstep int, w *byte, wsum *int32, s1 *float32, out *float32, ostep int, bias *float32, mask int, corr int32, s2, lo, hi float32) {
	panic("unreachable: i8DWKVNNIH without assembly")
}

func i8DWK5VNNIH(n int, rows *[8]*byte, off, gstep, xstep int, w *byte, wsum *int32, s1 *float32, out *float32, ostep int, bias *float32, mask int, corr int32, s2, lo, hi float32) {
	panic("unreachable: i8DWK5VNNIH without assembly")
}

func hybridQuantAVX512(n int, x *float32, q *int8, inv, zero, lo, hi float32) {
	panic("unreachable: hybridQuantAVX512 without assembly")
}
