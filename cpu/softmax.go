package cpu

import (
	"math"

	"github.com/fp16tool/fp16tool/graph"
)

func init() { builtins[graph.OpSoftmax] = prepareSoftmax }

// SOFTMAX over the last dimension: exp((x-max)*beta) / sum.
func prepareSoftmax(x *opCtx) (kernel, error) {
	if err := x.wantType(graph.Float32, x.in[0], x.out[0]); err != nil {
		return nil, err
	}
	in, out, depth, beta, err := softmaxSetup(x)
	if err != nil {
		return nil, err
	}
	return func() error {
		iv, ov := in.f32(), out.f32()
		for s := 0; s+depth <= len(iv) && depth > 0; s += depth {
			row, orow := iv[s:s+depth], ov[s:s+depth]
			m := row[0]
			for _, v := range row {
				m = max(m, v)
			}
			var sum float32
			for i, v := range row {
				e := float32(math.Exp(float64(v-m) * beta))
				orow[i] = e
				sum += e
			}
			for i := range orow {
				orow[i] /= sum
			}
		}
		return nil
	}, nil
}

// softmaxSetup checks a SOFTMAX (any element type) and returns its input,
// output, the length of the last dimension and beta (1 without options).
func softmaxSetup(x *opCtx) (in, out *tensor, depth int, beta float64, err error) {
	if err := x.arity(1, 1, 1); err != nil {
		return nil, nil, 0, 0, err
	}
	o, err := opts[graph.SoftmaxOptions](x)
	if err != nil {
		return nil, nil, 0, 0, err
	}
	in, out = x.in[0], x.out[0]
	if err := x.checkShape(out, in.shape); err != nil {
		return nil, nil, 0, 0, err
	}
	if len(in.shape) == 0 {
		return nil, nil, 0, 0, x.errorf("input %v must have rank 1 or more", in)
	}
	beta = float64(o.Beta)
	if x.op.Options == nil {
		beta = 1
	}
	return in, out, in.shape[len(in.shape)-1], beta, nil
}
