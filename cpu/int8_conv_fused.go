package cpu

import (
	"math"
	"unsafe"
)

// The fused int8 convolution (AVX-512 VNNI, XNNPACK's requantization, not
// hybrid): one call per output row and channel block accumulates tiles of
// 4 pixels in registers (as i8TilesVNNI does), requantizes them there and
// stores the int8 outputs, instead of writing int32 accumulators that a
// separate epilogue reads back; the rows are what the pool splits.

// fusedOK reports whether e can run fused with requantization r.
func (e *i8Conv) fusedOK(r *i8Requant) bool {
	return e.isa == i8VNNI && r.xnn && !e.epi.hybrid
}

// negZero is a row of -0 (float32): the bias of hybrid ops without one
// (x + -0 is x, -0 included).
var negZero = func() []float32 {
	v := make([]float32, 2048+64)
	for i := range v {
		v[i] = float32(math.Copysign(0, -1))
	}
	return v
}()

// batchParams returns what the fused kernels' hybrid epilogue takes for
// batch b of a kernel reading x + off: the correction corr = off + z_b,
// the per-channel and scalar factors s1 and s2, and the bias (-0 when
// none).
func (h *hybridEpi) batchParams(off int32, b int) (corr int32, s1 []float32, s2 float32, bias []float32) {
	corr, s1, s2, bias = off+h.zero[b], h.scale, h.sf[b], negZero
	if h.scaleFirst {
		s1, s2 = h.sfs[b*h.np:(b+1)*h.np], 1
	}
	if h.bias != nil {
		bias = h.biasPad
	}
	return corr, s1, s2, bias
}

// rowsHybridFused computes output rows [lo, hi) (over batch × height) of
// the hybrid convolution with the fused VNNI kernels and the hybrid
// epilogue.
func (e *i8Conv) rowsHybridFused(lo, hi int) {
	g, h := e.g, e.epi.hy
	ntaps := len(e.offs)
	rowB := e.pw * e.kp
	for row := lo; row < hi; row++ {
		n, oy := row/g.outH, row%g.outH
		b := row * g.outW / h.hw // the batch (of the quantization)
		x := &e.buf[(n*e.ph+oy*g.strideH)*rowB]
		corr, s1, s2, bias := h.batchParams(e.off, b)
		for blk := 0; blk < e.nblk; blk++ {
			c0 := blk * e.nb
			nc := min(e.nb, g.outC-c0)
			mask := 1<<uint(nc) - 1
			w := &e.w[blk*ntaps*e.kp*e.nb]
			out := &h.out[row*g.outW*g.outC+c0]
			if e.nb == 16 {
				i8ConvRowVNNIH16(g.outW, x, g.strideW*e.kp, e.kp/4, ntaps, &e.offs[0], w, &e.wsum[c0], &s1[c0], out, g.outC*4, &bias[c0], mask, corr, s2, h.lo, h.hi)
			} else {
				i8ConvRowVNNIH32(g.outW, x, g.strideW*e.kp, e.kp/4, ntaps, &e.offs[0], w, &e.wsum[c0], &s1[c0], out, g.outC*4, &bias[c0], mask, corr, s2, h.lo, h.hi)
			}
		}
	}
}

// runFused computes the convolution of the padded buffer into the int8
// output.
func (e *i8Conv) runFused(pl *pool) {
	g := e.g
	rows := g.batch * g.outH
	cost := g.outW * e.nblk * e.nb * len(e.offs) * e.kp
	if e.epi.hybrid {
		pl.run(rows, grainFor(cost/4), e.rowsHybridFused)
		return
	}
	pl.run(rows, grainFor(cost/4), e.rowsFused)
}

// rowsFused computes output rows [lo, hi) (over batch × height).
func (e *i8Conv) rowsFused(lo, hi int) {
	g, p := e.g, &e.epi
	r, pa, st := p.r, p.params.a, p.params.stride
	zero := r.outZero
	flo, fhi := float32(r.lo-zero), float32(r.hi-zero)
	rowB := e.pw * e.kp
	ntaps := len(e.offs)
	for row := lo; row < hi; row++ {
		n, oy := row/g.outH, row%g.outH
		x := &e.buf[(n*e.ph+oy*g.strideH)*rowB]
		for b := 0; b < e.nblk; b++ {
			c0 := b * e.nb
			nc := min(e.nb, g.outC-c0)
			mask := 1<<uint(nc) - 1
			w := &e.w[b*ntaps*e.kp*e.nb]
			out := &p.out8[row*g.outW*g.outC+c0]
			bias, scale := &pa[c0], (*float32)(unsafe.Pointer(&pa[6*st+c0]))
			if e.nb == 16 {
				i8ConvRowVNNI16(g.outW, x, g.strideW*e.kp, e.kp/4, ntaps, &e.offs[0], w, bias, scale, out, g.outC, mask, zero, flo, fhi)
			} else {
				i8ConvRowVNNI32(g.outW, x, g.strideW*e.kp, e.kp/4, ntaps, &e.offs[0], w, bias, scale, out, g.outC, mask, zero, flo, fhi)
			}
		}
	}
}
