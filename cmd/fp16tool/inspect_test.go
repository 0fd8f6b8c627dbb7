package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fp16tool/fp16tool/graph"
	"github.com/fp16tool/fp16tool/internal/testenv"
	"github.com/fp16tool/fp16tool/tflite"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// fixtureMACs are the MAC totals of the fixtures, cross-checked with an
// independent count: the models dumped to JSON with
// `flatc --json --raw-binary tflite/schema.fbs -- MODEL` and the same
// formulas applied in Python to the recorded shapes.
var fixtureMACs = map[string]int64{
	"face_detection_short_range":       30760960,
	"face_detection_full_range":        105671232,
	"face_detection_full_range_sparse": 117188352,
	"hand_landmark_lite":               145605824,
	"hand_landmark_full":               330968800,
	"pose_landmark_lite":               197822208,
	"pose_landmark_full":               386148736,
	"pose_landmark_heavy":              1927318656,
	"selfie_segmentation":              59215744,
	"selfie_segmentation_landscape":    33324928,
}

// report is the part of the JSON report the fixture test reads.
type report struct {
	FileSize      int64 `json:"file_size"`
	MACs          int64 `json:"macs"`
	SubgraphCount int   `json:"subgraph_count"`
	Ops           []struct {
		Op    string `json:"op"`
		Count int    `json:"count"`
	} `json:"ops"`
	CustomOps []struct {
		Op    string `json:"op"`
		Count int    `json:"count"`
	} `json:"custom_ops"`
	SparseTensors []json.RawMessage `json:"sparse_tensors"`
	Inputs        []struct {
		Shape []int32 `json:"shape"`
		Type  string  `json:"type"`
	} `json:"inputs"`
	Metadata []struct {
		Name string `json:"name"`
		Text string `json:"text"`
	} `json:"metadata"`
	Warnings []string `json:"warnings"`
}

func TestInspectFixtures(t *testing.T) {
	for _, path := range testenv.Models(t) {
		name := strings.TrimSuffix(filepath.Base(path), ".tflite")
		t.Run(name, func(t *testing.T) {
			code, out, errs := run(t, "inspect", "--json", path)
			if code != 0 {
				t.Fatalf("status %d: %s", code, errs)
			}
			code2, out2, _ := run(t, "inspect", "--json", path)
			if code2 != 0 || out2 != out {
				t.Error("JSON differs between two runs")
			}
			var r report
			if err := json.Unmarshal([]byte(out), &r); err != nil {
				t.Fatalf("JSON does not parse: %v", err)
			}
			st, _ := os.Stat(path)
			if r.FileSize != st.Size() || r.SubgraphCount < 1 || len(r.Inputs) == 0 {
				t.Errorf("file size %d (want %d), %d subgraphs, %d inputs", r.FileSize, st.Size(), r.SubgraphCount, len(r.Inputs))
			}
			if r.MACs <= 0 || r.MACs != fixtureMACs[name] {
				t.Errorf("MACs %d, want %d", r.MACs, fixtureMACs[name])
			}
			if len(r.Warnings) != 0 {
				t.Errorf("warnings: %q", r.Warnings)
			}
			ops := map[string]int{}
			for _, o := range r.Ops {
				ops[o.Op] = o.Count
			}
			if ops["DEQUANTIZE"] == 0 || ops["CONV_2D"] == 0 {
				t.Errorf("op histogram lacks DEQUANTIZE or CONV_2D: %v", ops)
			}
			wantCustom := strings.HasPrefix(name, "selfie")
			if hasCustom := len(r.CustomOps) == 1 && r.CustomOps[0].Op == graph.CustomTransposeConvBias; hasCustom != wantCustom {
				t.Errorf("custom ops %+v", r.CustomOps)
			}
			wantSparse := 0
			if name == "face_detection_full_range_sparse" {
				wantSparse = 46
				if ops["DENSIFY"] != 46 {
					t.Errorf("%d DENSIFY ops, want 46", ops["DENSIFY"])
				}
			}
			if len(r.SparseTensors) != wantSparse {
				t.Errorf("%d sparse tensors, want %d", len(r.SparseTensors), wantSparse)
			}
			for _, md := range r.Metadata {
				if md.Name == "min_runtime_version" && md.Text == "" {
					t.Error("min_runtime_version is not shown as text")
				}
			}

			code, txt, errs := run(t, "inspect", path)
			if code != 0 {
				t.Fatalf("text: status %d: %s", code, errs)
			}
			for _, s := range []string{"MACs:", "Op histogram:", "DEQUANTIZE", "Inputs:", "Outputs:", "Metadata:"} {
				if !strings.Contains(txt, s) {
					t.Errorf("text lacks %q", s)
				}
			}
		})
	}
}

// TestInspectGolden saves a small hand-built model with tflite.Save and
// compares `inspect --json` of the file with a golden file.
func TestInspectGolden(t *testing.T) {
	m := &graph.Model{Version: 3, Description: "golden test", Subgraphs: []*graph.Subgraph{{
		Name: "main",
		Tensors: []*graph.Tensor{
			{Name: "image", Type: graph.Float32, Shape: []int32{1, 16, 16, 3}},
			{Name: "conv/w16", Type: graph.Float16, Shape: []int32{8, 3, 3, 3}, Data: make([]byte, 2*216)},
			{Name: "conv/w", Type: graph.Float32, Shape: []int32{8, 3, 3, 3}},
			{Name: "conv/b", Type: graph.Float32, Shape: []int32{8}, Data: make([]byte, 32)},
			{Name: "conv", Type: graph.Float32, Shape: []int32{1, 8, 8, 8}},
			{Name: "dw/w", Type: graph.Float32, Shape: []int32{1, 3, 3, 8}, Data: make([]byte, 4*72)},
			{Name: "dw", Type: graph.Float32, Shape: []int32{1, 8, 8, 8}},
			{Name: "axes", Type: graph.Int32, Shape: []int32{2}, Data: graph.Int32Data(1, 2)},
			{Name: "pooled", Type: graph.Float32, Shape: []int32{1, 8}},
			{Name: "fc/w", Type: graph.Float32, Shape: []int32{4, 8}, Data: make([]byte, 4*32)},
			{Name: "logits", Type: graph.Float32, Shape: []int32{1, 4}},
		},
		Inputs: []int{0}, Outputs: []int{10},
		Ops: []*graph.Op{
			{Code: graph.OpDequantize, Version: 2, Inputs: []int{1}, Outputs: []int{2}},
			{Code: graph.OpConv2D, Version: 1, Inputs: []int{0, 2, 3}, Outputs: []int{4},
				Options: &graph.Conv2DOptions{Padding: graph.PaddingSame, StrideW: 2, StrideH: 2, Activation: graph.ActRelu6, DilationW: 1, DilationH: 1}},
			{Code: graph.OpDepthwiseConv2D, Version: 1, Inputs: []int{4, 5, -1}, Outputs: []int{6},
				Options: &graph.DepthwiseConv2DOptions{Padding: graph.PaddingSame, StrideW: 1, StrideH: 1, DepthMultiplier: 1, DilationW: 1, DilationH: 1}},
			{Code: graph.OpMean, Version: 1, Inputs: []int{6, 7}, Outputs: []int{8}, Options: &graph.ReducerOptions{}},
			{Code: graph.OpFullyConnected, Version: 1, Inputs: []int{8, 9, -1}, Outputs: []int{10}, Options: &graph.FullyConnectedOptions{}},
		},
	}}, Metadata: []*graph.Metadata{{Name: "min_runtime_version", Data: []byte("1.5.0\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00")}}}
	data, err := tflite.Save(m)
	if err != nil {
		t.Fatal(err)
	}
	t.Chdir(t.TempDir())
	if err := os.WriteFile("golden.tflite", data, 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errs := run(t, "inspect", "--json", "golden.tflite")
	if code != 0 {
		t.Fatalf("status %d: %s", code, errs)
	}
	golden := filepath.Join(testenv.Root(), "cmd", "fp16tool", "testdata", "golden_inspect.json")
	if *update {
		if err := os.WriteFile(golden, []byte(out), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (go test ./cmd/fp16tool -run Golden -update creates it)", err)
	}
	if !bytes.Equal([]byte(out), want) {
		t.Errorf("inspect --json differs from %s (-update rewrites it):\n%s", golden, out)
	}
	// conv 8*8*8 × 27 + depthwise 8*8*8 × 9 + fc 8 × 4.
	var r report
	if err := json.Unmarshal([]byte(out), &r); err != nil || r.MACs != 512*27+512*9+32 {
		t.Errorf("MACs %d (err %v), want %d", r.MACs, err, 512*27+512*9+32)
	}
}

func TestInspectJunkFile(t *testing.T) {
	dir := t.TempDir()
	for name, data := range map[string][]byte{
		"empty.tflite": {},
		"text.tflite":  []byte("this is not a flatbuffer at all, just some text"),
	} {
		p := filepath.Join(dir, name)
		os.WriteFile(p, data, 0o644)
		code, out, errs := run(t, "inspect", p)
		wantOneLineError(t, code, out, errs, p)
	}
}

// TestInspectBytes checks `inspect --bytes` on the fixtures: the categories
// add up to the file size, nothing is left unattributed, the constant data
// is the report's constant bytes, and only the sparse fixture has sparsity
// bytes.
func TestInspectBytes(t *testing.T) {
	for _, path := range testenv.Models(t) {
		name := strings.TrimSuffix(filepath.Base(path), ".tflite")
		t.Run(name, func(t *testing.T) {
			code, out, errs := run(t, "inspect", "--json", "--bytes", path)
			if code != 0 {
				t.Fatalf("status %d: %s", code, errs)
			}
			var r struct {
				FileSize      int64 `json:"file_size"`
				ConstantBytes int64 `json:"constant_bytes"`
				FileBytes     []struct {
					Category string `json:"category"`
					Bytes    int64  `json:"bytes"`
				} `json:"file_bytes"`
			}
			if err := json.Unmarshal([]byte(out), &r); err != nil {
				t.Fatalf("JSON does not parse: %v", err)
			}
			by := map[string]int64{}
			var sum int64
			for _, b := range r.FileBytes {
				by[b.Category] = b.Bytes
				sum += b.Bytes
			}
			if sum != r.FileSize || len(r.FileBytes) == 0 {
				t.Errorf("file_bytes add up to %d, the file has %d bytes", sum, r.FileSize)
			}
			if by[tflite.BytesOther] != 0 || by[tflite.BytesConstantData] != r.ConstantBytes {
				t.Errorf("other %d bytes (want 0), constant data %d (want constant_bytes %d)", by[tflite.BytesOther], by[tflite.BytesConstantData], r.ConstantBytes)
			}
			if sparse := by[tflite.BytesSparsity] > 0; sparse != (name == "face_detection_full_range_sparse") {
				t.Errorf("sparsity bytes %d", by[tflite.BytesSparsity])
			}
			code, txt, _ := run(t, "inspect", "--bytes", path)
			if code != 0 || !strings.Contains(txt, "File bytes by category:") || !strings.Contains(txt, "tensor_names") {
				t.Errorf("text: status %d, lacks the byte categories:\n%s", code, txt)
			}
		})
	}
}
