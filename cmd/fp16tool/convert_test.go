package main

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/fp16tool/fp16tool/convert"
	"github.com/fp16tool/fp16tool/engine"
	"github.com/fp16tool/fp16tool/gpu"
	"github.com/fp16tool/fp16tool/graph"
	"github.com/fp16tool/fp16tool/internal/demomodel"
	"github.com/fp16tool/fp16tool/tflite"
)

// listDir returns the names in dir, sorted.
func listDir(t *testing.T, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range ents {
		out = append(out, e.Name())
	}
	sort.Strings(out)
	return out
}

// badWeights returns the demo model with the first value of the FC weights
// set to v.
func badWeights(t *testing.T, v float32) []byte {
	t.Helper()
	m, err := tflite.Load("demo", demomodel.File())
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range m.Main().Tensors {
		if tt.Name == "fc/weights" {
			d := append([]byte(nil), tt.Data...)
			binary.LittleEndian.PutUint32(d, math.Float32bits(v))
			tt.Data = d
		}
	}
	b, err := tflite.Save(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestConvertBadInputs is issue 3's "Done when" item 4: each bad input
// gives a one-line error (status 1) naming the problem and leaves no
// file behind, and the input is never changed.
func TestConvertBadInputs(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "demo.tflite")
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	write("demo.tflite", demomodel.File())
	text := write("notes.tflite", []byte("this is not a model\n"))
	trunc := write("truncated.tflite", demomodel.File()[:len(demomodel.File())/2])
	nan := write("nan.tflite", badWeights(t, float32(math.NaN())))
	big := write("big.tflite", badWeights(t, 1e6))
	notDir := write("plainfile", []byte("x"))
	ro := filepath.Join(dir, "readonly")
	if err := os.Mkdir(ro, 0o555); err != nil {
		t.Fatal(err)
	}
	unwritable := filepath.Join(ro, "out.tflite")
	if os.Geteuid() == 0 {
		// root may write into a read-only folder; a regular file in the
		// path is a folder no one can write into.
		unwritable = filepath.Join(notDir, "out.tflite")
	}
	out := filepath.Join(dir, "out.tflite")
	tests := []struct {
		name string
		args []string
		msg  string
	}{
		{"not tflite", []string{"convert", text, "-o", out}, "notes.tflite"},
		{"truncated", []string{"convert", trunc, "-o", out}, "truncated.tflite"},
		{"missing input", []string{"convert", filepath.Join(dir, "nope.tflite"), "-o", out}, "nope.tflite"},
		{"unwritable folder", []string{"convert", good, "-o", unwritable}, "out.tflite"},
		{"output is input", []string{"convert", good, "-o", good}, "overwrite the input"},
		{"output is input via ./", []string{"convert", good, "-o", filepath.Join(dir, ".", "demo.tflite")}, "overwrite the input"},
		{"unknown target", []string{"convert", "--target", "tpu", good, "-o", out}, `unknown target "tpu"`},
		{"unknown precision", []string{"convert", "--precision", "fp8", good, "-o", out}, `unknown precision "fp8"`},
		{"int8 without data", []string{"convert", "--precision", "int8", good, "-o", out}, "needs calibration data (--calib"},
		{"calib missing", []string{"convert", "--target", "cpu", "--calib", filepath.Join(dir, "nope"), good, "-o", out}, "nope"},
		{"bad calib method", []string{"convert", "--target", "cpu", "--calib", dir, "--calib-method", "median", good, "-o", out}, `--calib-method "median"`},
		{"bad io", []string{"convert", "--target", "cpu", "--io", "int4", good, "-o", out}, `--io "int4"`},
		{"bad percentile", []string{"convert", "--target", "cpu", "--percentile", "101", good, "-o", out}, "--percentile 101"},
		{"unknown op", []string{"convert", "--exclude-ops", "CONV_2D,CONV_9D", good, "-o", out}, `unknown op "CONV_9D"`},
		{"bad regexp", []string{"convert", "--exclude-tensors", "(", good, "-o", out}, "--exclude-tensors"},
		{"nan strict", []string{"convert", "--strict", nan, "-o", out}, `"fc/weights" has 1 NaN`},
		{"1e6 strict", []string{"convert", "--strict", big, "-o", out}, `"fc/weights" has 1 values beyond ±65504`},
		{"no output", []string{"convert", good}, "missing -o"},
		{"output is a folder", []string{"convert", good, "-o", ro}, "is a folder"},
	}
	before := listDir(t, dir)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			status, stdout, stderr := run(t, tc.args...)
			wantOneLineError(t, status, stdout, stderr, tc.msg)
			if got := listDir(t, dir); strings.Join(got, " ") != strings.Join(before, " ") {
				t.Errorf("folder now holds %v, before %v", got, before)
			}
			if ents, _ := os.ReadDir(ro); len(ents) != 0 {
				t.Errorf("read-only folder holds %d entries", len(ents))
			}
			if b, _ := os.ReadFile(good); !bytes.Equal(b, demomodel.File()) {
				t.Fatal("the input changed")
			}
		})
	}
}

// TestConvertWarnings: without --strict, NaN and 1e6 weights convert with
// a one-line warning naming the tensor, and the report records them.
func TestConvertWarnings(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		v    float32
		warn string
	}{
		{float32(math.NaN()), `warning: tensor "fc/weights": 1 NaN and 0 Inf values`},
		{1e6, `warning: tensor "fc/weights": 1 of 320 values beyond ±65504 clamped (largest magnitude 1e+06)`},
	} {
		in := filepath.Join(dir, "in.tflite")
		if err := os.WriteFile(in, badWeights(t, tc.v), 0o644); err != nil {
			t.Fatal(err)
		}
		out, rep := filepath.Join(dir, "out.tflite"), filepath.Join(dir, "r.json")
		status, stdout, stderr := run(t, "convert", in, "-o", out, "--report", rep)
		if status != 0 {
			t.Fatalf("status %d: %s", status, stderr)
		}
		if strings.TrimSpace(stderr) != tc.warn {
			t.Errorf("stderr %q, want %q", stderr, tc.warn)
		}
		if !strings.Contains(stdout, "10 tensors to float16") {
			t.Errorf("stdout %q", stdout)
		}
		var r convert.FileReport
		b, err := os.ReadFile(rep)
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(b, &r); err != nil {
			t.Fatal(err)
		}
		if len(r.Warnings) != 1 || r.SizeAfter == 0 || r.TensorsConverted != 10 {
			t.Errorf("report: warnings %q, size %d, converted %d", r.Warnings, r.SizeAfter, r.TensorsConverted)
		}
		for _, tt := range r.Tensors {
			if tt.Name == "fc/weights" && (tt.Stats == nil || tt.Stats.NaN+tt.Stats.Clamped != 1) {
				t.Errorf("report stats for fc/weights: %+v", tt.Stats)
			}
		}
		m, err := tflite.LoadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		for _, tt := range m.Main().Tensors {
			if tt.Name == "fc/weights" {
				h := binary.LittleEndian.Uint16(tt.Data)
				if tt.Type != graph.Float16 || (tc.v == 1e6 && h != 0x7bff) || (tc.v != 1e6 && h&0x7c00 != 0x7c00) {
					t.Errorf("fc/weights[0] = %#04x (%s)", h, tt.Type)
				}
			}
		}
	}
}

// TestConvertRoundTrip: fp16 then fp32 gives back the demo model's ops
// and float16-rounded weights, with -q and exclusion flags working.
func TestConvertRoundTrip(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "demo.tflite")
	if err := os.WriteFile(in, demomodel.File(), 0o644); err != nil {
		t.Fatal(err)
	}
	h, f := filepath.Join(dir, "h.tflite"), filepath.Join(dir, "f.tflite")
	if s, _, e := run(t, "convert", in, "-o", h, "--exclude-ops", "fully_connected", "--exclude-tensors", "^conv2/"); s != 0 {
		t.Fatal(e)
	}
	m, err := tflite.LoadFile(h)
	if err != nil {
		t.Fatal(err)
	}
	kept := 0
	for _, tt := range m.Main().Tensors {
		if tt.IsConst() && tt.Type == graph.Float32 {
			kept++
		}
	}
	if kept != 4 { // fc weights, fc bias, conv2 weights, conv2 bias
		t.Errorf("%d float32 constants kept, want 4", kept)
	}
	if s, _, e := run(t, "convert", "--precision", "fp32", h, "-o", f); s != 0 {
		t.Fatal(e)
	}
	m2, err := tflite.LoadFile(f)
	if err != nil {
		t.Fatal(err)
	}
	orig := demomodel.Build()
	if len(m2.Main().Ops) != len(orig.Main().Ops) || len(m2.Main().Tensors) != len(orig.Main().Tensors) {
		t.Errorf("round trip: %d ops %d tensors, want %d and %d", len(m2.Main().Ops), len(m2.Main().Tensors), len(orig.Main().Ops), len(orig.Main().Tensors))
	}
}

// TestDemo: demo converts the embedded model for every target (gpu gives a
// float16 model, cpu int8 dynamic range, the integer-only targets ask for
// calibration data) and runs the
// results on the backends present.
func TestDemo(t *testing.T) {
	status, stdout, stderr := run(t, "demo")
	if status != 0 {
		t.Fatalf("status %d: %s", status, stderr)
	}
	// The table's cells are separated by two or more spaces.
	sep := regexp.MustCompile(`\s{2,}`)
	var head []string
	rows := map[string][]string{}
	for _, l := range strings.Split(stdout, "\n") {
		cells := sep.Split(strings.TrimSpace(l), -1)
		if len(cells) < 3 {
			continue
		}
		if cells[0] == "target" {
			head = cells
			continue
		}
		rows[cells[0]] = cells
	}
	cell := func(row, col string) string {
		r := rows[row]
		i := slices.Index(head, col)
		if i < 0 || i >= len(r) {
			t.Fatalf("no %q cell in row %q (header %q)", col, r, head)
		}
		return r[i]
	}
	want := map[string]string{
		"original": "fp32", "gpu": "fp16", "cpu": "int8", "cpu (no data)": "int8-dynamic",
		"npu": "int8", "edgetpu": "int8", "dsp": "int8", "mcu": "int8", "gpu->fp32": "fp32",
	}
	for row, prec := range want {
		if cell(row, "precision") != prec || cell(row, "status") != "ok" {
			t.Errorf("%s row %q: want precision %s and status ok", row, rows[row], prec)
		}
	}
	// Errors against the float32 original on the CPU: float16 weights
	// within 1e-3, int8 (calibrated on the built-in samples, or dynamic
	// range) within 1e-2 (the outputs are probabilities), on every backend
	// that runs the model.
	bound := map[string]float64{"original": 0, "gpu": 1e-3, "gpu->fp32": 1e-3, "cpu": 1e-2, "cpu (no data)": 1e-2, "npu": 1e-2}
	for _, b := range engine.Available() {
		for row, max := range bound {
			c := cell(row, b+" max|err| vs fp32")
			if c == "n/a" && b != "cpu" && strings.HasPrefix(cell(row, "precision"), "int8") {
				continue
			}
			e, err := strconv.ParseFloat(c, 64)
			if b != "cpu" && row == "original" {
				max = 1e-3 // the Vulkan backend's default precision on the float32 original
			}
			if err != nil || e > max {
				t.Errorf("%s error of the %s row %q, want at most %g", b, row, c, max)
			}
		}
	}
}

// TestConvertAuto: --target=auto picks float16 for a GPU with float16
// arithmetic and 16-bit storage, and the cpu profile (int8 dynamic range)
// for a software rasterizer or no device, saying why.
func TestConvertAuto(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "demo.tflite")
	if err := os.WriteFile(in, demomodel.File(), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out.tflite")
	gpuDev := gpu.DeviceInfo{Name: "Test GPU", Type: "discrete", ShaderFloat16: true, StorageBuffer16BitAccess: true}
	swDev := gpu.DeviceInfo{Name: "llvmpipe", Type: "cpu", ShaderFloat16: true, StorageBuffer16BitAccess: true}
	tests := []struct {
		name    string
		devs    []gpu.DeviceInfo
		err     error
		status  int
		message string
	}{
		{"gpu", []gpu.DeviceInfo{swDev, gpuDev}, nil, 0, `GPU "Test GPU" reports float16`},
		{"software only", []gpu.DeviceInfo{swDev}, nil, 0, `"llvmpipe" (cpu, float16 true)`},
		{"no vulkan", nil, gpu.ErrNoVulkan, 0, "no GPU backend with float16 was found"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fakeDevices(t, tc.devs, tc.err)
			status, stdout, stderr := run(t, "convert", "--target", "auto", in, "-o", out)
			if status != tc.status || !strings.Contains(stdout+stderr, tc.message) {
				t.Errorf("status %d, stdout %q, stderr %q; want %d and %q", status, stdout, stderr, tc.status, tc.message)
			}
			os.Remove(out)
		})
	}
}
