package inspect

import (
	"bytes"
	"encoding/json"
	"flag"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fp16tool/fp16tool/graph"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// smallModel is a hand-built model with every feature the report shows:
// FLOAT16 weights behind DEQUANTIZE, a sparse weight behind DENSIFY, a
// custom op, a quantized output, a shared constant buffer, a signature,
// printable and binary metadata, and a second subgraph.
func smallModel() *graph.Model {
	f16 := func(n int) []byte { return make([]byte, 2*n) }
	shared := graph.Float32Data(1, 2, 3, 4)
	s := &graph.Subgraph{Name: "main", Tensors: []*graph.Tensor{
		/*0*/ {Name: "input", Type: graph.Float32, Shape: []int32{1, 8, 8, 3}},
		/*1*/ {Name: "conv/w16", Type: graph.Float16, Shape: []int32{4, 3, 3, 3}, Data: f16(108)},
		/*2*/ {Name: "conv/w", Type: graph.Float32, Shape: []int32{4, 3, 3, 3}},
		/*3*/ {Name: "conv/b", Type: graph.Float32, Shape: []int32{4}, Data: shared},
		/*4*/ {Name: "conv", Type: graph.Float32, Shape: []int32{1, 4, 4, 4}},
		/*5*/ {Name: "up", Type: graph.Float32, Shape: []int32{1, 8, 8, 4}},
		/*6*/ {Name: "up/w", Type: graph.Float32, Shape: []int32{4, 2, 2, 4}, Data: make([]byte, 4*64)},
		/*7*/ {Name: "up/b", Type: graph.Float32, Shape: []int32{4}, Data: shared},
		/*8*/ {Name: "shape", Type: graph.Int32, Shape: []int32{2}, Data: graph.Int32Data(1, -1)},
		/*9*/ {Name: "flat", Type: graph.Float32, Shape: []int32{1, 256}},
		/*10*/ {Name: "fc/w_sparse", Type: graph.Float32, Shape: []int32{10, 256}, Data: graph.Float32Data(0.5, -1),
			Sparsity: &graph.Sparsity{TraversalOrder: []int32{0, 1}, DimMetadata: []graph.DimMetadata{
				{Format: graph.DimDense, DenseSize: 10},
				{Format: graph.DimSparseCSR, Segments: []int32{0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2}, Indices: []int32{3, 7}},
			}}},
		/*11*/ {Name: "fc/w", Type: graph.Float32, Shape: []int32{10, 256}},
		/*12*/ {Name: "logits", Type: graph.Float32, Shape: []int32{1, 10}},
		/*13*/ {Name: "probs", Type: graph.Int8, Shape: []int32{1, 10},
			Quant: &graph.Quantization{Scale: []float32{1.0 / 256}, ZeroPoint: []int64{-128}}},
	}, Inputs: []int{0}, Outputs: []int{13}}
	s.Ops = []*graph.Op{
		{Code: graph.OpDequantize, Inputs: []int{1}, Outputs: []int{2}},
		{Code: graph.OpConv2D, Inputs: []int{0, 2, 3}, Outputs: []int{4},
			Options: &graph.Conv2DOptions{Padding: graph.PaddingSame, StrideW: 2, StrideH: 2, DilationW: 1, DilationH: 1}},
		{Code: graph.OpCustom, Custom: graph.CustomTransposeConvBias, Inputs: []int{4, 6, 7}, Outputs: []int{5},
			CustomOptions: graph.Int32Data(1, 2, 2)},
		{Code: graph.OpReshape, Inputs: []int{5, 8}, Outputs: []int{9}},
		{Code: graph.OpDensify, Inputs: []int{10}, Outputs: []int{11}},
		{Code: graph.OpFullyConnected, Inputs: []int{9, 11, -1}, Outputs: []int{12}, Options: graph.FullyConnectedOptions{}},
		{Code: graph.OpQuantize, Inputs: []int{12}, Outputs: []int{13}},
	}
	s2 := &graph.Subgraph{Name: "cond", Tensors: []*graph.Tensor{
		{Name: "x", Type: graph.Float32, Shape: []int32{1}},
		{Name: "y", Type: graph.Float32, Shape: []int32{1}},
	}, Inputs: []int{0}, Outputs: []int{1}, Ops: []*graph.Op{{Code: graph.OpRelu, Inputs: []int{0}, Outputs: []int{1}}}}
	return &graph.Model{
		Version:     3,
		Description: "hand-built\ttest model",
		Subgraphs:   []*graph.Subgraph{s, s2},
		Signatures: []*graph.Signature{{Key: "serving_default", SubgraphIndex: 0,
			Inputs: []graph.SignatureTensor{{Name: "image", Tensor: 0}}, Outputs: []graph.SignatureTensor{{Name: "probs", Tensor: 13}}}},
		Metadata: []*graph.Metadata{
			{Name: "min_runtime_version", Data: []byte("1.14.0\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00")},
			{Name: "TFLITE_METADATA", Data: []byte{0x1c, 0, 0, 0, 'M', '0', '0', '1', 0xff}},
		},
	}
}

func TestInspectSmallModel(t *testing.T) {
	m := smallModel()
	r := Inspect(m, 12345)
	if len(r.Warnings) != 0 {
		t.Errorf("warnings: %v", r.Warnings)
	}
	// conv: 4*4*4 outputs × 3*3*3; transpose conv bias: 4*4*4 inputs ×
	// 2*2*4; fully connected: 256 × 10.
	wantMACs := int64(64*27 + 64*16 + 2560) // 5312
	if r.MACs != wantMACs {
		t.Errorf("MACs = %d, want %d", r.MACs, wantMACs)
	}
	if r.MinRuntimeVersion != "1.14.0" {
		t.Errorf("min runtime version %q", r.MinRuntimeVersion)
	}
	if len(r.CustomOps) != 1 || r.CustomOps[0].Op != graph.CustomTransposeConvBias || r.CustomOps[0].MACs != 64*16 {
		t.Errorf("custom ops %+v", r.CustomOps)
	}
	if len(r.SparseTensors) != 1 || r.SparseTensors[0].StoredBytes != 8 || r.SparseTensors[0].DenseBytes != 10240 {
		t.Errorf("sparse tensors %+v", r.SparseTensors)
	}
	// The two bias tensors share one buffer: 16 bytes counted once.
	want := map[string]int64{"FLOAT16": 216, "FLOAT32": 16 + 256 + 8, "INT32": 8}
	for _, ts := range r.ConstantBytesByType {
		if want[ts.Type] != ts.Count {
			t.Errorf("constant bytes %s = %d, want %d", ts.Type, ts.Count, want[ts.Type])
		}
	}
	if r.Metadata[0].Text != "1.14.0" || r.Metadata[1].Text != "" || r.Metadata[1].Size != 9 {
		t.Errorf("metadata %+v", r.Metadata)
	}
	// Inspect does not modify the model.
	if !bytesEqualJSON(t, m, smallModel()) {
		t.Error("Inspect modified the model")
	}

	var buf bytes.Buffer
	if err := r.WriteJSON(&buf); err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "small.json")
	if *update {
		if err := os.WriteFile(golden, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	g, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test ./internal/inspect -update to create it)", err)
	}
	if !bytes.Equal(buf.Bytes(), g) {
		t.Errorf("JSON differs from %s (go test ./internal/inspect -update rewrites it):\n%s", golden, buf.String())
	}
	// A second run gives the same bytes.
	var again bytes.Buffer
	if err := Inspect(smallModel(), 12345).WriteJSON(&again); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(buf.Bytes(), again.Bytes()) {
		t.Error("JSON differs between two runs")
	}

	var txt bytes.Buffer
	if err := r.WriteText(&txt); err != nil {
		t.Fatal(err)
	}
	for _, parts := range [][]string{
		{"MACs:", "5,312 (5.31 k)"},
		{"Min runtime version:", "1.14.0"},
		{"Convolution2DTransposeBias", "1", "1,024", "19.3%"},
		{"TFLITE_METADATA", "9 bytes", "(binary)"},
		{"min_runtime_version", "16 bytes", `"1.14.0"`},
		{"13", "probs", "[1 10]", "INT8", "scale 0.00390625 zero point -128"},
		{"Sparse tensors (1):"},
		{"0", "10", "fc/w_sparse", "[10 256]", "FLOAT32", "8", "10,240"},
		{"serving_default", "(subgraph 0)"},
		{"5", "FULLY_CONNECTED", "[1 10]", "2,560"},
	} {
		if !hasLine(txt.String(), parts) {
			t.Errorf("text output has no line with %q:\n%s", parts, txt.String())
		}
	}
}

// hasLine reports whether some line of text holds all parts, in order,
// as whitespace-separated fields or runs of fields.
func hasLine(text string, parts []string) bool {
	for _, line := range strings.Split(text, "\n") {
		rest := " " + strings.Join(strings.Fields(line), " ") + " "
		ok := true
		for _, p := range parts {
			i := strings.Index(rest, " "+p+" ")
			if i < 0 {
				ok = false
				break
			}
			rest = rest[i+len(p)+1:]
		}
		if ok {
			return true
		}
	}
	return false
}

func bytesEqualJSON(t *testing.T, a, b any) bool {
	t.Helper()
	ja, err1 := json.Marshal(a)
	jb, err2 := json.Marshal(b)
	if err1 != nil || err2 != nil {
		t.Fatal(err1, err2)
	}
	return bytes.Equal(ja, jb)
}

func TestInspectWarnsOnShapeMismatch(t *testing.T) {
	m := smallModel()
	m.Subgraphs[0].Tensors[4].Shape = []int32{1, 8, 8, 4}
	r := Inspect(m, 0)
	if len(r.Warnings) != 1 || !strings.Contains(r.Warnings[0], `op 1 (CONV_2D): output 0 (tensor 4 "conv") has shape [1 8 8 4], inferred [1 4 4 4]`) {
		t.Errorf("warnings %q", r.Warnings)
	}
}

func TestInspectEmptyModel(t *testing.T) {
	var buf bytes.Buffer
	r := Inspect(&graph.Model{}, 0)
	if err := r.WriteJSON(&buf); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(buf.String(), "null") {
		t.Errorf("JSON of an empty model has null lists:\n%s", buf.String())
	}
	if err := r.WriteText(&buf); err != nil {
		t.Fatal(err)
	}
}

func TestGroup(t *testing.T) {
	for n, want := range map[int64]string{0: "0", 999: "999", 1000: "1,000", 1234567: "1,234,567", -45000: "-45,000"} {
		if got := group(n); got != want {
			t.Errorf("group(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestNonFiniteScaleJSON(t *testing.T) {
	m := smallModel()
	m.Subgraphs[0].Tensors[13].Quant.Scale = []float32{float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1)), 0.5}
	var buf bytes.Buffer
	if err := Inspect(m, 0).WriteJSON(&buf); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), `"NaN",`) || !strings.Contains(buf.String(), `"-Inf",`) || !strings.Contains(buf.String(), "0.5") {
		t.Errorf("scales not encoded: %s", buf.String())
	}
}
