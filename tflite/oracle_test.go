package tflite

import (
	"bytes"
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fp16tool/fp16tool/graph"
	"github.com/fp16tool/fp16tool/internal/oracle"
	"github.com/fp16tool/fp16tool/internal/tensorio"
	"github.com/fp16tool/fp16tool/internal/testenv"
)

// TestOracleResavedIdentical runs every fixture and its re-saved copy
// (LoadFile then Save) in the real TFLite runtime (LiteRT.js) on a real
// photo and checks the outputs are bit-identical; for one fixture also the
// copy saved in the offset/size layout of models over 2 GB.
func TestOracleResavedIdentical(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the real runtime on all fixtures")
	}
	oracle.Require(t)
	models := testenv.Models(t)
	photo := filepath.Join(testenv.PhotosDir(), "astronaut.png")
	if _, err := os.Stat(photo); err != nil {
		testenv.Missing(t, "testdata/photos/astronaut.png", "run testdata/fetch.sh")
	}
	dir := t.TempDir()
	var jobs []oracle.Job
	for _, p := range models {
		m, err := LoadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		out, err := Save(m)
		if err != nil {
			t.Fatal(err)
		}
		resaved := filepath.Join(dir, filepath.Base(p))
		if err := os.WriteFile(resaved, out, 0o644); err != nil {
			t.Fatal(err)
		}
		var inputs []tensorio.Tensor
		for _, i := range m.Main().Inputs {
			tn := m.Main().Tensors[i]
			shape := make([]int, len(tn.Shape))
			for j, d := range tn.Shape {
				shape[j] = int(d)
			}
			opt := tensorio.RangeZeroOne
			if strings.HasPrefix(filepath.Base(p), "face_detection") {
				opt = tensorio.RangeMinusOneOne
			}
			if tn.Type != graph.Float32 || len(shape) != 4 || shape[3] != 3 {
				t.Fatalf("%s: input %q is %s %v, not an image", p, tn.Name, tn.Type, shape)
			}
			x, err := tensorio.LoadImage(photo, shape, opt)
			if err != nil {
				t.Fatal(err)
			}
			inputs = append(inputs, x)
		}
		jobs = append(jobs, oracle.Job{Model: p, Inputs: inputs}, oracle.Job{Model: resaved, Inputs: inputs})
		if strings.HasPrefix(filepath.Base(p), "face_detection_short_range") {
			// Also the layout of models over 2 GB (data after the
			// flatbuffer, buffers with offset/size), forced small.
			old := inlineLimit
			inlineLimit = 0
			out, err := Save(m)
			inlineLimit = old
			if err != nil {
				t.Fatal(err)
			}
			large := filepath.Join(dir, "large_layout_"+filepath.Base(p))
			if err := os.WriteFile(large, out, 0o644); err != nil {
				t.Fatal(err)
			}
			jobs = append(jobs, oracle.Job{Model: p, Inputs: inputs}, oracle.Job{Model: large, Inputs: inputs})
		}
	}
	res, err := oracle.RunBatch(jobs)
	if err != nil {
		t.Fatal(err)
	}
	for k := 0; k < len(jobs); k += 2 {
		name := filepath.Base(jobs[k+1].Model)
		a, b := res[k], res[k+1]
		if len(a.Outputs) == 0 || len(a.Outputs) != len(b.Outputs) {
			t.Errorf("%s: %d outputs, re-saved %d", name, len(a.Outputs), len(b.Outputs))
			continue
		}
		maxDiff, same := 0.0, true
		for i := range a.Outputs {
			x, y := a.Outputs[i], b.Outputs[i]
			if x.Type != y.Type || !bytes.Equal(x.Data, y.Data) {
				same = false
				t.Errorf("%s: output %d (%s) differs between the original and the re-saved file", name, i, x.Name)
			}
			if x.Type == graph.Float32 && len(x.Data) == len(y.Data) {
				for j := 0; j+4 <= len(x.Data); j += 4 {
					u := math.Float32frombits(binary.LittleEndian.Uint32(x.Data[j:]))
					v := math.Float32frombits(binary.LittleEndian.Uint32(y.Data[j:]))
					maxDiff = math.Max(maxDiff, math.Abs(float64(u-v)))
				}
			}
		}
		t.Logf("%s: %d outputs, max abs diff %g (bit-identical: %v)", name, len(a.Outputs), maxDiff, same)
	}
}
