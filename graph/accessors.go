package graph

import (
	"encoding/binary"
	"fmt"
)

// OptionsAs returns op's builtin options as T: the zero T (TFLite's
// defaults) when the op has none, the value when they are a T or a non-nil
// *T, and an error naming both types otherwise. Backends' prepare steps
// use it.
func OptionsAs[T any](op *Op) (T, error) {
	var zero T
	switch o := op.Options.(type) {
	case nil:
		return zero, nil
	case T:
		return o, nil
	case *T:
		if o == nil {
			return zero, nil
		}
		return *o, nil
	}
	return zero, fmt.Errorf("options have type %T, want %T", op.Options, zero)
}

// DecodeInts returns the values of n INT32 or INT64 elements stored in
// data (little endian), for shape, axis and index constants.
func DecodeInts(t DType, data []byte, n int) ([]int, error) {
	size, ok := t.ByteSize(n)
	if !ok || (t != Int32 && t != Int64) {
		return nil, fmt.Errorf("type %s is not INT32 or INT64", t)
	}
	if len(data) < size {
		return nil, fmt.Errorf("%d bytes hold fewer than %d %s values", len(data), n, t)
	}
	out := make([]int, n)
	for i := range out {
		if t == Int32 {
			out[i] = int(int32(binary.LittleEndian.Uint32(data[4*i:])))
		} else {
			out[i] = int(int64(binary.LittleEndian.Uint64(data[8*i:])))
		}
	}
	return out, nil
}

// FusedActivation returns the fused activation of op's options (NONE when
// they are missing or of another type), and whether the op type has one.
func FusedActivation(op *Op) (Activation, bool) {
	switch op.Code {
	case OpConv2D:
		return actOf(op, func(o Conv2DOptions) Activation { return o.Activation }), true
	case OpDepthwiseConv2D:
		return actOf(op, func(o DepthwiseConv2DOptions) Activation { return o.Activation }), true
	case OpFullyConnected:
		return actOf(op, func(o FullyConnectedOptions) Activation { return o.Activation }), true
	case OpAdd:
		return actOf(op, func(o AddOptions) Activation { return o.Activation }), true
	case OpSub:
		return actOf(op, func(o SubOptions) Activation { return o.Activation }), true
	case OpMul:
		return actOf(op, func(o MulOptions) Activation { return o.Activation }), true
	case OpDiv:
		return actOf(op, func(o DivOptions) Activation { return o.Activation }), true
	case OpConcatenation:
		return actOf(op, func(o ConcatenationOptions) Activation { return o.Activation }), true
	}
	return ActNone, false
}

func actOf[T any](op *Op, field func(T) Activation) Activation {
	o, err := OptionsAs[T](op)
	if err != nil {
		return ActNone
	}
	return field(o)
}

// CompileOrder returns m's main subgraph and the topological order of its
// ops, after checking the subgraph's input and output indices and every
// recorded shape against the op registry's inference, filling in the ones
// not recorded (InferShapes sets Shape on such tensors of m): the first
// step of a backend's compile.
func (m *Model) CompileOrder() (*Subgraph, []int, error) {
	sg := m.Main()
	if sg == nil {
		return nil, nil, fmt.Errorf("the model has no subgraph")
	}
	for _, io := range []struct {
		what string
		idx  []int
	}{{"input", sg.Inputs}, {"output", sg.Outputs}} {
		for _, i := range io.idx {
			if i < 0 || i >= len(sg.Tensors) {
				return nil, nil, fmt.Errorf("%s tensor index %d out of range (%d tensors)", io.what, i, len(sg.Tensors))
			}
		}
	}
	order, err := sg.TopoOrder()
	if err != nil {
		return nil, nil, err
	}
	if err := InferShapes(sg); err != nil {
		return nil, nil, err
	}
	return sg, order, nil
}

// IntShape returns a shape as ints.
func IntShape(s []int32) []int {
	out := make([]int, len(s))
	for i, d := range s {
		out[i] = int(d)
	}
	return out
}
