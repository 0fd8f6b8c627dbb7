package cpu

import (
	"encoding/binary"
	"math"

	"github.com/fp16tool/fp16tool/graph"
)

func init() {
	builtins[graph.OpTransposeConv] = prepareTransposeConv
	customs["Convolution2DTransposeBias"] = prepareConvTransposeBias
}

// TRANSPOSE_CONV: inputs output_shape (INT32 [4]), weights [O,KH,KW,I],
// input [N,H,W,I], optional bias [O]. The padding is the one a CONV_2D
// from the output's size back to the input's would use.
func prepareTransposeConv(x *opCtx) (kernel, error) {
	g, o, bias, err := transposeConvSetup(x)
	if err != nil {
		return nil, err
	}
	w, in, out := x.in[1], x.in[2], x.out[0]
	if err := x.wantType(graph.Float32, w, in, bias, out); err != nil {
		return nil, err
	}
	if g.lo, g.hi, err = actRange(x, o.Activation); err != nil {
		return nil, err
	}
	return x.c.transposeConvKernel(g, in, w, bias, out), nil
}

// transposeConvSetup checks a TRANSPOSE_CONV's shapes (any element types)
// and returns its geometry with TFLite's padding, its options and its bias
// (nil when omitted).
func transposeConvSetup(x *opCtx) (*convGeom, graph.TransposeConvOptions, *tensor, error) {
	var o graph.TransposeConvOptions
	if err := x.arity(3, 4, 1); err != nil {
		return nil, o, nil, err
	}
	o, err := opts[graph.TransposeConvOptions](x)
	if err != nil {
		return nil, o, nil, err
	}
	shapeT, w, in, out := x.in[0], x.in[1], x.in[2], x.out[0]
	var bias *tensor
	if len(x.in) > 3 {
		bias = x.in[3]
	}
	if shapeT.konst {
		s, err := shapeT.ints()
		if err != nil {
			return nil, o, nil, x.errorf("output shape: %v", err)
		}
		if !sameShape(s, out.shape) {
			return nil, o, nil, x.errorf("output shape input %v differs from output %v", s, out)
		}
	}
	g, err := transposeGeom(x, in, w, bias, out, int(o.StrideH), int(o.StrideW))
	if err != nil {
		return nil, o, nil, err
	}
	_, g.padH = window(o.Padding, g.outH, g.kH, g.strideH, 1)
	_, g.padW = window(o.Padding, g.outW, g.kW, g.strideW, 1)
	return g, o, bias, nil
}

// transposeGeom checks the shapes common to both transposed convolutions.
func transposeGeom(x *opCtx, in, w, bias, out *tensor, strideH, strideW int) (*convGeom, error) {
	if len(in.shape) != 4 || len(w.shape) != 4 || len(out.shape) != 4 {
		return nil, x.errorf("input %v, weights %v and output %v must have rank 4", in, w, out)
	}
	g := &convGeom{
		batch: in.shape[0], inH: in.shape[1], inW: in.shape[2], inC: in.shape[3],
		outH: out.shape[1], outW: out.shape[2], outC: out.shape[3],
		kH: w.shape[1], kW: w.shape[2], kC: w.shape[3], strideH: strideH, strideW: strideW,
		dilH: 1, dilW: 1,
	}
	if g.strideH <= 0 || g.strideW <= 0 {
		return nil, x.errorf("strides %dx%d must be positive", g.strideH, g.strideW)
	}
	if w.shape[0] != g.outC || g.kC != g.inC || out.shape[0] != g.batch {
		return nil, x.errorf("weights %v do not map input %v to output %v", w, in, out)
	}
	if bias != nil && bias.n != g.outC {
		return nil, x.errorf("bias %v must have %d elements", bias, g.outC)
	}
	return g, nil
}

// Convolution2DTransposeBias is MediaPipe's custom transposed convolution
// with bias: inputs input [N,H,W,I], weights [O,KH,KW,I], bias [O]; its
// custom options are TfLiteTransposeConvParams (int32 padding 1=SAME
// 2=VALID, stride_w, stride_h).
func prepareConvTransposeBias(x *opCtx) (kernel, error) {
	if err := x.arity(3, 3, 1); err != nil {
		return nil, err
	}
	in, w, bias, out := x.in[0], x.in[1], x.in[2], x.out[0]
	if err := x.wantType(graph.Float32, in, w, bias, out); err != nil {
		return nil, err
	}
	co := x.op.CustomOptions
	if len(co) < 12 {
		return nil, x.errorf("custom options have %d bytes, want 12 (padding, stride_w, stride_h)", len(co))
	}
	padding := int32(binary.LittleEndian.Uint32(co[0:]))
	strideW := int(int32(binary.LittleEndian.Uint32(co[4:])))
	strideH := int(int32(binary.LittleEndian.Uint32(co[8:])))
	if padding != 1 && padding != 2 {
		return nil, x.errorf("custom options padding %d is neither 1 (SAME) nor 2 (VALID)", padding)
	}
	g, err := transposeGeom(x, in, w, bias, out, strideH, strideW)
	if err != nil {
		return nil, err
	}
	totH, totW := 0, 0
	if padding == 1 {
		totH = max(0, g.kH-(g.inH-1)%g.strideH-1)
		totW = max(0, g.kW-(g.inW-1)%g.strideW-1)
	}
	wantH := g.strideH*(g.inH-1) + g.kH - totH
	wantW := g.strideW*(g.inW-1) + g.kW - totW
	if err := x.checkShape(out, []int{g.batch, wantH, wantW, g.outC}); err != nil {
		return nil, err
	}
	g.padH, g.padW = totH/2, totW/2
	g.lo, g.hi, _ = actRange(x, graph.ActNone)
	return x.c.transposeConvKernel(g, in, w, bias, out), nil
}

func (c *compiler) transposeConvKernel(g *convGeom, in, w, bias, out *tensor) kernel {
	if !c.opt.Reference && w.konst && (bias == nil || bias.konst) {
		var b []float32
		if bias != nil {
			b = bias.f32()
		}
		if t := newTconv2x2(g, w.f32(), b); t != nil {
			var src, dst []float32
			work := func(lo, hi int) { t.rows(src, dst, lo, hi) }
			pl := c.pool
			return func() error {
				src, dst = in.f32(), out.f32()
				pl.run(g.batch*g.inH, grainFor(g.inW*g.inC*4), work)
				return nil
			}
		}
		t := newTransposeFast(g, w.f32(), b)
		var src []float32
		work := func(lo, hi int) { t.gemm.compute(src, t.cols, lo, hi) }
		items := t.gemm.items()
		pl := c.pool // not c: the kernel must not keep the compiler (and every constant) alive
		return func() error {
			src = in.f32()
			pl.run(items, grainFor(64*g.inC), work)
			t.col2im(out.f32())
			return nil
		}
	}
	return func() error {
		var b []float32
		if bias != nil {
			b = bias.f32()
		}
		transposeConvRef(g, in.f32(), w.f32(), b, out.f32())
		return nil
	}
}

// transposeFast is the optimized transposed convolution: one GEMM from
// the input pixels to every (tap, output channel) pair (a 1x1 convolution
// with kH*kW*outC output channels, on the optimized convolution path),
// then a scatter-add of each tap's row into the output window (col2im).
type transposeFast struct {
	g    *convGeom
	gemm *convFast
	cols []float32 // [input pixel][tap][outC]
	bias []float32
}

func newTransposeFast(g *convGeom, w, bias []float32) *transposeFast {
	taps := g.kH * g.kW
	wide := taps * g.outC
	// Filter of the 1x1 convolution: row (tap*outC + oc) is w[oc, ky, kx, :].
	wt := make([]float32, wide*g.inC)
	for oc := 0; oc < g.outC; oc++ {
		for t := 0; t < taps; t++ {
			copy(wt[(t*g.outC+oc)*g.inC:][:g.inC], w[(oc*taps+t)*g.inC:][:g.inC])
		}
	}
	pixels := g.batch * g.inH * g.inW
	g1 := &convGeom{batch: 1, inH: 1, inW: pixels, inC: g.inC, outH: 1, outW: pixels, outC: wide,
		kH: 1, kW: 1, kC: g.inC, strideH: 1, strideW: 1, dilH: 1, dilW: 1, groups: 1, filtersPerGroup: wide}
	g1.lo, g1.hi = float32(math.Inf(-1)), float32(math.Inf(1))
	t := &transposeFast{g: g, gemm: newConvFast(g1, wt, nil), cols: make([]float32, pixels*wide), bias: make([]float32, g.outC)}
	copy(t.bias, bias)
	return t
}

// col2im adds every input pixel's tap rows into the output, then the
// bias and the activation clamp. It walks output rows (input row, tap
// row) and, within one, each tap column over the input pixels, so that the
// common narrow case (MediaPipe's 2x2 stride-2 upsampling to 1 channel)
// is a strided scalar loop rather than a slice operation per element.
func (t *transposeFast) col2im(out []float32) {
	g := t.g
	c := g.outC
	taps := g.kH * g.kW
	out = out[:g.batch*g.outH*g.outW*c]
	repeatFill(out, t.bias)
	for n := 0; n < g.batch; n++ {
		for iy := 0; iy < g.inH; iy++ {
			crow := t.cols[(n*g.inH+iy)*g.inW*taps*c:][:g.inW*taps*c]
			for ky := 0; ky < g.kH; ky++ {
				oy := iy*g.strideH - g.padH + ky
				if oy < 0 || oy >= g.outH {
					continue
				}
				orow := out[(n*g.outH+oy)*g.outW*c:][:g.outW*c]
				for kx := 0; kx < g.kW; kx++ {
					tap := (ky*g.kW + kx) * c
					for ix := 0; ix < g.inW; ix++ {
						ox := ix*g.strideW - g.padW + kx
						if ox < 0 {
							continue
						}
						if ox >= g.outW {
							break
						}
						if c == 1 {
							orow[ox] += crow[ix*taps+tap]
							continue
						}
						o := orow[ox*c:][:c]
						for j, v := range crow[ix*taps*c+tap:][:c] {
							o[j] += v
						}
					}
				}
			}
		}
	}
	if g.lo > -3e38 || g.hi < 3e38 {
		clampSlice(out, g.lo, g.hi)
	}
}

// repeatFill fills out with copies of pattern (len(out) a multiple of
// len(pattern)), doubling the filled prefix with each copy.
func repeatFill(out, pattern []float32) {
	if len(out) == 0 {
		return
	}
	done := copy(out, pattern)
	for done < len(out) {
		done += copy(out[done:], out[:done])
	}
}

// transposeConvRef is the reference transposed convolution: every input
// pixel scatters its products into the output window it influences.
func transposeConvRef(g *convGeom, in, w, bias, out []float32) {
	for i := range out {
		out[i] = 0
	}
	for n := 0; n < g.batch; n++ {
		for iy := 0; iy < g.inH; iy++ {
			for ix := 0; ix < g.inW; ix++ {
				ib := ((n*g.inH+iy)*g.inW + ix) * g.inC
				oy0 := iy*g.strideH - g.padH
				ox0 := ix*g.strideW - g.padW
				for ky := 0; ky < g.kH; ky++ {
					oy := oy0 + ky
					if oy < 0 || oy >= g.outH {
						continue
					}
					for kx := 0; kx < g.kW; kx++ {
						ox := ox0 + kx
						if ox < 0 || ox >= g.outW {
							continue
						}
						ob := ((n*g.outH+oy)*g.outW + ox) * g.outC
						for oc := 0; oc < g.outC; oc++ {
							wb := ((oc*g.kH+ky)*g.kW + kx) * g.inC
							var sum float32
							for ic := 0; ic < g.inC; ic++ {
								sum += in[ib+ic] * w[wb+ic]
							}
							out[ob+oc] += sum
						}
					}
				}
			}
		}
	}
	if bias != nil || g.lo > -3e38 || g.hi < 3e38 {
		for i := range out {
			v := out[i]
			if bias != nil {
				v += bias[i%g.outC]
			}
			out[i] = clamp(v, g.lo, g.hi)
		}
	}
}
