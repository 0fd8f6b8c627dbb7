package tflite

import (
	"encoding/binary"
	"fmt"
	"math"
	"reflect"
	"unsafe"

	flatbuffers "github.com/google/flatbuffers/go"

	"github.com/fp16tool/fp16tool/graph"
	"github.com/fp16tool/fp16tool/internal/hugemem"
	"github.com/fp16tool/fp16tool/tflite/internal/schema"
)

// SchemaVersion is the only schema version Load accepts (as the TFLite
// runtime does) and the one Save writes; Save also takes a model whose
// Version is 0 as meaning this one.
const SchemaVersion = 3

// inlineLimit is the largest file Save writes as a single flatbuffer; above
// it, constant data goes after the flatbuffer (buffers with offset/size),
// as TFLite does for models over 2 GB. A variable so that tests can lower it.
var inlineLimit = int64(1<<31 - 1<<24)

// Save returns the .tflite bytes of m. The output is deterministic: the
// same model gives the same bytes. Constant data is 16-byte aligned in the
// file; buffer 0 is the empty sentinel; each distinct Data slice (same
// backing array and length) gets one buffer, shared by all its tensors and
// metadata; the operator code table is rebuilt in order of first use and
// sets both deprecated_builtin_code and builtin_code. Save checks the model
// first (indices, data sizes, options types) and returns an error wrapping
// ErrMalformed instead of writing a bad file.
func Save(m *graph.Model) (out []byte, err error) {
	defer func() {
		// The flatbuffers builder panics past 2 GB of tables; Save keeps
		// constant data out of it then, but turn any panic into an error.
		if r := recover(); r != nil {
			out, err = nil, fmt.Errorf("tflite: save: internal error (please report): %v", r)
		}
	}()
	if m == nil {
		return nil, &formatError{file: "save", msg: "nil model"}
	}
	if m.Version != 0 && m.Version != SchemaVersion {
		return nil, &formatError{file: "save", msg: fmt.Sprintf("schema version %d, want %d (or 0 for the current one)", m.Version, SchemaVersion)}
	}
	if err := checkModel(m); err != nil {
		return nil, named("save", err)
	}
	s := newSaver(m)
	if s.estimate <= inlineLimit {
		return s.build(nil), nil
	}
	// Data after the flatbuffer: build once with placeholder offsets to
	// learn the flatbuffer's size (offsets are fixed-width and never the
	// default, so it does not change), then with the real ones.
	offs := make([]uint64, len(s.bufs))
	for i, d := range s.bufs {
		if len(d) > 0 {
			offs[i] = 1 << 62
		}
	}
	fb := s.build(offs)
	pos := align16(uint64(len(fb)))
	for i, d := range s.bufs {
		if i == 0 || len(d) == 0 {
			offs[i] = 0
			continue
		}
		offs[i] = pos
		pos = align16(pos + uint64(len(d)))
	}
	fb2 := s.build(offs)
	if len(fb2) != len(fb) {
		return nil, fmt.Errorf("tflite: save: internal error: flatbuffer size changed from %d to %d bytes between passes", len(fb), len(fb2))
	}
	fb = fb2
	out = make([]byte, pos)
	copy(out, fb)
	for i, d := range s.bufs {
		if offs[i] != 0 {
			copy(out[offs[i]:], d)
		}
	}
	return out, nil
}

func align16(x uint64) uint64 { return (x + 15) &^ 15 }

type sliceKey struct {
	p *byte
	n int
}

type saver struct {
	m         *graph.Model
	bufs      [][]byte
	bufIndex  map[sliceKey]uint32
	codes     []opCode
	codeIdx   map[opCode]uint32
	estimate  int64 // bytes of the file, an upper bound
	dataBytes int64 // bytes of constant data
	// vecs maps the contents of small scalar vectors already written in
	// the current build (shapes, quantization scales and zero points) to
	// their offsets, so that equal vectors are written once and shared:
	// a flatbuffer may reference one vector from many tables. Per-channel
	// zero points (all zeros, two vectors per quantized weight) and
	// repeated shapes are most of an int8 model's non-weight bytes.
	vecs map[string]flatbuffers.UOffsetT
	// quants maps the vector offsets and quantized dimension of
	// quantization tables already written in the current build to the
	// table, so that tensors with equal parameters (an int8 activation
	// and the RESHAPE, pooling or concatenation outputs that inherit its
	// scale) share one table.
	quants map[quantKey]flatbuffers.UOffsetT
	// opts maps the exact contents of graph-typed builtin options (plain
	// values: padding, strides, activation, axes; see optionsKey) already
	// written in the current build to their table, so that ops with equal
	// options share one.
	opts map[string]optionsRef
}

type optionsRef struct {
	t   schema.BuiltinOptions
	off flatbuffers.UOffsetT
}

// optionsKey returns the exact contents of graph-typed options (the type,
// then every field's bits: integers, booleans, floats bit for bit, int32
// slices), and false for other values or fields of another kind.
func optionsKey(v any) (string, bool) {
	if _, ok := typedToFile(v); !ok {
		return "", false
	}
	rv := reflect.ValueOf(deref(v))
	if rv.Kind() != reflect.Struct {
		return "", false
	}
	cp := reflect.New(rv.Type()).Elem() // addressable: float32 bits read as stored
	cp.Set(rv)
	rv = cp
	key := []byte(rv.Type().String())
	for i := range rv.NumField() {
		f := rv.Field(i)
		key = append(key, 0)
		switch f.Kind() {
		case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
			key = binary.LittleEndian.AppendUint64(key, uint64(f.Int()))
		case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
			key = binary.LittleEndian.AppendUint64(key, f.Uint())
		case reflect.Bool:
			key = append(key, byte(btoi(f.Bool())))
		case reflect.Float32:
			key = binary.LittleEndian.AppendUint32(key, *(*uint32)(f.Addr().UnsafePointer()))
		case reflect.Float64:
			key = binary.LittleEndian.AppendUint64(key, *(*uint64)(f.Addr().UnsafePointer()))
		case reflect.Slice:
			if f.Type().Elem().Kind() != reflect.Int32 {
				return "", false
			}
			key = binary.LittleEndian.AppendUint32(key, uint32(f.Len()))
			for j := range f.Len() {
				key = binary.LittleEndian.AppendUint32(key, uint32(f.Index(j).Int()))
			}
		default:
			return "", false
		}
	}
	return string(key), true
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// options writes op options, or returns the table of equal graph-typed
// options written before in this build.
func (s *saver) options(b *flatbuffers.Builder, v any) (schema.BuiltinOptions, flatbuffers.UOffsetT) {
	key, ok := optionsKey(v)
	if !ok {
		return packOptions(b, v)
	}
	if r, ok := s.opts[key]; ok {
		return r.t, r.off
	}
	t, off := packOptions(b, v)
	s.opts[key] = optionsRef{t, off}
	return t, off
}

// quantKey identifies a QuantizationParameters table without details by
// its (shared) vectors' offsets and its quantized dimension.
type quantKey struct {
	min, max, scale, zero flatbuffers.UOffsetT
	dim                   int32
}

// maxSharedVec is the largest vector, in bytes, that the saver looks up
// for sharing.
const maxSharedVec = 1 << 16

// sharedVec returns the offset of an equal vector written before in this
// build (kind tells element types apart), or writes the vector with write
// and remembers its offset.
func (s *saver) sharedVec(kind byte, raw []byte, write func() flatbuffers.UOffsetT) flatbuffers.UOffsetT {
	if len(raw) > maxSharedVec {
		return write()
	}
	key := string(append([]byte{kind}, raw...))
	if off, ok := s.vecs[key]; ok {
		return off
	}
	off := write()
	s.vecs[key] = off
	return off
}

func (s *saver) int32s(b *flatbuffers.Builder, v []int32) flatbuffers.UOffsetT {
	raw := make([]byte, 4*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(raw[4*i:], uint32(x))
	}
	return s.sharedVec('i', raw, func() flatbuffers.UOffsetT { return int32Vec(b, v) })
}

func (s *saver) float32s(b *flatbuffers.Builder, v []float32) flatbuffers.UOffsetT {
	raw := make([]byte, 4*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(raw[4*i:], math.Float32bits(x))
	}
	return s.sharedVec('f', raw, func() flatbuffers.UOffsetT { return float32Vec(b, v) })
}

func (s *saver) int64s(b *flatbuffers.Builder, v []int64) flatbuffers.UOffsetT {
	raw := make([]byte, 8*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint64(raw[8*i:], uint64(x))
	}
	return s.sharedVec('l', raw, func() flatbuffers.UOffsetT {
		b.StartVector(8, len(v), 8)
		for i := len(v) - 1; i >= 0; i-- {
			b.PrependInt64(v[i])
		}
		return b.EndVector(len(v))
	})
}

func newSaver(m *graph.Model) *saver {
	s := &saver{m: m, bufs: [][]byte{nil}, bufIndex: map[sliceKey]uint32{}, codeIdx: map[opCode]uint32{}}
	var est int64 = 1 << 12
	for _, sg := range m.Subgraphs {
		for _, t := range sg.Tensors {
			s.buffer(t.Data)
			est += 256 + 4*int64(len(t.Shape)+len(t.ShapeSignature)) + int64(len(t.Name))
			if q := t.Quant; q != nil {
				est += 64 + 4*int64(len(q.Min)+len(q.Max)+len(q.Scale)) + 8*int64(len(q.ZeroPoint))
			}
			if sp := t.Sparsity; sp != nil {
				est += 64 + 4*int64(len(sp.TraversalOrder)+len(sp.BlockMap))
				for _, d := range sp.DimMetadata {
					est += 64 + 4*int64(len(d.Segments)+len(d.Indices))
				}
			}
		}
		for _, op := range sg.Ops {
			s.code(op)
			est += 256 + 4*int64(len(op.Inputs)+len(op.Outputs)+len(op.Intermediates)+len(op.MutatingVariableInputs)) + int64(len(op.CustomOptions))
		}
	}
	for _, md := range m.Metadata {
		s.buffer(md.Data)
		est += 64 + int64(len(md.Name))
	}
	for _, d := range m.MetadataBuffers {
		s.buffer(d)
		est += 8
	}
	for _, sig := range m.Signatures {
		est += 64 + int64(len(sig.Key))
		for _, t := range append(sig.Inputs[:len(sig.Inputs):len(sig.Inputs)], sig.Outputs...) {
			est += 32 + int64(len(t.Name))
		}
	}
	for _, d := range s.bufs {
		est += 32 + int64(len(d))
		s.dataBytes += int64(len(d))
	}
	s.estimate = est + int64(len(m.Description))
	return s
}

// buffer returns the buffer index of d, adding it on first use.
func (s *saver) buffer(d []byte) uint32 {
	if len(d) == 0 {
		return 0
	}
	k := sliceKey{unsafe.SliceData(d), len(d)}
	if i, ok := s.bufIndex[k]; ok {
		return i
	}
	i := uint32(len(s.bufs))
	s.bufs = append(s.bufs, d)
	s.bufIndex[k] = i
	return i
}

func (s *saver) code(op *graph.Op) uint32 {
	c := opCode{code: op.Code, version: op.Version}
	if op.Code == graph.OpCustom {
		c.custom = op.Custom
	}
	if i, ok := s.codeIdx[c]; ok {
		return i
	}
	i := uint32(len(s.codes))
	s.codes = append(s.codes, c)
	s.codeIdx[c] = i
	return i
}

func int32Vec(b *flatbuffers.Builder, v []int32) flatbuffers.UOffsetT {
	b.StartVector(4, len(v), 4)
	for i := len(v) - 1; i >= 0; i-- {
		b.PrependInt32(v[i])
	}
	return b.EndVector(len(v))
}

func intVec(b *flatbuffers.Builder, v []int) flatbuffers.UOffsetT {
	b.StartVector(4, len(v), 4)
	for i := len(v) - 1; i >= 0; i-- {
		b.PrependInt32(int32(v[i]))
	}
	return b.EndVector(len(v))
}

func float32Vec(b *flatbuffers.Builder, v []float32) flatbuffers.UOffsetT {
	b.StartVector(4, len(v), 4)
	for i := len(v) - 1; i >= 0; i-- {
		b.PrependFloat32(v[i])
	}
	return b.EndVector(len(v))
}

func offsetVec(b *flatbuffers.Builder, v []flatbuffers.UOffsetT) flatbuffers.UOffsetT {
	b.StartVector(4, len(v), 4)
	for i := len(v) - 1; i >= 0; i-- {
		b.PrependUOffsetT(v[i])
	}
	return b.EndVector(len(v))
}

// build writes the flatbuffer. offs, when not nil, are the file offsets of
// the buffers' data stored after the flatbuffer.
func (s *saver) build(offs []uint64) []byte {
	size := s.estimate
	if offs != nil {
		size -= s.dataBytes // the data goes after the flatbuffer
	}
	// A fresh, huge-page-backed buffer: on VMs first-touch page faults
	// otherwise dominate saving tens of megabytes.
	b := flatbuffers.NewBuilder(0)
	b.Bytes = hugemem.Make(int(max(size, 0)) + 1024)
	b.Reset()
	m := s.m
	s.vecs = map[string]flatbuffers.UOffsetT{}
	s.quants = map[quantKey]flatbuffers.UOffsetT{}
	s.opts = map[string]optionsRef{}

	// Constant data first: it ends up at the end of the file.
	bufOffs := make([]flatbuffers.UOffsetT, len(s.bufs))
	if offs == nil {
		for i, d := range s.bufs {
			if len(d) == 0 {
				continue
			}
			b.Prep(16, len(d))
			bufOffs[i] = b.CreateByteVector(d)
		}
	}
	bufTabs := make([]flatbuffers.UOffsetT, len(s.bufs))
	for i := range s.bufs {
		schema.BufferStart(b)
		if bufOffs[i] != 0 {
			schema.BufferAddData(b, bufOffs[i])
		}
		if offs != nil && offs[i] != 0 {
			schema.BufferAddOffset(b, offs[i])
			schema.BufferAddSize(b, uint64(len(s.bufs[i])))
		}
		bufTabs[i] = schema.BufferEnd(b)
	}
	buffers := offsetVec(b, bufTabs)

	subgraphs := make([]flatbuffers.UOffsetT, len(m.Subgraphs))
	for i, sg := range m.Subgraphs {
		subgraphs[i] = s.subgraph(b, sg)
	}
	subgraphsVec := offsetVec(b, subgraphs)

	codes := make([]flatbuffers.UOffsetT, len(s.codes))
	for i, c := range s.codes {
		var custom flatbuffers.UOffsetT
		if c.code == graph.OpCustom {
			custom = b.CreateString(c.custom)
		}
		schema.OperatorCodeStart(b)
		schema.OperatorCodeAddDeprecatedBuiltinCode(b, int8(min(c.code, graph.OpCode(schema.BuiltinOperatorPLACEHOLDER_FOR_GREATER_OP_CODES))))
		if c.code == graph.OpCustom {
			schema.OperatorCodeAddCustomCode(b, custom)
		}
		schema.OperatorCodeAddVersion(b, c.version)
		schema.OperatorCodeAddBuiltinCode(b, schema.BuiltinOperator(c.code))
		codes[i] = schema.OperatorCodeEnd(b)
	}
	codesVec := offsetVec(b, codes)

	var metaVec, metaBufVec, sigVec flatbuffers.UOffsetT
	if len(m.Metadata) > 0 {
		mds := make([]flatbuffers.UOffsetT, len(m.Metadata))
		for i, md := range m.Metadata {
			name := b.CreateString(md.Name)
			schema.MetadataStart(b)
			schema.MetadataAddName(b, name)
			schema.MetadataAddBuffer(b, s.buffer(md.Data))
			mds[i] = schema.MetadataEnd(b)
		}
		metaVec = offsetVec(b, mds)
	}
	if len(m.MetadataBuffers) > 0 {
		b.StartVector(4, len(m.MetadataBuffers), 4)
		for i := len(m.MetadataBuffers) - 1; i >= 0; i-- {
			b.PrependInt32(int32(s.buffer(m.MetadataBuffers[i])))
		}
		metaBufVec = b.EndVector(len(m.MetadataBuffers))
	}
	if len(m.Signatures) > 0 {
		sigs := make([]flatbuffers.UOffsetT, len(m.Signatures))
		for i, sig := range m.Signatures {
			in, out := s.tensorMaps(b, sig.Inputs), s.tensorMaps(b, sig.Outputs)
			key := b.CreateString(sig.Key)
			schema.SignatureDefStart(b)
			schema.SignatureDefAddInputs(b, in)
			schema.SignatureDefAddOutputs(b, out)
			schema.SignatureDefAddSignatureKey(b, key)
			schema.SignatureDefAddSubgraphIndex(b, uint32(sig.SubgraphIndex))
			sigs[i] = schema.SignatureDefEnd(b)
		}
		sigVec = offsetVec(b, sigs)
	}
	var desc flatbuffers.UOffsetT
	if m.Description != "" {
		desc = b.CreateString(m.Description)
	}
	version := m.Version
	if version == 0 {
		version = SchemaVersion
	}
	schema.ModelStart(b)
	schema.ModelAddVersion(b, version)
	schema.ModelAddOperatorCodes(b, codesVec)
	schema.ModelAddSubgraphs(b, subgraphsVec)
	if desc != 0 {
		schema.ModelAddDescription(b, desc)
	}
	schema.ModelAddBuffers(b, buffers)
	if metaBufVec != 0 {
		schema.ModelAddMetadataBuffer(b, metaBufVec)
	}
	if metaVec != 0 {
		schema.ModelAddMetadata(b, metaVec)
	}
	if sigVec != 0 {
		schema.ModelAddSignatureDefs(b, sigVec)
	}
	b.FinishWithFileIdentifier(schema.ModelEnd(b), []byte("TFL3"))
	return b.FinishedBytes()
}

func (s *saver) tensorMaps(b *flatbuffers.Builder, ts []graph.SignatureTensor) flatbuffers.UOffsetT {
	offs := make([]flatbuffers.UOffsetT, len(ts))
	for i, t := range ts {
		name := b.CreateString(t.Name)
		schema.TensorMapStart(b)
		schema.TensorMapAddName(b, name)
		schema.TensorMapAddTensorIndex(b, uint32(t.Tensor))
		offs[i] = schema.TensorMapEnd(b)
	}
	return offsetVec(b, offs)
}

func (s *saver) subgraph(b *flatbuffers.Builder, sg *graph.Subgraph) flatbuffers.UOffsetT {
	tensors := make([]flatbuffers.UOffsetT, len(sg.Tensors))
	for i, t := range sg.Tensors {
		tensors[i] = s.tensor(b, t)
	}
	tensorsVec := offsetVec(b, tensors)
	ops := make([]flatbuffers.UOffsetT, len(sg.Ops))
	for i, op := range sg.Ops {
		ops[i] = s.op(b, op)
	}
	opsVec := offsetVec(b, ops)
	in, out := intVec(b, sg.Inputs), intVec(b, sg.Outputs)
	var name flatbuffers.UOffsetT
	if sg.Name != "" {
		name = b.CreateString(sg.Name)
	}
	schema.SubGraphStart(b)
	schema.SubGraphAddTensors(b, tensorsVec)
	schema.SubGraphAddInputs(b, in)
	schema.SubGraphAddOutputs(b, out)
	schema.SubGraphAddOperators(b, opsVec)
	if name != 0 {
		schema.SubGraphAddName(b, name)
	}
	if d, ok := sg.Extra.(*DebugInfo); ok && d != nil {
		schema.SubGraphAddDebugMetadataIndex(b, d.DebugMetadataIndex)
	}
	return schema.SubGraphEnd(b)
}

func (s *saver) tensor(b *flatbuffers.Builder, t *graph.Tensor) flatbuffers.UOffsetT {
	shape := s.int32s(b, t.Shape)
	var sig, name, quant, sparse, variants flatbuffers.UOffsetT
	if len(t.ShapeSignature) > 0 {
		sig = s.int32s(b, t.ShapeSignature)
	}
	if t.Name != "" {
		name = b.CreateString(t.Name)
	}
	if t.Quant != nil {
		quant = s.quantizationTable(b, t.Quant)
	}
	if t.Sparsity != nil {
		sparse = sparsityTable(b, t.Sparsity)
	}
	if vs, ok := t.Extra.([]*schema.VariantSubTypeT); ok && len(vs) > 0 {
		offs := make([]flatbuffers.UOffsetT, len(vs))
		for i, v := range vs {
			offs[i] = v.Pack(b)
		}
		variants = offsetVec(b, offs)
	}
	schema.TensorStart(b)
	schema.TensorAddShape(b, shape)
	schema.TensorAddType(b, schema.TensorType(t.Type))
	schema.TensorAddBuffer(b, s.buffer(t.Data))
	if name != 0 {
		schema.TensorAddName(b, name)
	}
	if quant != 0 {
		schema.TensorAddQuantization(b, quant)
	}
	schema.TensorAddIsVariable(b, t.IsVariable)
	if sparse != 0 {
		schema.TensorAddSparsity(b, sparse)
	}
	if sig != 0 {
		schema.TensorAddShapeSignature(b, sig)
	}
	schema.TensorAddHasRank(b, t.HasRank)
	if variants != 0 {
		schema.TensorAddVariantTensors(b, variants)
	}
	return schema.TensorEnd(b)
}

func (s *saver) quantizationTable(b *flatbuffers.Builder, q *graph.Quantization) flatbuffers.UOffsetT {
	var mn, mx, sc, zp, det flatbuffers.UOffsetT
	var detType schema.QuantizationDetails
	if len(q.Min) > 0 {
		mn = s.float32s(b, q.Min)
	}
	if len(q.Max) > 0 {
		mx = s.float32s(b, q.Max)
	}
	if len(q.Scale) > 0 {
		sc = s.float32s(b, q.Scale)
	}
	if len(q.ZeroPoint) > 0 {
		zp = s.int64s(b, q.ZeroPoint)
	}
	key := quantKey{mn, mx, sc, zp, q.QuantizedDimension}
	if q.Details != nil {
		detType, _ = quantizationDetailsTypeOf(q.Details)
		det = (&schema.QuantizationDetailsT{Type: detType, Value: q.Details}).Pack(b)
	} else if off, ok := s.quants[key]; ok {
		return off
	}
	schema.QuantizationParametersStart(b)
	if mn != 0 {
		schema.QuantizationParametersAddMin(b, mn)
	}
	if mx != 0 {
		schema.QuantizationParametersAddMax(b, mx)
	}
	if sc != 0 {
		schema.QuantizationParametersAddScale(b, sc)
	}
	if zp != 0 {
		schema.QuantizationParametersAddZeroPoint(b, zp)
	}
	if det != 0 {
		schema.QuantizationParametersAddDetailsType(b, detType)
		schema.QuantizationParametersAddDetails(b, det)
	}
	schema.QuantizationParametersAddQuantizedDimension(b, q.QuantizedDimension)
	off := schema.QuantizationParametersEnd(b)
	if det == 0 {
		s.quants[key] = off
	}
	return off
}

func indexVectorTable(b *flatbuffers.Builder, t graph.IndexType, v []int32) flatbuffers.UOffsetT {
	switch t {
	case graph.IndexInt32:
		vec := int32Vec(b, v)
		schema.Int32VectorStart(b)
		schema.Int32VectorAddValues(b, vec)
		return schema.Int32VectorEnd(b)
	case graph.IndexUint16:
		b.StartVector(2, len(v), 4)
		for i := len(v) - 1; i >= 0; i-- {
			b.PrependUint16(uint16(v[i]))
		}
		vec := b.EndVector(len(v))
		schema.Uint16VectorStart(b)
		schema.Uint16VectorAddValues(b, vec)
		return schema.Uint16VectorEnd(b)
	case graph.IndexUint8:
		b.StartVector(1, len(v), 4)
		for i := len(v) - 1; i >= 0; i-- {
			b.PrependUint8(uint8(v[i]))
		}
		vec := b.EndVector(len(v))
		schema.Uint8VectorStart(b)
		schema.Uint8VectorAddValues(b, vec)
		return schema.Uint8VectorEnd(b)
	}
	return 0
}

func sparsityTable(b *flatbuffers.Builder, s *graph.Sparsity) flatbuffers.UOffsetT {
	dims := make([]flatbuffers.UOffsetT, len(s.DimMetadata))
	for i, d := range s.DimMetadata {
		seg := indexVectorTable(b, d.SegmentsType, d.Segments)
		idx := indexVectorTable(b, d.IndicesType, d.Indices)
		schema.DimensionMetadataStart(b)
		schema.DimensionMetadataAddFormat(b, schema.DimensionType(d.Format))
		schema.DimensionMetadataAddDenseSize(b, d.DenseSize)
		if seg != 0 {
			schema.DimensionMetadataAddArraySegmentsType(b, schema.SparseIndexVector(d.SegmentsType))
			schema.DimensionMetadataAddArraySegments(b, seg)
		}
		if idx != 0 {
			schema.DimensionMetadataAddArrayIndicesType(b, schema.SparseIndexVector(d.IndicesType))
			schema.DimensionMetadataAddArrayIndices(b, idx)
		}
		dims[i] = schema.DimensionMetadataEnd(b)
	}
	dimVec := offsetVec(b, dims)
	var order, blocks flatbuffers.UOffsetT
	if len(s.TraversalOrder) > 0 {
		order = int32Vec(b, s.TraversalOrder)
	}
	if len(s.BlockMap) > 0 {
		blocks = int32Vec(b, s.BlockMap)
	}
	schema.SparsityParametersStart(b)
	if order != 0 {
		schema.SparsityParametersAddTraversalOrder(b, order)
	}
	if blocks != 0 {
		schema.SparsityParametersAddBlockMap(b, blocks)
	}
	schema.SparsityParametersAddDimMetadata(b, dimVec)
	return schema.SparsityParametersEnd(b)
}

func (s *saver) op(b *flatbuffers.Builder, op *graph.Op) flatbuffers.UOffsetT {
	in, out := intVec(b, op.Inputs), intVec(b, op.Outputs)
	var inter, custom, mut, opts, opts2 flatbuffers.UOffsetT
	var optType schema.BuiltinOptions
	var opt2Type schema.BuiltinOptions2
	if len(op.Intermediates) > 0 {
		inter = intVec(b, op.Intermediates)
	}
	if len(op.CustomOptions) > 0 {
		custom = b.CreateByteVector(op.CustomOptions)
	}
	if len(op.MutatingVariableInputs) > 0 {
		b.StartVector(1, len(op.MutatingVariableInputs), 1)
		for i := len(op.MutatingVariableInputs) - 1; i >= 0; i-- {
			b.PrependBool(op.MutatingVariableInputs[i])
		}
		mut = b.EndVector(len(op.MutatingVariableInputs))
	}
	if op.Options != nil {
		optType, opts = s.options(b, op.Options)
	}
	if op.Options2 != nil {
		opt2Type, _ = builtinOptions2TypeOf(op.Options2)
		opts2 = (&schema.BuiltinOptions2T{Type: opt2Type, Value: op.Options2}).Pack(b)
	}
	schema.OperatorStart(b)
	schema.OperatorAddOpcodeIndex(b, s.code(op))
	schema.OperatorAddInputs(b, in)
	schema.OperatorAddOutputs(b, out)
	if opts != 0 {
		schema.OperatorAddBuiltinOptionsType(b, optType)
		schema.OperatorAddBuiltinOptions(b, opts)
	}
	if custom != 0 {
		schema.OperatorAddCustomOptions(b, custom)
	}
	schema.OperatorAddCustomOptionsFormat(b, schema.CustomOptionsFormat(op.CustomOptionsFormat))
	if mut != 0 {
		schema.OperatorAddMutatingVariableInputs(b, mut)
	}
	if inter != 0 {
		schema.OperatorAddIntermediates(b, inter)
	}
	if opts2 != 0 {
		schema.OperatorAddBuiltinOptions2Type(b, opt2Type)
		schema.OperatorAddBuiltinOptions2(b, opts2)
	}
	if d, ok := op.Extra.(*DebugInfo); ok && d != nil {
		schema.OperatorAddDebugMetadataIndex(b, d.DebugMetadataIndex)
	}
	return schema.OperatorEnd(b)
}
