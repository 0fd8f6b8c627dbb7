package graph

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
)

// ErrNotConstant is returned (wrapped) when an op's shape depends on the
// content of a tensor that is computed at run time: the output shape is
// dynamic and cannot be inferred statically.
var ErrNotConstant = errors.New("tensor is not a constant")

// ConstInt64s decodes the content of a constant INT32 or INT64 tensor
// (little endian) into int64 values. It fails with an error wrapping
// ErrNotConstant when t has no data, and with a plain error when t has
// another type or its data length does not match its shape.
func ConstInt64s(t *Tensor) ([]int64, error) {
	if t == nil {
		return nil, errors.New("tensor is missing")
	}
	if t.Data == nil {
		return nil, fmt.Errorf("tensor %q: %w", t.Name, ErrNotConstant)
	}
	if t.Sparsity != nil {
		return nil, fmt.Errorf("tensor %q is sparse; expected a dense integer constant", t.Name)
	}
	n := t.NumElements()
	if n < 0 {
		return nil, fmt.Errorf("tensor %q has a negative dimension in shape %v", t.Name, t.Shape)
	}
	var size int
	switch t.Type {
	case Int32:
		size = 4
	case Int64:
		size = 8
	default:
		return nil, fmt.Errorf("tensor %q is %s; expected INT32 or INT64", t.Name, t.Type)
	}
	if len(t.Data) != n*size {
		return nil, fmt.Errorf("tensor %q: %d bytes of data for %d %s elements (shape %v)", t.Name, len(t.Data), n, t.Type, t.Shape)
	}
	out := make([]int64, n)
	for i := range out {
		if size == 4 {
			out[i] = int64(int32(binary.LittleEndian.Uint32(t.Data[4*i:])))
		} else {
			out[i] = int64(binary.LittleEndian.Uint64(t.Data[8*i:]))
		}
	}
	return out, nil
}

// ConstInt32s decodes the content of a constant INT32 or INT64 tensor into
// int32 values; INT64 values outside the int32 range are an error. Errors
// are as for ConstInt64s.
func ConstInt32s(t *Tensor) ([]int32, error) {
	v, err := ConstInt64s(t)
	if err != nil {
		return nil, err
	}
	out := make([]int32, len(v))
	for i, x := range v {
		if x < math.MinInt32 || x > math.MaxInt32 {
			return nil, fmt.Errorf("tensor %q: element %d (%d) does not fit in int32", t.Name, i, x)
		}
		out[i] = int32(x)
	}
	return out, nil
}

// ConstFloat32s decodes the content of a constant FLOAT32 tensor. Errors are
// as for ConstInt64s.
func ConstFloat32s(t *Tensor) ([]float32, error) {
	if t == nil {
		return nil, errors.New("tensor is missing")
	}
	if t.Data == nil {
		return nil, fmt.Errorf("tensor %q: %w", t.Name, ErrNotConstant)
	}
	if t.Type != Float32 {
		return nil, fmt.Errorf("tensor %q is %s; expected FLOAT32", t.Name, t.Type)
	}
	n := t.NumElements()
	if n < 0 || len(t.Data) != 4*n {
		return nil, fmt.Errorf("tensor %q: %d bytes of data for shape %v", t.Name, len(t.Data), t.Shape)
	}
	out := make([]float32, n)
	for i := range out {
		out[i] = math.Float32frombits(binary.LittleEndian.Uint32(t.Data[4*i:]))
	}
	return out, nil
}

// Int32Data encodes values as the little-endian content of an INT32
// tensor; it is the inverse of ConstInt32s and handy for building models.
func Int32Data(values ...int32) []byte {
	b := make([]byte, 4*len(values))
	for i, v := range values {
		binary.LittleEndian.PutUint32(b[4*i:], uint32(v))
	}
	return b
}

// Int64Data encodes values as the little-endian content of an INT64 tensor.
func Int64Data(values ...int64) []byte {
	b := make([]byte, 8*len(values))
	for i, v := range values {
		binary.LittleEndian.PutUint64(b[8*i:], uint64(v))
	}
	return b
}

// Float32Data encodes values as the little-endian content of a FLOAT32
// tensor.
func Float32Data(values ...float32) []byte {
	b := make([]byte, 4*len(values))
	for i, v := range values {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(v))
	}
	return b
}
