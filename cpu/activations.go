package cpu

import (
	"math"

	"github.com/fp16tool/fp16tool/graph"
)

type unaryOp int

const (
	unRelu unaryOp = iota
	unRelu6
	unReluN1To1
	unLogistic
	unTanh
	unHardSwish
	unLeakyRelu
)

// unaryOps are the elementwise activations by op code (the float and the
// int8 kernels register the same set).
var unaryOps = map[graph.OpCode]unaryOp{
	graph.OpRelu:      unRelu,
	graph.OpRelu6:     unRelu6,
	graph.OpReluN1To1: unReluN1To1,
	graph.OpLogistic:  unLogistic,
	graph.OpTanh:      unTanh,
	graph.OpHardSwish: unHardSwish,
	graph.OpLeakyRelu: unLeakyRelu,
}

func init() {
	for code, kind := range unaryOps {
		builtins[code] = prepareUnary(kind)
	}
}

// prepareUnary prepares an elementwise float32 activation: RELU, RELU6,
// RELU_N1_TO_1, LOGISTIC (1/(1+exp(-x))), TANH, HARD_SWISH
// (x*relu6(x+3)/6), LEAKY_RELU (x > 0 ? x : alpha*x).
func prepareUnary(kind unaryOp) prepareFunc {
	return func(x *opCtx) (kernel, error) {
		if err := x.arity(1, 1, 1); err != nil {
			return nil, err
		}
		in, out := x.in[0], x.out[0]
		if err := x.wantType(graph.Float32, in, out); err != nil {
			return nil, err
		}
		if err := x.checkShape(out, in.shape); err != nil {
			return nil, err
		}
		var alpha float32
		if kind == unLeakyRelu {
			o, err := opts[graph.LeakyReluOptions](x)
			if err != nil {
				return nil, err
			}
			alpha = o.Alpha
		}
		cost := 1
		if kind == unLogistic || kind == unTanh {
			cost = 16
		}
		return x.c.pool.elementwise(out.n, cost, func(i, j int) {
			unary(kind, alpha, in.f32()[i:j], out.f32()[i:j])
		}), nil
	}
}

// reluBounds returns the clamp bounds of RELU, RELU6 and RELU_N1_TO_1.
func reluBounds(kind unaryOp) (lo, hi float32) {
	switch kind {
	case unRelu6:
		return 0, 6
	case unReluN1To1:
		return -1, 1
	}
	return 0, float32(math.Inf(1))
}

// unary computes out = op(in) elementwise.
func unary(kind unaryOp, alpha float32, in, out []float32) {
	out = out[:len(in)]
	switch kind {
	case unRelu, unRelu6, unReluN1To1:
		lo, hi := reluBounds(kind)
		copy(out, in)
		clampSlice(out, lo, hi)
		return
	case unLogistic:
		done := 0
		if useAsm && len(in) >= 8 {
			logisticAsm(len(in), &in[0], &out[0])
			done = len(in) &^ 7
		}
		for i := done; i < len(in); i++ {
			v := in[i]
			out[i] = float32(1 / (1 + math.Exp(-float64(v))))
		}
	case unTanh:
		for i, v := range in {
			out[i] = float32(math.Tanh(float64(v)))
		}
	case unHardSwish:
		done := 0
		if useAsm && len(in) >= 8 {
			hardSwishAsm(len(in), &in[0], &out[0])
			done = len(in) &^ 7
		}
		for i := done; i < len(in); i++ {
			v := in[i]
			out[i] = v * min(max(v+3, 0), 6) / 6
		}
	case unLeakyRelu:
		for i, v := range in {
			if v <= 0 {
				v *= alpha
			}
			out[i] = v
		}
	}
}
