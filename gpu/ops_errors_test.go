package gpu

import (
	"strings"
	"testing"

	"github.com/fp16tool/fp16tool/engine"
	"github.com/fp16tool/fp16tool/graph"
)

// oneOp is a model of one op on input tensor 0 ([1,4,4,2] FLOAT32 unless
// the case says otherwise) and the extra tensors given, with output
// tensor 1.
func oneOp(op *graph.Op, outShape []int32, extra ...*graph.Tensor) *graph.Model {
	sg := &graph.Subgraph{
		Tensors: append([]*graph.Tensor{
			{Name: "in", Type: graph.Float32, Shape: []int32{1, 4, 4, 2}},
			{Name: "out", Type: graph.Float32, Shape: outShape},
		}, extra...),
		Inputs:  []int{0},
		Outputs: []int{1},
		Ops:     []*graph.Op{op},
	}
	return &graph.Model{Version: 3, Subgraphs: []*graph.Subgraph{sg}}
}

// TestOpErrors checks that ops the GPU kernels cannot run as given fail
// to compile with one line naming the model, the op and the problem.
func TestOpErrors(t *testing.T) {
	needVulkan(t)
	i32 := func(shape []int32, v ...int32) *graph.Tensor {
		return &graph.Tensor{Name: "c", Type: graph.Int32, Shape: shape, Data: graph.Int32Data(v...)}
	}
	cases := []struct {
		name string
		m    *graph.Model
		want []string
	}{
		{"gather_index_out_of_range", oneOp(&graph.Op{Code: graph.OpGather, Inputs: []int{0, 2}, Outputs: []int{1},
			Options: graph.GatherOptions{Axis: 1}}, []int32{1, 2, 4, 2}, i32([]int32{2}, 1, 7)),
			[]string{"op 0 (GATHER)", "index 7", "out of range for axis 1"}},
		{"concat_fused_relu", oneOp(&graph.Op{Code: graph.OpConcatenation, Inputs: []int{0, 0}, Outputs: []int{1},
			Options: graph.ConcatenationOptions{Axis: 3, Activation: graph.ActRelu}}, []int32{1, 4, 4, 4}),
			[]string{"op 0 (CONCATENATION)", "fused activation RELU"}},
		{"padv2_runtime_value", func() *graph.Model {
			m := oneOp(&graph.Op{Code: graph.OpPadv2, Inputs: []int{0, 2, 3}, Outputs: []int{1}}, []int32{1, 6, 4, 2},
				i32([]int32{4, 2}, 0, 0, 1, 1, 0, 0, 0, 0), &graph.Tensor{Name: "fill", Type: graph.Float32, Shape: []int32{}})
			m.Main().Inputs = []int{0, 3}
			return m
		}(), []string{"op 0 (PADV2)", "must be a FLOAT32 constant"}},
		{"transpose_bias_short_options", oneOp(&graph.Op{Code: graph.OpCustom, Custom: "Convolution2DTransposeBias",
			Inputs: []int{0, 2, 3}, Outputs: []int{1}, CustomOptions: make([]byte, 8)}, []int32{1, 8, 8, 1},
			&graph.Tensor{Name: "w", Type: graph.Float32, Shape: []int32{1, 2, 2, 2}, Data: graph.Float32Data(1, 2, 3, 4, 5, 6, 7, 8)},
			&graph.Tensor{Name: "b", Type: graph.Float32, Shape: []int32{1}, Data: graph.Float32Data(0)}),
			[]string{"Convolution2DTransposeBias", "custom options have 8 bytes"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p, err := Compile(c.m, engine.Options{Name: c.name + ".tflite"})
			if err == nil {
				p.Close()
				t.Fatalf("compiled; want an error with %q", c.want)
			}
			msg := err.Error()
			for _, w := range append(c.want, c.name+".tflite") {
				if !strings.Contains(msg, w) {
					t.Errorf("error %q does not say %q", msg, w)
				}
			}
			if strings.Contains(msg, "\n") {
				t.Errorf("error %q spans lines", msg)
			}
		})
	}
}
