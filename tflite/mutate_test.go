package tflite

import (
	"errors"
	"math/rand"
	"os"
	"reflect"
	"testing"

	"github.com/fp16tool/fp16tool/internal/testenv"
)

// TestMutatedFixtureNeverPanics loads 2000 deterministic mutants of a real
// model, with the mutations aimed at its flatbuffer structures (tables,
// vectors, strings), and checks Load either refuses them with ErrMalformed
// or accepts a model that saves and reloads equal. (FuzzLoad explores
// further; this keeps a fixed set in the ordinary test run.)
func TestMutatedFixtureNeverPanics(t *testing.T) {
	valid, err := os.ReadFile(testenv.Model(t, "face_detection_short_range"))
	if err != nil {
		t.Fatal(err)
	}
	var bounds []uint64
	if err := verifyStructureVisit(valid, func(p uint64) { bounds = append(bounds, p) }); err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewSource(1))
	loaded := 0
	for i := 0; i < 2000; i++ {
		b := append([]byte(nil), valid...)
		for k := r.Intn(3) + 1; k > 0; k-- {
			p := int(bounds[r.Intn(len(bounds))]) + r.Intn(48) - 8
			if p < 0 || p+4 > len(b) {
				continue
			}
			switch r.Intn(3) {
			case 0:
				b[p] ^= 1 << r.Intn(8)
			case 1:
				b[p] = byte(r.Intn(256))
			case 2:
				copy(b[p:], []byte{0xff, 0xff, 0xff, 0x7f})
			}
		}
		m, err := Load("mutant", b)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("mutant %d: error %v does not wrap ErrMalformed", i, err)
			}
			continue
		}
		loaded++
		out, err := Save(m)
		if err != nil {
			t.Fatalf("mutant %d: Save of an accepted model: %v", i, err)
		}
		m2, err := Load("resaved", out)
		if err != nil {
			t.Fatalf("mutant %d: reload: %v", i, err)
		}
		if !equalNaN(reflect.ValueOf(m), reflect.ValueOf(m2)) {
			t.Fatalf("mutant %d: reloaded model differs: %s", i, firstDiff(m, m2))
		}
	}
	t.Logf("%d of 2000 mutants were still valid models", loaded)
}
