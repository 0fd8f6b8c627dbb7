package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fp16tool/fp16tool/convert"
	"github.com/fp16tool/fp16tool/internal/testenv"
)

// int8Converter returns a function that converts face_detection_short_range
// to full integer, calibrated on two photos, with extra flags, and returns
// the report, the file and the summary printed.
func int8Converter(t *testing.T) func(name string, extra ...string) (*convert.FileReport, []byte, string) {
	model := testenv.Model(t, "face_detection_short_range")
	dir := t.TempDir()
	photos := filepath.Join(dir, "photos")
	os.Mkdir(photos, 0o755)
	for _, p := range testenv.Photos(t)[:2] {
		os.Symlink(p, filepath.Join(photos, filepath.Base(p)))
	}
	return func(name string, extra ...string) (*convert.FileReport, []byte, string) {
		out := filepath.Join(dir, name+".tflite")
		rep := filepath.Join(dir, name+".json")
		args := append([]string{"convert", "--precision", "int8", "--calib", photos, "--resize", model, "-o", out, "--report", rep}, extra...)
		status, stdout, stderr := run(t, args...)
		if status != 0 {
			t.Fatalf("%v: status %d\n%s\n%s", extra, status, stdout, stderr)
		}
		var r convert.FileReport
		b, _ := os.ReadFile(rep)
		if err := json.Unmarshal(b, &r); err != nil || r.Int8 == nil {
			t.Fatalf("%v: report without int8: %v", extra, err)
		}
		q, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		return &r, q, stdout
	}
}

// TestConvertEqualizeFlag: full integer on face_detection_short_range runs
// activation fusion and cross-layer equalization by default and says so
// in the report (int8.prepare); --equalize=false skips the equalization
// only; the two files differ.
func TestConvertEqualizeFlag(t *testing.T) {
	conv := int8Converter(t)
	rOn, qOn, _ := conv("on")
	rOff, qOff, _ := conv("off", "--equalize=false")
	on, off := rOn.Int8.Prepare, rOff.Int8.Prepare
	if on == nil || off == nil {
		t.Fatal("report without int8.prepare")
	}
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

// TestConvertFloatTailsFlag: by default the detector's two output
// concatenations (scores and boxes of two feature maps) run in float, the
// summary counts them and the report says why; --float-tails=false keeps
// them int8; integer I/O never has them.
func TestConvertFloatTailsFlag(t *testing.T) {
	conv := int8Converter(t)
	rOn, qOn, sumOn := conv("on")
	rOff, qOff, sumOff := conv("off", "--float-tails=false")
	rIO, _, _ := conv("io", "--io=int8")
	t.Logf("default: %q", rOn.Int8.FloatTails)
	if len(rOn.Int8.FloatTails) != 2 || !strings.Contains(sumOn, "2 output-tail ops in float (--float-tails)") {
		t.Errorf("default: float tails %q, summary %q", rOn.Int8.FloatTails, sumOn)
	}
	for _, s := range rOn.Int8.FloatTails {
		if !strings.Contains(s, "(CONCATENATION): output tail: in int8 its inputs would share the output's scale") {
			t.Errorf("float tail %q", s)
		}
	}
	if len(rOff.Int8.FloatTails) != 0 || strings.Contains(sumOff, "output-tail") || len(rIO.Int8.FloatTails) != 0 {
		t.Errorf("--float-tails=false: %q (%q); --io=int8: %q", rOff.Int8.FloatTails, sumOff, rIO.Int8.FloatTails)
	}
	if string(qOn) == string(qOff) {
		t.Error("--float-tails=false wrote the same file")
	}
}

// TestConvertWeightRoundingFlag: with --calib, full integer rounds weights
// as TFLite does by default and by GPTQ with --weight-rounding=gptq
// (reported in int8.weight_rounding and gptq_ops, counted in the summary,
// different bytes); dynamic range with --calib rounds by GPTQ (auto); a
// bad value is a usage error.
func TestConvertWeightRoundingFlag(t *testing.T) {
	conv := int8Converter(t)
	rN, qN, sumN := conv("default")
	rG, qG, sumG := conv("gptq", "--weight-rounding=gptq")
	if rG.Int8.WeightRounding != convert.RoundGPTQ || rG.Int8.GPTQOps == 0 || !strings.Contains(sumG, "rounded by GPTQ") {
		t.Errorf("gptq: rounding %q, %d ops, summary %q", rG.Int8.WeightRounding, rG.Int8.GPTQOps, sumG)
	}
	if rN.Int8.WeightRounding != convert.RoundNearest || rN.Int8.GPTQOps != 0 || strings.Contains(sumN, "GPTQ") {
		t.Errorf("default: rounding %q, %d ops, summary %q", rN.Int8.WeightRounding, rN.Int8.GPTQOps, sumN)
	}
	if string(qG) == string(qN) {
		t.Error("--weight-rounding=gptq wrote the same file")
	}
	rD, _, sumD := conv("dynamic", "--precision=int8-dynamic")
	if rD.Int8.WeightRounding != convert.RoundGPTQ || rD.Int8.GPTQOps == 0 || rD.Int8.GPTQOps > rD.TensorsConverted {
		t.Errorf("dynamic with --calib: rounding %q, %d of %d weights by GPTQ; %q", rD.Int8.WeightRounding, rD.Int8.GPTQOps, rD.TensorsConverted, sumD)
	}
	rDN, _, _ := conv("dynamic-nearest", "--precision=int8-dynamic", "--weight-rounding=nearest")
	if rDN.Int8.WeightRounding != convert.RoundNearest || rDN.Int8.GPTQOps != 0 {
		t.Errorf("dynamic, nearest: rounding %q, %d ops", rDN.Int8.WeightRounding, rDN.Int8.GPTQOps)
	}
	status, _, stderr := run(t, "convert", "--precision", "int8-dynamic", "--weight-rounding", "best", testenv.Model(t, "face_detection_short_range"), "-o", filepath.Join(t.TempDir(), "x.tflite"))
	if status == 0 || !strings.Contains(stderr, `--weight-rounding="best": want auto, gptq or nearest`) {
		t.Errorf("bad value: status %d, %q", status, stderr)
	}
}
