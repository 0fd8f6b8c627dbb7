package gpu

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/fp16tool/fp16tool/graph"
)

// kernelsFor opens the default device and returns kernels in precision
// p, skipping the subtest when the device lacks it.
func kernelsFor(t *testing.T, d *Device, p Precision, tile Tile) *Kernels {
	t.Helper()
	if !d.Info().Supports(p) {
		t.Skipf("%s does not support %v", d.Info().Name, p)
	}
	k, err := NewKernels(d, p, tile)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { k.Close() })
	return k
}

func randVals(r *rand.Rand, n int, lo, hi float32) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = lo + (hi-lo)*r.Float32()
	}
	return v
}

// quantize rounds v to what precision p stores.
func quantize(p Precision, v []float32) []float32 { return p.Decode(nil, p.Encode(nil, v)) }

func upload(t *testing.T, d *Device, p Precision, v []float32) *Buffer {
	t.Helper()
	b, err := d.NewBuffer(len(v) * p.ElemSize())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	if err := b.Write(0, p.Encode(nil, v)); err != nil {
		t.Fatal(err)
	}
	return b
}

func download(t *testing.T, b *Buffer, p Precision, n int) []float32 {
	t.Helper()
	raw := make([]byte, n*p.ElemSize())
	if err := b.Read(0, raw); err != nil {
		t.Fatal(err)
	}
	return p.Decode(nil, raw)
}

func run(t *testing.T, d *Device, record func(s *Sequence) error) {
	t.Helper()
	s := d.NewSequence()
	defer s.Close()
	if err := record(s); err != nil {
		t.Fatal(err)
	}
	if err := s.Run(); err != nil {
		t.Fatal(err)
	}
}

func act(a graph.Activation, x float64) float64 {
	switch a {
	case graph.ActRelu:
		return math.Max(x, 0)
	case graph.ActReluN1To1:
		return math.Min(math.Max(x, -1), 1)
	case graph.ActRelu6:
		return math.Min(math.Max(x, 0), 6)
	case graph.ActTanh:
		return math.Tanh(x)
	}
	return x
}

// check compares got with want, where mag[i] bounds the sum of the
// magnitudes of the terms of want[i] (the scale of rounding errors): fp32
// arithmetic must be within a few float32 ulps of mag per term, float16
// storage adds the output rounding, float16 arithmetic a few float16 ulps
// of mag.
func check(t *testing.T, p Precision, terms int, got []float32, want, mag []float64) {
	t.Helper()
	const u32, u16 = 0x1p-24, 0x1p-11
	bad := 0
	for i := range want {
		tol := float64(terms+4)*u32*mag[i] + 1e-6
		if p != FP32 {
			// Output rounding to float16: half an ulp with round to
			// nearest (lavapipe), a whole ulp where float-to-half
			// conversion truncates (allowed by Vulkan without a rounding
			// mode decoration).
			tol += 2 * u16 * math.Abs(want[i])
		}
		if p == FP16 {
			tol += 8 * u16 * mag[i]
		}
		if err := math.Abs(float64(got[i]) - want[i]); !(err <= tol) {
			if bad < 5 {
				t.Errorf("%v: element %d = %g, want %g (error %.3g > tolerance %.3g)", p, i, got[i], want[i], err, tol)
			}
			bad++
		}
	}
	if bad > 0 {
		t.Errorf("%v: %d of %d elements out of tolerance", p, bad, len(want))
	}
}

var tiles = []Tile{{4, 4}, {1, 1}, {2, 8}, {8, 8}}

func TestGemm(t *testing.T) {
	d := openTest(t, DefaultOptions())
	cases := []struct {
		m, n, k int
		act     graph.Activation
	}{
		{1, 1, 1, graph.ActNone},
		{7, 5, 3, graph.ActNone},
		{33, 17, 64, graph.ActRelu},
		{64, 64, 128, graph.ActRelu6},
		{5, 9, 12, graph.ActTanh},
		{19, 30, 21, graph.ActReluN1To1},
	}
	for _, p := range Precisions {
		for _, tile := range tiles {
			t.Run(fmt.Sprintf("%v/%dx%d", p, tile.M, tile.N), func(t *testing.T) {
				k := kernelsFor(t, d, p, tile)
				for _, c := range cases {
					r := rand.New(rand.NewPCG(uint64(c.m), uint64(c.k)))
					a := quantize(p, randVals(r, c.m*c.k, -1, 1))
					w := quantize(p, randVals(r, c.n*c.k, -1, 1))
					bias := quantize(p, randVals(r, c.n, -1, 1))
					want, mag := make([]float64, c.m*c.n), make([]float64, c.m*c.n)
					for i := range c.m {
						for j := range c.n {
							s, g := float64(bias[j]), math.Abs(float64(bias[j]))
							for kk := range c.k {
								v := float64(a[i*c.k+kk]) * float64(w[j*c.k+kk])
								s += v
								g += math.Abs(v)
							}
							want[i*c.n+j], mag[i*c.n+j] = act(c.act, s), g
						}
					}
					ba, bw, bb := upload(t, d, p, a), upload(t, d, p, w), upload(t, d, p, bias)
					bc := upload(t, d, p, make([]float32, c.m*c.n))
					run(t, d, func(s *Sequence) error { return k.Gemm(s, c.m, c.n, c.k, c.act, ba, bw, bb, bc) })
					t.Run(fmt.Sprintf("%dx%dx%d", c.m, c.n, c.k), func(t *testing.T) {
						check(t, p, c.k, download(t, bc, p, c.m*c.n), want, mag)
					})
				}
			})
		}
	}
}

// refConv is the reference CONV_2D (mult == 0) or DEPTHWISE_CONV_2D
// (mult > 0) in float64, returning the result and the magnitudes.
func refConv(c Conv2DParams, mult int, in, w, bias []float32) (out, mag []float64) {
	n := c.Batch * c.OutH * c.OutW * c.OutC
	out, mag = make([]float64, n), make([]float64, n)
	for b := range c.Batch {
		for oy := range c.OutH {
			for ox := range c.OutW {
				for oc := range c.OutC {
					s, g := float64(bias[oc]), math.Abs(float64(bias[oc]))
					for ky := range c.KH {
						for kx := range c.KW {
							iy := oy*c.StrideH - c.PadTop + ky*c.DilationH
							ix := ox*c.StrideW - c.PadLeft + kx*c.DilationW
							if iy < 0 || iy >= c.InH || ix < 0 || ix >= c.InW {
								continue
							}
							base := ((b*c.InH+iy)*c.InW + ix) * c.InC
							if mult > 0 {
								v := float64(in[base+oc/mult]) * float64(w[(ky*c.KW+kx)*c.OutC+oc])
								s += v
								g += math.Abs(v)
								continue
							}
							for ic := range c.InC {
								v := float64(in[base+ic]) * float64(w[((oc*c.KH+ky)*c.KW+kx)*c.InC+ic])
								s += v
								g += math.Abs(v)
							}
						}
					}
					i := ((b*c.OutH+oy)*c.OutW+ox)*c.OutC + oc
					out[i], mag[i] = act(c.Act, s), g
				}
			}
		}
	}
	return out, mag
}

type convCase struct {
	name                   string
	batch, h, w, c, oc     int
	kh, kw, sh, sw, dh, dw int
	pad                    graph.Padding
	act                    graph.Activation
}

func (cc convCase) params() Conv2DParams {
	oh, pt := ConvOutput(cc.h, cc.kh, cc.sh, cc.dh, cc.pad)
	ow, pl := ConvOutput(cc.w, cc.kw, cc.sw, cc.dw, cc.pad)
	return Conv2DParams{Batch: cc.batch, InH: cc.h, InW: cc.w, InC: cc.c, OutH: oh, OutW: ow, OutC: cc.oc,
		KH: cc.kh, KW: cc.kw, StrideH: cc.sh, StrideW: cc.sw, DilationH: cc.dh, DilationW: cc.dw,
		PadTop: pt, PadLeft: pl, Act: cc.act}
}

func TestConv2D(t *testing.T) {
	d := openTest(t, DefaultOptions())
	cases := []convCase{
		{"3x3_same_relu", 1, 9, 11, 3, 8, 3, 3, 1, 1, 1, 1, graph.PaddingSame, graph.ActRelu},
		{"3x3_s2_same", 2, 10, 7, 5, 6, 3, 3, 2, 2, 1, 1, graph.PaddingSame, graph.ActNone},
		{"5x5_d2_valid", 1, 12, 12, 4, 3, 5, 5, 1, 1, 2, 2, graph.PaddingValid, graph.ActNone},
		{"1x1_gemm", 1, 6, 6, 8, 16, 1, 1, 1, 1, 1, 1, graph.PaddingValid, graph.ActRelu6},
		{"1x1_odd_gemm", 1, 5, 3, 7, 5, 1, 1, 1, 1, 1, 1, graph.PaddingSame, graph.ActNone},
		{"1x1_s2", 1, 7, 7, 4, 4, 1, 1, 2, 2, 1, 1, graph.PaddingSame, graph.ActNone},
		{"2x3_s1x2_same_tanh", 1, 8, 9, 6, 7, 2, 3, 1, 2, 1, 1, graph.PaddingSame, graph.ActTanh},
		{"3x3_s2_valid_n1to1", 1, 16, 16, 16, 24, 3, 3, 2, 2, 1, 1, graph.PaddingValid, graph.ActReluN1To1},
	}
	for _, p := range Precisions {
		for _, tile := range tiles {
			t.Run(fmt.Sprintf("%v/%dx%d", p, tile.M, tile.N), func(t *testing.T) {
				k := kernelsFor(t, d, p, tile)
				for i, cc := range cases {
					checkConv2D(t, d, k, cc, rand.New(rand.NewPCG(uint64(i), 7)))
				}
			})
		}
	}
}

func TestDepthwiseConv2D(t *testing.T) {
	d := openTest(t, DefaultOptions())
	cases := []struct {
		convCase
		mult int
	}{
		{convCase{"3x3_same_relu6", 1, 9, 9, 8, 8, 3, 3, 1, 1, 1, 1, graph.PaddingSame, graph.ActRelu6}, 1},
		{convCase{"5x5_s2_same_mult2", 2, 11, 10, 3, 6, 5, 5, 2, 2, 1, 1, graph.PaddingSame, graph.ActNone}, 2},
		{convCase{"3x3_d2_valid_tanh", 1, 10, 10, 5, 5, 3, 3, 1, 1, 2, 2, graph.PaddingValid, graph.ActTanh}, 1},
		{convCase{"3x3_s2_valid_odd", 1, 15, 13, 7, 7, 3, 3, 2, 2, 1, 1, graph.PaddingValid, graph.ActRelu}, 1},
		{convCase{"3x3_s2_same_vec4", 1, 13, 11, 12, 12, 3, 3, 2, 2, 1, 1, graph.PaddingSame, graph.ActReluN1To1}, 1},
		{convCase{"5x5_same_vec4_36ch", 2, 7, 9, 36, 36, 5, 5, 1, 1, 1, 1, graph.PaddingSame, graph.ActTanh}, 1},
	}
	for _, p := range Precisions {
		for _, tile := range tiles {
			t.Run(fmt.Sprintf("%v/%dx%d", p, tile.M, tile.N), func(t *testing.T) {
				k := kernelsFor(t, d, p, tile)
				for i, cc := range cases {
					c := cc.params()
					r := rand.New(rand.NewPCG(uint64(i), 11))
					in := quantize(p, randVals(r, c.Batch*c.InH*c.InW*c.InC, -1, 1))
					w := quantize(p, randVals(r, c.KH*c.KW*c.OutC, -1, 1))
					bias := quantize(p, randVals(r, c.OutC, -1, 1))
					want, mag := refConv(c, cc.mult, in, w, bias)
					bi, bw, bb := upload(t, d, p, in), upload(t, d, p, w), upload(t, d, p, bias)
					bo := upload(t, d, p, make([]float32, len(want)))
					run(t, d, func(s *Sequence) error { return k.DepthwiseConv2D(s, c, bi, bw, bb, bo) })
					t.Run(cc.name, func(t *testing.T) {
						check(t, p, c.KH*c.KW, download(t, bo, p, len(want)), want, mag)
					})
				}
			})
		}
	}
}

func TestBinary(t *testing.T) {
	d := openTest(t, DefaultOptions())
	cases := []struct {
		op     BinaryOp
		act    graph.Activation
		as, bs []int
	}{
		{Add, graph.ActNone, []int{2, 3, 4, 5}, []int{2, 3, 4, 5}},
		{Mul, graph.ActRelu, []int{1, 8, 8, 16}, []int{16}},
		{Sub, graph.ActNone, []int{1, 4, 1, 3}, []int{1, 1, 5, 3}},
		{Div, graph.ActRelu6, []int{3, 4}, []int{3, 1}},
		{Maximum, graph.ActNone, []int{5}, []int{1}},
		{Minimum, graph.ActTanh, []int{1}, []int{2, 1, 3}},
		{SquaredDifference, graph.ActNone, []int{2, 6}, []int{2, 6}},
		{Add, graph.ActReluN1To1, []int{3, 1, 5, 1}, []int{1, 2, 1, 4}},
	}
	for _, p := range Precisions {
		t.Run(p.String(), func(t *testing.T) {
			k := kernelsFor(t, d, p, Tile{})
			for i, c := range cases {
				out, err := BroadcastShape(c.as, c.bs)
				if err != nil {
					t.Fatal(err)
				}
				r := rand.New(rand.NewPCG(uint64(i), 3))
				na, nb, n := 1, 1, 1
				for _, v := range c.as {
					na *= v
				}
				for _, v := range c.bs {
					nb *= v
				}
				for _, v := range out {
					n *= v
				}
				a := quantize(p, randVals(r, na, -2, 2))
				b := quantize(p, randVals(r, nb, 0.5, 2))
				if c.op != Div {
					b = quantize(p, randVals(r, nb, -2, 2))
				}
				want, mag := binaryRef(c.op, c.act, c.as, c.bs, a, b)
				ba, bb := upload(t, d, p, a), upload(t, d, p, b)
				bo := upload(t, d, p, make([]float32, n))
				run(t, d, func(s *Sequence) error { return k.Binary(s, c.op, c.act, c.as, c.bs, ba, bb, bo) })
				t.Run(fmt.Sprintf("%v_%v_%v", c.op, c.as, c.bs), func(t *testing.T) {
					check(t, p, 2, download(t, bo, p, n), want, mag)
				})
			}
		})
	}
}
