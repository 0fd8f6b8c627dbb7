// Package graph is the in-memory model that the file format, the converters
// and the backends share: tensors, ops, subgraphs, signatures and metadata,
// plus the op registry (arity, weight and bias inputs, shape inference,
// quantization properties).
//
// Nothing in graph knows about flatbuffers. Package tflite maps a .tflite
// file onto these types and back; converters and engines work on them only.
//
// Indices: ops refer to tensors by their index in Subgraph.Tensors; an index
// of -1 marks an omitted optional input, as in TFLite.
package graph

import "fmt"

// Model is a whole TFLite model.
type Model struct {
	// Version is the schema version (3 for every current file).
	Version uint32
	// Description is the free-text description written by the producer.
	Description string
	// Subgraphs holds the main graph first, then any called subgraphs.
	Subgraphs []*Subgraph
	// Signatures are the model's signature defs.
	Signatures []*Signature
	// Metadata are the named metadata entries (e.g. "min_runtime_version").
	Metadata []*Metadata
	// MetadataBuffers is the deprecated metadata_buffer list: the raw
	// contents of each buffer it referenced, in order.
	MetadataBuffers [][]byte
}

// Subgraph is one graph of ops over tensors.
type Subgraph struct {
	// Name is the subgraph's name (often empty for the main graph).
	Name string
	// Tensors are all tensors of the subgraph; ops refer to them by index.
	Tensors []*Tensor
	// Inputs and Outputs are the subgraph's input and output tensor indices.
	Inputs, Outputs []int
	// Ops are the operators in execution order.
	Ops []*Op
	// Extra holds format-level data that graph does not interpret (for
	// example debug metadata), kept so that a load/save round trip is
	// lossless. Converters may ignore it.
	Extra any
}

// Tensor is one tensor of a subgraph.
type Tensor struct {
	// Name is the tensor's name.
	Name string
	// Type is the element type.
	Type DType
	// Shape is the static shape; -1 entries are not used here, see
	// ShapeSignature for dynamic dimensions.
	Shape []int32
	// ShapeSignature is the shape with -1 for dynamic dimensions, or nil.
	ShapeSignature []int32
	// Data is the constant content (little endian, row major), or nil for
	// a tensor computed at run time. Tensors that share a buffer in the
	// file share the same slice here (same backing array and length).
	Data []byte
	// Quant is the quantization, or nil.
	Quant *Quantization
	// Sparsity describes a sparse constant (Data then holds only the
	// non-zero values), or nil.
	Sparsity *Sparsity
	// IsVariable marks a variable (stateful) tensor.
	IsVariable bool
	// HasRank is set when the producer recorded that the shape is known
	// (has_rank in the schema).
	HasRank bool
	// Extra holds format-level data graph does not interpret (variant
	// tensor types, ...), kept for a lossless round trip.
	Extra any
}

// IsConst reports whether t is a constant (has data).
func (t *Tensor) IsConst() bool { return t.Data != nil }

// NumElements returns the product of the shape's dimensions (1 for a
// scalar), or -1 if a dimension is negative.
func (t *Tensor) NumElements() int {
	return NumElements(t.Shape)
}

// NumElements returns the product of dims (1 for none), or -1 if a
// dimension is negative.
func NumElements(dims []int32) int {
	n := 1
	for _, d := range dims {
		if d < 0 {
			return -1
		}
		n *= int(d)
	}
	return n
}

// Quantization holds a tensor's quantization parameters. Scale and
// ZeroPoint have one entry for per-tensor quantization, or one per slice
// along QuantizedDimension for per-axis quantization.
type Quantization struct {
	// Min and Max are calibrated ranges, when recorded.
	Min, Max []float32
	// Scale and ZeroPoint map q to real = Scale*(q-ZeroPoint).
	Scale     []float32
	ZeroPoint []int64
	// QuantizedDimension is the axis of per-axis quantization.
	QuantizedDimension int32
	// Details is custom quantization (opaque to graph), or nil.
	Details any
}

// PerAxis reports whether q has more than one scale.
func (q *Quantization) PerAxis() bool { return q != nil && len(q.Scale) > 1 }

// DimFormat is the storage format of one dimension of a sparse tensor.
type DimFormat int8

// Dimension formats of sparse tensors.
const (
	DimDense     DimFormat = 0
	DimSparseCSR DimFormat = 1
)

// IndexType records which integer width the file used for a sparse
// dimension's segments or indices, so that it can be written back the same.
type IndexType uint8

// Index vector types of sparse tensors, numbered as the schema's
// SparseIndexVector union.
const (
	IndexNone   IndexType = 0
	IndexInt32  IndexType = 1
	IndexUint16 IndexType = 2
	IndexUint8  IndexType = 3
)

// DimMetadata describes one dimension of a sparse tensor's traversal.
type DimMetadata struct {
	Format DimFormat
	// DenseSize is the size of a dense dimension.
	DenseSize int32
	// Segments and Indices are the CSR arrays of a sparse dimension.
	Segments, Indices         []int32
	SegmentsType, IndicesType IndexType
}

// Sparsity is the TFLite sparse tensor encoding.
type Sparsity struct {
	TraversalOrder []int32
	BlockMap       []int32
	DimMetadata    []DimMetadata
}

// Op is one operator.
type Op struct {
	// Code is the builtin operator code (OpCustom for custom ops).
	Code OpCode
	// Custom is the custom op's name when Code is OpCustom.
	Custom string
	// Version is the op version recorded in the operator code table.
	Version int32
	// Inputs, Outputs and Intermediates are tensor indices (-1: omitted).
	Inputs, Outputs, Intermediates []int
	// Options are the builtin options: one of the typed structs in
	// options.go, or an opaque value owned by the file format for options
	// graph does not model, or nil when the op has none.
	Options any
	// Options2 is the second builtin options union (StableHLO ops), opaque.
	Options2 any
	// CustomOptions are a custom op's options, byte for byte.
	CustomOptions []byte
	// CustomOptionsFormat is the custom options format (0: flexbuffers).
	CustomOptionsFormat int8
	// MutatingVariableInputs marks inputs that the op writes.
	MutatingVariableInputs []bool
	// Extra holds format-level data graph does not interpret (debug
	// metadata indices, ...), kept for a lossless round trip.
	Extra any
}

// Name returns the op's display name: the builtin name, or the custom code.
func (o *Op) Name() string {
	if o.Code == OpCustom && o.Custom != "" {
		return o.Custom
	}
	return o.Code.String()
}

// Signature is a signature def: named inputs and outputs of a subgraph.
type Signature struct {
	Key           string
	SubgraphIndex int
	Inputs        []SignatureTensor
	Outputs       []SignatureTensor
}

// SignatureTensor maps a signature name to a tensor index of the subgraph.
type SignatureTensor struct {
	Name   string
	Tensor int
}

// Metadata is a named metadata blob.
type Metadata struct {
	Name string
	Data []byte
}

// MetadataString returns the named metadata entry as a string with
// trailing NUL bytes removed, and whether it exists.
func (m *Model) MetadataString(name string) (string, bool) {
	for _, md := range m.Metadata {
		if md.Name == name {
			b := md.Data
			for len(b) > 0 && b[len(b)-1] == 0 {
				b = b[:len(b)-1]
			}
			return string(b), true
		}
	}
	return "", false
}

// Main returns the first subgraph, or nil for a model without one.
func (m *Model) Main() *Subgraph {
	if len(m.Subgraphs) == 0 {
		return nil
	}
	return m.Subgraphs[0]
}

// Consumers returns, for each tensor index, the indices of the ops that
// read it (in op order, an op once per tensor even if it reads it twice).
func (s *Subgraph) Consumers() [][]int {
	cons := make([][]int, len(s.Tensors))
	for i, op := range s.Ops {
		for j, t := range op.Inputs {
			if t < 0 || t >= len(s.Tensors) {
				continue
			}
			dup := false
			for _, u := range op.Inputs[:j] {
				if u == t {
					dup = true
					break
				}
			}
			if !dup {
				cons[t] = append(cons[t], i)
			}
		}
	}
	return cons
}

// Producers returns, for each tensor index, the index of the op that
// writes it, or -1.
func (s *Subgraph) Producers() []int {
	prod := make([]int, len(s.Tensors))
	for i := range prod {
		prod[i] = -1
	}
	for i, op := range s.Ops {
		for _, t := range op.Outputs {
			if t >= 0 && t < len(s.Tensors) {
				prod[t] = i
			}
		}
	}
	return prod
}

// Tensor returns tensor i, or nil for an omitted input (-1) or an index out
// of range.
func (s *Subgraph) Tensor(i int) *Tensor {
	if i < 0 || i >= len(s.Tensors) {
		return nil
	}
	return s.Tensors[i]
}

// TopoOrder returns the op indices in an order where every op comes after
// the producers of its inputs, or an error naming an op on a cycle.
func (s *Subgraph) TopoOrder() ([]int, error) {
	prod := s.Producers()
	const (
		white = iota
		grey
		black
	)
	state := make([]uint8, len(s.Ops))
	order := make([]int, 0, len(s.Ops))
	// Iterative DFS so that deep graphs cannot overflow the stack.
	type frame struct{ op, next int }
	for root := range s.Ops {
		if state[root] != white {
			continue
		}
		stack := []frame{{root, 0}}
		state[root] = grey
		for len(stack) > 0 {
			f := &stack[len(stack)-1]
			op := s.Ops[f.op]
			if f.next < len(op.Inputs) {
				t := op.Inputs[f.next]
				f.next++
				if t < 0 || t >= len(prod) || prod[t] < 0 {
					continue
				}
				p := prod[t]
				switch state[p] {
				case grey:
					return nil, fmt.Errorf("op %d (%s) is on a cycle through tensor %d", p, s.Ops[p].Name(), t)
				case white:
					state[p] = grey
					stack = append(stack, frame{p, 0})
				}
				continue
			}
			state[f.op] = black
			order = append(order, f.op)
			stack = stack[:len(stack)-1]
		}
	}
	return order, nil
}
