package convert

import (
	"encoding/binary"
	"errors"
	"image"
	"image/color"
	"image/png"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fp16tool/fp16tool/engine"
	"github.com/fp16tool/fp16tool/graph"
	"github.com/fp16tool/fp16tool/int8"
	"github.com/fp16tool/fp16tool/internal/tensorio"
)

// calibModel is y = relu(x + c), x FLOAT32 [1 4], c = [1, -1, 0.5, -3],
// with the ADD output (before the RELU) a tensor of its own.
func calibModel() *graph.Model {
	c := make([]byte, 16)
	for i, v := range []float32{1, -1, 0.5, -3} {
		binary.LittleEndian.PutUint32(c[4*i:], math.Float32bits(v))
	}
	sg := &graph.Subgraph{
		Tensors: []*graph.Tensor{
			{Name: "x", Type: graph.Float32, Shape: []int32{1, 4}},
			{Name: "c", Type: graph.Float32, Shape: []int32{4}, Data: c},
			{Name: "sum", Type: graph.Float32, Shape: []int32{1, 4}},
			{Name: "y", Type: graph.Float32, Shape: []int32{1, 4}},
		},
		Inputs:  []int{0},
		Outputs: []int{3},
		Ops: []*graph.Op{
			{Code: graph.OpAdd, Version: 1, Inputs: []int{0, 1}, Outputs: []int{2}, Options: &graph.AddOptions{}},
			{Code: graph.OpRelu, Version: 1, Inputs: []int{2}, Outputs: []int{3}},
		},
	}
	return &graph.Model{Version: 3, Subgraphs: []*graph.Subgraph{sg}}
}

func writeNpy(t *testing.T, path string, shape []int, v []float32) {
	t.Helper()
	x, err := tensorio.FromFloat32("", shape, v)
	if err != nil {
		t.Fatal(err)
	}
	if err := tensorio.WriteNpy(path, x); err != nil {
		t.Fatal(err)
	}
}

func writePNG(t *testing.T, path string, w, h int, c color.RGBA) {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.Set(x, y, color.RGBA{c.R + uint8(x), c.G, c.B + uint8(y), 255})
		}
	}
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := png.Encode(f, img); err != nil {
		t.Fatal(err)
	}
}

func drain(t *testing.T, src CalibSource) ([]CalibSample, error) {
	t.Helper()
	var out []CalibSample
	for {
		s, err := src.Next()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		// Copy: buffers may be reused.
		for k := range s.Inputs {
			s.Inputs[k].Data = append([]byte(nil), s.Inputs[k].Data...)
		}
		out = append(out, s)
	}
}

// TestCalibrateTiny checks the ranges of every float run-time tensor of a
// tiny model against values computed by hand, for a .npy batch.
func TestCalibrateTiny(t *testing.T) {
	dir := t.TempDir()
	batch := filepath.Join(dir, "batch.npy")
	writeNpy(t, batch, []int{3, 1, 4}, []float32{0, 0, 0, 0, 2, -2, 1, 1, -1, 5, 0.5, 10})
	m := calibModel()
	ins, _ := ModelInputs(m)
	src, err := OpenCalib(batch, ins, CalibDataOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	var warns []string
	// A progress writer that is not a terminal gets nothing.
	prog, err := os.Create(filepath.Join(dir, "progress"))
	if err != nil {
		t.Fatal(err)
	}
	defer prog.Close()
	got, err := Calibrate(m, src, CalibOptions{AllMethods: true, Progress: prog, Warn: func(s string) { warns = append(warns, s) }})
	if err != nil {
		t.Fatal(err)
	}
	if st, _ := prog.Stat(); st.Size() != 0 {
		t.Errorf("progress bar drawn on a file (%d bytes)", st.Size())
	}
	// x: [-2, 10]; sum = x + c: [0,0,0,0]+c, [3,-3,1.5,-2], [0,4,1,7] → [-3, 7];
	// y = relu(sum): [0, 7].
	want := map[int][2]float32{0: {-2, 10}, 2: {-3, 7}, 3: {0, 7}}
	if len(got) != len(want) {
		t.Fatalf("ranges for tensors %v, want %v", got, want)
	}
	for ti, w := range want {
		r := got[ti]
		if r.Min != w[0] || r.Max != w[1] || r.Stats.Count != 12 || r.Methods[int8.MinMax] != (int8.Range{Min: w[0], Max: w[1]}) || len(r.Methods) != 4 {
			t.Errorf("tensor %d: %+v, want %v", ti, r, w)
		}
	}
	// The all-zero first sample is constant data.
	if len(warns) != 1 || !strings.Contains(warns[0], "batch.npy[0]") || !strings.Contains(warns[0], "all 4 values are 0") {
		t.Errorf("warnings %q", warns)
	}
}

// TestCalibBadInputs checks every bad --calib case: the error (or
// warning) names the file and the input with its expected type and shape.
func TestCalibBadInputs(t *testing.T) {
	dir := t.TempDir()
	in := []engine.TensorInfo{{Name: "x", Index: 0, Type: graph.Float32, Shape: []int{1, 4}}}
	img := []engine.TensorInfo{{Name: "image", Index: 0, Type: graph.Float32, Shape: []int{1, 8, 8, 3}}}
	two := []engine.TensorInfo{{Name: "a:0", Type: graph.Float32, Shape: []int{1, 2}}, {Name: "b", Type: graph.Float32, Shape: []int{1, 3}}}
	mk := func(name string) string {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(p, 0o755); err != nil {
			t.Fatal(err)
		}
		return p
	}
	// Fixtures.
	f64 := tensorio.Tensor{Type: graph.Float64, Shape: []int{2, 4}, Data: make([]byte, 64)}
	tensorio.WriteNpy(filepath.Join(dir, "f64.npy"), f64)
	writeNpy(t, filepath.Join(dir, "shape.npy"), []int{2, 5}, make([]float32, 10))
	writeNpy(t, filepath.Join(dir, "zero.npy"), []int{0, 4}, nil)
	mk("empty")
	os.WriteFile(filepath.Join(mk("onlytext"), "README.txt"), []byte("hi"), 0o644)
	bad := mk("badshape")
	writeNpy(t, filepath.Join(bad, "a.npy"), []int{1, 4}, make([]float32, 4))
	writeNpy(t, filepath.Join(bad, "b.npy"), []int{4, 1}, make([]float32, 4))
	broken := mk("brokenimg")
	os.WriteFile(filepath.Join(broken, "cat.png"), []byte("not a png at all"), 0o644)
	small := mk("smallimg")
	writePNG(t, filepath.Join(small, "a.png"), 5, 7, color.RGBA{10, 20, 30, 255})
	mk("multi")
	writeNpy(t, filepath.Join(mk("multi/a_0"), "s1.npy"), []int{1, 2}, []float32{1, 2})
	writeNpy(t, filepath.Join(mk("multi/b"), "s2.npy"), []int{3}, []float32{1, 2, 3})
	for _, s := range []string{"s1", "s2"} {
		writeNpy(t, filepath.Join(mk("multi2/a_0"), s+".npy"), []int{1, 2}, []float32{1, 2})
	}
	writeNpy(t, filepath.Join(mk("multi2/b"), "s1.npy"), []int{3}, []float32{1, 2, 3})

	cases := []struct {
		name   string
		path   string
		inputs []engine.TensorInfo
		opt    CalibDataOptions
		want   []string // substrings of the error, from OpenCalib or Next
	}{
		{"wrong dtype", "f64.npy", in, CalibDataOptions{}, []string{"f64.npy", "FLOAT64[2 4]", `"x" FLOAT32[1 4]`}},
		{"wrong shape", "shape.npy", in, CalibDataOptions{}, []string{"shape.npy", "FLOAT32[2 5]", `"x" FLOAT32[1 4]`}},
		{"empty batch", "zero.npy", in, CalibDataOptions{}, []string{"zero.npy", "no samples", `"x"`}},
		{"empty folder", "empty", in, CalibDataOptions{}, []string{"empty", "no .npy, .png or .jpg files", `"x" FLOAT32[1 4]`}},
		{"no sample files", "onlytext", in, CalibDataOptions{}, []string{"onlytext", "no .npy"}},
		{"missing", "nothere", in, CalibDataOptions{}, []string{"nothere"}},
		{"wrong shape in folder", "badshape", in, CalibDataOptions{}, []string{"b.npy", "FLOAT32[4 1]", `"x" FLOAT32[1 4]`}},
		{"unreadable image", "brokenimg", img, CalibDataOptions{}, []string{"cat.png", "cannot decode"}},
		{"unreadable image resized", "brokenimg", img, CalibDataOptions{Resize: true}, []string{"cat.png", "decode"}},
		{"image size", "smallimg", img, CalibDataOptions{}, []string{"a.png", "5x7", "--resize", `"image"`}},
		{"image for a non-image input", "smallimg", in, CalibDataOptions{Resize: true}, []string{"a.png", "FLOAT32 [1 H W 3]", `"x"`}},
		{"batch for two inputs", "shape.npy", two, CalibDataOptions{}, []string{"shape.npy", "one input", `"a:0"`, `"b"`}},
		{"no sub-folders", "badshape", two, CalibDataOptions{}, []string{`sub-folder "a_0"`, `"a:0" FLOAT32[1 2]`}},
		{"extra sample", "multi", two, CalibDataOptions{}, []string{filepath.Join("multi", "b", "s2.npy"), "no matching sample", `"a:0"`, filepath.Join("multi", "a_0")}},
		{"missing sample", "multi2", two, CalibDataOptions{}, []string{filepath.Join("multi2", "a_0", "s2.npy"), "no matching sample", `"b" FLOAT32[1 3]`, filepath.Join("multi2", "b")}},
		{"bad channel order", "smallimg", img, CalibDataOptions{Channels: "rgba"}, []string{"rgba"}},
	}
	for _, c := range cases {
		src, err := OpenCalib(filepath.Join(dir, c.path), c.inputs, c.opt)
		if err == nil {
			_, err = drain(t, src)
			src.Close()
		}
		if err == nil {
			t.Errorf("%s: no error", c.name)
			continue
		}
		t.Logf("%-28s %v", c.name, err)
		if !errors.Is(err, ErrCalib) && !errors.Is(err, ErrUsage) {
			t.Errorf("%s: %v does not wrap ErrCalib", c.name, err)
		}
		for _, w := range c.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: error %q does not say %q", c.name, err, w)
			}
		}
		if strings.Count(err.Error(), "\n") > 0 {
			t.Errorf("%s: error spans lines: %q", c.name, err)
		}
	}
}

// TestCalibNaN: NaN in the data is a warning with the count, or an error
// with Strict; constant data is a warning. No ranges come back on error.
func TestCalibNaN(t *testing.T) {
	dir := t.TempDir()
	nan := float32(math.NaN())
	writeNpy(t, filepath.Join(dir, "a.npy"), []int{1, 4}, []float32{1, nan, 3, nan})
	writeNpy(t, filepath.Join(dir, "b.npy"), []int{4}, []float32{2, 2, 2, 2})
	m := calibModel()
	ins, _ := ModelInputs(m)
	for _, strict := range []bool{false, true} {
		src, err := OpenCalib(dir, ins, CalibDataOptions{})
		if err != nil {
			t.Fatal(err)
		}
		var warns []string
		got, err := Calibrate(m, src, CalibOptions{Strict: strict, Warn: func(s string) { warns = append(warns, s) }})
		if strict {
			if err == nil || !errors.Is(err, ErrCalib) || !strings.Contains(err.Error(), "a.npy") || !strings.Contains(err.Error(), "2 of 4 values are NaN") || got != nil {
				t.Errorf("strict: %v, %v", got, err)
			}
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		all := strings.Join(warns, "\n")
		for _, w := range []string{"a.npy: input \"x\": 2 of 4 values are NaN or Inf", "b.npy: input \"x\": all 4 values are 2", `tensor 0 "x": 2 NaN`} {
			if !strings.Contains(all, w) {
				t.Errorf("warnings %q lack %q", all, w)
			}
		}
		if r := got[0]; r.Min != 1 || r.Max != 3 || r.Stats.NaN != 2 || r.Stats.Count != 6 {
			t.Errorf("x: %+v", r)
		}
	}
	// All NaN: no finite value is an error naming the tensor.
	writeNpy(t, filepath.Join(dir, "b.npy"), []int{4}, []float32{nan, nan, nan, nan})
	os.Remove(filepath.Join(dir, "a.npy"))
	src, _ := OpenCalib(dir, ins, CalibDataOptions{})
	if _, err := Calibrate(m, src, CalibOptions{}); err == nil || !strings.Contains(err.Error(), `tensor 0 "x" has no finite value`) {
		t.Errorf("all NaN: %v", err)
	}
}

// TestCalibSources checks the layouts: a folder of .npy files (sorted,
// with or without the leading 1), sub-folders per input, photos with
// resize, mean/std and channel order.
func TestCalibSources(t *testing.T) {
	dir := t.TempDir()
	one := filepath.Join(dir, "one")
	os.MkdirAll(one, 0o755)
	writeNpy(t, filepath.Join(one, "b.npy"), []int{4}, []float32{5, 6, 7, 8})
	writeNpy(t, filepath.Join(one, "a.npy"), []int{1, 4}, []float32{1, 2, 3, 4})
	in := []engine.TensorInfo{{Name: "x", Type: graph.Float32, Shape: []int{1, 4}}}
	src, err := OpenCalib(one, in, CalibDataOptions{})
	if err != nil {
		t.Fatal(err)
	}
	got, err := drain(t, src)
	if err != nil || len(got) != 2 || src.Len() != 2 {
		t.Fatalf("%v %v", got, err)
	}
	if !strings.HasSuffix(got[0].Name, "a.npy") || engine.Float32s(got[1].Inputs[0].Data)[3] != 8 || got[1].Inputs[0].Shape[0] != 1 {
		t.Errorf("order or shape: %s %v", got[0].Name, got[1].Inputs[0].Shape)
	}
	// Two inputs, sub-folders named after them.
	two := []engine.TensorInfo{{Name: "a:0", Type: graph.Float32, Shape: []int{1, 2}}, {Name: "b", Type: graph.Float32, Shape: []int{1, 3}}}
	multi := filepath.Join(dir, "multi")
	for _, s := range []string{"s2", "s1"} {
		os.MkdirAll(filepath.Join(multi, "a_0"), 0o755)
		os.MkdirAll(filepath.Join(multi, "b"), 0o755)
		v := float32(len(s) + int(s[1]-'0'))
		writeNpy(t, filepath.Join(multi, "a_0", s+".npy"), []int{1, 2}, []float32{v, v})
		writeNpy(t, filepath.Join(multi, "b", s+".npy"), []int{3}, []float32{-v, -v, -v})
	}
	src, err = OpenCalib(multi, two, CalibDataOptions{})
	if err != nil {
		t.Fatal(err)
	}
	got, err = drain(t, src)
	if err != nil || len(got) != 2 {
		t.Fatalf("%v %v", got, err)
	}
	if a, b := engine.Float32s(got[0].Inputs[0].Data), engine.Float32s(got[0].Inputs[1].Data); a[0] != 3 || b[2] != -3 || len(b) != 3 {
		t.Errorf("sample s1: %v %v", a, b)
	}
	// Photos: rgb vs bgr, mean/std, resize.
	ph := filepath.Join(dir, "photos")
	os.MkdirAll(ph, 0o755)
	writePNG(t, filepath.Join(ph, "p.png"), 16, 12, color.RGBA{10, 100, 200, 255})
	img := []engine.TensorInfo{{Name: "image", Type: graph.Float32, Shape: []int{1, 6, 8, 3}}}
	var first [2][]float32
	for k, ch := range []string{"rgb", "BGR"} {
		src, err := OpenCalib(ph, img, CalibDataOptions{Resize: true, Mean: 0, Std: 255, Channels: ch})
		if err != nil {
			t.Fatal(err)
		}
		s, err := drain(t, src)
		if err != nil || len(s) != 1 {
			t.Fatal(err)
		}
		first[k] = engine.Float32s(s[0].Inputs[0].Data)
	}
	if r, b := first[0], first[1]; len(r) != 6*8*3 || r[1] != 100.0/255 || r[0] != b[2] || r[2] != b[0] || r[1] != b[1] || r[0] >= r[2] {
		t.Errorf("rgb %v bgr %v", first[0][:3], first[1][:3])
	}
	// An explicit list keeps its order; other files are refused.
	src, err = OpenCalibFiles([]string{filepath.Join(one, "b.npy"), filepath.Join(one, "a.npy")}, in, CalibDataOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got, err = drain(t, src); err != nil || len(got) != 2 || !strings.HasSuffix(got[0].Name, "b.npy") {
		t.Errorf("list: %v", err)
	}
	if _, err := OpenCalibFiles([]string{filepath.Join(one, "notes.txt")}, in, CalibDataOptions{}); err == nil || !strings.Contains(err.Error(), "notes.txt") {
		t.Errorf("list with a text file: %v", err)
	}
	if _, err := OpenCalibFiles(nil, in, CalibDataOptions{}); err == nil {
		t.Error("empty list accepted")
	}
	// A single photo with the default normalization gives [-1, 1] values.
	src, err = OpenCalib(filepath.Join(ph, "p.png"), []engine.TensorInfo{{Name: "image", Type: graph.Float32, Shape: []int{1, 12, 16, 3}}}, CalibDataOptions{})
	if err != nil {
		t.Fatal(err)
	}
	s, err := drain(t, src)
	if err != nil || len(s) != 1 || engine.Float32s(s[0].Inputs[0].Data)[1] != (100-127.5)/127.5 {
		t.Errorf("single photo: %v", err)
	}
}

// TestTensorRunnerInt8 runs a model with an INT8 input through the runner:
// a FLOAT32 sample is quantized with the input's parameters, the INT8
// tensor comes back dequantized, and equals the DEQUANTIZE output.
func TestTensorRunnerInt8(t *testing.T) {
	q := &graph.Quantization{Scale: []float32{0.5}, ZeroPoint: []int64{3}}
	m := &graph.Model{Version: 3, Subgraphs: []*graph.Subgraph{{
		Tensors: []*graph.Tensor{
			{Name: "xq", Type: graph.Int8, Shape: []int32{1, 4}, Quant: q},
			{Name: "y", Type: graph.Float32, Shape: []int32{1, 4}},
		},
		Inputs: []int{0}, Outputs: []int{1},
		Ops: []*graph.Op{{Code: graph.OpDequantize, Version: 2, Inputs: []int{0}, Outputs: []int{1}}},
	}}}
	r, err := NewTensorRunner(m, RunnerOptions{Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if got := r.Tensors(); len(got) != 2 || got[0] != 0 || got[1] != 1 {
		t.Fatalf("exposed %v", got)
	}
	x, _ := tensorio.FromFloat32("xq", []int{1, 4}, []float32{1, -2.2, 100, 0})
	// round(v/0.5)+3 clamped to [-128, 127]: 5, -1, 127, 3.
	want := []float32{1, -2, 62, 0}
	for _, in := range []tensorio.Tensor{x, {Name: "xq", Type: graph.Int8, Shape: []int{1, 4}, Data: []byte{5, 0xff, 127, 3}}} {
		seen := 0
		err = r.Run([]tensorio.Tensor{in}, func(ti int, v []float32) error {
			seen++
			for i := range want {
				if v[i] != want[i] {
					t.Errorf("%s input: tensor %d = %v, want %v", in.Type, ti, v, want)
					break
				}
			}
			return nil
		})
		if err != nil || seen != 2 {
			t.Fatalf("%v, %d tensors visited", err, seen)
		}
	}
	// FloatOnly leaves the INT8 tensor out; a wrong input type is an error.
	f, err := NewTensorRunner(m, RunnerOptions{FloatOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if got := f.Tensors(); len(got) != 1 || got[0] != 1 {
		t.Errorf("float only: %v", got)
	}
	bad := tensorio.Tensor{Name: "xq", Type: graph.Int32, Shape: []int{1, 4}, Data: make([]byte, 16)}
	if err := f.Run([]tensorio.Tensor{bad}, func(int, []float32) error { return nil }); err == nil || !strings.Contains(err.Error(), `"xq"`) {
		t.Errorf("INT32 for an INT8 input: %v", err)
	}
}
