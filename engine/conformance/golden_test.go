package conformance

import (
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/fp16tool/fp16tool/internal/oracle"
	"github.com/fp16tool/fp16tool/internal/tensorio"
	"github.com/fp16tool/fp16tool/tflite"
)

var update = flag.Bool("update", false, "rewrite the goldens from the oracle")

// TestGoldens runs every case in the real TFLite runtime (LiteRT.js, one
// thread) and checks that the committed goldens are what it computes, bit
// for bit; with -update it rewrites them.
func TestGoldens(t *testing.T) { checkGoldens(t, Cases()) }

// TestGoldensInt8 is TestGoldens for the int8 cases (run it alone with
// -update to rewrite only their goldens).
func TestGoldensInt8(t *testing.T) { checkGoldens(t, Int8Cases()) }

func checkGoldens(t *testing.T, cases []Case) {
	oracle.Require(t)
	dir := t.TempDir()
	var jobs []oracle.Job
	for _, c := range cases {
		m, err := c.Model()
		if err != nil {
			t.Fatal(err)
		}
		data, err := tflite.Save(m)
		if err != nil {
			t.Fatalf("%s: %v", c.Name, err)
		}
		path := filepath.Join(dir, c.Name+".tflite")
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		jobs = append(jobs, oracle.Job{Model: path, Inputs: c.Inputs(m), Options: oracle.Options{Threads: 1}})
	}
	res, err := oracle.RunBatch(jobs)
	if res == nil {
		t.Fatal(err)
	}
	if err != nil {
		t.Errorf("some cases fail in the oracle: %v", err)
	}
	if *update {
		if err := os.MkdirAll(GoldenDir(), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for i, c := range cases {
		if res[i] == nil {
			continue
		}
		for k, out := range res[i].Outputs {
			path := GoldenPath(c.Name, k)
			if *update {
				if err := tensorio.WriteNpy(path, out); err != nil {
					t.Fatal(err)
				}
				continue
			}
			want, err := tensorio.ReadNpy(path)
			if err != nil {
				t.Errorf("%s: %v (run with -update)", c.Name, err)
				continue
			}
			if !sameInts(want.Shape, out.Shape) || string(want.Data) != string(out.Data) {
				d, a, _ := Compare(out.Data, want.Data)
				t.Errorf("%s output %d: the oracle now gives shape %v (golden %v), max abs diff %.3g (max|golden| %.3g): the goldens drifted; rerun with -update if the runtime changed on purpose", c.Name, k, out.Shape, want.Shape, d, a)
			}
		}
	}
}
