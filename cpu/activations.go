package cpu

import (
	"math"

	"github.com/fp16tool/fp16tool/graph"
)

func init() {
	builtins[graph.OpRelu] = prepareUnary(func(*opCtx) (func(float32) float32, error) {
		return func(v float32) float32 { return max(v, 0) }, nil
	})
	builtins[graph.OpRelu6] = prepareUnary(func(*opCtx) (func(float32) float32, error) {
		return func(v float32) float32 { return clamp(v, 0, 6) }, nil
	})
	builtins[graph.OpReluN1To1] = prepareUnary(func(*opCtx) (func(float32) float32, error) {
		return func(v float32) float32 { return clamp(v, -1, 1) }, nil
	})
	builtins[graph.OpLogistic] = prepareUnary(func(*opCtx) (func(float32) float32, error) {
		return func(v float32) float32 { return float32(1 / (1 + math.Exp(-float64(v)))) }, nil
	})
	builtins[graph.OpTanh] = prepareUnary(func(*opCtx) (func(float32) float32, error) {
		return func(v float32) float32 { return float32(math.Tanh(float64(v))) }, nil
	})
	builtins[graph.OpHardSwish] = prepareUnary(func(*opCtx) (func(float32) float32, error) {
		return func(v float32) float32 { return v * clamp(v+3, 0, 6) / 6 }, nil
	})
	builtins[graph.OpLeakyRelu] = prepareUnary(func(x *opCtx) (func(float32) float32, error) {
		o, err := opts[graph.LeakyReluOptions](x)
		if err != nil {
			return nil, err
		}
		alpha := o.Alpha
		return func(v float32) float32 {
			if v > 0 {
				return v
			}
			return v * alpha
		}, nil
	})
}

// prepareUnary prepares an elementwise float32 activation: RELU, RELU6,
// RELU_N1_TO_1, LOGISTIC, TANH, HARD_SWISH (x*relu6(x+3)/6), LEAKY_RELU.
func prepareUnary(mk func(x *opCtx) (func(float32) float32, error)) prepareFunc {
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
		f, err := mk(x)
		if err != nil {
			return nil, err
		}
		return func() error {
			iv, ov := in.f32(), out.f32()
			for i, v := range iv {
				ov[i] = f(v)
			}
			return nil
		}, nil
	}
}
