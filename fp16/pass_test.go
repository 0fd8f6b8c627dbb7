package fp16

import (
	"encoding/binary"
	"errors"
	"math"
	"reflect"
	"regexp"
	"testing"

	"github.com/fp16tool/fp16tool/graph"
	"github.com/x448/float16"
)

func f32const(name string, shape []int32, v ...float32) *graph.Tensor {
	return &graph.Tensor{Name: name, Type: graph.Float32, Shape: shape, Data: f32bytes(v...)}
}

func act(name string, shape ...int32) *graph.Tensor {
	return &graph.Tensor{Name: name, Type: graph.Float32, Shape: shape}
}

// testModel: in -> CONV_2D(w, b) -> ADD(shared) -> MUL(shared) -> out,
// plus an INT32 constant, an int8 quantized constant and an unused one.
func testModel() *graph.Model {
	sg := &graph.Subgraph{
		Tensors: []*graph.Tensor{
			act("in", 1, 2, 2, 1),                   // 0
			f32const("w", []int32{1, 1, 1, 1}, 0.1), // 1
			f32const("b", []int32{1}, 3),            // 2
			act("conv", 1, 2, 2, 1),                 // 3
			f32const("shared", []int32{1}, 1e-3),    // 4
			act("add", 1, 2, 2, 1),                  // 5
			act("out", 1, 2, 2, 1),                  // 6
			{Name: "shape", Type: graph.Int32, Shape: []int32{1}, Data: []byte{4, 0, 0, 0}}, // 7
			{Name: "q", Type: graph.Int8, Shape: []int32{2}, Data: []byte{1, 0xff},
				Quant: &graph.Quantization{Scale: []float32{0.5}, ZeroPoint: []int64{0}}}, // 8
			f32const("unused", []int32{1}, 7), // 9
		},
		Inputs:  []int{0},
		Outputs: []int{6},
		Ops: []*graph.Op{
			{Code: graph.OpConv2D, Inputs: []int{0, 1, 2}, Outputs: []int{3}},
			{Code: graph.OpAdd, Inputs: []int{3, 4}, Outputs: []int{5}},
			{Code: graph.OpMul, Inputs: []int{5, 4}, Outputs: []int{6}},
		},
	}
	return &graph.Model{Version: 3, Subgraphs: []*graph.Subgraph{sg},
		Signatures: []*graph.Signature{{Key: "serving_default", Inputs: []graph.SignatureTensor{{Name: "in", Tensor: 0}}, Outputs: []graph.SignatureTensor{{Name: "out", Tensor: 6}}}}}
}

func f16of(v ...float32) []byte {
	b := make([]byte, 2*len(v))
	for i, f := range v {
		binary.LittleEndian.PutUint16(b[2*i:], float16.Fromfloat32(f).Bits())
	}
	return b
}

// opSummary lists each op as "NAME in... -> out..." with tensor names.
func opSummary(sg *graph.Subgraph) []string {
	var out []string
	for _, op := range sg.Ops {
		s := op.Name()
		for _, i := range op.Inputs {
			s += " " + sg.Tensors[i].Name
		}
		s += " ->"
		for _, o := range op.Outputs {
			s += " " + sg.Tensors[o].Name
		}
		out = append(out, s)
	}
	return out
}

func TestQuantize(t *testing.T) {
	m := testModel()
	res, err := Quantize(m, Options{})
	if err != nil {
		t.Fatal(err)
	}
	sg := m.Main()
	want := []string{
		"DEQUANTIZE w -> w_dequantize",
		"DEQUANTIZE b -> b_dequantize",
		"CONV_2D in w_dequantize b_dequantize -> conv",
		"DEQUANTIZE shared -> shared_dequantize",
		"ADD conv shared_dequantize -> add",
		"MUL add shared_dequantize -> out",
	}
	if got := opSummary(sg); !reflect.DeepEqual(got, want) {
		t.Errorf("ops:\n%q\nwant\n%q", got, want)
	}
	if res.Converted != 3 || res.Dequantize != 3 {
		t.Errorf("converted %d, dequantize %d; want 3, 3", res.Converted, res.Dequantize)
	}
	for i, w := range map[int][]byte{1: f16of(0.1), 2: f16of(3), 4: f16of(1e-3)} {
		tt := sg.Tensors[i]
		if tt.Type != graph.Float16 || !reflect.DeepEqual(tt.Data, w) {
			t.Errorf("tensor %s: %s %x, want FLOAT16 %x", tt.Name, tt.Type, tt.Data, w)
		}
	}
	for _, op := range sg.Ops {
		if op.Code == graph.OpDequantize {
			if op.Version != DequantizeVersion {
				t.Errorf("DEQUANTIZE version %d", op.Version)
			}
			if o := sg.Tensors[op.Outputs[0]]; o.Type != graph.Float32 || o.Data != nil {
				t.Errorf("DEQUANTIZE output %s is %s const=%v", o.Name, o.Type, o.IsConst())
			}
		}
	}
	if sg.Tensors[0].Type != graph.Float32 || sg.Tensors[6].Type != graph.Float32 {
		t.Error("graph input/output changed type")
	}
	if sg.Tensors[7].Type != graph.Int32 || sg.Tensors[8].Type != graph.Int8 || sg.Tensors[9].Type != graph.Float32 {
		t.Error("int32, quantized or unused constant changed")
	}
	reasons := map[string]string{}
	for _, tr := range res.Tensors {
		reasons[tr.Name] = tr.Reason
	}
	if reasons["unused"] != ReasonUnused || reasons["w"] != ReasonConvert {
		t.Errorf("reasons %v", reasons)
	}
}

func TestQuantizeExclude(t *testing.T) {
	tests := []struct {
		name string
		opt  Options
		keep []string
	}{
		{"ops", Options{ExcludeOps: []graph.OpCode{graph.OpMul}}, []string{"shared"}},
		{"ops conv", Options{ExcludeOps: []graph.OpCode{graph.OpConv2D}}, []string{"w", "b"}},
		{"tensors", Options{ExcludeTensors: regexp.MustCompile(`^[wb]$`)}, []string{"w", "b"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := testModel()
			res, err := Quantize(m, tc.opt)
			if err != nil {
				t.Fatal(err)
			}
			var kept []string
			for _, tr := range res.Tensors {
				if !tr.Convert && tr.Reason != ReasonUnused {
					kept = append(kept, tr.Name)
				}
			}
			if !reflect.DeepEqual(kept, tc.keep) {
				t.Errorf("kept %v, want %v", kept, tc.keep)
			}
			for _, tt := range m.Main().Tensors {
				for _, k := range tc.keep {
					if tt.Name == k && tt.Type != graph.Float32 {
						t.Errorf("%s became %s", k, tt.Type)
					}
				}
			}
		})
	}
}

func TestQuantizeRange(t *testing.T) {
	for _, tc := range []struct {
		name string
		v    float32
		want string
	}{
		{"big", 1e6, `tensor "w": 1 of 1 values beyond ±65504 clamped (largest magnitude 1e+06)`},
		{"nan", float32(math.NaN()), `tensor "w": 1 NaN and 0 Inf values`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := testModel()
			m.Main().Tensors[1].Data = f32bytes(tc.v)
			_, err := Quantize(m, Options{Strict: true})
			if !errors.Is(err, ErrRange) {
				t.Fatalf("strict: err = %v, want ErrRange", err)
			}
			if len(m.Main().Ops) != 3 || m.Main().Tensors[1].Type != graph.Float32 {
				t.Error("strict failure changed the model")
			}
			res, err := Quantize(m, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Warnings) != 1 || res.Warnings[0] != tc.want {
				t.Errorf("warnings %q, want %q", res.Warnings, tc.want)
			}
			if tc.name == "big" && binary.LittleEndian.Uint16(m.Main().Tensors[1].Data) != 0x7bff {
				t.Errorf("1e6 stored as %#x, want 0x7bff", m.Main().Tensors[1].Data)
			}
		})
	}
}

func TestQuantizeBadSize(t *testing.T) {
	m := testModel()
	m.Main().Tensors[1].Data = []byte{1, 2, 3, 4, 5, 6, 7, 8}
	if _, err := Quantize(m, Options{}); err == nil {
		t.Fatal("no error for 8 bytes in a 1-element tensor")
	}
}

// TestExpandRoundTrip: Quantize then Expand gives back the original
// graph (names, ops, indices, signatures) with the float16-rounded
// values, and Quantize of that gives bit-identical float16 constants.
func TestExpandRoundTrip(t *testing.T) {
	m := testModel()
	m.Main().Tensors = m.Main().Tensors[:7] // drop unused tensors: Expand removes them
	if _, err := Quantize(m, Options{}); err != nil {
		t.Fatal(err)
	}
	q1 := opSummary(m.Main())
	f16 := map[string][]byte{}
	for _, tt := range m.Main().Tensors {
		if tt.Type == graph.Float16 {
			f16[tt.Name] = tt.Data
		}
	}
	res, err := Expand(m)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Folded) != 3 || res.RemovedTensors != 3 {
		t.Errorf("folded %d, removed %d; want 3, 3", len(res.Folded), res.RemovedTensors)
	}
	orig := testModel()
	orig.Main().Tensors = orig.Main().Tensors[:7]
	if got, want := opSummary(m.Main()), opSummary(orig.Main()); !reflect.DeepEqual(got, want) {
		t.Errorf("expanded ops %q, want %q", got, want)
	}
	if !reflect.DeepEqual(m.Main().Inputs, orig.Main().Inputs) || !reflect.DeepEqual(m.Main().Outputs, orig.Main().Outputs) ||
		!reflect.DeepEqual(m.Signatures, orig.Signatures) {
		t.Error("inputs, outputs or signatures differ after expand")
	}
	for i, tt := range m.Main().Tensors {
		o := orig.Main().Tensors[i]
		if tt.Name != o.Name || tt.Type != o.Type {
			t.Errorf("tensor %d: %s %s, want %s %s", i, tt.Name, tt.Type, o.Name, o.Type)
		}
		if w, ok := f16[tt.Name]; ok {
			back := make([]byte, len(w)*2)
			Decode(back, w)
			if !reflect.DeepEqual(tt.Data, back) {
				t.Errorf("tensor %s: %x, want %x", tt.Name, tt.Data, back)
			}
		}
	}
	if _, err := Quantize(m, Options{}); err != nil {
		t.Fatal(err)
	}
	if got := opSummary(m.Main()); !reflect.DeepEqual(got, q1) {
		t.Errorf("requantized ops %q, want %q", got, q1)
	}
	for _, tt := range m.Main().Tensors {
		if w, ok := f16[tt.Name]; ok && !reflect.DeepEqual(tt.Data, w) {
			t.Errorf("tensor %s: float16 %x, want %x", tt.Name, tt.Data, w)
		}
	}
}

// TestExpandSparse: sparse FLOAT16 -> DENSIFY -> DEQUANTIZE, as the TFLite
// converter writes it, expands to a sparse float32 constant and back.
func TestExpandSparse(t *testing.T) {
	sp := &graph.Sparsity{TraversalOrder: []int32{0}, DimMetadata: []graph.DimMetadata{{Format: graph.DimSparseCSR, Segments: []int32{0, 2}, Indices: []int32{0, 3}}}}
	build := func() *graph.Model {
		sg := &graph.Subgraph{
			Tensors: []*graph.Tensor{
				act("in", 4),
				{Name: "k_dequantize", Type: graph.Float16, Shape: []int32{4}, Data: f16of(1.5, -2), Sparsity: sp},
				{Name: "k_dequantize1", Type: graph.Float16, Shape: []int32{4}},
				act("k_dequantize2", 4),
				act("out", 4),
			},
			Inputs: []int{0}, Outputs: []int{4},
			Ops: []*graph.Op{
				{Code: graph.OpDensify, Inputs: []int{1}, Outputs: []int{2}},
				{Code: graph.OpDequantize, Version: 3, Inputs: []int{2}, Outputs: []int{3}},
				{Code: graph.OpAdd, Inputs: []int{0, 3}, Outputs: []int{4}},
			},
		}
		return &graph.Model{Subgraphs: []*graph.Subgraph{sg}}
	}
	m := build()
	if _, err := Expand(m); err != nil {
		t.Fatal(err)
	}
	sg := m.Main()
	want := []string{"DENSIFY k_dequantize -> k_dequantize1", "ADD in k_dequantize1 -> out"}
	if got := opSummary(sg); !reflect.DeepEqual(got, want) {
		t.Fatalf("expanded %q, want %q", got, want)
	}
	if k := sg.Tensors[1]; k.Type != graph.Float32 || !reflect.DeepEqual(k.Data, f32bytes(1.5, -2)) || k.Sparsity == nil {
		t.Fatalf("sparse constant %s %x", k.Type, k.Data)
	}
	if _, err := Quantize(m, Options{}); err != nil {
		t.Fatal(err)
	}
	want = []string{"DENSIFY k_dequantize -> k_dequantize1", "DEQUANTIZE k_dequantize1 -> k_dequantize1_dequantize", "ADD in k_dequantize1_dequantize -> out"}
	if got := opSummary(sg); !reflect.DeepEqual(got, want) {
		t.Fatalf("requantized %q, want %q", got, want)
	}
	if k := sg.Tensors[1]; k.Type != graph.Float16 || !reflect.DeepEqual(k.Data, f16of(1.5, -2)) || sg.Tensors[2].Type != graph.Float16 {
		t.Fatalf("sparse constant %s %x, densify output %s", k.Type, k.Data, sg.Tensors[2].Type)
	}
}

func TestExpandInt8PerChannel(t *testing.T) {
	sg := &graph.Subgraph{
		Tensors: []*graph.Tensor{
			act("in", 1, 3),
			{Name: "w", Type: graph.Int8, Shape: []int32{2, 3}, Data: []byte{1, 2, 0x81, 0xff, 0, 127},
				Quant: &graph.Quantization{Scale: []float32{0.5, 0.25}, ZeroPoint: []int64{0, 1}}},
			act("w_dq", 2, 3),
			act("out", 1, 2),
		},
		Inputs: []int{0}, Outputs: []int{3},
		Ops: []*graph.Op{
			{Code: graph.OpDequantize, Inputs: []int{1}, Outputs: []int{2}},
			{Code: graph.OpFullyConnected, Inputs: []int{0, 2, -1}, Outputs: []int{3}},
		},
	}
	m := &graph.Model{Subgraphs: []*graph.Subgraph{sg}}
	res, err := Expand(m)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Folded) != 1 || res.Folded[0].From != "INT8" {
		t.Errorf("folded %+v", res.Folded)
	}
	w := sg.Tensors[1]
	if w.Name != "w" || w.Type != graph.Float32 || w.Quant != nil {
		t.Fatalf("weights %s %s %v", w.Name, w.Type, w.Quant)
	}
	if want := f32bytes(0.5, 1, -63.5, -0.5, -0.25, 31.5); !reflect.DeepEqual(w.Data, want) {
		t.Errorf("data %x, want %x", w.Data, want)
	}
	if got := sg.Ops[0].Inputs; !reflect.DeepEqual(got, []int{0, 1, -1}) {
		t.Errorf("FULLY_CONNECTED inputs %v", got)
	}
}

func TestRemoveUnusedTensorsRenumbers(t *testing.T) {
	m := testModel()
	// Tensor 9 is unused; put it first so that every index shifts.
	sg := m.Main()
	u := sg.Tensors[9]
	copy(sg.Tensors[1:], sg.Tensors[:9])
	sg.Tensors[0] = u
	for _, op := range sg.Ops {
		for j := range op.Inputs {
			op.Inputs[j]++
		}
		for j := range op.Outputs {
			op.Outputs[j]++
		}
	}
	sg.Inputs[0]++
	sg.Outputs[0]++
	m.Signatures[0].Inputs[0].Tensor++
	m.Signatures[0].Outputs[0].Tensor++
	if n := RemoveUnusedTensors(m); n != 3 { // unused, shape and q
		t.Fatalf("removed %d, want 3", n)
	}
	ref := testModel()
	if got, want := opSummary(sg), opSummary(ref.Main()); !reflect.DeepEqual(got, want) {
		t.Errorf("ops %q, want %q", got, want)
	}
	if !reflect.DeepEqual(m.Signatures, ref.Signatures) || sg.Inputs[0] != 0 || sg.Outputs[0] != 6 {
		t.Errorf("signatures %+v inputs %v outputs %v", m.Signatures[0], sg.Inputs, sg.Outputs)
	}
}

// TestPlanReasons covers the constants Quantize must leave in float32, and
// names that are already taken.
func TestPlanReasons(t *testing.T) {
	sp := &graph.Sparsity{TraversalOrder: []int32{0}, DimMetadata: []graph.DimMetadata{{Format: graph.DimDense, DenseSize: 1}}}
	sg := &graph.Subgraph{
		Tensors: []*graph.Tensor{
			act("in", 1),                   // 0
			f32const("io", []int32{1}, 1),  // 1: also a subgraph output
			f32const("var", []int32{1}, 2), // 2: variable
			{Name: "sparse", Type: graph.Float32, Shape: []int32{1}, Data: f32bytes(3), Sparsity: sp}, // 3: read by ADD directly
			f32const("c", []int32{1}, 4), // 4
			act("c_dequantize", 1),       // 5: name taken
			act("out", 1),                // 6
			act("out2", 1),               // 7
		},
		Inputs:  []int{0},
		Outputs: []int{6, 1},
		Ops: []*graph.Op{
			{Code: graph.OpAdd, Inputs: []int{0, 1}, Outputs: []int{5}},
			{Code: graph.OpAdd, Inputs: []int{5, 2}, Outputs: []int{7}},
			{Code: graph.OpMul, Inputs: []int{7, 3}, Outputs: []int{6}},
			{Code: graph.OpMul, Inputs: []int{6, 4}, Outputs: []int{6}},
		},
	}
	sg.Tensors[2].IsVariable = true
	// A second subgraph with its own constant: planned independently.
	sg2 := &graph.Subgraph{
		Tensors: []*graph.Tensor{act("x", 1), f32const("k", []int32{1}, 5), act("y", 1)},
		Inputs:  []int{0}, Outputs: []int{2},
		Ops: []*graph.Op{{Code: graph.OpMul, Inputs: []int{0, 1}, Outputs: []int{2}}},
	}
	m := &graph.Model{Subgraphs: []*graph.Subgraph{sg, sg2}}
	res, err := Quantize(m, Options{})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, tr := range res.Tensors {
		got[tr.Name] = tr.Reason
	}
	want := map[string]string{"io": ReasonGraphIO, "var": ReasonVariable, "sparse": ReasonSparse, "c": ReasonConvert, "k": ReasonConvert}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("reasons %v, want %v", got, want)
	}
	if n := sg.Tensors[len(sg.Tensors)-1].Name; n != "c_dequantize1" {
		t.Errorf("new tensor named %q, want c_dequantize1", n)
	}
	if got := opSummary(sg2); !reflect.DeepEqual(got, []string{"DEQUANTIZE k -> k_dequantize", "MUL x k_dequantize -> y"}) {
		t.Errorf("subgraph 1: %q", got)
	}
}
