package gpu

import (
	"errors"
	"flag"
	"fmt"
	"math"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/fp16tool/fp16tool/cpu"
	"github.com/fp16tool/fp16tool/engine"
	"github.com/fp16tool/fp16tool/graph"
	"github.com/fp16tool/fp16tool/internal/tensorio"
	"github.com/fp16tool/fp16tool/internal/testenv"
	"github.com/fp16tool/fp16tool/tflite"
)

// fixturePrecisions are the precisions TestFixtures runs every fixture in:
// fp32 by default (lavapipe is slow; CI has two cores), plus fp16 on the
// fp16Smoke fixtures; all three on every fixture with
// -fixture-precisions=fp16,fp32acc,fp32.
var fixturePrecisions = flag.String("fixture-precisions", "fp32", "comma-separated GPU precisions TestFixtures runs the fixtures in")

// fixturePhoto names the photo in testdata/photos the fixtures run on.
var fixturePhoto = flag.String("fixture-photo", "astronaut.png", "TestFixtures, TestLayers: the photo in testdata/photos the fixtures run on")

// fp16Smoke are the two fastest fixtures, also run in fp16 (the default
// precision on lavapipe) when -fixture-precisions is left at its default.
var fp16Smoke = map[string]bool{"face_detection_short_range": true, "selfie_segmentation_landscape": true}

// aimSNR is issue 6's aim per precision, in dB, for every fixture output
// against the CPU backend's float32 result: float32 arithmetic >= 60 dB,
// float16 arithmetic >= 40 dB. fp32 meets it on every output; with
// float16 storage (fp16, fp32acc, with the precision plan of precision.go)
// a few outputs stay below it (see docs/vulkan.md, "Accuracy"): they are
// logged as "below the aim", and the test fails under floorSNR.
var aimSNR = map[Precision]float64{FP16: 40, FP32Acc: 60, FP32: 60}

// floorSNR is the failure threshold per precision, ~6 dB under the
// lowest SNR measured on lavapipe with the precision plan (fp16 37.9 dB:
// pose_landmark_lite output 2; fp32acc 38.0 dB: pose_landmark_heavy output
// 2; fp32 73.9 dB), except for the outputs in illConditioned: with float16
// storage a mere change of summation order moves some outputs by several
// dB (docs/vulkan.md). Wrong kernels give ~0-10 dB.
var floorSNR = map[Precision]float64{FP16: 32, FP32Acc: 32, FP32: 60}

// illConditioned are the floors of the segmentation logits that float16
// storage cannot bring near the aim, per fixture/output and precision.
// pose_landmark_full output 2 amplifies input perturbations ~100x (see
// cpu/fixtures_test.go): rounding only the input photo to float16, every
// op in float32, gives 33.6 dB; with every op in float16 it is 25.3 dB
// (fp16) and 24.7 dB (fp32acc). pose_landmark_heavy output 2: 31.3 dB in
// fp16 (31.1 with other summation orders), and still 37.6 dB with its
// first 130 of 689 ops in float32.
var illConditioned = map[string]map[Precision]float64{
	"pose_landmark_full/2":  {FP16: 20, FP32Acc: 20},
	"pose_landmark_heavy/2": {FP16: 25},
}

// floorFor returns the floor of output k of fixture name in precision p.
func floorFor(name string, k int, p Precision) float64 {
	if f, ok := illConditioned[fmt.Sprintf("%s/%d", name, k)][p]; ok {
		return f
	}
	return floorSNR[p]
}

// SNR returns 10·log10(Σ want² / Σ (got − want)²) in dB (+Inf when equal).
func SNR(got, want []float32) float64 {
	var sig, noise float64
	for i := range want {
		w := float64(want[i])
		d := float64(got[i]) - w
		sig += w * w
		noise += d * d
	}
	if noise == 0 {
		return math.Inf(1)
	}
	return 10 * math.Log10(sig/noise)
}

// fixtureInputs loads the real photo into the model's [1,H,W,3] input
// ([-1,1] for the face detectors, [0,1] for the others), as the CPU
// backend's fixture test does.
func fixtureInputs(t *testing.T, name string, m *graph.Model) []tensorio.Tensor {
	photo := testenv.Photos(t)[0]
	for _, p := range testenv.Photos(t) {
		if filepath.Base(p) == *fixturePhoto {
			photo = p
		}
	}
	opt := tensorio.RangeZeroOne
	if strings.HasPrefix(name, "face_detection") {
		opt = tensorio.RangeMinusOneOne
	}
	var ins []tensorio.Tensor
	for _, i := range m.Main().Inputs {
		in, err := tensorio.LoadImage(photo, graph.IntShape(m.Main().Tensors[i].Shape), opt)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		ins = append(ins, in)
	}
	return ins
}

// compileOrSkip compiles m on b: an op without a Vulkan kernel skips tb,
// naming the op; any other error fails it.
func compileOrSkip(tb testing.TB, b engine.Backend, m *graph.Model, opt engine.Options) engine.Program {
	tb.Helper()
	p, err := b.Compile(m, opt)
	var u *UnsupportedOpError
	if errors.As(err, &u) {
		tb.Skipf("SKIP: %v", err)
	}
	if err != nil {
		tb.Fatal(err)
	}
	return p
}

// runWith compiles m on b, runs it once on ins (or on fill's values when
// ins is nil) and returns copies of its outputs.
func runWith(tb testing.TB, b engine.Backend, m *graph.Model, opt engine.Options, ins []tensorio.Tensor) [][]float32 {
	tb.Helper()
	p := compileOrSkip(tb, b, m, opt)
	defer p.Close()
	if gp, ok := p.(*Program); ok {
		tb.Logf("%s %v: %d ops in fp32, %d KiB of float32 activations (arena %d KiB), %d dispatches", opt.ModelName(), gp.Precision(),
			gp.FP32Ops(), gp.FP32Bytes()>>10, gp.ArenaBytes()>>10, gp.Dispatches())
	}
	fill(p)
	for k, in := range ins {
		copy(p.Input(k), in.Data)
	}
	if err := p.Run(); err != nil {
		tb.Fatal(err)
	}
	var outs [][]float32
	for k := range p.Outputs() {
		outs = append(outs, append([]float32(nil), engine.Float32s(p.Output(k))...))
	}
	return outs
}

// TestFixtures runs every fixture (the float16 models as shipped, which
// are what --target=gpu produces) on a real photo on the Vulkan backend
// and compares each output with the CPU backend's float32 result: SNR at
// least floorSNR (and logs those below aimSNR). A fixture with an op that has no Vulkan kernel yet is
// skipped, naming the op.
func TestFixtures(t *testing.T) {
	info := needVulkan(t)
	applyPlanFlags(t)
	var precs []Precision
	for _, s := range strings.Split(*fixturePrecisions, ",") {
		p, err := ParsePrecision(strings.TrimSpace(s))
		if err != nil {
			t.Fatal(err)
		}
		if info.Supports(p) {
			precs = append(precs, p)
		}
	}
	for _, path := range testenv.Models(t) {
		name := strings.TrimSuffix(filepath.Base(path), ".tflite")
		t.Run(name, func(t *testing.T) {
			load := func() *graph.Model {
				m, err := tflite.LoadFile(path)
				if err != nil {
					t.Fatal(err)
				}
				return m
			}
			m := load()
			ins := fixtureInputs(t, name, m)
			want := runWith(t, cpu.Backend{}, m, engine.Options{Name: name}, ins)
			run := precs
			if *fixturePrecisions == "fp32" && fp16Smoke[name] && info.Supports(FP16) {
				run = append(slices.Clone(precs), FP16)
			}
			for _, p := range run {
				t.Run(p.String(), func(t *testing.T) {
					t0 := time.Now()
					got := runWith(t, Backend{}, load(), engine.Options{Name: name, Precision: p.String()}, ins)
					for k := range want {
						snr := SNR(got[k], want[k])
						note := ""
						if !(snr >= aimSNR[p]) {
							note = fmt.Sprintf(" (below the aim of %.0f dB)", aimSNR[p])
						}
						t.Logf("%s %v output %d (%d values): SNR %.1f dB vs CPU float32%s", name, p, k, len(want[k]), snr, note)
						if floor := floorFor(name, k, p); !(snr >= floor) {
							t.Errorf("output %d: SNR %.1f dB < %.0f dB", k, snr, floor)
						}
					}
					t.Logf("compile + run %v", time.Since(t0).Round(time.Millisecond))
				})
			}
		})
	}
}

// TestFixtureRunAllocs checks that Run allocates nothing on the Go side
// for a real model (the smallest fixture, in the device's default
// precision).
func TestFixtureRunAllocs(t *testing.T) {
	needVulkan(t)
	m, err := tflite.LoadFile(testenv.Model(t, "face_detection_short_range"))
	if err != nil {
		t.Fatal(err)
	}
	p := compileOrSkip(t, Backend{}, m, engine.Options{Name: "face_detection_short_range", Profile: true})
	defer p.Close()
	if n := testing.AllocsPerRun(2, func() { p.Run() }); n != 0 {
		t.Errorf("Run allocates %v times", n)
	}
}
