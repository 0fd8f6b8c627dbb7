package int8

import (
	"errors"
	"math"
	"testing"
)

// lcg is a small deterministic generator for the test distributions.
type lcg uint64

func (g *lcg) uniform() float64 {
	*g = *g*6364136223846793005 + 1442695040888963407
	return (float64(uint64(*g)>>11) + 0.5) / (1 << 53)
}

// gauss returns a standard normal value (Box-Muller).
func (g *lcg) gauss() float64 {
	u, v := g.uniform(), g.uniform()
	return math.Sqrt(-2*math.Log(u)) * math.Cos(2*math.Pi*v)
}

const nSamples = 400000

func uniformData() []float32 {
	g := lcg(1)
	x := make([]float32, nSamples)
	for i := range x {
		x[i] = float32(2*g.uniform() - 1)
	}
	return x
}

// gaussOutliers is N(0,1) with four outliers at ±100 and ±60.
func gaussOutliers() []float32 {
	g := lcg(2)
	x := make([]float32, nSamples)
	for i := range x {
		x[i] = float32(g.gauss())
	}
	x[10], x[20000], x[30000], x[40000] = 100, -100, 60, -60
	return x
}

// gauss is N(0,1).
func gauss() []float32 {
	g := lcg(4)
	x := make([]float32, nSamples)
	for i := range x {
		x[i] = float32(g.gauss())
	}
	return x
}

// reluOutliers is max(0, N(0,1)) (half zeros) with two outliers at 50.
func reluOutliers() []float32 {
	g := lcg(3)
	x := make([]float32, nSamples)
	for i := range x {
		x[i] = float32(math.Max(0, g.gauss()))
	}
	x[7], x[99] = 50, 50
	return x
}

func observe(t *testing.T, m Method, x []float32) (Range, Stats) {
	t.Helper()
	o, err := NewObserver(ObserverOptions{Method: m})
	if err != nil {
		t.Fatal(err)
	}
	o.Observe(x)
	r, err := o.Range()
	if err != nil {
		t.Fatal(err)
	}
	return r, o.Stats()
}

// TestObserverDistributions checks each method on distributions whose
// right answer is known or bounded.
func TestObserverDistributions(t *testing.T) {
	type bound struct{ loMin, loMax, hiMin, hiMax float32 }
	cases := []struct {
		name string
		data []float32
		want map[Method]bound
	}{
		{"uniform", uniformData(), map[Method]bound{
			// The observed extremes, to within 1e-5.
			MinMax: {-1, -0.9999, 0.9999, 1},
			// 99.99% of |x| for U(-1,1) is 0.9999.
			Percentile: {-0.9999 - 2e-4, -0.9999 + 2e-4, 0.9999 - 2e-4, 0.9999 + 2e-4},
			// Nothing to gain by clipping a flat distribution much.
			Entropy: {-1, -0.9, 0.9, 1},
			MSE:     {-1, -0.97, 0.97, 1},
		}},
		{"gauss+outliers", gaussOutliers(), map[Method]bound{
			MinMax: {-100, -100, 100, 100},
			// |x| of N(0,1): the 99.99th percentile is 3.89.
			Percentile: {-4.1, -3.7, 3.7, 4.1},
			Entropy:    {-8, -2, 2, 8},
			// Squared clipping error keeps most of these far outliers
			// (four at ±60, ±100 in 400000 values); see TestObserverMSE.
			MSE: {-60, -3, 3, 60},
		}},
		{"gauss", gauss(), map[Method]bound{
			MinMax:     {-5.5, -4, 4, 5.5},
			Percentile: {-4.1, -3.7, 3.7, 4.1},
			Entropy:    {-5.5, -2.5, 2.5, 5.5},
			// The 8-bit MSE-optimal clip of N(0,1) is about 4σ (Banner
			// et al., ACIQ).
			MSE: {-4.5, -3.5, 3.5, 4.5},
		}},
		{"relu+outliers", reluOutliers(), map[Method]bound{
			MinMax: {0, 0, 50, 50},
			// Half the values are 0: 99.99% of all is the 99.98th
			// percentile of the positive half, 3.72.
			Percentile: {0, 0, 3.5, 4.0},
			Entropy:    {0, 0, 2, 8},
			MSE:        {0, 0, 3, 49},
		}},
	}
	for _, c := range cases {
		for _, m := range Methods {
			r, st := observe(t, m, c.data)
			b := c.want[m]
			if r.Min < b.loMin || r.Min > b.loMax || r.Max < b.hiMin || r.Max > b.hiMax {
				t.Errorf("%s %s: range [%g, %g], want min in [%g, %g], max in [%g, %g]", c.name, m, r.Min, r.Max, b.loMin, b.loMax, b.hiMin, b.hiMax)
			}
			if r.Min < st.Min || r.Max > st.Max || r.Min > r.Max {
				t.Errorf("%s %s: range [%g, %g] outside the observed [%g, %g]", c.name, m, r.Min, r.Max, st.Min, st.Max)
			}
			t.Logf("%-15s %-10s [%9.5f, %9.5f]", c.name, m, r.Min, r.Max)
		}
	}
}

// TestObserverStreaming checks that the range depends only on the values:
// one batch, many uneven batches and the reversed order (so that the
// histogram grows several times) give the same bits.
func TestObserverStreaming(t *testing.T) {
	x := gaussOutliers()
	// Make the range grow late: small values first.
	rev := make([]float32, len(x))
	for i := range x {
		rev[len(x)-1-i] = x[i] * float32(1+i%3)
	}
	for _, data := range [][]float32{x, rev} {
		for _, m := range Methods {
			whole, _ := observe(t, m, data)
			o, _ := NewObserver(ObserverOptions{Method: m})
			for i, step := 0, 1; i < len(data); step = (step*3 + 1) % 4999 {
				end := min(i+step%5000+1, len(data))
				o.Observe(data[i:end])
				i = end
			}
			parts, err := o.Range()
			if err != nil {
				t.Fatal(err)
			}
			if whole != parts {
				t.Errorf("%s: one batch gives %v, batches give %v", m, whole, parts)
			}
		}
	}
	// Order independence of the histogram itself: the same values fed by
	// increasing magnitude (many regrowths) and by decreasing magnitude
	// (one) give the same bins.
	b, _ := NewObserver(ObserverOptions{Method: Entropy})
	for _, s := range []float32{1e-30, 1e-3, 0.5, 2, 50, 1000} {
		for _, v := range x {
			if math.Abs(float64(v)) < float64(s) && math.Abs(float64(v)) >= float64(s)/1e3 {
				b.Observe([]float32{v})
			}
		}
	}
	c, _ := NewObserver(ObserverOptions{Method: Entropy})
	for _, s := range []float32{1000, 50, 2, 0.5, 1e-3, 1e-30} {
		for _, v := range x {
			if math.Abs(float64(v)) < float64(s) && math.Abs(float64(v)) >= float64(s)/1e3 {
				c.Observe([]float32{v})
			}
		}
	}
	if b.r != c.r || b.zeros != c.zeros {
		t.Fatalf("histogram ranges differ: %g vs %g", b.r, c.r)
	}
	for j := range b.pos {
		if b.pos[j] != c.pos[j] || b.neg[j] != c.neg[j] {
			t.Fatalf("bin %d differs with the order of the values", j)
		}
	}
}

// TestObserverClipsOutliers: the histogram methods clip a rare moderate
// outlier (one at 12 in N(0,1)), minmax keeps it.
func TestObserverClipsOutliers(t *testing.T) {
	x := gauss()
	x[1234] = 12
	for _, m := range Methods {
		r, _ := observe(t, m, x)
		if clipped := r.Max < 8; clipped != (m != MinMax) {
			t.Errorf("%s: max %g (clipped %v)", m, r.Max, clipped)
		}
	}
}

// TestEntropySkipsZeros: the zeros of a ReLU output do not move the KL
// threshold (it equals the threshold of the positive values alone), and
// without that rule the zero spike would pin it to the smallest candidate,
// max × EntropyLevels/EntropyBins.
func TestEntropySkipsZeros(t *testing.T) {
	x := reluOutliers()
	var pos []float32
	for _, v := range x {
		if v != 0 {
			pos = append(pos, v)
		}
	}
	a, _ := observe(t, Entropy, x)
	b, _ := observe(t, Entropy, pos)
	if a.Max != b.Max || a.Min != 0 {
		t.Errorf("with zeros %v, positive values alone %v", a, b)
	}
	if floor := float32(50.0 * EntropyLevels / EntropyBins); a.Max <= floor*1.1 {
		t.Errorf("threshold %g at the floor %g", a.Max, floor)
	}
}

// quantMSE is the mean squared error of quantizing x with the parameters
// Asymmetric chooses for r.
func quantMSE(x []float32, r Range) float64 {
	p := Asymmetric(r.Min, r.Max, Int8Min, Int8Max)
	s := 0.0
	for _, v := range x {
		d := float64(v - p.Dequantize(p.Quantize(v, Int8Min, Int8Max)))
		s += d * d
	}
	return s / float64(len(x))
}

// TestObserverMSE checks the mse method against the real quantization
// error: no clip magnitude on a fine scan does more than 3% better.
func TestObserverMSE(t *testing.T) {
	for name, x := range map[string][]float32{"gauss": gauss(), "gauss+outliers": gaussOutliers(), "relu+outliers": reluOutliers()} {
		x = x[:100000]
		if name != "gauss" {
			x[5], x[6] = 40, -30
		}
		o, _ := NewObserver(ObserverOptions{Method: MSE})
		o.Observe(x)
		r, _ := o.Range()
		st := o.Stats()
		got := quantMSE(x, r)
		amax := math.Max(float64(-st.Min), float64(st.Max))
		best, bestA := math.Inf(1), 0.0
		for k := 1; k <= 400; k++ {
			a := amax * float64(k) / 400
			c := Range{float32(math.Max(float64(st.Min), -a)), float32(math.Min(float64(st.Max), a))}
			if e := quantMSE(x, c); e < best {
				best, bestA = e, a
			}
		}
		if got > best*1.03 {
			t.Errorf("%s: mse range %v has error %.4g; clipping at %.4g gives %.4g", name, r, got, bestA, best)
		}
		t.Logf("%s: mse range %v error %.4g, best scanned %.4g at %.4g, minmax %.4g", name, r, got, best, bestA, quantMSE(x, Range{st.Min, st.Max}))
	}
}

func TestObserverSpecialValues(t *testing.T) {
	nan, inf := float32(math.NaN()), float32(math.Inf(1))
	o, _ := NewObserver(ObserverOptions{Method: MSE})
	o.Observe([]float32{nan, 1, -2, inf, -inf, nan, 3})
	st := o.Stats()
	if st.NaN != 2 || st.Inf != 2 || st.Count != 3 || st.Min != -2 || st.Max != 3 || st.AllEqual {
		t.Errorf("stats %+v", st)
	}
	for _, m := range Methods {
		r, err := o.RangeOf(m)
		if err != nil || math.IsNaN(float64(r.Min)) || math.IsNaN(float64(r.Max)) || r.Min < -2 || r.Max > 3 {
			t.Errorf("%s: %v %v", m, r, err)
		}
	}
	// All equal, nonzero and zero.
	for _, v := range []float32{0.75, 0, -3} {
		for _, m := range Methods {
			o, _ := NewObserver(ObserverOptions{Method: m})
			o.Observe([]float32{v, v, v})
			o.Observe([]float32{v, nan})
			r, err := o.Range()
			if st := o.Stats(); err != nil || !st.AllEqual || st.Count != 4 || r != (Range{v, v}) {
				t.Errorf("%s on all %g: %v %+v %v", m, v, r, st, err)
			}
		}
	}
	// One-sided data away from 0: every method stays inside the observed
	// range, even a percentile below the smallest magnitude.
	g := lcg(9)
	for _, sign := range []float32{1, -1} {
		x := make([]float32, 10000)
		for i := range x {
			x[i] = sign * float32(5+g.uniform())
		}
		for _, m := range Methods {
			for _, p := range []float64{0.01, 50, 99.99} {
				o, _ := NewObserver(ObserverOptions{Method: m, Percentile: p})
				o.Observe(x)
				r, err := o.Range()
				st := o.Stats()
				if err != nil || r.Min > r.Max || r.Min < st.Min || r.Max > st.Max {
					t.Errorf("%s (p %g) on [%g, %g]: %v %v", m, p, st.Min, st.Max, r, err)
				}
			}
		}
	}
	// Nothing finite.
	o, _ = NewObserver(ObserverOptions{Method: Entropy})
	o.Observe([]float32{nan, inf})
	if _, err := o.Range(); !errors.Is(err, ErrNoData) {
		t.Errorf("no data: %v", err)
	}
	// Huge and tiny magnitudes grow the histogram without overflow.
	o, _ = NewObserver(ObserverOptions{Method: Percentile, Percentile: 50})
	o.Observe([]float32{1e-45, -1e-40, math.MaxFloat32, -math.MaxFloat32, 1})
	if r, err := o.Range(); err != nil || r.Min < -math.MaxFloat32 || r.Max > math.MaxFloat32 {
		t.Errorf("extremes: %v %v", r, err)
	}
	// A minmax observer without a histogram refuses the other methods.
	o, _ = NewObserver(ObserverOptions{})
	o.Observe([]float32{1, 2})
	if _, err := o.RangeOf(Entropy); err == nil {
		t.Error("entropy without a histogram")
	}
	o, _ = NewObserver(ObserverOptions{Histogram: true})
	o.Observe([]float32{1, 2})
	if _, err := o.RangeOf(Entropy); err != nil {
		t.Error(err)
	}
}

func TestObserverOptions(t *testing.T) {
	for _, s := range []string{"minmax", "Percentile", "ENTROPY", "mse"} {
		if _, err := ParseMethod(s); err != nil {
			t.Error(err)
		}
	}
	if _, err := ParseMethod("kl"); err == nil {
		t.Error("kl accepted")
	}
	for _, p := range []float64{-1, 100.5, math.NaN()} {
		if _, err := NewObserver(ObserverOptions{Method: Percentile, Percentile: p}); err == nil {
			t.Errorf("percentile %v accepted", p)
		}
	}
	// Percentile 100 is the observed range.
	o, _ := NewObserver(ObserverOptions{Method: Percentile, Percentile: 100})
	o.Observe(gaussOutliers())
	if r, _ := o.Range(); r != (Range{-100, 100}) {
		t.Errorf("percentile 100: %v", r)
	}
}

// entropyDirect is the KL search written out bin by bin (the definition
// the prefix-sum version in entropy must match).
func entropyDirect(o *Observer) float64 {
	bins, width := o.entropyHist()
	total := 0.0
	for _, b := range bins {
		total += b
	}
	best, bestI := math.Inf(1), EntropyBins
	for i := EntropyLevels; i <= EntropyBins; i++ {
		outliers := 0.0
		for _, b := range bins[i:] {
			outliers += b
		}
		p := append([]float64(nil), bins[:i]...)
		p[i-1] += outliers
		q := make([]float64, i)
		sum, nz := make([]float64, EntropyLevels), make([]int, EntropyLevels)
		nonzero := 0
		for k := 0; k < i; k++ {
			if bins[k] != 0 {
				sum[k*EntropyLevels/i] += bins[k]
				nz[k*EntropyLevels/i]++
				nonzero++
			}
		}
		for k := 0; k < i; k++ {
			if l := k * EntropyLevels / i; bins[k] != 0 {
				q[k] = sum[l] / float64(nz[l]) / (total - outliers)
			}
		}
		if outliers > 0 && bins[i-1] == 0 {
			for k := range q {
				if q[k] == 0 {
					q[k] = EntropyEpsilon
				} else {
					q[k] -= EntropyEpsilon / float64(nonzero)
				}
			}
		}
		kl := 0.0
		for k := range p {
			if p[k] > 0 {
				kl += p[k] / total * math.Log(p[k]/total/q[k])
			}
		}
		if kl <= best*(1+1e-12) {
			best, bestI = math.Min(kl, best), i
		}
	}
	return float64(bestI) * width
}

func TestEntropyAgainstDirect(t *testing.T) {
	for name, x := range map[string][]float32{"gauss": gauss()[:50000], "gauss+outliers": gaussOutliers()[:50000], "relu+outliers": reluOutliers()[:50000], "uniform": uniformData()[:50000]} {
		if name != "gauss" {
			x[0] = 100
		}
		o, _ := NewObserver(ObserverOptions{Method: Entropy})
		o.Observe(x)
		got, want := o.entropy(), entropyDirect(o)
		if math.Abs(got-want) > 2*o.absMax()/EntropyBins {
			t.Errorf("%s: entropy threshold %g, bin-by-bin definition %g", name, got, want)
		}
	}
}
