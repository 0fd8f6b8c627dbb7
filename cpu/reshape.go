package cpu

import (
	"github.com/fp16tool/fp16tool/graph"
)

func init() {
	builtins[graph.OpReshape] = prepareReshape
	builtins[graph.OpSqueeze] = prepareReshape
	builtins[graph.OpExpandDims] = prepareReshape
}

// RESHAPE, SQUEEZE and EXPAND_DIMS keep the data and change the shape:
// the output's shape is the model's (checked to have as many elements),
// and the data is copied.
func prepareReshape(x *opCtx) (kernel, error) {
	if err := x.arity(1, 2, 1); err != nil {
		return nil, err
	}
	in, out := x.in[0], x.out[0]
	if in.dtype != out.dtype {
		return nil, x.errorf("input %v and output %v differ in type", in, out)
	}
	if in.n != out.n {
		return nil, x.errorf("input %v and output %v differ in size", in, out)
	}
	if x.op.Code == graph.OpReshape {
		if err := checkReshape(x, in, out); err != nil {
			return nil, err
		}
	}
	return func() error {
		copy(out.b, in.b)
		return nil
	}, nil
}

// checkReshape checks the new shape (from the shape input or the options)
// against the output, resolving one -1.
func checkReshape(x *opCtx, in, out *tensor) error {
	var want []int
	if len(x.in) > 1 && x.in[1] != nil && x.in[1].konst {
		s, err := x.in[1].ints()
		if err != nil {
			return x.errorf("shape: %v", err)
		}
		want = s
	} else if o, ok := x.op.Options.(graph.ReshapeOptions); ok && o.NewShape != nil {
		want = shapeInts(o.NewShape)
	} else if o, ok := x.op.Options.(*graph.ReshapeOptions); ok && o != nil && o.NewShape != nil {
		want = shapeInts(o.NewShape)
	} else {
		return nil
	}
	known, unknown := 1, -1
	for i, d := range want {
		if d == -1 {
			if unknown >= 0 {
				return x.errorf("new shape %v has two -1 entries", want)
			}
			unknown = i
			continue
		}
		known *= d
	}
	if unknown >= 0 && known > 0 {
		want = append([]int(nil), want...)
		want[unknown] = in.n / known
	}
	return x.checkShape(out, want)
}
