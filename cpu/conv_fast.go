package cpu

import "math"

// The optimized convolution: im2col-free, as a sum over the filter taps of
// GEMMs between the (zero-padded) input pixels and the weights, packed at
// compile time into panels of 16 output channels, computed in 4-pixel by
// 16-channel tiles by the microkernels and split across the pool's
// goroutines. Fully connected layers run through it as 1x1 convolutions.

type convFast struct {
	g      *convGeom
	panels int
	// k is the length of one tap's contiguous run of inputs and weights:
	// kC, or kW*kC when the filter's columns are adjacent pixels
	// (dilation 1), which merges each filter row into one tap.
	k      int
	taps   []int     // offset of each (merged) tap in the padded input, in floats
	packed []float32 // [panel][tap][kC][16]
	bias   []float32 // [panel][16]
	base   []int     // offset of each output pixel's window in the padded input
	m      int       // output pixels
	// The zero-padded copy of the input, when the convolution pads.
	padded     []float32
	pH, pW     int
	padT, padL int
}

// newConvFast packs constant weights w ([outC][kH][kW][kC]) and bias.
func newConvFast(g *convGeom, w, bias []float32) *convFast {
	f := &convFast{g: g, panels: (g.outC + 15) / 16, m: g.batch * g.outH * g.outW}
	f.pH = max(g.inH+g.padH, (g.outH-1)*g.strideH+(g.kH-1)*g.dilH+1)
	f.pW = max(g.inW+g.padW, (g.outW-1)*g.strideW+(g.kW-1)*g.dilW+1)
	f.padT, f.padL = g.padH, g.padW
	if f.pH != g.inH || f.pW != g.inW || g.padH != 0 || g.padW != 0 {
		f.padded = make([]float32, g.batch*f.pH*f.pW*g.inC)
	} else {
		f.pH, f.pW = g.inH, g.inW
	}
	f.k = g.kC
	if g.dilW == 1 && g.kC == g.inC {
		f.k = g.kW * g.kC
		for ky := 0; ky < g.kH; ky++ {
			f.taps = append(f.taps, ky*g.dilH*f.pW*g.inC)
		}
	} else {
		for ky := 0; ky < g.kH; ky++ {
			for kx := 0; kx < g.kW; kx++ {
				f.taps = append(f.taps, (ky*g.dilH*f.pW+kx*g.dilW)*g.inC)
			}
		}
	}
	nt := g.kH * g.kW
	f.packed = make([]float32, f.panels*nt*g.kC*16)
	for oc := 0; oc < g.outC; oc++ {
		p, j := oc/16, oc%16
		for t := 0; t < nt; t++ {
			ky, kx := t/g.kW, t%g.kW
			for ic := 0; ic < g.kC; ic++ {
				f.packed[((p*nt+t)*g.kC+ic)*16+j] = w[((oc*g.kH+ky)*g.kW+kx)*g.kC+ic]
			}
		}
	}
	f.bias = make([]float32, f.panels*16)
	if bias != nil {
		copy(f.bias, bias)
	}
	f.base = make([]int, f.m)
	i := 0
	for n := 0; n < g.batch; n++ {
		for oy := 0; oy < g.outH; oy++ {
			for ox := 0; ox < g.outW; ox++ {
				f.base[i] = ((n*f.pH+oy*g.strideH)*f.pW + ox*g.strideW) * g.inC
				i++
			}
		}
	}
	return f
}

// pad copies the input into the interior of the padded buffer (its border
// stays zero).
func (f *convFast) pad(in []float32) []float32 {
	if f.padded == nil {
		return in
	}
	g := f.g
	row := g.inW * g.inC
	for n := 0; n < g.batch; n++ {
		for y := 0; y < g.inH; y++ {
			src := (n*g.inH + y) * row
			dst := ((n*f.pH+y+f.padT)*f.pW + f.padL) * g.inC
			copy(f.padded[dst:dst+row], in[src:src+row])
		}
	}
	return f.padded
}

// items is the number of work items: 4-pixel tiles times panels.
func (f *convFast) items() int { return (f.m + 3) / 4 * f.panels }

// compute runs work items [lo, hi) on the padded input src.
func (f *convFast) compute(src, out []float32, lo, hi int) {
	g := f.g
	nt := len(f.taps)
	k := f.k
	var acc [64]float32
	for w := lo; w < hi; w++ {
		tile, p := w/f.panels, w%f.panels
		p0 := tile * 4
		rows := min(4, f.m-p0)
		if useAsm && rows == 4 {
			if p*16+16 <= g.outC {
				convTile4Asm(k, nt, &f.taps[0], &src[f.base[p0]], &src[f.base[p0+1]], &src[f.base[p0+2]], &src[f.base[p0+3]],
					&f.packed[p*nt*k*16], &f.bias[p*16], &out[p0*g.outC+p*16], g.outC, g.lo, g.hi)
				continue
			}
			// A partial panel: compute all 16 columns into acc, keep the valid ones.
			convTile4Asm(k, nt, &f.taps[0], &src[f.base[p0]], &src[f.base[p0+1]], &src[f.base[p0+2]], &src[f.base[p0+3]],
				&f.packed[p*nt*k*16], &f.bias[p*16], &acc[0], 16, g.lo, g.hi)
			n := g.outC - p*16
			for r := 0; r < 4; r++ {
				copy(out[(p0+r)*g.outC+p*16:][:n], acc[16*r:16*r+n])
			}
			continue
		}
		b16 := f.bias[p*16 : p*16+16]
		for r := 0; r < rows; r++ {
			copy(acc[16*r:16*r+16], b16)
		}
		pk := f.packed[p*nt*k*16:]
		if rows == 4 {
			b0, b1, b2, b3 := f.base[p0], f.base[p0+1], f.base[p0+2], f.base[p0+3]
			for t, off := range f.taps {
				tile4x16(k, &src[b0+off], &src[b1+off], &src[b2+off], &src[b3+off], &pk[t*k*16], &acc[0])
			}
		} else {
			for r := 0; r < rows; r++ {
				b := f.base[p0+r]
				for t, off := range f.taps {
					tile1x16(k, &src[b+off], &pk[t*k*16], &acc[16*r])
				}
			}
		}
		n := min(16, g.outC-p*16)
		for r := 0; r < rows; r++ {
			o := out[(p0+r)*g.outC+p*16:]
			a := acc[16*r : 16*r+n]
			for j, v := range a {
				o[j] = clamp(v, g.lo, g.hi)
			}
		}
	}
}

// depthwiseFast is the optimized depthwise convolution (multiplier 1):
// the input is copied into a zero-padded buffer once per run so that every
// tap is valid, and each output pixel sums its taps with the dwPixel
// microkernel.
type depthwiseFast struct {
	g          *dwGeom
	w          []float32
	biasOrZero []float32
	offs       []int
	padded     []float32
	pH, pW     int
}

func newDepthwiseFast(g *dwGeom, w, bias []float32) *depthwiseFast {
	d := &depthwiseFast{g: g, w: w, biasOrZero: make([]float32, g.outC)}
	if bias != nil {
		copy(d.biasOrZero, bias)
	}
	d.pH = max(g.inH+g.padH, (g.outH-1)*g.strideH+(g.kH-1)*g.dilH+1)
	d.pW = max(g.inW+g.padW, (g.outW-1)*g.strideW+(g.kW-1)*g.dilW+1)
	if d.pH != g.inH || d.pW != g.inW || g.padH != 0 || g.padW != 0 {
		d.padded = make([]float32, g.batch*d.pH*d.pW*g.inC)
	} else {
		d.pH, d.pW = g.inH, g.inW
	}
	for ky := 0; ky < g.kH; ky++ {
		for kx := 0; kx < g.kW; kx++ {
			d.offs = append(d.offs, (ky*g.dilH*d.pW+kx*g.dilW)*g.inC)
		}
	}
	return d
}

// pad copies in into the padded buffer, returning what the rows read.
func (d *depthwiseFast) pad(in []float32) []float32 {
	if d.padded == nil {
		return in
	}
	g := d.g
	row := g.inW * g.inC
	for n := 0; n < g.batch; n++ {
		for y := 0; y < g.inH; y++ {
			src := (n*g.inH + y) * row
			dst := ((n*d.pH+y+g.padH)*d.pW + g.padW) * g.inC
			copy(d.padded[dst:dst+row], in[src:src+row])
		}
	}
	return d.padded
}

// rows computes output rows [lo, hi) (over batch*outH) from the padded
// input src.
func (d *depthwiseFast) rows(src, out []float32, lo, hi int) {
	g := d.g
	c := g.outC
	c8 := c &^ 7
	clampIt := g.lo > -3e38 || g.hi < 3e38
	for row := lo; row < hi; row++ {
		n, oy := row/g.outH, row%g.outH
		rowBase := (n*d.pH + oy*g.strideH) * d.pW * c
		orow := out[(n*g.outH+oy)*g.outW*c:][:g.outW*c]
		from := 0
		if useAsm && c8 > 0 && len(d.offs) > 0 {
			dwRowAsm(c8, g.outW, &src[rowBase], g.strideW*c, &d.offs[0], len(d.offs), &d.w[0], c, &d.biasOrZero[0], &orow[0], c, g.lo, g.hi)
			from = c8
			if from == c {
				continue
			}
		}
		for ox := 0; ox < g.outW; ox++ {
			base := rowBase + ox*g.strideW*c
			o := orow[ox*c : ox*c+c]
			copy(o[from:], d.biasOrZero[from:c])
			dwPixelGo(from, c, c, &src[base], d.offs, &d.w[0], &o[0])
			if clampIt {
				for i := from; i < c; i++ {
					o[i] = min(max(o[i], g.lo), g.hi)
				}
			}
		}
	}
}

// convNarrow is the optimized convolution for fewer than 8 output
// channels (a 16-channel panel would waste most of its work): per output
// channel, the depthwise row kernel multiplies each tap's input channels by
// the filter's, and the channel products are then summed per pixel.
type convNarrow struct {
	f    *convFast // padding, taps and geometry
	w    []float32 // [outC][taps][kC], the filter's own layout
	bias []float32
	zero []float32 // kC zeros: the row kernel's "bias"
	tmp  []float32 // [batch*outH][outW][f.k] channel products
}

func newConvNarrow(g *convGeom, w, bias []float32) *convNarrow {
	f := newConvFast(g, w, bias)
	c := &convNarrow{f: f, w: w, bias: make([]float32, g.outC), zero: make([]float32, f.k),
		tmp: make([]float32, g.batch*g.outH*g.outW*f.k)}
	copy(c.bias, bias)
	return c
}

// rows computes output rows [lo, hi) of batch*outH from the padded input.
func (c *convNarrow) rows(src, out []float32, lo, hi int) {
	f := c.f
	g := f.g
	k := f.k
	k8 := k &^ 7
	nt := len(f.taps)
	inf := float32(math.Inf(1))
	for row := lo; row < hi; row++ {
		n, oy := row/g.outH, row%g.outH
		rowBase := (n*f.pH + oy*g.strideH) * f.pW * g.inC
		// One row of products, reused for every row of this range (the
		// ranges of concurrent calls are disjoint, so are their rows lo):
		// it stays in cache.
		tmp := c.tmp[lo*g.outW*k:][:g.outW*k]
		orow := out[row*g.outW*g.outC:][:g.outW*g.outC]
		for oc := 0; oc < g.outC; oc++ {
			w := c.w[oc*nt*k:][:nt*k]
			if useAsm && k8 > 0 {
				dwRowAsm(k8, g.outW, &src[rowBase], g.strideW*g.inC, &f.taps[0], nt, &w[0], k, &c.zero[0], &tmp[0], k, -inf, inf)
			} else {
				clear(tmp)
			}
			for ox := 0; ox < g.outW; ox++ {
				t := tmp[ox*k : ox*k+k]
				if !useAsm || k8 == 0 {
					dwPixelGo(0, k, k, &src[rowBase+ox*g.strideW*g.inC], f.taps, &w[0], &t[0])
				} else if k8 < k {
					clear(t[k8:])
					dwPixelGo(k8, k, k, &src[rowBase+ox*g.strideW*g.inC], f.taps, &w[0], &t[0])
				}
				s := c.bias[oc] + sumLanes(t)
				orow[ox*g.outC+oc] = min(max(s, g.lo), g.hi)
			}
		}
	}
}

// sumLanes returns the sum of v, added in 8 independent lanes (as a vector
// register would) and then pairwise: one long dependent chain of adds
// was most of the time of the narrow convolution.
func sumLanes(v []float32) float32 {
	var s0, s1, s2, s3, s4, s5, s6, s7 float32
	i := 0
	for ; i+8 <= len(v); i += 8 {
		w := v[i : i+8 : i+8]
		s0 += w[0]
		s1 += w[1]
		s2 += w[2]
		s3 += w[3]
		s4 += w[4]
		s5 += w[5]
		s6 += w[6]
		s7 += w[7]
	}
	s := ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7))
	for _, x := range v[i:] {
		s += x
	}
	return s
}
