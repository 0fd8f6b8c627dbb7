package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/fp16tool/fp16tool/convert"
	"github.com/fp16tool/fp16tool/internal/testenv"
)

// TestConvertEqualizeFlag: full integer on face_detection_short_range runs
// activation fusion and cross-layer equalization by default and says so
// in the report (int8.prepare); --equalize=false skips the equalization
// only; the two files differ.
func TestConvertEqualizeFlag(t *testing.T) {
	model := testenv.Model(t, "face_detection_short_range")
	dir := t.TempDir()
	photos := filepath.Join(dir, "photos")
	os.Mkdir(photos, 0o755)
	for _, p := range testenv.Photos(t)[:2] {
		os.Symlink(p, filepath.Join(photos, filepath.Base(p)))
	}
	conv := func(name string, extra ...string) (*convert.PrepareResult, []byte) {
		out := filepath.Join(dir, name+".tflite")
		rep := filepath.Join(dir, name+".json")
		args := append([]string{"convert", "--precision", "int8", "--calib", photos, "--resize", model, "-o", out, "--report", rep}, extra...)
		if status, stdout, stderr := run(t, args...); status != 0 {
			t.Fatalf("%v: status %d\n%s\n%s", extra, status, stdout, stderr)
		}
		var r convert.FileReport
		b, _ := os.ReadFile(rep)
		if err := json.Unmarshal(b, &r); err != nil || r.Int8 == nil || r.Int8.Prepare == nil {
			t.Fatalf("%v: report without int8.prepare: %v", extra, err)
		}
		q, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		return r.Int8.Prepare, q
	}
	on, qOn := conv("on")
	off, qOff := conv("off", "--equalize=false")
	t.Logf("default: %+v; --equalize=false: %+v", *on, *off)
	if on.Fused != 17 || off.Fused != 17 {
		t.Errorf("fused activations %d and %d, want the model's 17 stand-alone RELUs both times", on.Fused, off.Fused)
	}
	if on.EqualizedPairs != 16 || on.Iterations == 0 {
		t.Errorf("default: %d pairs equalized in %d sweeps, want 16 pairs", on.EqualizedPairs, on.Iterations)
	}
	if off.EqualizedPairs != 0 || off.Iterations != 0 {
		t.Errorf("--equalize=false: %d pairs equalized", off.EqualizedPairs)
	}
	if string(qOn) == string(qOff) {
		t.Error("--equalize=false wrote the same file")
	}
}
