package convert

import (
	"strings"
	"testing"

	"github.com/fp16tool/fp16tool/fp16"
	"github.com/fp16tool/fp16tool/internal/testenv"
)

// TestWeightHessiansBudget: past maxHessianBytes the remaining weight ops
// get no statistics (they round to nearest) and a warning says how many;
// within it every covered op gets one.
func TestWeightHessiansBudget(t *testing.T) {
	m, err := LoadModel(testenv.Model(t, "face_detection_short_range"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := fp16.Expand(m); err != nil {
		t.Fatal(err)
	}
	photos := testenv.Photos(t)[:2]
	ins, err := ModelInputs(m)
	if err != nil {
		t.Fatal(err)
	}
	run := func() (int, []string) {
		src, err := OpenCalibFiles(photos, ins, CalibDataOptions{Resize: true, Mean: 127.5, Std: 127.5})
		if err != nil {
			t.Fatal(err)
		}
		defer src.Close()
		var warns []string
		hs, err := WeightHessians(m, src, HessianOptions{MinElements: 1, Warn: func(s string) { warns = append(warns, s) }})
		if err != nil {
			t.Fatal(err)
		}
		for k, h := range hs {
			if h.Rows == 0 {
				t.Errorf("op %d: no rows", k)
			}
		}
		return len(hs), warns
	}
	all, warns := run()
	layers := len(gptqLayers(m.Main(), 1))
	if all != layers || len(warns) != 0 {
		t.Fatalf("%d of %d ops got statistics; warnings %q", all, layers, warns)
	}
	defer func(b int) { maxHessianBytes = b }(maxHessianBytes)
	maxHessianBytes = 64 << 10
	some, warns := run()
	if some == 0 || some >= all || len(warns) != 1 || !strings.Contains(warns[0], "would exceed") || !strings.Contains(warns[0], "their weights round to nearest") {
		t.Errorf("budget 64 KiB: %d of %d ops; warnings %q", some, all, warns)
	}
}
