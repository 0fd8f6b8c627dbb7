package graph_test

import (
	"path/filepath"
	"slices"
	"testing"

	"github.com/fp16tool/fp16tool/graph"
	"github.com/fp16tool/fp16tool/internal/testenv"
	"github.com/fp16tool/fp16tool/tflite"
)

// TestInferShapesFixtures erases the shape of every tensor an op writes in
// the real models, infers them again from the graph inputs and constants,
// and compares with the shapes the TFLite converter recorded.
func TestInferShapesFixtures(t *testing.T) {
	for _, path := range testenv.Models(t) {
		t.Run(filepath.Base(path), func(t *testing.T) {
			m, err := tflite.LoadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			for si, s := range m.Subgraphs {
				recorded := make([][]int32, len(s.Tensors))
				erased := 0
				for _, op := range s.Ops {
					for _, o := range op.Outputs {
						recorded[o] = s.Tensors[o].Shape
						s.Tensors[o].Shape = nil
						erased++
					}
				}
				if err := graph.InferShapes(s); err != nil {
					t.Fatalf("subgraph %d: %v", si, err)
				}
				for i, want := range recorded {
					if want != nil && !slices.Equal(s.Tensors[i].Shape, want) {
						t.Errorf("subgraph %d tensor %d %q: inferred %v, recorded %v", si, i, s.Tensors[i].Name, s.Tensors[i].Shape, want)
					}
				}
				if erased == 0 {
					t.Errorf("subgraph %d: no op outputs", si)
				}
				// Every op is in the registry.
				for i, op := range s.Ops {
					if _, ok := graph.LookupOp(op); !ok {
						t.Errorf("op %d (%s) is not registered", i, op.Name())
					}
				}
			}
		})
	}
}
