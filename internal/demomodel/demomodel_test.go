package demomodel

import (
	"bytes"
	"flag"
	"os"
	"testing"

	"github.com/fp16tool/fp16tool/graph"
	"github.com/fp16tool/fp16tool/tflite"
)

var update = flag.Bool("update", false, "rewrite demo_model.tflite from Build")

// TestEmbeddedIsBuild checks that the committed, embedded model is exactly
// what Build and tflite.Save give today.
func TestEmbeddedIsBuild(t *testing.T) {
	b, err := tflite.Save(Build())
	if err != nil {
		t.Fatal(err)
	}
	if *update {
		if err := os.WriteFile(FileName, b, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("wrote %s (%d bytes)", FileName, len(b))
		return
	}
	if !bytes.Equal(b, file) {
		t.Fatalf("rebuilt model (%d bytes) differs from the embedded %s (%d bytes): run go test ./internal/demomodel -update if the change is intended", len(b), FileName, len(file))
	}
}

func TestModelShape(t *testing.T) {
	m, err := tflite.Load(FileName, File())
	if err != nil {
		t.Fatal(err)
	}
	if err := graph.InferShapes(m.Main()); err != nil {
		t.Fatal(err)
	}
	sg := m.Main()
	want := map[graph.OpCode]bool{graph.OpConv2D: true, graph.OpDepthwiseConv2D: true, graph.OpAdd: true, graph.OpRelu6: true,
		graph.OpAveragePool2D: true, graph.OpFullyConnected: true, graph.OpSoftmax: true}
	for _, op := range sg.Ops {
		delete(want, op.Code)
	}
	if len(want) != 0 {
		t.Errorf("ops missing: %v", want)
	}
	out := sg.Tensors[sg.Outputs[0]]
	if len(out.Shape) != 2 || out.Shape[1] != Classes {
		t.Errorf("output shape %v", out.Shape)
	}
	consts := 0
	for _, tt := range sg.Tensors {
		if tt.IsConst() {
			consts++
		}
	}
	if consts != 10 {
		t.Errorf("%d constants, want 10", consts)
	}
}
