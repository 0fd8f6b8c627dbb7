package cpu

import "github.com/fp16tool/fp16tool/graph"

func init() { builtins[graph.OpDepthwiseConv2D] = prepareDepthwise }

// dwGeom is the geometry of a depthwise convolution.
type dwGeom struct {
	convGeom
	mult int // depth multiplier: outC = inC * mult
}

// DEPTHWISE_CONV_2D: input [N,H,W,C], filter [1,KH,KW,C*M], optional bias
// [C*M]; output channel c*M+m reads input channel c. An INT8 filter with
// float32 activations is a hybrid op (int8_dw_hybrid.go).
func prepareDepthwise(x *opCtx) (kernel, error) {
	g, a, err := depthwiseGeometry(x)
	if err != nil {
		return nil, err
	}
	if x.in[1].dtype == graph.Int8 {
		return prepareDepthwiseHybrid(x, g, a)
	}
	if err := x.wantType(graph.Float32, a.in, a.filter, a.bias, a.out); err != nil {
		return nil, err
	}
	if g.lo, g.hi, err = actRange(x, a.act); err != nil {
		return nil, err
	}
	return x.c.depthwiseKernel(g, a.in, a.filter, a.bias, a.out), nil
}

// depthwiseGeometry checks a DEPTHWISE_CONV_2D's arity, options and shapes
// (not its element types) and returns its geometry (without the activation
// bounds).
func depthwiseGeometry(x *opCtx) (*dwGeom, convArgs, error) {
	if err := x.arity(2, 3, 1); err != nil {
		return nil, convArgs{}, err
	}
	o, err := opts[graph.DepthwiseConv2DOptions](x)
	if err != nil {
		return nil, convArgs{}, err
	}
	in, filter, out := x.in[0], x.in[1], x.out[0]
	var bias *tensor
	if len(x.in) > 2 {
		bias = x.in[2]
	}
	a := convArgs{in, filter, bias, out, o.Activation}
	if len(in.shape) != 4 || len(filter.shape) != 4 || filter.shape[0] != 1 {
		return nil, convArgs{}, x.errorf("input %v and filter %v must have rank 4, the filter [1,KH,KW,C*M]", in, filter)
	}
	g := dwGeom{convGeom: convGeom{
		batch: in.shape[0], inH: in.shape[1], inW: in.shape[2], inC: in.shape[3],
		outC: filter.shape[3], kH: filter.shape[1], kW: filter.shape[2],
		strideH: int(o.StrideH), strideW: int(o.StrideW), dilH: int(o.DilationH), dilW: int(o.DilationW),
	}}
	if g.dilH <= 0 {
		g.dilH = 1
	}
	if g.dilW <= 0 {
		g.dilW = 1
	}
	if g.strideH <= 0 || g.strideW <= 0 {
		return nil, convArgs{}, x.errorf("strides %dx%d must be positive", g.strideH, g.strideW)
	}
	if g.inC == 0 || g.outC%g.inC != 0 {
		return nil, convArgs{}, x.errorf("filter channels %d are not a multiple of the input's %d", g.outC, g.inC)
	}
	g.mult = g.outC / g.inC
	if bias != nil && bias.n != g.outC {
		return nil, convArgs{}, x.errorf("bias %v must have %d elements", bias, g.outC)
	}
	g.outH, g.padH = window(o.Padding, g.inH, g.kH, g.strideH, g.dilH)
	g.outW, g.padW = window(o.Padding, g.inW, g.kW, g.strideW, g.dilW)
	if err := x.checkShape(out, []int{g.batch, g.outH, g.outW, g.outC}); err != nil {
		return nil, convArgs{}, err
	}
	return &g, a, nil
}

func (c *compiler) depthwiseKernel(g *dwGeom, in, filter, bias, out *tensor) kernel {
	if !c.opt.Reference && g.mult == 1 && filter.konst && (bias == nil || bias.konst) {
		var b []float32
		if bias != nil {
			b = bias.f32()
		}
		d := newDepthwiseFast(g, filter.f32(), b)
		var src []float32
		work := func(lo, hi int) { d.rows(src, out.f32(), lo, hi) }
		rows := g.batch * g.outH
		pl := c.pool // not c: the kernel must not keep the compiler (and every constant) alive
		return func() error {
			src = d.pad(in.f32())
			pl.run(rows, grainFor(g.outW*g.outC*g.kH*g.kW), work)
			return nil
		}
	}
	return func() error {
		var b []float32
		if bias != nil {
			b = bias.f32()
		}
		depthwiseRef(g, in.f32(), filter.f32(), b, out.f32())
		return nil
	}
}

// depthwiseRef is the reference depthwise convolution (TFLite's
// reference_ops::DepthwiseConv).
func depthwiseRef(g *dwGeom, in, filter, bias, out []float32) {
	for n := 0; n < g.batch; n++ {
		for oy := 0; oy < g.outH; oy++ {
			iy0 := oy*g.strideH - g.padH
			for ox := 0; ox < g.outW; ox++ {
				ix0 := ox*g.strideW - g.padW
				for ic := 0; ic < g.inC; ic++ {
					for m := 0; m < g.mult; m++ {
						oc := ic*g.mult + m
						var sum float32
						for ky := 0; ky < g.kH; ky++ {
							iy := iy0 + ky*g.dilH
							if iy < 0 || iy >= g.inH {
								continue
							}
							for kx := 0; kx < g.kW; kx++ {
								ix := ix0 + kx*g.dilW
								if ix < 0 || ix >= g.inW {
									continue
								}
								sum += in[((n*g.inH+iy)*g.inW+ix)*g.inC+ic] * filter[(ky*g.kW+kx)*g.outC+oc]
							}
						}
						if bias != nil {
							sum += bias[oc]
						}
						out[((n*g.outH+oy)*g.outW+ox)*g.outC+oc] = clamp(sum, g.lo, g.hi)
					}
				}
			}
		}
	}
}
