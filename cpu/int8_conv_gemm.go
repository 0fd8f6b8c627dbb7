package cpu

import (
	"math"
	"unsafe"
)

// The fast int8 convolution (groups 1; FULLY_CONNECTED is a 1x1
// convolution over its rows): the input is copied once per run into a
// padded buffer whose border holds the input zero point (so that taps
// outside the image add nothing after the zero-point correction), the
// weights are packed at compile time, and a microkernel computes the int32
// accumulators of 4 output pixels × one block of output channels over all
// taps; an epilogue requantizes them to int8 (or rescales them to float
// for the hybrid kernels). With AVX-512 VNNI the microkernel runs whole
// output rows and requantizes (or rescales) in registers
// (int8_conv_fused.go), and a layer with one output channel puts 16
// pixels in the lanes instead (int8_conv_one.go).
//
// Σ w × (x - z) = Σ w × x' - (z + o) × Σ w, where x' = x + o is what the
// microkernel reads: the correction (z + o) × Σ w is folded into the bias.
// Per instruction set:
//   - i8VNNI (AVX-512 VNNI): x' = x + 128 as uint8 (o = 128), VPDPBUSD
//     multiplies uint8 × int8 groups of 4 into int32 without saturation;
//     blocks of 32 channels (16 for layers of at most 16), weights
//     [tap][k/4][32][4];
//   - i8AVX2: x' = x as int16 (o = 0), VPMADDWD multiplies int16 pairs
//     into int32 (no saturation: |x| ≤ 128, |w| ≤ 128); blocks of 16
//     channels, weights [tap][k/2][16][2] int16;
//   - i8Go: x' = x (o = 0), plain Go loops; blocks of 16 channels,
//     weights [tap][k][16].
//
// Input channels are padded to a multiple of 4 (padding weights are 0),
// output channels to the block width (padding outputs are discarded).
// Accumulation wraps modulo 2^32 as Go's int32 does, so every path gives
// the reference's bytes.

// Instruction sets of the int8 kernels.
const (
	i8Go = iota
	i8AVX2
	i8VNNI
)

// i8ISAName names an instruction set of the int8 kernels.
func i8ISAName(isa int) string {
	switch isa {
	case i8VNNI:
		return "avx512vnni"
	case i8AVX2:
		return "avx2"
	}
	return "go"
}

// i8Tile is the number of output pixels per microkernel call.
const i8Tile = 4

// i8MaxBlock is the widest channel block (i8VNNI's).
const i8MaxBlock = 32

// i8Conv is a packed int8 convolution.
type i8Conv struct {
	g      *convGeom
	isa    int
	kp     int   // input channels per tap, padded to a multiple of 4
	ph, pw int   // padded input height and width
	offs   []int // tap offsets in bytes from a pixel's first element
	esz    int   // bytes per element of the padded input
	enc    int   // the padded input's format: that of this instruction set
	off    int32 // o: what the microkernel adds to every input value
	nb     int   // output channels per block
	nblk   int
	w      []byte  // packed weights
	wsum   []int32 // Σ w per output channel, padded to nblk*nb
	buf    []byte  // padded input

	// The epilogue: int8 requantization or float rescaling (hybrid).
	epi i8Epilogue
	// fused: the VNNI kernels requantize in registers (int8_conv_fused.go).
	fused bool
	// one: the one-output-channel path (int8_conv_one.go), or nil; filter
	// is kept for it when there is one output channel.
	one    *i8Conv1
	filter []int8
}

// i8Epilogue turns accumulators into outputs.
type i8Epilogue struct {
	hybrid bool
	// int8: requantization with the corrected bias, padded to nblk*nb.
	r      *i8Requant
	params *i8Params
	out8   []int8
	// hybrid: out = clamp(float(acc - (o+z_b) Σw) × scale[c] × sf[b] + bias[c]).
	hy *hybridEpi
}

// newI8Conv packs filter [outC, kH, kW, kC] (kC = inC) for isa.
func newI8Conv(g *convGeom, filter []int8, isa int) *i8Conv {
	e := &i8Conv{g: g, isa: isa, enc: isa, kp: (g.kC + 3) &^ 3, esz: 1, nb: 16}
	switch isa {
	case i8VNNI:
		e.nb, e.off = 32, 128
		if g.outC <= 16 {
			e.nb = 16 // narrow layers: half the work of a 32-channel block
		}
	case i8AVX2:
		e.esz = 2
	}
	e.nblk = (g.outC + e.nb - 1) / e.nb
	if g.outC == 1 {
		e.filter = filter
	}
	e.ph = max(g.inH+g.padH, (g.outH-1)*g.strideH+(g.kH-1)*g.dilH+1)
	e.pw = max(g.inW+g.padW, (g.outW-1)*g.strideW+(g.kW-1)*g.dilW+1)
	for ky := 0; ky < g.kH; ky++ {
		for kx := 0; kx < g.kW; kx++ {
			e.offs = append(e.offs, (ky*g.dilH*e.pw+kx*g.dilW)*e.kp*e.esz)
		}
	}
	ntaps := len(e.offs)
	np := e.nblk * e.nb
	e.wsum = make([]int32, np)
	wAt := func(oc, tap, k int) int32 {
		if oc >= g.outC || k >= g.kC {
			return 0
		}
		return int32(filter[(oc*ntaps+tap)*g.kC+k])
	}
	for oc := 0; oc < g.outC; oc++ {
		var s int32
		for _, v := range filter[oc*ntaps*g.kC : (oc+1)*ntaps*g.kC] {
			s += int32(v)
		}
		e.wsum[oc] = s
	}
	e.w = alignedBytes(np * ntaps * e.kp * e.esz)
	i := 0
	for b := 0; b < e.nblk; b++ {
		for t := 0; t < ntaps; t++ {
			switch isa {
			case i8VNNI:
				for k := 0; k < e.kp; k += 4 {
					for c := 0; c < e.nb; c++ {
						for j := 0; j < 4; j++ {
							e.w[i] = byte(wAt(b*e.nb+c, t, k+j))
							i++
						}
					}
				}
			case i8AVX2:
				for k := 0; k < e.kp; k += 2 {
					for c := 0; c < e.nb; c++ {
						for j := 0; j < 2; j++ {
							v := uint16(int16(wAt(b*e.nb+c, t, k+j)))
							e.w[i], e.w[i+1] = byte(v), byte(v>>8)
							i += 2
						}
					}
				}
			default:
				for k := 0; k < e.kp; k++ {
					for c := 0; c < e.nb; c++ {
						e.w[i] = byte(wAt(b*e.nb+c, t, k))
						i++
					}
				}
			}
		}
	}
	e.buf = alignedBytes(g.batch * e.ph * e.pw * e.kp * e.esz)
	return e
}

// setRequant makes the epilogue requantize to int8 with r and the bias
// (nil when none), folding the zero-point correction into the bias.
func (e *i8Conv) setRequant(r *i8Requant, bias []int32) {
	b := make([]int32, e.g.outC)
	for c := range b {
		if bias != nil {
			b[c] = bias[c]
		}
		b[c] -= (r.inZero + e.off) * e.wsum[c]
	}
	e.epi.r = r
	e.epi.params = newI8Params(r, b, e.nblk*e.nb)
	e.fused = e.fusedOK(r)
	if e.oneOK(r) && e.filter != nil {
		e.initOne(e.filter)
	}
}

// i8Params are the per-channel arrays of the vector requantization, each
// padded to a whole number of blocks (np channels) plus 16: the bias (zero
// point correction included), the multiplier, the left and right shifts,
// the rounding mask 2^right - 1, threshold mask >> 1 and (XNNPACK's
// requantization) the float32 factor.
type i8Params struct {
	a      []int32 // the six arrays, stride apart
	stride int
}

func newI8Params(r *i8Requant, bias []int32, np int) *i8Params {
	st := np + 16
	p := &i8Params{a: make([]int32, 7*st), stride: st}
	for c := range bias {
		sh := r.shift[c]
		left, right := max(sh, 0), max(-sh, 0)
		mask := int32(1)<<uint(right) - 1
		p.a[c], p.a[st+c], p.a[2*st+c], p.a[3*st+c], p.a[4*st+c], p.a[5*st+c] = bias[c], r.mult[c], left, right, mask, mask>>1
		if r.fscale != nil {
			p.a[6*st+c] = int32(math.Float32bits(r.fscale[c]))
		}
	}
	return p
}

// bias returns the corrected bias of channel c.
func (p *i8Params) bias(c int) int32 { return p.a[c] }

// pad copies the int8 input into the padded buffer, the border holding
// the zero point of each batch (zero[b], or zero[0] for all).
func (e *i8Conv) pad(in []int8, zero []int32) {
	g := e.g
	rowB := e.pw * e.kp * e.esz
	for n := 0; n < g.batch; n++ {
		z := zero[0]
		if len(zero) > 1 {
			z = zero[n]
		}
		border := e.encode(int8(z))
		for y := 0; y < e.ph; y++ {
			row := e.buf[(n*e.ph+y)*rowB : (n*e.ph+y+1)*rowB]
			iy := y - g.padH
			if iy < 0 || iy >= g.inH {
				fillPattern(row, border)
				continue
			}
			left := g.padW * e.kp * e.esz
			fillPattern(row[:left], border)
			right := (g.padW + g.inW) * e.kp * e.esz
			fillPattern(row[right:], border)
			src := in[((n*g.inH)+iy)*g.inW*g.kC : ((n*g.inH)+iy+1)*g.inW*g.kC]
			e.convertRow(row[left:right], src, g.inW)
		}
	}
}

// encode returns one element x' of value v in the padded buffer's format.
func (e *i8Conv) encode(v int8) []byte {
	switch e.enc {
	case i8VNNI:
		return []byte{byte(v) ^ 0x80}
	case i8AVX2:
		u := uint16(int16(v))
		return []byte{byte(u), byte(u >> 8)}
	}
	return []byte{byte(v)}
}

// fillPattern fills b with repetitions of p.
func fillPattern(b, p []byte) {
	if len(b) == 0 {
		return
	}
	n := copy(b, p)
	for n < len(b) {
		n += copy(b[n:], b[:n])
	}
}

// convertRow writes npix pixels of kC int8 values into dst (npix × kp
// elements of the buffer's format; padding channels are left alone).
func (e *i8Conv) convertRow(dst []byte, src []int8, npix int) {
	kc, kp := e.g.kC, e.kp
	if e.enc == i8Go && kc == kp {
		copy(dst, unsafe.Slice((*byte)(unsafe.Pointer(&src[0])), len(src)))
		return
	}
	switch e.enc {
	case i8VNNI:
		// x + 128 is x XOR 0x80 in each byte.
		if kc == kp {
			n := len(src) &^ 63
			if n > 0 {
				i8XorCopyAVX512(n/64, unsafe.Pointer(&src[0]), unsafe.Pointer(&dst[0]))
			}
			for i := n; i < len(src); i++ {
				dst[i] = byte(src[i]) ^ 0x80
			}
			return
		}
		if kc == 3 {
			// 16 pixels at a time, then four bytes at a time, the fourth
			// (a padding channel, weight 0) whatever follows; the last
			// pixel byte by byte.
			n := npix &^ 15
			if n > 0 {
				i8Pix3To4AVX512(n/16, unsafe.Pointer(&src[0]), unsafe.Pointer(&dst[0]))
			}
			d := unsafe.Slice((*uint32)(unsafe.Pointer(&dst[0])), npix)
			for p := n; p < npix-1; p++ {
				d[p] = *(*uint32)(unsafe.Pointer(&src[3*p])) ^ 0x80808080
			}
			p := npix - 1
			dst[4*p], dst[4*p+1], dst[4*p+2] = byte(src[3*p])^0x80, byte(src[3*p+1])^0x80, byte(src[3*p+2])^0x80
			return
		}
		for p := 0; p < npix; p++ {
			d, s := dst[p*kp:p*kp+kc], src[p*kc:p*kc+kc]
			for i, v := range s {
				d[i] = byte(v) ^ 0x80
			}
		}
	case i8AVX2:
		for p := 0; p < npix; p++ {
			d := unsafe.Slice((*int16)(unsafe.Pointer(&dst[p*kp*2])), kc)
			for i, v := range src[p*kc : p*kc+kc] {
				d[i] = int16(v)
			}
		}
	default:
		for p := 0; p < npix; p++ {
			copy(dst[p*kp:p*kp+kc], unsafe.Slice((*byte)(unsafe.Pointer(&src[p*kc])), kc))
		}
	}
}

// run computes the convolution of in (quantized with zero point zero[b]
// per batch, or zero[0]) through the epilogue, on the pool.
func (e *i8Conv) run(pl *pool, in []int8, zero []int32) {
	e.pad(in, zero)
	if e.one != nil {
		e.runOne(pl)
		return
	}
	if e.fused || (e.epi.hybrid && e.isa == i8VNNI && len(e.epi.hy.biasPad) >= e.nblk*e.nb && e.nblk*e.nb <= len(negZero)) {
		e.runFused(pl)
		return
	}
	g := e.g
	m := g.batch * g.outH * g.outW
	tiles := (m + i8Tile - 1) / i8Tile
	cost := i8Tile * e.nblk * e.nb * len(e.offs) * e.kp
	pl.run(tiles, grainFor(cost/4), func(lo, hi int) { e.tiles(lo, hi) })
}

// i8Group is the number of 4-pixel tiles whose accumulators one epilogue
// call takes (calls cost more than narrow blocks' work).
const i8Group = 4

// tiles computes tiles [lo, hi) of 4 output pixels.
func (e *i8Conv) tiles(lo, hi int) {
	g := e.g
	m := g.batch * g.outH * g.outW
	hw := g.outH * g.outW
	var acc [i8Group * i8Tile * i8MaxBlock]int32
	var bases [i8Group * i8Tile]int
	// The pixel after the last one computed: its image, row and column.
	n, r := (lo*i8Tile)/hw, (lo*i8Tile)%hw
	oy, ox := r/g.outW, r%g.outW
	last := 0
	for t0 := lo; t0 < hi; t0 += i8Group {
		nt := min(i8Group, hi-t0)
		p0 := t0 * i8Tile
		np := min(nt*i8Tile, m-p0)
		for k := 0; k < nt; k++ {
			for i := 0; i < i8Tile; i++ {
				if p0+k*i8Tile+i >= m {
					bases[k*i8Tile+i] = last // a tile past the end repeats the last pixel
					continue
				}
				last = ((n*e.ph+oy*g.strideH)*e.pw + ox*g.strideW) * e.kp * e.esz
				bases[k*i8Tile+i] = last
				if ox++; ox == g.outW {
					ox = 0
					if oy++; oy == g.outH {
						oy = 0
						n++
					}
				}
			}
		}
		for b := 0; b < e.nblk; b++ {
			e.tiles4(nt, &bases, b, acc[:nt*i8Tile*e.nb])
			e.finish(acc[:np*e.nb], p0, np, b)
		}
	}
}

// tiles4 computes the accumulators acc[k][i][c] of nt tiles of 4 pixels
// (buffer offsets bases[4k+i]) and the channels c of block b.
func (e *i8Conv) tiles4(nt int, bases *[i8Group * i8Tile]int, b int, acc []int32) {
	ntaps := len(e.offs)
	wb := e.w[b*ntaps*e.kp*e.nb*e.esz:]
	switch e.isa {
	case i8VNNI:
		if e.nb == 16 {
			i8TilesVNNI16(nt, e.kp/4, ntaps, &e.offs[0], &e.buf[0], &bases[0], &wb[0], &acc[0])
		} else {
			i8TilesVNNI(nt, e.kp/4, ntaps, &e.offs[0], &e.buf[0], &bases[0], &wb[0], &acc[0])
		}
	case i8AVX2:
		i8TilesAVX2(nt, e.kp/2, ntaps, &e.offs[0], &e.buf[0], &bases[0], &wb[0], &acc[0])
	default:
		for k := 0; k < nt; k++ {
			i8TileGo(e, (*[i8Tile]int)(bases[k*i8Tile:]), wb, acc[k*i8Tile*e.nb:])
		}
	}
}

// i8TileGo is the pure Go microkernel (blocks of 16 channels).
func i8TileGo(e *i8Conv, base *[i8Tile]int, w []byte, acc []int32) {
	clear(acc)
	kp, nb := e.kp, e.nb
	for i := 0; i < i8Tile; i++ {
		a := (*[16]int32)(acc[i*nb : i*nb+16])
		wi := 0
		for _, off := range e.offs {
			x := e.buf[base[i]+off : base[i]+off+kp]
			for _, xv := range x {
				v := int32(int8(xv))
				wr := (*[16]byte)(w[wi : wi+16])
				wi += 16
				for c := range a {
					a[c] += v * int32(int8(wr[c]))
				}
			}
		}
	}
}

// finish runs the epilogue on the accumulators of npix pixels from p0 and
// block b.
func (e *i8Conv) finish(acc []int32, p0, npix, b int) {
	c0 := b * e.nb
	nc := min(e.nb, e.g.outC-c0)
	if e.epi.hybrid {
		e.epi.hy.finish(e, acc, p0, npix, c0, nc)
		return
	}
	p := &e.epi
	outC := e.g.outC
	if e.isa == i8Go {
		for i := 0; i < npix; i++ {
			a := acc[i*e.nb : i*e.nb+nc]
			dst := p.out8[(p0+i)*outC+c0 : (p0+i)*outC+c0+nc]
			for c := range dst {
				dst[c] = p.r.apply(a[c]+p.params.bias(c0+c), c0+c)
			}
		}
		return
	}
	// The requantization runs on 16 lanes (AVX-512) or 8 (AVX2, also on
	// AVX-512 machines) at a time, writing straight into the output when
	// nc is a multiple of that, else into a buffer (the parameters are
	// padded to the block width) from which the nc wanted bytes are
	// copied.
	pa, ps := p.params.a, 4*p.params.stride
	if e.isa == i8VNNI && nc%16 == 0 {
		p.requant(true, npix, nc, &acc[0], e.nb, &pa[c0], ps, &p.out8[p0*outC+c0], outC)
		return
	}
	lanes := (nc + 7) &^ 7
	if lanes == nc {
		p.requant(false, npix, nc, &acc[0], e.nb, &pa[c0], ps, &p.out8[p0*outC+c0], outC)
		return
	}
	var tmp [512]int8
	step := len(tmp) / lanes
	for i0 := 0; i0 < npix; i0 += step {
		n := min(step, npix-i0)
		p.requant(false, n, lanes, &acc[i0*e.nb], e.nb, &pa[c0], ps, &tmp[0], lanes)
		for i := 0; i < n; i++ {
			o := (p0+i0+i)*outC + c0
			copy(p.out8[o:o+nc], tmp[i*lanes:i*lanes+nc])
		}
	}
}

// requant runs the vector requantization of the epilogue's kind (TFLite's
// fixed point or XNNPACK's float factor) on 16 lanes at a time (wide,
// AVX-512) or 8.
func (p *i8Epilogue) requant(wide bool, npix, n int, acc *int32, accStride int, params *int32, pstride int, out *int8, outStride int) {
	r := p.r
	switch {
	case wide && r.xnn:
		i8RequantF32AVX512(npix, n, acc, accStride, params, pstride, out, outStride, r.outZero, r.lo, r.hi)
	case wide:
		i8RequantAVX512(npix, n, acc, accStride, params, pstride, out, outStride, r.outZero, r.lo, r.hi)
	case r.xnn:
		i8RequantF32AVX2(npix, n, acc, accStride, params, pstride, out, outStride, r.outZero, r.lo, r.hi)
	default:
		i8RequantAVX2(npix, n, acc, accStride, params, pstride, out, outStride, r.outZero, r.lo, r.hi)
	}
}
