package main

import (
	"encoding/json"
	"math"
	"math/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fp16tool/fp16tool/convert"
	"github.com/fp16tool/fp16tool/graph"
	"github.com/fp16tool/fp16tool/internal/demomodel"
	"github.com/fp16tool/fp16tool/internal/tensorio"
	"github.com/fp16tool/fp16tool/internal/testenv"
	"github.com/fp16tool/fp16tool/tflite"
)

func writeNpy(t *testing.T, path string, tt tensorio.Tensor) string {
	t.Helper()
	if err := tensorio.WriteNpy(path, tt); err != nil {
		t.Fatal(err)
	}
	return path
}

func randFloats(n int, f func(i int) float32) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = f(i)
	}
	return v
}

// onlyFiles lists dir's entries (to check that a failed conversion left
// nothing, not even a temporary file).
func onlyFiles(t *testing.T, dir string) []string {
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range es {
		out = append(out, e.Name())
	}
	return out
}

// TestConvertInt8CLI: the int8 flags end to end on the demo model: full
// integer from photos and from a .npy batch, integer-only I/O for an NPU,
// dynamic range; the per-layer report in --report; and bad calibration
// data (issue 5 item 6) failing with one clear line and no output file.
func TestConvertInt8CLI(t *testing.T) {
	dir := t.TempDir()
	model := filepath.Join(dir, "demo.tflite")
	if err := os.WriteFile(model, demomodel.File(), 0o644); err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewSource(1))
	n := 64 * 64 * 3
	batch, _ := tensorio.FromFloat32("", []int{3, 1, 64, 64, 3}, randFloats(3*n, func(int) float32 { return float32(rng.NormFloat64()) }))
	good := writeNpy(t, filepath.Join(dir, "calib.npy"), batch)
	wrongShape, _ := tensorio.FromFloat32("", []int{2, 32, 32, 3}, randFloats(2*32*32*3, func(int) float32 { return 0.5 }))
	wrongType, _ := tensorio.FromInt32("", []int{1, 64, 64, 3}, make([]int32, n))
	constant, _ := tensorio.FromFloat32("", []int{2, 1, 64, 64, 3}, randFloats(2*n, func(int) float32 { return 0.25 }))
	nan, _ := tensorio.FromFloat32("", []int{1, 64, 64, 3}, randFloats(n, func(i int) float32 {
		if i == 7 {
			return float32(math.NaN())
		}
		return float32(i%5) / 5
	}))
	bad := map[string]string{
		"shape":    writeNpy(t, filepath.Join(dir, "shape.npy"), wrongShape),
		"type":     writeNpy(t, filepath.Join(dir, "type.npy"), wrongType),
		"constant": writeNpy(t, filepath.Join(dir, "constant.npy"), constant),
		"nan":      writeNpy(t, filepath.Join(dir, "nan.npy"), nan),
	}
	empty := filepath.Join(dir, "empty")
	os.Mkdir(empty, 0o755)
	broken := filepath.Join(dir, "broken")
	os.Mkdir(broken, 0o755)
	os.WriteFile(filepath.Join(broken, "a.png"), []byte("not a png"), 0o644)
	photos := filepath.Join(dir, "photos")
	os.Mkdir(photos, 0o755)
	for _, p := range testenv.Photos(t)[:2] {
		os.Symlink(p, filepath.Join(photos, filepath.Base(p)))
	}

	outDir := filepath.Join(dir, "out")
	os.Mkdir(outDir, 0o755)
	out := filepath.Join(outDir, "m.tflite")
	report := filepath.Join(dir, "r.json")

	t.Run("photos", func(t *testing.T) {
		status, stdout, stderr := run(t, "convert", "--target", "cpu", "--calib", photos, "--resize", model, "-o", out, "--report", report)
		if status != 0 || !strings.Contains(stdout, "int8 (target cpu with calibration data") || !strings.Contains(stdout, "worst 5 of") {
			t.Fatalf("status %d\n%s\n%s", status, stdout, stderr)
		}
		var r convert.FileReport
		b, _ := os.ReadFile(report)
		if err := json.Unmarshal(b, &r); err != nil || r.Int8 == nil || len(r.Int8.Layers) == 0 || r.Int8.IO != "FLOAT32" {
			t.Fatalf("report: %v %+v", err, r.Int8)
		}
		for i := 1; i < len(r.Int8.Layers); i++ {
			if r.Int8.Layers[i].SNR < r.Int8.Layers[i-1].SNR {
				t.Fatalf("layers not worst first at %d", i)
			}
		}
	})
	t.Run("npu npy", func(t *testing.T) {
		os.Remove(out)
		status, stdout, stderr := run(t, "convert", "--target", "npu", "--calib", good, model, "-o", out)
		if status != 0 {
			t.Fatalf("status %d\n%s\n%s", status, stdout, stderr)
		}
		m, err := tflite.LoadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		sg := m.Main()
		if sg.Tensors[sg.Inputs[0]].Type != graph.Int8 || sg.Tensors[sg.Outputs[0]].Type != graph.Int8 {
			t.Errorf("I/O %s, %s; want INT8", sg.Tensors[sg.Inputs[0]].Type, sg.Tensors[sg.Outputs[0]].Type)
		}
	})
	t.Run("uint8 io", func(t *testing.T) {
		os.Remove(out)
		if status, stdout, stderr := run(t, "convert", "--target", "cpu", "--calib", good, "--io", "uint8", model, "-o", out); status != 0 {
			t.Fatalf("status %d\n%s\n%s", status, stdout, stderr)
		}
	})
	t.Run("dynamic", func(t *testing.T) {
		os.Remove(out)
		status, stdout, stderr := run(t, "convert", "--target", "cpu", "--min-elements", "100", model, "-o", out)
		if status != 0 || !strings.Contains(stdout, "int8-dynamic") || !strings.Contains(stdout, "weights to int8") {
			t.Fatalf("status %d\n%s\n%s", status, stdout, stderr)
		}
	})
	t.Run("dynamic gptq nan", func(t *testing.T) {
		// GPTQ's statistics skip a sample with NaN (with a warning) and
		// still round by the others; --strict makes it an error (below).
		nanDir := filepath.Join(dir, "nan_and_good")
		os.Mkdir(nanDir, 0o755)
		writeNpy(t, filepath.Join(nanDir, "a.npy"), nan)
		one, _ := tensorio.FromFloat32("", []int{1, 64, 64, 3}, randFloats(n, func(int) float32 { return float32(rng.NormFloat64()) }))
		writeNpy(t, filepath.Join(nanDir, "b.npy"), one)
		os.Remove(out)
		status, stdout, stderr := run(t, "convert", "--precision", "int8-dynamic", "--min-elements", "100", "--calib", nanDir, model, "-o", out)
		if status != 0 || !strings.Contains(stderr, "a.npy: NaN or Inf in the input: sample skipped by GPTQ's statistics") || !strings.Contains(stdout, "rounded by GPTQ") {
			t.Fatalf("status %d\n%s\n%s", status, stdout, stderr)
		}
		status, _, stderr = run(t, "convert", "--precision", "int8-dynamic", "--min-elements", "100", "--calib", nanDir, "--strict", model, "-o", filepath.Join(dir, "strict.tflite"))
		if status == 0 || !strings.Contains(stderr, "NaN or Inf in the input") {
			t.Errorf("--strict: status %d, %q", status, stderr)
		}
		if _, err := os.Stat(filepath.Join(dir, "strict.tflite")); err == nil {
			t.Error("--strict error left an output file")
		}
	})
	t.Run("constant data warns", func(t *testing.T) {
		os.Remove(out)
		status, stdout, stderr := run(t, "convert", "--target", "cpu", "--calib", bad["constant"], model, "-o", out)
		if status != 0 || !strings.Contains(stderr, "warning:") {
			t.Fatalf("status %d\n%s\n%s", status, stdout, stderr)
		}
	})
	errCases := []struct {
		name string
		args []string
		msg  string
	}{
		{"wrong shape", []string{"--calib", bad["shape"]}, `"input"`},
		{"wrong type", []string{"--calib", bad["type"]}, "INT32"},
		{"empty folder", []string{"--calib", empty}, "empty"},
		{"unreadable image", []string{"--calib", broken}, "a.png"},
		{"nan strict", []string{"--calib", bad["nan"], "--strict"}, "NaN"},
		{"npu float io", []string{"--calib", good, "--target", "npu", "--io", "float32"}, "int8 or uint8 I/O"},
	}
	for _, tc := range errCases {
		t.Run(tc.name, func(t *testing.T) {
			os.RemoveAll(outDir)
			os.Mkdir(outDir, 0o755)
			args := append([]string{"convert", "--target", "cpu"}, tc.args...)
			status, stdout, stderr := run(t, append(args, model, "-o", out)...)
			if status == 0 || !strings.Contains(stderr, tc.msg) || strings.Count(strings.TrimSpace(stderr), "\n") > 0 {
				t.Errorf("status %d, stderr %q; want a one-line error containing %q (stdout %q)", status, stderr, tc.msg, stdout)
			}
			if left := onlyFiles(t, outDir); len(left) > 0 {
				t.Errorf("left behind: %q", left)
			}
		})
	}
}
