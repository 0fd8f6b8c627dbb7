package cpu

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fp16tool/fp16tool/engine"
	"github.com/fp16tool/fp16tool/graph"
	"github.com/fp16tool/fp16tool/internal/testenv"
	"github.com/fp16tool/fp16tool/tflite"
)

// chain builds input -> n ops of RELU/ADD -> output on shape.
func chain(n int, shape ...int32) *graph.Model {
	sg := &graph.Subgraph{}
	add := func(name string) int {
		sg.Tensors = append(sg.Tensors, &graph.Tensor{Name: name, Type: graph.Float32, Shape: shape})
		return len(sg.Tensors) - 1
	}
	x := add("in")
	sg.Inputs = []int{x}
	first := x
	for i := 0; i < n; i++ {
		y := add("t")
		if i%2 == 0 {
			sg.Ops = append(sg.Ops, &graph.Op{Code: graph.OpRelu, Inputs: []int{x}, Outputs: []int{y}})
		} else {
			sg.Ops = append(sg.Ops, &graph.Op{Code: graph.OpAdd, Inputs: []int{x, first}, Outputs: []int{y}, Options: graph.AddOptions{}})
		}
		x = y
	}
	sg.Outputs = []int{x}
	return &graph.Model{Version: 3, Subgraphs: []*graph.Subgraph{sg}}
}

func TestUnsupportedOpFailsAtCompile(t *testing.T) {
	m := chain(2, 1, 4)
	m.Main().Ops = append(m.Main().Ops, &graph.Op{Code: graph.OpCustom, Custom: "NoSuchOp", Inputs: []int{2}, Outputs: []int{0}})
	m.Main().Ops[2].Outputs = []int{len(m.Main().Tensors)}
	m.Main().Tensors = append(m.Main().Tensors, &graph.Tensor{Name: "z", Type: graph.Float32, Shape: []int32{1, 4}})
	_, err := Compile(m, engine.Options{Name: "tiny.tflite"})
	var ue *UnsupportedOpError
	if !errors.As(err, &ue) {
		t.Fatalf("err = %v, want an UnsupportedOpError", err)
	}
	for _, want := range []string{"tiny.tflite", "op 2", "NoSuchOp"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not name %q", err, want)
		}
	}
}

func TestShapeMismatchIsAnError(t *testing.T) {
	m := chain(1, 2, 3)
	m.Main().Tensors[1].Shape = []int32{3, 2}
	if _, err := Compile(m, engine.Options{}); err == nil {
		t.Fatal("a RELU whose output shape differs from its input compiled")
	}
}

// TestArenaReusesMemory: a chain of 20 ops needs the memory of the input,
// the output and two live intermediates, not 21 tensors.
func TestArenaReusesMemory(t *testing.T) {
	m := chain(20, 1, 16, 16, 8)
	p, err := Compile(m, engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	one := 16 * 16 * 8 * 4
	if p.ArenaBytes() > 4*one {
		t.Errorf("arena has %d bytes, want at most %d (4 tensors of %d)", p.ArenaBytes(), 4*one, one)
	}
	in := engine.Float32s(p.Input(0))
	for i := range in {
		in[i] = float32(i%7) - 3
	}
	if err := p.Run(); err != nil {
		t.Fatal(err)
	}
	// relu, +in, relu, +in, ... : 10 relus and 10 adds of the input.
	out := engine.Float32s(p.Output(0))
	for i, v := range in {
		want := v
		for k := 0; k < 10; k++ {
			want = max(want, 0) + v
		}
		if out[i] != want {
			t.Fatalf("out[%d] = %v, want %v", i, out[i], want)
		}
	}
}

// TestRunDoesNotAllocate runs a real fixture and checks that Run
// allocates nothing after the first run.
func TestRunDoesNotAllocate(t *testing.T) {
	path := testenv.Model(t, "face_detection_short_range")
	for _, opt := range []engine.Options{{Threads: 1}, {Threads: 2}, {Threads: 1, Reference: true}} {
		m, err := tflite.LoadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		p, err := Compile(m, opt)
		if err != nil {
			t.Fatal(err)
		}
		if err := p.Run(); err != nil {
			t.Fatal(err)
		}
		if n := testing.AllocsPerRun(5, func() { p.Run() }); n != 0 {
			t.Errorf("%+v: %v allocations per Run, want 0", opt, n)
		}
		p.Close()
	}
}

// BenchmarkFixtures measures one inference of every fixture (single
// thread unless -threads is set): go test ./cpu -run x -bench Fixtures -benchmem
func BenchmarkFixtures(b *testing.B) {
	for _, name := range testenv.Fixtures {
		path := filepath.Join(testenv.ModelsDir(), name+".tflite")
		b.Run(name, func(b *testing.B) {
			m, err := tflite.LoadFile(path)
			if err != nil {
				b.Skip(err)
			}
			p, err := Compile(m, engine.Options{Threads: *benchThreads, Name: name})
			if err != nil {
				b.Fatal(err)
			}
			defer p.Close()
			b.ReportAllocs()
			for b.Loop() {
				if err := p.Run(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestActivationFusion: ADD followed by RELU6 compiles to one step (the
// clamp fused into ADD) with the same output as the reference's two.
func TestActivationFusion(t *testing.T) {
	sg := &graph.Subgraph{Tensors: []*graph.Tensor{
		{Name: "a", Type: graph.Float32, Shape: []int32{2, 5}},
		{Name: "b", Type: graph.Float32, Shape: []int32{2, 5}},
		{Name: "sum", Type: graph.Float32, Shape: []int32{2, 5}},
		{Name: "out", Type: graph.Float32, Shape: []int32{2, 5}},
	}, Inputs: []int{0, 1}, Outputs: []int{3}, Ops: []*graph.Op{
		{Code: graph.OpAdd, Inputs: []int{0, 1}, Outputs: []int{2}},
		{Code: graph.OpRelu6, Inputs: []int{2}, Outputs: []int{3}},
	}}
	m := &graph.Model{Version: 3, Subgraphs: []*graph.Subgraph{sg}}
	var outs [2][]float32
	for i, opt := range []engine.Options{{Threads: 1}, {Threads: 1, Reference: true}} {
		p, err := Compile(m, opt)
		if err != nil {
			t.Fatal(err)
		}
		if want := 1 + i; len(p.steps) != want {
			t.Errorf("%+v: %d steps, want %d", opt, len(p.steps), want)
		}
		a, b := engine.Float32s(p.Input(0)), engine.Float32s(p.Input(1))
		for k := range a {
			a[k], b[k] = float32(k)-3, float32(k)*0.75
		}
		if err := p.Run(); err != nil {
			t.Fatal(err)
		}
		outs[i] = append([]float32(nil), engine.Float32s(p.Output(0))...)
	}
	for k := range outs[0] {
		want := min(max(float32(k)-3+float32(k)*0.75, 0), 6)
		if outs[0][k] != want || outs[1][k] != want {
			t.Fatalf("out[%d] = %v (fused), %v (reference), want %v", k, outs[0][k], outs[1][k], want)
		}
	}
	if sg.Ops[0].Options != nil {
		t.Error("fusion changed the model's op")
	}
}
