package tflite

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// FuzzLoad checks that Load never panics and that any model it accepts can
// be saved and reloaded to a deep-equal model (NaN equal to NaN), which
// saves to the same bytes again.
//
//	go test ./tflite -run '^$' -fuzz FuzzLoad -fuzztime 5m -parallel 1
func FuzzLoad(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join(malformedDir, "*.tflite"))
	for _, p := range files {
		if b, err := os.ReadFile(p); err == nil && len(b) < 64<<10 {
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
		if !equalNaN(reflect.ValueOf(m), reflect.ValueOf(m2)) {
			t.Fatalf("reloaded model differs: %s", firstDiff(m, m2))
		}
		out2, err := Save(m2)
		if err != nil || !bytes.Equal(out, out2) {
			t.Fatalf("Save(Load(Save(m))) != Save(m) (err %v)", err)
		}
	})
}

// equalNaN is reflect.DeepEqual for the acyclic values of graph.Model,
// except that floats compare equal when both are NaN.
func equalNaN(a, b reflect.Value) bool {
	if a.IsValid() != b.IsValid() {
		return false
	}
	if !a.IsValid() {
		return true
	}
	if a.Type() != b.Type() {
		return false
	}
	switch a.Kind() {
	case reflect.Float32, reflect.Float64:
		x, y := a.Float(), b.Float()
		return x == y || x != x && y != y
	case reflect.Pointer, reflect.Interface:
		if a.IsNil() || b.IsNil() {
			return a.IsNil() == b.IsNil()
		}
		return equalNaN(a.Elem(), b.Elem())
	case reflect.Slice:
		if a.IsNil() != b.IsNil() || a.Len() != b.Len() {
			return false
		}
		if a.Type().Elem().Kind() == reflect.Uint8 {
			return bytes.Equal(a.Bytes(), b.Bytes())
		}
		fallthrough
	case reflect.Array:
		for i := 0; i < a.Len(); i++ {
			if !equalNaN(a.Index(i), b.Index(i)) {
				return false
			}
		}
		return true
	case reflect.Struct:
		for i := 0; i < a.NumField(); i++ {
			if !equalNaN(a.Field(i), b.Field(i)) {
				return false
			}
		}
		return true
	case reflect.Map:
		return reflect.DeepEqual(a.Interface(), b.Interface())
	}
	return a.Equal(b)
}
