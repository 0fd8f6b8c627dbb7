//go:build amd64 && !purego

package cpu

import (
	"unsafe"

	"golang.org/x/sys/cpu"
)

// i8ISA is the instruction set the int8 kernels use: AVX-512 VNNI where
// present, else AVX2, else Go.
var i8ISA = func() int {
	switch {
	case cpu.X86.HasAVX512F && cpu.X86.HasAVX512BW && cpu.X86.HasAVX512VNNI:
		return i8VNNI
	case cpu.X86.HasAVX2:
		return i8AVX2
	}
	return i8Go
}()

// i8TilesVNNI computes, for ntiles tiles of 4 pixels (byte offsets bases
// in buf, 4 per tile), acc[tile][4][32] (int32) = Σ over ntaps taps (byte
// offsets offs) and k groups of 4 input channels of uint8 activations ×
// int8 weights w (packed [tap][k][32][4]).
//
//go:noescape
func i8TilesVNNI(ntiles, k, ntaps int, offs *int, buf *byte, bases *int, w *byte, acc *int32)

// i8TilesVNNI16 is i8TilesVNNI for blocks of 16 channels (acc[tile][4][16],
// w packed [tap][k][16][4]).
//
//go:noescape
func i8TilesVNNI16(ntiles, k, ntaps int, offs *int, buf *byte, bases *int, w *byte, acc *int32)

// i8TilesAVX2 computes, for ntiles tiles of 4 pixels (byte offsets bases
// in buf, 4 per tile), acc[tile][4][16] (int32) = Σ over ntaps taps (byte
// offsets offs) and k pairs of input channels of int16 activations × int16
// weights w (packed [tap][k][16][2]).
//
//go:noescape
func i8TilesAVX2(ntiles, k, ntaps int, offs *int, buf *byte, bases *int, w *byte, acc *int32)

// i8RequantAVX2 writes out[p×outStride+i] =
// clamp(MultiplyByQuantizedMultiplier(acc[p×accStride+i] + bias[i],
// mult[i], shift[i]) + zero, lo, hi) for p < npix and i < n, n a multiple
// of 8, with TFLite's reference rounding; params are the arrays of
// i8Params (bias, mult, left and right shifts, mask, threshold) pstride
// bytes apart.
//
//go:noescape
func i8RequantAVX2(npix, n int, acc *int32, accStride int, params *int32, pstride int, out *int8, outStride int, zero, lo, hi int32)

// i8RequantAVX512 is i8RequantAVX2 for n a multiple of 16 (AVX-512).
//
//go:noescape
func i8RequantAVX512(npix, n int, acc *int32, accStride int, params *int32, pstride int, out *int8, outStride int, zero, lo, hi int32)

// i8DWRowAVX512 computes, for npix pixels xstep bytes apart from x,
// acc[p][16g+j] = Σ_t int8 x[p×xstep + off_t + 16g+j] × w[t][16g+j] for
// g < c16 over ntaps taps (byte offsets offs; w rows wstride bytes apart;
// each w lane is the int16 weight zero-extended, for VPMADDWD).
//
//go:noescape
func i8DWRowAVX512(npix, c16, ntaps int, offs *int, x *int8, xstep int, w *int32, wstride int, acc *int32)

// i8DWRowAVX2 is i8DWRowAVX512 on c8 groups of 8 channels (AVX2).
//
//go:noescape
func i8DWRowAVX2(npix, c8, ntaps int, offs *int, x *int8, xstep int, w *int32, wstride int, acc *int32)

// f32MinMaxAVX2 returns the smallest and largest of x[:n], n a positive
// multiple of 8 (VMINPS/VMAXPS: a NaN is not propagated).
//
//go:noescape
func f32MinMaxAVX2(n int, x *float32) (lo, hi float32)

// hybridQuantAVX2 writes q[i] = int8.QuantizeValue(x[i], inv, zero, lo,
// hi) for i < n, n a multiple of 8 (zero, lo and hi as float32).
//
//go:noescape
func hybridQuantAVX2(n int, x *float32, q *int8, inv, zero, lo, hi float32)

// hybridEpiAVX2 writes out[p×outStride+i] = clamp(float32(acc[p×accStride+i]
// - corr×wsum[i]) × s1[i] × s2 + bias[i], lo, hi) for p < npix, i < n (a
// multiple of 8), as hybridEpi.value does; bias may be nil.
//
//go:noescape
func hybridEpiAVX2(npix, n int, acc *int32, accStride int, wsum *int32, corr int32, s1 *float32, s2 float32, bias *float32, out *float32, outStride int, lo, hi float32)

// i8RequantF32AVX2 is i8RequantAVX2 with XNNPACK's requantization:
// round half to even(clamp(float32(acc + bias) × scale, lo - zero, hi -
// zero)) + zero, scale (float32 bits) being i8Params' seventh array.
//
//go:noescape
func i8RequantF32AVX2(npix, n int, acc *int32, accStride int, params *int32, pstride int, out *int8, outStride int, zero, lo, hi int32)

// i8RequantF32AVX512 is i8RequantF32AVX2 for n a multiple of 16.
//
//go:noescape
func i8RequantF32AVX512(npix, n int, acc *int32, accStride int, params *int32, pstride int, out *int8, outStride int, zero, lo, hi int32)

// i8DWExpandVNNI writes, for npix pixels (src sstep bytes apart, dst
// dstep bytes apart), 32×n32 expanded lanes dst[l][j] = src[l + j×cp] XOR
// 0x80 (j < 4): the rows of the VNNI depthwise convolution's E (stride 1:
// one "pixel" of all the row's lanes; stride 2: per pixel). A pixel's
// last 32 lanes may go past dstep bytes.
//
//go:noescape
func i8DWExpandVNNI(npix, n32, cp int, src *byte, sstep int, dst *byte, dstep int)

// i8DWK3VNNI computes, for n pixels xstep bytes apart, 16 lanes each,
// acc[p×astep/4 + i] = Σ_k Σ_j r_k[p×xstep + 4i + j] (uint8) × w[k][i][j]
// (int8, w packed [3][16][4]): the 3x3 VNNI depthwise kernel.
//
//go:noescape
func i8DWK3VNNI(n int, r0, r1, r2 *byte, xstep int, w *byte, acc *int32, astep int)

// i8DWKVNNI is i8DWK3VNNI for kh rows (pointers rows[k] + off) of ng
// groups of 4 taps gstep bytes apart (w packed [kh×ng][16][4]).
//
//go:noescape
func i8DWKVNNI(n, kh, ng int, rows *[8]*byte, off, gstep, xstep int, w *byte, acc *int32, astep int)

// i8ConvRowVNNI16 computes n output pixels (inputs xstep bytes apart from
// x, taps at byte offsets offs, k groups of 4 channels each) of one block
// of 16 channels (weights w packed as for i8TilesVNNI16) and requantizes
// them as i8RequantF32AVX512 does with the block's corrected bias and
// float32 scale, lo and hi (less the zero point) as float32: it writes the
// channels set in mask of out[p×ostep ...].
//
//go:noescape
func i8ConvRowVNNI16(n int, x *byte, xstep int, k, ntaps int, offs *int, w *byte, bias *int32, scale *float32, out *int8, ostep int, mask int, zero int32, lo, hi float32)

// i8ConvRowVNNI32 is i8ConvRowVNNI16 for blocks of 32 channels (weights
// packed as for i8TilesVNNI; mask has 32 bits).
//
//go:noescape
func i8ConvRowVNNI32(n int, x *byte, xstep int, k, ntaps int, offs *int, w *byte, bias *int32, scale *float32, out *int8, ostep int, mask int, zero int32, lo, hi float32)

// i8XorCopyAVX512 writes dst[i] = src[i] XOR 0x80 for i < 64×n64.
//
//go:noescape
func i8XorCopyAVX512(n64 int, src, dst unsafe.Pointer)

// i8DWK3VNNIQ is i8DWK3VNNI followed by the requantization of
// i8ConvRowVNNI16 (bias and scale of the 16 lanes; the lanes set in mask
// of out[p×ostep ...] are written).
//
//go:noescape
func i8DWK3VNNIQ(n int, r0, r1, r2 *byte, xstep int, w *byte, bias *int32, scale *float32, out *int8, ostep int, mask int, zero int32, lo, hi float32)

// i8DWKVNNIQ is i8DWKVNNI followed by the requantization of
// i8DWK3VNNIQ.
//
//go:noescape
func i8DWKVNNIQ(n, kh, ng int, rows *[8]*byte, off, gstep, xstep int, w *byte, bias *int32, scale *float32, out *int8, ostep int, mask int, zero int32, lo, hi float32)

// i8DWK5VNNIQ is i8DWKVNNIQ for kh = 5 and ng = 2.
//
//go:noescape
func i8DWK5VNNIQ(n int, rows *[8]*byte, off, gstep, xstep int, w *byte, bias *int32, scale *float32, out *int8, ostep int, mask int, zero int32, lo, hi float32)

// i8Conv1TransposeK8 writes, for 16×n16 pixels of 8 bytes at src,
// dst[x] = their bytes 0-3 and dst[gst + x] = their bytes 4-7 (4 bytes
// each).
//
//go:noescape
func i8Conv1TransposeK8(n16 int, src *byte, dst *byte, gst int)

// i8Conv1VNNI computes n output pixels of a convolution with one output
// channel: for pixel p, acc = Σ_t Σ_q Σ_j x[toffs[t] + q×gst + 4p + j]
// (uint8) × byte j of w[t×ng + q] (int8), requantized as
// i8ConvRowVNNI16 does with bias and scale, into out[p].
//
//go:noescape
func i8Conv1VNNI(n, ntaps, ng int, toffs *int, gst int, x *byte, w *int32, bias int32, scale float32, out *int8, zero int32, lo, hi float32)

// i8Pix3To4AVX512 writes 16×n16 pixels of 4 bytes dst[4p+j] = src[3p+j]
// XOR 0x80 (j < 3; byte 3 is 0x80) from pixels of 3 bytes.
//
//go:noescape
func i8Pix3To4AVX512(n16 int, src, dst unsafe.Pointer)

// i8ConvRowVNNIH16 is i8ConvRowVNNI16 with the hybrid epilogue
// (hybridEpiAVX2's arithmetic, on float32 outputs ostep bytes apart): out
// = clamp(float(acc - corr×wsum) × s1 × s2 + bias, lo, hi); bias holds
// -0 where the op has none (adding it changes nothing).
//
//go:noescape
func i8ConvRowVNNIH16(n int, x *byte, xstep int, k, ntaps int, offs *int, w *byte, wsum *int32, s1 *float32, out *float32, ostep int, bias *float32, mask int, corr int32, s2, lo, hi float32)

// i8ConvRowVNNIH32 is i8ConvRowVNNIH16 for blocks of 32 channels.
//
//go:noescape
func i8ConvRowVNNIH32(n int, x *byte, xstep int, k, ntaps int, offs *int, w *byte, wsum *int32, s1 *float32, out *float32, ostep int, bias *float32, mask int, corr int32, s2, lo, hi float32)

// i8DWK3VNNIH is i8DWK3VNNI followed by the hybrid epilogue of
// i8ConvRowVNNIH16 (16 lanes: Σw, s1 and bias vectors; float32 outputs
// ostep bytes apart, the lanes set in mask written).
//
//go:noescape
func i8DWK3VNNIH(n int, r0, r1, r2 *byte, xstep int, w *byte, wsum *int32, s1 *float32, out *float32, ostep int, bias *float32, mask int, corr int32, s2, lo, hi float32)

// i8DWKVNNIH is i8DWKVNNI followed by the hybrid epilogue of
// i8DWK3VNNIH.
//
//go:noescape
func i8DWKVNNIH(n, kh, ng int, rows *[8]*byte, off, gstep, xstep int, w *byte, wsum *int32, s1 *float32, out *float32, ostep int, bias *float32, mask int, corr int32, s2, lo, hi float32)

// i8DWK5VNNIH is i8DWKVNNIH for kh = 5 and ng = 2.
//
//go:noescape
func i8DWK5VNNIH(n int, rows *[8]*byte, off, gstep, xstep int, w *byte, wsum *int32, s1 *float32, out *float32, ostep int, bias *float32, mask int, corr int32, s2, lo, hi float32)

// hybridQuantAVX512 is hybridQuantAVX2 for n a multiple of 16 (AVX-512).
//
//go:noescape
func hybridQuantAVX512(n int, x *float32, q *int8, inv, zero, lo, hi float32)
