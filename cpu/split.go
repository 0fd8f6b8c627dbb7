package cpu

import (
	"github.com/fp16tool/fp16tool/graph"
)

func init() { builtins[graph.OpSplit] = prepareSplit }

// SPLIT: inputs axis (constant INT32 scalar) and data; num_splits equal
// outputs along the axis.
func prepareSplit(x *opCtx) (kernel, error) {
	if err := x.arity(2, 2, -1); err != nil {
		return nil, err
	}
	axisT, in := x.in[0], x.in[1]
	ax, err := axisT.ints()
	if err != nil || len(ax) != 1 {
		return nil, x.errorf("axis must be a constant INT32 scalar")
	}
	r := len(in.shape)
	axis := ax[0]
	if axis < 0 {
		axis += r
	}
	if axis < 0 || axis >= r {
		return nil, x.errorf("axis %d is out of range for %v", ax[0], in)
	}
	ns := len(x.out)
	if ns == 0 || in.shape[axis]%ns != 0 {
		return nil, x.errorf("%v does not split into %d along axis %d", in, ns, axis)
	}
	want := append([]int(nil), in.shape...)
	want[axis] /= ns
	for _, o := range x.out {
		if o.dtype != in.dtype {
			return nil, x.errorf("output %v differs from input %v in type", o, in)
		}
		if err := x.checkShape(o, want); err != nil {
			return nil, err
		}
	}
	outer := 1
	for _, d := range in.shape[:axis] {
		outer *= d
	}
	chunk := x.out[0].n / outer * in.dtype.Size()
	outs := x.out
	return func() error {
		off := 0
		for k := 0; k < outer; k++ {
			for _, o := range outs {
				copy(o.b[k*chunk:(k+1)*chunk], in.b[off:off+chunk])
				off += chunk
			}
		}
		return nil
	}, nil
}
