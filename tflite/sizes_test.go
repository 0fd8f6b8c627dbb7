package tflite

import (
	"errors"
	"testing"

	"github.com/fp16tool/fp16tool/graph"
)

// quantConvModel is a small int8 convolution: per-channel weight and bias
// scales, activations with min/max, zero-point vectors shared between the
// weight and the bias (equal contents), optional metadata.
func quantConvModel(withMeta bool) *graph.Model {
	act := func(name string, s float32, z int64) *graph.Tensor {
		return &graph.Tensor{Name: name, Type: graph.Int8, Shape: []int32{1, 4, 4, 2},
			Quant: &graph.Quantization{Scale: []float32{s}, ZeroPoint: []int64{z}, Min: []float32{-1}, Max: []float32{2}}}
	}
	zp := []int64{0, 0}
	sg := &graph.Subgraph{Name: "main",
		Tensors: []*graph.Tensor{
			act("input", 0.02, -3),
			{Name: "conv/weights", Type: graph.Int8, Shape: []int32{2, 3, 3, 2}, Data: make([]byte, 36),
				Quant: &graph.Quantization{Scale: []float32{0.1, 0.2}, ZeroPoint: zp}},
			{Name: "conv/bias", Type: graph.Int32, Shape: []int32{2}, Data: make([]byte, 8),
				Quant: &graph.Quantization{Scale: []float32{0.002, 0.004}, ZeroPoint: []int64{0, 0}}},
			act("conv/output", 0.05, 7),
		},
		Inputs: []int{0}, Outputs: []int{3},
		Ops: []*graph.Op{{Code: graph.OpConv2D, Version: 3, Inputs: []int{0, 1, 2}, Outputs: []int{3},
			Options: &graph.Conv2DOptions{Padding: graph.PaddingSame, StrideW: 1, StrideH: 1, DilationW: 1, DilationH: 1}}},
	}
	m := &graph.Model{Version: 3, Description: "sizes test", Subgraphs: []*graph.Subgraph{sg}}
	if withMeta {
		m.Metadata = []*graph.Metadata{{Name: "min_runtime_version", Data: []byte("1.14.0\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00")}}
	}
	return m
}

// TestFileBytes checks that every byte is attributed, and the categories
// that can be counted from the model independently: constant data, names,
// and the quantization vectors (each distinct vector once: length prefix
// plus elements).
func TestFileBytes(t *testing.T) {
	cases := []struct {
		name  string
		m     *graph.Model
		large bool // offset/size layout: data after the flatbuffer
		want  map[string]int64
	}{
		{"int8 conv", quantConvModel(false), false, map[string]int64{
			BytesConstantData: 36 + 8,
			BytesMetadata:     0,
			BytesNames:        (4 + 5 + 1) + (4 + 12 + 1) + (4 + 9 + 1) + (4 + 11 + 1),
			// [0.1 0.2], [0.002 0.004], [0.02], [0.05]
			BytesQuantScale: 2*(4+8) + 2*(4+4),
			// one [0 0] vector shared by weight and bias, -3 and 7
			BytesQuantZero: (4 + 16) + 2*(4+8),
			// one [-1] and one [2] vector shared by both activations
			BytesQuantMinMax: 2 * (4 + 4),
			BytesOther:       0,
		}},
		{"int8 conv, data after the flatbuffer", quantConvModel(false), true, map[string]int64{
			BytesConstantData: 36 + 8,
			BytesQuantMinMax:  2 * (4 + 4),
			BytesOther:        0,
		}},
		{"metadata", quantConvModel(true), false, map[string]int64{
			BytesConstantData: 36 + 8,
			// data, name, the metadata vector, the table and its vtable
			BytesMetadata: 16 + (4 + 19 + 1) + (4 + 4) + 12 + 8,
			BytesOther:    0,
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.large {
				old := inlineLimit
				inlineLimit = 0
				defer func() { inlineLimit = old }()
			}
			data, err := Save(c.m)
			if err != nil {
				t.Fatal(err)
			}
			got, err := FileBytes("m.tflite", data)
			if err != nil {
				t.Fatal(err)
			}
			checkByteCounts(t, got, len(data), c.want)
			if c.large && byteCount(got, BytesPadding) < 1 {
				t.Errorf("no padding before the 16-byte aligned data after the flatbuffer")
			}
		})
	}
}

func byteCount(cs []ByteCount, cat string) int64 {
	for _, c := range cs {
		if c.Category == cat {
			return c.Bytes
		}
	}
	return -1
}

func checkByteCounts(t *testing.T, got []ByteCount, size int, want map[string]int64) {
	t.Helper()
	var sum int64
	for i, c := range got {
		if c.Category != byteCategories[i] {
			t.Errorf("category %d is %q, want %q", i, c.Category, byteCategories[i])
		}
		sum += c.Bytes
	}
	if sum != int64(size) {
		t.Errorf("categories add up to %d bytes, the file has %d: %v", sum, size, got)
	}
	for cat, n := range want {
		if g := byteCount(got, cat); g != n {
			t.Errorf("%s: %d bytes, want %d (%v)", cat, g, n, got)
		}
	}
}

// TestFileBytesEverything walks the model with every kind of field the
// saver writes (sparsity, signatures, variants, custom quantization,
// options of every type) and checks that everything is attributed and
// that each of those categories is seen.
func TestFileBytesEverything(t *testing.T) {
	data, err := Save(testModel())
	if err != nil {
		t.Fatal(err)
	}
	got, err := FileBytes("m.tflite", data)
	if err != nil {
		t.Fatal(err)
	}
	checkByteCounts(t, got, len(data), nil)
	for _, cat := range []string{BytesConstantData, BytesTensorTables, BytesShapes, BytesNames, BytesQuantTables,
		BytesQuantScale, BytesQuantZero, BytesQuantMinMax, BytesSparsity, BytesOps, BytesSignatures, BytesStructure} {
		if byteCount(got, cat) <= 0 {
			t.Errorf("%s: no bytes (%v)", cat, got)
		}
	}
	// Only the vectors inside StableHLO options tables go unattributed.
	if o := byteCount(got, BytesOther); o > len64(data)/10 {
		t.Errorf("%d of %d bytes unattributed", o, len(data))
	}
}

func len64(b []byte) int64 { return int64(len(b)) }

// TestFileBytesRejects checks that a malformed file is an error, not a
// panic or a partial count.
func TestFileBytesRejects(t *testing.T) {
	data, err := Save(quantConvModel(false))
	if err != nil {
		t.Fatal(err)
	}
	for _, bad := range [][]byte{nil, data[:7], data[:len(data)/2], append([]byte{0xff, 0xff, 0xff, 0x7f}, data[4:]...)} {
		if got, err := FileBytes("bad.tflite", bad); err == nil || !errors.Is(err, ErrMalformed) {
			t.Errorf("%d bytes: %v, %v; want ErrMalformed", len(bad), got, err)
		}
	}
}
