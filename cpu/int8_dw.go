package cpu

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
const i8DWBlock = 64

// i8DW is the fast int8 depthwise convolution (multiplier 1): the input
// minus its zero point is copied as int16 into a padded buffer (border 0,
// channels padded to a multiple of 8), the weights are int32 [tap][Cp],
// and a microkernel accumulates up to 64 channels of one output pixel over
// all taps; the int8 conv's epilogue follows.
type i8DW struct {
	g      *dwGeom
	isa    int
	cp     int // channels padded to a multiple of 8
	ph, pw int
	offs   []int // tap offsets in bytes
	w      []int32
	buf    []int16
	conv   i8Conv // only its epilogue and geometry are used
	epi    *i8Epilogue
}

func newI8DW(g *dwGeom, filter []int8, isa int) *i8DW {
	d := &i8DW{g: g, isa: isa, cp: (g.outC + 7) &^ 7}
	d.ph = max(g.inH+g.padH, (g.outH-1)*g.strideH+(g.kH-1)*g.dilH+1)
	d.pw = max(g.inW+g.padW, (g.outW-1)*g.strideW+(g.kW-1)*g.dilW+1)
	ntaps := g.kH * g.kW
	d.w = make([]int32, ntaps*d.cp)
	for ky := 0; ky < g.kH; ky++ {
		for kx := 0; kx < g.kW; kx++ {
			t := ky*g.kW + kx
			d.offs = append(d.offs, (ky*g.dilH*d.pw+kx*g.dilW)*d.cp*2)
			for c := 0; c < g.outC; c++ {
				d.w[t*d.cp+c] = int32(filter[t*g.outC+c])
			}
		}
	}
	d.buf = make([]int16, g.batch*d.ph*d.pw*d.cp)
	// The epilogue works on blocks of i8DWBlock channels of one pixel.
	d.conv = i8Conv{g: &d.g.convGeom, isa: isa, nb: i8DWBlock, nblk: (g.outC + i8DWBlock - 1) / i8DWBlock}
	d.conv.wsum = make([]int32, d.conv.nblk*i8DWBlock)
	for t := 0; t < ntaps; t++ {
		for c := 0; c < g.outC; c++ {
			d.conv.wsum[c] += d.w[t*d.cp+c]
		}
	}
	d.epi = &d.conv.epi
	return d
}

// setRequant makes the epilogue requantize to int8. The buffer holds
// x - z, so no zero-point correction is folded into the bias.
func (d *i8DW) setRequant(r *i8Requant, bias []int32) {
	z := *r
	z.inZero = 0
	d.conv.setRequant(&z, bias)
	d.epi.r = r
}

// pad copies in - zero[n] (zero: one per batch, or one for all) into the
// padded buffer.
func (d *i8DW) pad(in []int8, zero []int32) {
	g := d.g
	for n := 0; n < g.batch; n++ {
		z := zero[min(n, len(zero)-1)]
		for iy := 0; iy < g.inH; iy++ {
			row := d.buf[((n*d.ph+iy+g.padH)*d.pw+g.padW)*d.cp:]
			src := in[(n*g.inH+iy)*g.inW*g.inC : (n*g.inH+iy+1)*g.inW*g.inC]
			for ix := 0; ix < g.inW; ix++ {
				dst := row[ix*d.cp : ix*d.cp+g.inC]
				for c, v := range src[ix*g.inC : (ix+1)*g.inC] {
					dst[c] = int16(int32(v) - z)
				}
			}
		}
	}
}

// run computes the depthwise convolution of in through the epilogue.
func (d *i8DW) run(pl *pool, in []int8, zero []int32) {
	d.pad(in, zero)
	g := d.g
	rows := g.batch * g.outH
	pl.run(rows, grainFor(g.outW*g.outC*len(d.offs)), func(lo, hi int) { d.rows(lo, hi) })
}

// rows computes output rows [lo, hi) (over batch × height).
func (d *i8DW) rows(lo, hi int) {
	g := d.g
	var acc [i8DWBlock]int32
	for r := lo; r < hi; r++ {
		n, oy := r/g.outH, r%g.outH
		for ox := 0; ox < g.outW; ox++ {
			base := ((n*d.ph+oy*g.strideH)*d.pw + ox*g.strideW) * d.cp
			p := r*g.outW + ox
			for b := 0; b < d.conv.nblk; b++ {
				c0 := b * i8DWBlock
				nc := min(i8DWBlock, d.cp-c0)
				if d.isa != i8Go {
					i8DWPixelAVX2(nc/8, len(d.offs), &d.offs[0], &d.buf[base+c0], &d.w[c0], d.cp*4, &acc[0])
				} else {
					d.pixelGo(base+c0, c0, acc[:nc])
				}
				d.conv.finish(acc[:], p, 1, b)
			}
		}
	}
}

// pixelGo is the Go microkernel: acc[c] = Σ_t buf[base+off_t+c] × w[t][c0+c].
func (d *i8DW) pixelGo(base, c0 int, acc []int32) {
	clear(acc)
	for t, off := range d.offs {
		x := d.buf[base+off/2 : base+off/2+len(acc)]
		w := d.w[t*d.cp+c0 : t*d.cp+c0+len(acc)]
		for c := range acc {
			acc[c] += int32(x[c]) * w[c]
		}
	}
}
