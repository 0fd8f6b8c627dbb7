package fp16_test

import (
	"testing"

	"github.com/fp16tool/fp16tool/fp16"
	"github.com/fp16tool/fp16tool/graph"
	"github.com/fp16tool/fp16tool/internal/testenv"
	"github.com/fp16tool/fp16tool/tflite"
)

// clone copies what Quantize changes (tensor fields, op lists and input
// lists), sharing the constant data, which Quantize never writes.
func clone(m *graph.Model) *graph.Model {
	c := *m
	c.Subgraphs = nil
	for _, sg := range m.Subgraphs {
		s := *sg
		s.Tensors = make([]*graph.Tensor, len(sg.Tensors))
		for i, t := range sg.Tensors {
			tt := *t
			s.Tensors[i] = &tt
		}
		s.Ops = make([]*graph.Op, len(sg.Ops))
		for i, op := range sg.Ops {
			o := *op
			o.Inputs = append([]int(nil), op.Inputs...)
			s.Ops[i] = &o
		}
		c.Subgraphs = append(c.Subgraphs, &s)
	}
	return &c
}

// BenchmarkFP16PassPoseHeavy times the float16 pass (plan, convert with
// range statistics, DEQUANTIZE insertion) on pose_landmark_heavy expanded
// to float32 (13.8M weights, 55 MB): issue 3's "Done when" item 3.
func BenchmarkFP16PassPoseHeavy(b *testing.B) {
	m, err := tflite.LoadFile(testenv.Model(b, "pose_landmark_heavy"))
	if err != nil {
		b.Fatal(err)
	}
	if _, err := fp16.Expand(m); err != nil {
		b.Fatal(err)
	}
	var bytes int64
	for _, t := range m.Main().Tensors {
		if t.Type == graph.Float32 && t.Data != nil {
			bytes += int64(len(t.Data))
		}
	}
	b.SetBytes(bytes)
	b.ResetTimer()
	for b.Loop() {
		b.StopTimer()
		c := clone(m)
		b.StartTimer()
		res, err := fp16.Quantize(c, fp16.Options{})
		if err != nil {
			b.Fatal(err)
		}
		if res.Converted != 396 {
			b.Fatalf("converted %d tensors, want 396", res.Converted)
		}
	}
}
