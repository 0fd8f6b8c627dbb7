package gpu

import "github.com/fp16tool/fp16tool/graph"

// The elementwise activations, PRELU and SOFTMAX (kernels_activation.go).

func init() {
	for code, op := range map[graph.OpCode]UnaryOp{
		graph.OpRelu: Relu, graph.OpRelu6: Relu6, graph.OpReluN1To1: ReluN1To1, graph.OpLeakyRelu: LeakyRelu,
		graph.OpLogistic: Logistic, graph.OpTanh: Tanh, graph.OpHardSwish: HardSwish,
	} {
		gpuOps[code] = prepareUnary(op)
	}
	gpuOps[graph.OpPrelu] = preparePRelu
	gpuOps[graph.OpSoftmax] = prepareSoftmax
}

// checkOut checks that output t has shape want.
func checkOut(x *opCtx, t *tensor, want []int) error {
	if len(t.shape) != len(want) {
		return x.errorf("output %v: the op computes %v", t, want)
	}
	for i := range want {
		if t.shape[i] != want[i] {
			return x.errorf("output %v: the op computes %v", t, want)
		}
	}
	return nil
}

// kernelErr names the op in an error from a Kernels method.
func kernelErr(x *opCtx, err error) error {
	if err != nil {
		return x.errorf("%v", err)
	}
	return nil
}

// record1 records rec from in to out, unless out is empty.
func record1(x *opCtx, in, out *tensor, rec func(in, out *Buffer) error) error {
	if out.n == 0 {
		return nil
	}
	bufs, err := buffers(x, in, out)
	if err != nil {
		return err
	}
	return kernelErr(x, rec(bufs[0], bufs[1]))
}

// prepareUnary returns the prepare function of an elementwise activation
// (LEAKY_RELU's alpha from its options).
func prepareUnary(op UnaryOp) opPrepare {
	return func(x *opCtx) error {
		if err := x.arity(1, 1, 1); err != nil {
			return err
		}
		var alpha float32
		if op == LeakyRelu {
			o, err := opts[graph.LeakyReluOptions](x)
			if err != nil {
				return err
			}
			alpha = o.Alpha
		}
		in, out := x.in[0], x.out[0]
		if err := checkOut(x, out, in.shape); err != nil {
			return err
		}
		return record1(x, in, out, func(i, o *Buffer) error { return x.k.Unary(x.seq, op, alpha, in.n, i, o) })
	}
}

// PRELU: input, alpha broadcast against it.
func preparePRelu(x *opCtx) error {
	if err := x.arity(2, 2, 1); err != nil {
		return err
	}
	in, alpha, out := x.in[0], x.in[1], x.out[0]
	if err := checkOut(x, out, in.shape); err != nil {
		return err
	}
	bufs, err := buffers(x, in, alpha, out)
	if err != nil {
		return err
	}
	return kernelErr(x, x.k.PRelu(x.seq, in.shape, alpha.shape, bufs[0], bufs[1], bufs[2]))
}

// SOFTMAX over the last axis with beta (1 when the op has no options).
func prepareSoftmax(x *opCtx) error {
	if err := x.arity(1, 1, 1); err != nil {
		return err
	}
	so, err := opts[graph.SoftmaxOptions](x)
	if err != nil {
		return err
	}
	if x.op.Options == nil {
		so.Beta = 1
	}
	in, out := x.in[0], x.out[0]
	if len(in.shape) == 0 {
		return x.errorf("input %v must have rank 1 or more", in)
	}
	if err := checkOut(x, out, in.shape); err != nil {
		return err
	}
	depth := in.shape[len(in.shape)-1]
	return record1(x, in, out, func(i, o *Buffer) error { return x.k.Softmax(x.seq, in.n/depth, depth, so.Beta, i, o) })
}
