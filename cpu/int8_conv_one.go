package cpu

import "unsafe"

// The int8 convolution with one output channel (AVX-512 VNNI, XNNPACK's
// requantization, horizontal stride 1, 4 or 8 input channels padded): a
// block of 16 or 32 channels would waste all lanes but one, so the lanes
// hold 16 output pixels instead. The padded input is transposed per row
// into T[y][q][x] (the 4 bytes of input channels 4q..4q+3 of pixel x;
// with 4 channels P itself), so that each tap and group of 4 channels is
// one load of 16 pixels and one VPDPBUSD with the tap's 4 weights
// broadcast.
type i8Conv1 struct {
	ng    int     // groups of 4 input channels
	gst   int     // bytes between the groups of a row of T
	rowT  int     // bytes per padded row of T
	toffs []int   // byte offsets in T of the taps
	w     []int32 // the weights, 4 bytes per tap and group
	t     []byte  // T (nil: the padded buffer)
}

// oneOK reports whether e (with requantization r) can take the
// one-channel path.
func (e *i8Conv) oneOK(r *i8Requant) bool {
	g := e.g
	return e.isa == i8VNNI && g.outC == 1 && g.groups == 1 && g.strideW == 1 && (e.kp == 4 || e.kp == 8) &&
		r.xnn && !e.epi.hybrid
}

// initOne sets up the one-channel path for filter [1, kH, kW, kC].
func (e *i8Conv) initOne(filter []int8) {
	g := e.g
	o := &i8Conv1{ng: e.kp / 4}
	if e.kp == 4 {
		o.rowT = e.pw * 4
	} else {
		o.gst = (e.pw + 32) * 4
		o.rowT = o.ng * o.gst
		o.t = alignedBytes(g.batch * e.ph * o.rowT)
	}
	for ky := 0; ky < g.kH; ky++ {
		for kx := 0; kx < g.kW; kx++ {
			o.toffs = append(o.toffs, ky*g.dilH*o.rowT+kx*g.dilW*4)
			for q := 0; q < o.ng; q++ {
				var v uint32
				for j := 0; j < 4; j++ {
					if k := 4*q + j; k < g.kC {
						v |= uint32(uint8(filter[(ky*g.kW+kx)*g.kC+k])) << (8 * j)
					}
				}
				o.w = append(o.w, int32(v))
			}
		}
	}
	// Room for the last vectors' reads past the rows.
	e.buf = alignedBytes(len(e.buf) + 256)[:len(e.buf)]
	e.one = o
}

// runOne computes the convolution from the padded buffer.
func (e *i8Conv) runOne(pl *pool) {
	g, o := e.g, e.one
	if o.t != nil {
		prow := e.pw * e.kp
		pl.run(g.batch*e.ph, grainFor(prow), func(lo, hi int) {
			for y := lo; y < hi; y++ {
				i8Conv1TransposeK8((e.pw+15)/16, &e.buf[y*prow], &o.t[y*o.rowT], o.gst)
			}
		})
	}
	t := o.t
	if t == nil {
		t = e.buf[:cap(e.buf)]
	}
	r := e.epi.r
	flo, fhi := float32(r.lo-r.outZero), float32(r.hi-r.outZero)
	bias, scale := e.epi.params.bias(0), r.fscale[0]
	pl.run(g.batch*g.outH, grainFor(g.outW*len(o.w)*4), func(lo, hi int) {
		for row := lo; row < hi; row++ {
			n, oy := row/g.outH, row%g.outH
			x := unsafe.Pointer(&t[(n*e.ph+oy*g.strideH)*o.rowT])
			i8Conv1VNNI(g.outW, len(o.toffs), o.ng, &o.toffs[0], o.gst, (*byte)(x), &o.w[0], bias, scale,
				&e.epi.out8[row*g.outW], r.outZero, flo, fhi)
		}
	})
}
