package tensorio

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fp16tool/fp16tool/graph"
)

func TestNpyFileSlices(t *testing.T) {
	dir := t.TempDir()
	data := []float32{1, 2, 3, 4, 5, 6}
	src, _ := FromFloat32("b", []int{3, 2}, data)
	p := filepath.Join(dir, "b.npy")
	if err := WriteNpy(p, src); err != nil {
		t.Fatal(err)
	}
	f, err := OpenNpy(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if f.Len() != 3 || f.Type != graph.Float32 || f.SliceBytes() != 8 {
		t.Fatalf("header: %v%v, slice %d", f.Type, f.Shape, f.SliceBytes())
	}
	buf := make([]byte, 8)
	for i := 0; i < 3; i++ {
		if err := f.ReadSlice(buf); err != nil {
			t.Fatal(err)
		}
		if string(buf) != string(src.Data[8*i:8*i+8]) {
			t.Fatalf("slice %d: % x", i, buf)
		}
	}
	if err := f.ReadSlice(buf); err != io.EOF {
		t.Fatalf("after the last slice: %v", err)
	}
	// Truncated file, scalar, not a .npy file.
	raw, _ := os.ReadFile(p)
	bad := map[string][]byte{"trunc.npy": raw[:len(raw)-3], "empty.npy": nil, "text.npy": []byte("hello world, not numpy")}
	sc := Tensor{Type: graph.Float32, Data: make([]byte, 4)}
	if err := WriteNpy(filepath.Join(dir, "scalar.npy"), sc); err != nil {
		t.Fatal(err)
	}
	for name, b := range bad {
		os.WriteFile(filepath.Join(dir, name), b, 0o644)
	}
	for _, name := range []string{"trunc.npy", "empty.npy", "text.npy", "scalar.npy", "missing.npy"} {
		_, err := OpenNpy(filepath.Join(dir, name))
		if err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("%s: %v", name, err)
		}
	}
}
