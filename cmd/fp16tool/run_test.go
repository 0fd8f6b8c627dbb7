package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fp16tool/fp16tool/engine"
	"github.com/fp16tool/fp16tool/internal/oracle"
	"github.com/fp16tool/fp16tool/internal/tensorio"
	"github.com/fp16tool/fp16tool/internal/testenv"
)

func photo(t *testing.T) string {
	for _, p := range testenv.Photos(t) {
		if filepath.Base(p) == "astronaut.png" {
			return p
		}
	}
	return testenv.Photos(t)[0]
}

// TestRunMatchesOracle runs `fp16tool run` on a real photo and compares
// the .npy it writes with LiteRT.js on the same input.
func TestRunMatchesOracle(t *testing.T) {
	oracle.Require(t)
	model := testenv.Model(t, "face_detection_short_range")
	img := photo(t)
	dir := t.TempDir()
	var stdout, stderr bytes.Buffer
	if st := execute([]string{"run", model, "--input", img, "--resize", "--mean", "127.5", "--std", "127.5", "-o", dir}, &stdout, &stderr); st != 0 {
		t.Fatalf("run: %s", stderr.String())
	}
	in, err := tensorio.LoadImage(img, []int{1, 128, 128, 3}, tensorio.RangeMinusOneOne)
	if err != nil {
		t.Fatal(err)
	}
	res, err := oracle.Run(model, []tensorio.Tensor{in}, oracle.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for k, want := range res.Outputs {
		got, err := tensorio.ReadNpy(filepath.Join(dir, fmt.Sprintf("output_%d.npy", k)))
		if err != nil {
			t.Fatal(err)
		}
		g, w := engine.Float32s(got.Data), engine.Float32s(want.Data)
		if len(g) != len(w) {
			t.Fatalf("output %d: %d values, oracle %d", k, len(g), len(w))
		}
		var d, a float64
		for i := range w {
			d = max(d, math.Abs(float64(g[i]-w[i])))
			a = max(a, math.Abs(float64(w[i])))
		}
		if d > 1e-4*a {
			t.Errorf("output %d: max abs diff %.3g > 1e-4 x %.3g", k, d, a)
		}
	}
	if !strings.Contains(stdout.String(), "regressors\tFLOAT32[1 896 16]") {
		t.Errorf("stdout does not list the outputs:\n%s", stdout.String())
	}
}

func TestRunErrors(t *testing.T) {
	model := testenv.Model(t, "face_detection_short_range")
	dir := t.TempDir()
	var stdout, stderr bytes.Buffer
	if st := execute([]string{"run", model, "-o", dir}, &stdout, &stderr); st != 0 {
		t.Fatalf("run with deterministic inputs: %s", stderr.String())
	}
	wrong := filepath.Join(dir, "output_0.npy") // [1 896 16], not the input's shape
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"run", model, "--input", wrong, "-o", dir}, "wants FLOAT32[1 128 128 3]"},
		{[]string{"run", model, "--input", photo(t), "-o", dir}, "pass --resize"},
		{[]string{"run", model, "--input", wrong, "--input", wrong, "-o", dir}, "has 1 inputs"},
		{[]string{"run", model}, "-o OUTDIR is required"},
		{[]string{"run", model, "--backend", "nope", "-o", dir}, `unknown backend "nope"`},
	} {
		stderr.Reset()
		if st := execute(c.args, &stdout, &stderr); st != 1 || !strings.Contains(stderr.String(), c.want) {
			t.Errorf("%v: status %d, stderr %q, want it to contain %q", c.args, st, stderr.String(), c.want)
		}
	}
}

func TestBenchJSON(t *testing.T) {
	model := testenv.Model(t, "face_detection_short_range")
	var stdout, stderr bytes.Buffer
	if st := execute([]string{"bench", model, "--threads", "1", "--runs", "3", "--json", "--profile"}, &stdout, &stderr); st != 0 {
		t.Fatalf("bench: %s", stderr.String())
	}
	var r benchResult
	if err := json.Unmarshal(stdout.Bytes(), &r); err != nil {
		t.Fatal(err)
	}
	if r.Runs != 3 || r.Threads != 1 || r.MinMs <= 0 || r.MinMs > r.MedianMs || r.MedianMs > r.MaxMs || r.MACs != 30760960 {
		t.Errorf("implausible result %+v", r)
	}
	if len(r.Ops) == 0 || len(r.OpTypes) == 0 || r.OpTypes[0].Op != "CONV_2D" {
		t.Errorf("profile missing or CONV_2D not the costliest op type: %+v", r.OpTypes)
	}
}
