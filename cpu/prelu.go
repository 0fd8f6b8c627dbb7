package cpu

import (
	"github.com/fp16tool/fp16tool/graph"
)

func init() { builtins[graph.OpPrelu] = preparePrelu }

// PRELU: x >= 0 ? x : x*alpha, alpha broadcast against the input.
func preparePrelu(x *opCtx) (kernel, error) {
	if err := x.arity(2, 2, 1); err != nil {
		return nil, err
	}
	in, alpha, out := x.in[0], x.in[1], x.out[0]
	if err := x.wantType(graph.Float32, in, alpha, out); err != nil {
		return nil, err
	}
	shape, ok := broadcastShape(in.shape, alpha.shape)
	if !ok {
		return nil, x.errorf("input %v and alpha %v do not broadcast", in, alpha)
	}
	if err := x.checkShape(out, shape); err != nil {
		return nil, err
	}
	it := newStrided(shape, bcastStrides(in.shape, shape), bcastStrides(alpha.shape, shape))
	return func() error {
		ov, iv, av := out.f32(), in.f32(), alpha.f32()
		it.rows(func(oi, ii, ai, n, di, da int) {
			for k := 0; k < n; k++ {
				v := iv[ii]
				if v < 0 {
					v *= av[ai]
				}
				ov[oi+k] = v
				ii += di
				ai += da
			}
		})
		return nil
	}, nil
}
