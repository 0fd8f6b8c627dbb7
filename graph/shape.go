package graph

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"reflect"
	"slices"
)

// ShapeFunc infers the shapes of an op's outputs from its inputs (their
// shapes and, where TFLite reads them at prepare time, the content of
// constant operands such as RESHAPE's shape or PAD's paddings), with the
// semantics of the TFLite kernels' Prepare step. It returns one shape per
// output, or an error saying what is wrong; when the shape depends on a
// tensor computed at run time the error wraps ErrNotConstant.
type ShapeFunc func(s *Subgraph, op *Op) ([][]int32, error)

// maxDim bounds inferred dimensions and element counts so that a hostile
// model cannot make later allocations overflow.
const maxDim = math.MaxInt32

// InferShapes checks, in topological order, the shape of every tensor that
// an op writes against the shape the op's registry entry infers, and fills
// in shapes that are not recorded (Shape == nil). Ops the registry does not
// know, and ops whose output shape depends on a tensor computed at run
// time, keep their recorded shapes (an error if there are none). Errors
// name the op index and name, e.g.
// `op 12 (CONV_2D): output 0 (tensor 40 "conv1") has shape [1 8 8 16], inferred [1 16 16 16]`.
func InferShapes(s *Subgraph) error {
	order, err := s.TopoOrder()
	if err != nil {
		return err
	}
	for _, i := range order {
		op := s.Ops[i]
		if err := inferOp(s, op); err != nil {
			return fmt.Errorf("op %d (%s): %w", i, op.Name(), err)
		}
	}
	return nil
}

func inferOp(s *Subgraph, op *Op) error {
	for k, t := range op.Inputs {
		if t < -1 || t >= len(s.Tensors) {
			return fmt.Errorf("input %d is tensor %d, the subgraph has %d", k, t, len(s.Tensors))
		}
	}
	for k, t := range op.Outputs {
		if t < 0 || t >= len(s.Tensors) {
			return fmt.Errorf("output %d is tensor %d, the subgraph has %d", k, t, len(s.Tensors))
		}
	}
	info, ok := LookupOp(op)
	if !ok {
		return requireRecorded(s, op, "the op registry does not know this op")
	}
	if err := info.CheckArity(op); err != nil {
		return err
	}
	if info.Shape == nil {
		return requireRecorded(s, op, "no shape inference for this op")
	}
	shapes, err := info.Shape(s, op)
	if errors.Is(err, ErrNotConstant) {
		return requireRecorded(s, op, err.Error())
	}
	if err != nil {
		return err
	}
	if len(shapes) != len(op.Outputs) {
		return fmt.Errorf("inferred %d output shapes for %d outputs", len(shapes), len(op.Outputs))
	}
	for k, sh := range shapes {
		t := s.Tensors[op.Outputs[k]]
		if t.Shape == nil {
			t.Shape = slices.Clone(sh)
			if t.Shape == nil {
				t.Shape = []int32{}
			}
			continue
		}
		if !slices.Equal(t.Shape, sh) {
			return fmt.Errorf("output %d (%s) has shape %v, inferred %v", k, tensorDesc(s, op.Outputs[k]), fmtShape(t.Shape), fmtShape(sh))
		}
	}
	return nil
}

// requireRecorded accepts an op whose shapes cannot be inferred if every
// output has a recorded shape.
func requireRecorded(s *Subgraph, op *Op, why string) error {
	for k, t := range op.Outputs {
		if s.Tensors[t].Shape == nil {
			return fmt.Errorf("output %d (%s) has no recorded shape and it cannot be inferred: %s", k, tensorDesc(s, t), why)
		}
	}
	return nil
}

func tensorDesc(s *Subgraph, i int) string {
	t := s.Tensor(i)
	if t == nil {
		return fmt.Sprintf("tensor %d", i)
	}
	return fmt.Sprintf("tensor %d %q", i, t.Name)
}

func fmtShape(sh []int32) string {
	if sh == nil {
		sh = []int32{}
	}
	return fmt.Sprint(sh)
}

// sctx bundles the subgraph and op for the shape functions.
type sctx struct {
	s  *Subgraph
	op *Op
}

// in returns input k, or an error if it is absent or omitted.
func (c sctx) in(k int) (*Tensor, error) {
	if k >= len(c.op.Inputs) || c.op.Inputs[k] < 0 {
		return nil, fmt.Errorf("input %d is missing", k)
	}
	t := c.s.Tensor(c.op.Inputs[k])
	if t == nil {
		return nil, fmt.Errorf("input %d is tensor %d, the subgraph has %d", k, c.op.Inputs[k], len(c.s.Tensors))
	}
	return t, nil
}

// has reports whether optional input k is present.
func (c sctx) has(k int) bool {
	return k < len(c.op.Inputs) && c.op.Inputs[k] >= 0 && c.s.Tensor(c.op.Inputs[k]) != nil
}

// shape returns the shape of input k (nil is a scalar), checking that no
// dimension is negative.
func (c sctx) shape(k int) ([]int32, error) {
	t, err := c.in(k)
	if err != nil {
		return nil, err
	}
	for _, d := range t.Shape {
		if d < 0 {
			return nil, fmt.Errorf("input %d (%s) has a negative dimension in shape %v", k, tensorDesc(c.s, c.op.Inputs[k]), t.Shape)
		}
	}
	return t.Shape, nil
}

// shapeRank returns the shape of input k and checks its rank.
func (c sctx) shapeRank(k, rank int) ([]int32, error) {
	sh, err := c.shape(k)
	if err != nil {
		return nil, err
	}
	if len(sh) != rank {
		return nil, fmt.Errorf("input %d (%s) has rank %d (shape %v), want %d", k, tensorDesc(c.s, c.op.Inputs[k]), len(sh), fmtShape(sh), rank)
	}
	return sh, nil
}

// ints reads constant integer input k.
func (c sctx) ints(k int) ([]int64, error) {
	t, err := c.in(k)
	if err != nil {
		return nil, err
	}
	v, err := ConstInt64s(t)
	if err != nil {
		return nil, fmt.Errorf("input %d (%s): %w", k, tensorDesc(c.s, c.op.Inputs[k]), err)
	}
	return v, nil
}

// scalarInt reads constant integer input k that must hold one value.
func (c sctx) scalarInt(k int) (int64, error) {
	v, err := c.ints(k)
	if err != nil {
		return 0, err
	}
	if len(v) != 1 {
		return 0, fmt.Errorf("input %d (%s) has %d elements, want 1", k, tensorDesc(c.s, c.op.Inputs[k]), len(v))
	}
	return v[0], nil
}

// one wraps a single output shape.
func one(sh []int32) ([][]int32, error) { return [][]int32{sh}, nil }

// optionsOf returns the op's options as T (stored as T or *T), or the zero
// T and false.
func optionsOf[T any](op *Op) (T, bool) {
	switch o := op.Options.(type) {
	case T:
		return o, true
	case *T:
		if o != nil {
			return *o, true
		}
	}
	var z T
	return z, false
}

// optField reads an exported field of an options value graph does not
// model (for example the flatc object-API struct package tflite keeps for
// BATCH_MATMUL), returning ok=false when there is no such field.
func optField(op *Op, name string) (reflect.Value, bool) {
	v := reflect.ValueOf(op.Options)
	for v.IsValid() && (v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface) {
		if v.IsNil() {
			return reflect.Value{}, false
		}
		v = v.Elem()
	}
	if !v.IsValid() || v.Kind() != reflect.Struct {
		return reflect.Value{}, false
	}
	f := v.FieldByName(name)
	if !f.IsValid() {
		return reflect.Value{}, false
	}
	return f, true
}

// optBool reads a bool field of opaque options (false when absent).
func optBool(op *Op, name string) bool {
	f, ok := optField(op, name)
	return ok && f.Kind() == reflect.Bool && f.Bool()
}

// optInt reads an integer field of opaque options.
func optInt(op *Op, name string) (int64, bool) {
	f, ok := optField(op, name)
	if !ok {
		return 0, false
	}
	switch f.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return f.Int(), true
	case reflect.Uint8, reflect.Uint16, reflect.Uint32:
		return int64(f.Uint()), true
	}
	return 0, false
}

// checkDims converts int64 dims to int32 and bounds the element count.
func checkDims(dims []int64) ([]int32, error) {
	out := make([]int32, len(dims))
	n := int64(1)
	for i, d := range dims {
		if d < 0 || d > maxDim {
			return nil, fmt.Errorf("inferred dimension %d is %d", i, d)
		}
		out[i] = int32(d)
		if d != 0 && n > maxDim/d {
			n = maxDim + 1
		} else {
			n *= d
		}
	}
	if n > maxDim {
		return nil, fmt.Errorf("inferred shape %v has more than %d elements", dims, int64(maxDim))
	}
	return out, nil
}

// wrapAxis maps a possibly negative axis into [0, rank).
func wrapAxis(axis int64, rank int, what string) (int, error) {
	if axis < -int64(rank) || axis >= int64(rank) {
		return 0, fmt.Errorf("%s %d is out of range for rank %d", what, axis, rank)
	}
	if axis < 0 {
		axis += int64(rank)
	}
	return int(axis), nil
}

// ComputeOutSize returns the output size along one spatial dimension of a
// convolution or pool with TFLite's rules: SAME gives ceil(in/stride),
// VALID gives ceil((in - effectiveFilter + 1)/stride) where
// effectiveFilter = (filter-1)*dilation + 1. Stride and dilation below 1
// are treated as errors by the callers; the result may be 0.
func ComputeOutSize(p Padding, in, filter, stride, dilation int32) int32 {
	eff := int64(filter-1)*int64(dilation) + 1
	var out int64
	if p == PaddingValid {
		out = (int64(in) + int64(stride) - eff) / int64(stride)
	} else {
		out = (int64(in) + int64(stride) - 1) / int64(stride)
	}
	if out < 0 {
		return 0
	}
	return int32(out)
}

// Window returns the output size along one spatial axis of a convolution
// or pool (ComputeOutSize) and the padding before the first element, as
// TFLite's ComputePaddingWithOffset: half the total padding, rounded down
// (the odd extra element, if any, goes after the last).
func Window(p Padding, in, filter, stride, dilation int) (out, pad int) {
	out = int(ComputeOutSize(p, int32(in), int32(filter), int32(stride), int32(dilation)))
	total := (out-1)*stride + (filter-1)*dilation + 1 - in
	return out, max(total, 0) / 2
}

func checkStride(what string, v int32) error {
	if v < 1 {
		return fmt.Errorf("%s is %d, must be at least 1", what, v)
	}
	return nil
}

func dilationOr1(d int32) int32 {
	if d < 1 {
		return 1
	}
	return d
}

// BroadcastShapes returns the numpy-style broadcast of shapes (dims must be
// equal or 1, aligned at the right), or an error naming the conflict.
func BroadcastShapes(shapes ...[]int32) ([]int32, error) {
	rank := 0
	for _, s := range shapes {
		rank = max(rank, len(s))
	}
	out := make([]int32, rank)
	for i := range out {
		out[i] = 1
	}
	for _, s := range shapes {
		off := rank - len(s)
		for i, d := range s {
			o := out[off+i]
			switch {
			case d == o || d == 1:
			case o == 1:
				out[off+i] = d
			default:
				return nil, fmt.Errorf("shapes %v cannot be broadcast (dimension %d: %d vs %d)", shapesList(shapes), off+i, o, d)
			}
		}
	}
	return out, nil
}

func shapesList(shapes [][]int32) string {
	s := ""
	for i, sh := range shapes {
		if i > 0 {
			s += " and "
		}
		s += fmtShape(sh)
	}
	return s
}

// --- shape functions -------------------------------------------------------

// shapeSameAsInput0: elementwise unary ops.
func shapeSameAsInput0(s *Subgraph, op *Op) ([][]int32, error) {
	sh, err := sctx{s, op}.shape(0)
	if err != nil {
		return nil, err
	}
	return one(slices.Clone(sh))
}

// shapeBroadcast: elementwise ops over all inputs with broadcasting.
func shapeBroadcast(s *Subgraph, op *Op) ([][]int32, error) {
	c := sctx{s, op}
	var shapes [][]int32
	for k := range op.Inputs {
		sh, err := c.shape(k)
		if err != nil {
			return nil, err
		}
		shapes = append(shapes, sh)
	}
	out, err := BroadcastShapes(shapes...)
	if err != nil {
		return nil, err
	}
	return one(out)
}

// sameInputShapes returns the shape every input of op shares, or an error
// naming the first input whose shape differs from input 0's.
func sameInputShapes(s *Subgraph, op *Op) ([]int32, error) {
	c := sctx{s, op}
	first, err := c.shape(0)
	if err != nil {
		return nil, err
	}
	for k := 1; k < len(op.Inputs); k++ {
		sh, err := c.shape(k)
		if err != nil {
			return nil, err
		}
		if !slices.Equal(sh, first) {
			return nil, fmt.Errorf("input %d has shape %v, input 0 has %v", k, fmtShape(sh), fmtShape(first))
		}
	}
	return first, nil
}

// shapeAllSame: ADD_N — every input has the same shape.
func shapeAllSame(s *Subgraph, op *Op) ([][]int32, error) {
	first, err := sameInputShapes(s, op)
	if err != nil {
		return nil, err
	}
	return one(slices.Clone(first))
}

func shapeConv2D(s *Subgraph, op *Op) ([][]int32, error) {
	c := sctx{s, op}
	o, _ := optionsOf[Conv2DOptions](op)
	in, err := c.shapeRank(0, 4)
	if err != nil {
		return nil, err
	}
	f, err := c.shapeRank(1, 4)
	if err != nil {
		return nil, err
	}
	if f[3] == 0 || in[3] == 0 || in[3]%f[3] != 0 {
		return nil, fmt.Errorf("input has %d channels, not a multiple of the filter's %d (filter %v)", in[3], f[3], f)
	}
	if f[0]%(in[3]/f[3]) != 0 {
		return nil, fmt.Errorf("filter has %d output channels, not a multiple of the %d groups", f[0], in[3]/f[3])
	}
	if err := checkBias(c, 2, f[0]); err != nil {
		return nil, err
	}
	if err := errors.Join(checkStride("stride_h", o.StrideH), checkStride("stride_w", o.StrideW)); err != nil {
		return nil, err
	}
	oh := ComputeOutSize(o.Padding, in[1], f[1], o.StrideH, dilationOr1(o.DilationH))
	ow := ComputeOutSize(o.Padding, in[2], f[2], o.StrideW, dilationOr1(o.DilationW))
	return one([]int32{in[0], oh, ow, f[0]})
}

// checkBias checks optional bias input k against n output channels.
func checkBias(c sctx, k int, n int32) error {
	if !c.has(k) {
		return nil
	}
	b, err := c.shape(k)
	if err != nil {
		return err
	}
	if NumElements(b) != int(n) {
		return fmt.Errorf("bias (input %d) has shape %v, want %d elements", k, fmtShape(b), n)
	}
	return nil
}

func shapeDepthwiseConv2D(s *Subgraph, op *Op) ([][]int32, error) {
	c := sctx{s, op}
	o, _ := optionsOf[DepthwiseConv2DOptions](op)
	in, err := c.shapeRank(0, 4)
	if err != nil {
		return nil, err
	}
	f, err := c.shapeRank(1, 4)
	if err != nil {
		return nil, err
	}
	if f[0] != 1 {
		return nil, fmt.Errorf("filter has shape %v, want [1 h w channels]", f)
	}
	if in[3] == 0 || f[3]%in[3] != 0 {
		return nil, fmt.Errorf("filter has %d channels, not a multiple of the input's %d", f[3], in[3])
	}
	if err := checkBias(c, 2, f[3]); err != nil {
		return nil, err
	}
	if err := errors.Join(checkStride("stride_h", o.StrideH), checkStride("stride_w", o.StrideW)); err != nil {
		return nil, err
	}
	oh := ComputeOutSize(o.Padding, in[1], f[1], o.StrideH, dilationOr1(o.DilationH))
	ow := ComputeOutSize(o.Padding, in[2], f[2], o.StrideW, dilationOr1(o.DilationW))
	return one([]int32{in[0], oh, ow, f[3]})
}

func shapeFullyConnected(s *Subgraph, op *Op) ([][]int32, error) {
	c := sctx{s, op}
	o, _ := optionsOf[FullyConnectedOptions](op)
	in, err := c.shape(0)
	if err != nil {
		return nil, err
	}
	w, err := c.shapeRank(1, 2)
	if err != nil {
		return nil, err
	}
	units, depth := w[0], w[1]
	if err := checkBias(c, 2, units); err != nil {
		return nil, err
	}
	n := NumElements(in)
	if depth == 0 || n%int(depth) != 0 {
		return nil, fmt.Errorf("input shape %v has %d elements, not a multiple of the weights' input depth %d", fmtShape(in), n, depth)
	}
	if o.KeepNumDims {
		if len(in) == 0 || in[len(in)-1] != depth {
			return nil, fmt.Errorf("keep_num_dims: input shape %v must end in the weights' input depth %d", fmtShape(in), depth)
		}
		out := slices.Clone(in)
		out[len(out)-1] = units
		return one(out)
	}
	return one([]int32{int32(n / int(depth)), units})
}

func shapeTransposeConv(s *Subgraph, op *Op) ([][]int32, error) {
	c := sctx{s, op}
	o, _ := optionsOf[TransposeConvOptions](op)
	w, err := c.shapeRank(1, 4)
	if err != nil {
		return nil, err
	}
	in, err := c.shapeRank(2, 4)
	if err != nil {
		return nil, err
	}
	if in[3] != w[3] {
		return nil, fmt.Errorf("input has %d channels, weights %v want %d", in[3], w, w[3])
	}
	if err := checkBias(c, 3, w[0]); err != nil {
		return nil, err
	}
	if err := errors.Join(checkStride("stride_h", o.StrideH), checkStride("stride_w", o.StrideW)); err != nil {
		return nil, err
	}
	v, err := c.ints(0)
	if err != nil {
		return nil, err
	}
	if len(v) != 4 {
		return nil, fmt.Errorf("output_shape (input 0) has %d elements, want 4", len(v))
	}
	out, err := checkDims(v)
	if err != nil {
		return nil, fmt.Errorf("output_shape (input 0): %w", err)
	}
	if out[0] != in[0] || out[3] != w[0] {
		return nil, fmt.Errorf("output_shape %v does not match input batch %d and weights' %d output channels", out, in[0], w[0])
	}
	return one(out)
}

// TransposeConvBiasParams are the custom options of MediaPipe's
// Convolution2DTransposeBias op: a C TfLiteTransposeConvParams struct copied
// byte for byte (little-endian 32-bit ints: padding with 1 = SAME and
// 2 = VALID as in TfLitePadding, then stride_width, stride_height; newer
// headers append fields that the op ignores).
type TransposeConvBiasParams struct {
	Padding          Padding
	StrideW, StrideH int32
}

// ParseTransposeConvBiasParams decodes Convolution2DTransposeBias custom
// options.
func ParseTransposeConvBiasParams(b []byte) (TransposeConvBiasParams, error) {
	var p TransposeConvBiasParams
	if len(b) < 12 {
		return p, fmt.Errorf("custom options have %d bytes, want at least 12 (TfLiteTransposeConvParams)", len(b))
	}
	pad := int32(binary.LittleEndian.Uint32(b[0:]))
	p.StrideW = int32(binary.LittleEndian.Uint32(b[4:]))
	p.StrideH = int32(binary.LittleEndian.Uint32(b[8:]))
	switch pad {
	case 1:
		p.Padding = PaddingSame
	case 2:
		p.Padding = PaddingValid
	default:
		return p, fmt.Errorf("custom options: padding is %d, want 1 (SAME) or 2 (VALID)", pad)
	}
	if p.StrideW < 1 || p.StrideH < 1 {
		return p, fmt.Errorf("custom options: strides %dx%d must be at least 1", p.StrideW, p.StrideH)
	}
	return p, nil
}

// TransposeConvBiasOutSize is the output size along one dimension of
// Convolution2DTransposeBias (MediaPipe's Prepare):
// stride*(in-1) + filter - pad, with pad = max(0, filter - (in-1)%stride - 1)
// for SAME and 0 for VALID.
func TransposeConvBiasOutSize(p Padding, in, filter, stride int32) int64 {
	pad := int64(0)
	if p == PaddingSame {
		pad = int64(max(0, filter-(in-1)%stride-1))
	}
	return int64(stride)*int64(in-1) + int64(filter) - pad
}

func shapeTransposeConvBias(s *Subgraph, op *Op) ([][]int32, error) {
	c := sctx{s, op}
	p, err := ParseTransposeConvBiasParams(op.CustomOptions)
	if err != nil {
		return nil, err
	}
	in, err := c.shapeRank(0, 4)
	if err != nil {
		return nil, err
	}
	w, err := c.shapeRank(1, 4)
	if err != nil {
		return nil, err
	}
	b, err := c.shapeRank(2, 1)
	if err != nil {
		return nil, err
	}
	if in[3] != w[3] || b[0] != w[0] {
		return nil, fmt.Errorf("input %v, weights %v and bias %v disagree (want input[3]=weights[3], bias[0]=weights[0])", in, w, b)
	}
	if in[1] < 1 || in[2] < 1 {
		return nil, fmt.Errorf("input %v has an empty spatial dimension", in)
	}
	dims := []int64{
		int64(in[0]),
		TransposeConvBiasOutSize(p.Padding, in[1], w[1], p.StrideH),
		TransposeConvBiasOutSize(p.Padding, in[2], w[2], p.StrideW),
		int64(w[0]),
	}
	out, err := checkDims(dims)
	if err != nil {
		return nil, err
	}
	return one(out)
}

func shapePool(s *Subgraph, op *Op) ([][]int32, error) {
	c := sctx{s, op}
	o, _ := optionsOf[Pool2DOptions](op)
	in, err := c.shapeRank(0, 4)
	if err != nil {
		return nil, err
	}
	if err := errors.Join(checkStride("stride_h", o.StrideH), checkStride("stride_w", o.StrideW),
		checkStride("filter_height", o.FilterH), checkStride("filter_width", o.FilterW)); err != nil {
		return nil, err
	}
	oh := ComputeOutSize(o.Padding, in[1], o.FilterH, o.StrideH, 1)
	ow := ComputeOutSize(o.Padding, in[2], o.FilterW, o.StrideW, 1)
	return one([]int32{in[0], oh, ow, in[3]})
}

// shapeReduce: MEAN, SUM, REDUCE_* with the axes in input 1.
func shapeReduce(s *Subgraph, op *Op) ([][]int32, error) {
	c := sctx{s, op}
	o, _ := optionsOf[ReducerOptions](op)
	in, err := c.shape(0)
	if err != nil {
		return nil, err
	}
	axes, err := c.ints(1)
	if err != nil {
		return nil, err
	}
	reduce := make([]bool, len(in))
	for _, a := range axes {
		ax, err := wrapAxis(a, len(in), "reduction axis")
		if err != nil {
			return nil, err
		}
		reduce[ax] = true
	}
	var out []int32
	for i, d := range in {
		switch {
		case !reduce[i]:
			out = append(out, d)
		case o.KeepDims:
			out = append(out, 1)
		}
	}
	if out == nil {
		out = []int32{}
	}
	return one(out)
}

// shapeArgMinMax: ARG_MAX / ARG_MIN drop the axis in input 1.
func shapeArgMinMax(s *Subgraph, op *Op) ([][]int32, error) {
	c := sctx{s, op}
	in, err := c.shape(0)
	if err != nil {
		return nil, err
	}
	a, err := c.scalarInt(1)
	if err != nil {
		return nil, err
	}
	ax, err := wrapAxis(a, len(in), "axis")
	if err != nil {
		return nil, err
	}
	return one(slices.Delete(slices.Clone(in), ax, ax+1))
}

// reshapeTarget resolves a new shape with at most one -1 against n input
// elements, as TFLite's reshape kernel does.
func reshapeTarget(newShape []int64, n int) ([]int32, error) {
	stretch := -1
	prod := int64(1)
	for i, d := range newShape {
		switch {
		case d == -1:
			if stretch >= 0 {
				return nil, fmt.Errorf("new shape %v has more than one -1", newShape)
			}
			stretch = i
		case d < 0:
			return nil, fmt.Errorf("new shape %v has dimension %d", newShape, d)
		default:
			if d != 0 && prod > maxDim/d {
				return nil, fmt.Errorf("new shape %v is too large", newShape)
			}
			prod *= d
		}
	}
	out := slices.Clone(newShape)
	if stretch >= 0 {
		if prod == 0 || int64(n)%prod != 0 {
			return nil, fmt.Errorf("cannot reshape %d elements to %v", n, newShape)
		}
		out[stretch] = int64(n) / prod
		prod = int64(n)
	}
	if prod != int64(n) {
		return nil, fmt.Errorf("cannot reshape %d elements to %v (%d elements)", n, newShape, prod)
	}
	r, err := checkDims(out)
	if err != nil {
		return nil, err
	}
	return r, nil
}

func shapeReshape(s *Subgraph, op *Op) ([][]int32, error) {
	c := sctx{s, op}
	in, err := c.shape(0)
	if err != nil {
		return nil, err
	}
	n := NumElements(in)
	// TFLite reads the shape tensor when there is one and it is a 1-D
	// INT32 tensor; otherwise the options' new_shape.
	if c.has(1) {
		st, _ := c.in(1)
		if len(st.Shape) == 1 && st.Type == Int32 {
			v, err := c.ints(1)
			if err != nil {
				return nil, err
			}
			return oneErr(reshapeTarget(v, n))
		}
	}
	o, ok := optionsOf[ReshapeOptions](op)
	if !ok {
		if c.has(1) {
			return nil, fmt.Errorf("shape (input 1) is not a 1-D INT32 tensor and there is no new_shape option")
		}
		return nil, fmt.Errorf("no shape input and no new_shape option")
	}
	v := make([]int64, len(o.NewShape))
	for i, d := range o.NewShape {
		v[i] = int64(d)
	}
	// Legacy converters write new_shape [0] to mean a scalar.
	if len(v) == 1 && v[0] == 0 {
		v = nil
	}
	return oneErr(reshapeTarget(v, n))
}

func oneErr(sh []int32, err error) ([][]int32, error) {
	if err != nil {
		return nil, err
	}
	return one(sh)
}

func shapeSqueeze(s *Subgraph, op *Op) ([][]int32, error) {
	c := sctx{s, op}
	o, _ := optionsOf[SqueezeOptions](op)
	in, err := c.shape(0)
	if err != nil {
		return nil, err
	}
	drop := make([]bool, len(in))
	if len(o.SqueezeDims) == 0 {
		for i, d := range in {
			drop[i] = d == 1
		}
	}
	for _, a := range o.SqueezeDims {
		ax, err := wrapAxis(int64(a), len(in), "squeeze dimension")
		if err != nil {
			return nil, err
		}
		if in[ax] != 1 {
			return nil, fmt.Errorf("squeeze dimension %d has size %d, not 1 (input %v)", a, in[ax], in)
		}
		drop[ax] = true
	}
	out := []int32{}
	for i, d := range in {
		if !drop[i] {
			out = append(out, d)
		}
	}
	return one(out)
}

func shapeExpandDims(s *Subgraph, op *Op) ([][]int32, error) {
	c := sctx{s, op}
	in, err := c.shape(0)
	if err != nil {
		return nil, err
	}
	a, err := c.scalarInt(1)
	if err != nil {
		return nil, err
	}
	ax, err := wrapAxis(a, len(in)+1, "axis")
	if err != nil {
		return nil, err
	}
	return one(slices.Insert(slices.Clone(in), ax, 1))
}

func shapeConcat(s *Subgraph, op *Op) ([][]int32, error) {
	c := sctx{s, op}
	o, _ := optionsOf[ConcatenationOptions](op)
	first, err := c.shape(0)
	if err != nil {
		return nil, err
	}
	ax, err := wrapAxis(int64(o.Axis), len(first), "axis")
	if err != nil {
		return nil, err
	}
	out := slices.Clone(first)
	sum := int64(first[ax])
	for k := 1; k < len(op.Inputs); k++ {
		sh, err := c.shape(k)
		if err != nil {
			return nil, err
		}
		if len(sh) != len(first) {
			return nil, fmt.Errorf("input %d has shape %v, input 0 has %v: ranks differ", k, fmtShape(sh), fmtShape(first))
		}
		for i := range sh {
			if i != ax && sh[i] != first[i] {
				return nil, fmt.Errorf("input %d has shape %v, input 0 has %v: dimension %d differs", k, sh, first, i)
			}
		}
		sum += int64(sh[ax])
	}
	if sum > maxDim {
		return nil, fmt.Errorf("concatenated dimension is %d", sum)
	}
	out[ax] = int32(sum)
	return one(out)
}

func shapePack(s *Subgraph, op *Op) ([][]int32, error) {
	first, err := sameInputShapes(s, op)
	if err != nil {
		return nil, err
	}
	a, _ := optInt(op, "Axis")
	ax, err := wrapAxis(a, len(first)+1, "axis")
	if err != nil {
		return nil, err
	}
	return one(slices.Insert(slices.Clone(first), ax, int32(len(op.Inputs))))
}

func shapeUnpack(s *Subgraph, op *Op) ([][]int32, error) {
	c := sctx{s, op}
	in, err := c.shape(0)
	if err != nil {
		return nil, err
	}
	a, _ := optInt(op, "Axis")
	ax, err := wrapAxis(a, len(in), "axis")
	if err != nil {
		return nil, err
	}
	if int(in[ax]) != len(op.Outputs) {
		return nil, fmt.Errorf("axis %d has size %d but the op has %d outputs", ax, in[ax], len(op.Outputs))
	}
	out := slices.Delete(slices.Clone(in), ax, ax+1)
	return repeat(out, len(op.Outputs)), nil
}

func repeat(sh []int32, n int) [][]int32 {
	r := make([][]int32, n)
	for i := range r {
		r[i] = slices.Clone(sh)
	}
	return r
}

func shapeSplit(s *Subgraph, op *Op) ([][]int32, error) {
	c := sctx{s, op}
	o, ok := optionsOf[SplitOptions](op)
	n := int(o.NumSplits)
	if !ok || n == 0 {
		n = len(op.Outputs)
	}
	if n != len(op.Outputs) {
		return nil, fmt.Errorf("num_splits is %d but the op has %d outputs", n, len(op.Outputs))
	}
	in, err := c.shape(1)
	if err != nil {
		return nil, err
	}
	a, err := c.scalarInt(0)
	if err != nil {
		return nil, err
	}
	ax, err := wrapAxis(a, len(in), "axis")
	if err != nil {
		return nil, err
	}
	if n == 0 || in[ax]%int32(n) != 0 {
		return nil, fmt.Errorf("dimension %d of size %d does not split into %d equal parts", ax, in[ax], n)
	}
	out := slices.Clone(in)
	out[ax] /= int32(n)
	return repeat(out, n), nil
}

func shapeSplitV(s *Subgraph, op *Op) ([][]int32, error) {
	c := sctx{s, op}
	in, err := c.shape(0)
	if err != nil {
		return nil, err
	}
	sizes, err := c.ints(1)
	if err != nil {
		return nil, err
	}
	a, err := c.scalarInt(2)
	if err != nil {
		return nil, err
	}
	ax, err := wrapAxis(a, len(in), "axis")
	if err != nil {
		return nil, err
	}
	if len(sizes) != len(op.Outputs) {
		return nil, fmt.Errorf("size_splits has %d entries but the op has %d outputs", len(sizes), len(op.Outputs))
	}
	if n, ok := optInt(op, "NumSplits"); ok && n != int64(len(op.Outputs)) {
		return nil, fmt.Errorf("num_splits is %d but the op has %d outputs", n, len(op.Outputs))
	}
	unknown, sum := -1, int64(0)
	for i, v := range sizes {
		switch {
		case v == -1 && unknown < 0:
			unknown = i
		case v < 0:
			return nil, fmt.Errorf("size_splits %v: invalid entry %d", sizes, v)
		default:
			sum += v
		}
	}
	sizes = slices.Clone(sizes)
	if unknown >= 0 {
		if sum > int64(in[ax]) {
			return nil, fmt.Errorf("size_splits %v exceed dimension %d of size %d", sizes, ax, in[ax])
		}
		sizes[unknown] = int64(in[ax]) - sum
	} else if sum != int64(in[ax]) {
		return nil, fmt.Errorf("size_splits %v sum to %d, dimension %d has size %d", sizes, sum, ax, in[ax])
	}
	out := make([][]int32, len(sizes))
	for i, v := range sizes {
		out[i] = slices.Clone(in)
		out[i][ax] = int32(v)
	}
	return out, nil
}

// shapePad: PAD, PADV2, MIRROR_PAD with paddings [rank, 2] in input 1.
func shapePad(s *Subgraph, op *Op) ([][]int32, error) {
	c := sctx{s, op}
	in, err := c.shape(0)
	if err != nil {
		return nil, err
	}
	pt, err := c.in(1)
	if err != nil {
		return nil, err
	}
	if len(pt.Shape) != 2 || int(pt.Shape[0]) != len(in) || pt.Shape[1] != 2 {
		return nil, fmt.Errorf("paddings (input 1) have shape %v, want [%d 2]", fmtShape(pt.Shape), len(in))
	}
	p, err := c.ints(1)
	if err != nil {
		return nil, err
	}
	dims := make([]int64, len(in))
	for i, d := range in {
		lo, hi := p[2*i], p[2*i+1]
		if lo < 0 || hi < 0 {
			return nil, fmt.Errorf("paddings of dimension %d are [%d %d]; negative padding is not supported", i, lo, hi)
		}
		dims[i] = int64(d) + lo + hi
	}
	return oneErr(checkDims(dims))
}

// shapeResize: RESIZE_BILINEAR / RESIZE_NEAREST_NEIGHBOR with the new
// [height, width] in input 1.
func shapeResize(s *Subgraph, op *Op) ([][]int32, error) {
	c := sctx{s, op}
	in, err := c.shapeRank(0, 4)
	if err != nil {
		return nil, err
	}
	size, err := c.ints(1)
	if err != nil {
		return nil, err
	}
	if len(size) != 2 {
		return nil, fmt.Errorf("size (input 1) has %d elements, want 2", len(size))
	}
	return oneErr(checkDims([]int64{int64(in[0]), size[0], size[1], int64(in[3])}))
}

func shapeDepthToSpace(s *Subgraph, op *Op) ([][]int32, error) {
	c := sctx{s, op}
	o, _ := optionsOf[DepthToSpaceOptions](op)
	in, err := c.shapeRank(0, 4)
	if err != nil {
		return nil, err
	}
	b := o.BlockSize
	if b < 1 {
		return nil, fmt.Errorf("block_size is %d, must be at least 1", b)
	}
	bb := int64(b) * int64(b)
	if int64(in[3])%bb != 0 {
		return nil, fmt.Errorf("input depth %d is not a multiple of block_size² %d", in[3], bb)
	}
	return oneErr(checkDims([]int64{int64(in[0]), int64(in[1]) * int64(b), int64(in[2]) * int64(b), int64(in[3]) / bb}))
}

func shapeSpaceToDepth(s *Subgraph, op *Op) ([][]int32, error) {
	c := sctx{s, op}
	o, _ := optionsOf[SpaceToDepthOptions](op)
	in, err := c.shapeRank(0, 4)
	if err != nil {
		return nil, err
	}
	b := o.BlockSize
	if b < 1 {
		return nil, fmt.Errorf("block_size is %d, must be at least 1", b)
	}
	if in[1]%b != 0 || in[2]%b != 0 {
		return nil, fmt.Errorf("input height %d and width %d must be multiples of block_size %d", in[1], in[2], b)
	}
	return oneErr(checkDims([]int64{int64(in[0]), int64(in[1] / b), int64(in[2] / b), int64(in[3]) * int64(b) * int64(b)}))
}

func shapeTranspose(s *Subgraph, op *Op) ([][]int32, error) {
	c := sctx{s, op}
	in, err := c.shape(0)
	if err != nil {
		return nil, err
	}
	perm, err := c.ints(1)
	if err != nil {
		return nil, err
	}
	if len(perm) != len(in) {
		return nil, fmt.Errorf("perm %v has %d entries for an input of rank %d", perm, len(perm), len(in))
	}
	seen := make([]bool, len(in))
	out := make([]int32, len(in))
	for i, p := range perm {
		if p < 0 || p >= int64(len(in)) || seen[p] {
			return nil, fmt.Errorf("perm %v is not a permutation of 0..%d", perm, len(in)-1)
		}
		seen[p] = true
		out[i] = in[p]
	}
	return one(out)
}

func shapeTile(s *Subgraph, op *Op) ([][]int32, error) {
	c := sctx{s, op}
	in, err := c.shape(0)
	if err != nil {
		return nil, err
	}
	m, err := c.ints(1)
	if err != nil {
		return nil, err
	}
	if len(m) != len(in) {
		return nil, fmt.Errorf("multiples %v have %d entries for an input of rank %d", m, len(m), len(in))
	}
	dims := make([]int64, len(in))
	for i, d := range in {
		if m[i] < 0 {
			return nil, fmt.Errorf("multiples %v: negative entry", m)
		}
		dims[i] = int64(d) * m[i]
	}
	return oneErr(checkDims(dims))
}

func shapeSlice(s *Subgraph, op *Op) ([][]int32, error) {
	c := sctx{s, op}
	in, err := c.shape(0)
	if err != nil {
		return nil, err
	}
	begin, err := c.ints(1)
	if err != nil {
		return nil, err
	}
	size, err := c.ints(2)
	if err != nil {
		return nil, err
	}
	if len(begin) != len(in) || len(size) != len(in) {
		return nil, fmt.Errorf("begin %v and size %v must have %d entries (input %v)", begin, size, len(in), fmtShape(in))
	}
	out := make([]int64, len(in))
	for i, d := range in {
		b, z := begin[i], size[i]
		if z == -1 {
			z = int64(d) - b
		}
		if b < 0 || z < 0 || b+z > int64(d) {
			return nil, fmt.Errorf("slice begin %d size %d is out of range for dimension %d of size %d", begin[i], size[i], i, d)
		}
		out[i] = z
	}
	return oneErr(checkDims(out))
}

func shapeStridedSlice(s *Subgraph, op *Op) ([][]int32, error) {
	c := sctx{s, op}
	o, _ := optionsOf[StridedSliceOptions](op)
	in, err := c.shape(0)
	if err != nil {
		return nil, err
	}
	var begin, end, strides []int64
	for k, dst := range []*[]int64{&begin, &end, &strides} {
		if *dst, err = c.ints(k + 1); err != nil {
			return nil, err
		}
	}
	if len(begin) != len(end) || len(begin) != len(strides) {
		return nil, fmt.Errorf("begin %v, end %v and strides %v must have the same length", begin, end, strides)
	}
	out, err := StridedSliceShape(in, begin, end, strides, o)
	if err != nil {
		return nil, err
	}
	return one(out)
}

// StridedSliceShape computes STRIDED_SLICE's output shape with TFLite's
// rules: the ellipsis and new-axis masks are expanded into a dense spec
// over the effective dimensions, begin/end are clamped per axis by the sign
// of the stride, masked begins/ends take the full range, shrunk axes are
// dropped, and offset=true makes end relative to begin.
func StridedSliceShape(in []int32, begin, end, strides []int64, o StridedSliceOptions) ([]int32, error) {
	bit := func(mask int32, i int) bool { return i < 32 && mask&(1<<i) != 0 }
	count := len(begin)
	addAxes := 0
	for i := range count {
		if !bit(o.EllipsisMask, i) && bit(o.NewAxisMask, i) {
			addAxes++
		}
	}
	dims := len(in) + addAxes
	if dims > 32 || count > 32 {
		return nil, fmt.Errorf("strided slice over %d dimensions is not supported", dims)
	}
	// Expand the ellipsis.
	var ellMask, newMask int32
	ellStart, expanded := dims, 0
	for i := 0; i < dims; {
		if bit(o.EllipsisMask, i) {
			ellStart = i
			end := max(i+1, min(i+1+addAxes+len(in)-count, dims))
			expanded = end - ellStart - 1
			for ; i < end; i++ {
				ellMask |= 1 << i
			}
			continue
		}
		if i-expanded >= 0 && bit(o.NewAxisMask, i-expanded) {
			newMask |= 1 << i
		}
		i++
	}
	type axis struct {
		size                     int64
		start, stop, stride      int64
		beginMask, endMask, shrk bool
	}
	ax := make([]axis, dims)
	addedEll, addedAxes := 0, 0
	for i := range dims {
		a := &ax[i]
		inDim := func() (int64, error) {
			j := i - addedAxes
			if j < 0 || j >= len(in) {
				return 0, fmt.Errorf("strided slice spec does not fit input shape %v", fmtShape(in))
			}
			return int64(in[j]), nil
		}
		var err error
		switch {
		case bit(ellMask, i):
			addedEll = max(0, i-ellStart)
			a.beginMask, a.endMask, a.stride = true, true, 1
			a.size, err = inDim()
		case bit(newMask, i):
			a.start, a.stop, a.stride, a.size = 0, 1, 1, 1
			addedAxes++
		case i >= count+expanded:
			a.beginMask, a.endMask, a.stride = true, true, 1
			a.size, err = inDim()
		default:
			j := i - addedEll
			if j < 0 || j >= count {
				return nil, fmt.Errorf("strided slice spec does not fit input shape %v", fmtShape(in))
			}
			a.start, a.stop, a.stride = begin[j], end[j], strides[j]
			a.beginMask, a.endMask, a.shrk = bit(o.BeginMask, j), bit(o.EndMask, j), bit(o.ShrinkAxisMask, j)
			a.size, err = inDim()
		}
		if err != nil {
			return nil, err
		}
	}
	clamp := func(v, lo, hi int64) int64 { return max(lo, min(v, hi)) }
	out := []int64{}
	for i, a := range ax {
		if a.stride == 0 {
			return nil, fmt.Errorf("stride of axis %d is 0", i)
		}
		if a.shrk {
			continue
		}
		var n int64
		if o.Offset {
			n = a.stop
		} else {
			start := a.start
			if start < 0 {
				start += a.size
			}
			if a.stride > 0 {
				start = clamp(start, 0, a.size)
			} else {
				start = clamp(start, -1, a.size-1)
			}
			if a.beginMask {
				if a.stride > 0 {
					start = 0
				} else {
					start = a.size - 1
				}
			}
			stop := a.stop
			if stop < 0 {
				stop += a.size
			}
			if a.stride > 0 {
				stop = clamp(stop, 0, a.size)
			} else {
				stop = clamp(stop, -1, a.size-1)
			}
			if a.endMask {
				if a.stride > 0 {
					stop = a.size
				} else {
					stop = -1
				}
			}
			n = stop - start
		}
		// ceil(n / stride) for either sign.
		q := n / a.stride
		if n%a.stride != 0 && (n < 0) == (a.stride < 0) {
			q++
		}
		out = append(out, max(q, 0))
	}
	return checkDims(out)
}

func shapeGather(s *Subgraph, op *Op) ([][]int32, error) {
	c := sctx{s, op}
	o, _ := optionsOf[GatherOptions](op)
	params, err := c.shape(0)
	if err != nil {
		return nil, err
	}
	idx, err := c.shape(1)
	if err != nil {
		return nil, err
	}
	ax, err := wrapAxis(int64(o.Axis), len(params), "axis")
	if err != nil {
		return nil, err
	}
	bd := int(o.BatchDims)
	if bd < 0 {
		bd += len(idx)
	}
	if bd < 0 || bd > len(idx) || bd > ax {
		return nil, fmt.Errorf("batch_dims %d is out of range (axis %d, indices rank %d)", o.BatchDims, ax, len(idx))
	}
	for i := range bd {
		if params[i] != idx[i] {
			return nil, fmt.Errorf("batch dimension %d differs: params %v, indices %v", i, params, idx)
		}
	}
	out := slices.Clone(params[:ax])
	out = append(out, idx[bd:]...)
	out = append(out, params[ax+1:]...)
	return one(out)
}

func shapeBatchMatMul(s *Subgraph, op *Op) ([][]int32, error) {
	c := sctx{s, op}
	l, err := c.shape(0)
	if err != nil {
		return nil, err
	}
	r, err := c.shape(1)
	if err != nil {
		return nil, err
	}
	if len(l) < 2 || len(r) < 2 {
		return nil, fmt.Errorf("inputs %v and %v must have rank at least 2", fmtShape(l), fmtShape(r))
	}
	m, k := l[len(l)-2], l[len(l)-1]
	if optBool(op, "AdjX") {
		m, k = k, m
	}
	k2, n := r[len(r)-2], r[len(r)-1]
	if optBool(op, "AdjY") {
		k2, n = n, k2
	}
	if k != k2 {
		return nil, fmt.Errorf("contraction sizes differ: lhs %v gives %d, rhs %v gives %d", l, k, r, k2)
	}
	batch, err := BroadcastShapes(l[:len(l)-2], r[:len(r)-2])
	if err != nil {
		return nil, fmt.Errorf("batch dimensions: %w", err)
	}
	return one(append(batch, m, n))
}

func shapeShape(s *Subgraph, op *Op) ([][]int32, error) {
	in, err := sctx{s, op}.shape(0)
	if err != nil {
		return nil, err
	}
	return one([]int32{int32(len(in))})
}

func shapeBroadcastTo(s *Subgraph, op *Op) ([][]int32, error) {
	c := sctx{s, op}
	in, err := c.shape(0)
	if err != nil {
		return nil, err
	}
	v, err := c.ints(1)
	if err != nil {
		return nil, err
	}
	target, err := checkDims(v)
	if err != nil {
		return nil, err
	}
	out, err := BroadcastShapes(in, target)
	if err != nil {
		return nil, err
	}
	if !slices.Equal(out, target) {
		return nil, fmt.Errorf("input %v does not broadcast to %v", in, target)
	}
	return one(out)
}
