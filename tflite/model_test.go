package tflite

import (
	"encoding/binary"

	flatbuffers "github.com/google/flatbuffers/go"
	"math"
	"reflect"
	"testing"

	"github.com/fp16tool/fp16tool/graph"
	"github.com/fp16tool/fp16tool/tflite/internal/schema"
)

func f32bytes(v ...float32) []byte {
	b := make([]byte, 4*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(x))
	}
	return b
}

// typedOptions has one value of every typed options struct of graph, with
// non-default values where it matters (dilation, pot_scale_int16 false).
var typedOptions = []struct {
	code graph.OpCode
	opts any
}{
	{graph.OpConv2D, &graph.Conv2DOptions{Padding: graph.PaddingValid, StrideW: 2, StrideH: 3, Activation: graph.ActRelu6, DilationW: 1, DilationH: 2, QuantizedBiasType: graph.Int32}},
	{graph.OpDepthwiseConv2D, &graph.DepthwiseConv2DOptions{Padding: graph.PaddingSame, StrideW: 1, StrideH: 1, DepthMultiplier: 1, Activation: graph.ActRelu, DilationW: 1, DilationH: 1}},
	{graph.OpTransposeConv, &graph.TransposeConvOptions{Padding: graph.PaddingValid, StrideW: 2, StrideH: 2, Activation: graph.ActNone, QuantizedBiasType: graph.Int64}},
	{graph.OpMaxPool2D, &graph.Pool2DOptions{Padding: graph.PaddingValid, StrideW: 2, StrideH: 2, FilterW: 3, FilterH: 3, Activation: graph.ActTanh}},
	{graph.OpFullyConnected, &graph.FullyConnectedOptions{Activation: graph.ActReluN1To1, WeightsFormat: 1, KeepNumDims: true, AsymmetricQuantizeInputs: true, QuantizedBiasType: graph.Int32}},
	{graph.OpAdd, &graph.AddOptions{Activation: graph.ActRelu, PotScaleInt16: false}},
	{graph.OpSub, &graph.SubOptions{Activation: graph.ActSignBit, PotScaleInt16: true}},
	{graph.OpMul, &graph.MulOptions{Activation: graph.ActRelu6}},
	{graph.OpDiv, &graph.DivOptions{Activation: graph.ActNone}},
	{graph.OpConcatenation, &graph.ConcatenationOptions{Axis: -1, Activation: graph.ActRelu}},
	{graph.OpReshape, &graph.ReshapeOptions{NewShape: []int32{1, -1}}},
	{graph.OpSoftmax, &graph.SoftmaxOptions{Beta: 0.5}},
	{graph.OpMean, &graph.ReducerOptions{KeepDims: true}},
	{graph.OpSqueeze, &graph.SqueezeOptions{SqueezeDims: []int32{0, 2}}},
	{graph.OpSplit, &graph.SplitOptions{NumSplits: 2}},
	{graph.OpResizeBilinear, &graph.ResizeBilinearOptions{AlignCorners: false, HalfPixelCenters: true, NewHeight: 7, NewWidth: 9}},
	{graph.OpResizeNearestNeighbor, &graph.ResizeNearestNeighborOptions{AlignCorners: true}},
	{graph.OpLeakyRelu, &graph.LeakyReluOptions{Alpha: 0.125}},
	{graph.OpDepthToSpace, &graph.DepthToSpaceOptions{BlockSize: 2}},
	{graph.OpSpaceToDepth, &graph.SpaceToDepthOptions{BlockSize: 4}},
	{graph.OpStridedSlice, &graph.StridedSliceOptions{BeginMask: 1, EndMask: 2, EllipsisMask: 4, NewAxisMask: 8, ShrinkAxisMask: 16, Offset: true}},
	{graph.OpGather, &graph.GatherOptions{Axis: 1, BatchDims: 1}},
}

// opaqueOptions are options graph does not model, kept as object-API
// values.
var opaqueOptions = []struct {
	code graph.OpCode
	opts any
}{
	{graph.OpPad, &schema.PadOptionsT{}},
	{graph.OpCast, &schema.CastOptionsT{InDataType: schema.TensorTypeFLOAT32, OutDataType: schema.TensorTypeINT8}},
	{graph.OpGelu, &schema.GeluOptionsT{Approximate: true}},
	{graph.OpBucketize, &schema.BucketizeOptionsT{Boundaries: []float32{0, 1.5, 3}}},
	{graph.OpVarHandle, &schema.VarHandleOptionsT{Container: "c", SharedName: "v"}},
	{graph.OpConv3D, &schema.Conv3DOptionsT{Padding: schema.PaddingVALID, StrideD: 1, StrideW: 2, StrideH: 3, DilationDFactor: 1, DilationWFactor: 1, DilationHFactor: 1}},
	{graph.OpWhile, &schema.WhileOptionsT{CondSubgraphIndex: 1, BodySubgraphIndex: 1}},
}

// testModel builds a small model that uses every feature of the format:
// every typed options struct, opaque options and options2, a custom op,
// a sparse tensor, per-axis quantization, custom quantization, a variant
// tensor, shape signatures, shared buffers, a string tensor, signatures,
// metadata, metadata buffers, debug metadata indices and two subgraphs.
// It is in Load's normal form, so Load(Save(m)) must deep-equal it.
func testModel() *graph.Model {
	shared := f32bytes(1, 2, 3, 4)
	sg := &graph.Subgraph{Name: "main", Extra: &DebugInfo{DebugMetadataIndex: 0}}
	add := func(t *graph.Tensor) int {
		if t.Shape == nil {
			t.Shape = []int32{}
		}
		sg.Tensors = append(sg.Tensors, t)
		return len(sg.Tensors) - 1
	}
	x := add(&graph.Tensor{Name: "x", Type: graph.Float32, Shape: []int32{1, 4}, ShapeSignature: []int32{-1, 4}, HasRank: true})
	w := add(&graph.Tensor{Name: "w", Type: graph.Float32, Shape: []int32{2, 2}, Data: shared,
		Quant: &graph.Quantization{Scale: []float32{0.5, 0.25}, ZeroPoint: []int64{0, 0}, QuantizedDimension: 1}})
	w2 := add(&graph.Tensor{Name: "w_alias", Type: graph.Float32, Shape: []int32{4}, Data: shared})
	q := add(&graph.Tensor{Name: "q", Type: graph.Int8, Shape: []int32{3}, Data: []byte{1, 2, 3},
		Quant: &graph.Quantization{Min: []float32{-1}, Max: []float32{1}, Scale: []float32{0.0078125}, ZeroPoint: []int64{-1}}})
	add(&graph.Tensor{Name: "cq", Type: graph.Uint8, Shape: []int32{2}, Data: []byte{7, 8},
		Quant: &graph.Quantization{Details: &schema.CustomQuantizationT{Custom: []byte{9, 8, 7}}}})
	add(&graph.Tensor{Name: "sparse", Type: graph.Float32, Shape: []int32{2, 4}, Data: f32bytes(5, 6, 7),
		Sparsity: &graph.Sparsity{TraversalOrder: []int32{0, 1}, DimMetadata: []graph.DimMetadata{
			{Format: graph.DimDense, DenseSize: 2},
			{Format: graph.DimSparseCSR, Segments: []int32{0, 1, 3}, Indices: []int32{2, 0, 3}, SegmentsType: graph.IndexUint8, IndicesType: graph.IndexUint16},
		}}})
	str := make([]byte, 0, 32)
	str = binary.LittleEndian.AppendUint32(str, 2)
	str = binary.LittleEndian.AppendUint32(str, 16)
	str = binary.LittleEndian.AppendUint32(str, 18)
	str = binary.LittleEndian.AppendUint32(str, 21)
	str = append(str, "hi"+"you"...)
	add(&graph.Tensor{Name: "strings", Type: graph.String, Shape: []int32{2}, Data: str})
	add(&graph.Tensor{Name: "variant", Type: graph.Variant, Shape: []int32{}, IsVariable: true,
		Extra: []*schema.VariantSubTypeT{{Shape: []int32{2, 3}, Type: schema.TensorTypeFLOAT32, HasRank: true}}})
	add(&graph.Tensor{Name: "int4", Type: graph.Int4, Shape: []int32{3}, Data: []byte{0x21, 0x03}})
	add(&graph.Tensor{Name: "block_sparse", Type: graph.Int8, Shape: []int32{2, 4}, Data: []byte{1, 2, 3, 4},
		Sparsity: &graph.Sparsity{TraversalOrder: []int32{0, 1, 2}, BlockMap: []int32{1}, DimMetadata: []graph.DimMetadata{
			{Format: graph.DimDense, DenseSize: 2},
			{Format: graph.DimSparseCSR, Segments: []int32{0, 1, 1}, Indices: []int32{1}, SegmentsType: graph.IndexInt32, IndicesType: graph.IndexInt32},
			{Format: graph.DimDense, DenseSize: 4},
		}}})
	sg.Inputs = []int{x}
	prev := x
	newOut := func(name string) int {
		return add(&graph.Tensor{Name: name, Type: graph.Float32, Shape: []int32{1, 4}})
	}
	for _, o := range typedOptions {
		out := newOut(o.code.String())
		sg.Ops = append(sg.Ops, &graph.Op{Code: o.code, Version: 1, Inputs: []int{prev, w, -1}, Outputs: []int{out}, Options: o.opts})
		prev = out
	}
	for i, o := range opaqueOptions {
		out := newOut(o.code.String())
		op := &graph.Op{Code: o.code, Version: int32(i + 2), Inputs: []int{prev}, Outputs: []int{out}, Options: o.opts}
		if i == 0 {
			op.Extra = &DebugInfo{DebugMetadataIndex: 3}
			op.Intermediates = []int{q}
			op.MutatingVariableInputs = []bool{true}
		}
		sg.Ops = append(sg.Ops, op)
		prev = out
	}
	out := newOut("composite")
	sg.Ops = append(sg.Ops, &graph.Op{Code: graph.OpStablehloComposite, Version: 1, Inputs: []int{prev, w2}, Outputs: []int{out},
		Options2: &schema.StableHLOCompositeOptionsT{Name: "odml.thing", DecompositionSubgraphIndex: 1, CompositeAttributes: []byte{1, 2}, Version: 3}})
	prev = out
	out = newOut("custom")
	sg.Ops = append(sg.Ops, &graph.Op{Code: graph.OpCustom, Custom: "Convolution2DTransposeBias", Version: 1, Inputs: []int{prev}, Outputs: []int{out},
		CustomOptions: []byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18}})
	sg.Outputs = []int{out}

	body := &graph.Subgraph{Name: "body", Inputs: []int{0}, Outputs: []int{1},
		Tensors: []*graph.Tensor{
			{Name: "a", Type: graph.Int32, Shape: []int32{}},
			{Name: "b", Type: graph.Int32, Shape: []int32{}},
			{Name: "one", Type: graph.Int32, Shape: []int32{}, Data: []byte{1, 0, 0, 0}},
		},
		Ops: []*graph.Op{{Code: graph.OpAdd, Version: 1, Inputs: []int{0, 2}, Outputs: []int{1}, Options: &graph.AddOptions{PotScaleInt16: true}}},
	}
	return &graph.Model{
		Version:     3,
		Description: "fp16tool test model",
		Subgraphs:   []*graph.Subgraph{sg, body},
		Signatures: []*graph.Signature{
			{Key: "serving_default", SubgraphIndex: 0, Inputs: []graph.SignatureTensor{{Name: "x", Tensor: x}}, Outputs: []graph.SignatureTensor{{Name: "y", Tensor: out}}},
			{Key: "body", SubgraphIndex: 1, Inputs: []graph.SignatureTensor{{Name: "a", Tensor: 0}}, Outputs: []graph.SignatureTensor{{Name: "b", Tensor: 1}}},
		},
		Metadata: []*graph.Metadata{
			{Name: "min_runtime_version", Data: []byte("1.14.0\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00")},
			{Name: "empty"},
		},
		MetadataBuffers: [][]byte{shared, []byte("meta")},
	}
}

func TestHandBuiltRoundTrip(t *testing.T) {
	m := testModel()
	out := roundTrip(t, "testmodel", m)
	m2, err := Load("testmodel", out)
	if err != nil {
		t.Fatal(err)
	}
	// Shared data stays shared.
	sg := m2.Main()
	if &sg.Tensors[1].Data[0] != &sg.Tensors[2].Data[0] || &m2.MetadataBuffers[0][0] != &sg.Tensors[1].Data[0] {
		t.Errorf("tensors and metadata sharing a buffer do not share the slice after reload")
	}
	// Every op code got an entry, codes >= 127 with the placeholder.
	codes, err := rawOpCodes(out)
	if err != nil {
		t.Fatal(err)
	}
	seen := 0
	for _, c := range codes {
		if c[1] >= 127 {
			seen++
			if c[0] != 127 {
				t.Errorf("builtin %d written with deprecated code %d, want 127", c[1], c[0])
			}
		}
	}
	if seen < 2 {
		t.Errorf("%d operator codes >= 127, want GELU and STABLEHLO_COMPOSITE", seen)
	}
	v, ok := m2.MetadataString("min_runtime_version")
	if !ok || v != "1.14.0" {
		t.Errorf("min_runtime_version = %q, %v", v, ok)
	}
}

// TestTypedOptionsEach saves a one-op model per typed options struct and
// checks the options come back equal and as the same type.
func TestTypedOptionsEach(t *testing.T) {
	for _, o := range append(typedOptions, opaqueOptions[:6]...) {
		t.Run(o.code.String(), func(t *testing.T) {
			m := &graph.Model{Version: 3, Subgraphs: []*graph.Subgraph{{
				Tensors: []*graph.Tensor{{Name: "in", Shape: []int32{1}}, {Name: "out", Shape: []int32{1}}},
				Inputs:  []int{0}, Outputs: []int{1},
				Ops: []*graph.Op{{Code: o.code, Version: 1, Inputs: []int{0}, Outputs: []int{1}, Options: o.opts}},
			}}}
			out, err := Save(m)
			if err != nil {
				t.Fatal(err)
			}
			m2, err := Load("one", out)
			if err != nil {
				t.Fatal(err)
			}
			got := m2.Main().Ops[0].Options
			if reflect.TypeOf(got) != reflect.TypeOf(o.opts) || !reflect.DeepEqual(got, o.opts) {
				t.Errorf("options %#v came back as %#v", o.opts, got)
			}
		})
	}
}

// TestDefaultsAsStored checks that absent fields read as the schema's
// defaults (dilation 1, pot_scale_int16 true) and that a value equal to
// the default survives.
func TestDefaultsAsStored(t *testing.T) {
	m := &graph.Model{Version: 3, Subgraphs: []*graph.Subgraph{{
		Tensors: []*graph.Tensor{{Name: "in", Shape: []int32{1}}, {Name: "a", Shape: []int32{1}}, {Name: "b", Shape: []int32{1}}},
		Inputs:  []int{0}, Outputs: []int{2},
		Ops: []*graph.Op{
			{Code: graph.OpConv2D, Version: 1, Inputs: []int{0}, Outputs: []int{1}, Options: &schema.Conv2DOptionsT{}},
			{Code: graph.OpAdd, Version: 1, Inputs: []int{1}, Outputs: []int{2}, Options: &schema.AddOptionsT{}},
		},
	}}}
	// Object-API values written as they are: zero dilation, pot false.
	out, err := Save(m)
	if err != nil {
		t.Fatal(err)
	}
	m2, err := Load("defaults", out)
	if err != nil {
		t.Fatal(err)
	}
	conv := m2.Main().Ops[0].Options.(*graph.Conv2DOptions)
	if conv.DilationW != 0 || conv.DilationH != 0 {
		t.Errorf("explicit zero dilation read as %d,%d", conv.DilationW, conv.DilationH)
	}
	// Typed values equal to the defaults are not stored (the builder
	// omits them) and read back as the defaults.
	m.Main().Ops[0].Options = &graph.Conv2DOptions{DilationW: 1, DilationH: 1}
	m.Main().Ops[1].Options = &graph.AddOptions{PotScaleInt16: true}
	out, err = Save(m)
	if err != nil {
		t.Fatal(err)
	}
	root := schema.GetRootAsModel(out, 0)
	var sg schema.SubGraph
	var op schema.Operator
	var tab flatbuffers.Table
	root.Subgraphs(&sg, 0)
	for i, slots := range [][]int{{5, 6}, {1}} {
		sg.Operators(&op, i)
		if !op.BuiltinOptions(&tab) {
			t.Fatalf("op %d has no options table", i)
		}
		for _, slot := range slots {
			if o := tab.Offset(flatbuffers.VOffsetT(4 + 2*slot)); o != 0 {
				t.Errorf("op %d: default-valued slot %d is stored", i, slot)
			}
		}
	}
	m3, err := Load("rawdefaults", out)
	if err != nil {
		t.Fatal(err)
	}
	c := m3.Main().Ops[0].Options.(*graph.Conv2DOptions)
	a := m3.Main().Ops[1].Options.(*graph.AddOptions)
	if c.DilationW != 1 || c.DilationH != 1 || !a.PotScaleInt16 {
		t.Errorf("defaults read as dilation %d,%d pot_scale_int16 %v, want 1,1 true", c.DilationW, c.DilationH, a.PotScaleInt16)
	}
}

func TestOptionsName(t *testing.T) {
	for _, c := range []struct {
		v    any
		want string
	}{
		{&graph.Conv2DOptions{}, "Conv2DOptions"},
		{graph.AddOptions{}, "AddOptions"},
		{&graph.ResizeBilinearOptions{}, "ResizeBilinearOptions"},
		{&schema.PadOptionsT{}, "PadOptions"},
		{&schema.StableHLOCompositeOptionsT{}, "StableHLOCompositeOptions"},
		{nil, ""},
		{(*graph.Conv2DOptions)(nil), ""},
		{"x", ""},
	} {
		if got := OptionsName(c.v); got != c.want {
			t.Errorf("OptionsName(%#v) = %q, want %q", c.v, got, c.want)
		}
	}
}
