// Package tensorio moves tensors between fp16tool and files: NumPy .npy
// arrays (the oracle's input and output format) and photos (PNG, JPEG)
// resized and normalized into model inputs.
//
// A Tensor holds its elements as little-endian bytes in row-major order,
// typed by graph.DType, so that any element type the runtimes exchange
// (float32, float16, int8, uint8, int32, int64, ...) travels unchanged.
package tensorio

import (
	"encoding/binary"
	"fmt"
	"math"

	"github.com/fp16tool/fp16tool/graph"
	"github.com/x448/float16"
)

// Tensor is a dense tensor: Data holds the elements of Shape, little
// endian, row major.
type Tensor struct {
	// Name is the tensor's name in the model, or a file name; may be empty.
	Name string
	// Type is the element type.
	Type graph.DType
	// Shape is the tensor's dimensions; empty for a scalar.
	Shape []int
	// Data is the elements' bytes, len(Data) = NumElements() × Type.Size().
	Data []byte
}

// NumElements returns the product of t's dimensions (1 for a scalar), or
// -1 when a dimension is negative or the product overflows.
func (t *Tensor) NumElements() int { return numElements(t.Shape) }

func numElements(shape []int) int {
	n := 1
	for _, d := range shape {
		if d < 0 || (d > 0 && n > math.MaxInt32/d) {
			return -1
		}
		n *= d
	}
	return n
}

// Validate reports whether t's data length matches its type and shape.
func (t *Tensor) Validate() error {
	n := t.NumElements()
	if n < 0 {
		return fmt.Errorf("tensor %q: bad shape %v", t.Name, t.Shape)
	}
	size, ok := t.Type.ByteSize(n)
	if !ok || t.Type == graph.Int4 {
		return fmt.Errorf("tensor %q: element type %v has no fixed byte size", t.Name, t.Type)
	}
	if len(t.Data) != size {
		return fmt.Errorf("tensor %q: %v%v needs %d bytes, has %d", t.Name, t.Type, t.Shape, size, len(t.Data))
	}
	return nil
}

// String returns a short description such as `input FLOAT32[1 128 128 3]`.
func (t *Tensor) String() string { return fmt.Sprintf("%s %v%v", t.Name, t.Type, t.Shape) }

// FromFloat32 returns a FLOAT32 tensor holding a copy of data. It returns
// an error when len(data) does not match shape.
func FromFloat32(name string, shape []int, data []float32) (Tensor, error) {
	if n := numElements(shape); n != len(data) {
		return Tensor{}, fmt.Errorf("tensor %q: shape %v holds %d elements, %d given", name, shape, n, len(data))
	}
	b := make([]byte, 4*len(data))
	for i, v := range data {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(v))
	}
	return Tensor{Name: name, Type: graph.Float32, Shape: append([]int(nil), shape...), Data: b}, nil
}

// FromFloat16 returns a FLOAT16 tensor from IEEE binary16 bit patterns.
func FromFloat16(name string, shape []int, bits []uint16) (Tensor, error) {
	if n := numElements(shape); n != len(bits) {
		return Tensor{}, fmt.Errorf("tensor %q: shape %v holds %d elements, %d given", name, shape, n, len(bits))
	}
	b := make([]byte, 2*len(bits))
	for i, v := range bits {
		binary.LittleEndian.PutUint16(b[2*i:], v)
	}
	return Tensor{Name: name, Type: graph.Float16, Shape: append([]int(nil), shape...), Data: b}, nil
}

// FromInt8 returns an INT8 tensor holding a copy of data.
func FromInt8(name string, shape []int, data []int8) (Tensor, error) {
	if n := numElements(shape); n != len(data) {
		return Tensor{}, fmt.Errorf("tensor %q: shape %v holds %d elements, %d given", name, shape, n, len(data))
	}
	b := make([]byte, len(data))
	for i, v := range data {
		b[i] = byte(v)
	}
	return Tensor{Name: name, Type: graph.Int8, Shape: append([]int(nil), shape...), Data: b}, nil
}

// FromInt32 returns an INT32 tensor holding a copy of data.
func FromInt32(name string, shape []int, data []int32) (Tensor, error) {
	if n := numElements(shape); n != len(data) {
		return Tensor{}, fmt.Errorf("tensor %q: shape %v holds %d elements, %d given", name, shape, n, len(data))
	}
	b := make([]byte, 4*len(data))
	for i, v := range data {
		binary.LittleEndian.PutUint32(b[4*i:], uint32(v))
	}
	return Tensor{Name: name, Type: graph.Int32, Shape: append([]int(nil), shape...), Data: b}, nil
}

// Float32s returns t's elements as float32: FLOAT32 as is, FLOAT16 and
// BFLOAT16 widened exactly, FLOAT64 rounded, integer and BOOL types
// converted by value. It returns nil for other types and when Data does
// not match Shape (see Validate).
func (t *Tensor) Float32s() []float32 {
	if t.Validate() != nil {
		return nil
	}
	n := t.NumElements()
	out := make([]float32, n)
	d := t.Data
	le := binary.LittleEndian
	switch t.Type {
	case graph.Float32:
		for i := range out {
			out[i] = math.Float32frombits(le.Uint32(d[4*i:]))
		}
	case graph.Float16:
		for i := range out {
			out[i] = float16.Frombits(le.Uint16(d[2*i:])).Float32()
		}
	case graph.BFloat16:
		for i := range out {
			out[i] = math.Float32frombits(uint32(le.Uint16(d[2*i:])) << 16)
		}
	case graph.Float64:
		for i := range out {
			out[i] = float32(math.Float64frombits(le.Uint64(d[8*i:])))
		}
	case graph.Int8:
		for i := range out {
			out[i] = float32(int8(d[i]))
		}
	case graph.Uint8, graph.Bool:
		for i := range out {
			out[i] = float32(d[i])
		}
	case graph.Int16:
		for i := range out {
			out[i] = float32(int16(le.Uint16(d[2*i:])))
		}
	case graph.Uint16:
		for i := range out {
			out[i] = float32(le.Uint16(d[2*i:]))
		}
	case graph.Int32:
		for i := range out {
			out[i] = float32(int32(le.Uint32(d[4*i:])))
		}
	case graph.Uint32:
		for i := range out {
			out[i] = float32(le.Uint32(d[4*i:]))
		}
	case graph.Int64:
		for i := range out {
			out[i] = float32(int64(le.Uint64(d[8*i:])))
		}
	case graph.Uint64:
		for i := range out {
			out[i] = float32(le.Uint64(d[8*i:]))
		}
	default:
		return nil
	}
	return out
}

// Clone returns a deep copy of t.
func (t *Tensor) Clone() Tensor {
	return Tensor{
		Name:  t.Name,
		Type:  t.Type,
		Shape: append([]int(nil), t.Shape...),
		Data:  append([]byte(nil), t.Data...),
	}
}
