package cpu

import (
	"sync"
	"unsafe"
)

// The AVX-512 VNNI depthwise convolution (multiplier 1, dilation 1,
// horizontal stride 1 or 2): VPDPBUSD multiplies 4 uint8 × int8 pairs per
// 32-bit lane and adds them to the lane, so each lane (one channel) takes
// 4 horizontal taps at once. Each padded input row P (border: the zero
// point; channels padded to cp, a multiple of 8) is expanded into
// E[i][c][j] = P[i×sw + j][c] + 128 (j < 4, sw the horizontal stride) and
// the weights into W[ky][g][c][j] = w[ky][4g+j][c] (0 past the kernel's
// width); output pixel ox of row oy is then
//
//	acc[c] = Σ_ky Σ_g E_{oy×sh+ky}[ox + 4g/sw][c] · W[ky][g][c]
//
// a 3x3 kernel taking 3 VPDPBUSD per 16 channels instead of 9
// multiply-adds, a 5x5 one 10 instead of 25. The +128 of every input value
// (border included) is removed with the zero-point correction in the bias,
// as in the VNNI convolution. Each worker builds the rows it needs in a
// ring of kH expanded rows (cache-resident) as it walks down the image.
//
// With cp an odd multiple of 8 two pixels make one "virtual pixel" of 2cp
// channels (E's pixels are contiguous, so the lanes of pixels i and i+1
// follow each other), the weights are repeated twice, and the epilogue
// requantizes 2cp lanes at a time: every vector is full.
type i8DWVNNI struct {
	ng   int    // groups of 4 taps per kernel row
	r    int    // pixels per virtual pixel (1 or 2)
	vc   int    // channels per virtual pixel: r × cp
	ne   int    // expanded pixels per row (a multiple of r)
	rowE int    // bytes per expanded row
	slot int    // bytes per ring slot: rowE and what i8DWExpandVNNI writes past it
	pwP  int    // pixels per padded row
	w    []byte // W[vc/16][kH×ng][16][4]
	rep  *i8Params
	// fused: the kernels requantize in registers (XNNPACK's
	// requantization, int8 outputs, outC = cp when r = 2).
	fused bool
	pool  sync.Pool // *i8DWScratch
}

// i8DWScratch is one worker's padded row and ring of expanded rows.
type i8DWScratch struct {
	p, ring []byte
	rows    [8]int // the padded row in each ring slot (batch × ph + y), -1: none
}

// i8DWUsesVNNI reports whether newI8DW takes the VNNI path for g.
func i8DWUsesVNNI(g *dwGeom, isa int) bool {
	cp := (g.outC + 7) &^ 7
	return isa == i8VNNI && g.dilH == 1 && g.dilW == 1 && (g.strideW == 1 || g.strideW == 2) &&
		g.kH <= 8 && g.kW <= 8 && (cp <= i8DWBlock || cp%16 == 0)
}

// initVNNI sets up d's VNNI path.
func (d *i8DW) initVNNI(filter []int8) {
	g, e := d.g, &d.conv
	v := &i8DWVNNI{ng: (g.kW + 3) / 4, r: 1}
	if d.cp%16 != 0 {
		v.r = 2
	}
	v.vc = v.r * d.cp
	sw := g.strideW
	v.ne = (g.outW+v.r-1)/v.r*v.r + 4*(v.ng-1)/sw
	v.pwP = max(g.padW+g.inW, (v.ne-1)*sw+4)
	v.rowE = v.ne * d.cp * 4
	v.slot = (v.rowE + 128 + 63) &^ 63
	ntg := g.kH * v.ng
	v.w = alignedBytes(ntg * v.vc * 4)
	for vc := 0; vc < v.vc; vc++ {
		c := vc % d.cp
		if c >= g.outC {
			continue
		}
		for ky := 0; ky < g.kH; ky++ {
			for gi := 0; gi < v.ng; gi++ {
				t := ky*v.ng + gi
				for j := 0; j < 4; j++ {
					if kx := 4*gi + j; kx < g.kW {
						v.w[((vc/16*ntg+t)*16+vc%16)*4+j] = byte(filter[(ky*g.kW+kx)*g.outC+c])
					}
				}
			}
		}
	}
	e.off = 128
	d.vnni = v
}

// setRequantVNNI makes the parameters of the two-pixel requantization
// (after setRequant).
func (d *i8DW) setRequantVNNI() {
	v, p := d.vnni, d.conv.epi.params
	if v == nil {
		return
	}
	v.fused = d.conv.epi.r.xnn && !d.conv.epi.hybrid && (v.r == 1 || d.g.outC == d.cp)
	if v.r == 1 || d.g.outC != d.cp {
		return
	}
	st := v.vc + 16
	q := &i8Params{a: make([]int32, 7*st), stride: st}
	for k := 0; k < 7; k++ {
		for l := 0; l < v.vc; l++ {
			q.a[k*st+l] = p.a[k*p.stride+l%d.cp]
		}
	}
	v.rep = q
}

// scratch returns a worker's buffers.
func (v *i8DWVNNI) scratch(d *i8DW) *i8DWScratch {
	if s, ok := v.pool.Get().(*i8DWScratch); ok {
		return s
	}
	s := &i8DWScratch{p: make([]byte, v.pwP*d.cp+4*d.cp+64), ring: alignedBytes(d.g.kH * v.slot)}
	return s
}

// buildRow writes padded row y of batch n (border: z) into s.p and its
// expansion into ring slot.
func (d *i8DW) buildRow(s *i8DWScratch, in []int8, n, y int, z int8, slot int) {
	g, v, cp := d.g, d.vnni, d.cp
	p := s.p[:v.pwP*cp]
	iy := y - g.padH
	zb := []byte{byte(z)}
	if iy < 0 || iy >= g.inH {
		fillPattern(p, zb)
	} else {
		left, right := g.padW*cp, (g.padW+g.inW)*cp
		fillPattern(p[:left], zb)
		fillPattern(p[right:], zb)
		src := in[(n*g.inH+iy)*g.inW*g.inC : (n*g.inH+iy+1)*g.inW*g.inC]
		if g.inC == cp {
			copy(p[left:right], unsafe.Slice((*byte)(unsafe.Pointer(&src[0])), len(src)))
		} else {
			for x := 0; x < g.inW; x++ {
				copy(p[left+x*cp:left+x*cp+g.inC], unsafe.Slice((*byte)(unsafe.Pointer(&src[x*g.inC])), g.inC))
			}
		}
	}
	dst := &s.ring[slot*v.slot]
	if g.strideW == 1 {
		i8DWExpandVNNI(1, (v.ne*cp+31)/32, cp, &s.p[0], 0, dst, 0)
	} else {
		i8DWExpandVNNI(v.ne, (cp+31)/32, cp, &s.p[0], g.strideW*cp, dst, cp*4)
	}
}

// rowsVNNI computes output rows [lo, hi) (over batch × height) of the
// input in (zero points zero[n], or zero[0] for all).
func (d *i8DW) rowsVNNI(in []int8, zero []int32, lo, hi int) {
	g, e, v := d.g, &d.conv, d.vnni
	s := v.scratch(d)
	defer v.pool.Put(s)
	for i := range s.rows {
		s.rows[i] = -1
	}
	var acc [i8DWAcc]int32
	var rows [8]*byte
	chunk := (i8DWAcc / e.nb) &^ (v.r - 1)
	hfused := v.r == 1 && e.epi.hybrid && d.cp+16 <= len(negZero)
	if v.fused || hfused {
		chunk = g.outW // no accumulators but an odd pixel's: whole rows
	}
	ntg := g.kH * v.ng
	gstep := 4 / g.strideW * d.cp * 4
	for r := lo; r < hi; r++ {
		n, oy := r/g.outH, r%g.outH
		z := int8(zero[min(n, len(zero)-1)])
		for ky := 0; ky < g.kH; ky++ {
			y := oy*g.strideH + ky
			slot := y % g.kH
			if s.rows[slot] != n*e.ph+y {
				d.buildRow(s, in, n, y, z, slot)
				s.rows[slot] = n*e.ph + y
			}
		}
		for ox0 := 0; ox0 < g.outW; ox0 += chunk {
			np := min(chunk, g.outW-ox0)
			nv := (np + v.r - 1) / v.r
			p0 := r*g.outW + ox0
			for b := 0; b < e.nblk; b++ {
				c0 := b * e.nb
				nc := min(e.nb, d.cp-c0)
				for ky := 0; ky < g.kH; ky++ {
					rows[ky] = &s.ring[(oy*g.strideH+ky)%g.kH*v.slot+(ox0*d.cp+c0)*4]
				}
				nacc, p0, np := nv, p0, np // virtual pixels through the accumulators
				if hfused {
					d.fusedRowHybrid(&rows, np, p0, c0, nc)
					continue
				}
				if v.fused {
					d.fusedRow(&rows, np, p0, c0, nc)
					if v.r == 1 || np%2 == 0 {
						continue
					}
					// The last pixel of an odd count: its virtual pixel
					// through the accumulators.
					for ky := range g.kH {
						rows[ky] = add(rows[ky], (np-1)*d.cp*4)
					}
					nacc, p0, np = 1, p0+np-1, 1
				}
				for cg := 0; cg < v.r*nc/16; cg++ {
					w := &v.w[(c0/16+cg)*ntg*64]
					a := (*int32)(unsafe.Pointer(&acc[cg*16]))
					o := cg * 64
					if g.kH == 3 && v.ng == 1 {
						i8DWK3VNNI(nacc, add(rows[0], o), add(rows[1], o), add(rows[2], o), v.vc*4, w, a, v.r*e.nb*4)
					} else {
						i8DWKVNNI(nacc, g.kH, v.ng, &rows, o, gstep, v.vc*4, w, a, v.r*e.nb*4)
					}
				}
				if v.rep != nil && !v.fused {
					// Whole pixel pairs through the repeated parameters.
					pe, out := &e.epi, e.epi.out8
					np2 := np &^ 1
					if np2 > 0 {
						pe.requant(true, np2/2, v.vc, &acc[0], v.vc, &v.rep.a[0], 4*v.rep.stride, &out[p0*g.outC], v.vc)
					}
					if np2 < np {
						e.finish(acc[np2*e.nb:np*e.nb], p0+np2, 1, b)
					}
					continue
				}
				e.finish(acc[:np*e.nb], p0, np, b)
			}
		}
	}
}

// add returns p + n.
func add(p *byte, n int) *byte { return (*byte)(unsafe.Add(unsafe.Pointer(p), n)) }

// fusedRow computes and requantizes, with the fused kernels, np pixels
// from output pixel p0 and channels [c0, c0+nc) (all of them when two
// pixels make a virtual pixel; then only whole pairs) whose expanded rows
// start at rows.
func (d *i8DW) fusedRow(rows *[8]*byte, np, p0, c0, nc int) {
	g, e, v := d.g, &d.conv, d.vnni
	r := e.epi.r
	flo, fhi := float32(r.lo-r.outZero), float32(r.hi-r.outZero)
	pa, st := e.epi.params.a, e.epi.params.stride
	nv, ostep := np, g.outC
	if v.r == 2 {
		pa, st = v.rep.a, v.rep.stride
		nv, ostep, c0 = np/2, 2*g.outC, 0
	}
	if nv == 0 {
		return
	}
	ntg := g.kH * v.ng
	out := e.epi.out8[p0*g.outC:]
	for cg := 0; cg < v.r*nc/16; cg++ {
		c := c0 + cg*16 // the lane's parameters (virtual channel when r = 2)
		w := &v.w[(c0/16+cg)*ntg*64]
		if v.r == 2 {
			w = &v.w[cg*ntg*64]
		}
		mask := 0xffff
		if v.r == 1 {
			mask = 1<<uint(min(16, g.outC-c)) - 1
		}
		bias, scale := &pa[c], (*float32)(unsafe.Pointer(&pa[6*st+c]))
		o := cg * 64
		switch {
		case g.kH == 3 && v.ng == 1:
			i8DWK3VNNIQ(nv, add(rows[0], o), add(rows[1], o), add(rows[2], o), v.vc*4, w, bias, scale, &out[c], ostep, mask, r.outZero, flo, fhi)
		case g.kH == 5 && v.ng == 2:
			i8DWK5VNNIQ(nv, rows, o, 4/g.strideW*d.cp*4, v.vc*4, w, bias, scale, &out[c], ostep, mask, r.outZero, flo, fhi)
		default:
			i8DWKVNNIQ(nv, g.kH, v.ng, rows, o, 4/g.strideW*d.cp*4, v.vc*4, w, bias, scale, &out[c], ostep, mask, r.outZero, flo, fhi)
		}
	}
}

// fusedRowHybrid is fusedRow for the hybrid epilogue (one pixel per
// virtual pixel).
func (d *i8DW) fusedRowHybrid(rows *[8]*byte, np, p0, c0, nc int) {
	g, e, v := d.g, &d.conv, d.vnni
	h := e.epi.hy
	b := p0 / h.hw // the batch (of the quantization)
	corr, s1, s2, bias := h.batchParams(e.off, b)
	ntg := g.kH * v.ng
	out := h.out[p0*g.outC:]
	for cg := 0; cg < nc/16; cg++ {
		c := c0 + cg*16
		w := &v.w[(c0/16+cg)*ntg*64]
		mask := 1<<uint(min(16, g.outC-c)) - 1
		o := cg * 64
		switch {
		case g.kH == 3 && v.ng == 1:
			i8DWK3VNNIH(np, add(rows[0], o), add(rows[1], o), add(rows[2], o), v.vc*4, w, &e.wsum[c], &s1[c], &out[c], g.outC*4, &bias[c], mask, corr, s2, h.lo, h.hi)
		case g.kH == 5 && v.ng == 2:
			i8DWK5VNNIH(np, rows, o, 4/g.strideW*d.cp*4, v.vc*4, w, &e.wsum[c], &s1[c], &out[c], g.outC*4, &bias[c], mask, corr, s2, h.lo, h.hi)
		default:
			i8DWKVNNIH(np, g.kH, v.ng, rows, o, 4/g.strideW*d.cp*4, v.vc*4, w, &e.wsum[c], &s1[c], &out[c], g.outC*4, &bias[c], mask, corr, s2, h.lo, h.hi)
		}
	}
}
