package convert

import (
	"testing"

	"github.com/fp16tool/fp16tool/graph"
)

// TestClampSaturating: a tensor read only by LOGISTIC (or TANH) gets its
// range narrowed to ±8 (±4); one with another reader, or a model output,
// keeps its range; the caller's map is not changed.
func TestClampSaturating(t *testing.T) {
	f := func(name string) *graph.Tensor {
		return &graph.Tensor{Name: name, Type: graph.Float32, Shape: []int32{1, 4}}
	}
	sg := &graph.Subgraph{
		Tensors: []*graph.Tensor{f("logit"), f("sig"), f("shared"), f("sig2"), f("neg"), f("t"), f("tanh"), f("out"), f("sig3")},
		Ops: []*graph.Op{
			{Code: graph.OpLogistic, Inputs: []int{0}, Outputs: []int{1}},
			{Code: graph.OpLogistic, Inputs: []int{2}, Outputs: []int{3}},
			{Code: graph.OpNeg, Inputs: []int{2}, Outputs: []int{4}},
			{Code: graph.OpTanh, Inputs: []int{5}, Outputs: []int{6}},
			{Code: graph.OpLogistic, Inputs: []int{7}, Outputs: []int{8}},
		},
		Outputs: []int{1, 3, 4, 6, 7, 8},
	}
	in := map[int]ActivationRange{0: {-819, 333}, 2: {-50, 50}, 5: {-1, 20}, 7: {-30, 30}}
	got := clampSaturating(sg, in)
	want := map[int]ActivationRange{0: {-8, 8}, 2: {-50, 50}, 5: {-1, 4}, 7: {-30, 30}}
	for ti, w := range want {
		if got[ti] != w {
			t.Errorf("tensor %d %q: range %v, want %v", ti, sg.Tensors[ti].Name, got[ti], w)
		}
	}
	if in[0] != (ActivationRange{-819, 333}) {
		t.Errorf("the caller's ranges changed: %v", in[0])
	}
}
