package convert

import (
	"encoding/binary"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fp16tool/fp16tool/fp16"
	"github.com/fp16tool/fp16tool/graph"
)

func f32bytes(v ...float32) []byte {
	b := make([]byte, 4*len(v))
	for i, f := range v {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(f))
	}
	return b
}

// tinyModel: in -> FULLY_CONNECTED(w, b) -> out.
func tinyModel(w ...float32) *graph.Model {
	if len(w) == 0 {
		w = []float32{0.5, -1, 2, 0.25}
	}
	sg := &graph.Subgraph{
		Tensors: []*graph.Tensor{
			{Name: "in", Type: graph.Float32, Shape: []int32{1, 2}},
			{Name: "w", Type: graph.Float32, Shape: []int32{2, 2}, Data: f32bytes(w...)},
			{Name: "b", Type: graph.Float32, Shape: []int32{2}, Data: f32bytes(1, 2)},
			{Name: "out", Type: graph.Float32, Shape: []int32{1, 2}},
		},
		Inputs: []int{0}, Outputs: []int{3},
		Ops: []*graph.Op{{Code: graph.OpFullyConnected, Inputs: []int{0, 1, 2}, Outputs: []int{3}}},
	}
	return &graph.Model{Version: 3, Subgraphs: []*graph.Subgraph{sg}}
}

func TestChoose(t *testing.T) {
	gpu := []Device{{Name: "lavapipe", Backend: "gpu", Float16: true}}
	tests := []struct {
		opt   Options
		want  Precision
		errIs error
		inWhy string
	}{
		{Options{}, FP16, nil, "target gpu"},
		{Options{Target: TargetGPU}, FP16, nil, "float16"},
		{Options{Target: TargetCPU}, Int8Dynamic, nil, "without calibration"},
		{Options{Target: TargetCPU, Calibration: true}, Int8, nil, "full-integer"},
		{Options{Target: TargetNPU}, Int8, nil, "integer-only"},
		{Options{Target: TargetEdgeTPU}, Int8, nil, "integer-only"},
		{Options{Target: TargetDSP}, Int8, nil, "integer-only"},
		{Options{Target: TargetMCU}, Int8, nil, "integer-only"},
		{Options{Target: TargetAuto}, Int8Dynamic, nil, "no GPU backend"},
		{Options{Target: TargetAuto, Devices: gpu}, FP16, nil, `GPU "lavapipe"`},
		{Options{Target: TargetAuto, Devices: []Device{{Name: "llvmpipe", Backend: "cpu", Float16: true}}}, Int8Dynamic, nil, `probed devices "llvmpipe" (cpu, float16 true)`},
		{Options{Target: TargetCPU, Precision: FP16}, FP16, nil, "overrides"},
		{Options{Target: "tpu"}, "", ErrUsage, ""},
		{Options{Precision: "fp8"}, "", ErrUsage, ""},
	}
	for _, tc := range tests {
		p, why, err := Choose(tc.opt)
		if tc.errIs != nil {
			if !errors.Is(err, tc.errIs) {
				t.Errorf("Choose(%+v) err = %v, want %v", tc.opt, err, tc.errIs)
			}
			continue
		}
		if err != nil || p != tc.want || !strings.Contains(why, tc.inWhy) {
			t.Errorf("Choose(%+v) = %q, %q, %v; want %q containing %q", tc.opt, p, why, err, tc.want, tc.inWhy)
		}
	}
}

func TestParse(t *testing.T) {
	if _, err := ParseTarget("gpu "); !errors.Is(err, ErrUsage) {
		t.Errorf("ParseTarget(\"gpu \") err = %v", err)
	}
	if _, err := ParsePrecision("int4"); err == nil || !strings.Contains(err.Error(), `"int4"`) {
		t.Errorf("ParsePrecision(int4) err = %v", err)
	}
	ops, err := ParseOps([]string{"CONV_2D", "fully_connected", ""})
	if err != nil || len(ops) != 2 || ops[0] != graph.OpConv2D || ops[1] != graph.OpFullyConnected {
		t.Errorf("ParseOps = %v, %v", ops, err)
	}
	_, err = ParseOps([]string{"CONV_3X3"})
	if !errors.Is(err, ErrUsage) || !strings.Contains(err.Error(), `"CONV_3X3"`) || strings.Contains(err.Error(), "\n") {
		t.Errorf("ParseOps(CONV_3X3) err = %v", err)
	}
}

func TestConvertFP16(t *testing.T) {
	m := tinyModel()
	r, err := Convert(m, Options{Target: TargetGPU})
	if err != nil {
		t.Fatal(err)
	}
	if r.Precision != FP16 || r.TensorsConverted != 2 || r.TensorsKept != 0 || r.DequantizeAdded != 2 {
		t.Errorf("report %+v", r)
	}
	if r.ConstBytesBefore != 24 || r.ConstBytesAfter != 12 {
		t.Errorf("const bytes %d -> %d, want 24 -> 12", r.ConstBytesBefore, r.ConstBytesAfter)
	}
	if got := m.Main().Ops[2].Code; got != graph.OpFullyConnected || len(m.Main().Ops) != 3 {
		t.Errorf("ops %v", m.Main().Ops)
	}
}

func TestConvertExpand(t *testing.T) {
	m := tinyModel()
	if _, err := Convert(m, Options{}); err != nil {
		t.Fatal(err)
	}
	r, err := Convert(m, Options{Precision: FP32})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Folded) != 2 || r.RemovedTensors != 2 || len(m.Main().Ops) != 1 || len(m.Main().Tensors) != 4 {
		t.Errorf("folded %d removed %d, %d ops %d tensors", len(r.Folded), r.RemovedTensors, len(m.Main().Ops), len(m.Main().Tensors))
	}
	if string(m.Main().Tensors[1].Data) != string(f32bytes(0.5, -1, 2, 0.25)) {
		t.Error("weights changed by the round trip")
	}
}

func TestConvertErrors(t *testing.T) {
	tests := []struct {
		name  string
		m     *graph.Model
		opt   Options
		errIs error
		msg   string
	}{
		{"int8 without data", tinyModel(), Options{Precision: Int8}, ErrUsage, "needs calibration data (--calib"},
		{"npu without data", tinyModel(), Options{Target: TargetNPU}, ErrUsage, "needs calibration data (--calib"},
		{"npu float io", tinyModel(), Options{Target: TargetNPU, IO: IOFloat32}, ErrUsage, "integer-only conversion needs int8 or uint8 I/O"},
		{"regexp", tinyModel(), Options{ExcludeTensors: "("}, ErrUsage, "--exclude-tensors"},
		{"strict big", tinyModel(1e6, 0, 0, 0), Options{Strict: true}, fp16.ErrRange, `tensor "w" has 1 values beyond ±65504`},
		{"strict nan", tinyModel(float32(math.NaN()), 0, 0, 0), Options{Strict: true}, fp16.ErrRange, "1 NaN"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Convert(tc.m, tc.opt)
			if !errors.Is(err, tc.errIs) || !strings.Contains(err.Error(), tc.msg) || strings.Contains(err.Error(), "\n") {
				t.Errorf("err = %v, want %v containing %q on one line", err, tc.errIs, tc.msg)
			}
		})
	}
	// Without --strict the same model converts with a warning.
	r, err := Convert(tinyModel(1e6, 0, 0, 0), Options{})
	if err != nil || len(r.Warnings) != 1 || !strings.Contains(r.Warnings[0], "clamped") {
		t.Errorf("non-strict: %v, warnings %q", err, r.Warnings)
	}
}

func TestVerify(t *testing.T) {
	m := tinyModel()
	m.Main().Tensors[1].Type = graph.Float16
	m.Main().Tensors[1].Data = m.Main().Tensors[1].Data[:8]
	err := Verify(m)
	if !errors.Is(err, ErrVerify) || !strings.Contains(err.Error(), `FULLY_CONNECTED) reads FLOAT16 tensor 1 "w"`) {
		t.Errorf("Verify = %v", err)
	}
}

func TestCheckOutput(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "m.tflite")
	if err := os.WriteFile(in, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link.tflite")
	if err := os.Symlink(in, link); err != nil {
		t.Fatal(err)
	}
	hard := filepath.Join(dir, "hard.tflite")
	if err := os.Link(in, hard); err != nil {
		t.Fatal(err)
	}
	for _, out := range []string{in, filepath.Join(dir, ".", "m.tflite"), link, hard} {
		if err := CheckOutput(in, out); !errors.Is(err, ErrSameFile) {
			t.Errorf("CheckOutput(%s) = %v, want ErrSameFile", out, err)
		}
	}
	if err := CheckOutput(in, filepath.Join(dir, "other.tflite")); err != nil {
		t.Errorf("CheckOutput(other) = %v", err)
	}
}

func TestWriteFileAtomic(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "out.tflite")
	if err := WriteFileAtomic(p, []byte("new"), 0o644); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(p); string(b) != "new" {
		t.Errorf("content %q", b)
	}
	// Unwritable folder: error, and nothing left behind.
	ro := filepath.Join(dir, "ro")
	if err := os.Mkdir(ro, 0o555); err != nil {
		t.Fatal(err)
	}
	if os.Geteuid() == 0 {
		// Root writes into read-only folders; use a "folder" that is a
		// regular file instead.
		ro = p
	}
	err := WriteFileAtomic(filepath.Join(ro, "out.tflite"), []byte("x"), 0o644)
	if err == nil || !strings.Contains(err.Error(), "out.tflite") {
		t.Errorf("unwritable folder: err = %v", err)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 2 {
		t.Errorf("folder has %d entries, want 2 (out.tflite, ro)", len(ents))
	}
}
