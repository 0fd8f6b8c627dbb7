package tflite

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// FuzzLoad checks that Load never panics and that any model it accepts can
// be saved and reloaded to an equal model (equal bytes when saved again,
// which also covers NaN values that reflect.DeepEqual calls unequal).
//
//	go test ./tflite -run '^$' -fuzz FuzzLoad -fuzztime 5m -parallel 1
func FuzzLoad(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join(malformedDir, "*.tflite"))
	for _, p := range files {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	valid, err := Save(testModel())
	if err != nil {
		f.Fatal(err)
	}
	f.Add(valid)
	old := inlineLimit
	inlineLimit = 0
	ext, err := Save(testModel())
	inlineLimit = old
	if err != nil {
		f.Fatal(err)
	}
	f.Add(ext)
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := Load("fuzz.tflite", data)
		if err != nil {
			return
		}
		out, err := Save(m)
		if err != nil {
			t.Fatalf("Save of a model Load accepted: %v", err)
		}
		m2, err := Load("resaved.tflite", out)
		if err != nil {
			t.Fatalf("Load of the re-saved model: %v", err)
		}
		if !reflect.DeepEqual(m, m2) {
			out2, err := Save(m2)
			if err != nil || !bytes.Equal(out, out2) {
				t.Fatalf("reloaded model differs: %s", firstDiff(m, m2))
			}
		}
	})
}
