package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/fp16tool/fp16tool/convert"
	"github.com/fp16tool/fp16tool/internal/testenv"
)

// BenchmarkConvertProcessPoseHeavy is issue 3's "Done when" item 3 for
// the whole command: it builds fp16tool, expands pose_landmark_heavy to
// float32 (55 MB), then per iteration times one `cp` of that file and one
// `fp16tool convert --target=gpu` process on it (read, load, convert,
// save, verify, fsync'd atomic write), alternating so that both see the
// same machine state, and reports the medians (convert-ms, cp-ms) and
// their quotient (x-cp). Run with
//
//	go test ./cmd/fp16tool -run '^$' -bench ConvertProcess -benchtime 15x
func BenchmarkConvertProcessPoseHeavy(b *testing.B) {
	cp, err := exec.LookPath("cp")
	if err != nil {
		b.Skip("no cp on PATH")
	}
	dir := b.TempDir()
	bin := filepath.Join(dir, "fp16tool")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		b.Fatalf("go build: %v\n%s", err, out)
	}
	data, err := os.ReadFile(testenv.Model(b, "pose_landmark_heavy"))
	if err != nil {
		b.Fatal(err)
	}
	f32, _, err := convert.ConvertBytes("pose_landmark_heavy", data, convert.Options{Precision: convert.FP32})
	if err != nil {
		b.Fatal(err)
	}
	in := filepath.Join(dir, "heavy_fp32.tflite")
	if err := os.WriteFile(in, f32, 0o644); err != nil {
		b.Fatal(err)
	}
	timeCmd := func(name string, args ...string) time.Duration {
		c := exec.Command(name, args...)
		start := time.Now()
		if out, err := c.CombinedOutput(); err != nil {
			b.Fatalf("%s: %v\n%s", name, err, out)
		}
		return time.Since(start)
	}
	var tc, tp []time.Duration
	b.ResetTimer()
	for b.Loop() {
		tp = append(tp, timeCmd(cp, in, filepath.Join(dir, "copy.tflite")))
		tc = append(tc, timeCmd(bin, "convert", "-q", "--target=gpu", in, "-o", filepath.Join(dir, "heavy_fp16.tflite")))
	}
	b.StopTimer()
	median := func(d []time.Duration) float64 {
		s := slices.Clone(d)
		slices.Sort(s)
		return float64(s[len(s)/2].Microseconds()) / 1000
	}
	mc, mp := median(tc), median(tp)
	b.ReportMetric(mc, "convert-ms")
	b.ReportMetric(mp, "cp-ms")
	b.ReportMetric(mc/mp, "x-cp")
	b.ReportMetric(float64(len(f32))/1e6, "MB")
}
