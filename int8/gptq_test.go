package int8

import (
	"math"
	"math/rand"
	"strings"
	"testing"
)

// outputError is Σ over the samples of |(W - Q·scale) x|², the error the
// layer's output feels, for axis-0 weights [channels, k].
func outputError(w []float32, q []int8, scales []float32, k int, xs [][]float64) float64 {
	e := 0.0
	for _, x := range xs {
		for c := range scales {
			d := 0.0
			for j := 0; j < k; j++ {
				d += (float64(w[c*k+j]) - float64(q[c*k+j])*float64(scales[c])) * x[j]
			}
			e += d * d
		}
	}
	return e
}

// correlated returns n rows of k inputs that share a few common factors
// (as neighbouring pixels and channels of a feature map do).
func correlated(rng *rand.Rand, n, k int) [][]float64 {
	xs := make([][]float64, n)
	for i := range xs {
		f := []float64{rng.NormFloat64(), rng.NormFloat64(), rng.NormFloat64()}
		x := make([]float64, k)
		for j := range x {
			x[j] = f[j%3]*2 + f[(j/3)%3] + 0.3*rng.NormFloat64()
		}
		xs[i] = x
	}
	return xs
}

func TestQuantizeWeightsGPTQ(t *testing.T) {
	rng := rand.New(rand.NewSource(7))
	const channels, k = 8, 48
	w := randomWeights(rng, channels*k, 0.2)
	shape := []int{channels, 1, 1, k}
	rq, rs, err := QuantizeWeights(w, shape, 0)
	if err != nil {
		t.Fatal(err)
	}

	// Uncorrelated inputs of equal power (H = I): no error to spread,
	// GPTQ is the nearest rounding.
	id := NewHessian(k, 1)
	for j := 0; j < k; j++ {
		x := make([]float64, k)
		x[j] = 1
		id.Add(0, x)
	}
	q, s, err := QuantizeWeightsGPTQ(w, shape, 0, id)
	if err != nil {
		t.Fatal(err)
	}
	for i := range q {
		if q[i] != rq[i] {
			t.Fatalf("H = I: value %d is %d, nearest rounding %d", i, q[i], rq[i])
		}
	}

	// Correlated inputs: the same scales, and the output error on held-out
	// inputs of the same kind well below the nearest rounding's.
	h := NewHessian(k, 1)
	for _, x := range correlated(rng, 400, k) {
		h.Add(0, x)
	}
	q, s, err = QuantizeWeightsGPTQ(w, shape, 0, h)
	if err != nil {
		t.Fatal(err)
	}
	for c := range s {
		if s[c] != rs[c] {
			t.Fatalf("channel %d: scale %g, QuantizeWeights %g", c, s[c], rs[c])
		}
	}
	held := correlated(rng, 400, k)
	eR, eG := outputError(w, rq, rs, k, held), outputError(w, q, s, k, held)
	t.Logf("output error: nearest %.4g, GPTQ %.4g (%.1f dB better)", eR, eG, 10*math.Log10(eR/eG))
	if !(eG < 0.5*eR) {
		t.Errorf("GPTQ output error %.4g, nearest rounding %.4g: want at most half", eG, eR)
	}
	changed := 0
	for i := range q {
		if d := int(q[i]) - int(rq[i]); d != 0 {
			changed++
			if d < -2 || d > 2 {
				t.Errorf("value %d: GPTQ %d, nearest %d", i, q[i], rq[i])
			}
		}
	}
	if changed == 0 {
		t.Error("GPTQ changed no value")
	}

	// Deterministic.
	q2, _, _ := QuantizeWeightsGPTQ(w, shape, 0, h)
	if string(int8Bytes(q)) != string(int8Bytes(q2)) {
		t.Error("two runs differ")
	}

	// A Hessian of the wrong size is an error.
	if _, _, err := QuantizeWeightsGPTQ(w, shape, 0, NewHessian(k+1, 1)); err == nil || !strings.Contains(err.Error(), "Hessian") {
		t.Errorf("wrong Hessian: err %v", err)
	}
}

// TestQuantizeWeightsGPTQDepthwise: the last-axis layout (DEPTHWISE_CONV_2D
// [1, H, W, C]) uses one Hessian per channel; a channel whose inputs are
// correlated gains, a channel without data (all-zero Hessian) keeps the
// nearest rounding.
func TestQuantizeWeightsGPTQDepthwise(t *testing.T) {
	rng := rand.New(rand.NewSource(3))
	const c, k = 4, 9
	w := randomWeights(rng, k*c, 1)
	shape := []int{1, 3, 3, c}
	rq, rs, _ := QuantizeWeights(w, shape, 3)
	h := NewHessian(k, c)
	xs := correlated(rng, 300, k)
	for g := 0; g < c-1; g++ { // the last channel gets no data
		for _, x := range xs {
			h.Add(g, x)
		}
	}
	q, s, err := QuantizeWeightsGPTQ(w, shape, 3, h)
	if err != nil {
		t.Fatal(err)
	}
	chErr := func(q []int8, ch int) float64 {
		e := 0.0
		for _, x := range xs {
			d := 0.0
			for j := 0; j < k; j++ {
				d += (float64(w[j*c+ch]) - float64(q[j*c+ch])*float64(s[ch])) * x[j]
			}
			e += d * d
		}
		return e
	}
	for ch := 0; ch < c-1; ch++ {
		if chErr(q, ch) > chErr(rq, ch) {
			t.Errorf("channel %d: GPTQ error %.4g > nearest %.4g", ch, chErr(q, ch), chErr(rq, ch))
		}
	}
	for j := 0; j < k; j++ {
		if i := j*c + c - 1; q[i] != rq[i] || s[c-1] != rs[c-1] {
			t.Errorf("channel without data: value %d is %d, nearest %d", j, q[i], rq[i])
		}
	}
}

func int8Bytes(q []int8) []byte {
	b := make([]byte, len(q))
	for i, v := range q {
		b[i] = byte(v)
	}
	return b
}

// TestQuantizeWeightsGPTQPerTensor: with axis -1 (one scale, as
// FULLY_CONNECTED's hybrid kernel) the rows along axis 0 share the scale
// and GPTQ still lowers the output error.
func TestQuantizeWeightsGPTQPerTensor(t *testing.T) {
	rng := rand.New(rand.NewSource(11))
	const rows, k = 6, 40
	w := randomWeights(rng, rows*k, 1)
	shape := []int{rows, k}
	rq, rs, _ := QuantizeWeights(w, shape, -1)
	h := NewHessian(k, 1)
	for _, x := range correlated(rng, 300, k) {
		h.Add(0, x)
	}
	q, s, err := QuantizeWeightsGPTQ(w, shape, -1, h)
	if err != nil {
		t.Fatal(err)
	}
	if len(s) != 1 || s[0] != rs[0] {
		t.Fatalf("scales %v, QuantizeWeights %v", s, rs)
	}
	per := make([]float32, rows)
	for i := range per {
		per[i] = s[0]
	}
	held := correlated(rng, 300, k)
	eR, eG := outputError(w, rq, per, k, held), outputError(w, q, per, k, held)
	if !(eG < 0.5*eR) {
		t.Errorf("per tensor: GPTQ output error %.4g, nearest %.4g", eG, eR)
	}
}

// TestHessianBlocks: rows longer than gptqBlock are compensated block by
// block (the accumulator holds only the diagonal blocks); on the inputs it
// saw the result beats nearest rounding.
func TestHessianBlocks(t *testing.T) {
	rng := rand.New(rand.NewSource(5))
	const rows, k = 2, gptqBlock + 37
	w := randomWeights(rng, rows*k, 1)
	h := NewHessian(k, 1)
	if h.Bytes() != 8*(gptqBlock*gptqBlock+37*37) {
		t.Fatalf("Hessian of %d columns holds %d bytes", k, h.Bytes())
	}
	xs := correlated(rng, 200, k)
	for _, x := range xs {
		h.Add(0, x)
	}
	rq, rs, _ := QuantizeWeights(w, []int{rows, k}, 0)
	q, _, err := QuantizeWeightsGPTQ(w, []int{rows, k}, 0, h)
	if err != nil {
		t.Fatal(err)
	}
	eR, eG := outputError(w, rq, rs, k, xs), outputError(w, q, rs, k, xs)
	t.Logf("%d columns: nearest %.4g, GPTQ %.4g", k, eR, eG)
	if !(eG < 0.5*eR) {
		t.Errorf("GPTQ output error %.4g, nearest %.4g", eG, eR)
	}
}

// randomWeights returns n normal weights of standard deviation sd.
func randomWeights(rng *rand.Rand, n int, sd float64) []float32 {
	w := make([]float32, n)
	for i := range w {
		w[i] = float32(rng.NormFloat64() * sd)
	}
	return w
}
