package cpu

import "unsafe"

// The fused int8 convolution (AVX-512 VNNI, XNNPACK's requantization, not
// hybrid): one call per output row and channel block accumulates tiles of
// 4 pixels in registers (as i8TilesVNNI does), requantizes them there and
// stores the int8 outputs, instead of writing int32 accumulators that a
// separate epilogue reads back; the rows are what the pool splits.

// fusedOK reports whether e can run fused with requantization r.
func (e *i8Conv) fusedOK(r *i8Requant) bool {
	return e.isa == i8VNNI && r.xnn && !e.epi.hybrid
}

// runFused computes the convolution of the padded buffer into the int8
// output.
func (e *i8Conv) runFused(pl *pool) {
	g := e.g
	rows := g.batch * g.outH
	cost := g.outW * e.nblk * e.nb * len(e.offs) * e.kp
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
