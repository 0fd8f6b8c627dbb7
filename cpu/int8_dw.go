package cpu

import "unsafe"

// prepareDepthwiseInt8 is DEPTHWISE_CONV_2D on INT8 tensors (TFLite's
// reference_integer_ops::DepthwiseConvPerChannel; weights per channel
// along axis 3).
func prepareDepthwiseInt8(x *opCtx) (kernel, error) {
	g, a, err := depthwiseGeometry(x)
	if err != nil {
		return nil, err
	}
	r, err := x.int8Requant(a, g.outC, 3)
	if err != nil {
		return nil, err
	}
	in, out := a.in, a.out
	if !x.c.opt.Reference && g.mult == 1 && a.filter.konst && (a.bias == nil || a.bias.konst) {
		d := newI8DW(g, int8s(a.filter), i8ISA)
		d.setRequant(r, i32orNil(a.bias))
		zero := []int32{r.inZero}
		pl := x.c.pool
		return func() error {
			d.epi.out8 = int8s(out)
			d.run(pl, int8s(in), zero)
			return nil
		}, nil
	}
	filter, bias := a.filter, a.bias
	return func() error {
		dwRefInt8(g, r, int8s(in), int8s(filter), i32orNil(bias), int8s(out))
		return nil
	}, nil
}

// dwRefInt8 is the reference int8 depthwise convolution.
func dwRefInt8(g *dwGeom, r *i8Requant, in, filter []int8, bias []int32, out []int8) {
	dwAccRef(g, in, []int32{r.inZero}, filter, func(o, oc int, acc int32) {
		if bias != nil {
			acc += bias[oc]
		}
		out[o] = r.apply(acc, oc)
	})
}

// dwAccRef calls emit(o, oc, acc) for every output element o (channel oc)
// of the depthwise convolution g with acc = Σ w × (x - zero[n]) (zero:
// one per batch, or one for all).
func dwAccRef(g *dwGeom, in []int8, zero []int32, filter []int8, emit func(o, oc int, acc int32)) {
	for n := 0; n < g.batch; n++ {
		z := zero[min(n, len(zero)-1)]
		for oy := 0; oy < g.outH; oy++ {
			iy0 := oy*g.strideH - g.padH
			for ox := 0; ox < g.outW; ox++ {
				ix0 := ox*g.strideW - g.padW
				for ic := 0; ic < g.inC; ic++ {
					for m := 0; m < g.mult; m++ {
						oc := ic*g.mult + m
						var acc int32
						for ky := 0; ky < g.kH; ky++ {
							iy := iy0 + ky*g.dilH
							if iy < 0 || iy >= g.inH {
								continue
							}
							for kx := 0; kx < g.kW; kx++ {
								ix := ix0 + kx*g.dilW
								if ix < 0 || ix >= g.inW {
									continue
								}
								acc += int32(filter[(ky*g.kW+kx)*g.outC+oc]) * (int32(in[((n*g.inH+iy)*g.inW+ix)*g.inC+ic]) - z)
							}
						}
						emit(((n*g.outH+oy)*g.outW+ox)*g.outC+oc, oc, acc)
					}
				}
			}
		}
	}
}

// i8DWBlock is the number of channels one depthwise microkernel call
// computes at most.
const i8DWBlock = 1024

// i8DWAcc is the number of accumulators of one microkernel call (pixels ×
// channels).
const i8DWAcc = 4096

// i8DW is the fast int8 depthwise convolution (multiplier 1): the input
// is copied into a padded int8 buffer (border: the zero point; channels
// padded to a multiple of 8) by the int8 convolution's pad, the weights
// are [tap][Cp] int32 lanes holding the int16 weight in the low half and 0
// in the high half (so that VPMADDWD on sign-extended int32 inputs
// multiplies x × w: the input's high half, its sign, meets the 0), and a
// microkernel accumulates a run of output
// pixels of one row, up to 1024 channels each, over all taps; the zero
// point correction (z × Σ w) and the int8 convolution's epilogue follow.
type i8DW struct {
	g    *dwGeom
	isa  int
	cp   int   // channels padded to a multiple of 8
	offs []int // tap offsets in bytes
	w    []int32
	conv i8Conv // the padded buffer, the epilogue and its geometry
	epi  *i8Epilogue
	vnni *i8DWVNNI // the VNNI path (int8_dw_vnni.go), or nil
}

func newI8DW(g *dwGeom, filter []int8, isa int) *i8DW {
	d := &i8DW{g: g, isa: isa, cp: (g.outC + 7) &^ 7}
	cg := g.convGeom
	cg.kC = cg.inC
	nb := min(d.cp, i8DWBlock)
	d.conv = i8Conv{g: &cg, isa: isa, enc: i8Go, kp: d.cp, esz: 1, nb: nb, nblk: (d.cp + nb - 1) / nb}
	e := &d.conv
	e.ph = max(g.inH+g.padH, (g.outH-1)*g.strideH+(g.kH-1)*g.dilH+1)
	e.pw = max(g.inW+g.padW, (g.outW-1)*g.strideW+(g.kW-1)*g.dilW+1)
	ntaps := g.kH * g.kW
	d.w = make([]int32, ntaps*d.cp)
	e.wsum = make([]int32, e.nblk*nb)
	for ky := 0; ky < g.kH; ky++ {
		for kx := 0; kx < g.kW; kx++ {
			t := ky*g.kW + kx
			d.offs = append(d.offs, (ky*g.dilH*e.pw+kx*g.dilW)*d.cp)
			for c := 0; c < g.outC; c++ {
				v := int32(filter[t*g.outC+c])
				d.w[t*d.cp+c] = int32(uint16(int16(v)))
				e.wsum[c] += v
			}
		}
	}
	if i8DWUsesVNNI(g, isa) {
		d.initVNNI(filter) // builds its padded rows itself
	} else {
		e.buf = alignedBytes(g.batch * e.ph * e.pw * d.cp)
	}
	d.epi = &e.epi
	return d
}

// setRequant makes the epilogue requantize to int8.
func (d *i8DW) setRequant(r *i8Requant, bias []int32) {
	d.conv.setRequant(r, bias)
	d.setRequantVNNI()
}

// run computes the depthwise convolution of in (zero points: one per
// batch, or one for all) through the epilogue.
func (d *i8DW) run(pl *pool, in []int8, zero []int32) {
	g := d.g
	rows := g.batch * g.outH
	if d.vnni != nil {
		pl.run(rows, grainFor(g.outW*d.cp*g.kH*d.vnni.ng), func(lo, hi int) { d.rowsVNNI(in, zero, lo, hi) })
		return
	}
	d.conv.pad(in, zero)
	pl.run(rows, grainFor(g.outW*g.outC*len(d.offs)), func(lo, hi int) { d.rows(lo, hi) })
}

// rows computes output rows [lo, hi) (over batch × height).
func (d *i8DW) rows(lo, hi int) {
	g, e := d.g, &d.conv
	var acc [i8DWAcc]int32
	chunk := i8DWAcc / e.nb
	for r := lo; r < hi; r++ {
		n, oy := r/g.outH, r%g.outH
		for ox0 := 0; ox0 < g.outW; ox0 += chunk {
			np := min(chunk, g.outW-ox0)
			base := ((n*e.ph+oy*g.strideH)*e.pw + ox0*g.strideW) * d.cp
			p0 := r*g.outW + ox0
			for b := 0; b < e.nblk; b++ {
				c0 := b * e.nb
				nc := min(e.nb, d.cp-c0)
				x := (*int8)(unsafe.Pointer(&e.buf[base+c0]))
				switch {
				case d.isa == i8VNNI && nc%16 == 0:
					i8DWRowAVX512(np, nc/16, len(d.offs), &d.offs[0], x, g.strideW*d.cp, &d.w[c0], d.cp*4, &acc[0])
				case d.isa != i8Go: // AVX2, or AVX-512 with a group of 8 left
					i8DWRowAVX2(np, nc/8, len(d.offs), &d.offs[0], x, g.strideW*d.cp, &d.w[c0], d.cp*4, &acc[0])
				default:
					for i := 0; i < np; i++ {
						d.pixelGo(base+c0+i*g.strideW*d.cp, c0, acc[i*nc:(i+1)*nc])
					}
				}
				if nc != e.nb {
					// The last block is narrower: the epilogue reads
					// pixels e.nb accumulators apart.
					for i := np - 1; i > 0; i-- {
						copy(acc[i*e.nb:i*e.nb+nc], acc[i*nc:(i+1)*nc])
					}
				}
				e.finish(acc[:np*e.nb], p0, np, b)
			}
		}
	}
}

// pixelGo is the Go microkernel: acc[c] = Σ_t buf[base+off_t+c] × w[t][c0+c].
func (d *i8DW) pixelGo(base, c0 int, acc []int32) {
	clear(acc)
	buf := d.conv.buf
	for t, off := range d.offs {
		x := buf[base+off : base+off+len(acc)]
		w := d.w[t*d.cp+c0 : t*d.cp+c0+len(acc)]
		for c := range acc {
			acc[c] += int32(int8(x[c])) * int32(int16(w[c]))
		}
	}
}
