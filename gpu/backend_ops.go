package gpu

import "github.com/fp16tool/fp16tool/graph"

// The ops the kernels in kernels.go cover, and the aliases.

func init() {
	gpuOps[graph.OpConv2D] = prepareConv2D
	gpuOps[graph.OpDepthwiseConv2D] = prepareDepthwise
	gpuOps[graph.OpFullyConnected] = prepareFullyConnected
	for code, op := range map[graph.OpCode]BinaryOp{
		graph.OpAdd: Add, graph.OpSub: Sub, graph.OpMul: Mul, graph.OpDiv: Div,
		graph.OpMaximum: Maximum, graph.OpMinimum: Minimum, graph.OpSquaredDifference: SquaredDifference,
	} {
		gpuOps[code] = prepareBinary(op)
	}
	for _, code := range []graph.OpCode{graph.OpReshape, graph.OpSqueeze, graph.OpExpandDims} {
		gpuOps[code] = prepareAlias
		gpuAliases[code] = true
	}
}

// prepareAlias checks that the output has the input's elements; the
// compiler gives it the input's buffer.
func prepareAlias(x *opCtx) error {
	if len(x.in) < 1 || x.in[0] == nil || len(x.out) != 1 {
		return x.errorf("has %d inputs and %d outputs, want a data input and one output", len(x.in), len(x.out))
	}
	if x.in[0].n != x.out[0].n {
		return x.errorf("%v has %d elements, %v has %d", x.in[0], x.in[0].n, x.out[0], x.out[0].n)
	}
	return nil
}

// convParams fills the geometry of a convolution of in by a filter of
// kh x kw into out, checking the output shape.
func convParams(x *opCtx, in, out *tensor, kh, kw, strideH, strideW, dilH, dilW int, pad graph.Padding, act graph.Activation) (Conv2DParams, error) {
	if len(in.shape) != 4 || len(out.shape) != 4 {
		return Conv2DParams{}, x.errorf("input %v and output %v must have rank 4", in, out)
	}
	if strideH < 1 || strideW < 1 {
		return Conv2DParams{}, x.errorf("strides %dx%d must be positive", strideH, strideW)
	}
	c := Conv2DParams{Batch: in.shape[0], InH: in.shape[1], InW: in.shape[2], InC: in.shape[3],
		OutC: out.shape[3], KH: kh, KW: kw, StrideH: strideH, StrideW: strideW,
		DilationH: max(dilH, 1), DilationW: max(dilW, 1), Act: act}
	c.OutH, c.PadTop = ConvOutput(c.InH, kh, strideH, c.DilationH, pad)
	c.OutW, c.PadLeft = ConvOutput(c.InW, kw, strideW, c.DilationW, pad)
	if out.shape[0] != c.Batch || out.shape[1] != c.OutH || out.shape[2] != c.OutW {
		return Conv2DParams{}, x.errorf("output %v: the op computes [%d %d %d %d]", out, c.Batch, c.OutH, c.OutW, c.OutC)
	}
	return c, nil
}

// biasBuffer returns the bias input's buffer, or zeros.
func biasBuffer(x *opCtx, i, n int) (*Buffer, error) {
	b := x.optIn(i)
	if b == nil {
		return x.zeros(n)
	}
	if b.n != n {
		return nil, x.errorf("bias %v has %d elements, want %d", b, b.n, n)
	}
	return x.buffer(b)
}

// buffers returns the buffers of ts.
func buffers(x *opCtx, ts ...*tensor) ([]*Buffer, error) {
	out := make([]*Buffer, len(ts))
	for i, t := range ts {
		b, err := x.buffer(t)
		if err != nil {
			return nil, err
		}
		out[i] = b
	}
	return out, nil
}

// CONV_2D: input [N,H,W,C], filter [O,KH,KW,C], optional bias [O].
func prepareConv2D(x *opCtx) error {
	if err := x.arity(2, 3, 1); err != nil {
		return err
	}
	o, err := opts[graph.Conv2DOptions](x)
	if err != nil {
		return err
	}
	in, f, out := x.in[0], x.in[1], x.out[0]
	if len(f.shape) != 4 || len(in.shape) != 4 || f.shape[3] != in.shape[3] || f.shape[0] != out.shape[len(out.shape)-1] {
		return x.errorf("filter %v does not fit input %v and output %v (grouped convolutions are not supported)", f, in, out)
	}
	return recordConv(x, (*Kernels).Conv2D, int(o.StrideH), int(o.StrideW), int(o.DilationH), int(o.DilationW), o.Padding, o.Activation)
}

// DEPTHWISE_CONV_2D: input [N,H,W,C], filter [1,KH,KW,C*M], optional bias.
func prepareDepthwise(x *opCtx) error {
	if err := x.arity(2, 3, 1); err != nil {
		return err
	}
	o, err := opts[graph.DepthwiseConv2DOptions](x)
	if err != nil {
		return err
	}
	f, out := x.in[1], x.out[0]
	if len(f.shape) != 4 || f.shape[0] != 1 || len(out.shape) != 4 || f.shape[3] != out.shape[3] {
		return x.errorf("filter %v does not fit output %v", f, out)
	}
	return recordConv(x, (*Kernels).DepthwiseConv2D, int(o.StrideH), int(o.StrideW), int(o.DilationH), int(o.DilationW), o.Padding, o.Activation)
}

// recordConv records a convolution of input 0 by the filter (input 1,
// [_,KH,KW,_]) and bias (input 2 or zeros) into output 0 with kernel rec.
func recordConv(x *opCtx, rec func(*Kernels, *Sequence, Conv2DParams, *Buffer, *Buffer, *Buffer, *Buffer) error,
	strideH, strideW, dilH, dilW int, pad graph.Padding, act graph.Activation) error {
	in, f, out := x.in[0], x.in[1], x.out[0]
	c, err := convParams(x, in, out, f.shape[1], f.shape[2], strideH, strideW, dilH, dilW, pad, act)
	if err != nil {
		return err
	}
	bufs, err := buffers(x, in, f, out)
	if err != nil {
		return err
	}
	bias, err := biasBuffer(x, 2, c.OutC)
	if err != nil {
		return err
	}
	if err := rec(x.k, x.seq, c, bufs[0], bufs[1], bias, bufs[2]); err != nil {
		return x.errorf("%v", err)
	}
	return nil
}

// FULLY_CONNECTED: input [..., K] (rows of K), weights [N,K], optional
// bias [N]; output rows of N.
func prepareFullyConnected(x *opCtx) error {
	if err := x.arity(2, 3, 1); err != nil {
		return err
	}
	o, err := opts[graph.FullyConnectedOptions](x)
	if err != nil {
		return err
	}
	if o.WeightsFormat != 0 {
		return x.errorf("weights format %d is not supported", o.WeightsFormat)
	}
	in, w, out := x.in[0], x.in[1], x.out[0]
	if len(w.shape) != 2 || w.shape[1] < 1 || in.n%w.shape[1] != 0 {
		return x.errorf("weights %v do not fit input %v", w, in)
	}
	n, kk := w.shape[0], w.shape[1]
	m := in.n / kk
	if out.n != m*n {
		return x.errorf("output %v: the op computes %d rows of %d", out, m, n)
	}
	bufs, err := buffers(x, in, w, out)
	if err != nil {
		return err
	}
	bias, err := biasBuffer(x, 2, n)
	if err != nil {
		return err
	}
	if err := x.k.Gemm(x.seq, m, n, kk, o.Activation, bufs[0], bufs[1], bias, bufs[2]); err != nil {
		return x.errorf("%v", err)
	}
	return nil
}

// prepareBinary returns the prepare function of an elementwise binary op
// with broadcasting.
func prepareBinary(op BinaryOp) opPrepare {
	return func(x *opCtx) error {
		if err := x.arity(2, 2, 1); err != nil {
			return err
		}
		act, _ := graph.FusedActivation(x.op)
		a, b, out := x.in[0], x.in[1], x.out[0]
		bufs, err := buffers(x, a, b, out)
		if err != nil {
			return err
		}
		if err := x.k.Binary(x.seq, op, act, a.shape, b.shape, bufs[0], bufs[1], bufs[2]); err != nil {
			return x.errorf("%v", err)
		}
		return nil
	}
}
