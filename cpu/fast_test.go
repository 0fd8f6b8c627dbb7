package cpu

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/fp16tool/fp16tool/engine"
	"github.com/fp16tool/fp16tool/graph"
)

func randSlice(r *rand.Rand, n int) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = r.Float32()*2 - 1
	}
	return v
}

func maxRelDiff(t *testing.T, got, want []float32) float64 {
	t.Helper()
	var d, a float64
	for i := range want {
		d = max(d, math.Abs(float64(got[i])-float64(want[i])))
		a = max(a, math.Abs(float64(want[i])))
	}
	return d / max(a, 1)
}

// TestConvFastMatchesReference compares the optimized convolution (and so
// the microkernels in use, see KernelISA) with the reference on random
// geometries: odd sizes, both paddings, strides, dilations, channel counts
// around the 16-wide panels, pixel counts around the 4-pixel tiles.
func TestConvFastMatchesReference(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	pl := newPool(3)
	defer pl.close()
	t.Logf("microkernels: %s", KernelISA())
	for i := 0; i < 200; i++ {
		g := &convGeom{
			batch: 1 + r.IntN(2), inH: 1 + r.IntN(12), inW: 1 + r.IntN(12), inC: 1 + r.IntN(40),
			outC: 1 + r.IntN(40), kH: 1 + r.IntN(4), kW: 1 + r.IntN(4),
			strideH: 1 + r.IntN(3), strideW: 1 + r.IntN(3), dilH: 1 + r.IntN(2), dilW: 1 + r.IntN(2),
			groups: 1,
		}
		g.kC = g.inC
		g.filtersPerGroup = g.outC
		p := graph.Padding(r.IntN(2))
		g.outH, g.padH = window(p, g.inH, g.kH, g.strideH, g.dilH)
		g.outW, g.padW = window(p, g.inW, g.kW, g.strideW, g.dilW)
		if g.outH <= 0 || g.outW <= 0 {
			continue
		}
		g.lo, g.hi = float32(math.Inf(-1)), float32(math.Inf(1))
		if r.IntN(2) == 0 {
			g.lo, g.hi = 0, 6
		}
		in := randSlice(r, g.batch*g.inH*g.inW*g.inC)
		w := randSlice(r, g.outC*g.kH*g.kW*g.kC)
		var bias []float32
		if r.IntN(3) > 0 {
			bias = randSlice(r, g.outC)
		}
		n := g.batch * g.outH * g.outW * g.outC
		want, got := make([]float32, n), make([]float32, n)
		convRef(g, in, w, bias, want)
		f := newConvFast(g, w, bias)
		src := f.pad(in)
		pl.run(f.items(), 1, func(lo, hi int) { f.compute(src, got, lo, hi) })
		if d := maxRelDiff(t, got, want); d > 1e-5 {
			t.Fatalf("%+v padding %v: max rel diff %.3g", *g, p, d)
		}
	}
}

func TestDepthwiseFastMatchesReference(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	pl := newPool(2)
	defer pl.close()
	for i := 0; i < 200; i++ {
		c := 1 + r.IntN(40)
		g := &dwGeom{mult: 1, convGeom: convGeom{
			batch: 1 + r.IntN(2), inH: 1 + r.IntN(12), inW: 1 + r.IntN(12), inC: c, outC: c,
			kH: 1 + r.IntN(5), kW: 1 + r.IntN(5), strideH: 1 + r.IntN(2), strideW: 1 + r.IntN(2),
			dilH: 1 + r.IntN(2), dilW: 1 + r.IntN(2),
		}}
		p := graph.Padding(r.IntN(2))
		g.outH, g.padH = window(p, g.inH, g.kH, g.strideH, g.dilH)
		g.outW, g.padW = window(p, g.inW, g.kW, g.strideW, g.dilW)
		if g.outH <= 0 || g.outW <= 0 {
			continue
		}
		g.lo, g.hi = float32(math.Inf(-1)), float32(math.Inf(1))
		if r.IntN(2) == 0 {
			g.lo, g.hi = -1, 1
		}
		in := randSlice(r, g.batch*g.inH*g.inW*c)
		w := randSlice(r, g.kH*g.kW*c)
		bias := randSlice(r, c)
		n := g.batch * g.outH * g.outW * c
		want, got := make([]float32, n), make([]float32, n)
		depthwiseRef(g, in, w, bias, want)
		d := newDepthwiseFast(g, w, bias)
		src := d.pad(in)
		pl.run(g.batch*g.outH, 1, func(lo, hi int) { d.rows(src, got, lo, hi) })
		if diff := maxRelDiff(t, got, want); diff > 1e-5 {
			t.Fatalf("%+v padding %v: max rel diff %.3g", *g, p, diff)
		}
	}
}

// TestMicrokernelsMatchGo checks the microkernels in use against the Go
// versions on odd lengths: bit for bit, both round each multiply-add once
// (fma32) in the same order (fma32's rare double-rounding ties aside,
// none on these inputs).
func TestMicrokernelsMatchGo(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for _, k := range []int{0, 1, 2, 3, 7, 8, 9, 16, 33, 100} {
		a := randSlice(r, 4*k+2)
		b := randSlice(r, 16*k+1)
		c0 := randSlice(r, 64)
		c1 := append([]float32(nil), c0...)
		tile4x16(k, &a[0], &a[k/4], &a[k/2], &a[k], &b[0], &c0[0])
		tile4x16Go(k, &a[0], &a[k/4], &a[k/2], &a[k], &b[0], &c1[0])
		if d := maxRelDiff(t, c0, c1); d != 0 {
			t.Errorf("tile4x16 k=%d: %.3g", k, d)
		}
		tile1x16(k, &a[1], &b[0], &c0[16])
		tile1x16Go(k, &a[1], &b[0], &c1[16])
		if d := maxRelDiff(t, c0, c1); d != 0 {
			t.Errorf("tile1x16 k=%d: %.3g", k, d)
		}
		for _, kind := range []binOp{binAdd, binSub, binMul, binDiv, binMax, binMin} {
			a, b := randSlice(r, k+5), randSlice(r, k+5)
			got, want := make([]float32, k+5), make([]float32, k+5)
			binClamp(kind, got, a, b, -0.5, 0.75)
			binSame(kind, want, a, b)
			for i, v := range want {
				want[i] = clamp(v, -0.5, 0.75)
			}
			if d := maxRelDiff(t, got, want); d != 0 {
				t.Errorf("binClamp %d n=%d: %.3g", kind, k+5, d)
			}
		}
		x, w := randSlice(r, k+1), randSlice(r, k+1)
		y0 := randSlice(r, k+1)
		y1 := append([]float32(nil), y0...)
		axpy(k, &x[0], &w[0], &y0[0])
		axpyGo(k, &x[0], &w[0], &y1[0])
		if d := maxRelDiff(t, y0, y1); d != 0 {
			t.Errorf("axpy n=%d: %.3g", k, d)
		}
	}
}

func TestTransposeConvFastMatchesReference(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	pl := newPool(2)
	defer pl.close()
	for i := 0; i < 100; i++ {
		g := &convGeom{batch: 1 + r.IntN(2), inH: 1 + r.IntN(7), inW: 1 + r.IntN(7), inC: 1 + r.IntN(20),
			outC: 1 + r.IntN(20), kH: 1 + r.IntN(4), kW: 1 + r.IntN(4), strideH: 1 + r.IntN(3), strideW: 1 + r.IntN(3), dilH: 1, dilW: 1}
		g.kC = g.inC
		p := graph.Padding(r.IntN(2))
		// Output size: the transposed convolution's, padding as TFLite computes it.
		if p == graph.PaddingValid {
			g.outH, g.outW = (g.inH-1)*g.strideH+g.kH, (g.inW-1)*g.strideW+g.kW
		} else {
			g.outH, g.outW = g.inH*g.strideH, g.inW*g.strideW
		}
		_, g.padH = window(p, g.outH, g.kH, g.strideH, 1)
		_, g.padW = window(p, g.outW, g.kW, g.strideW, 1)
		g.lo, g.hi = float32(math.Inf(-1)), float32(math.Inf(1))
		if r.IntN(2) == 0 {
			g.lo = 0
		}
		in := randSlice(r, g.batch*g.inH*g.inW*g.inC)
		w := randSlice(r, g.outC*g.kH*g.kW*g.inC)
		bias := randSlice(r, g.outC)
		n := g.batch * g.outH * g.outW * g.outC
		want, got := make([]float32, n), make([]float32, n)
		transposeConvRef(g, in, w, bias, want)
		tf := newTransposeFast(g, w, bias)
		pl.run(tf.gemm.items(), 1, func(lo, hi int) { tf.gemm.compute(in, tf.cols, lo, hi) })
		tf.col2im(got)
		if d := maxRelDiff(t, got, want); d > 1e-5 {
			t.Fatalf("%+v padding %v: max rel diff %.3g", *g, p, d)
		}
	}
}

// TestLogisticKernel checks the logistic in use (AVX2 when available)
// against math.Exp over [-100, 100].
func TestLogisticKernel(t *testing.T) {
	in := make([]float32, 20001)
	for i := range in {
		in[i] = float32(i)/100 - 100
	}
	got := make([]float32, len(in))
	unary(unLogistic, 0, in, got)
	for i, v := range in {
		want := 1 / (1 + math.Exp(-float64(v)))
		if d := math.Abs(float64(got[i]) - want); d > 1e-6*want && d > 1e-37 {
			t.Fatalf("logistic(%v) = %v, want %v", v, got[i], want)
		}
	}
}

// TestConvNarrowMatchesReference covers the path for fewer than 8 output
// channels.
func TestConvNarrowMatchesReference(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	pl := newPool(2)
	defer pl.close()
	for i := 0; i < 150; i++ {
		g := &convGeom{
			batch: 1 + r.IntN(2), inH: 1 + r.IntN(12), inW: 1 + r.IntN(12), inC: 8 + r.IntN(30),
			outC: 1 + r.IntN(7), kH: 1 + r.IntN(4), kW: 1 + r.IntN(4),
			strideH: 1 + r.IntN(3), strideW: 1 + r.IntN(3), dilH: 1 + r.IntN(2), dilW: 1 + r.IntN(2), groups: 1,
		}
		g.kC = g.inC
		g.filtersPerGroup = g.outC
		p := graph.Padding(r.IntN(2))
		g.outH, g.padH = window(p, g.inH, g.kH, g.strideH, g.dilH)
		g.outW, g.padW = window(p, g.inW, g.kW, g.strideW, g.dilW)
		if g.outH <= 0 || g.outW <= 0 {
			continue
		}
		g.lo, g.hi = float32(math.Inf(-1)), float32(math.Inf(1))
		if r.IntN(2) == 0 {
			g.lo, g.hi = 0, 6
		}
		in := randSlice(r, g.batch*g.inH*g.inW*g.inC)
		w := randSlice(r, g.outC*g.kH*g.kW*g.kC)
		bias := randSlice(r, g.outC)
		n := g.batch * g.outH * g.outW * g.outC
		want, got := make([]float32, n), make([]float32, n)
		convRef(g, in, w, bias, want)
		c := newConvNarrow(g, w, bias)
		src := c.f.pad(in)
		pl.run(g.batch*g.outH, 1, func(lo, hi int) { c.rows(src, got, lo, hi) })
		if d := maxRelDiff(t, got, want); d > 1e-5 {
			t.Fatalf("%+v padding %v: max rel diff %.3g", *g, p, d)
		}
	}
}

// TestResizeBilinearFastMatchesReference runs RESIZE_BILINEAR models
// (channel counts that take the vector row kernel and ones that do not,
// up- and downscaling, every option) through Compile with the optimized
// and the reference kernels, on 1 and 2 threads.
func TestResizeBilinearFastMatchesReference(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	for i := 0; i < 60; i++ {
		n, ih, iw, c := 1+r.IntN(2), 1+r.IntN(9), 1+r.IntN(9), []int{1, 3, 8, 16, 24, 5}[r.IntN(6)]
		oh, ow := 1+r.IntN(20), 1+r.IntN(20)
		o := &graph.ResizeBilinearOptions{AlignCorners: r.IntN(3) == 0}
		o.HalfPixelCenters = !o.AlignCorners && r.IntN(2) == 0
		size := []byte{byte(oh), 0, 0, 0, byte(ow), 0, 0, 0}
		sg := &graph.Subgraph{
			Tensors: []*graph.Tensor{
				{Name: "in", Type: graph.Float32, Shape: []int32{int32(n), int32(ih), int32(iw), int32(c)}},
				{Name: "size", Type: graph.Int32, Shape: []int32{2}, Data: size},
				{Name: "out", Type: graph.Float32, Shape: []int32{int32(n), int32(oh), int32(ow), int32(c)}},
			},
			Inputs: []int{0}, Outputs: []int{2},
			Ops: []*graph.Op{{Code: graph.OpResizeBilinear, Inputs: []int{0, 1}, Outputs: []int{2}, Options: o}},
		}
		m := &graph.Model{Version: 3, Subgraphs: []*graph.Subgraph{sg}}
		in := randSlice(r, n*ih*iw*c)
		var outs [][]float32
		for _, opt := range []engine.Options{{Threads: 1, Reference: true}, {Threads: 1}, {Threads: 2}} {
			p, err := Compile(m, opt)
			if err != nil {
				t.Fatal(err)
			}
			copy(engine.Float32s(p.Input(0)), in)
			if err := p.Run(); err != nil {
				t.Fatal(err)
			}
			outs = append(outs, append([]float32(nil), engine.Float32s(p.Output(0))...))
			p.Close()
		}
		for k, got := range outs[1:] {
			if d := maxRelDiff(t, got, outs[0]); d > 1e-6 {
				t.Errorf("%v -> %dx%d %+v (run %d): %.3g from the reference", sg.Tensors[0].Shape, oh, ow, *o, k+1, d)
			}
		}
	}
}
