package tflite

import (
	"fmt"
	"os"
	"path/filepath"

	flatbuffers "github.com/google/flatbuffers/go"

	"github.com/fp16tool/fp16tool/graph"
	"github.com/fp16tool/fp16tool/tflite/internal/schema"
)

// DebugInfo is the Extra value of a graph.Subgraph or graph.Op whose
// debug_metadata_index is set (not -1) in the file.
type DebugInfo struct {
	DebugMetadataIndex int32
}

// LoadFile reads and loads the model at path (see Load). Errors name the
// file by its base name.
func LoadFile(path string) (*graph.Model, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("tflite: %w", err)
	}
	return Load(filepath.Base(path), data)
}

// Verify checks that data is a well-formed .tflite file, as Load does,
// without keeping the model. name is used in error messages.
func Verify(name string, data []byte) error {
	_, err := Load(name, data)
	return err
}

// Load verifies data as a .tflite file and returns its model. name is used
// in error messages. Every error about the file wraps ErrMalformed.
//
// Load copies no constant data: Tensor.Data, Metadata.Data,
// Model.MetadataBuffers and Op.CustomOptions are slices of data (with
// their capacity cut to their length), so data must not be modified while
// the model is in use, and callers must not modify those slices in place;
// replace them instead. Tensors that share a buffer in the file get the
// same slice.
func Load(name string, data []byte) (m *graph.Model, err error) {
	defer func() {
		// Last-resort backstop: the verifier should make this unreachable.
		if r := recover(); r != nil {
			m, err = nil, &formatError{file: name, msg: fmt.Sprintf("internal error while reading the file (please report): %v", r)}
		}
	}()
	if err := verifyStructure(data); err != nil {
		return nil, named(name, err)
	}
	l := &loader{data: data}
	m, err = l.model()
	if err != nil {
		return nil, named(name, err)
	}
	if err := checkModel(m); err != nil {
		return nil, named(name, err)
	}
	return m, nil
}

type loader struct {
	data    []byte
	buffers [][]byte
	codes   []opCode
}

type opCode struct {
	code    graph.OpCode
	custom  string
	version int32
}

func clip(b []byte) []byte {
	if len(b) == 0 {
		return nil
	}
	return b[:len(b):len(b)]
}

func (l *loader) model() (*graph.Model, error) {
	root := schema.GetRootAsModel(l.data, 0)
	m := &graph.Model{Version: root.Version(), Description: string(root.Description())}
	if m.Version != SchemaVersion {
		// The TFLite runtime refuses other versions too.
		return nil, malformedf("schema version %d, want %d", m.Version, SchemaVersion)
	}

	var b schema.Buffer
	l.buffers = make([][]byte, root.BuffersLength())
	for i := range l.buffers {
		root.Buffers(&b, i)
		d := b.DataBytes()
		if off, size := b.Offset(), b.Size(); off > 1 {
			if len(d) != 0 {
				return nil, malformedf("buffer %d has both inline data and an offset", i)
			}
			if off > uint64(len(l.data)) || size > uint64(len(l.data))-off {
				return nil, malformedf("buffer %d: %d bytes at offset %d lie past the end of the file (%d bytes)", i, size, off, len(l.data))
			}
			d = l.data[off : off+size]
		}
		l.buffers[i] = clip(d)
	}

	var oc schema.OperatorCode
	l.codes = make([]opCode, root.OperatorCodesLength())
	for i := range l.codes {
		root.OperatorCodes(&oc, i)
		code := max(int32(oc.DeprecatedBuiltinCode()), int32(oc.BuiltinCode()))
		if code < 0 {
			return nil, malformedf("operator code %d: negative builtin code %d", i, code)
		}
		c := opCode{code: graph.OpCode(code), version: oc.Version()}
		if c.code == graph.OpCustom {
			c.custom = string(oc.CustomCode())
		}
		l.codes[i] = c
	}

	var sg schema.SubGraph
	m.Subgraphs = make([]*graph.Subgraph, root.SubgraphsLength())
	for i := range m.Subgraphs {
		root.Subgraphs(&sg, i)
		s, err := l.subgraph(&sg)
		if err != nil {
			return nil, prefixed(fmt.Sprintf("subgraph %d", i), err)
		}
		m.Subgraphs[i] = s
	}

	var sd schema.SignatureDef
	var tm schema.TensorMap
	for i := range root.SignatureDefsLength() {
		root.SignatureDefs(&sd, i)
		s := &graph.Signature{Key: string(sd.SignatureKey()), SubgraphIndex: int(sd.SubgraphIndex())}
		for j := range sd.InputsLength() {
			sd.Inputs(&tm, j)
			s.Inputs = append(s.Inputs, graph.SignatureTensor{Name: string(tm.Name()), Tensor: int(tm.TensorIndex())})
		}
		for j := range sd.OutputsLength() {
			sd.Outputs(&tm, j)
			s.Outputs = append(s.Outputs, graph.SignatureTensor{Name: string(tm.Name()), Tensor: int(tm.TensorIndex())})
		}
		m.Signatures = append(m.Signatures, s)
	}

	var md schema.Metadata
	for i := range root.MetadataLength() {
		root.Metadata(&md, i)
		bi := md.Buffer()
		if int64(bi) >= int64(len(l.buffers)) {
			return nil, malformedf("metadata %d (%q): buffer %d, the model has %d", i, md.Name(), bi, len(l.buffers))
		}
		m.Metadata = append(m.Metadata, &graph.Metadata{Name: string(md.Name()), Data: l.buffers[bi]})
	}
	for i := range root.MetadataBufferLength() {
		bi := root.MetadataBuffer(i)
		if bi < 0 || int64(bi) >= int64(len(l.buffers)) {
			return nil, malformedf("metadata_buffer %d: buffer %d, the model has %d", i, bi, len(l.buffers))
		}
		m.MetadataBuffers = append(m.MetadataBuffers, l.buffers[bi])
	}
	return m, nil
}

func int32s(n int, at func(int) int32) []int32 {
	if n == 0 {
		return nil
	}
	out := make([]int32, n)
	for i := range out {
		out[i] = at(i)
	}
	return out
}

func ints(n int, at func(int) int32) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = int(at(i))
	}
	return out
}

func (l *loader) subgraph(sg *schema.SubGraph) (*graph.Subgraph, error) {
	s := &graph.Subgraph{
		Name:    string(sg.Name()),
		Inputs:  ints(sg.InputsLength(), sg.Inputs),
		Outputs: ints(sg.OutputsLength(), sg.Outputs),
	}
	if d := sg.DebugMetadataIndex(); d != -1 {
		s.Extra = &DebugInfo{DebugMetadataIndex: d}
	}
	var t schema.Tensor
	s.Tensors = make([]*graph.Tensor, sg.TensorsLength())
	for i := range s.Tensors {
		sg.Tensors(&t, i)
		gt, err := l.tensor(&t)
		if err != nil {
			return nil, prefixed(fmt.Sprintf("tensor %d (%q)", i, t.Name()), err)
		}
		s.Tensors[i] = gt
	}
	var op schema.Operator
	s.Ops = make([]*graph.Op, sg.OperatorsLength())
	for i := range s.Ops {
		sg.Operators(&op, i)
		gop, err := l.op(&op)
		if err != nil {
			return nil, prefixed(fmt.Sprintf("op %d", i), err)
		}
		s.Ops[i] = gop
	}
	return s, nil
}

func (l *loader) tensor(t *schema.Tensor) (*graph.Tensor, error) {
	g := &graph.Tensor{
		Name:           string(t.Name()),
		Type:           graph.DType(t.Type()),
		Shape:          make([]int32, t.ShapeLength()),
		ShapeSignature: int32s(t.ShapeSignatureLength(), t.ShapeSignature),
		IsVariable:     t.IsVariable(),
		HasRank:        t.HasRank(),
	}
	for i := range g.Shape {
		g.Shape[i] = t.Shape(i)
	}
	bi := t.Buffer()
	if int64(bi) >= int64(len(l.buffers)) {
		return nil, malformedf("buffer %d, the model has %d", bi, len(l.buffers))
	}
	g.Data = l.buffers[bi]
	if q := t.Quantization(nil); q != nil {
		g.Quant = quantization(q)
	}
	if sp := t.Sparsity(nil); sp != nil {
		g.Sparsity = sparsity(sp)
	}
	if n := t.VariantTensorsLength(); n > 0 {
		vs := make([]*schema.VariantSubTypeT, n)
		var v schema.VariantSubType
		for i := range vs {
			t.VariantTensors(&v, i)
			vs[i] = v.UnPack()
		}
		g.Extra = vs
	}
	return g, nil
}

func quantization(q *schema.QuantizationParameters) *graph.Quantization {
	g := &graph.Quantization{QuantizedDimension: q.QuantizedDimension()}
	if n := q.MinLength(); n > 0 {
		g.Min = make([]float32, n)
		for i := range g.Min {
			g.Min[i] = q.Min(i)
		}
	}
	if n := q.MaxLength(); n > 0 {
		g.Max = make([]float32, n)
		for i := range g.Max {
			g.Max[i] = q.Max(i)
		}
	}
	if n := q.ScaleLength(); n > 0 {
		g.Scale = make([]float32, n)
		for i := range g.Scale {
			g.Scale[i] = q.Scale(i)
		}
	}
	if n := q.ZeroPointLength(); n > 0 {
		g.ZeroPoint = make([]int64, n)
		for i := range g.ZeroPoint {
			g.ZeroPoint[i] = q.ZeroPoint(i)
		}
	}
	var tab flatbuffers.Table
	if q.DetailsType() != schema.QuantizationDetailsNONE && q.Details(&tab) {
		if d := q.DetailsType().UnPack(tab); d != nil {
			g.Details = d.Value
		}
	}
	if g.Min == nil && g.Max == nil && g.Scale == nil && g.ZeroPoint == nil && g.Details == nil && g.QuantizedDimension == 0 {
		return nil
	}
	return g
}

func sparsity(s *schema.SparsityParameters) *graph.Sparsity {
	g := &graph.Sparsity{
		TraversalOrder: int32s(s.TraversalOrderLength(), s.TraversalOrder),
		BlockMap:       int32s(s.BlockMapLength(), s.BlockMap),
	}
	var dm schema.DimensionMetadata
	for i := range s.DimMetadataLength() {
		s.DimMetadata(&dm, i)
		d := graph.DimMetadata{Format: graph.DimFormat(dm.Format()), DenseSize: dm.DenseSize()}
		var tab flatbuffers.Table
		d.SegmentsType = graph.IndexType(dm.ArraySegmentsType())
		if d.SegmentsType != graph.IndexNone && dm.ArraySegments(&tab) {
			d.Segments = indexVector(dm.ArraySegmentsType(), tab)
		}
		d.IndicesType = graph.IndexType(dm.ArrayIndicesType())
		if d.IndicesType != graph.IndexNone && dm.ArrayIndices(&tab) {
			d.Indices = indexVector(dm.ArrayIndicesType(), tab)
		}
		g.DimMetadata = append(g.DimMetadata, d)
	}
	return g
}

func indexVector(t schema.SparseIndexVector, tab flatbuffers.Table) []int32 {
	switch t {
	case schema.SparseIndexVectorInt32Vector:
		var v schema.Int32Vector
		v.Init(tab.Bytes, tab.Pos)
		return int32s(v.ValuesLength(), v.Values)
	case schema.SparseIndexVectorUint16Vector:
		var v schema.Uint16Vector
		v.Init(tab.Bytes, tab.Pos)
		return int32s(v.ValuesLength(), func(i int) int32 { return int32(v.Values(i)) })
	case schema.SparseIndexVectorUint8Vector:
		var v schema.Uint8Vector
		v.Init(tab.Bytes, tab.Pos)
		return int32s(v.ValuesLength(), func(i int) int32 { return int32(v.Values(i)) })
	}
	return nil
}

func (l *loader) op(o *schema.Operator) (*graph.Op, error) {
	ci := o.OpcodeIndex()
	if int64(ci) >= int64(len(l.codes)) {
		return nil, malformedf("opcode index %d, the model has %d operator codes", ci, len(l.codes))
	}
	c := l.codes[ci]
	g := &graph.Op{
		Code:                c.code,
		Custom:              c.custom,
		Version:             c.version,
		Inputs:              ints(o.InputsLength(), o.Inputs),
		Outputs:             ints(o.OutputsLength(), o.Outputs),
		CustomOptions:       clip(o.CustomOptionsBytes()),
		CustomOptionsFormat: int8(o.CustomOptionsFormat()),
	}
	if n := o.IntermediatesLength(); n > 0 {
		g.Intermediates = ints(n, o.Intermediates)
	}
	if n := o.MutatingVariableInputsLength(); n > 0 {
		g.MutatingVariableInputs = make([]bool, n)
		for i := range g.MutatingVariableInputs {
			g.MutatingVariableInputs[i] = o.MutatingVariableInputs(i)
		}
	}
	if off, size := o.LargeCustomOptionsOffset(), o.LargeCustomOptionsSize(); off > 1 {
		if g.CustomOptions != nil {
			return nil, malformedf("custom options both inline and at an offset")
		}
		if off > uint64(len(l.data)) || size > uint64(len(l.data))-off {
			return nil, malformedf("%d bytes of custom options at offset %d lie past the end of the file (%d bytes)", size, off, len(l.data))
		}
		g.CustomOptions = clip(l.data[off : off+size])
	}
	var tab flatbuffers.Table
	if o.BuiltinOptionsType() != schema.BuiltinOptionsNONE && o.BuiltinOptions(&tab) {
		g.Options = optionsFromFile(o.BuiltinOptionsType(), tab)
	}
	if o.BuiltinOptions2Type() != schema.BuiltinOptions2NONE && o.BuiltinOptions2(&tab) {
		if u := o.BuiltinOptions2Type().UnPack(tab); u != nil {
			g.Options2 = u.Value
		}
	}
	if d := o.DebugMetadataIndex(); d != -1 {
		g.Extra = &DebugInfo{DebugMetadataIndex: d}
	}
	return g, nil
}
