package cpu

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/fp16tool/fp16tool/engine"
	"github.com/fp16tool/fp16tool/engine/conformance"
	"github.com/fp16tool/fp16tool/graph"
)

// TestInt8RunDoesNotAllocate compiles every int8 conformance case with the
// reference and the default kernels and checks that Run allocates nothing.
func TestInt8RunDoesNotAllocate(t *testing.T) {
	for _, c := range conformance.Int8Cases() {
		for _, opt := range []engine.Options{{Threads: 2}, {Threads: 1, Reference: true}} {
			m, err := c.Model()
			if err != nil {
				t.Fatal(err)
			}
			p, err := Compile(m, opt)
			if err != nil {
				t.Fatalf("%s: %v", c.Name, err)
			}
			for i, in := range c.Inputs(m) {
				copy(p.Input(i), in.Data)
			}
			if err := p.Run(); err != nil {
				t.Fatalf("%s: %v", c.Name, err)
			}
			if n := testing.AllocsPerRun(3, func() { p.Run() }); n != 0 {
				t.Errorf("%s %+v: %v allocations per Run, want 0", c.Name, opt, n)
			}
			p.Close()
		}
	}
}

// qmodel builds a one-op model: inputs of the given tensors (model inputs
// unless they have data), one output.
func qmodel(code graph.OpCode, options any, out *graph.Tensor, ins ...*graph.Tensor) *graph.Model {
	sg := &graph.Subgraph{}
	op := &graph.Op{Code: code, Options: options}
	for _, t := range ins {
		sg.Tensors = append(sg.Tensors, t)
		i := len(sg.Tensors) - 1
		op.Inputs = append(op.Inputs, i)
		if t.Data == nil {
			sg.Inputs = append(sg.Inputs, i)
		}
	}
	sg.Tensors = append(sg.Tensors, out)
	op.Outputs = []int{len(sg.Tensors) - 1}
	sg.Outputs = op.Outputs
	sg.Ops = []*graph.Op{op}
	return &graph.Model{Version: 3, Subgraphs: []*graph.Subgraph{sg}}
}

func qt(name string, d graph.DType, scale float32, zero int64, shape ...int32) *graph.Tensor {
	return &graph.Tensor{Name: name, Type: d, Shape: shape, Quant: &graph.Quantization{Scale: []float32{scale}, ZeroPoint: []int64{zero}}}
}

func i32const(v ...int32) *graph.Tensor {
	b := make([]byte, 4*len(v))
	for i, x := range v {
		b[4*i], b[4*i+1], b[4*i+2], b[4*i+3] = byte(x), byte(x>>8), byte(x>>16), byte(x>>24)
	}
	return &graph.Tensor{Name: "const", Type: graph.Int32, Shape: []int32{int32(len(v))}, Data: b}
}

// TestInt8Errors: models the int8 kernels refuse fail to compile with one
// line naming the model, the op and the tensor, and never panic.
func TestInt8Errors(t *testing.T) {
	perAxis := qt("in", graph.Int8, 0.1, 0, 1, 4, 4, 2)
	perAxis.Quant = &graph.Quantization{Scale: []float32{0.1, 0.2}, ZeroPoint: []int64{0, 0}, QuantizedDimension: 3}
	noQuant := &graph.Tensor{Name: "in", Type: graph.Int8, Shape: []int32{2, 3}}
	for _, tc := range []struct {
		name string
		m    *graph.Model
		want []string
	}{
		{"reshape changes parameters", qmodel(graph.OpReshape, graph.ReshapeOptions{NewShape: []int32{6}},
			qt("out", graph.Int8, 0.2, 0, 6), qt("in", graph.Int8, 0.1, 0, 2, 3), i32const(6)),
			[]string{"RESHAPE", `"out"`, "equal parameters"}},
		{"no quantization", qmodel(graph.OpAdd, graph.AddOptions{},
			qt("out", graph.Int8, 0.1, 0, 2, 3), noQuant, qt("b", graph.Int8, 0.1, 0, 2, 3)),
			[]string{"ADD", `"in"`, "no quantization parameters"}},
		{"per-axis activation", qmodel(graph.OpAveragePool2D, graph.Pool2DOptions{Padding: graph.PaddingValid, StrideH: 1, StrideW: 1, FilterH: 2, FilterW: 2},
			qt("out", graph.Int8, 0.1, 0, 1, 3, 3, 2), perAxis),
			[]string{"AVERAGE_POOL_2D", `"in"`, "per axis"}},
		{"zero point out of range", qmodel(graph.OpLogistic, nil,
			qt("out", graph.Int8, 1.0/256, -128, 2, 3), qt("in", graph.Int8, 0.1, 300, 2, 3)),
			[]string{"LOGISTIC", `"in"`, "zero point 300"}},
		{"zero scale", qmodel(graph.OpTanh, nil,
			qt("out", graph.Int8, 1.0/128, 0, 2, 3), qt("in", graph.Int8, 0, 0, 2, 3)),
			[]string{"TANH", `"in"`, "scale 0"}},
		{"mixed types", qmodel(graph.OpSoftmax, graph.SoftmaxOptions{Beta: 1},
			qt("out", graph.Uint8, 1.0/256, 0, 2, 3), qt("in", graph.Int8, 0.1, 0, 2, 3)),
			[]string{"SOFTMAX", "must be INT8"}},
		{"pool changes parameters", qmodel(graph.OpMaxPool2D, graph.Pool2DOptions{Padding: graph.PaddingValid, StrideH: 1, StrideW: 1, FilterH: 2, FilterW: 2},
			qt("out", graph.Int8, 0.2, 0, 1, 3, 3, 2), qt("in", graph.Int8, 0.1, 0, 1, 4, 4, 2)),
			[]string{"MAX_POOL_2D", "equal parameters"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Compile(tc.m, engine.Options{Name: "q.tflite"})
			if err == nil {
				t.Fatal("compiled")
			}
			msg := err.Error()
			if strings.Contains(msg, "\n") {
				t.Errorf("error has several lines: %q", msg)
			}
			for _, w := range append(tc.want, "q.tflite", "op 0") {
				if !strings.Contains(msg, w) {
					t.Errorf("error %q does not say %q", msg, w)
				}
			}
		})
	}
}

// TestSupportedIn: the int8 dispatch picks the kernel set by the tensors'
// element types; an op with a float kernel but no int8 one is unsupported
// on INT8 tensors.
func TestSupportedIn(t *testing.T) {
	div := qmodel(graph.OpDiv, graph.DivOptions{}, qt("out", graph.Int8, 0.1, 0, 4), qt("a", graph.Int8, 0.1, 0, 4), qt("b", graph.Int8, 0.1, 0, 4))
	add := qmodel(graph.OpAdd, graph.AddOptions{}, qt("out", graph.Int8, 0.1, 0, 4), qt("a", graph.Int8, 0.1, 0, 4), qt("b", graph.Int8, 0.1, 0, 4))
	quant := qmodel(graph.OpQuantize, nil, qt("out", graph.Int8, 0.1, 0, 4), &graph.Tensor{Name: "f", Type: graph.Float32, Shape: []int32{4}})
	fdiv := chain(0, 4)
	fdiv.Main().Ops = []*graph.Op{{Code: graph.OpDiv}}
	for _, tc := range []struct {
		name string
		sg   *graph.Subgraph
		op   *graph.Op
		want bool
	}{
		{"int8 ADD", add.Main(), add.Main().Ops[0], true},
		{"int8 DIV", div.Main(), div.Main().Ops[0], false},
		{"QUANTIZE from float", quant.Main(), quant.Main().Ops[0], true},
	} {
		if got := SupportedIn(tc.sg, tc.op); got != tc.want {
			t.Errorf("%s: SupportedIn = %v, want %v", tc.name, got, tc.want)
		}
	}
	if !Supported(div.Main().Ops[0]) {
		t.Error("Supported(DIV) = false; the float kernel exists")
	}
	_, err := Compile(div, engine.Options{})
	var ue *UnsupportedOpError
	if !errors.As(err, &ue) || ue.Op != "DIV" {
		t.Errorf("compiling an int8 DIV: %v, want an UnsupportedOpError for DIV", err)
	}
}

// TestInt8ConcatRequantizes: a CONCATENATION whose inputs have other
// parameters than its output requantizes them (TFLite's converter never
// writes one, so the oracle cannot check it): each value is checked
// against dequantize-then-quantize in float64, at most one step apart,
// and the input with the output's parameters is copied unchanged.
func TestInt8ConcatRequantizes(t *testing.T) {
	a := qt("a", graph.Int8, 0.05, 3, 1, 4, 64)
	b := qt("b", graph.Int8, 0.11, -20, 1, 4, 64)
	out := qt("out", graph.Int8, 0.08, -5, 1, 8, 64)
	m := qmodel(graph.OpConcatenation, graph.ConcatenationOptions{Axis: 1}, out, a, b)
	for _, opt := range []engine.Options{{}, {Reference: true}} {
		p, err := Compile(m, opt)
		if err != nil {
			t.Fatal(err)
		}
		for i := range 2 {
			for j := range p.Input(i) {
				p.Input(i)[j] = byte(j*7 + i*3)
			}
		}
		if err := p.Run(); err != nil {
			t.Fatal(err)
		}
		o := p.Output(0)
		for j, v := range p.Input(0) {
			real := 0.05 * float64(int(int8(v))-3)
			want := max(-128, min(127, int(math.Round(real/0.08))-5))
			if d := int(int8(o[j])) - want; d < -1 || d > 1 {
				t.Fatalf("a[%d] = %d became %d, want %d", j, int8(v), int8(o[j]), want)
			}
		}
		for j, v := range p.Input(1) {
			real := 0.11 * float64(int(int8(v))+20)
			want := max(-128, min(127, int(math.Round(real/0.08))-5))
			if d := int(int8(o[256+j])) - want; d < -1 || d > 1 {
				t.Fatalf("b[%d] = %d became %d, want %d", j, int8(v), int8(o[256+j]), want)
			}
		}
		p.Close()
	}
	// Equal parameters: a plain copy.
	m = qmodel(graph.OpConcatenation, graph.ConcatenationOptions{Axis: 1}, qt("out", graph.Int8, 0.05, 3, 1, 8, 64), a, qt("b", graph.Int8, 0.05, 3, 1, 4, 64))
	p, err := Compile(m, engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	for i := range 2 {
		for j := range p.Input(i) {
			p.Input(i)[j] = byte(j + 100*i)
		}
	}
	if err := p.Run(); err != nil {
		t.Fatal(err)
	}
	if string(p.Output(0)[:256]) != string(p.Input(0)) || string(p.Output(0)[256:]) != string(p.Input(1)) {
		t.Error("CONCATENATION with equal parameters changed the values")
	}
}
