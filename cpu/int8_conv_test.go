package cpu

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/fp16tool/fp16tool/graph"
	qm "github.com/fp16tool/fp16tool/int8"
)

// i8ISAs returns the int8 instruction sets this machine can run.
func i8ISAs() []int {
	var out []int
	for isa := i8Go; isa <= i8ISA; isa++ {
		out = append(out, isa)
	}
	return out
}

func randInt8s(r *rand.Rand, n, lo, hi int) []int8 {
	v := make([]int8, n)
	for i := range v {
		v[i] = int8(lo + r.IntN(hi-lo+1))
	}
	return v
}

// randRequant returns requantization parameters for nch channels with
// effective scales from 1e-5 to 4, random zero points and a random
// quantized activation.
func randRequant(r *rand.Rand, nch int) *i8Requant {
	q := &i8Requant{inZero: int32(r.IntN(256) - 128), outZero: int32(r.IntN(256) - 128), mult: make([]int32, nch), shift: make([]int32, nch), lo: -128, hi: 127,
		fscale: make([]float32, nch), xnn: r.IntN(2) == 0}
	for c := range nch {
		f := math.Pow(10, -5+r.Float64()*5.6)
		m, s := qm.QuantizeMultiplier(f)
		q.mult[c], q.shift[c], q.fscale[c] = m, int32(s), float32(f)
	}
	switch r.IntN(3) {
	case 1:
		q.lo = max(q.lo, q.outZero)
	case 2:
		q.lo, q.hi = max(q.lo, q.outZero), min(q.hi, q.outZero+60)
	}
	return q
}

// TestI8RequantAVX2 checks the vector requantizations (AVX2, AVX-512) against
// int8.MultiplyByQuantizedMultiplier on random and extreme values.
func TestI8RequantAVX2(t *testing.T) {
	if i8ISA == i8Go {
		t.Skip("no AVX2")
	}
	r := rand.New(rand.NewPCG(3, 4))
	for it := 0; it < 2000; it++ {
		n := 16 + 8*r.IntN(4)
		q := randRequant(r, n)
		acc, bias := make([]int32, n), make([]int32, n)
		for i := range acc {
			switch r.IntN(6) {
			case 0:
				acc[i] = int32(r.Uint32())
			case 1:
				acc[i] = []int32{math.MinInt32, math.MaxInt32, 0, -1, 1}[r.IntN(5)]
			default:
				acc[i] = int32(r.IntN(1<<20) - 1<<19)
				bias[i] = int32(r.IntN(1<<16) - 1<<15)
			}
			if r.IntN(8) == 0 {
				// Shifts at both ends of QuantizeMultiplier's range.
				q.mult[i], q.shift[i] = int32(1<<30+r.IntN(1<<30)), []int32{-31, 30, 0, -1}[r.IntN(4)]
				q.fscale[i] = float32(math.Ldexp(float64(q.mult[i]), int(q.shift[i])-31))
			}
		}
		params := newI8Params(q, bias, n)
		p := &i8Epilogue{r: q}
		for _, isa := range i8ISAs()[1:] {
			got := make([]int8, n)
			if isa == i8VNNI {
				p.requant(true, 1, n&^15, &acc[0], 0, &params.a[0], 4*params.stride, &got[0], 0)
				got = got[:n&^15]
			} else {
				p.requant(false, 1, n, &acc[0], 0, &params.a[0], 4*params.stride, &got[0], 0)
			}
			for i := range got {
				if want := q.apply(acc[i]+bias[i], i); got[i] != want {
					t.Fatalf("%s (xnn %v): acc %d + bias %d, mult %d shift %d scale %g: got %d, want %d", i8ISAName(isa), q.xnn, acc[i], bias[i], q.mult[i], q.shift[i], q.fscale[i], got[i], want)
				}
			}
		}
	}
}

// randConvGeom returns a random convolution geometry (groups 1) with
// sizes around the 4-pixel tiles and the 16/32-channel blocks.
func randConvGeom(r *rand.Rand) *convGeom {
	for {
		g := &convGeom{
			batch: 1 + r.IntN(2), inH: 1 + r.IntN(9), inW: 1 + r.IntN(9), inC: 1 + r.IntN(40),
			outC: 1 + r.IntN(70), kH: 1 + r.IntN(3), kW: 1 + r.IntN(3),
			strideH: 1 + r.IntN(2), strideW: 1 + r.IntN(2), dilH: 1 + r.IntN(2), dilW: 1 + r.IntN(2), groups: 1,
		}
		g.kC, g.filtersPerGroup = g.inC, g.outC
		p := graph.Padding(r.IntN(2))
		g.outH, g.padH = window(p, g.inH, g.kH, g.strideH, g.dilH)
		g.outW, g.padW = window(p, g.inW, g.kW, g.strideW, g.dilW)
		if g.outH > 0 && g.outW > 0 {
			return g
		}
	}
}

// randConvGeomK is randConvGeom with a kH × kW kernel and inputs of up to
// 20 pixels a side.
func randConvGeomK(r *rand.Rand, kH, kW int) *convGeom {
	for {
		g := randConvGeom(r)
		g.kH, g.kW, g.inH, g.inW = kH, kW, 1+r.IntN(20), 1+r.IntN(20)
		p := graph.Padding(r.IntN(2))
		g.outH, g.padH = window(p, g.inH, g.kH, g.strideH, g.dilH)
		g.outW, g.padW = window(p, g.inW, g.kW, g.strideW, g.dilW)
		if g.outH > 0 && g.outW > 0 {
			return g
		}
	}
}

// TestInt8ConvFastMatchesReference runs the packed int8 convolution with
// every instruction set this machine has on random geometries and checks
// that it gives the reference's bytes.
func TestInt8ConvFastMatchesReference(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	pl := newPool(2)
	defer pl.close()
	for it := 0; it < 150; it++ {
		g := randConvGeom(r)
		switch {
		case it%10 == 0: // an FC-like 1x1 over rows
			g = (&fcGeom{batch: 1 + r.IntN(5), in: 1 + r.IntN(300), out: 1 + r.IntN(100)}).rowsAsBatch()
		case it%5 == 1 || it%5 == 3: // one output channel, up to 8 input channels, rows of up to 40 pixels
			g = randConvGeomK(r, 1+r.IntN(3), 1+r.IntN(3))
			g.inW, g.strideW = 1+r.IntN(40), 1
			g.outW, g.padW = window(graph.Padding(r.IntN(2)), g.inW, g.kW, g.strideW, g.dilW)
			if g.outW <= 0 {
				g.inW, g.outW, g.padW = g.inW+(g.kW-1)*g.dilW, g.inW, 0
			}
			g.outC, g.filtersPerGroup, g.inC = 1, 1, 1+r.IntN(8)
			g.kC = g.inC
		}
		q := randRequant(r, g.outC)
		in := randInt8s(r, g.batch*g.inH*g.inW*g.inC, -128, 127)
		w := randInt8s(r, g.outC*g.kH*g.kW*g.kC, -127, 127)
		var bias []int32
		if r.IntN(3) > 0 {
			bias = make([]int32, g.outC)
			for i := range bias {
				bias[i] = int32(r.IntN(1<<18) - 1<<17)
			}
		}
		want := make([]int8, g.batch*g.outH*g.outW*g.outC)
		convRefInt8(g, q, in, w, bias, want)
		for _, isa := range i8ISAs() {
			e := newI8Conv(g, w, isa)
			e.setRequant(q, bias)
			got := make([]int8, len(want))
			e.epi.out8 = got
			e.run(pl, in, []int32{q.inZero})
			for i := range want {
				if got[i] != want[i] {
					t.Fatalf("%s, geometry %+v: output %d is %d, want %d", i8ISAName(isa), *g, i, got[i], want[i])
				}
			}
		}
	}
}

// TestInt8DepthwiseFastMatchesReference does the same for the depthwise
// kernel (multiplier 1).
func TestInt8DepthwiseFastMatchesReference(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	pl := newPool(2)
	defer pl.close()
	for it := 0; it < 150; it++ {
		cg := randConvGeom(r)
		if it%3 == 0 { // 5x5 and 7x7 kernels: two groups of 4 taps per row (VNNI)
			cg = randConvGeomK(r, 3+2*r.IntN(3), 3+2*r.IntN(3))
		}
		cg.outC = 1 + r.IntN(150)
		if it%25 == 0 { // more channels than one microkernel call takes
			cg.outC = i8DWBlock + 1 + r.IntN(40)
		}
		cg.inC, cg.kC = cg.outC, 1
		g := &dwGeom{convGeom: *cg, mult: 1}
		q := randRequant(r, g.outC)
		in := randInt8s(r, g.batch*g.inH*g.inW*g.inC, -128, 127)
		w := randInt8s(r, g.kH*g.kW*g.outC, -127, 127)
		var bias []int32
		if r.IntN(3) > 0 {
			bias = make([]int32, g.outC)
			for i := range bias {
				bias[i] = int32(r.IntN(1<<18) - 1<<17)
			}
		}
		want := make([]int8, g.batch*g.outH*g.outW*g.outC)
		dwRefInt8(g, q, in, w, bias, want)
		for _, isa := range i8ISAs() {
			d := newI8DW(g, w, isa)
			d.setRequant(q, bias)
			got := make([]int8, len(want))
			d.epi.out8 = got
			d.run(pl, in, []int32{q.inZero})
			for i := range want {
				if got[i] != want[i] {
					t.Fatalf("%s, geometry %+v: output %d is %d, want %d", i8ISAName(isa), *g, i, got[i], want[i])
				}
			}
		}
	}
}

// TestHybridFastMatchesReference checks the hybrid convolution, depthwise
// and fully connected kernels' fast paths against their references (same
// float operations: equal values).
func TestHybridFastMatchesReference(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	pl := newPool(2)
	defer pl.close()
	for it := 0; it < 120; it++ {
		g := randConvGeom(r)
		fc := it%3 == 2
		if fc {
			g = (&fcGeom{batch: 1 + r.IntN(5), in: 1 + r.IntN(300), out: 1 + r.IntN(100)}).rowsAsBatch()
		}
		dw := it%3 == 1
		var dg *dwGeom
		if dw {
			g.outC = 1 + r.IntN(100)
			if r.IntN(2) == 0 { // 3x3 and 5x5 kernels, no dilation, rows of up to 20 pixels, whole 16-channel groups
				g = randConvGeomK(r, 3+2*r.IntN(2), 3+2*r.IntN(2))
				g.dilH, g.dilW = 1, 1
				g.outH, g.padH = window(graph.PaddingSame, g.inH, g.kH, g.strideH, 1)
				g.outW, g.padW = window(graph.PaddingSame, g.inW, g.kW, g.strideW, 1)
				g.outC = 16 * (1 + r.IntN(6))
			}
			g.inC, g.kC = g.outC, 1
			dg = &dwGeom{convGeom: *g, mult: 1}
		}
		nw := g.outC * g.kH * g.kW * g.kC
		in := randSlice(r, g.batch*g.inH*g.inW*g.inC)
		for i := range in {
			in[i] = in[i]*3 + 0.5
		}
		w := randInt8s(r, nw, -127, 127)
		scales := make([]float32, g.outC)
		for c := range scales {
			scales[c] = r.Float32() / 100
		}
		h, hin := newHybridEpi(scales, g.batch, len(in), r.IntN(2) == 0)
		h.hw, h.scaleFirst = g.outH*g.outW, r.IntN(2) == 0
		h.lo, h.hi = float32(math.Inf(-1)), float32(math.Inf(1))
		var bias []float32
		if r.IntN(2) == 0 {
			bias = randSlice(r, g.outC)
		}
		if r.IntN(2) == 0 {
			h.lo, h.hi = 0, 6
		}
		want := make([]float32, g.batch*g.outH*g.outW*g.outC)
		hin.quantize(in, h.sf, h.zero)
		h.begin(want, bias)
		emit := func(o, oc int, acc int32) { want[o] = h.value(acc, o/(g.outC*h.hw), oc) }
		if dw {
			dwAccRef(dg, hin.q, h.zero, w, emit)
		} else {
			convAccRef(g, hin.q, h.zero, w, emit)
		}
		for _, isa := range i8ISAs() {
			got := make([]float32, len(want))
			h.begin(got, bias)
			if dw {
				d := newI8DW(dg, w, isa)
				d.conv.epi.hybrid, d.conv.epi.hy = true, h
				d.run(pl, hin.q, h.zero)
			} else {
				e := newI8Conv(g, w, isa)
				e.epi.hybrid, e.epi.hy = true, h
				e.run(pl, hin.q, h.zero)
			}
			for i := range want {
				if math.Float32bits(got[i]) != math.Float32bits(want[i]) { // bits: -0 is not 0
					t.Fatalf("%s dw=%v fc=%v, geometry %+v: output %d is %g, want %g", i8ISAName(isa), dw, fc, *g, i, got[i], want[i])
				}
			}
		}
	}
}

// TestHybridQuantizeVector checks the vector on-the-fly quantization
// against int8's Asymmetric/SymmetricQuantizeFloats.
func TestHybridQuantizeVector(t *testing.T) {
	if i8ISA == i8Go {
		t.Skip("no AVX2")
	}
	r := rand.New(rand.NewPCG(13, 14))
	for it := 0; it < 500; it++ {
		v := randSlice(r, 1+r.IntN(200))
		scale := float32(math.Pow(10, r.Float64()*6-3))
		off := r.Float32()*4 - 2
		for i := range v {
			v[i] = (v[i] + off) * scale
			if r.IntN(50) == 0 {
				v[i] = float32(r.IntN(9)-4) * 0.5 / 100 // ties
			}
		}
		if it%50 == 0 {
			clear(v)
		}
		for k := 0; k < 4; k++ {
			asym, wide := k%2 == 0, k >= 2 // wide: AVX-512
			if wide && i8ISA != i8VNNI {
				continue
			}
			h := &hybridInput{asymmetric: asym, vec: true, wide: wide}
			got, want := make([]int8, len(v)), make([]int8, len(v))
			s, z := h.quantizeRow(v, got)
			var ws float32
			var wz int32
			if asym {
				ws, wz = qm.AsymmetricQuantizeFloats(v, want)
			} else {
				ws = qm.SymmetricQuantizeFloats(v, want)
			}
			if s != ws || z != wz || string(int8Bytes(got)) != string(int8Bytes(want)) {
				t.Fatalf("asymmetric %v, %d values: got scale %g zero %d %v, want %g %d %v", asym, len(v), s, z, got, ws, wz, want)
			}
		}
	}
}

func int8Bytes(v []int8) []byte {
	b := make([]byte, len(v))
	for i, x := range v {
		b[i] = byte(x)
	}
	return b
}

// TestHybridQuantizeFloats checks the on-the-fly quantization: values
// dequantize to within half a step, and zero is exact.
func TestHybridQuantizeFloats(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	for it := 0; it < 200; it++ {
		v := randSlice(r, 1+r.IntN(100))
		off := r.Float32()*4 - 2
		for i := range v {
			v[i] = v[i]*float32(r.IntN(5)+1) + off
		}
		q := make([]int8, len(v))
		s, z := qm.AsymmetricQuantizeFloats(v, q)
		for i, x := range v {
			if d := math.Abs(float64(s*float32(int32(q[i])-z) - x)); d > float64(s)*0.5001 {
				t.Fatalf("asymmetric: %g → %d (scale %g, zero %d), error %g", x, q[i], s, z, d)
			}
		}
		s = qm.SymmetricQuantizeFloats(v, q)
		for i, x := range v {
			if d := math.Abs(float64(s*float32(q[i]) - x)); d > float64(s)*0.5001 {
				t.Fatalf("symmetric: %g → %d (scale %g), error %g", x, q[i], s, d)
			}
		}
	}
}
