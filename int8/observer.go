package int8

import (
	"errors"
	"fmt"
	"math"
	"strings"
)

// Method is a calibration method: how an Observer turns the activations
// it saw into a range (--calib-method).
type Method string

// Calibration methods.
const (
	// MinMax is the global minimum and maximum over all samples, TFLite's
	// default.
	MinMax Method = "minmax"
	// Percentile clips |x| at a percentile (DefaultPercentile unless
	// ObserverOptions.Percentile says otherwise), as TensorRT's
	// percentile calibrator: the same magnitude on both sides.
	Percentile Method = "percentile"
	// Entropy is TensorRT's KL calibration: EntropyBins bins of |x|,
	// EntropyLevels quantized levels, the threshold minimizing KL(P||Q).
	// Exact zeros are left out of the histogram (pytorch-quantization's
	// skip_zeros): zero is exact in int8 (the zero point), and the spike
	// of a ReLU output's zeros would otherwise drive the search to the
	// smallest threshold.
	Entropy Method = "entropy"
	// MSE is the clip range minimizing the expected quantization error
	// (rounding inside the range plus clipping outside it) on the
	// histogram, for the asymmetric int8 parameters Asymmetric chooses.
	MSE Method = "mse"
)

// Methods lists the calibration methods, MinMax first.
var Methods = []Method{MinMax, Percentile, Entropy, MSE}

// ParseMethod returns the method named s (case-insensitive).
func ParseMethod(s string) (Method, error) {
	for _, m := range Methods {
		if strings.EqualFold(string(m), s) {
			return m, nil
		}
	}
	return "", fmt.Errorf("int8: unknown calibration method %q (want one of %s)", s, strings.Join(MethodNames(), ", "))
}

// MethodNames returns the names of Methods, in order.
func MethodNames() []string {
	names := make([]string, len(Methods))
	for i, m := range Methods {
		names[i] = string(m)
	}
	return names
}

// Histogram and search sizes of the observers.
const (
	// HistogramBins is the number of bins of each of an Observer's two
	// streaming histograms (positive and negative values by magnitude).
	HistogramBins = 8192
	// EntropyBins is the number of bins of |x| over [0, max|x|] the KL
	// search runs on (TensorRT's 2048).
	EntropyBins = 2048
	// EntropyLevels is the number of quantized levels Q is built with
	// (TensorRT's 128: the positive half of int8).
	EntropyLevels = 128
	// EntropyEpsilon is the probability the KL search gives an empty bin
	// of Q where P is not empty (MXNet's and TVM's smoothing).
	EntropyEpsilon = 1e-4
	// DefaultPercentile is the percentile of |x| Percentile keeps when
	// ObserverOptions.Percentile is 0.
	DefaultPercentile = 99.99
)

// ErrNoData is returned by Observer.Range when the observer saw no finite
// value.
var ErrNoData = errors.New("no finite values observed")

// ObserverOptions configure an Observer.
type ObserverOptions struct {
	// Method is the method Range uses (MinMax when empty).
	Method Method
	// Percentile is the percentile of |x| the Percentile method keeps,
	// in (0, 100]; 0 means DefaultPercentile.
	Percentile float64
	// Histogram makes a MinMax observer keep the histogram too, so that
	// RangeOf can answer for every method. Observers of the other methods
	// always keep it.
	Histogram bool
}

// Stats describe what an Observer saw.
type Stats struct {
	// Count is the number of finite values observed.
	Count int64
	// NaN and Inf count the NaN and ±Inf values, which were skipped.
	NaN, Inf int64
	// Min and Max are the smallest and largest finite values (0 when
	// Count is 0).
	Min, Max float32
	// AllEqual reports that Count > 0 and every finite value was the same
	// (Min == Max): a range of one point, which quantization widens to
	// include 0.
	AllEqual bool
}

// Range is a calibrated activation range [Min, Max], always within the
// observed [Stats.Min, Stats.Max]. (Asymmetric widens it to include 0.)
type Range struct {
	Min, Max float32
}

// Observer turns a stream of float32 activations into a range. It uses
// fixed memory whatever the number of values (two histograms of
// HistogramBins bins for the histogram methods, nothing for MinMax) and
// is deterministic: the range depends only on the multiset of values
// seen, not on their order nor on how they were split into batches.
//
// The histograms count |x| of the positive and of the negative values in
// HistogramBins bins of equal width over [0, R), R the smallest power of
// two above the largest |x| seen so far (zeros are counted apart). When a
// larger value arrives R doubles as often as needed and adjacent bins are
// merged pairwise: as R and the bin count are powers of two, the merged
// histogram is exactly the one built directly with the new R, so there is
// one pass over the data and no approximation beyond the final bins (at
// least HistogramBins/2 of them cover [0, max|x|]).
type Observer struct {
	opt      ObserverOptions
	st       Stats
	hist     bool
	pos, neg []uint64
	zeros    uint64
	r        float64 // histogram range [0, r); 0 before the first nonzero value
	scale    float64 // HistogramBins / r
}

// NewObserver returns an observer for opt.
func NewObserver(opt ObserverOptions) (*Observer, error) {
	if opt.Method == "" {
		opt.Method = MinMax
	}
	if _, err := ParseMethod(string(opt.Method)); err != nil {
		return nil, err
	}
	if opt.Percentile == 0 {
		opt.Percentile = DefaultPercentile
	}
	if !(opt.Percentile > 0 && opt.Percentile <= 100) {
		return nil, fmt.Errorf("int8: percentile %v is not in (0, 100]", opt.Percentile)
	}
	o := &Observer{opt: opt, hist: opt.Method != MinMax || opt.Histogram}
	if o.hist {
		o.pos = make([]uint64, HistogramBins)
		o.neg = make([]uint64, HistogramBins)
	}
	return o, nil
}

// Observe adds the values of x. NaN and ±Inf are counted and skipped.
func (o *Observer) Observe(x []float32) {
	st := &o.st
	for _, v := range x {
		f := float64(v)
		if v != v {
			st.NaN++
			continue
		}
		if math.IsInf(f, 0) {
			st.Inf++
			continue
		}
		if st.Count == 0 {
			st.Min, st.Max = v, v
		} else if v < st.Min {
			st.Min = v
		} else if v > st.Max {
			st.Max = v
		}
		st.Count++
		if !o.hist {
			continue
		}
		if v == 0 {
			o.zeros++
			continue
		}
		a := math.Abs(f)
		if a >= o.r {
			o.grow(a)
		}
		// Exact: a × 2^k, and a < r gives an index below HistogramBins.
		j := int(a * o.scale)
		if v > 0 {
			o.pos[j]++
		} else {
			o.neg[j]++
		}
	}
	st.AllEqual = st.Count > 0 && st.Min == st.Max
}

// grow doubles the histogram range until it exceeds a, merging bins.
func (o *Observer) grow(a float64) {
	_, e := math.Frexp(a) // a < 2^e
	nr := math.Ldexp(1, e)
	if o.r == 0 {
		o.r, o.scale = nr, HistogramBins/nr
		return
	}
	shift := uint(0)
	for r := o.r; r < nr; r *= 2 {
		shift++
	}
	for _, h := range [][]uint64{o.pos, o.neg} {
		for j := range h {
			c := h[j]
			h[j] = 0
			h[j>>shift] += c
		}
	}
	o.r, o.scale = nr, HistogramBins/nr
}

// Stats returns what the observer saw so far.
func (o *Observer) Stats() Stats { return o.st }

// Range returns the range of the observer's method. It fails with
// ErrNoData when no finite value was observed.
func (o *Observer) Range() (Range, error) { return o.RangeOf(o.opt.Method) }

// RangeOf returns the range method m would choose from the values seen
// so far. Methods other than MinMax need the histogram (an observer
// created with a histogram method or with ObserverOptions.Histogram).
func (o *Observer) RangeOf(m Method) (Range, error) {
	if _, err := ParseMethod(string(m)); err != nil {
		return Range{}, err
	}
	st := o.st
	if st.Count == 0 {
		return Range{}, ErrNoData
	}
	if m != MinMax && !o.hist {
		return Range{}, fmt.Errorf("int8: method %s needs the histogram; this observer only tracks the minimum and maximum", m)
	}
	if m == MinMax || o.r == 0 || st.AllEqual {
		return Range{st.Min, st.Max}, nil
	}
	var a float64
	switch m {
	case Percentile:
		a = o.percentile(o.opt.Percentile)
	case Entropy:
		a = o.entropy()
	case MSE:
		a = o.mse()
	}
	return o.clip(a), nil
}

// clip returns the observed range clipped to [-a, a]. For one-sided data
// whose values all lie beyond a (a positive tensor with a below its
// minimum), the range shrinks to the observed value nearest 0.
func (o *Observer) clip(a float64) Range {
	lo, hi := float64(o.st.Min), float64(o.st.Max)
	r := Range{float32(math.Max(lo, -a)), float32(math.Min(hi, a))}
	if r.Max < r.Min {
		if lo > 0 {
			r.Max = r.Min
		} else {
			r.Min = r.Max
		}
	}
	return r
}

// absMax returns max|x| over the finite values.
func (o *Observer) absMax() float64 {
	return math.Max(math.Abs(float64(o.st.Min)), math.Abs(float64(o.st.Max)))
}

// absHist returns the histogram of |x| over the bins that can be
// nonzero, and the bin width; zeros are counted in bin 0 when withZeros.
func (o *Observer) absHist(withZeros bool) ([]float64, float64) {
	w := o.r / HistogramBins
	n := min(int(o.absMax()/w)+1, HistogramBins)
	h := make([]float64, n)
	for j := range h {
		h[j] = float64(o.pos[j] + o.neg[j])
	}
	if withZeros {
		h[0] += float64(o.zeros)
	}
	return h, w
}

// percentile returns the p-th percentile of |x|, interpolated linearly
// inside its bin and capped at max|x|.
func (o *Observer) percentile(p float64) float64 {
	amax := o.absMax()
	if p >= 100 {
		return amax
	}
	h, w := o.absHist(true)
	target := p / 100 * float64(o.st.Count)
	cum := 0.0
	for j, c := range h {
		if c > 0 && cum+c >= target {
			return math.Min(amax, (float64(j)+(target-cum)/c)*w)
		}
		cum += c
	}
	return amax
}

// entropyHist resamples the |x| histogram without the zeros to
// EntropyBins bins over
// [0, max|x|], splitting each fine bin in proportion to its overlap with
// the coarse ones (the fine bin holding max|x| ends at max|x|).
func (o *Observer) entropyHist() (coarse []float64, width float64) {
	h, w := o.absHist(false)
	amax := o.absMax()
	coarse = make([]float64, EntropyBins)
	width = amax / EntropyBins
	for j, c := range h {
		if c == 0 {
			continue
		}
		s := float64(j) * w / width
		e := math.Min(float64(j+1)*w, amax) / width
		if e <= s {
			coarse[min(int(s), EntropyBins-1)] += c
			continue
		}
		for k := int(s); k < EntropyBins && float64(k) < e; k++ {
			ov := math.Min(e, float64(k+1)) - math.Max(s, float64(k))
			if ov > 0 {
				coarse[k] += c * ov / (e - s)
			}
		}
	}
	return coarse, width
}

// entropy is TensorRT's KL calibration on the |x| histogram: for each
// candidate threshold i (in bins, EntropyLevels to EntropyBins), P is the
// first i bins with the counts beyond them added to bin i-1, and Q is the
// first i bins (without those) merged into EntropyLevels levels (bin k in
// level k×EntropyLevels/i) and expanded back, each level's count spread
// evenly over the bins of the level that are nonzero. Both are normalized;
// the threshold minimizing KL(P||Q) wins (the largest one on a tie). Where
// Q is 0 and P is not (an empty bin i-1 that received the outliers), Q is
// smoothed as MXNet's and TVM's KL calibrators do: the empty bins get
// EntropyEpsilon and the others give it back in equal parts, so that
// every divergence is finite.
func (o *Observer) entropy() float64 {
	bins, width := o.entropyHist()
	// KL(P||Q) = (1/T)(Σ p log p - T log T - Σ p log q'), q' = Q
	// normalized; q' is constant over the nonzero bins of a level, so the
	// last sum is Σ over levels of log q'_l × (P's mass in the level),
	// and Σ p log p is a prefix sum but for bin i-1.
	suffix := make([]float64, EntropyBins+1)
	plogp := make([]float64, EntropyBins+1) // Σ_{k<i} b log b
	prefix := make([]float64, EntropyBins+1)
	prefixNZ := make([]int, EntropyBins+1) // nonzero bins below k
	for k := EntropyBins - 1; k >= 0; k-- {
		suffix[k] = suffix[k+1] + bins[k]
	}
	for k, b := range bins {
		plogp[k+1] = plogp[k] + xlogx(b)
		prefix[k+1] = prefix[k] + b
		prefixNZ[k+1] = prefixNZ[k]
		if b != 0 {
			prefixNZ[k+1]++
		}
	}
	total := suffix[0]
	best, bestI := math.Inf(1), EntropyBins
	var levelSum [EntropyLevels]float64
	var levelNZ [EntropyLevels]int
	for i := EntropyLevels; i <= EntropyBins; i++ {
		outliers := suffix[i]
		// Level l holds the bins k with k×EntropyLevels/i = l: k from
		// ceil(l×i/EntropyLevels) to ceil((l+1)×i/EntropyLevels).
		start := 0
		for l := range levelSum {
			end := ((l+1)*i + EntropyLevels - 1) / EntropyLevels
			levelSum[l] = prefix[end] - prefix[start]
			levelNZ[l] = prefixNZ[end] - prefixNZ[start]
			start = end
		}
		nonzero := prefixNZ[i]
		// P sums to total, Q to total - outliers. Only bin i-1 can have
		// P > 0 and Q = 0: then Q is smoothed.
		qTotal := total - outliers
		last := bins[i-1] + outliers
		sumPlogP := plogp[i-1] + xlogx(last)
		give := 0.0
		sumPlogQ := 0.0
		if outliers > 0 && bins[i-1] == 0 {
			give = EntropyEpsilon / float64(nonzero)
			sumPlogQ = last * math.Log(EntropyEpsilon)
		}
		lastLevel := (i - 1) * EntropyLevels / i
		for l := 0; l < EntropyLevels; l++ {
			if levelNZ[l] == 0 {
				continue
			}
			mass := levelSum[l]
			if l == lastLevel && bins[i-1] != 0 {
				mass += outliers
			}
			sumPlogQ += mass * math.Log(levelSum[l]/float64(levelNZ[l])/qTotal-give)
		}
		kl := (sumPlogP - total*math.Log(total) - sumPlogQ) / total
		if kl <= best {
			best, bestI = kl, i
		}
	}
	return float64(bestI) * width
}

// xlogx returns x log x, 0 for x = 0.
func xlogx(x float64) float64 {
	if x == 0 {
		return 0
	}
	return x * math.Log(x)
}

// mse returns the clip magnitude a (a bin edge of the fine histogram, or
// max|x|) minimizing the expected squared error of quantizing the data to
// the asymmetric int8 parameters of the clipped range [max(min,-a),
// min(max,a)]: scale²/12 for each nonzero value inside the range (zeros
// are exact), plus (|x| - clip)² for each value beyond it, x taken at its
// bin's center (capped at the observed extreme of its side). The largest
// a wins on a tie.
func (o *Observer) mse() float64 {
	w := o.r / HistogramBins
	amax := o.absMax()
	n := min(int(amax/w)+1, HistogramBins)
	lo, hi := float64(o.st.Min), float64(o.st.Max)
	// Suffix sums per side: counts, Σc, Σc².
	type sums struct{ s0, s1, s2 []float64 }
	side := func(h []uint64, extreme float64) sums {
		s := sums{make([]float64, n+1), make([]float64, n+1), make([]float64, n+1)}
		for k := n - 1; k >= 0; k-- {
			c := float64(h[k])
			x := math.Min((float64(k)+0.5)*w, extreme)
			s.s0[k] = s.s0[k+1] + c
			s.s1[k] = s.s1[k+1] + c*x
			s.s2[k] = s.s2[k+1] + c*x*x
		}
		return s
	}
	ps, ns := side(o.pos, math.Max(hi, 0)), side(o.neg, math.Max(-lo, 0))
	nonzero := ps.s0[0] + ns.s0[0]
	best, bestA := math.Inf(1), amax
	for j := 1; j <= n; j++ {
		a := float64(j) * w
		if j == n || a >= amax {
			a, j = amax, n
		}
		clo, chi := math.Max(lo, -a), math.Min(hi, a)
		scale := (math.Max(chi, 0) - math.Min(clo, 0)) / (Int8Max - Int8Min)
		clipped, errSum := 0.0, 0.0
		if a < hi {
			clipped += ps.s0[j]
			errSum += ps.s2[j] - 2*a*ps.s1[j] + a*a*ps.s0[j]
		}
		if a < -lo {
			clipped += ns.s0[j]
			errSum += ns.s2[j] - 2*a*ns.s1[j] + a*a*ns.s0[j]
		}
		errSum += scale * scale / 12 * (nonzero - clipped)
		if errSum <= best {
			best, bestA = errSum, a
		}
	}
	return bestA
}
