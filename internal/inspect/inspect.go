// Package inspect summarizes a graph.Model for `fp16tool inspect`: its
// inputs and outputs, op and dtype histograms, constant bytes, MACs,
// custom ops, sparse tensors, signatures and metadata. Inspect builds a
// Report; WriteText prints it aligned for people and WriteJSON as stable
// JSON for programs.
package inspect

import (
	"cmp"
	"encoding/json"
	"io"
	"math"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/fp16tool/fp16tool/graph"
)

// Report is the summary of one model. Its JSON form (WriteJSON) keeps the
// field order below; every list is sorted deterministically, so the same
// model always gives the same bytes.
type Report struct {
	// File is the model's path as given (empty for in-memory models).
	File string `json:"file"`
	// FileSize is the file's size in bytes (0 when unknown).
	FileSize int64 `json:"file_size"`
	// SchemaVersion is the TFLite schema version.
	SchemaVersion uint32 `json:"schema_version"`
	// Description is the producer's description.
	Description string `json:"description"`
	// MinRuntimeVersion is the "min_runtime_version" metadata, if any.
	MinRuntimeVersion string `json:"min_runtime_version"`
	// SubgraphCount is the number of subgraphs.
	SubgraphCount int `json:"subgraph_count"`
	// Subgraphs summarizes each subgraph, in file order.
	Subgraphs []Subgraph `json:"subgraphs"`
	// Inputs and Outputs are the main (first) subgraph's inputs and outputs.
	Inputs  []Tensor `json:"inputs"`
	Outputs []Tensor `json:"outputs"`
	// OpCount is the number of ops in all subgraphs.
	OpCount int `json:"op_count"`
	// Ops is the op histogram over all subgraphs, most frequent first.
	Ops []OpStat `json:"ops"`
	// TensorCount is the number of tensors in all subgraphs.
	TensorCount int `json:"tensor_count"`
	// TensorTypes is the histogram of tensor element types.
	TensorTypes []TypeStat `json:"tensor_types"`
	// ConstantBytes is the total of ConstantBytesByType.
	ConstantBytes int64 `json:"constant_bytes"`
	// ConstantBytesByType are the bytes of constant data by element type
	// (a buffer shared by several tensors counts once).
	ConstantBytesByType []TypeStat `json:"constant_bytes_by_type"`
	// MACs is the total of multiply-accumulates for one inference of the
	// main subgraph (see graph.MACsFunc for what is counted).
	MACs int64 `json:"macs"`
	// OpMACs lists every op of the main subgraph that has MACs, in op
	// order.
	OpMACs []OpMACs `json:"op_macs"`
	// CustomOps are the custom op names with their counts.
	CustomOps []OpStat `json:"custom_ops"`
	// SparseTensors are the tensors stored in the sparse format.
	SparseTensors []SparseTensor `json:"sparse_tensors"`
	// Signatures are the model's signature defs.
	Signatures []Signature `json:"signatures"`
	// Metadata are the named metadata entries, in file order.
	Metadata []Metadata `json:"metadata"`
	// FileBytes tells where the file's bytes go, by category (constant
	// data, tensor tables, names, quantization vectors, op tables,
	// padding, ...; see tflite.FileBytes), when asked for (`inspect
	// --bytes`); absent otherwise.
	FileBytes []ByteStat `json:"file_bytes,omitempty"`
	// Warnings are problems found while inspecting (e.g. a recorded shape
	// that disagrees with shape inference); the rest of the report stands.
	Warnings []string `json:"warnings"`
}

// ByteStat is the number of bytes of the file in one category.
type ByteStat struct {
	Category string `json:"category"`
	Bytes    int64  `json:"bytes"`
}

// Subgraph summarizes one subgraph.
type Subgraph struct {
	Index   int    `json:"index"`
	Name    string `json:"name"`
	Tensors int    `json:"tensors"`
	Ops     int    `json:"ops"`
	Inputs  int    `json:"inputs"`
	Outputs int    `json:"outputs"`
}

// Tensor describes an input or output tensor.
type Tensor struct {
	Index int     `json:"index"`
	Name  string  `json:"name"`
	Shape []int32 `json:"shape"`
	// ShapeSignature is the shape with -1 for dynamic dimensions, when the
	// file records one that differs from Shape.
	ShapeSignature []int32 `json:"shape_signature,omitempty"`
	Type           string  `json:"type"`
	// Quantization is nil for float tensors.
	Quantization *Quantization `json:"quantization"`
}

// Quantization are a tensor's quantization parameters.
type Quantization struct {
	Scale     []Float `json:"scale"`
	ZeroPoint []int64 `json:"zero_point"`
	// Axis is the quantized dimension of per-axis quantization.
	Axis int32 `json:"axis"`
}

// OpStat counts ops of one kind.
type OpStat struct {
	Op    string `json:"op"`
	Count int    `json:"count"`
	// MACs are the multiply-accumulates of all ops of this kind in the
	// main subgraph.
	MACs int64 `json:"macs"`
}

// TypeStat is a count (tensors or bytes) for one element type.
type TypeStat struct {
	Type  string `json:"type"`
	Count int64  `json:"count"`
}

// OpMACs are one op's multiply-accumulates.
type OpMACs struct {
	Index int     `json:"index"`
	Op    string  `json:"op"`
	Shape []int32 `json:"output_shape"`
	MACs  int64   `json:"macs"`
}

// SparseTensor describes a tensor stored sparse.
type SparseTensor struct {
	Subgraph int     `json:"subgraph"`
	Index    int     `json:"index"`
	Name     string  `json:"name"`
	Shape    []int32 `json:"shape"`
	Type     string  `json:"type"`
	// StoredBytes is the size of the stored (non-zero) values.
	StoredBytes int `json:"stored_bytes"`
	// DenseBytes is the size the tensor has once densified.
	DenseBytes int `json:"dense_bytes"`
}

// Signature is a signature def.
type Signature struct {
	Key      string            `json:"key"`
	Subgraph int               `json:"subgraph"`
	Inputs   []SignatureTensor `json:"inputs"`
	Outputs  []SignatureTensor `json:"outputs"`
}

// SignatureTensor maps a signature name to a tensor.
type SignatureTensor struct {
	Name   string `json:"name"`
	Tensor int    `json:"tensor"`
}

// Metadata is one named metadata entry: its size, and its content when it
// is printable text.
type Metadata struct {
	Name string `json:"name"`
	Size int    `json:"size"`
	// Text is the content with trailing NULs removed when it is printable
	// UTF-8, else empty.
	Text string `json:"text"`
}

// Inspect summarizes m. fileSize is the size of the file it came from (0
// if unknown). It does not modify m.
func Inspect(m *graph.Model, fileSize int64) *Report {
	r := &Report{
		FileSize:      fileSize,
		SchemaVersion: m.Version,
		Description:   m.Description,
		SubgraphCount: len(m.Subgraphs),
	}
	if v, ok := m.MetadataString("min_runtime_version"); ok {
		r.MinRuntimeVersion = v
	}

	opCounts := map[string]*OpStat{}
	customCounts := map[string]*OpStat{}
	typeCounts := map[graph.DType]int64{}
	constBytes := map[graph.DType]int64{}
	seen := map[bufKey]bool{}

	for si, s := range m.Subgraphs {
		r.Subgraphs = append(r.Subgraphs, Subgraph{Index: si, Name: s.Name, Tensors: len(s.Tensors),
			Ops: len(s.Ops), Inputs: len(s.Inputs), Outputs: len(s.Outputs)})
		r.OpCount += len(s.Ops)
		r.TensorCount += len(s.Tensors)
		for _, op := range s.Ops {
			name := op.Name()
			bump(opCounts, name)
			if op.Code == graph.OpCustom {
				bump(customCounts, name)
			}
		}
		for ti, t := range s.Tensors {
			if t == nil {
				continue
			}
			typeCounts[t.Type]++
			if len(t.Data) > 0 {
				k := bufKey{&t.Data[0], len(t.Data)}
				if !seen[k] {
					seen[k] = true
					constBytes[t.Type] += int64(len(t.Data))
				}
			}
			if t.Sparsity != nil {
				dense, _ := t.Type.ByteSize(max(t.NumElements(), 0))
				r.SparseTensors = append(r.SparseTensors, SparseTensor{Subgraph: si, Index: ti, Name: t.Name,
					Shape: nonNil(t.Shape), Type: t.Type.String(), StoredBytes: len(t.Data), DenseBytes: dense})
			}
		}
	}

	if main := m.Main(); main != nil {
		r.Inputs = tensors(main, main.Inputs)
		r.Outputs = tensors(main, main.Outputs)
		// Shape inference on a copy, so that MACs see inferred shapes where
		// the file recorded none, and disagreements become warnings.
		s := shallowCopy(main)
		if err := graph.InferShapes(s); err != nil {
			r.Warnings = append(r.Warnings, "shape inference: "+err.Error())
		}
		for i, op := range s.Ops {
			n := graph.OpMACs(s, op)
			if n == 0 {
				continue
			}
			var shape []int32
			if len(op.Outputs) > 0 {
				if t := s.Tensor(op.Outputs[0]); t != nil {
					shape = t.Shape
				}
			}
			r.OpMACs = append(r.OpMACs, OpMACs{Index: i, Op: op.Name(), Shape: nonNil(shape), MACs: n})
			r.MACs = addSat(r.MACs, n)
			opCounts[op.Name()].MACs = addSat(opCounts[op.Name()].MACs, n)
			if c := customCounts[op.Name()]; c != nil {
				c.MACs = addSat(c.MACs, n)
			}
		}
		for _, op := range s.Ops {
			if _, ok := graph.LookupOp(op); !ok {
				r.Warnings = appendOnce(r.Warnings, "op "+op.Name()+" is not in the op registry (no shape inference, MACs counted as 0)")
			}
		}
	}

	r.Ops = sortedStats(opCounts)
	r.CustomOps = sortedStats(customCounts)
	r.TensorTypes = sortedTypes(typeCounts)
	r.ConstantBytesByType = sortedTypes(constBytes)
	for _, n := range constBytes {
		r.ConstantBytes += n
	}
	for _, sig := range m.Signatures {
		r.Signatures = append(r.Signatures, Signature{Key: sig.Key, Subgraph: sig.SubgraphIndex,
			Inputs: sigTensors(sig.Inputs), Outputs: sigTensors(sig.Outputs)})
	}
	for _, md := range m.Metadata {
		e := Metadata{Name: md.Name, Size: len(md.Data)}
		if txt, ok := printable(md.Data); ok {
			e.Text = txt
		}
		r.Metadata = append(r.Metadata, e)
	}
	r.normalize()
	return r
}

// Float is a float32 that marshals to JSON like a float32, except that NaN
// and infinities (which JSON cannot hold) become the strings "NaN",
// "+Inf" and "-Inf".
type Float float32

// MarshalJSON implements json.Marshaler.
func (f Float) MarshalJSON() ([]byte, error) {
	v := float64(f)
	switch {
	case math.IsNaN(v):
		return []byte(`"NaN"`), nil
	case math.IsInf(v, 1):
		return []byte(`"+Inf"`), nil
	case math.IsInf(v, -1):
		return []byte(`"-Inf"`), nil
	}
	return json.Marshal(float32(f))
}

func addSat(a, b int64) int64 {
	if a > math.MaxInt64-b {
		return math.MaxInt64
	}
	return a + b
}

// bufKey identifies a constant buffer: tensors sharing a buffer share the
// same backing array and length.
type bufKey struct {
	p *byte
	n int
}

func bump(m map[string]*OpStat, name string) {
	if m[name] == nil {
		m[name] = &OpStat{Op: name}
	}
	m[name].Count++
}

func appendOnce(list []string, s string) []string {
	if slices.Contains(list, s) {
		return list
	}
	return append(list, s)
}

// sortedStats orders by count (descending), then name.
func sortedStats(m map[string]*OpStat) []OpStat {
	out := make([]OpStat, 0, len(m))
	for _, v := range m {
		out = append(out, *v)
	}
	slices.SortFunc(out, func(a, b OpStat) int {
		if c := cmp.Compare(b.Count, a.Count); c != 0 {
			return c
		}
		return strings.Compare(a.Op, b.Op)
	})
	return out
}

// sortedTypes orders by count (descending), then type name.
func sortedTypes(m map[graph.DType]int64) []TypeStat {
	out := make([]TypeStat, 0, len(m))
	for t, n := range m {
		out = append(out, TypeStat{Type: t.String(), Count: n})
	}
	slices.SortFunc(out, func(a, b TypeStat) int {
		if c := cmp.Compare(b.Count, a.Count); c != 0 {
			return c
		}
		return strings.Compare(a.Type, b.Type)
	})
	return out
}

func tensors(s *graph.Subgraph, idx []int) []Tensor {
	out := []Tensor{}
	for _, i := range idx {
		t := s.Tensor(i)
		if t == nil {
			out = append(out, Tensor{Index: i, Shape: []int32{}, Type: "MISSING"})
			continue
		}
		e := Tensor{Index: i, Name: t.Name, Shape: nonNil(t.Shape), Type: t.Type.String()}
		if t.ShapeSignature != nil && !slices.Equal(t.ShapeSignature, t.Shape) {
			e.ShapeSignature = t.ShapeSignature
		}
		if q := t.Quant; q != nil && len(q.Scale) > 0 {
			scales := make([]Float, len(q.Scale))
			for i, v := range q.Scale {
				scales[i] = Float(v)
			}
			e.Quantization = &Quantization{Scale: scales, ZeroPoint: nonNil(q.ZeroPoint), Axis: q.QuantizedDimension}
		}
		out = append(out, e)
	}
	return out
}

func sigTensors(in []graph.SignatureTensor) []SignatureTensor {
	out := make([]SignatureTensor, 0, len(in))
	for _, t := range in {
		out = append(out, SignatureTensor{Name: t.Name, Tensor: t.Tensor})
	}
	return out
}

// shallowCopy copies the subgraph and its tensor structs so that shape
// inference can fill shapes without touching the caller's model.
func shallowCopy(s *graph.Subgraph) *graph.Subgraph {
	c := *s
	c.Tensors = make([]*graph.Tensor, len(s.Tensors))
	for i, t := range s.Tensors {
		if t == nil {
			t = &graph.Tensor{}
		}
		tc := *t
		c.Tensors[i] = &tc
	}
	return &c
}

// printable returns b as text (trailing NULs removed) if it is valid UTF-8
// made of printable characters and common whitespace.
func printable(b []byte) (string, bool) {
	for len(b) > 0 && b[len(b)-1] == 0 {
		b = b[:len(b)-1]
	}
	if !utf8.Valid(b) {
		return "", false
	}
	s := string(b)
	for _, r := range s {
		if !unicode.IsPrint(r) && r != '\n' && r != '\t' && r != '\r' {
			return "", false
		}
	}
	return s, true
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// normalize replaces nil lists by empty ones so that JSON shows [] rather
// than null, whatever the model holds.
func (r *Report) normalize() {
	r.Subgraphs = nonNil(r.Subgraphs)
	r.Inputs = nonNil(r.Inputs)
	r.Outputs = nonNil(r.Outputs)
	r.Ops = nonNil(r.Ops)
	r.TensorTypes = nonNil(r.TensorTypes)
	r.ConstantBytesByType = nonNil(r.ConstantBytesByType)
	r.OpMACs = nonNil(r.OpMACs)
	r.CustomOps = nonNil(r.CustomOps)
	r.SparseTensors = nonNil(r.SparseTensors)
	r.Signatures = nonNil(r.Signatures)
	r.Metadata = nonNil(r.Metadata)
	r.Warnings = nonNil(r.Warnings)
}

// WriteJSON writes r as indented JSON followed by a newline.
func (r *Report) WriteJSON(w io.Writer) error {
	r.normalize()
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}
