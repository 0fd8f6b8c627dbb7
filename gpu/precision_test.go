package gpu

import (
	"math"
	"slices"
	"testing"

	"github.com/fp16tool/fp16tool/cpu"
	"github.com/fp16tool/fp16tool/engine"
	"github.com/fp16tool/fp16tool/internal/testenv"
	"github.com/fp16tool/fp16tool/tflite"
)

// noPlan turns the precision plan's rule off for the test: every op runs
// in the program's precision.
func noPlan(t testing.TB) {
	old := fp32Depth
	fp32Depth = -1
	t.Cleanup(func() { fp32Depth = old })
}

// withPlan sets the rule's reach for the test.
func withPlan(t testing.TB, depth, maxElems int) {
	oldD, oldM := fp32Depth, fp32MaxElems
	fp32Depth, fp32MaxElems = depth, maxElems
	t.Cleanup(func() { fp32Depth, fp32MaxElems = oldD, oldM })
}

// TestPlanTinyModel checks the rule on tinyModel (CONV_2D -> RESHAPE ->
// FULLY_CONNECTED -> ADD -> output): with reach 1 the ADD (0 ops from the
// output) and the FULLY_CONNECTED (1) run in float32, the CONV_2D (2: the
// RESHAPE does not count) in float16, with one conversion between them;
// the outputs match the CPU.
func TestPlanTinyModel(t *testing.T) {
	info := needVulkan(t)
	want := runOnce(t, cpu.Backend{}, tinyModel(), engine.Options{Threads: 1})
	for _, tc := range []struct {
		prec       Precision
		depth      int
		fp32       []int
		dispatches int
	}{
		{FP16, 1, []int{4, 5}, 6},
		{FP32Acc, 1, []int{4, 5}, 6},
		{FP16, 0, []int{5}, 6},
		{FP16, -1, nil, 5},
		{FP16, 2, []int{0, 4, 5}, 5},
		{FP32, 2, nil, 5},
	} {
		if !info.Supports(tc.prec) {
			continue
		}
		withPlan(t, tc.depth, fp32MaxElems)
		p, err := Compile(tinyModel(), engine.Options{Precision: tc.prec.String()})
		if err != nil {
			t.Fatal(err)
		}
		fill(p)
		if err := p.Run(); err != nil {
			t.Fatal(err)
		}
		got := engine.Float32s(p.Output(0))
		for i := range want {
			if d := math.Abs(float64(got[i] - want[i])); d > conformanceRtol[tc.prec]*10 {
				t.Errorf("%v reach %d: output[%d] = %v, CPU %v", tc.prec, tc.depth, i, got[i], want[i])
			}
		}
		if !slices.Equal(p.fp32Index, tc.fp32) || p.FP32Ops() != len(tc.fp32) || p.Dispatches() != tc.dispatches {
			t.Errorf("%v reach %d: ops %v in fp32 (FP32Ops %d), %d dispatches; want %v, %d",
				tc.prec, tc.depth, p.fp32Index, p.FP32Ops(), p.Dispatches(), tc.fp32, tc.dispatches)
		}
		p.Close()
	}
}

// TestPlanAllFP32 runs face_detection_short_range with float16 storage
// but every op planned in float32: the outputs must be the FP32 program's,
// bit for bit (the conversions and per-op kernels are wired right), and
// with every other op in float32 (a conversion at nearly every edge) they
// must stay within the float16 floor of the CPU result.
func TestPlanAllFP32(t *testing.T) {
	info := needVulkan(t)
	if !info.Supports(FP32Acc) {
		t.Skipf("%s has no 16-bit storage", info.Name)
	}
	const name = "face_detection_short_range"
	m, err := tflite.LoadFile(testenv.Model(t, name))
	if err != nil {
		t.Fatal(err)
	}
	ins := fixtureInputs(t, name, m)
	want := runWith(t, Backend{}, m, engine.Options{Name: name, Precision: "fp32"}, ins)
	fp32Override = func(int) bool { return true }
	defer func() { fp32Override = nil }()
	got := runWith(t, Backend{}, m, engine.Options{Name: name, Precision: "fp32acc"}, ins)
	for k := range want {
		if !slices.Equal(got[k], want[k]) {
			t.Errorf("output %d: fp32acc with every op in float32 differs from fp32 (SNR %.1f dB)", k, SNR(got[k], want[k]))
		}
	}
	ref := runWith(t, cpu.Backend{}, m, engine.Options{Name: name}, ins)
	fp32Override = func(i int) bool { return i%2 == 0 }
	got = runWith(t, Backend{}, m, engine.Options{Name: name, Precision: "fp32acc"}, ins)
	for k := range ref {
		if snr := SNR(got[k], ref[k]); !(snr >= floorSNR[FP32Acc]) {
			t.Errorf("output %d: every other op in float32: SNR %.1f dB < %.0f dB", k, snr, floorSNR[FP32Acc])
		}
	}
}

// TestPlanRule checks the default rule on pose_landmark_full: the ops
// that compute its small outputs by cancellation (the landmark head's
// CONV_2D to 117 values, op 325, and the one-logit CONV_2D, op 329) run in
// float32; the segmentation decoder (256x256) and the backbone stay in
// float16; FP32 programs plan nothing.
func TestPlanRule(t *testing.T) {
	info := needVulkan(t)
	m, err := tflite.LoadFile(testenv.Model(t, "pose_landmark_full"))
	if err != nil {
		t.Fatal(err)
	}
	for _, prec := range Precisions {
		if !info.Supports(prec) {
			continue
		}
		p, err := Compile(m, engine.Options{Name: "pose_landmark_full", Precision: prec.String()})
		if err != nil {
			t.Fatal(err)
		}
		got := p.fp32Index
		p.Close()
		if prec == FP32 {
			if len(got) != 0 {
				t.Errorf("fp32: ops %v planned in float32", got)
			}
			continue
		}
		if !slices.Contains(got, 325) || !slices.Contains(got, 329) || slices.Contains(got, 230) || len(got) > 20 {
			t.Errorf("%v: ops %v in float32; want 325 and 329, not 230 (the 256x256 logits), at most 20", prec, got)
		}
	}
}
