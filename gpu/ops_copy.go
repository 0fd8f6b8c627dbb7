package gpu

import (
	"encoding/binary"

	"github.com/fp16tool/fp16tool/graph"
)

// The ops that move elements without arithmetic, all through the strided
// copy kernel (kernels_copy.go), and GATHER.

func init() {
	gpuOps[graph.OpTranspose] = prepareTranspose
	gpuOps[graph.OpSlice] = prepareSlice
	gpuOps[graph.OpStridedSlice] = prepareStridedSlice
	gpuOps[graph.OpPad] = preparePad
	gpuOps[graph.OpPadv2] = preparePad
	gpuOps[graph.OpConcatenation] = prepareConcat
	gpuOps[graph.OpSplit] = prepareSplit
	gpuOps[graph.OpDepthToSpace] = prepareDepthSpace(true)
	gpuOps[graph.OpSpaceToDepth] = prepareDepthSpace(false)
	gpuOps[graph.OpGather] = prepareGather
}

// axisOf resolves a possibly negative axis of a rank-r tensor.
func axisOf(x *opCtx, a, r int) (int, error) {
	if a < -r || a >= r {
		return 0, x.errorf("axis %d is out of range for rank %d", a, r)
	}
	return (a + r) % max(r, 1), nil
}

// TRANSPOSE by a constant permutation (negative entries count from the
// end).
func prepareTranspose(x *opCtx) error {
	if err := x.arity(2, 2, 1); err != nil {
		return err
	}
	in, out := x.in[0], x.out[0]
	perm, err := x.ints(x.in[1])
	if err != nil {
		return err
	}
	if len(perm) != len(in.shape) {
		return x.errorf("perm %v does not match %v", perm, in)
	}
	want := make([]int, len(perm))
	for i, p := range perm {
		if perm[i], err = axisOf(x, p, len(perm)); err != nil {
			return err
		}
		want[i] = in.shape[perm[i]]
	}
	if err := checkOut(x, out, want); err != nil {
		return err
	}
	return record1(x, in, out, func(i, o *Buffer) error { return x.k.Transpose(x.seq, in.shape, perm, i, o) })
}

// recordSlice records the slice of input 0 taking count[i] elements from
// start[i] in steps of step[i] into output 0 (n elements).
func recordSlice(x *opCtx, start, count, step []int) error {
	in, out := x.in[0], x.out[0]
	n := prod(count)
	if out.n != n {
		return x.errorf("output %v: the op computes %v", out, count)
	}
	return record1(x, in, out, func(i, o *Buffer) error { return x.k.Slice(x.seq, in.shape, start, count, step, i, o) })
}

// SLICE: constant begin and size (size -1: to the end).
func prepareSlice(x *opCtx) error {
	if err := x.arity(3, 3, 1); err != nil {
		return err
	}
	in := x.in[0]
	begin, err := x.ints(x.in[1])
	if err != nil {
		return err
	}
	size, err := x.ints(x.in[2])
	if err != nil {
		return err
	}
	r := len(in.shape)
	if len(begin) != r || len(size) != r {
		return x.errorf("begin %v and size %v must have %d values", begin, size, r)
	}
	step := make([]int, r)
	for i := range r {
		if size[i] == -1 {
			size[i] = in.shape[i] - begin[i]
		}
		if begin[i] < 0 || size[i] < 0 || begin[i]+size[i] > in.shape[i] {
			return x.errorf("begin %v size %v is out of range for %v", begin, size, in)
		}
		step[i] = 1
	}
	return recordSlice(x, begin, size, step)
}

// STRIDED_SLICE with constant begin, end and strides.
func prepareStridedSlice(x *opCtx) error {
	if err := x.arity(4, 4, 1); err != nil {
		return err
	}
	o, err := opts[graph.StridedSliceOptions](x)
	if err != nil {
		return err
	}
	var spec [3][]int
	for i := range spec {
		if spec[i], err = x.ints(x.in[1+i]); err != nil {
			return err
		}
	}
	start, count, step, err := stridedSlice(x.in[0].shape, spec[0], spec[1], spec[2], o)
	if err != nil {
		return x.errorf("%v", err)
	}
	return recordSlice(x, start, count, step)
}

// PAD and PADV2: paddings a constant [rank, 2] of (before, after); PADV2's
// optional third input is the constant fill value (0 otherwise).
func preparePad(x *opCtx) error {
	maxIn := 2
	if x.op.Code == graph.OpPadv2 {
		maxIn = 3
	}
	if err := x.arity(2, maxIn, 1); err != nil {
		return err
	}
	in, out := x.in[0], x.out[0]
	p, err := x.ints(x.in[1])
	if err != nil {
		return err
	}
	r := len(in.shape)
	if len(p) != 2*r {
		return x.errorf("paddings %v has %d values, want %d for %v", x.in[1], len(p), 2*r, in)
	}
	var value float32
	if v := x.optIn(2); v != nil {
		f, err := x.floats(v)
		if err != nil {
			return err
		}
		if len(f) != 1 {
			return x.errorf("fill value %v must be one value", v)
		}
		value = f[0]
	}
	before, after, want := make([]int, r), make([]int, r), make([]int, r)
	for i := range r {
		before[i], after[i] = p[2*i], p[2*i+1]
		if before[i] < 0 || after[i] < 0 {
			return x.errorf("paddings %v must not be negative", p)
		}
		want[i] = in.shape[i] + before[i] + after[i]
	}
	if err := checkOut(x, out, want); err != nil {
		return err
	}
	return record1(x, in, out, func(i, o *Buffer) error { return x.k.Pad(x.seq, in.shape, before, after, value, i, o) })
}

// CONCATENATION along an axis (negative counts from the end). Like
// TFLite's kernel (and the CPU backend), it refuses a fused activation.
func prepareConcat(x *opCtx) error {
	if err := x.arity(1, len(x.in), 1); err != nil {
		return err
	}
	o, err := opts[graph.ConcatenationOptions](x)
	if err != nil {
		return err
	}
	if o.Activation != graph.ActNone {
		return x.errorf("fused activation %v is not supported (TFLite refuses it too)", o.Activation)
	}
	out := x.out[0]
	axis, err := axisOf(x, int(o.Axis), len(out.shape))
	if err != nil {
		return err
	}
	var shapes [][]int
	var ins []*tensor
	for _, t := range x.in {
		if t.n > 0 {
			shapes, ins = append(shapes, t.shape), append(ins, t)
		}
	}
	if len(ins) == 0 || out.n == 0 {
		return nil
	}
	bufs, err := buffers(x, append(ins, out)...)
	if err != nil {
		return err
	}
	return kernelErr(x, x.k.Concat(x.seq, shapes, axis, graph.ActNone, bufs[:len(ins)], bufs[len(ins)]))
}

// SPLIT: inputs axis (constant scalar) and data; num_splits equal outputs.
func prepareSplit(x *opCtx) error {
	if err := x.arity(2, 2, -1); err != nil {
		return err
	}
	ax, err := x.ints(x.in[0])
	if err != nil {
		return err
	}
	in := x.in[1]
	if len(ax) != 1 {
		return x.errorf("axis %v must be one value", x.in[0])
	}
	axis, err := axisOf(x, ax[0], len(in.shape))
	if err != nil {
		return err
	}
	ns := len(x.out)
	if ns == 0 || in.shape[axis]%ns != 0 {
		return x.errorf("%v does not split into %d along axis %d", in, ns, axis)
	}
	sizes := make([]int, ns)
	want := append([]int(nil), in.shape...)
	want[axis] /= ns
	for i, o := range x.out {
		sizes[i] = want[axis]
		if err := checkOut(x, o, want); err != nil {
			return err
		}
	}
	if in.n == 0 {
		return nil
	}
	bufs, err := buffers(x, append([]*tensor{in}, x.out...)...)
	if err != nil {
		return err
	}
	return kernelErr(x, x.k.Split(x.seq, in.shape, axis, sizes, bufs[0], bufs[1:]))
}

// prepareDepthSpace returns the prepare function of DEPTH_TO_SPACE (d2s)
// or SPACE_TO_DEPTH.
func prepareDepthSpace(d2s bool) opPrepare {
	return func(x *opCtx) error {
		if err := x.arity(1, 1, 1); err != nil {
			return err
		}
		var bs int
		if d2s {
			o, err := opts[graph.DepthToSpaceOptions](x)
			if err != nil {
				return err
			}
			bs = int(o.BlockSize)
		} else {
			o, err := opts[graph.SpaceToDepthOptions](x)
			if err != nil {
				return err
			}
			bs = int(o.BlockSize)
		}
		in, out := x.in[0], x.out[0]
		if len(in.shape) != 4 || bs < 1 {
			return x.errorf("input %v must have rank 4 and block size %d must be positive", in, bs)
		}
		s := in.shape
		want := []int{s[0], s[1] / bs, s[2] / bs, s[3] * bs * bs}
		rec := (*Kernels).SpaceToDepth
		if d2s {
			want = []int{s[0], s[1] * bs, s[2] * bs, s[3] / (bs * bs)}
			rec = (*Kernels).DepthToSpace
		}
		if err := checkOut(x, out, want); err != nil {
			return err
		}
		return record1(x, in, out, func(i, o *Buffer) error { return rec(x.k, x.seq, in.shape, bs, i, o) })
	}
}

// GATHER along axis with batch_dims, by constant INT32 or INT64 indices
// (checked here: the GPU cannot fail a run).
func prepareGather(x *opCtx) error {
	if err := x.arity(2, 2, 1); err != nil {
		return err
	}
	o, err := opts[graph.GatherOptions](x)
	if err != nil {
		return err
	}
	params, idxT, out := x.in[0], x.in[1], x.out[0]
	idx, err := x.ints(idxT)
	if err != nil {
		return x.errorf("indices must be constant on the GPU: %v", err)
	}
	axis, err := axisOf(x, int(o.Axis), len(params.shape))
	if err != nil {
		return err
	}
	bd := int(o.BatchDims)
	if bd < 0 {
		bd += len(idxT.shape)
	}
	if bd < 0 || bd > axis || bd > len(idxT.shape) {
		return x.errorf("batch_dims %d is out of range for params %v and indices %v", o.BatchDims, params, idxT)
	}
	raw := make([]byte, 4*len(idx))
	for i, v := range idx {
		if v < 0 || v >= params.shape[axis] {
			return x.errorf("index %d of %v is out of range for axis %d of %v", v, idxT, axis, params)
		}
		binary.LittleEndian.PutUint32(raw[4*i:], uint32(v))
	}
	want := append(append(append([]int(nil), params.shape[:axis]...), idxT.shape[bd:]...), params.shape[axis+1:]...)
	if err := checkOut(x, out, want); err != nil {
		return err
	}
	if out.n == 0 {
		return nil
	}
	bufs, err := buffers(x, params, out)
	if err != nil {
		return err
	}
	ib, err := x.uploadRaw(raw)
	if err != nil {
		return err
	}
	return kernelErr(x, x.k.Gather(x.seq, params.shape, axis, bd, idxT.shape, bufs[0], ib, bufs[1]))
}
