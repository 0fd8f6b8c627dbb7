package gpu

import (
	"fmt"
	"slices"
	"strings"

	"github.com/fp16tool/fp16tool/graph"
)

// copyAxis is one axis of a strided copy (copy.comp): the walk visits
// coordinates 0..size-1, reading the input at stride in and writing the
// output at stride out; coordinates outside [lo, hi) get the pad value.
type copyAxis struct {
	size, in, out int
	lo, hi        int
}

// copyMap is one dispatch of copy.comp: a walk over axes (outermost
// first) from input element inBase and output element outBase.
type copyMap struct {
	axes            []copyAxis
	inBase, outBase int
	pad             float32
	padded          bool
	act             graph.Activation
}

const copyAxes = 5

// contiguous returns the row-major strides of shape.
func contiguous(shape []int) []int {
	st := make([]int, len(shape))
	s := 1
	for i := len(shape) - 1; i >= 0; i-- {
		st[i] = s
		s *= shape[i]
	}
	return st
}

// walk returns the axes walking shape, reading the input with strides in
// and writing the output with strides out.
func walk(shape, in, out []int) []copyAxis {
	axes := make([]copyAxis, len(shape))
	for i, d := range shape {
		axes[i] = copyAxis{size: d, in: in[i], out: out[i], lo: 0, hi: d}
	}
	return axes
}

// fold drops unit axes and merges neighbours that walk both buffers as one
// axis, so that at most copyAxes remain.
func (m *copyMap) fold(op string) ([]copyAxis, error) {
	var axes []copyAxis
	for _, a := range m.axes {
		full := a.lo == 0 && a.hi == a.size
		if a.size == 1 && full {
			continue
		}
		if n := len(axes); n > 0 && full {
			p := &axes[n-1]
			if p.lo == 0 && p.hi == p.size && p.in == a.in*a.size && p.out == a.out*a.size {
				p.size *= a.size
				p.in, p.out, p.hi = a.in, a.out, p.size
				continue
			}
		}
		axes = append(axes, a)
	}
	if len(axes) > copyAxes {
		return nil, fmt.Errorf("gpu: %s: the index map needs %d axes, the copy kernel walks at most %d", op, len(axes), copyAxes)
	}
	for len(axes) < copyAxes {
		axes = append([]copyAxis{{size: 1, hi: 1}}, axes...)
	}
	return axes, nil
}

// copy records the dispatch of m from in to out.
func (k *Kernels) copy(s *Sequence, op string, m copyMap, in, out *Buffer) error {
	if err := checkAct(op, m.act); err != nil {
		return err
	}
	n := 1
	inLo, inHi, outHi := m.inBase, m.inBase, m.outBase
	for _, a := range m.axes {
		n *= a.size
		if a.size == 0 {
			continue
		}
		outHi += (a.size - 1) * a.out
		if a.lo < a.hi {
			lo, hi := a.lo*a.in, (a.hi-1)*a.in
			inLo += min(lo, hi)
			inHi += max(lo, hi)
		}
	}
	if n == 0 {
		return nil
	}
	if inLo < 0 {
		return fmt.Errorf("gpu: %s: the index map reads input element %d", op, inLo)
	}
	if err := k.checkSizes(op, []string{"input", "output"}, []*Buffer{in, out}, []int{inHi + 1, outHi + 1}); err != nil {
		return err
	}
	axes, err := m.fold(op)
	if err != nil {
		return err
	}
	variant, w, e := k.flatVariant("", vec4Copy(axes, m.inBase, m.outBase))
	if w == 4 {
		for i := range axes {
			a := &axes[i]
			if i == len(axes)-1 {
				a.size, a.hi = a.size/4, a.hi/4
				continue
			}
			a.in, a.out = a.in/4, a.out/4
		}
		n /= 4
	}
	v := []int{n, m.inBase / w, m.outBase / w, f32bits(m.pad)}
	for _, a := range axes[1:] {
		v = append(v, a.size)
	}
	for _, f := range []func(a copyAxis) int{
		func(a copyAxis) int { return a.in }, func(a copyAxis) int { return a.out },
		func(a copyAxis) int { return a.lo }, func(a copyAxis) int { return a.hi },
	} {
		for _, a := range axes {
			v = append(v, f(a))
		}
	}
	padded := uint32(0)
	if m.padded {
		padded = 1
	}
	return k.flat(s, "copy", variant, CeilDiv(n, e), []*Buffer{in, out}, push32(v...), uint32(m.act), padded, uint32(e))
}

// vec4Copy reports whether the folded walk axes can run as vec4s: the
// innermost axis contiguous in both buffers, unpadded and a multiple of 4
// long, every other stride and both bases multiples of 4.
func vec4Copy(axes []copyAxis, inBase, outBase int) bool {
	last := axes[len(axes)-1]
	if last.in != 1 || last.out != 1 || last.size%4 != 0 || last.lo != 0 || last.hi != last.size {
		return false
	}
	if inBase%4 != 0 || outBase%4 != 0 {
		return false
	}
	for _, a := range axes[:len(axes)-1] {
		if a.in%4 != 0 || a.out%4 != 0 {
			return false
		}
	}
	return true
}

// CPUElems is the number of elements each invocation of the flat kernels
// that take several (copy, binary, unary, resize, cast) handles on CPU
// drivers, their vec4 variants a quarter as many vec4s: lavapipe runs
// invocations as SIMD lanes and scalarizes integer division, so the flat
// index is divided once per 64 elements (64 ran PAD, ADD and HARD_SWISH
// 1.1-1.5x faster than 16); GPUs keep one element per invocation
// (coalesced accesses).
var CPUElems = 64

// elemsPerInvocation is E of the flat kernels that take one (copy.comp).
func (k *Kernels) elemsPerInvocation() int {
	if k.d.Info().Type == "cpu" {
		return CPUElems
	}
	return 1
}

// flatVariant picks the variant of a flat kernel that takes E elements per
// invocation: the vec4 one (name base+"vec4", base "" or "dir_") where
// vec4 holds and vec4 variants are on, with w = 4 elements per vec4, else
// base's scalar one (w = 1); e is E in units of w, at least 1.
func (k *Kernels) flatVariant(base string, vec4 bool) (variant string, w, e int) {
	variant, w = strings.TrimSuffix(base, "_"), 1
	if vec4 && !k.noVec4 {
		variant, w = base+"vec4", 4
	}
	return variant, w, max(k.elemsPerInvocation()/w, 1)
}

func checkRank(op string, shapes ...[]int) error {
	for _, sh := range shapes {
		for _, d := range sh {
			if d < 0 {
				return fmt.Errorf("gpu: %s: negative dimension in %v", op, sh)
			}
		}
	}
	return nil
}

// Transpose records out = in with its axes permuted: out's axis i is in's
// axis perm[i].
func (k *Kernels) Transpose(s *Sequence, shape, perm []int, in, out *Buffer) error {
	if err := checkRank("TRANSPOSE", shape); err != nil {
		return err
	}
	seen := make([]bool, len(shape))
	if len(perm) != len(shape) {
		return fmt.Errorf("gpu: TRANSPOSE: permutation %v of a rank-%d shape %v", perm, len(shape), shape)
	}
	oshape := make([]int, len(shape))
	ist := contiguous(shape)
	in2 := make([]int, len(shape))
	for i, p := range perm {
		if p < 0 || p >= len(shape) || seen[p] {
			return fmt.Errorf("gpu: TRANSPOSE: %v is not a permutation of %d axes", perm, len(shape))
		}
		seen[p] = true
		oshape[i], in2[i] = shape[p], ist[p]
	}
	return k.copy(s, "TRANSPOSE", copyMap{axes: walk(oshape, in2, contiguous(oshape))}, in, out)
}

// Slice records the STRIDED_SLICE (and SLICE, with strides 1) of in
// (shape) that takes size[i] elements along axis i from begin[i] in steps
// of stride[i] (negative steps walk backwards). Callers resolve TFLite's
// masks and negative indices into these first.
func (k *Kernels) Slice(s *Sequence, shape, begin, size, stride []int, in, out *Buffer) error {
	if err := checkRank("STRIDED_SLICE", shape, size); err != nil {
		return err
	}
	r := len(shape)
	if len(begin) != r || len(size) != r || len(stride) != r {
		return fmt.Errorf("gpu: STRIDED_SLICE: begin %v, size %v and strides %v must each have %d values for %v", begin, size, stride, r, shape)
	}
	ist := contiguous(shape)
	in2 := make([]int, r)
	base := 0
	for i := range r {
		last := begin[i] + (size[i]-1)*stride[i]
		if size[i] > 0 && (begin[i] < 0 || begin[i] >= shape[i] || last < 0 || last >= shape[i]) {
			return fmt.Errorf("gpu: STRIDED_SLICE: axis %d: %d elements from %d in steps of %d leave [0, %d)", i, size[i], begin[i], stride[i], shape[i])
		}
		in2[i] = ist[i] * stride[i]
		base += begin[i] * ist[i]
	}
	return k.copy(s, "STRIDED_SLICE", copyMap{axes: walk(size, in2, contiguous(size)), inBase: base}, in, out)
}

// Pad records PAD and PADV2: out is in (shape) with before[i] and after[i]
// elements of value added along axis i.
func (k *Kernels) Pad(s *Sequence, shape, before, after []int, value float32, in, out *Buffer) error {
	if err := checkRank("PAD", shape, before, after); err != nil {
		return err
	}
	r := len(shape)
	if len(before) != r || len(after) != r {
		return fmt.Errorf("gpu: PAD: paddings %v and %v must each have %d values for %v", before, after, r, shape)
	}
	oshape := make([]int, r)
	for i := range r {
		oshape[i] = shape[i] + before[i] + after[i]
	}
	ist := contiguous(shape)
	axes := walk(oshape, ist, contiguous(oshape))
	base := 0
	for i := range axes {
		axes[i].lo, axes[i].hi = before[i], before[i]+shape[i]
		base -= before[i] * ist[i]
	}
	return k.copy(s, "PAD", copyMap{axes: axes, inBase: base, pad: value, padded: true}, in, out)
}

// Concat records CONCATENATION of ins (shapes) along axis into out, with a
// fused activation: one dispatch per input.
func (k *Kernels) Concat(s *Sequence, shapes [][]int, axis int, act graph.Activation, ins []*Buffer, out *Buffer) error {
	if len(shapes) == 0 || len(shapes) != len(ins) {
		return fmt.Errorf("gpu: CONCATENATION: %d shapes for %d inputs", len(shapes), len(ins))
	}
	oshape, err := concatShape("CONCATENATION", shapes, axis)
	if err != nil {
		return err
	}
	ost := contiguous(oshape)
	off := 0
	for i, sh := range shapes {
		m := copyMap{axes: walk(sh, contiguous(sh), ost), outBase: off * ost[axis], act: act}
		if err := k.copy(s, fmt.Sprintf("CONCATENATION input %d", i), m, ins[i], out); err != nil {
			return err
		}
		off += sh[axis]
	}
	return nil
}

// Split records SPLIT and SPLIT_V of in (shape) along axis into outs, the
// i-th getting sizes[i] elements of that axis: one dispatch per output.
func (k *Kernels) Split(s *Sequence, shape []int, axis int, sizes []int, in *Buffer, outs []*Buffer) error {
	if len(sizes) == 0 || len(sizes) != len(outs) {
		return fmt.Errorf("gpu: SPLIT: %d sizes for %d outputs", len(sizes), len(outs))
	}
	shapes := make([][]int, len(sizes))
	for i, n := range sizes {
		if axis < 0 || axis >= len(shape) {
			break
		}
		shapes[i] = slices.Clone(shape)
		shapes[i][axis] = n
	}
	whole, err := concatShape("SPLIT", shapes, axis)
	if err != nil {
		return err
	}
	if !slices.Equal(whole, shape) {
		return fmt.Errorf("gpu: SPLIT: sizes %v along axis %d do not add up to %v", sizes, axis, shape)
	}
	ist := contiguous(shape)
	off := 0
	for i, sh := range shapes {
		m := copyMap{axes: walk(sh, ist, contiguous(sh)), inBase: off * ist[axis]}
		if err := k.copy(s, fmt.Sprintf("SPLIT output %d", i), m, in, outs[i]); err != nil {
			return err
		}
		off += sh[axis]
	}
	return nil
}

// concatShape checks that shapes agree except along axis and returns
// their concatenation.
func concatShape(op string, shapes [][]int, axis int) ([]int, error) {
	r := len(shapes[0])
	if axis < 0 || axis >= r {
		return nil, fmt.Errorf("gpu: %s: axis %d is out of range for rank %d", op, axis, r)
	}
	out := slices.Clone(shapes[0])
	for i, sh := range shapes {
		if err := checkRank(op, sh); err != nil {
			return nil, err
		}
		if len(sh) != r {
			return nil, fmt.Errorf("gpu: %s: part %d has shape %v, rank %d wanted", op, i, sh, r)
		}
		for j := range sh {
			if j != axis && sh[j] != out[j] {
				return nil, fmt.Errorf("gpu: %s: part %d has shape %v, which differs from %v off axis %d", op, i, sh, shapes[0], axis)
			}
		}
		if i > 0 {
			out[axis] += sh[axis]
		}
	}
	return out, nil
}

// DepthToSpace records DEPTH_TO_SPACE of NHWC in (shape [n,h,w,c]) with
// block size bs: out is [n, h*bs, w*bs, c/bs²] and takes depth index
// (dy*bs+dx)*C + c (TensorFlow's DCR order).
func (k *Kernels) DepthToSpace(s *Sequence, shape []int, bs int, in, out *Buffer) error {
	if len(shape) != 4 || bs < 1 || shape[3]%(bs*bs) != 0 {
		return fmt.Errorf("gpu: DEPTH_TO_SPACE: input %v with block size %d (want rank 4, depth a multiple of %d)", shape, bs, bs*bs)
	}
	n, h, w, c := shape[0], shape[1], shape[2], shape[3]
	oc := c / (bs * bs)
	walkShape := []int{n, h, bs, w, bs, oc} // the output, row-major
	in2 := []int{h * w * c, w * c, bs * oc, c, oc, 1}
	return k.copy(s, "DEPTH_TO_SPACE", copyMap{axes: walk(walkShape, in2, contiguous(walkShape))}, in, out)
}

// SpaceToDepth records SPACE_TO_DEPTH of NHWC in (shape [n,h,w,c]) with
// block size bs: out is [n, h/bs, w/bs, c*bs²], the inverse of
// DepthToSpace.
func (k *Kernels) SpaceToDepth(s *Sequence, shape []int, bs int, in, out *Buffer) error {
	if len(shape) != 4 || bs < 1 || shape[1]%bs != 0 || shape[2]%bs != 0 {
		return fmt.Errorf("gpu: SPACE_TO_DEPTH: input %v with block size %d (want rank 4, height and width multiples of it)", shape, bs)
	}
	n, h, w, c := shape[0], shape[1], shape[2], shape[3]
	walkShape := []int{n, h / bs, w / bs, bs, bs, c} // the output, row-major
	in2 := []int{h * w * c, bs * w * c, bs * c, w * c, c, 1}
	return k.copy(s, "SPACE_TO_DEPTH", copyMap{axes: walk(walkShape, in2, contiguous(walkShape))}, in, out)
}

// Gather records GATHER of params (shape) along axis with batchDims batch
// axes, by int32 indices idx (shape idxShape, raw int32 in every
// precision): out is params[:axis] + idxShape[batchDims:] +
// params[axis+1:]. An index outside the axis gives 0.
func (k *Kernels) Gather(s *Sequence, shape []int, axis, batchDims int, idxShape []int, params, idx, out *Buffer) error {
	r := len(shape)
	if axis < 0 || axis >= r || batchDims < 0 || batchDims > axis || batchDims > len(idxShape) {
		return fmt.Errorf("gpu: GATHER: axis %d and batch_dims %d are out of range for params %v and indices %v", axis, batchDims, shape, idxShape)
	}
	if err := checkRank("GATHER", shape, idxShape); err != nil {
		return err
	}
	for i := range batchDims {
		if shape[i] != idxShape[i] {
			return fmt.Errorf("gpu: GATHER: params %v and indices %v differ in batch axis %d", shape, idxShape, i)
		}
	}
	batch, outer, per, inner := prod(shape[:batchDims]), prod(shape[batchDims:axis]), prod(idxShape[batchDims:]), prod(shape[axis+1:])
	n := batch * outer * per * inner
	if n == 0 {
		return nil
	}
	if err := k.checkSizes("GATHER", []string{"params", "output"}, []*Buffer{params, out}, []int{prod(shape), n}); err != nil {
		return err
	}
	if idx == nil || idx.Size() < 4*batch*per {
		return fmt.Errorf("gpu: GATHER: indices buffer is nil or under %d bytes (%d int32 values)", 4*batch*per, batch*per)
	}
	return k.flat(s, "gather", "", n, []*Buffer{params, idx, out}, push32(n, outer, per, inner, shape[axis]), 0)
}

// Reduce records MEAN (mean true) or SUM of in (shape) over axes
// (negative ones count from the end, repeats are ignored), summing in
// float32 in every precision; out holds the kept axes in order.
func (k *Kernels) Reduce(s *Sequence, mean bool, shape, axes []int, in, out *Buffer) error {
	name := "SUM"
	if mean {
		name = "MEAN"
	}
	if err := checkRank(name, shape); err != nil {
		return err
	}
	r := len(shape)
	red := make([]bool, r)
	for _, a := range axes {
		if a < -r || a >= r {
			return fmt.Errorf("gpu: %s: axis %d is out of range for %v", name, a, shape)
		}
		red[(a+r)%r] = true
	}
	// Group the axes into runs of kept and reduced ones (unit axes join
	// any run): each run is one axis of the kernel's walk.
	type run struct{ size, stride int }
	var kept, reduced []run
	st := contiguous(shape)
	prev := -1 // 0 kept, 1 reduced
	for i, d := range shape {
		if d == 1 {
			continue
		}
		kind := 0
		if red[i] {
			kind = 1
		}
		list := &kept
		if kind == 1 {
			list = &reduced
		}
		if kind == prev {
			(*list)[len(*list)-1] = run{(*list)[len(*list)-1].size * d, st[i]}
		} else {
			*list = append(*list, run{d, st[i]})
		}
		prev = kind
	}
	if len(kept) > 4 || len(reduced) > 4 {
		return fmt.Errorf("gpu: %s: reducing axes %v of %v needs %d kept and %d reduced runs, the kernel walks at most 4 of each",
			name, axes, shape, len(kept), len(reduced))
	}
	pad := func(rs []run) []run {
		for len(rs) < 4 {
			rs = append([]run{{1, 0}}, rs...)
		}
		return rs
	}
	kept, reduced = pad(kept), pad(reduced)
	n, count := 1, 1
	for i := range 4 {
		n *= kept[i].size
		count *= reduced[i].size
	}
	if n == 0 {
		return nil
	}
	if err := k.checkSizes(name, []string{"input", "output"}, []*Buffer{in, out}, []int{prod(shape), n}); err != nil {
		return err
	}
	scale := float32(1)
	if mean && count > 0 {
		scale = 1 / float32(count)
	}
	return k.flat(s, "reduce", "", n, []*Buffer{in, out}, push32(n, count, f32bits(scale),
		kept[1].size, kept[2].size, kept[3].size, kept[0].stride, kept[1].stride, kept[2].stride, kept[3].stride,
		reduced[1].size, reduced[2].size, reduced[3].size, reduced[0].stride, reduced[1].stride, reduced[2].stride, reduced[3].stride), 0)
}

// TransposeConv2D records a TRANSPOSE_CONV or Convolution2DTransposeBias:
// in [Batch][InH][InW][InC], filter [OutC][KH][KW][InC], bias [OutC] (pass
// zeros when the op has none), out [Batch][OutH][OutW][OutC]; input pixel
// (iy, ix) lands on output (iy*StrideH - PadTop + ky, ix*StrideW - PadLeft
// + kx). Dilations must be 1. One dispatch per output phase (StrideH x
// StrideW of them), each taking only its taps; the vec4 variant when
// InC % 4 == 0.
func (k *Kernels) TransposeConv2D(s *Sequence, c Conv2DParams, in, filter, bias, out *Buffer) error {
	if err := c.check("transpose_conv"); err != nil {
		return err
	}
	if c.DilationH != 1 || c.DilationW != 1 {
		return fmt.Errorf("gpu: transpose_conv: dilation %dx%d (want 1)", c.DilationH, c.DilationW)
	}
	if err := k.checkSizes("transpose_conv", []string{"input", "filter", "bias", "output"}, []*Buffer{in, filter, bias, out},
		[]int{c.Batch * c.InH * c.InW * c.InC, c.OutC * c.KH * c.KW * c.InC, c.OutC, c.Batch * c.OutH * c.OutW * c.OutC}); err != nil {
		return err
	}
	variant := ""
	if c.InC%4 == 0 && !k.noVec4 {
		variant = "vec4"
	}
	p, t, gx, gy, err := k.tiledPipeline("transpose_conv", variant, 4, 76, c.Act, c.OutC)
	if err != nil {
		return err
	}
	nx := CeilDiv(c.OutC, t.N)
	for py := range min(c.StrideH, c.OutH) {
		qh := CeilDiv(c.OutH-py, c.StrideH)
		ky0 := (py + c.PadTop) % c.StrideH
		cy := (py + c.PadTop - ky0) / c.StrideH
		for px := range min(c.StrideW, c.OutW) {
			qw := CeilDiv(c.OutW-px, c.StrideW)
			kx0 := (px + c.PadLeft) % c.StrideW
			cx := (px + c.PadLeft - kx0) / c.StrideW
			m := c.Batch * qh * qw
			if err := s.Dispatch(p, []*Buffer{in, filter, bias, out},
				push32(c.InH, c.InW, c.InC, c.OutH, c.OutW, c.OutC, c.KH, c.KW, c.StrideH, c.StrideW,
					py, px, qh, qw, ky0, kx0, cy, cx, m),
				CeilDiv(nx, gx), CeilDiv(CeilDiv(m, t.M), gy), 1); err != nil {
				return err
			}
		}
	}
	return nil
}
