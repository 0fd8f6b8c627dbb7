package convert

import (
	"bytes"
	"encoding/json"
	"io"
	"math"
	"os"
	"testing"
	"time"

	"github.com/fp16tool/fp16tool/engine"
	"github.com/fp16tool/fp16tool/graph"
	"github.com/fp16tool/fp16tool/int8"
	"github.com/fp16tool/fp16tool/internal/testenv"
	"github.com/fp16tool/fp16tool/tflite"
)

// fp32Fixture loads a fixture expanded to float32 (--precision=fp32).
func fp32Fixture(t *testing.T, name string) *graph.Model {
	t.Helper()
	data, err := os.ReadFile(testenv.Model(t, name))
	if err != nil {
		t.Fatal(err)
	}
	out, _, err := ConvertBytes(name, data, Options{Precision: FP32})
	if err != nil {
		t.Fatal(err)
	}
	m, err := tflite.Load(name, out)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestCalibrateFixture calibrates face_detection_short_range (float32
// expansion) on the real photos (resized, [-1, 1]) and checks that
//   - every float run-time tensor gets a range, finite, within the
//     observed values, for every method;
//   - minmax ranges hold every value of every tensor on every photo and
//     are attained (checked with a separate TensorRunner pass);
//   - the histogram methods never widen minmax, and clip somewhere;
//   - two runs give the same bytes, and a single-method run gives the
//     range the all-methods run gives for that method.
func TestCalibrateFixture(t *testing.T) {
	const name = "face_detection_short_range"
	m := fp32Fixture(t, name)
	nPhotos := int64(len(testenv.Photos(t)))
	open := func() CalibSource {
		src, err := OpenCalib(testenv.PhotosDir(), mustInputs(t, m), CalibDataOptions{Resize: true, Mean: 127.5, Std: 127.5})
		if err != nil {
			t.Fatal(err)
		}
		return src
	}
	var runs [][]byte
	var ranges map[int]TensorRange
	for i := 0; i < 2; i++ {
		start := time.Now()
		src := open()
		// Two thread counts: the ranges must not depend on it.
		r, err := Calibrate(m, src, CalibOptions{AllMethods: true, Threads: 1 + 3*i, Name: name, Warn: func(s string) { t.Log(s) }})
		if err != nil {
			t.Fatal(err)
		}
		src.Close()
		b, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		runs = append(runs, b)
		ranges = r
		t.Logf("run %d: %d tensors, %d samples, %.2fs", i, len(r), src.Len(), time.Since(start).Seconds())
	}
	if !bytes.Equal(runs[0], runs[1]) {
		t.Fatal("two calibration runs on the same data differ")
	}
	// Every FLOAT32 tensor without data is a run-time tensor here.
	sg := m.Main()
	want := 0
	for _, tt := range sg.Tensors {
		if tt.Type == graph.Float32 && !tt.IsConst() {
			want++
		}
	}
	if len(ranges) != want {
		t.Errorf("%d ranges for %d float activations", len(ranges), want)
	}
	clipped := map[int8.Method]int{}
	for ti, r := range ranges {
		st := r.Stats
		if st.NaN+st.Inf != 0 || st.Count != nPhotos*int64(graph.NumElements(sg.Tensors[ti].Shape)) {
			t.Errorf("tensor %d %q: stats %+v", ti, r.Name, st)
		}
		for _, mth := range int8.Methods {
			mr, ok := r.Methods[mth]
			lo, hi := float64(mr.Min), float64(mr.Max)
			if !ok || math.IsNaN(lo) || math.IsNaN(hi) || math.IsInf(lo, 0) || math.IsInf(hi, 0) || mr.Min > mr.Max || mr.Min < st.Min || mr.Max > st.Max {
				t.Errorf("tensor %d %q: %s range %v (observed [%g, %g])", ti, r.Name, mth, mr, st.Min, st.Max)
			}
			if mr.Max < st.Max || mr.Min > st.Min {
				clipped[mth]++
			}
		}
		if mm := r.Methods[int8.MinMax]; mm != (int8.Range{Min: st.Min, Max: st.Max}) || r.Min != st.Min || r.Max != st.Max {
			t.Errorf("tensor %d %q: minmax %v, chosen [%g, %g], observed [%g, %g]", ti, r.Name, mm, r.Min, r.Max, st.Min, st.Max)
		}
	}
	t.Logf("tensors clipped per method: %v", clipped)
	for _, mth := range []int8.Method{int8.Percentile, int8.Entropy} {
		if clipped[mth] == 0 {
			t.Errorf("%s clipped no tensor", mth)
		}
	}
	// An independent pass: every value lies in the minmax range, and
	// each range's ends are values that occurred.
	run, err := NewTensorRunner(m, RunnerOptions{FloatOnly: true, Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer run.Close()
	seenLo, seenHi := map[int]bool{}, map[int]bool{}
	src := open()
	for {
		smp, err := src.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		err = run.Run(smp.Inputs, func(ti int, v []float32) error {
			r := ranges[ti]
			for _, x := range v {
				if x < r.Min || x > r.Max {
					t.Fatalf("%s: tensor %d %q: %g outside [%g, %g]", smp.Name, ti, r.Name, x, r.Min, r.Max)
				}
				seenLo[ti] = seenLo[ti] || x == r.Min
				seenHi[ti] = seenHi[ti] || x == r.Max
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	for ti := range ranges {
		if !seenLo[ti] || !seenHi[ti] {
			t.Errorf("tensor %d: range ends not attained", ti)
		}
	}
	// A single-method run agrees with the all-methods run.
	src = open()
	ent, err := Calibrate(m, src, CalibOptions{Method: int8.Entropy})
	if err != nil {
		t.Fatal(err)
	}
	for ti, r := range ent {
		if w := ranges[ti].Methods[int8.Entropy]; r.Min != w.Min || r.Max != w.Max {
			t.Errorf("tensor %d: entropy alone %v, with all methods %v", ti, r, w)
		}
	}
}

func mustInputs(t *testing.T, m *graph.Model) []engine.TensorInfo {
	t.Helper()
	ins, err := ModelInputs(m)
	if err != nil {
		t.Fatal(err)
	}
	return ins
}
