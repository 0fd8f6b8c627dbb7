package cpu

import "github.com/fp16tool/fp16tool/graph"

func init() { builtins[graph.OpFullyConnected] = prepareFullyConnected }

// fcGeom is the geometry of a fully connected layer.
type fcGeom struct {
	batch, in, out int
	lo, hi         float32
}

// FULLY_CONNECTED: input [..., I] (flattened to [B, I]), weights [O, I],
// optional bias [O]; output [B, O], or [..., O] with keep_num_dims.
func prepareFullyConnected(x *opCtx) (kernel, error) {
	if err := x.arity(2, 3, 1); err != nil {
		return nil, err
	}
	o, err := opts[graph.FullyConnectedOptions](x)
	if err != nil {
		return nil, err
	}
	if o.WeightsFormat != 0 {
		return nil, x.errorf("weights format %d is not supported (only DEFAULT)", o.WeightsFormat)
	}
	in, w, out := x.in[0], x.in[1], x.out[0]
	var bias *tensor
	if len(x.in) > 2 {
		bias = x.in[2]
	}
	if err := x.wantType(graph.Float32, in, w, bias, out); err != nil {
		return nil, err
	}
	if len(w.shape) != 2 {
		return nil, x.errorf("weights %v must have rank 2", w)
	}
	g := fcGeom{out: w.shape[0], in: w.shape[1]}
	if g.in == 0 || in.n%g.in != 0 {
		return nil, x.errorf("input %v does not flatten to rows of %d", in, g.in)
	}
	g.batch = in.n / g.in
	if bias != nil && bias.n != g.out {
		return nil, x.errorf("bias %v must have %d elements", bias, g.out)
	}
	if out.n != g.batch*g.out || out.shape[len(out.shape)-1] != g.out {
		return nil, x.errorf("output %v: the op computes %d rows of %d", out, g.batch, g.out)
	}
	if g.lo, g.hi, err = actRange(x, o.Activation); err != nil {
		return nil, err
	}
	return x.c.fcKernel(&g, in, w, bias, out), nil
}

func (c *compiler) fcKernel(g *fcGeom, in, w, bias, out *tensor) kernel {
	if !c.opt.Reference && w.konst && (bias == nil || bias.konst) {
		// A 1x1 convolution over g.batch pixels.
		cg := &convGeom{batch: 1, inH: 1, inW: g.batch, inC: g.in, outH: 1, outW: g.batch, outC: g.out,
			kH: 1, kW: 1, kC: g.in, strideH: 1, strideW: 1, dilH: 1, dilW: 1, groups: 1, filtersPerGroup: g.out, lo: g.lo, hi: g.hi}
		return c.convKernel(cg, in, w, bias, out)
	}
	return func() error {
		var b []float32
		if bias != nil {
			b = bias.f32()
		}
		fcRef(g, in.f32(), w.f32(), b, out.f32())
		return nil
	}
}

// fcRef is the reference fully connected layer.
func fcRef(g *fcGeom, in, w, bias, out []float32) {
	for b := 0; b < g.batch; b++ {
		row := in[b*g.in : (b+1)*g.in]
		for o := 0; o < g.out; o++ {
			wr := w[o*g.in : (o+1)*g.in]
			var sum float32
			for i, v := range row {
				sum += v * wr[i]
			}
			if bias != nil {
				sum += bias[o]
			}
			out[b*g.out+o] = clamp(sum, g.lo, g.hi)
		}
	}
}
