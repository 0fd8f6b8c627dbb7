package gpu

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/fp16tool/fp16tool/graph"
)

// opCase is one kernel run against a float64 reference: inputs of the
// given sizes (random in [lo, hi), rounded to the precision's storage),
// outputs of the given sizes, and the reference computing the wanted
// outputs and their error magnitudes from the rounded inputs.
type opCase struct {
	name   string
	ins    []int
	lo, hi float32
	outs   []int
	terms  int
	rec    func(k *Kernels, s *Sequence, in, out []*Buffer) error
	ref    func(in [][]float32) (want, mag [][]float64)
}

// runCases runs each case in every precision the device supports, with
// each of tiles (the device's default tile when none).
func runCases(t *testing.T, cases []opCase, tiles ...Tile) {
	d := openTest(t, DefaultOptions())
	if len(tiles) == 0 {
		tiles = []Tile{{}}
	}
	for _, pt := range Precisions {
		for _, tile := range tiles {
			p := pt
			name := p.String()
			if tile != (Tile{}) {
				name = fmt.Sprintf("%v/%dx%d", p, tile.M, tile.N)
			}
			runIn(t, d, name, p, tile, cases)
		}
	}
}

func runIn(t *testing.T, d *Device, name string, p Precision, tile Tile, cases []opCase) {
	t.Run(name, func(t *testing.T) {
		{
			k := kernelsFor(t, d, p, tile)
			for ci, c := range cases {
				t.Run(c.name, func(t *testing.T) {
					r := rand.New(rand.NewPCG(uint64(ci), 5))
					lo, hi := c.lo, c.hi
					if lo == hi {
						lo, hi = -2, 2
					}
					ins := make([][]float32, len(c.ins))
					bin := make([]*Buffer, len(c.ins))
					for i, n := range c.ins {
						ins[i] = quantize(p, randVals(r, n, lo, hi))
						bin[i] = upload(t, d, p, ins[i])
					}
					bout := make([]*Buffer, len(c.outs))
					for i, n := range c.outs {
						bout[i] = upload(t, d, p, make([]float32, n))
					}
					run(t, d, func(s *Sequence) error { return c.rec(k, s, bin, bout) })
					want, mag := c.ref(ins)
					for i, n := range c.outs {
						check(t, p, c.terms, download(t, bout[i], p, n), want[i], mag[i])
					}
				})
			}
		}
	})
}

// unravel returns the coordinates of flat index i in shape.
func unravel(i int, shape []int) []int {
	idx := make([]int, len(shape))
	for k := len(shape) - 1; k >= 0; k-- {
		idx[k] = i % shape[k]
		i /= shape[k]
	}
	return idx
}

// ravel returns the flat index of coordinates idx in shape.
func ravel(idx, shape []int) int {
	f := 0
	for k, v := range idx {
		f = f*shape[k] + v
	}
	return f
}

func exact(v []float64) (want, mag [][]float64) {
	return [][]float64{v}, [][]float64{make([]float64, len(v))}
}

func f64s(v []float32) []float64 {
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = float64(x)
	}
	return out
}

func absAll(v []float64) []float64 {
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = math.Abs(x) + 1
	}
	return out
}

func TestUnary(t *testing.T) {
	ref := map[UnaryOp]func(x float64) float64{
		Relu:      func(x float64) float64 { return math.Max(x, 0) },
		Relu6:     func(x float64) float64 { return math.Min(math.Max(x, 0), 6) },
		ReluN1To1: func(x float64) float64 { return math.Min(math.Max(x, -1), 1) },
		LeakyRelu: func(x float64) float64 { return map[bool]float64{true: x, false: 0.2 * x}[x > 0] },
		Logistic:  func(x float64) float64 { return 1 / (1 + math.Exp(-x)) },
		Tanh:      math.Tanh,
		HardSwish: func(x float64) float64 { return x * math.Min(math.Max(x+3, 0), 6) / 6 },
	}
	var cases []opCase
	for op := Relu; op < prelu; op++ {
		for _, n := range []int{1, 777, 4099, 4, 4096} { // n % 4 == 0: vec4
			cases = append(cases, opCase{
				name: fmt.Sprintf("%v_%d", op, n), ins: []int{n}, lo: -12, hi: 12, outs: []int{n}, terms: 8,
				rec: func(k *Kernels, s *Sequence, in, out []*Buffer) error {
					return k.Unary(s, op, 0.2, n, in[0], out[0])
				},
				ref: func(in [][]float32) ([][]float64, [][]float64) {
					w := make([]float64, n)
					for i, x := range in[0] {
						w[i] = ref[op](float64(x))
					}
					return [][]float64{w}, [][]float64{absAll(w)}
				},
			})
		}
	}
	runCases(t, cases)
}

// bcastIndex is the flat index in shape (right-aligned, size-1 axes
// broadcast) of output coordinates idx.
func bcastIndex(idx, shape []int) int {
	sub := make([]int, len(shape))
	for k := range shape {
		if shape[k] != 1 {
			sub[k] = idx[len(idx)-len(shape)+k]
		}
	}
	return ravel(sub, shape)
}

func TestPRelu(t *testing.T) {
	var cases []opCase
	for _, c := range []struct{ in, alpha []int }{
		{[]int{2, 5, 7, 3}, []int{3}},
		{[]int{1, 9, 11, 6}, []int{1, 1, 6}},
		{[]int{2, 3, 5, 4}, []int{2, 1, 5, 1}},
		{[]int{13}, []int{1}},
	} {
		n, na := prod(c.in), prod(c.alpha)
		cases = append(cases, opCase{
			name: fmt.Sprint(c.in, c.alpha), ins: []int{n, na}, outs: []int{n}, terms: 2,
			rec: func(k *Kernels, s *Sequence, in, out []*Buffer) error {
				return k.PRelu(s, c.in, c.alpha, in[0], in[1], out[0])
			},
			ref: func(in [][]float32) ([][]float64, [][]float64) {
				w := make([]float64, n)
				for i := range w {
					x := float64(in[0][i])
					if x < 0 {
						x *= float64(in[1][bcastIndex(unravel(i, c.in), c.alpha)])
					}
					w[i] = x
				}
				return [][]float64{w}, [][]float64{absAll(w)}
			},
		})
	}
	runCases(t, cases)
}

func TestPool2D(t *testing.T) {
	var cases []opCase
	for _, c := range []struct {
		op                        PoolOp
		n, h, w, ch, kh, kw, s, t int
		pad                       graph.Padding
		act                       graph.Activation
	}{
		{MaxPool, 1, 9, 11, 3, 2, 2, 2, 2, graph.PaddingValid, graph.ActNone},
		{MaxPool, 2, 10, 7, 5, 3, 3, 2, 2, graph.PaddingSame, graph.ActRelu},
		{AvgPool, 1, 9, 9, 6, 3, 3, 1, 1, graph.PaddingSame, graph.ActNone},
		{AvgPool, 2, 13, 8, 7, 5, 3, 2, 3, graph.PaddingSame, graph.ActRelu6},
		{AvgPool, 1, 8, 8, 4, 8, 8, 1, 1, graph.PaddingValid, graph.ActTanh},
		{MaxPool, 1, 5, 5, 9, 3, 2, 1, 2, graph.PaddingSame, graph.ActReluN1To1},
	} {
		oh, pt := ConvOutput(c.h, c.kh, c.s, 1, c.pad)
		ow, pl := ConvOutput(c.w, c.kw, c.t, 1, c.pad)
		cp := Conv2DParams{Batch: c.n, InH: c.h, InW: c.w, InC: c.ch, OutH: oh, OutW: ow, OutC: c.ch, KH: c.kh, KW: c.kw,
			StrideH: c.s, StrideW: c.t, DilationH: 1, DilationW: 1, PadTop: pt, PadLeft: pl, Act: c.act}
		no := c.n * oh * ow * c.ch
		cases = append(cases, opCase{
			name: fmt.Sprintf("%d_%dx%dx%d_k%dx%d_s%dx%d_%v_%v", c.op, c.h, c.w, c.ch, c.kh, c.kw, c.s, c.t, c.pad, c.act),
			ins:  []int{c.n * c.h * c.w * c.ch}, outs: []int{no}, terms: c.kh * c.kw,
			rec: func(k *Kernels, s *Sequence, in, out []*Buffer) error { return k.Pool2D(s, c.op, cp, in[0], out[0]) },
			ref: func(in [][]float32) ([][]float64, [][]float64) {
				w, g := make([]float64, no), make([]float64, no)
				for i := range w {
					ix := unravel(i, []int{c.n, oh, ow, c.ch})
					acc, mag, cnt := math.Inf(-1), 0.0, 0
					if c.op == AvgPool {
						acc = 0
					}
					for ky := range c.kh {
						for kx := range c.kw {
							y, x := ix[1]*c.s-pt+ky, ix[2]*c.t-pl+kx
							if y < 0 || y >= c.h || x < 0 || x >= c.w {
								continue
							}
							v := float64(in[0][ravel([]int{ix[0], y, x, ix[3]}, []int{c.n, c.h, c.w, c.ch})])
							if c.op == MaxPool {
								acc = math.Max(acc, v)
							} else {
								acc += v
							}
							mag += math.Abs(v)
							cnt++
						}
					}
					if c.op == AvgPool {
						acc /= float64(cnt)
					}
					w[i], g[i] = act(c.act, acc), mag
				}
				return [][]float64{w}, [][]float64{g}
			},
		})
	}
	runCases(t, cases)
}

func TestReduce(t *testing.T) {
	var cases []opCase
	for _, c := range []struct {
		mean  bool
		shape []int
		axes  []int
	}{
		{true, []int{1, 7, 9, 5}, []int{1, 2}},
		{false, []int{2, 5, 7, 3}, []int{1, 2}},
		{true, []int{2, 5, 7, 3}, []int{0, 3}},
		{false, []int{3, 4, 5}, []int{-1}},
		{true, []int{2, 3, 4, 5}, []int{0, 1, 2, 3}},
		{true, []int{4, 1, 6, 3, 2}, []int{0, 2, 4, 2}},
		{false, []int{6, 5}, []int{0}},
		{true, []int{1, 16, 16, 37}, []int{1, 2}},
	} {
		r := len(c.shape)
		red := make([]bool, r)
		for _, a := range c.axes {
			red[(a+r)%r] = true
		}
		var oshape []int
		for i, d := range c.shape {
			if !red[i] {
				oshape = append(oshape, d)
			}
		}
		n, no := prod(c.shape), prod(oshape)
		cases = append(cases, opCase{
			name: fmt.Sprintf("mean=%v_%v_%v", c.mean, c.shape, c.axes), ins: []int{n}, outs: []int{no}, terms: n / no,
			rec: func(k *Kernels, s *Sequence, in, out []*Buffer) error {
				return k.Reduce(s, c.mean, c.shape, c.axes, in[0], out[0])
			},
			ref: func(in [][]float32) ([][]float64, [][]float64) {
				w, g := make([]float64, no), make([]float64, no)
				for i, v := range in[0] {
					var o []int
					for k, x := range unravel(i, c.shape) {
						if !red[k] {
							o = append(o, x)
						}
					}
					j := ravel(o, oshape)
					w[j] += float64(v)
					g[j] += math.Abs(float64(v))
				}
				if c.mean {
					for j := range w {
						w[j] /= float64(n / no)
						g[j] /= float64(n / no)
					}
				}
				return [][]float64{w}, [][]float64{g}
			},
		})
	}
	runCases(t, cases)
}

func TestSoftmax(t *testing.T) {
	var cases []opCase
	for _, c := range []struct {
		rows, depth int
		beta        float32
	}{{7, 13, 1}, {1, 1001, 1}, {33, 2, 0.5}, {5, 1, 1}, {3, 100, 3}} {
		n := c.rows * c.depth
		cases = append(cases, opCase{
			name: fmt.Sprintf("%dx%d_beta%g", c.rows, c.depth, c.beta), ins: []int{n}, lo: -6, hi: 6, outs: []int{n}, terms: 16,
			rec: func(k *Kernels, s *Sequence, in, out []*Buffer) error {
				return k.Softmax(s, c.rows, c.depth, c.beta, in[0], out[0])
			},
			ref: func(in [][]float32) ([][]float64, [][]float64) {
				w, g := make([]float64, n), make([]float64, n)
				for r := range c.rows {
					row := in[0][r*c.depth : (r+1)*c.depth]
					m := math.Inf(-1)
					for _, v := range row {
						m = math.Max(m, float64(v))
					}
					sum := 0.0
					for _, v := range row {
						sum += math.Exp((float64(v) - m) * float64(c.beta))
					}
					for j, v := range row {
						w[r*c.depth+j] = math.Exp((float64(v)-m)*float64(c.beta)) / sum
						g[r*c.depth+j] = 8 * w[r*c.depth+j] * (1 + math.Abs(float64(v)-m)*float64(c.beta))
					}
				}
				return [][]float64{w}, [][]float64{g}
			},
		})
	}
	runCases(t, cases)
}

// resizeRef is TFLite's resize (the CPU backend's float32 index
// arithmetic) in float64 interpolation.
func resizeRef(r ResizeParams, in []float32) []float64 {
	scale := func(in, out int) float32 {
		if r.AlignCorners && out > 1 {
			return float32(in-1) / float32(out-1)
		}
		return float32(in) / float32(out)
	}
	type at struct {
		lo, hi int
		frac   float64
	}
	axis := func(o, size int, sc float32) at {
		if r.Bilinear {
			v := float32(o) * sc
			if r.HalfPixelCenters {
				v = (float32(o)+0.5)*sc - 0.5
			}
			lo := max(int(math.Floor(float64(v))), 0)
			hi := min(int(math.Ceil(float64(v))), size-1)
			return at{lo, hi, float64(v - float32(lo))}
		}
		off := float32(0)
		if r.HalfPixelCenters {
			off = 0.5
		}
		v := (float32(o) + off) * sc
		k := int(math.Floor(float64(v)))
		if r.AlignCorners {
			k = int(math.Round(float64(v)))
		}
		k = min(k, size-1)
		if r.HalfPixelCenters {
			k = max(k, 0)
		}
		return at{k, k, 0}
	}
	sy, sx := scale(r.InH, r.OutH), scale(r.InW, r.OutW)
	out := make([]float64, r.Batch*r.OutH*r.OutW*r.C)
	ishape := []int{r.Batch, r.InH, r.InW, r.C}
	for i := range out {
		ix := unravel(i, []int{r.Batch, r.OutH, r.OutW, r.C})
		y, x := axis(ix[1], r.InH, sy), axis(ix[2], r.InW, sx)
		v := func(yy, xx int) float64 { return float64(in[ravel([]int{ix[0], yy, xx, ix[3]}, ishape)]) }
		out[i] = v(y.lo, x.lo)*(1-y.frac)*(1-x.frac) + v(y.hi, x.lo)*y.frac*(1-x.frac) +
			v(y.lo, x.hi)*(1-y.frac)*x.frac + v(y.hi, x.hi)*y.frac*x.frac
	}
	return out
}

func TestResize(t *testing.T) {
	var cases []opCase
	for _, bil := range []bool{true, false} {
		for _, mode := range [][2]bool{{false, false}, {true, false}, {false, true}} {
			for _, sz := range [][5]int{{5, 7, 11, 9, 3}, {9, 12, 4, 5, 3}, {1, 3, 1, 6, 3}, {8, 8, 16, 16, 3},
				{5, 7, 11, 9, 8}, {8, 8, 16, 16, 4}, {3, 1, 6, 2, 12}} { // C % 4 == 0: vec4
				r := ResizeParams{Batch: 2, InH: sz[0], InW: sz[1], C: sz[4], OutH: sz[2], OutW: sz[3],
					Bilinear: bil, AlignCorners: mode[0], HalfPixelCenters: mode[1]}
				cases = append(cases, opCase{
					name: fmt.Sprintf("bilinear=%v_align=%v_half=%v_%v", bil, mode[0], mode[1], sz),
					ins:  []int{2 * sz[0] * sz[1] * sz[4]}, outs: []int{2 * sz[2] * sz[3] * sz[4]}, terms: 4,
					rec: func(k *Kernels, s *Sequence, in, out []*Buffer) error { return k.Resize(s, r, in[0], out[0]) },
					ref: func(in [][]float32) ([][]float64, [][]float64) {
						w := resizeRef(r, in[0])
						return [][]float64{w}, [][]float64{absAll(w)}
					},
				})
			}
		}
	}
	runCases(t, cases)
}

// mapCase is a copy-kernel case whose output element i is input element
// src(i) (or pad where src returns -1).
func mapCase(name string, nin, nout int, pad float64, rec func(k *Kernels, s *Sequence, in, out []*Buffer) error, src func(i int) int) opCase {
	return opCase{name: name, ins: []int{nin}, outs: []int{nout}, rec: rec,
		ref: func(in [][]float32) ([][]float64, [][]float64) {
			w := make([]float64, nout)
			for i := range w {
				if j := src(i); j >= 0 {
					w[i] = float64(in[0][j])
				} else {
					w[i] = pad
				}
			}
			return exact(w)
		}}
}

func TestTranspose(t *testing.T) { runCases(t, transposeCases()) }

func transposeCases() []opCase {
	var cases []opCase
	for _, c := range []struct{ shape, perm []int }{
		{[]int{3, 5}, []int{1, 0}},
		{[]int{2, 3, 5, 7}, []int{0, 3, 1, 2}},
		{[]int{2, 3, 5, 7}, []int{3, 2, 1, 0}},
		{[]int{1, 4, 1, 6, 5}, []int{4, 1, 3, 0, 2}},
		{[]int{2, 3, 2, 3, 2}, []int{4, 3, 2, 1, 0}},
		{[]int{2, 3, 5, 8}, []int{0, 2, 1, 3}}, // vec4: channels stay innermost
		{[]int{2, 1, 3, 1, 2, 3}, []int{5, 0, 4, 2, 1, 3}},
	} {
		oshape := make([]int, len(c.shape))
		for i, p := range c.perm {
			oshape[i] = c.shape[p]
		}
		cases = append(cases, mapCase(fmt.Sprint(c.shape, c.perm), prod(c.shape), prod(oshape), 0,
			func(k *Kernels, s *Sequence, in, out []*Buffer) error {
				return k.Transpose(s, c.shape, c.perm, in[0], out[0])
			},
			func(i int) int {
				o := unravel(i, oshape)
				idx := make([]int, len(o))
				for k, p := range c.perm {
					idx[p] = o[k]
				}
				return ravel(idx, c.shape)
			}))
	}
	return cases
}

func TestSlice(t *testing.T) { runCases(t, sliceCases()) }

func sliceCases() []opCase {
	var cases []opCase
	for _, c := range []struct{ shape, begin, size, stride []int }{
		{[]int{5, 7}, []int{1, 2}, []int{3, 4}, []int{1, 1}},
		{[]int{2, 9, 8, 5}, []int{1, 1, 0, 2}, []int{1, 4, 3, 3}, []int{1, 2, 3, 1}},
		{[]int{4, 6, 5}, []int{3, 5, 4}, []int{2, 3, 5}, []int{-2, -2, -1}},
		{[]int{1, 12, 3}, []int{0, 11, 0}, []int{1, 12, 3}, []int{1, -1, 1}},
		{[]int{2, 6, 12}, []int{0, 1, 4}, []int{2, 3, 8}, []int{1, 2, 1}},   // vec4
		{[]int{2, 6, 12}, []int{1, 5, 0}, []int{2, 3, 4}, []int{-1, -2, 1}}, // vec4, walking backwards
	} {
		cases = append(cases, mapCase(fmt.Sprint(c.shape, c.begin, c.size, c.stride), prod(c.shape), prod(c.size), 0,
			func(k *Kernels, s *Sequence, in, out []*Buffer) error {
				return k.Slice(s, c.shape, c.begin, c.size, c.stride, in[0], out[0])
			},
			func(i int) int {
				o := unravel(i, c.size)
				for k := range o {
					o[k] = c.begin[k] + o[k]*c.stride[k]
				}
				return ravel(o, c.shape)
			}))
	}
	return cases
}

func TestPad(t *testing.T) { runCases(t, padCases()) }

func padCases() []opCase {
	var cases []opCase
	for _, c := range []struct {
		shape, before, after []int
		value                float32
	}{
		{[]int{1, 7, 9, 3}, []int{0, 1, 2, 0}, []int{0, 2, 1, 0}, 0},
		{[]int{2, 5, 5, 4}, []int{0, 0, 0, 0}, []int{0, 1, 1, 4}, -1.5},
		{[]int{3, 4}, []int{2, 0}, []int{1, 3}, 7},
		{[]int{1, 6, 6, 8}, []int{0, 0, 0, 0}, []int{0, 0, 0, 0}, 0},
		{[]int{2, 3, 2, 3, 2}, []int{1, 0, 1, 0, 1}, []int{0, 1, 0, 1, 0}, 3},
		{[]int{1, 5, 7, 12}, []int{0, 1, 2, 0}, []int{0, 2, 1, 0}, -2.5}, // vec4
		{[]int{2, 3, 4, 8}, []int{1, 0, 1, 0}, []int{0, 2, 0, 0}, 1},     // vec4
	} {
		oshape := make([]int, len(c.shape))
		for i := range oshape {
			oshape[i] = c.shape[i] + c.before[i] + c.after[i]
		}
		cases = append(cases, mapCase(fmt.Sprint(c.shape, c.before, c.after), prod(c.shape), prod(oshape), float64(c.value),
			func(k *Kernels, s *Sequence, in, out []*Buffer) error {
				return k.Pad(s, c.shape, c.before, c.after, c.value, in[0], out[0])
			},
			func(i int) int {
				o := unravel(i, oshape)
				for k := range o {
					o[k] -= c.before[k]
					if o[k] < 0 || o[k] >= c.shape[k] {
						return -1
					}
				}
				return ravel(o, c.shape)
			}))
	}
	return cases
}

func TestConcatSplit(t *testing.T) { runCases(t, concatSplitCases()) }

func concatSplitCases() []opCase {
	var cases []opCase
	for _, c := range []struct {
		shapes [][]int
		axis   int
		act    graph.Activation
	}{
		{[][]int{{1, 4, 5, 3}, {1, 4, 5, 6}}, 3, graph.ActNone},
		{[][]int{{2, 3, 5}, {2, 1, 5}, {2, 4, 5}}, 1, graph.ActRelu},
		{[][]int{{3, 7}, {2, 7}}, 0, graph.ActRelu6},
		{[][]int{{1, 8, 8, 16}, {1, 8, 8, 16}}, 3, graph.ActNone},
		{[][]int{{1, 3, 5, 8}, {1, 3, 5, 4}, {1, 3, 5, 12}}, 3, graph.ActRelu6}, // vec4
		{[][]int{{2, 3, 8}, {2, 3, 8}}, 2, graph.ActReluN1To1},                  // vec4
		{[][]int{{2, 5, 4}, {2, 5, 4}}, 1, graph.ActTanh},                       // vec4
	} {
		oshape := append([]int(nil), c.shapes[0]...)
		sizes := []int{c.shapes[0][c.axis]}
		ns := []int{prod(c.shapes[0])}
		for _, sh := range c.shapes[1:] {
			oshape[c.axis] += sh[c.axis]
			sizes = append(sizes, sh[c.axis])
			ns = append(ns, prod(sh))
		}
		no := prod(oshape)
		// part returns which part and element of it output element i is.
		part := func(i int) (int, int) {
			o := unravel(i, oshape)
			for p, sh := range c.shapes {
				if o[c.axis] < sh[c.axis] {
					return p, ravel(o, sh)
				}
				o[c.axis] -= sh[c.axis]
			}
			panic("unreachable")
		}
		cases = append(cases, opCase{
			name: fmt.Sprintf("concat_%v_axis%d_%v", c.shapes, c.axis, c.act), ins: ns, outs: []int{no},
			rec: func(k *Kernels, s *Sequence, in, out []*Buffer) error {
				return k.Concat(s, c.shapes, c.axis, c.act, in, out[0])
			},
			ref: func(in [][]float32) ([][]float64, [][]float64) {
				w := make([]float64, no)
				for i := range w {
					p, j := part(i)
					w[i] = act(c.act, float64(in[p][j]))
				}
				return exact(w)
			},
		}, opCase{
			name: fmt.Sprintf("split_%v_axis%d", oshape, c.axis), ins: []int{no}, outs: ns,
			rec: func(k *Kernels, s *Sequence, in, out []*Buffer) error {
				return k.Split(s, oshape, c.axis, sizes, in[0], out)
			},
			ref: func(in [][]float32) ([][]float64, [][]float64) {
				want, mag := make([][]float64, len(ns)), make([][]float64, len(ns))
				for p, n := range ns {
					want[p], mag[p] = make([]float64, n), make([]float64, n)
				}
				for i, v := range in[0] {
					p, j := part(i)
					want[p][j] = float64(v)
				}
				return want, mag
			},
		})
	}
	return cases
}

func TestDepthSpace(t *testing.T) { runCases(t, depthSpaceCases()) }

func depthSpaceCases() []opCase {
	var cases []opCase
	for _, c := range []struct{ n, h, w, c, bs int }{{1, 3, 5, 8, 2}, {2, 2, 3, 27, 3}, {1, 4, 4, 4, 1}} {
		ishape := []int{c.n, c.h, c.w, c.c}
		oc := c.c / (c.bs * c.bs)
		oshape := []int{c.n, c.h * c.bs, c.w * c.bs, oc}
		d2s := func(i int) int { // output (space) element i -> input (depth) element
			o := unravel(i, oshape)
			return ravel([]int{o[0], o[1] / c.bs, o[2] / c.bs, ((o[1]%c.bs)*c.bs+o[2]%c.bs)*oc + o[3]}, ishape)
		}
		cases = append(cases, mapCase(fmt.Sprint("d2s", ishape, c.bs), prod(ishape), prod(oshape), 0,
			func(k *Kernels, s *Sequence, in, out []*Buffer) error {
				return k.DepthToSpace(s, ishape, c.bs, in[0], out[0])
			}, d2s))
		// SPACE_TO_DEPTH of the space tensor: depth element d2s(i) is space element i.
		inv := make([]int, prod(oshape))
		for i := range inv {
			inv[d2s(i)] = i
		}
		cases = append(cases, mapCase(fmt.Sprint("s2d", oshape, c.bs), prod(oshape), prod(ishape), 0,
			func(k *Kernels, s *Sequence, in, out []*Buffer) error {
				return k.SpaceToDepth(s, oshape, c.bs, in[0], out[0])
			},
			func(i int) int { return inv[i] }))
	}
	return cases
}

func TestGather(t *testing.T) {
	d := openTest(t, DefaultOptions())
	var cases []opCase
	for _, c := range []struct {
		shape    []int
		axis, bd int
		idxShape []int
		idx      []int
	}{
		{[]int{5, 3}, 0, 0, []int{4}, []int{4, 0, 2, 2}},
		{[]int{2, 6, 3}, 1, 0, []int{2, 2}, []int{5, 1, 0, 3}},
		{[]int{3, 4, 5}, 2, 0, []int{3}, []int{4, -1, 0}},
		{[]int{2, 5, 3}, 1, 1, []int{2, 3}, []int{0, 4, 1, 2, 2, 9}},
	} {
		idxBytes := make([]byte, 4*len(c.idx))
		for i, v := range c.idx {
			binary.LittleEndian.PutUint32(idxBytes[4*i:], uint32(v))
		}
		oshape := append(append(append([]int(nil), c.shape[:c.axis]...), c.idxShape[c.bd:]...), c.shape[c.axis+1:]...)
		per := prod(c.idxShape[c.bd:])
		cases = append(cases, mapCase(fmt.Sprint(c.shape, c.axis, c.bd, c.idx), prod(c.shape), prod(oshape), 0,
			func(k *Kernels, s *Sequence, in, out []*Buffer) error {
				ib, err := d.NewBuffer(len(idxBytes))
				if err != nil {
					return err
				}
				t.Cleanup(func() { ib.Close() })
				if err := ib.Write(0, idxBytes); err != nil {
					return err
				}
				return k.Gather(s, c.shape, c.axis, c.bd, c.idxShape, in[0], ib, out[0])
			},
			func(i int) int {
				o := unravel(i, oshape)
				b := ravel(o[:c.bd], c.shape[:c.bd])
				j := ravel(o[c.axis:c.axis+len(c.idxShape)-c.bd], c.idxShape[c.bd:])
				v := int(c.idx[b*per+j])
				if v < 0 || v >= c.shape[c.axis] {
					return -1
				}
				src := append(append(append([]int(nil), o[:c.axis]...), v), o[c.axis+len(c.idxShape)-c.bd:]...)
				return ravel(src, c.shape)
			}))
	}
	runCases(t, cases)
}

func TestTransposeConv2D(t *testing.T) {
	type tc struct {
		name                    string
		n, h, w, ic, oc, kh, kw int
		sh, sw, oh, ow, pt, pl  int
		act                     graph.Activation
	}
	var cases []opCase
	for _, c := range []tc{
		{"k2s2", 1, 5, 6, 3, 4, 2, 2, 2, 2, 10, 12, 0, 0, graph.ActNone},
		{"k3s2_same", 2, 4, 5, 8, 5, 3, 3, 2, 2, 8, 10, 0, 0, graph.ActRelu},
		{"k4s2_pad1", 1, 6, 3, 4, 6, 4, 4, 2, 2, 12, 6, 1, 1, graph.ActNone},
		{"k3s1_pad1", 1, 7, 7, 5, 3, 3, 3, 1, 1, 7, 7, 1, 1, graph.ActRelu6},
		{"k5x3_s3x1", 1, 3, 4, 16, 9, 5, 3, 3, 1, 9, 5, 1, 0, graph.ActTanh},
		{"k2s2_oc1_vec4", 1, 9, 7, 16, 1, 2, 2, 2, 2, 18, 14, 0, 0, graph.ActNone},
		{"k3s2_oc3", 2, 5, 6, 5, 3, 3, 3, 2, 2, 10, 12, 1, 1, graph.ActRelu},
	} {
		cp := Conv2DParams{Batch: c.n, InH: c.h, InW: c.w, InC: c.ic, OutH: c.oh, OutW: c.ow, OutC: c.oc, KH: c.kh, KW: c.kw,
			StrideH: c.sh, StrideW: c.sw, DilationH: 1, DilationW: 1, PadTop: c.pt, PadLeft: c.pl, Act: c.act}
		no := c.n * c.oh * c.ow * c.oc
		cases = append(cases, opCase{
			name: c.name, ins: []int{c.n * c.h * c.w * c.ic, c.oc * c.kh * c.kw * c.ic, c.oc}, lo: -1, hi: 1,
			outs: []int{no}, terms: c.kh * c.kw * c.ic,
			rec: func(k *Kernels, s *Sequence, in, out []*Buffer) error {
				return k.TransposeConv2D(s, cp, in[0], in[1], in[2], out[0])
			},
			ref: func(in [][]float32) ([][]float64, [][]float64) {
				sum, mag := make([]float64, no), make([]float64, no)
				for i := range sum {
					b := float64(in[2][i%c.oc])
					sum[i], mag[i] = b, math.Abs(b)
				}
				for b := range c.n {
					for iy := range c.h {
						for ix := range c.w {
							for ky := range c.kh {
								for kx := range c.kw {
									oy, ox := iy*c.sh-c.pt+ky, ix*c.sw-c.pl+kx
									if oy < 0 || oy >= c.oh || ox < 0 || ox >= c.ow {
										continue
									}
									for o := range c.oc {
										j := ((b*c.oh+oy)*c.ow+ox)*c.oc + o
										for ci := range c.ic {
											v := float64(in[0][((b*c.h+iy)*c.w+ix)*c.ic+ci]) * float64(in[1][((o*c.kh+ky)*c.kw+kx)*c.ic+ci])
											sum[j] += v
											mag[j] += math.Abs(v)
										}
									}
								}
							}
						}
					}
				}
				for i := range sum {
					sum[i] = act(c.act, sum[i])
				}
				return [][]float64{sum}, [][]float64{mag}
			},
		})
	}
	runCases(t, cases, Tile{1, 1}, Tile{2, 8}, Tile{4, 4}, Tile{8, 8})
}

// TestCopyElemsPerInvocation reruns the copy kernel's cases with other
// numbers of elements per invocation than the device's default (on CPU
// drivers, where CPUElems applies).
func TestCopyElemsPerInvocation(t *testing.T) {
	old := CPUElems
	defer func() { CPUElems = old }()
	for _, e := range []int{1, 3, 7, 13} {
		CPUElems = e
		t.Run(fmt.Sprint("E", e), func(t *testing.T) {
			var cases []opCase
			for _, f := range []func() []opCase{transposeCases, sliceCases, padCases, concatSplitCases, depthSpaceCases} {
				cases = append(cases, f()...)
			}
			runCases(t, cases)
		})
	}
}

// TestVec4Copy checks which folded walks the vec4 copy variant takes.
func TestVec4Copy(t *testing.T) {
	ax := func(size, in, out int) copyAxis { return copyAxis{size: size, in: in, out: out, hi: size} }
	padded := ax(130, 128*32, 130*32)
	padded.lo, padded.hi = 1, 129
	for _, c := range []struct {
		name            string
		axes            []copyAxis
		inBase, outBase int
		want            bool
	}{
		{"pad H,W of C=32", []copyAxis{padded, padded, ax(32, 1, 1)}, -(128 + 1) * 32, 0, true},
		{"channels padded", []copyAxis{ax(5, 8, 12), {size: 12, in: 1, out: 1, lo: 2, hi: 10}}, -2, 0, false},
		{"C=3", []copyAxis{ax(5, 3, 3), ax(3, 1, 1)}, 0, 0, false},
		{"concat at channel 4", []copyAxis{ax(15, 8, 12), ax(8, 1, 1)}, 0, 4, true},
		{"concat at channel 6", []copyAxis{ax(15, 8, 14), ax(8, 1, 1)}, 0, 6, false},
		{"inner strided", []copyAxis{ax(15, 16, 8), ax(8, 2, 1)}, 0, 0, false},
		{"backwards rows", []copyAxis{ax(3, -24, 8), ax(8, 1, 1)}, 48, 0, true},
		{"odd base", []copyAxis{ax(3, 12, 8), ax(8, 1, 1)}, 2, 0, false},
	} {
		if got := vec4Copy(c.axes, c.inBase, c.outBase); got != c.want {
			t.Errorf("%s: vec4Copy = %v, want %v", c.name, got, c.want)
		}
	}
}
