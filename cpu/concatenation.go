package cpu

import (
	"github.com/fp16tool/fp16tool/graph"
)

func init() { builtins[graph.OpConcatenation] = prepareConcat }

// CONCATENATION along an axis (negative counts from the end). TFLite's
// kernel refuses a fused activation other than NONE, and so does this one.
func prepareConcat(x *opCtx) (kernel, error) {
	if err := x.arity(1, 1<<20, 1); err != nil {
		return nil, err
	}
	o, err := opts[graph.ConcatenationOptions](x)
	if err != nil {
		return nil, err
	}
	out := x.out[0]
	r := len(out.shape)
	axis := int(o.Axis)
	if axis < 0 {
		axis += r
	}
	if axis < 0 || axis >= r {
		return nil, x.errorf("axis %d is out of range for %v", o.Axis, out)
	}
	outer := 1
	for _, d := range out.shape[:axis] {
		outer *= d
	}
	inner := 1
	for _, d := range out.shape[axis+1:] {
		inner *= d
	}
	es := out.dtype.Size()
	if es == 0 {
		return nil, x.errorf("output %v has no fixed element size", out)
	}
	chunks := make([]int, len(x.in))
	sum := 0
	for i, in := range x.in {
		if in == nil {
			return nil, x.errorf("input %d is missing", i)
		}
		if in.dtype != out.dtype || len(in.shape) != r {
			return nil, x.errorf("input %v does not match output %v", in, out)
		}
		for d := range r {
			if d != axis && in.shape[d] != out.shape[d] {
				return nil, x.errorf("input %v does not match output %v outside axis %d", in, out, axis)
			}
		}
		chunks[i] = in.shape[axis] * inner * es
		sum += in.shape[axis]
	}
	if sum != out.shape[axis] {
		return nil, x.errorf("inputs add up to %d along axis %d, output %v", sum, axis, out)
	}
	if o.Activation != graph.ActNone {
		return nil, x.errorf("fused activation %s is not supported (TFLite's CONCATENATION refuses it too)", o.Activation)
	}
	ins := x.in
	return func() error {
		ob := out.b
		off := 0
		for k := 0; k < outer; k++ {
			for i, in := range ins {
				c := chunks[i]
				copy(ob[off:off+c], in.b[k*c:(k+1)*c])
				off += c
			}
		}
		return nil
	}, nil
}
