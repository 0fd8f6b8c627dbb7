package convert

import (
	"encoding/binary"
	"math"
	"path/filepath"
	"testing"

	"github.com/fp16tool/fp16tool/graph"
	"github.com/fp16tool/fp16tool/int8"
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

// TestLayerErrorsClip: in the per-layer report, a logit read only by
// LOGISTIC is compared with the float logit clipped to ±8 (Clip 8), where
// the int8 model saturates it on purpose, so it is not reported as a
// 0 dB layer; without the clip its error would be the clipped-away part.
func TestLayerErrorsClip(t *testing.T) {
	hundred := make([]byte, 4)
	binary.LittleEndian.PutUint32(hundred, math.Float32bits(100))
	build := func() *graph.Model {
		return &graph.Model{Version: 3, Subgraphs: []*graph.Subgraph{{
			Tensors: []*graph.Tensor{
				{Name: "x", Type: graph.Float32, Shape: []int32{1, 64}},
				{Name: "k", Type: graph.Float32, Shape: []int32{1}, Data: hundred},
				{Name: "logit", Type: graph.Float32, Shape: []int32{1, 64}},
				{Name: "y", Type: graph.Float32, Shape: []int32{1, 64}},
			},
			Inputs: []int{0}, Outputs: []int{3},
			Ops: []*graph.Op{
				{Code: graph.OpMul, Version: 1, Inputs: []int{0, 1}, Outputs: []int{2}, Options: &graph.MulOptions{}},
				{Code: graph.OpLogistic, Version: 1, Inputs: []int{2}, Outputs: []int{3}},
			},
		}}}
	}
	x := make([]float32, 4*64)
	for i := range x {
		x[i] = float32(i%64)/32 - 1 // [-1, 1): logits over [-100, 97]
	}
	path := filepath.Join(t.TempDir(), "x.npy")
	writeNpy(t, path, []int{4, 1, 64}, x)
	f := build()
	open := func() CalibSource {
		ins, err := ModelInputs(f)
		if err != nil {
			t.Fatal(err)
		}
		src, err := OpenCalib(path, ins, CalibDataOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return src
	}
	src := open()
	rs, err := Calibrate(f, src, CalibOptions{Method: int8.MinMax})
	src.Close()
	if err != nil {
		t.Fatal(err)
	}
	q := build()
	res, err := FullInteger(q, Ranges(rs), Int8Options{IO: graph.Float32})
	if err != nil {
		t.Fatal(err)
	}
	src = open()
	defer src.Close()
	layers, err := LayerErrors(f, q, res, src, 1)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, l := range layers {
		if l.Name != "logit" {
			continue
		}
		found = true
		if l.Clip != 8 || l.Min != -8 || l.Max != 8 || l.SNR < 30 || l.Method != "int8" {
			t.Errorf("logit: clip %g, range [%g, %g], SNR %.1f dB (%s); want clip 8, range [-8, 8], SNR >= 30 dB (int8)", l.Clip, l.Min, l.Max, l.SNR, l.Method)
		}
	}
	if !found {
		t.Errorf("no layer for the logit in %+v", layers)
	}
}
