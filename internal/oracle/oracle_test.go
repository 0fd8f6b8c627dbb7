package oracle

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/fp16tool/fp16tool/graph"
	"github.com/fp16tool/fp16tool/internal/tensorio"
	"github.com/fp16tool/fp16tool/internal/testenv"
	"github.com/fp16tool/fp16tool/tflite"
)

// inputRange is the pixel range each fixture expects, as MediaPipe's
// graphs feed them: face detection takes [-1, 1], the hand, pose and
// selfie models [0, 1].
func inputRange(fixture string) tensorio.ImageOptions {
	if strings.HasPrefix(fixture, "face_detection") {
		return tensorio.RangeMinusOneOne
	}
	return tensorio.RangeZeroOne
}

// photo is the real photo the fixtures run on: a person (face, hands,
// upper body) for every model.
func photo(t *testing.T) string {
	for _, p := range testenv.Photos(t) {
		if filepath.Base(p) == "astronaut.png" {
			return p
		}
	}
	testenv.Missing(t, "testdata/photos/astronaut.png", "run testdata/fetch.sh")
	return ""
}

// fixtureRuns describes every fixture in LiteRT.js, then runs each on the
// photo resized to its input shape, in one Node process per step.
func fixtureRuns(t *testing.T, opt Options, fixtures []string) (map[string]*Result, map[string][]tensorio.Tensor) {
	t.Helper()
	var jobs []Job
	for _, f := range fixtures {
		jobs = append(jobs, Job{Model: testenv.Model(t, f), Options: Options{Runtime: LiteRT}})
	}
	desc, err := RunBatch(jobs)
	if err != nil {
		t.Fatal(err)
	}
	pic := photo(t)
	inputs := map[string][]tensorio.Tensor{}
	jobs = jobs[:0]
	for i, f := range fixtures {
		in := desc[i].Inputs
		if len(in) != 1 || in[0].Type != graph.Float32 {
			t.Fatalf("%s: inputs %+v, want one FLOAT32 image", f, in)
		}
		x, err := tensorio.LoadImage(pic, in[0].Shape, inputRange(f))
		if err != nil {
			t.Fatal(err)
		}
		inputs[f] = []tensorio.Tensor{x}
		jobs = append(jobs, Job{Model: testenv.Model(t, f), Inputs: inputs[f], Options: opt})
	}
	res, err := RunBatch(jobs)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]*Result{}
	for i, f := range fixtures {
		out[f] = res[i]
	}
	return out, inputs
}

// liteRTFixtures runs every fixture in LiteRT.js once for all the tests
// that need the results.
var liteRTFixtures = struct {
	sync.Mutex
	res    map[string]*Result
	inputs map[string][]tensorio.Tensor
}{}

func liteRTRuns(t *testing.T) (map[string]*Result, map[string][]tensorio.Tensor) {
	t.Helper()
	Require(t)
	testenv.Models(t)
	liteRTFixtures.Lock()
	defer liteRTFixtures.Unlock()
	if liteRTFixtures.res == nil {
		liteRTFixtures.res, liteRTFixtures.inputs = fixtureRuns(t, Options{Runtime: LiteRT}, testenv.Fixtures)
	}
	return liteRTFixtures.res, liteRTFixtures.inputs
}

// TestFixturesLiteRT runs every fixture on a real photo in LiteRT.js and
// checks that each gives finite outputs of the shapes it declares.
func TestFixturesLiteRT(t *testing.T) {
	res, _ := liteRTRuns(t)
	for _, f := range testenv.Fixtures {
		r := res[f]
		if len(r.Outputs) == 0 || len(r.Outputs) != len(r.OutputInfo) {
			t.Errorf("%s: %d outputs for %d declared", f, len(r.Outputs), len(r.OutputInfo))
			continue
		}
		if !r.XNNPACK || r.Build != "litert_wasm_compat_internal.js" {
			t.Errorf("%s: build %q xnnpack %v", f, r.Build, r.XNNPACK)
		}
		if len(r.LatenciesMs) != 1 || r.InitMs <= 0 {
			t.Errorf("%s: init %v ms, latencies %v", f, r.InitMs, r.LatenciesMs)
		}
		for k, o := range r.Outputs {
			if o.Type != graph.Float32 || !reflect.DeepEqual(o.Shape, r.OutputInfo[k].Shape) {
				t.Errorf("%s: output %d is %v, declared %v%v", f, k, o.String(), r.OutputInfo[k].Type, r.OutputInfo[k].Shape)
			}
			v := o.Float32s()
			lo, hi := math.Inf(1), math.Inf(-1)
			for i, x := range v {
				if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
					t.Fatalf("%s: output %d (%s) element %d is %v", f, k, o.Name, i, x)
				}
				lo, hi = math.Min(lo, float64(x)), math.Max(hi, float64(x))
			}
			if len(v) > 1 && lo == hi {
				t.Errorf("%s: output %d (%s) is constant %v", f, k, o.Name, lo)
			}
			t.Logf("%s: output %d %s in [%.4g, %.4g]; init %.0f ms, run %.1f ms", f, k, o.String(), lo, hi, r.InitMs, r.LatenciesMs[0])
		}
	}
}

// TestTFJSAgreesWithLiteRT runs the fixtures tfjs-tflite can load (all but
// the selfie models, whose custom op it lacks) in both runtimes and checks
// that they agree: per output, max |a-b| <= 1e-5 × max |a|.
func TestTFJSAgreesWithLiteRT(t *testing.T) {
	Require(t)
	var fixtures []string
	for _, f := range testenv.Fixtures {
		if !strings.HasPrefix(f, "selfie") {
			fixtures = append(fixtures, f)
		}
	}
	lite, inputs := liteRTRuns(t)
	var jobs []Job
	for _, f := range fixtures {
		jobs = append(jobs, Job{Model: testenv.Model(t, f), Inputs: inputs[f], Options: Options{Runtime: TFJS}})
	}
	tf, err := RunBatch(jobs)
	if err != nil {
		t.Fatal(err)
	}
	for i, f := range fixtures {
		a, b := lite[f], tf[i]
		if len(a.Outputs) != len(b.Outputs) {
			t.Errorf("%s: LiteRT.js gives %d outputs, tfjs-tflite %d", f, len(a.Outputs), len(b.Outputs))
			continue
		}
		for k := range a.Outputs {
			// Output order may differ between runtimes; match by name.
			bo := b.Outputs[k]
			for _, o := range b.Outputs {
				if o.Name == a.Outputs[k].Name {
					bo = o
				}
			}
			diff, scale, err := maxDiff(a.Outputs[k], bo)
			if err != nil {
				t.Errorf("%s: output %s: %v", f, a.Outputs[k].Name, err)
				continue
			}
			rel := diff / math.Max(scale, 1e-30)
			t.Logf("%s: %s: max |litert-tfjs| = %.3g, max |litert| = %.3g, relative %.3g", f, a.Outputs[k].Name, diff, scale, rel)
			if rel > 1e-5 {
				t.Errorf("%s: %s: LiteRT.js and tfjs-tflite differ by %.3g (%.3g relative to max %.3g)", f, a.Outputs[k].Name, diff, rel, scale)
			}
		}
	}
}

func maxDiff(a, b tensorio.Tensor) (diff, scale float64, err error) {
	if !reflect.DeepEqual(a.Shape, b.Shape) {
		return 0, 0, fmt.Errorf("shapes %v and %v", a.Shape, b.Shape)
	}
	av, bv := a.Float32s(), b.Float32s()
	if av == nil || bv == nil {
		return 0, 0, fmt.Errorf("types %v and %v", a.Type, b.Type)
	}
	for i := range av {
		diff = math.Max(diff, math.Abs(float64(av[i])-float64(bv[i])))
		scale = math.Max(scale, math.Abs(float64(av[i])))
	}
	return diff, scale, nil
}

// TestOptions checks warmup/run counts, the threaded LiteRT.js build
// against the single-threaded one, and repeatability.
func TestOptions(t *testing.T) {
	Require(t)
	model := testenv.Model(t, "face_detection_short_range")
	x, err := tensorio.LoadImage(photo(t), []int{1, 128, 128, 3}, tensorio.RangeMinusOneOne)
	if err != nil {
		t.Fatal(err)
	}
	in := []tensorio.Tensor{x}
	res, err := RunBatch([]Job{
		{Model: model, Inputs: in, Options: Options{Warmup: 2, Runs: 3}},
		{Model: model, Inputs: in},
		{Model: model, Inputs: in, Options: Options{Threads: 2, Runs: 2}},
		{Model: model, Inputs: in, Options: Options{Runtime: TFJS, Warmup: 1, Runs: 2}},
		{Model: model, Inputs: in, Options: Options{Threads: 1}},
	})
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []int{3, 1, 2, 2, 1} {
		if len(res[i].LatenciesMs) != want {
			t.Errorf("job %d: %d latencies, want %d", i, len(res[i].LatenciesMs), want)
		}
		for _, l := range res[i].LatenciesMs {
			if l <= 0 || l > 60000 {
				t.Errorf("job %d: latency %v ms", i, l)
			}
		}
	}
	// The same build gives identical bytes run after run, also after the
	// process switched to the threaded build and back.
	for k := range res[0].Outputs {
		if string(res[0].Outputs[k].Data) != string(res[1].Outputs[k].Data) ||
			string(res[0].Outputs[k].Data) != string(res[4].Outputs[k].Data) {
			t.Errorf("output %d differs between runs of the same build", k)
		}
	}
	if res[2].Build != "litert_wasm_threaded_internal.js" {
		t.Errorf("2 threads ran build %q", res[2].Build)
	}
	for k := range res[0].Outputs {
		diff, scale, err := maxDiff(res[0].Outputs[k], res[2].Outputs[k])
		if err != nil || diff > 1e-5*scale {
			t.Errorf("output %d: threaded build differs by %v (scale %v, %v)", k, diff, scale, err)
		}
	}
	t.Logf("1 thread: init %.0f ms, runs %v ms; 2 threads: init %.0f ms, runs %v ms; tfjs: init %.0f ms, runs %v ms",
		res[0].InitMs, res[0].LatenciesMs, res[2].InitMs, res[2].LatenciesMs, res[3].InitMs, res[3].LatenciesMs)
}

// TestErrors checks that bad jobs fail with errors that name the model and
// the problem, and that one bad job does not stop the others.
func TestErrors(t *testing.T) {
	Require(t)
	model := testenv.Model(t, "face_detection_short_range")
	good, _ := tensorio.FromFloat32("x", []int{1, 128, 128, 3}, make([]float32, 128*128*3))
	wrongShape, _ := tensorio.FromFloat32("x", []int{1, 64, 64, 3}, make([]float32, 64*64*3))
	wrongType := tensorio.Tensor{Name: "x", Type: graph.Int32, Shape: good.Shape, Data: make([]byte, len(good.Data))}
	junk := filepath.Join(t.TempDir(), "junk.tflite")
	if err := os.WriteFile(junk, []byte("this is not a model"), 0o644); err != nil {
		t.Fatal(err)
	}
	res, err := RunBatch([]Job{
		{Model: model, Inputs: []tensorio.Tensor{wrongShape}},
		{Model: model, Inputs: []tensorio.Tensor{good}},
		{Model: model, Inputs: []tensorio.Tensor{wrongType}},
		{Model: junk, Inputs: []tensorio.Tensor{good}},
		{Model: testenv.Model(t, "selfie_segmentation"), Options: Options{Runtime: TFJS}},
		{Model: model, Inputs: []tensorio.Tensor{good, good}},
	})
	if err == nil {
		t.Fatal("no error")
	}
	if res[1] == nil || len(res[1].Outputs) != 2 {
		t.Errorf("the good job between bad ones gave %+v", res[1])
	}
	msg := err.Error()
	t.Logf("the error:\n%s", msg)
	for _, want := range []string{
		"has shape [1,128,128,3], file has [1,64,64,3]",
		"is float32, file holds int32",
		"junk.tflite",
		"selfie_segmentation.tflite (tfjs)",
		"unresolved custom op: Convolution2DTransposeBias",
		"LiteRT.js: Failed to load model",
		"model has 1 inputs, 2 given",
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("error does not say %q:\n%s", want, msg)
		}
	}
	if _, err := Run(model, nil, Options{Runtime: "tflite"}); err == nil || !strings.Contains(err.Error(), `runtime "tflite"`) {
		t.Errorf("unknown runtime: %v", err)
	}
	if _, err := Run(filepath.Join(t.TempDir(), "none.tflite"), nil, Options{}); err == nil || !strings.Contains(err.Error(), "none.tflite") {
		t.Errorf("missing model: %v", err)
	}
}

// TestTimings measures every fixture in LiteRT.js (1 and 2 threads) and
// tfjs-tflite on the photo: median of 10 timed runs after 2 warmups. It is
// a measurement, not a check: it runs only with FP16TOOL_ORACLE_TIMINGS=1.
func TestTimings(t *testing.T) {
	if os.Getenv("FP16TOOL_ORACLE_TIMINGS") != "1" {
		t.Skip("set FP16TOOL_ORACLE_TIMINGS=1 to measure")
	}
	Require(t)
	_, inputs := liteRTRuns(t)
	opts := []Options{{Runtime: LiteRT, Threads: 1}, {Runtime: LiteRT, Threads: 2}, {Runtime: TFJS, Threads: 1}}
	var jobs []Job
	for _, o := range opts {
		o.Warmup, o.Runs = 2, 10
		for _, f := range testenv.Fixtures {
			if o.Runtime == TFJS && strings.HasPrefix(f, "selfie") {
				continue
			}
			jobs = append(jobs, Job{Model: testenv.Model(t, f), Inputs: inputs[f], Options: o})
		}
	}
	res, err := RunBatch(jobs)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%-40s %-6s %7s %8s %9s", "model", "rt", "threads", "init ms", "median ms")
	for i, j := range jobs {
		l := append([]float64(nil), res[i].LatenciesMs...)
		sort.Float64s(l)
		t.Logf("%-40s %-6s %7d %8.1f %9.2f", filepath.Base(j.Model), j.Options.Runtime, j.Options.Threads, res[i].InitMs, l[len(l)/2])
	}
}

// TestFixtureTensorsMatchTflite checks the runtime's view of every
// fixture's inputs and outputs (order, element type, shape) against
// fp16tool's own reader, tflite.LoadFile.
func TestFixtureTensorsMatchTflite(t *testing.T) {
	res, _ := liteRTRuns(t)
	for _, f := range testenv.Fixtures {
		m, err := tflite.LoadFile(testenv.Model(t, f))
		if err != nil {
			t.Fatal(err)
		}
		sg := m.Main()
		for _, side := range []struct {
			what string
			idx  []int
			got  []TensorInfo
		}{{"input", sg.Inputs, res[f].Inputs}, {"output", sg.Outputs, res[f].OutputInfo}} {
			if len(side.idx) != len(side.got) {
				t.Errorf("%s: tflite reads %d %ss, the runtime reports %d", f, len(side.idx), side.what, len(side.got))
				continue
			}
			for k, ti := range side.idx {
				want := sg.Tensors[ti]
				shape := make([]int, len(want.Shape))
				for i, d := range want.Shape {
					shape[i] = int(d)
				}
				g := side.got[k]
				if g.Type != want.Type || !reflect.DeepEqual(g.Shape, shape) {
					t.Errorf("%s: %s %d: runtime %s %v%v, tflite %s %v%v", f, side.what, k, g.Name, g.Type, g.Shape, want.Name, want.Type, shape)
				}
			}
		}
	}
}
