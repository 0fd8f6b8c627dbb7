package int8

import (
	"fmt"
	"math"
	"runtime"
	"sync"
)

// Hessian accumulates the second moments Σ x xᵀ of the input rows x of a
// weight matrix (one im2col patch of a convolution, one input row of a
// fully connected op), K values each, in float64: what GPTQ needs to know
// which rounding errors the layer's output feels. Groups keeps separate
// matrices (a depthwise convolution has one per channel).
//
// Only the diagonal blocks of at most gptqBlock columns are kept (GPTQ
// compensates within a block), so memory is at most 8 × K × gptqBlock
// bytes per group.
type Hessian struct {
	// K is the length of an input row; Groups the number of matrices.
	K, Groups int
	// Rows counts the rows added (to group 0).
	Rows int
	h    []float64 // per group, per block of n columns: n × n, lower triangle
	size int       // floats per group

	factors [][]*gptqFactor // per group, per block (Factor)
}

// NewHessian returns an empty accumulator of groups K×K matrices.
func NewHessian(k, groups int) *Hessian {
	size := blockFloats(k)
	return &Hessian{K: k, Groups: groups, h: make([]float64, groups*size), size: size}
}

// HessianBytes is the memory NewHessian(k, groups) allocates.
func HessianBytes(k, groups int) int { return 8 * groups * blockFloats(k) }

// blockFloats is the size of the diagonal blocks of a K×K matrix.
func blockFloats(k int) int {
	size := 0
	for b0 := 0; b0 < k; b0 += gptqBlock {
		n := min(gptqBlock, k-b0)
		size += n * n
	}
	return size
}

// Bytes is the memory the accumulator holds.
func (h *Hessian) Bytes() int { return 8 * len(h.h) }

// block returns group g's matrix of the block starting at column b0.
func (h *Hessian) block(g, b0 int) (m []float64, n int) {
	off := g * h.size
	for c := 0; c < b0; c += gptqBlock {
		n := min(gptqBlock, h.K-c)
		off += n * n
	}
	n = min(gptqBlock, h.K-b0)
	return h.h[off : off+n*n], n
}

// Factor computes what GPTQ needs from the sums (the inverse's Cholesky
// factor of each block), using up to GOMAXPROCS goroutines, and frees the
// sums: call it once after the last Add (QuantizeWeightsGPTQ calls it if
// it was not). Factors of several Hessians can be computed concurrently.
func (h *Hessian) Factor() {
	if h.factors != nil {
		return
	}
	factors := make([][]*gptqFactor, h.Groups)
	var wg sync.WaitGroup
	work := make(chan int)
	for i := 0; i < min(runtime.GOMAXPROCS(0), h.Groups); i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for g := range work {
				for b0 := 0; b0 < h.K; b0 += gptqBlock {
					m, n := h.block(g, b0)
					factors[g] = append(factors[g], newGPTQFactor(m, n, b0))
				}
			}
		}()
	}
	for g := 0; g < h.Groups; g++ {
		work <- g
	}
	close(work)
	wg.Wait()
	h.factors, h.h = factors, nil
}

// Add adds x xᵀ to group g's matrix; x has K values.
func (h *Hessian) Add(g int, x []float64) { h.addRows(g, x, 1) }

// AddBatch adds x xᵀ for each of the n rows of xs (n × K, row by row) to
// group g's matrix. Large batches are split over up to GOMAXPROCS
// goroutines by matrix row (each writes its own rows); call it from one
// goroutine per group.
func (h *Hessian) AddBatch(g int, xs []float64, n int) {
	k := h.K
	work := float64(n) * float64(k) * float64(min(k, gptqBlock)) / 2
	workers := min(runtime.GOMAXPROCS(0), int(work/(1<<20))+1)
	if workers <= 1 {
		h.addRows(g, xs, n)
		return
	}
	if g == 0 {
		h.Rows += n
	}
	// Rows i of a block cost ~i each: split each block at equal areas.
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for b0 := 0; b0 < k; b0 += gptqBlock {
				nb := min(gptqBlock, k-b0)
				lo := int(float64(nb) * math.Sqrt(float64(w)/float64(workers)))
				hi := int(float64(nb) * math.Sqrt(float64(w+1)/float64(workers)))
				h.addBlockRows(g, xs, n, b0, lo, hi)
			}
		}()
	}
	wg.Wait()
}

// addRows adds the n rows of xs to group g's matrix, counting them.
func (h *Hessian) addRows(g int, xs []float64, n int) {
	if g == 0 {
		h.Rows += n
	}
	for b0 := 0; b0 < h.K; b0 += gptqBlock {
		h.addBlockRows(g, xs, n, b0, 0, min(gptqBlock, h.K-b0))
	}
}

// addBlockRows adds, for the n rows x of xs, x_i × x[b0 .. b0+i] to rows
// i in [lo, hi) of the block starting at column b0 (i relative to b0).
func (h *Hessian) addBlockRows(g int, xs []float64, n, b0, lo, hi int) {
	m, nb := h.block(g, b0)
	k := h.K
	for i := lo; i < hi; i++ {
		row := m[i*nb : i*nb+i+1]
		for p := 0; p < n; p++ {
			x := xs[p*k+b0 : p*k+b0+nb]
			a := x[i]
			if a == 0 {
				continue
			}
			axpy(row, x[:i+1], a)
		}
	}
}

// gptqBlock is the most columns GPTQ compensates together: wider rows are
// cut into blocks of at most this many columns, each with its diagonal
// block of the Hessian (O(block³) per block instead of O(K³)).
const gptqBlock = 1024

// gptqDamp is the damping added to the Hessian's diagonal, relative to
// its mean (GPTQ's default, 1%).
const gptqDamp = 0.01

// QuantizeWeightsGPTQ quantizes weights as QuantizeWeights does (symmetric
// int8 per channel along axis, scale = max |w| / 127 of the channel, the
// same scales), but chooses each int8 value by GPTQ (Frantar et al. 2023,
// "GPTQ: Accurate Post-Training Quantization for Generative Pre-trained
// Transformers") instead of rounding each weight to the nearest step: the
// columns of each channel's row are quantized in order and each rounding
// error is spread over the columns not yet quantized, weighted by the
// inverse of h (the layer's input second moments), so that the layer's
// output on inputs like the calibration data moves least.
//
// The weight layout is the one the ops use: with axis 0 (CONV_2D
// [O, H, W, I], FULLY_CONNECTED [O, I]) a channel's row is contiguous and
// h is one K×K matrix with K the row length; with the last axis
// (DEPTHWISE_CONV_2D [1, H, W, C]) channel c's values are strided and h
// has one matrix per channel, K the number of values per channel.
// With axis -1 (one scale for the whole tensor) the rows are along axis 0.
// Channels whose Hessian cannot be factored (not positive definite even
// after damping) keep the nearest rounding. Deterministic.
func QuantizeWeightsGPTQ(w []float32, shape []int, axis int, h *Hessian) (q []int8, scales []float32, err error) {
	q, scales, err = QuantizeWeights(w, shape, axis)
	if err != nil || h == nil {
		return q, scales, err
	}
	perTensor := axis < 0
	if perTensor {
		// One scale (FULLY_CONNECTED's hybrid kernel): rows along axis 0.
		if len(shape) < 2 {
			return q, scales, nil
		}
		axis = 0
	}
	if axis >= len(shape) {
		return q, scales, nil
	}
	channels := shape[axis]
	inner, outer := 1, 1
	for _, d := range shape[axis+1:] {
		inner *= d
	}
	for _, d := range shape[:axis] {
		outer *= d
	}
	scaleOf := func(c int) float64 {
		if perTensor {
			return float64(scales[0])
		}
		return float64(scales[c])
	}
	var k, groups int
	switch {
	case outer == 1:
		k, groups = inner, 1
	case inner == 1:
		k, groups = outer, channels
	default:
		return nil, nil, fmt.Errorf("int8: GPTQ needs the channel axis first or last, shape %v axis %d", shape, axis)
	}
	if h.K != k || h.Groups != groups {
		return nil, nil, fmt.Errorf("int8: Hessian is %d of %dx%d, weights %v along axis %d need %d of %dx%d", h.Groups, h.K, h.K, shape, axis, groups, k, k)
	}
	// value j of channel c
	at := func(c, j int) int {
		if groups == 1 {
			return c*inner + j
		}
		return j*channels + c
	}
	type job struct{ c0, c1, g int }
	var jobs []job
	if groups == 1 {
		for c := 0; c < channels; c += 32 {
			jobs = append(jobs, job{c, min(c+32, channels), 0})
		}
	} else {
		for c := 0; c < channels; c++ {
			jobs = append(jobs, job{c, c + 1, c})
		}
	}
	h.Factor()
	factors := h.factors
	workers := runtime.GOMAXPROCS(0)
	var wg sync.WaitGroup
	jobCh := make(chan job)
	for i := 0; i < workers; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			row := make([]float64, k)
			for jb := range jobCh {
				for c := jb.c0; c < jb.c1; c++ {
					s := scaleOf(c)
					if s == 0 {
						continue
					}
					for j := range row {
						row[j] = float64(w[at(c, j)])
					}
					for _, f := range factors[jb.g] {
						if f == nil {
							continue // keeps the nearest rounding
						}
						f.quantize(row, s, func(j int, v int8) { q[at(c, j)] = v })
					}
				}
			}
		}()
	}
	for _, jb := range jobs {
		jobCh <- jb
	}
	close(jobCh)
	wg.Wait()
	return q, scales, nil
}

// gptqFactor is the upper Cholesky factor U of the inverse of one diagonal
// block (columns b0 .. b0+n) of a damped Hessian, H⁻¹ = Uᵀ U, stored as
// its upper triangle row by row in float32 (the rounding-error feedback
// needs no more).
type gptqFactor struct {
	b0, n int
	u     []float32 // row j: U[j][j .. n), at rowStart(j)
}

func (f *gptqFactor) rowStart(j int) int { return j*f.n - j*(j-1)/2 }

// newGPTQFactor factors the block of n columns starting at b0 whose
// Hessian's lower triangle is m (n × n); nil when it is not positive
// definite.
func newGPTQFactor(m []float64, n, b0 int) *gptqFactor {
	mean := 0.0
	for i := 0; i < n; i++ {
		mean += m[i*n+i]
	}
	mean /= float64(n)
	if !(mean > 0) || math.IsInf(mean, 0) {
		return nil
	}
	// With J the reversal permutation, J H J = L Lᵀ gives H = R Rᵀ with
	// R = J L J upper triangular, so H⁻¹ = (R⁻¹)ᵀ R⁻¹: U = R⁻¹ = J L⁻¹ J.
	// rev is the lower triangle of J H J (damped).
	rev := make([]float64, n*n)
	for i := 0; i < n; i++ {
		for j := 0; j <= i; j++ {
			rev[i*n+j] = m[(n-1-j)*n+n-1-i]
		}
		d := &rev[i*n+i]
		if *d == 0 {
			*d = mean // an input that is always 0: its weight does not matter
		}
		*d += float64(gptqDamp * mean)
	}
	l := cholesky(rev, n)
	if l == nil {
		return nil
	}
	li := invLower(l, n)
	f := &gptqFactor{b0: b0, n: n, u: make([]float32, n*(n+1)/2)}
	for i := 0; i < n; i++ {
		row := f.u[f.rowStart(i) : f.rowStart(i)+n-i]
		for j := range row {
			row[j] = float32(li[(n-1-i)*n+n-1-(i+j)])
		}
	}
	return f
}

// quantize quantizes row[b0:b0+n] with step s in column order, spreading
// each rounding error over the later columns of the block, and reports
// each int8 value.
func (f *gptqFactor) quantize(row []float64, s float64, put func(j int, v int8)) {
	r := row[f.b0 : f.b0+f.n]
	for j := 0; j < f.n; j++ {
		v := math.Max(-WeightMax, math.Min(WeightMax, math.Round(r[j]/s)))
		put(f.b0+j, int8(v))
		uj := f.u[f.rowStart(j) : f.rowStart(j)+f.n-j] // U[j][j ..]
		e := (r[j] - float64(v*s)) / float64(uj[0])
		for c, u := range uj[1:] {
			r[j+1+c] -= float64(e * float64(u))
		}
	}
}

// cholesky returns the lower factor L of the symmetric n×n matrix a
// (a = L Lᵀ), or nil if a is not positive definite.
func cholesky(a []float64, n int) []float64 {
	l := make([]float64, n*n)
	for i := 0; i < n; i++ {
		li := l[i*n : i*n+n]
		for j := 0; j <= i; j++ {
			lj := l[j*n : j*n+n]
			s := a[i*n+j]
			for m := 0; m < j; m++ {
				s -= float64(li[m] * lj[m])
			}
			if i == j {
				if !(s > 0) {
					return nil
				}
				li[i] = math.Sqrt(s)
			} else {
				li[j] = s / lj[j]
			}
		}
	}
	return l
}

// invLower returns the inverse of the lower-triangular n×n matrix l, row
// by row: row i of the inverse is (e_i - Σ_{j<i} l[i][j] × row j) / l[i][i].
func invLower(l []float64, n int) []float64 {
	x := make([]float64, n*n)
	for i := 0; i < n; i++ {
		xi := x[i*n : i*n+i+1]
		li := l[i*n : i*n+i]
		for j, lij := range li {
			if lij == 0 {
				continue
			}
			for c, v := range x[j*n : j*n+j+1] {
				xi[c] -= float64(lij * v)
			}
		}
		xi[i] = 1
		d := l[i*n+i]
		for c := range xi {
			xi[c] /= d
		}
	}
	return x
}

// axpy adds a × x to y (len(y) ≥ len(x)), four at a time.
//
// The float64 conversions here and in the factorization round each
// product before the sum, so that no compiler fuses them into FMA (Go
// does on arm64, ppc64, s390x, not on amd64): the same data gives the
// same weights on every platform.
func axpy(y, x []float64, a float64) {
	y = y[:len(x)]
	j := 0
	for ; j+4 <= len(x); j += 4 {
		xs, ys := x[j:j+4:j+4], y[j:j+4:j+4]
		ys[0] += float64(a * xs[0])
		ys[1] += float64(a * xs[1])
		ys[2] += float64(a * xs[2])
		ys[3] += float64(a * xs[3])
	}
	for ; j < len(x); j++ {
		y[j] += float64(a * x[j])
	}
}
