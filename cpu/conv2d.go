package cpu

import "github.com/fp16tool/fp16tool/graph"

func init() { builtins[graph.OpConv2D] = prepareConv2D }

// convGeom is the geometry of a 2-D convolution over NHWC data.
type convGeom struct {
	batch, inH, inW, inC    int
	outH, outW, outC        int
	kH, kW, kC              int // filter height, width, input channels per group
	strideH, strideW        int
	dilH, dilW              int
	padH, padW              int
	groups, filtersPerGroup int
	lo, hi                  float32
}

// CONV_2D: input [N,H,W,C], filter [O,KH,KW,C/groups], optional bias [O].
// An INT8 filter with float32 activations is a hybrid op (int8_conv_hybrid.go).
func prepareConv2D(x *opCtx) (kernel, error) {
	g, a, err := conv2DGeometry(x)
	if err != nil {
		return nil, err
	}
	if x.in[1].dtype == graph.Int8 {
		return prepareConv2DHybrid(x, g, a)
	}
	in, filter, bias, out := a.in, a.filter, a.bias, a.out
	if err := x.wantType(graph.Float32, in, filter, bias, out); err != nil {
		return nil, err
	}
	if g.lo, g.hi, err = actRange(x, a.act); err != nil {
		return nil, err
	}
	return x.c.convKernel(g, in, filter, bias, out), nil
}

// convArgs are a convolution's tensors (bias nil when omitted) and fused
// activation, as the geometry functions return them.
type convArgs struct {
	in, filter, bias, out *tensor
	act                   graph.Activation
}

// conv2DGeometry checks a CONV_2D's arity, options and shapes (not its
// element types, which the float, hybrid and int8 kernels check) and
// returns its geometry (without the activation bounds).
func conv2DGeometry(x *opCtx) (*convGeom, convArgs, error) {
	if err := x.arity(2, 3, 1); err != nil {
		return nil, convArgs{}, err
	}
	o, err := opts[graph.Conv2DOptions](x)
	if err != nil {
		return nil, convArgs{}, err
	}
	in, filter, out := x.in[0], x.in[1], x.out[0]
	var bias *tensor
	if len(x.in) > 2 {
		bias = x.in[2]
	}
	a := convArgs{in, filter, bias, out, o.Activation}
	if len(in.shape) != 4 || len(filter.shape) != 4 {
		return nil, convArgs{}, x.errorf("input %v and filter %v must have rank 4", in, filter)
	}
	g := convGeom{
		batch: in.shape[0], inH: in.shape[1], inW: in.shape[2], inC: in.shape[3],
		outC: filter.shape[0], kH: filter.shape[1], kW: filter.shape[2], kC: filter.shape[3],
		strideH: int(o.StrideH), strideW: int(o.StrideW), dilH: int(o.DilationH), dilW: int(o.DilationW),
	}
	if g.dilH == 0 {
		g.dilH = 1
	}
	if g.dilW == 0 {
		g.dilW = 1
	}
	if g.strideH <= 0 || g.strideW <= 0 || g.dilH < 0 || g.dilW < 0 {
		return nil, convArgs{}, x.errorf("strides %dx%d and dilations %dx%d must be positive", g.strideH, g.strideW, g.dilH, g.dilW)
	}
	if g.kC <= 0 || g.inC%g.kC != 0 {
		return nil, convArgs{}, x.errorf("input channels %d are not a multiple of the filter's %d", g.inC, g.kC)
	}
	g.groups = g.inC / g.kC
	if g.outC%g.groups != 0 {
		return nil, convArgs{}, x.errorf("output channels %d are not a multiple of the %d groups", g.outC, g.groups)
	}
	g.filtersPerGroup = g.outC / g.groups
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

// convKernel returns the kernel computing the convolution g.
func (c *compiler) convKernel(g *convGeom, in, filter, bias, out *tensor) kernel {
	if !c.opt.Reference && g.groups == 1 && filter.konst && (bias == nil || bias.konst) {
		var b []float32
		if bias != nil {
			b = bias.f32()
		}
		if g.outC < 8 && g.kC >= 8 {
			nc := newConvNarrow(g, filter.f32(), b)
			var src []float32
			work := func(lo, hi int) { nc.rows(src, out.f32(), lo, hi) }
			rows := g.batch * g.outH
			pl := c.pool
			return func() error {
				src = nc.f.pad(in.f32())
				pl.run(rows, grainFor(g.outW*g.outC*g.kH*g.kW*g.kC), work)
				return nil
			}
		}
		f := newConvFast(g, filter.f32(), b)
		items := f.items()
		var src []float32
		work := func(lo, hi int) { f.compute(src, out.f32(), lo, hi) }
		pl := c.pool // not c: the kernel must not keep the compiler (and every constant) alive
		return func() error {
			src = f.pad(in.f32())
			pl.run(items, grainFor(64*g.kH*g.kW*g.kC), work)
			return nil
		}
	}
	return func() error {
		var b []float32
		if bias != nil {
			b = bias.f32()
		}
		convRef(g, in.f32(), filter.f32(), b, out.f32())
		return nil
	}
}

// convRef is the reference convolution (TFLite's reference_ops::Conv).
func convRef(g *convGeom, in, filter, bias, out []float32) {
	for n := 0; n < g.batch; n++ {
		for oy := 0; oy < g.outH; oy++ {
			iy0 := oy*g.strideH - g.padH
			for ox := 0; ox < g.outW; ox++ {
				ix0 := ox*g.strideW - g.padW
				for oc := 0; oc < g.outC; oc++ {
					group := oc / g.filtersPerGroup
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
							ib := ((n*g.inH+iy)*g.inW+ix)*g.inC + group*g.kC
							fb := ((oc*g.kH+ky)*g.kW + kx) * g.kC
							for ic := 0; ic < g.kC; ic++ {
								sum += in[ib+ic] * filter[fb+ic]
							}
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
