package cpu

import (
	"encoding/binary"
	"fmt"

	"github.com/fp16tool/fp16tool/graph"
)

func init() { builtins[graph.OpGather] = prepareGather }

// GATHER along axis with batch_dims: output shape is
// params[:axis] + indices[batch_dims:] + params[axis+1:]. Indices are
// INT32 or INT64; an index out of range fails the Run.
func prepareGather(x *opCtx) (kernel, error) {
	if err := x.arity(2, 2, 1); err != nil {
		return nil, err
	}
	o, err := opts[graph.GatherOptions](x)
	if err != nil {
		return nil, err
	}
	params, idx, out := x.in[0], x.in[1], x.out[0]
	es := params.dtype.Size()
	if params.dtype != out.dtype || es == 0 {
		return nil, x.errorf("params %v and output %v must have the same fixed-size type", params, out)
	}
	if idx.dtype != graph.Int32 && idx.dtype != graph.Int64 {
		return nil, x.errorf("indices %v must be INT32 or INT64", idx)
	}
	r := len(params.shape)
	axis, bd := int(o.Axis), int(o.BatchDims)
	if axis < 0 {
		axis += r
	}
	if bd < 0 {
		bd += len(idx.shape)
	}
	if axis < 0 || axis >= r || bd < 0 || bd > axis || bd > len(idx.shape) {
		return nil, x.errorf("axis %d and batch_dims %d are out of range for %v and %v", o.Axis, o.BatchDims, params, idx)
	}
	batch := 1
	for i := 0; i < bd; i++ {
		if params.shape[i] != idx.shape[i] {
			return nil, x.errorf("params %v and indices %v differ in batch dimension %d", params, idx, i)
		}
		batch *= params.shape[i]
	}
	outer := 1
	for _, d := range params.shape[bd:axis] {
		outer *= d
	}
	inner := 1
	for _, d := range params.shape[axis+1:] {
		inner *= d
	}
	axisSize := params.shape[axis]
	per := 1
	for _, d := range idx.shape[bd:] {
		per *= d
	}
	want := append(append(append([]int(nil), params.shape[:axis]...), idx.shape[bd:]...), params.shape[axis+1:]...)
	if err := x.checkShape(out, want); err != nil {
		return nil, err
	}
	chunk := inner * es
	wide := idx.dtype == graph.Int64
	return func() error {
		ib, pb, ob := idx.b, params.b, out.b
		o := 0
		for b := 0; b < batch; b++ {
			for k := 0; k < outer; k++ {
				for j := 0; j < per; j++ {
					p := b*per + j
					var v int
					if wide {
						v = int(int64(binary.LittleEndian.Uint64(ib[8*p:])))
					} else {
						v = int(int32(binary.LittleEndian.Uint32(ib[4*p:])))
					}
					if v < 0 || v >= axisSize {
						return fmt.Errorf("gather index %d is out of range [0, %d)", v, axisSize)
					}
					src := ((b*outer+k)*axisSize + v) * chunk
					copy(ob[o:o+chunk], pb[src:src+chunk])
					o += chunk
				}
			}
		}
		return nil
	}, nil
}
