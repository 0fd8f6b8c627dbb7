package convert

import (
	"encoding/binary"
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/fp16tool/fp16tool/graph"
	qm "github.com/fp16tool/fp16tool/int8"
)

// passModel: in [1,2,2,2] -> CONV_2D(w [3,1,1,2], b [3]) -> c
// -> MAX_POOL_2D 1x1 -> p; CONCATENATION(c, p) -> cat -> LOGISTIC -> out.
func passModel() *graph.Model {
	sg := &graph.Subgraph{
		Tensors: []*graph.Tensor{
			{Name: "in", Type: graph.Float32, Shape: []int32{1, 2, 2, 2}},
			{Name: "w", Type: graph.Float32, Shape: []int32{3, 1, 1, 2}, Data: f32bytes(1, -0.5, 0.25, 0.125, -2, 0)},
			{Name: "b", Type: graph.Float32, Shape: []int32{3}, Data: f32bytes(0.5, -0.25, 1)},
			{Name: "c", Type: graph.Float32, Shape: []int32{1, 2, 2, 3}},
			{Name: "p", Type: graph.Float32, Shape: []int32{1, 2, 2, 3}},
			{Name: "cat", Type: graph.Float32, Shape: []int32{1, 2, 2, 6}},
			{Name: "out", Type: graph.Float32, Shape: []int32{1, 2, 2, 6}},
		},
		Inputs: []int{0}, Outputs: []int{6},
		Ops: []*graph.Op{
			{Code: graph.OpConv2D, Version: 1, Inputs: []int{0, 1, 2}, Outputs: []int{3}, Options: &graph.Conv2DOptions{StrideW: 1, StrideH: 1, DilationW: 1, DilationH: 1}},
			{Code: graph.OpMaxPool2D, Version: 1, Inputs: []int{3}, Outputs: []int{4}, Options: &graph.Pool2DOptions{StrideW: 1, StrideH: 1, FilterW: 1, FilterH: 1}},
			{Code: graph.OpConcatenation, Version: 1, Inputs: []int{3, 4}, Outputs: []int{5}, Options: &graph.ConcatenationOptions{Axis: 3}},
			{Code: graph.OpLogistic, Version: 1, Inputs: []int{5}, Outputs: []int{6}},
		},
	}
	return &graph.Model{Version: 3, Subgraphs: []*graph.Subgraph{sg}}
}

var passRanges = map[int]ActivationRange{0: {-1, 1}, 3: {-3, 2}, 4: {-3, 2}, 5: {-4, 4}, 6: {0, 1}}

func byName(sg *graph.Subgraph, name string) *graph.Tensor {
	for _, t := range sg.Tensors {
		if t.Name == name {
			return t
		}
	}
	return nil
}

// TestFullIntegerRules checks the rules on a small model against values
// computed here from the spec: per-channel weights, int32 bias with scale
// input × weight, MAX_POOL_2D sharing its input's parameters, CONCATENATION
// inputs requantized to its output's, LOGISTIC's fixed output, float I/O
// through QUANTIZE/DEQUANTIZE, and the op versions TFLite writes.
func TestFullIntegerRules(t *testing.T) {
	m := passModel()
	res, err := FullInteger(m, passRanges, Int8Options{})
	if err != nil {
		t.Fatal(err)
	}
	sg := m.Main()
	if err := Verify(m); err != nil {
		t.Fatal(err)
	}
	w, b := byName(sg, "w"), byName(sg, "b")
	if w.Type != graph.Int8 || len(w.Quant.Scale) != 3 || w.Quant.QuantizedDimension != 0 {
		t.Fatalf("weights %s %+v", w.Type, w.Quant)
	}
	// Channel 0 is {1, -0.5}: scale 1/127, values {127, -64} (half away from zero: -63.5 -> -64).
	if w.Quant.Scale[0] != float32(1)/127 || int8(w.Data[0]) != 127 || int8(w.Data[1]) != -64 {
		t.Errorf("channel 0: scale %g values %d %d", w.Quant.Scale[0], int8(w.Data[0]), int8(w.Data[1]))
	}
	in := qm.Asymmetric(-1, 1, -128, 127)
	if b.Type != graph.Int32 || b.Quant.Scale[0] != in.Scale*w.Quant.Scale[0] {
		t.Fatalf("bias %s scale %v, want %g", b.Type, b.Quant.Scale, in.Scale*w.Quant.Scale[0])
	}
	if got, want := int32(binary.LittleEndian.Uint32(b.Data)), int32(math.Round(float64(0.5/(in.Scale*w.Quant.Scale[0])))); got != want {
		t.Errorf("bias[0] = %d, want %d", got, want)
	}
	c, p, cat, out := byName(sg, "c"), byName(sg, "p"), byName(sg, "cat"), byName(sg, "out_int8")
	cp := qm.Asymmetric(-3, 2, -128, 127)
	if c.Type != graph.Int8 || c.Quant.Scale[0] != cp.Scale || c.Quant.ZeroPoint[0] != int64(cp.ZeroPoint) {
		t.Errorf("conv output %+v, want %+v", c.Quant, cp)
	}
	if p.Quant.Scale[0] != c.Quant.Scale[0] || p.Quant.ZeroPoint[0] != c.Quant.ZeroPoint[0] {
		t.Errorf("MAX_POOL_2D output %+v differs from its input's %+v", p.Quant, c.Quant)
	}
	if out == nil || out.Quant.Scale[0] != 1.0/256 || out.Quant.ZeroPoint[0] != -128 {
		t.Fatalf("LOGISTIC output %+v, want 1/256, -128", out)
	}
	if sg.Tensors[6].Type != graph.Float32 || sg.Tensors[0].Type != graph.Float32 {
		t.Errorf("model I/O became %s, %s", sg.Tensors[0].Type, sg.Tensors[6].Type)
	}
	versions := map[string]int32{}
	var concat *graph.Op
	for _, op := range sg.Ops {
		versions[op.Name()] = op.Version
		if op.Code == graph.OpConcatenation {
			concat = op
		}
	}
	want := map[string]int32{"CONV_2D": 3, "MAX_POOL_2D": 2, "CONCATENATION": 2, "LOGISTIC": 2, "QUANTIZE": 1, "DEQUANTIZE": 2}
	for k, v := range want {
		if versions[k] != v {
			t.Errorf("%s version %d, want %d", k, versions[k], v)
		}
	}
	for _, i := range concat.Inputs {
		q := sg.Tensors[i].Quant
		if q.Scale[0] != cat.Quant.Scale[0] || q.ZeroPoint[0] != cat.Quant.ZeroPoint[0] {
			t.Errorf("CONCATENATION input %q %+v not requantized to %+v", sg.Tensors[i].Name, q, cat.Quant)
		}
	}
	// 1 QUANTIZE at the input, 2 requantizing the concat inputs.
	if res.QuantizeAdded != 3 || res.DequantizeAdded != 1 || len(res.FloatOps) != 0 {
		t.Errorf("added %d QUANTIZE, %d DEQUANTIZE, float ops %q", res.QuantizeAdded, res.DequantizeAdded, res.FloatOps)
	}
}

// TestFullIntegerIO: uint8 I/O keeps the tensor indices with zero point
// + 128; a missing range keeps the op float, and is an error integer-only.
func TestFullIntegerIO(t *testing.T) {
	m := passModel()
	if _, err := FullInteger(m, passRanges, Int8Options{IO: graph.Uint8, IntegerOnly: true}); err != nil {
		t.Fatal(err)
	}
	sg := m.Main()
	in := sg.Tensors[0]
	want := qm.Asymmetric(-1, 1, -128, 127)
	if in.Type != graph.Uint8 || in.Quant.ZeroPoint[0] != int64(want.ZeroPoint)+128 || sg.Tensors[6].Type != graph.Uint8 {
		t.Errorf("input %s %+v, output %s", in.Type, in.Quant, sg.Tensors[6].Type)
	}
	noCat := map[int]ActivationRange{}
	for k, v := range passRanges {
		if k != 5 {
			noCat[k] = v
		}
	}
	_, err := FullInteger(passModel(), noCat, Int8Options{IO: graph.Int8, IntegerOnly: true})
	if !errors.Is(err, ErrNotInteger) || !strings.Contains(err.Error(), `op 2 (CONCATENATION): output 5 "cat" has no calibrated range`) {
		t.Errorf("err = %v", err)
	}
	res, err := FullInteger(passModel(), noCat, Int8Options{})
	if err != nil || len(res.FloatOps) != 2 {
		t.Errorf("float ops %q, err %v (want CONCATENATION and LOGISTIC)", res.FloatOps, err)
	}
}

// TestDynamicRangeRules: CONV_2D weights with at least MinElements
// elements become int8 per channel (hybrid, v5), the bias stays float;
// below the threshold they stay float32.
func TestDynamicRangeRules(t *testing.T) {
	m := passModel()
	res, err := DynamicRange(m, Int8Options{MinElements: 6})
	if err != nil {
		t.Fatal(err)
	}
	sg := m.Main()
	w := byName(sg, "w")
	if res.Quantized != 1 || w.Type != graph.Int8 || len(w.Quant.Scale) != 3 || sg.Ops[0].Version != 5 || byName(sg, "b").Type != graph.Float32 {
		t.Errorf("quantized %d, weights %s %v, conv v%d", res.Quantized, w.Type, w.Quant, sg.Ops[0].Version)
	}
	m = passModel()
	res, err = DynamicRange(m, Int8Options{})
	if err != nil || res.Quantized != 0 || res.Kept != 1 || !strings.Contains(res.Tensors[0].Reason, "fewer than --min-elements=1024") {
		t.Errorf("default threshold: %+v %v", res, err)
	}
}

// tailModel: in [1,2,2,2] -> CONV_2D a, CONV_2D b -> RESHAPE each to
// [1,12] -> CONCATENATION (axis 1) -> cat [1,24]; with reshapeAfter a
// RESHAPE to [1,4,6] follows, with alsoRead a LOGISTIC reads cat too (its
// output a second graph output). The graph output is the last tensor.
func tailModel(reshapeAfter, alsoRead bool) (*graph.Model, map[int]ActivationRange) {
	f := func(v ...float32) []byte { return f32bytes(v...) }
	sg := &graph.Subgraph{
		Tensors: []*graph.Tensor{
			{Name: "in", Type: graph.Float32, Shape: []int32{1, 2, 2, 2}},
			{Name: "wa", Type: graph.Float32, Shape: []int32{3, 1, 1, 2}, Data: f(1, -0.5, 0.25, 0.125, -2, 0)},
			{Name: "wb", Type: graph.Float32, Shape: []int32{3, 1, 1, 2}, Data: f(90, -40, 25, 12, -200, 7)},
			{Name: "a", Type: graph.Float32, Shape: []int32{1, 2, 2, 3}},
			{Name: "b", Type: graph.Float32, Shape: []int32{1, 2, 2, 3}},
			{Name: "shape", Type: graph.Int32, Shape: []int32{2}, Data: i32bytes(1, 12)},
			{Name: "ra", Type: graph.Float32, Shape: []int32{1, 12}},
			{Name: "rb", Type: graph.Float32, Shape: []int32{1, 12}},
			{Name: "cat", Type: graph.Float32, Shape: []int32{1, 24}},
		},
		Inputs: []int{0},
		Ops: []*graph.Op{
			{Code: graph.OpConv2D, Version: 1, Inputs: []int{0, 1, -1}, Outputs: []int{3}, Options: &graph.Conv2DOptions{StrideW: 1, StrideH: 1, DilationW: 1, DilationH: 1}},
			{Code: graph.OpConv2D, Version: 1, Inputs: []int{0, 2, -1}, Outputs: []int{4}, Options: &graph.Conv2DOptions{StrideW: 1, StrideH: 1, DilationW: 1, DilationH: 1}},
			{Code: graph.OpReshape, Version: 1, Inputs: []int{3, 5}, Outputs: []int{6}, Options: &graph.ReshapeOptions{NewShape: []int32{1, 12}}},
			{Code: graph.OpReshape, Version: 1, Inputs: []int{4, 5}, Outputs: []int{7}, Options: &graph.ReshapeOptions{NewShape: []int32{1, 12}}},
			{Code: graph.OpConcatenation, Version: 1, Inputs: []int{6, 7}, Outputs: []int{8}, Options: &graph.ConcatenationOptions{Axis: 1}},
		},
	}
	ranges := map[int]ActivationRange{0: {-1, 1}, 3: {-2, 2}, 4: {-300, 100}, 6: {-2, 2}, 7: {-300, 100}, 8: {-300, 100}}
	last := 8
	if reshapeAfter {
		sg.Tensors = append(sg.Tensors,
			&graph.Tensor{Name: "shape2", Type: graph.Int32, Shape: []int32{3}, Data: i32bytes(1, 4, 6)},
			&graph.Tensor{Name: "out", Type: graph.Float32, Shape: []int32{1, 4, 6}})
		sg.Ops = append(sg.Ops, &graph.Op{Code: graph.OpReshape, Version: 1, Inputs: []int{8, 9}, Outputs: []int{10}, Options: &graph.ReshapeOptions{NewShape: []int32{1, 4, 6}}})
		last = 10
		ranges[10] = ranges[8]
	}
	sg.Outputs = []int{last}
	if alsoRead {
		sg.Tensors = append(sg.Tensors, &graph.Tensor{Name: "sig", Type: graph.Float32, Shape: []int32{1, 24}})
		sig := len(sg.Tensors) - 1
		sg.Ops = append(sg.Ops, &graph.Op{Code: graph.OpLogistic, Version: 1, Inputs: []int{8}, Outputs: []int{sig}})
		sg.Outputs = append(sg.Outputs, sig)
		ranges[sig] = ActivationRange{0, 1}
	}
	return &graph.Model{Version: 3, Subgraphs: []*graph.Subgraph{sg}}, ranges
}

func i32bytes(v ...int32) []byte {
	b := make([]byte, 4*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(b[4*i:], uint32(x))
	}
	return b
}

// TestFloatTails: a CONCATENATION just before a float output whose inputs
// would step 2x or more finer alone runs in float after a DEQUANTIZE of
// each input (each keeps its own scale), with the RESHAPE after it; not
// with IntTails, integer I/O, inputs of similar ranges, or when another op
// reads the concatenation.
func TestFloatTails(t *testing.T) {
	for _, tc := range []struct {
		name                   string
		reshapeAfter, alsoRead bool
		opt                    Int8Options
		narrowB                bool // b's range like a's: no gain
		want                   int  // ops in FloatTails
	}{
		{"concat", false, false, Int8Options{}, false, 1},
		{"concat+reshape", true, false, Int8Options{}, false, 2},
		{"IntTails", false, false, Int8Options{IntTails: true}, false, 0},
		{"int8 I/O", false, false, Int8Options{IO: graph.Int8}, false, 0},
		{"integer-only", false, false, Int8Options{IntegerOnly: true}, false, 0},
		{"similar ranges", false, false, Int8Options{}, true, 0},
		{"read elsewhere", false, true, Int8Options{}, false, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, ranges := tailModel(tc.reshapeAfter, tc.alsoRead)
			if tc.narrowB {
				ranges[4], ranges[7], ranges[8] = ActivationRange{-3, 2}, ActivationRange{-3, 2}, ActivationRange{-3, 2}
				if tc.reshapeAfter {
					ranges[10] = ranges[8]
				}
			}
			res, err := FullInteger(m, ranges, tc.opt)
			if err != nil {
				t.Fatal(err)
			}
			if err := Verify(m); err != nil {
				t.Fatal(err)
			}
			if len(res.FloatTails) != tc.want {
				t.Fatalf("float tails %q, want %d", res.FloatTails, tc.want)
			}
			sg := m.Main()
			prod := sg.Producers()
			var concat *graph.Op
			for _, op := range sg.Ops {
				if op.Code == graph.OpConcatenation {
					concat = op
				}
			}
			if tc.want == 0 {
				if ty := sg.Tensors[concat.Outputs[0]].Type; ty == graph.Float32 {
					t.Errorf("CONCATENATION output is %s, want integer", ty)
				}
				return
			}
			if !strings.Contains(res.FloatTails[0], "CONCATENATION") || !strings.Contains(res.FloatTails[0], "x the finest input's own") {
				t.Errorf("float tail %q", res.FloatTails[0])
			}
			// Each input: a DEQUANTIZE of the int8 RESHAPE output, which
			// keeps its conv's own scale.
			for i, ti := range concat.Inputs {
				d := sg.Ops[prod[ti]]
				if sg.Tensors[ti].Type != graph.Float32 || d.Code != graph.OpDequantize {
					t.Fatalf("concat input %d: %s from %s", i, sg.Tensors[ti].Type, d.Name())
				}
				q := sg.Tensors[d.Inputs[0]]
				want := activationParams(ranges[[]int{3, 4}[i]])
				if q.Type != graph.Int8 || q.Quant.Scale[0] != want.Scale {
					t.Errorf("concat input %d dequantizes %s %+v, want scale %g", i, q.Type, q.Quant, want.Scale)
				}
			}
			for _, o := range sg.Outputs {
				if p := sg.Ops[prod[o]]; sg.Tensors[o].Type != graph.Float32 || p.Code == graph.OpDequantize {
					t.Errorf("output %q: %s from %s, want float from the tail", sg.Tensors[o].Name, sg.Tensors[o].Type, p.Name())
				}
			}
		})
	}
}
