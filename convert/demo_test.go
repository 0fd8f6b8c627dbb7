package convert_test

import (
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/fp16tool/fp16tool/convert"
	"github.com/fp16tool/fp16tool/internal/demomodel"
	"github.com/fp16tool/fp16tool/internal/oracle"
	"github.com/fp16tool/fp16tool/internal/tensorio"
	"github.com/fp16tool/fp16tool/internal/testenv"
)

// TestDemoModelInOracle runs the embedded demo model and its float16
// conversion in the real TFLite runtime on a real photo: the outputs are
// probabilities (sum 1) and float16 weights move them by less than 1e-3.
func TestDemoModelInOracle(t *testing.T) {
	oracle.Require(t)
	photo := filepath.Join(testenv.PhotosDir(), "chelsea.png")
	if _, err := os.Stat(photo); err != nil {
		testenv.Missing(t, "testdata/photos/chelsea.png", "run testdata/fetch.sh")
	}
	dir := t.TempDir()
	f32 := filepath.Join(dir, "demo.tflite")
	f16 := filepath.Join(dir, "demo_fp16.tflite")
	if err := os.WriteFile(f32, demomodel.File(), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := convert.ConvertFile(f32, f16, convert.Options{Target: convert.TargetGPU}); err != nil {
		t.Fatal(err)
	}
	x, err := tensorio.LoadImage(photo, []int{1, 64, 64, 3}, tensorio.RangeZeroOne)
	if err != nil {
		t.Fatal(err)
	}
	res, err := oracle.RunBatch([]oracle.Job{{Model: f32, Inputs: []tensorio.Tensor{x}}, {Model: f16, Inputs: []tensorio.Tensor{x}}})
	if err != nil {
		t.Fatal(err)
	}
	a, b := res[0].Outputs[0].Float32s(), res[1].Outputs[0].Float32s()
	if len(a) != demomodel.Classes || len(b) != demomodel.Classes {
		t.Fatalf("outputs have %d and %d values, want %d", len(a), len(b), demomodel.Classes)
	}
	var sum, maxDiff, lo, hi float64
	lo = 1
	for i := range a {
		sum += float64(a[i])
		lo, hi = math.Min(lo, float64(a[i])), math.Max(hi, float64(a[i]))
		maxDiff = math.Max(maxDiff, math.Abs(float64(a[i]-b[i])))
	}
	if math.Abs(sum-1) > 1e-5 || hi-lo < 1e-4 {
		t.Errorf("float32 probabilities %v: sum %v, spread %v", a, sum, hi-lo)
	}
	if maxDiff > 1e-3 {
		t.Errorf("float16 vs float32: max abs diff %g > 1e-3", maxDiff)
	}
	t.Logf("demo model: probabilities in [%.4f, %.4f]; float16 vs float32 max abs diff %.3g", lo, hi, maxDiff)
}
