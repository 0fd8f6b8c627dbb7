package graph

import "fmt"

// DType is a tensor element type, numbered as the schema's TensorType enum.
type DType int8

// Element types.
const (
	Float32    DType = 0
	Float16    DType = 1
	Int32      DType = 2
	Uint8      DType = 3
	Int64      DType = 4
	String     DType = 5
	Bool       DType = 6
	Int16      DType = 7
	Complex64  DType = 8
	Int8       DType = 9
	Float64    DType = 10
	Complex128 DType = 11
	Uint64     DType = 12
	Resource   DType = 13
	Variant    DType = 14
	Uint32     DType = 15
	Uint16     DType = 16
	Int4       DType = 17
	BFloat16   DType = 18
)

var dtypeNames = [...]string{
	Float32: "FLOAT32", Float16: "FLOAT16", Int32: "INT32", Uint8: "UINT8",
	Int64: "INT64", String: "STRING", Bool: "BOOL", Int16: "INT16",
	Complex64: "COMPLEX64", Int8: "INT8", Float64: "FLOAT64",
	Complex128: "COMPLEX128", Uint64: "UINT64", Resource: "RESOURCE",
	Variant: "VARIANT", Uint32: "UINT32", Uint16: "UINT16", Int4: "INT4",
	BFloat16: "BFLOAT16",
}

// Valid reports whether d is a known element type.
func (d DType) Valid() bool { return d >= 0 && int(d) < len(dtypeNames) }

// String returns the schema name of d (e.g. "FLOAT32").
func (d DType) String() string {
	if d.Valid() {
		return dtypeNames[d]
	}
	return fmt.Sprintf("DType(%d)", int8(d))
}

// Size returns the size of one element in bytes, 0 for types without a
// fixed size (STRING, RESOURCE, VARIANT) and for INT4, whose elements are
// packed two to a byte (see ByteSize).
func (d DType) Size() int {
	switch d {
	case Float32, Int32, Uint32:
		return 4
	case Float16, Int16, Uint16, BFloat16:
		return 2
	case Uint8, Int8, Bool:
		return 1
	case Int64, Uint64, Float64, Complex64:
		return 8
	case Complex128:
		return 16
	}
	return 0
}

// ByteSize returns the number of bytes n elements of d take in a buffer,
// and false for types without a fixed size.
func (d DType) ByteSize(n int) (int, bool) {
	if d == Int4 {
		return (n + 1) / 2, true
	}
	s := d.Size()
	if s == 0 {
		return 0, false
	}
	return n * s, true
}

// IsFloat reports whether d is a floating-point type.
func (d DType) IsFloat() bool {
	return d == Float32 || d == Float16 || d == Float64 || d == BFloat16
}

// OpCode is a builtin operator code, numbered as the schema's
// BuiltinOperator enum (constants in opcodes_gen.go).
type OpCode int32

// String returns the schema name of c (e.g. "CONV_2D").
func (c OpCode) String() string {
	if c >= 0 && int(c) < len(opNames) {
		return opNames[c]
	}
	return fmt.Sprintf("BUILTIN_%d", int32(c))
}

// Known reports whether c is a builtin operator this build knows.
func (c OpCode) Known() bool { return c >= 0 && int(c) < len(opNames) }

// OpCodeByName returns the builtin code for a schema name such as
// "CONV_2D", and false if there is none.
func OpCodeByName(name string) (OpCode, bool) {
	for i, n := range opNames {
		if n == name {
			return OpCode(i), true
		}
	}
	return 0, false
}
