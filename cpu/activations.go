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

func init() {
	builtins[graph.OpRelu] = prepareUnary(unRelu)
	builtins[graph.OpRelu6] = prepareUnary(unRelu6)
	builtins[graph.OpReluN1To1] = prepareUnary(unReluN1To1)
	builtins[graph.OpLogistic] = prepareUnary(unLogistic)
	builtins[graph.OpTanh] = prepareUnary(unTanh)
	builtins[graph.OpHardSwish] = prepareUnary(unHardSwish)
	builtins[graph.OpLeakyRelu] = prepareUnary(unLeakyRelu)
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
		return func() error {
			unary(kind, alpha, in.f32(), out.f32())
			return nil
		}, nil
	}
}

// unary computes out = op(in) elementwise.
func unary(kind unaryOp, alpha float32, in, out []float32) {
	out = out[:len(in)]
	switch kind {
	case unRelu, unRelu6, unReluN1To1:
		lo, hi := float32(0), float32(math.Inf(1))
		if kind == unRelu6 {
			hi = 6
		} else if kind == unReluN1To1 {
			lo, hi = -1, 1
		}
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
