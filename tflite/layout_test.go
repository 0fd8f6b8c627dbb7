package tflite

import (
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/fp16tool/fp16tool/graph"
	"github.com/fp16tool/fp16tool/internal/testenv"
	"github.com/fp16tool/fp16tool/tflite/internal/schema"
)

// TestLargeLayout saves with the offset/size layout of models over 2 GB
// (forced by lowering the limit) and checks the data lies after the
// flatbuffer, 16-byte aligned, and that the model round-trips.
func TestLargeLayout(t *testing.T) {
	old := inlineLimit
	inlineLimit = 0
	defer func() { inlineLimit = old }()
	m := testModel()
	out := roundTrip(t, "large", m)
	root := schema.GetRootAsModel(out, 0)
	var b schema.Buffer
	ext := 0
	for i := range root.BuffersLength() {
		root.Buffers(&b, i)
		if b.DataLength() != 0 {
			t.Errorf("buffer %d has inline data in the large layout", i)
		}
		if off := b.Offset(); off > 1 {
			ext++
			if off%16 != 0 {
				t.Errorf("buffer %d at offset %d, not 16-byte aligned", i, off)
			}
		} else if i != 0 && b.Size() != 0 {
			t.Errorf("buffer %d: size %d without offset", i, b.Size())
		}
	}
	if ext == 0 {
		t.Fatal("no buffer stored after the flatbuffer")
	}
	// Same model written inline loads deep-equal to the large layout.
	inlineLimit = old
	m2, err := Load("large", out)
	if err != nil {
		t.Fatal(err)
	}
	in, err := Save(m2)
	if err != nil {
		t.Fatal(err)
	}
	m3, err := Load("inline", in)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(m2, m3) {
		t.Errorf("large and inline layouts load differently: %s", firstDiff(m2, m3))
	}
	if len(in) >= len(out)+64 || binary.LittleEndian.Uint32(in) == 0 {
		t.Logf("inline %d bytes, large %d bytes", len(in), len(out))
	}
}

// TestSaveRejects checks that Save refuses models that would make a bad
// file, with an error naming the place.
func TestSaveRejects(t *testing.T) {
	cases := []struct {
		name   string
		modify func(m *graph.Model)
		want   string
	}{
		{"no subgraphs", func(m *graph.Model) { m.Subgraphs = nil }, "no subgraphs"},
		{"input out of range", func(m *graph.Model) { m.Main().Ops[0].Inputs[0] = 999 }, "subgraph 0, op 0 (CONV_2D): input 0 is tensor 999"},
		{"output -1", func(m *graph.Model) { m.Main().Ops[1].Outputs[0] = -1 }, "op 1 (DEPTHWISE_CONV_2D): output 0 is tensor -1"},
		{"data size", func(m *graph.Model) { m.Main().Tensors[3].Data = []byte{1} }, `tensor 3 ("q"): INT8 [3] needs 3 bytes of data, its buffer has 1`},
		{"unknown dtype", func(m *graph.Model) { m.Main().Tensors[0].Type = 77 }, "unknown type 77"},
		{"cycle", func(m *graph.Model) { m.Main().Ops[0].Inputs[0] = m.Main().Ops[3].Outputs[0] }, "on a cycle"},
		{"signature subgraph", func(m *graph.Model) { m.Signatures[0].SubgraphIndex = 5 }, "signature 0 (\"serving_default\"): subgraph 5"},
		{"options type", func(m *graph.Model) { m.Main().Ops[0].Options = "conv" }, "options of unknown type string"},
		{"nil options pointer", func(m *graph.Model) { m.Main().Ops[0].Options = (*graph.Conv2DOptions)(nil) }, "options of unknown type"},
		{"options2 type", func(m *graph.Model) { m.Main().Ops[0].Options2 = 3 }, "options2 of unknown type int"},
		{"quant details type", func(m *graph.Model) { m.Main().Tensors[4].Quant.Details = []byte{1} }, "quantization details of unknown type"},
		{"sparse index too wide", func(m *graph.Model) {
			m.Main().Tensors[5].Sparsity.DimMetadata[1].Indices[0] = 300
			m.Main().Tensors[5].Sparsity.DimMetadata[1].IndicesType = graph.IndexUint8
		}, "does not fit its index type"},
		{"while body", func(m *graph.Model) { m.Subgraphs = m.Subgraphs[:1]; m.Signatures = m.Signatures[:1] }, "cond subgraph is subgraph 1, the model has 1"},
		{"nil tensor", func(m *graph.Model) { m.Main().Tensors[2] = nil }, "tensor 2 is nil"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := testModel()
			c.modify(m)
			_, err := Save(m)
			if err == nil {
				t.Fatal("Save accepted it")
			}
			if !errors.Is(err, ErrMalformed) || !strings.Contains(err.Error(), c.want) || !strings.HasPrefix(err.Error(), "tflite: save: ") {
				t.Errorf("error %q, want ErrMalformed with %q", err, c.want)
			}
		})
	}
}

func TestLoadFile(t *testing.T) {
	dir := t.TempDir()
	out, err := Save(testModel())
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, "m.tflite")
	if err := os.WriteFile(p, out, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadFile(p); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, out[:100], 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadFile(p); err == nil || !strings.HasPrefix(err.Error(), "tflite: m.tflite: ") || !errors.Is(err, ErrMalformed) {
		t.Errorf("truncated file: %v", err)
	}
	if _, err := LoadFile(filepath.Join(dir, "missing.tflite")); err == nil || errors.Is(err, ErrMalformed) || !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
}

// TestResaveFixtures writes each fixture re-saved (LoadFile then Save) to
// $TFLITE_RESAVE_DIR, for comparing the real runtime's outputs on the
// original and the re-saved file. It is skipped when the variable is unset.
func TestResaveFixtures(t *testing.T) {
	dir := os.Getenv("TFLITE_RESAVE_DIR")
	if dir == "" {
		t.Skip("TFLITE_RESAVE_DIR is not set")
	}
	for _, p := range testenv.Models(t) {
		m, err := LoadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		out, err := Save(m)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, filepath.Base(p)), out, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
