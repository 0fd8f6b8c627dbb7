package tflite

import (
	"math"
	"reflect"
	"testing"

	flatbuffers "github.com/google/flatbuffers/go"

	"github.com/fp16tool/fp16tool/graph"
	"github.com/fp16tool/fp16tool/tflite/internal/schema"
)

// TestSaveSharesTables checks that Save writes one quantization table for
// tensors with equal parameters and one options table for ops with equal
// graph-typed options, never merges tables that differ in any field, and
// that the model loads back unchanged (each tensor and op with its own
// values).
func TestSaveSharesTables(t *testing.T) {
	q := func(scale float32, zp int64, dim int32, minmax bool) *graph.Quantization {
		r := &graph.Quantization{Scale: []float32{scale}, ZeroPoint: []int64{zp}, QuantizedDimension: dim}
		if minmax {
			r.Min, r.Max = []float32{-1}, []float32{1}
		}
		return r
	}
	conv := func(stride int32, act graph.Activation) *graph.Conv2DOptions {
		return &graph.Conv2DOptions{Padding: graph.PaddingSame, StrideW: stride, StrideH: stride, Activation: act, DilationW: 1, DilationH: 1}
	}
	cases := []struct {
		name       string
		quants     []*graph.Quantization // of tensors 1..n (tensor 0 is the input)
		opts       []any                 // of ops 0..n-1, each reading tensor i and writing i+1
		wantQuants int                   // distinct quantization tables
		wantOpts   int                   // distinct options tables
	}{
		{"equal", []*graph.Quantization{q(0.5, 3, 0, false), q(0.5, 3, 0, false), q(0.5, 3, 0, false)},
			[]any{conv(1, graph.ActRelu), conv(1, graph.ActRelu), conv(1, graph.ActRelu)}, 1, 1},
		{"scale differs", []*graph.Quantization{q(0.5, 3, 0, false), q(0.25, 3, 0, false)},
			[]any{conv(1, graph.ActRelu), conv(2, graph.ActRelu)}, 2, 2},
		{"zero point differs", []*graph.Quantization{q(0.5, 3, 0, false), q(0.5, 4, 0, false)},
			[]any{conv(1, graph.ActRelu), conv(1, graph.ActRelu6)}, 2, 2},
		{"dimension differs", []*graph.Quantization{q(0.5, 3, 0, false), q(0.5, 3, 1, false)},
			[]any{&graph.ReshapeOptions{NewShape: []int32{1, 4}}, &graph.ReshapeOptions{NewShape: []int32{4, 1}}}, 2, 2},
		{"min/max differ", []*graph.Quantization{q(0.5, 3, 0, false), q(0.5, 3, 0, true), q(0.5, 3, 0, true)},
			[]any{&graph.ReshapeOptions{NewShape: []int32{1, 4}}, &graph.ReshapeOptions{NewShape: []int32{1, 4}}, &graph.SqueezeOptions{}}, 2, 2},
		{"padding beyond SAME/VALID differs", []*graph.Quantization{q(0.5, 3, 0, false), q(0.5, 3, 0, false)},
			[]any{conv(1, graph.ActRelu), &graph.Conv2DOptions{Padding: 7, StrideW: 1, StrideH: 1, Activation: graph.ActRelu, DilationW: 1, DilationH: 1}}, 1, 2},
		{"NaN payloads differ", []*graph.Quantization{q(0.5, 3, 0, false), q(0.5, 3, 0, false), q(0.5, 3, 0, false)},
			[]any{&graph.SoftmaxOptions{Beta: math.Float32frombits(0x7fc00001)}, &graph.SoftmaxOptions{Beta: math.Float32frombits(0x7fc00002)},
				&graph.SoftmaxOptions{Beta: math.Float32frombits(0x7fc00001)}}, 1, 2},
		{"custom details never shared", []*graph.Quantization{
			{Details: &schema.CustomQuantizationT{Custom: []byte{1}}}, {Details: &schema.CustomQuantizationT{Custom: []byte{1}}}},
			[]any{conv(1, graph.ActNone), &graph.DepthwiseConv2DOptions{Padding: graph.PaddingSame, StrideW: 1, StrideH: 1, DilationW: 1, DilationH: 1}}, 2, 2},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			sg := &graph.Subgraph{Tensors: []*graph.Tensor{{Name: "t0", Type: graph.Int8, Shape: []int32{1, 4}}}, Inputs: []int{0}}
			for i, qp := range c.quants {
				sg.Tensors = append(sg.Tensors, &graph.Tensor{Name: "t" + string(rune('1'+i)), Type: graph.Int8, Shape: []int32{1, 4}, Quant: qp})
			}
			for i, o := range c.opts {
				code := graph.OpConv2D
				switch o.(type) {
				case *graph.ReshapeOptions:
					code = graph.OpReshape
				case *graph.SqueezeOptions:
					code = graph.OpSqueeze
				case *graph.DepthwiseConv2DOptions:
					code = graph.OpDepthwiseConv2D
				case *graph.SoftmaxOptions:
					code = graph.OpSoftmax
				}
				sg.Ops = append(sg.Ops, &graph.Op{Code: code, Version: 1, Inputs: []int{i}, Outputs: []int{i + 1}, Options: o})
			}
			sg.Outputs = []int{len(c.opts)}
			m := &graph.Model{Version: 3, Subgraphs: []*graph.Subgraph{sg}}
			out, err := Save(m)
			if err != nil {
				t.Fatal(err)
			}
			root := schema.GetRootAsModel(out, 0)
			var fsg schema.SubGraph
			root.Subgraphs(&fsg, 0)
			quants, opts := map[flatbuffers.UOffsetT]bool{}, map[flatbuffers.UOffsetT]bool{}
			var ft schema.Tensor
			for i := range fsg.TensorsLength() {
				fsg.Tensors(&ft, i)
				if qp := ft.Quantization(nil); qp != nil {
					quants[qp.Table().Pos] = true
				}
			}
			var fop schema.Operator
			var tab flatbuffers.Table
			for i := range fsg.OperatorsLength() {
				fsg.Operators(&fop, i)
				if fop.BuiltinOptions(&tab) {
					opts[tab.Pos] = true
				}
			}
			if len(quants) != c.wantQuants || len(opts) != c.wantOpts {
				t.Errorf("%d quantization tables (want %d), %d options tables (want %d)", len(quants), c.wantQuants, len(opts), c.wantOpts)
			}
			back, err := Load(c.name, out)
			if err != nil {
				t.Fatal(err)
			}
			for i, qp := range c.quants {
				if got := back.Main().Tensors[i+1].Quant; !reflect.DeepEqual(got, qp) {
					t.Errorf("tensor %d: quantization %+v, want %+v", i+1, got, qp)
				}
			}
			for i, o := range c.opts {
				got := back.Main().Ops[i].Options
				if gk, _ := optionsKey(got); gk != mustKey(t, o) {
					t.Errorf("op %d: options %+v, want %+v", i, got, o)
				}
			}
		})
	}
}

// mustKey returns optionsKey(v) (exact bits, NaN payloads included).
func mustKey(t *testing.T, v any) string {
	t.Helper()
	k, ok := optionsKey(v)
	if !ok {
		t.Fatalf("no key for %T", v)
	}
	return k
}
