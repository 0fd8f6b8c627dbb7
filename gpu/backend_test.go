package gpu

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/fp16tool/fp16tool/engine"
	"github.com/fp16tool/fp16tool/engine/conformance"
	"github.com/fp16tool/fp16tool/graph"
)

// conformanceRtol is the tolerance per precision, relative to
// max(1, max|golden|): float32 storage and arithmetic differ from TFLite
// only by summation order; float16 storage rounds every tensor to 11
// significant bits (2^-11 relative), float16 arithmetic every operation.
var conformanceRtol = map[Precision]float64{FP32: 1e-4, FP32Acc: 8e-3, FP16: 3e-2}

func needVulkan(t testing.TB) DeviceInfo {
	t.Helper()
	info, err := SharedDevice()
	if err != nil {
		missing(t, err)
	}
	return info
}

// TestConformance runs the shared per-op suite on the Vulkan backend in
// every precision the device supports. Cases with an op that has no
// Vulkan kernel yet are skipped, naming the op. The precision plan is
// off (its rule would run most one-op cases in float32), so that the
// float16 kernels are what fp16 and fp32acc test.
func TestConformance(t *testing.T) {
	info := needVulkan(t)
	noPlan(t)
	for _, p := range Precisions {
		t.Run(p.String(), func(t *testing.T) {
			if !info.Supports(p) {
				t.Skipf("%s does not support %v", info.Name, p)
			}
			conformance.Check(t, Backend{}, engine.Options{Precision: p.String()}, conformanceRtol[p])
		})
	}
}

func TestRegistered(t *testing.T) {
	b, err := engine.Get("vulkan")
	if err != nil {
		t.Fatal(err)
	}
	a, ok := b.(engine.Availability)
	if !ok {
		t.Fatal("the vulkan backend does not implement engine.Availability")
	}
	if err := a.Available(); err != nil && !errors.Is(err, ErrNoVulkan) {
		t.Errorf("Available() = %v, want nil or an error wrapping ErrNoVulkan", err)
	}
}

// tinyModel is input [1,4,4,3] -> CONV_2D 3x3 (8 filters, RELU fused from
// a separate op) -> RESHAPE [1,128] -> FULLY_CONNECTED (float16 weights
// through DEQUANTIZE) -> ADD of a constant -> output [1,5].
func tinyModel() *graph.Model {
	f32 := func(vals ...float32) []byte { return FP32.Encode(nil, vals) }
	ramp := func(n int, scale float32) []float32 {
		v := make([]float32, n)
		for i := range v {
			v[i] = scale * float32((i*7)%13-6)
		}
		return v
	}
	i32 := func(vals ...int32) []byte {
		b := make([]byte, 0, 4*len(vals))
		for _, v := range vals {
			b = append(b, byte(v), byte(v>>8), byte(v>>16), byte(v>>24))
		}
		return b
	}
	fc := ramp(5*128, 0.01)
	var fc16 []byte
	fc16 = FP16.Encode(fc16, fc)
	sg := &graph.Subgraph{
		Tensors: []*graph.Tensor{
			{Name: "in", Type: graph.Float32, Shape: []int32{1, 4, 4, 3}},
			{Name: "filter", Type: graph.Float32, Shape: []int32{8, 3, 3, 3}, Data: f32(ramp(8*27, 0.05)...)},
			{Name: "bias", Type: graph.Float32, Shape: []int32{8}, Data: f32(ramp(8, 0.1)...)},
			{Name: "conv", Type: graph.Float32, Shape: []int32{1, 4, 4, 8}},
			{Name: "relu", Type: graph.Float32, Shape: []int32{1, 4, 4, 8}},
			{Name: "shape", Type: graph.Int32, Shape: []int32{2}, Data: i32(1, 128)},
			{Name: "flat", Type: graph.Float32, Shape: []int32{1, 128}},
			{Name: "w16", Type: graph.Float16, Shape: []int32{5, 128}, Data: fc16},
			{Name: "w", Type: graph.Float32, Shape: []int32{5, 128}},
			{Name: "fc", Type: graph.Float32, Shape: []int32{1, 5}},
			{Name: "c", Type: graph.Float32, Shape: []int32{5}, Data: f32(1, 2, 3, 4, 5)},
			{Name: "out", Type: graph.Float32, Shape: []int32{1, 5}},
		},
		Inputs:  []int{0},
		Outputs: []int{11},
		Ops: []*graph.Op{
			{Code: graph.OpConv2D, Inputs: []int{0, 1, 2}, Outputs: []int{3},
				Options: graph.Conv2DOptions{Padding: graph.PaddingSame, StrideW: 1, StrideH: 1}},
			{Code: graph.OpRelu, Inputs: []int{3}, Outputs: []int{4}},
			{Code: graph.OpReshape, Inputs: []int{4, 5}, Outputs: []int{6}},
			{Code: graph.OpDequantize, Inputs: []int{7}, Outputs: []int{8}},
			{Code: graph.OpFullyConnected, Inputs: []int{6, 8, -1}, Outputs: []int{9}},
			{Code: graph.OpAdd, Inputs: []int{9, 10}, Outputs: []int{11}},
		},
	}
	return &graph.Model{Version: 3, Subgraphs: []*graph.Subgraph{sg}}
}

// TestTinyModelAgainstCPU checks folding, fusion, aliasing and the I/O
// casts against the CPU backend, and that Run does not allocate.
func TestTinyModelAgainstCPU(t *testing.T) {
	info := needVulkan(t)
	cpuB, err := engine.Get("cpu")
	if err != nil {
		t.Fatal(err)
	}
	want := runOnce(t, cpuB, tinyModel(), engine.Options{Threads: 1})
	for _, p := range Precisions {
		if !info.Supports(p) {
			continue
		}
		t.Run(p.String(), func(t *testing.T) {
			prog, err := Compile(tinyModel(), engine.Options{Precision: p.String(), Profile: true})
			if err != nil {
				t.Fatal(err)
			}
			defer prog.Close()
			fill(prog)
			if err := prog.Run(); err != nil {
				t.Fatal(err)
			}
			got := engine.Float32s(prog.Output(0))
			for i := range want {
				if d := float64(got[i] - want[i]); d > conformanceRtol[p]*10 || d < -conformanceRtol[p]*10 {
					t.Errorf("output[%d] = %v, CPU %v", i, got[i], want[i])
				}
			}
			// conv (ReLU fused), fc, add, and the two casts; RESHAPE and
			// DEQUANTIZE cost nothing.
			if n := prog.Dispatches(); n != 5 {
				t.Errorf("%d dispatches, want 5", n)
			}
			prof := prog.Profile()
			var names []string
			for _, o := range prof {
				names = append(names, o.Op)
			}
			if fmt.Sprint(names) != "[CAST_IN CONV_2D RESHAPE FULLY_CONNECTED ADD CAST_OUT]" || prof[1].Nanos <= 0 || prof[2].Nanos != 0 {
				t.Errorf("profile %+v, want CAST_IN, CONV_2D (timed), RESHAPE (0), FULLY_CONNECTED, ADD, CAST_OUT", prof)
			}
			if n := testing.AllocsPerRun(10, func() { prog.Run() }); n != 0 {
				t.Errorf("Run allocates %v times", n)
			}
		})
	}
}

func fill(p engine.Program) {
	for i := range p.Inputs() {
		f := engine.Float32s(p.Input(i))
		for k := range f {
			f[k] = float32((k*5)%11-5) / 5
		}
	}
}

func runOnce(t *testing.T, b engine.Backend, m *graph.Model, opt engine.Options) []float32 {
	t.Helper()
	return runWith(t, b, m, opt, nil)[0]
}

// TestUnsupportedOp checks the compile error names the op, its index and
// the model.
func TestUnsupportedOp(t *testing.T) {
	needVulkan(t)
	m := tinyModel()
	sg := m.Main()
	sg.Ops[5] = &graph.Op{Code: graph.OpCustom, Custom: "NoSuchOp", Inputs: []int{9}, Outputs: []int{11}}
	_, err := Compile(m, engine.Options{Name: "tiny.tflite"})
	var u *UnsupportedOpError
	if !errors.As(err, &u) || u.Op != "NoSuchOp" || u.Index != 5 || u.Model != "tiny.tflite" {
		t.Fatalf("error %v, want an UnsupportedOpError for op 5 NoSuchOp of tiny.tflite", err)
	}
}

// TestChainReusesMemory runs 200 chained ADDs: the result must be exact
// (small integers) and the arena must hold only two activations at once.
func TestChainReusesMemory(t *testing.T) {
	info := needVulkan(t)
	p, err := Compile(chainModel(200), engine.Options{Name: "chain", Precision: "fp32"})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	in := engine.Float32s(p.Input(0))
	copy(in, []float32{1, -1, 0.5, 0})
	if err := p.Run(); err != nil {
		t.Fatal(err)
	}
	got := engine.Float32s(p.Output(0))
	for i, want := range []float32{201, 399, 600.5, 800} {
		if got[i] != want {
			t.Errorf("output[%d] = %v, want %v", i, got[i], want)
		}
	}
	if align := max(64, int(info.Limits.MinStorageBufferOffsetAlign)); p.ArenaBytes() > 2*align {
		t.Errorf("arena of %d bytes for 201 tensors of 16 bytes, want at most %d (two alive at once)", p.ArenaBytes(), 2*align)
	}
	if p.Dispatches() != 202 {
		t.Errorf("%d dispatches, want 202", p.Dispatches())
	}
}

func TestChoosePrecision(t *testing.T) {
	full := DeviceInfo{Name: "full", ShaderFloat16: true, StorageBuffer16BitAccess: true}
	storage := DeviceInfo{Name: "storage16", StorageBuffer16BitAccess: true}
	bare := DeviceInfo{Name: "bare"}
	tests := []struct {
		info    DeviceInfo
		ask     string
		want    Precision
		wantErr string
	}{
		{full, "", FP16, ""},
		{storage, "", FP32Acc, ""},
		{bare, "", FP32, ""},
		{full, "FP32ACC", FP32Acc, ""},
		{storage, "fp16", 0, "storage16 does not support GPU precision fp16"},
		{bare, "fp32acc", 0, "bare does not support GPU precision fp32acc"},
		{full, "fp8", 0, `unknown GPU precision "fp8"`},
	}
	for _, tc := range tests {
		got, err := ChoosePrecision(tc.info, tc.ask)
		switch {
		case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
			t.Errorf("%s %q: error %v, want %q", tc.info.Name, tc.ask, err, tc.wantErr)
		case tc.wantErr == "" && (err != nil || got != tc.want):
			t.Errorf("%s %q: %v, %v; want %v", tc.info.Name, tc.ask, got, err, tc.want)
		}
	}
}

// TestStagingDevice compiles on a device whose buffers are all
// device-local and filled through staging copies (the discrete-GPU path,
// forced on this device): weights uploaded through staging, activations
// never mapped, inputs and outputs in host-visible memory read and written
// by the cast kernels. The results must equal those of the default
// device.
func TestStagingDevice(t *testing.T) {
	needVulkan(t)
	staged := &deviceCache{opts: Options{Index: -1, ForceStaging: true}}
	defer staged.close()
	for _, tc := range []struct {
		name string
		m    func() *graph.Model
	}{{"tiny", tinyModel}, {"chain", func() *graph.Model { return chainModel(20) }}} {
		t.Run(tc.name, func(t *testing.T) {
			want := runOnce(t, Backend{}, tc.m(), engine.Options{Precision: "fp32"})
			p, err := compileOn(tc.m(), engine.Options{Precision: "fp32"}, staged)
			if err != nil {
				t.Fatal(err)
			}
			defer p.Close()
			if p.arena != nil && p.arena.Mapped() {
				t.Error("the activation arena is mapped on a staging device")
			}
			fill(p)
			if err := p.Run(); err != nil {
				t.Fatal(err)
			}
			got := engine.Float32s(p.Output(0))
			for i := range want {
				if got[i] != want[i] {
					t.Errorf("output[%d] = %v through staging, %v mapped", i, got[i], want[i])
				}
			}
		})
	}
}

// TestTileEnv checks FP16TOOL_GPU_TILE reaches the kernels, and a bad
// value is an error naming the variable.
func TestTileEnv(t *testing.T) {
	needVulkan(t)
	for _, tc := range []struct{ env, wantErr string }{{"4x2", ""}, {"8", "FP16TOOL_GPU_TILE"}, {"9x9", "tile 9x9 out of range"}} {
		t.Setenv(TileEnv, tc.env)
		c := &deviceCache{opts: DefaultOptions()}
		p, err := compileOn(tinyModel(), engine.Options{Precision: "fp32"}, c)
		switch {
		case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
			t.Errorf("%s=%s: error %v, want %q", TileEnv, tc.env, err, tc.wantErr)
		case tc.wantErr == "" && err != nil:
			t.Errorf("%s=%s: %v", TileEnv, tc.env, err)
		case tc.wantErr == "":
			if got := c.kernels[FP32].Tile(); got != (Tile{4, 2}) {
				t.Errorf("tile %v, want 4x2", got)
			}
			p.Close()
		}
		c.close()
	}
}
