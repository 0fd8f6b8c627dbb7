package cpu

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fp16tool/fp16tool/engine"
	"github.com/fp16tool/fp16tool/engine/conformance"
	"github.com/fp16tool/fp16tool/fp16"
	"github.com/fp16tool/fp16tool/graph"
	"github.com/fp16tool/fp16tool/internal/oracle"
	"github.com/fp16tool/fp16tool/internal/tensorio"
	"github.com/fp16tool/fp16tool/internal/testenv"
	"github.com/fp16tool/fp16tool/tflite"
)

// photoFor returns the real photo a fixture runs on, and its range.
func photoFor(t *testing.T, fixture string) (string, tensorio.ImageOptions) {
	photos := testenv.Photos(t)
	path := photos[0]
	for _, p := range photos {
		if filepath.Base(p) == "astronaut.png" {
			path = p
		}
	}
	if strings.HasPrefix(fixture, "face_detection") {
		return path, tensorio.RangeMinusOneOne
	}
	return path, tensorio.RangeZeroOne
}

// fixtureInputs loads the photo into every input of m (all fixtures have
// one [1,H,W,3] input).
func fixtureInputs(t *testing.T, name string, m *graph.Model) []tensorio.Tensor {
	photo, opt := photoFor(t, name)
	var ins []tensorio.Tensor
	for _, i := range m.Main().Inputs {
		tt := m.Main().Tensors[i]
		shape := make([]int, len(tt.Shape))
		for k, d := range tt.Shape {
			shape[k] = int(d)
		}
		in, err := tensorio.LoadImage(photo, shape, opt)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		in.Name = tt.Name
		ins = append(ins, in)
	}
	return ins
}

// illConditioned lists outputs that no float32 implementation can match
// to 1e-4 x max|oracle output|, because the network itself amplifies
// float32 rounding past that. pose_landmark_full output 2 (segmentation
// logits, max |logit| 1.8e3 on astronaut.png) was traced op by op, with
// the oracle returning every intermediate tensor of a copy of the model
// whose outputs are all of them, and with a float64 evaluation of the
// same graph:
//   - every op, given LiteRT.js's own input tensors, matches its output to
//     at most 7.4e-6 x max|output|, and is as close to the float64 result
//     of the op as XNNPACK's (e.g. op 91, depthwise: ours 3.0e-7, XNNPACK
//     5.9e-7; op 92, conv: 1.5e-6 and 1.7e-6);
//   - the decoder (ops 69-94: depthwise, conv and residual ADDs at
//     128x128 and 256x256) amplifies differences about 100x: the input
//     photo perturbed by 6e-8 relative (below one float32 ulp) moves the
//     float64 output 2 by 2.3e-4 of its maximum;
//   - so XNNPACK itself is 1.3e-3 away from the float64 result (1.26e-3
//     from the float64 results rounded to float32 after every op), ours
//     1.9e-3, and the two differ by 1.9e-3.
//
// It is checked at 3e-3. The other outputs of pose_landmark_full, and
// output 2 of pose_landmark_lite and pose_landmark_heavy (5.9e-5, 6.6e-5),
// meet 1e-4.
var illConditioned = map[string]float64{
	"pose_landmark_full/2": 3e-3,
}

// TestFixtures runs the ten real models (float16 originals and their
// float32 expansions) on a real photo and compares every output with the
// real TFLite runtime: max abs diff <= 1e-4 x max|oracle output|.
func TestFixtures(t *testing.T) {
	oracle.Require(t)
	paths := testenv.Models(t)
	type fx struct {
		name   string
		path   string
		inputs []tensorio.Tensor
	}
	var fxs []fx
	var jobs []oracle.Job
	for _, p := range paths {
		name := strings.TrimSuffix(filepath.Base(p), ".tflite")
		m, err := tflite.LoadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		ins := fixtureInputs(t, name, m)
		fxs = append(fxs, fx{name, p, ins})
		jobs = append(jobs, oracle.Job{Model: p, Inputs: ins, Options: oracle.Options{Threads: 1}})
	}
	res, err := oracle.RunBatch(jobs)
	if err != nil {
		t.Fatal(err)
	}
	for i, f := range fxs {
		for _, variant := range []string{"float16", "float32"} {
			t.Run(f.name+"/"+variant, func(t *testing.T) {
				m, err := tflite.LoadFile(f.path)
				if err != nil {
					t.Fatal(err)
				}
				if variant == "float32" {
					if _, err := fp16.Expand(m); err != nil {
						t.Fatal(err)
					}
				}
				p, err := Compile(m, engine.Options{Name: f.name, Threads: 1})
				if err != nil {
					t.Fatal(err)
				}
				for k, in := range f.inputs {
					copy(p.Input(k), in.Data)
				}
				if err := p.Run(); err != nil {
					t.Fatal(err)
				}
				for k, want := range res[i].Outputs {
					d, a, err := conformance.Compare(p.Output(k), want.Data)
					if err != nil {
						t.Fatalf("output %d: %v", k, err)
					}
					t.Logf("output %d %v: max abs diff %.3g, max|oracle| %.3g, ratio %.3g", k, want.Shape, d, a, d/max(a, 1e-30))
					tol := 1e-4
					if v, ok := illConditioned[fmt.Sprintf("%s/%d", f.name, k)]; ok {
						tol = v
					}
					if d > tol*a {
						t.Errorf("output %d: max abs diff %.3g > %g x max|oracle| %.3g", k, d, tol, a)
					}
				}
			})
		}
	}
}
