package cpu

import "github.com/fp16tool/fp16tool/graph"

func init() { builtins[graph.OpFullyConnected] = prepareFullyConnected }

// fcGeom is the geometry of a fully connected layer.
type fcGeom struct {
	batch, in, out int
	lo, hi         float32
}

// FULLY_CONNECTED: input [..., I] (flattened to [B, I]), weights [O, I],
// optional bias [O]; output [B, O], or [..., O] with keep_num_dims. INT8
// weights with float32 activations are a hybrid op (int8_fc_hybrid.go).
func prepareFullyConnected(x *opCtx) (kernel, error) {
	g, a, o, err := fcGeometry(x)
	if err != nil {
		return nil, err
	}
	if x.in[1].dtype == graph.Int8 {
		return prepareFullyConnectedHybrid(x, g, a, o)
	}
	if err := x.wantType(graph.Float32, a.in, a.filter, a.bias, a.out); err != nil {
		return nil, err
	}
	if g.lo, g.hi, err = actRange(x, a.act); err != nil {
		return nil, err
	}
	return x.c.fcKernel(g, a.in, a.filter, a.bias, a.out), nil
}

// fcGeometry checks a FULLY_CONNECTED's arity, options and shapes (not its
// element types) and returns its geometry (without the activation bounds),
// its tensors (the weights as filter) and its options.
func fcGeometry(x *opCtx) (*fcGeom, convArgs, graph.FullyConnectedOptions, error) {
	var o graph.FullyConnectedOptions
	fail := func(err error) (*fcGeom, convArgs, graph.FullyConnectedOptions, error) {
		return nil, convArgs{}, o, err
	}
	if err := x.arity(2, 3, 1); err != nil {
		return fail(err)
	}
	o, err := opts[graph.FullyConnectedOptions](x)
	if err != nil {
		return fail(err)
	}
	if o.WeightsFormat != 0 {
		return fail(x.errorf("weights format %d is not supported (only DEFAULT)", o.WeightsFormat))
	}
	in, w, out := x.in[0], x.in[1], x.out[0]
	var bias *tensor
	if len(x.in) > 2 {
		bias = x.in[2]
	}
	if len(w.shape) != 2 {
		return fail(x.errorf("weights %v must have rank 2", w))
	}
	g := fcGeom{out: w.shape[0], in: w.shape[1]}
	if g.in == 0 || in.n%g.in != 0 {
		return fail(x.errorf("input %v does not flatten to rows of %d", in, g.in))
	}
	g.batch = in.n / g.in
	if bias != nil && bias.n != g.out {
		return fail(x.errorf("bias %v must have %d elements", bias, g.out))
	}
	if out.n != g.batch*g.out || out.shape[len(out.shape)-1] != g.out {
		return fail(x.errorf("output %v: the op computes %d rows of %d", out, g.batch, g.out))
	}
	return &g, convArgs{in, w, bias, out, o.Activation}, o, nil
}

func (c *compiler) fcKernel(g *fcGeom, in, w, bias, out *tensor) kernel {
	if !c.opt.Reference && w.konst && (bias == nil || bias.konst) {
		// A 1x1 convolution over g.batch pixels.
		return c.convKernel(g.asConv(), in, w, bias, out)
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
