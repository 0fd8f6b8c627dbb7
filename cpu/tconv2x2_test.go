package cpu

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestTconv2x2MatchesTransposeFast checks tconv2x2 (where the machine has
// AVX-512) against transposeFast, the GEMM and col2im it replaces, bit
// for bit: random inputs and weights with NaN, ±Inf, ±0 and subnormals
// mixed in, channel counts below and above 16, batches, with and without
// bias and a clamp.
func TestTconv2x2MatchesTransposeFast(t *testing.T) {
	if !useTconv2x2Asm {
		t.Skip("no AVX-512: transposeFast runs")
	}
	r := rand.New(rand.NewPCG(17, 18))
	specials := []float32{float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1)), 0, float32(math.Copysign(0, -1)), 1e-40, -3e38}
	val := func(sp bool) float32 {
		if sp && r.IntN(50) == 0 {
			return specials[r.IntN(len(specials))]
		}
		return float32(r.NormFloat64())
	}
	for trial := range 40 {
		g := &convGeom{batch: 1 + r.IntN(2), inH: 1 + r.IntN(5), inW: 4 * (1 + r.IntN(5)), inC: []int{1, 3, 16, 17, 40}[r.IntN(5)],
			outC: 1, kH: 2, kW: 2, strideH: 2, strideW: 2, dilH: 1, dilW: 1, groups: 1, filtersPerGroup: 1}
		g.outH, g.outW, g.kC = 2*g.inH, 2*g.inW, g.inC
		g.lo, g.hi = float32(math.Inf(-1)), float32(math.Inf(1))
		if trial%4 == 3 {
			g.lo, g.hi = -0.5, 2
		}
		sp := trial%2 == 1
		in := make([]float32, g.batch*g.inH*g.inW*g.inC)
		for i := range in {
			in[i] = val(sp)
		}
		w := make([]float32, 4*g.inC)
		for i := range w {
			w[i] = val(sp)
		}
		var bias []float32
		if trial%3 != 0 {
			bias = []float32{val(sp)}
		}
		want := make([]float32, g.batch*g.outH*g.outW)
		f := newTransposeFast(g, w, bias)
		f.gemm.compute(in, f.cols, 0, f.gemm.items())
		f.col2im(want)
		k := newTconv2x2(g, w, bias)
		if k == nil {
			t.Fatalf("trial %d: no tconv2x2 for %+v", trial, *g)
		}
		got := make([]float32, len(want))
		k.rows(in, got, 0, g.batch*g.inH)
		for i := range want {
			if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
				t.Fatalf("trial %d %+v: out[%d] = %g (%#x), transposeFast %g (%#x)", trial, *g, i, got[i], math.Float32bits(got[i]), want[i], math.Float32bits(want[i]))
			}
		}
	}
}
