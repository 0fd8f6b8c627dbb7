package tflite

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/fp16tool/fp16tool/graph"
	"github.com/fp16tool/fp16tool/internal/testenv"
)

// roundTrip checks Load(Save(m)) deep-equals m, that Save is
// deterministic and idempotent, and that constant data is 16-byte aligned.
func roundTrip(t *testing.T, name string, m *graph.Model) []byte {
	t.Helper()
	out, err := Save(m)
	if err != nil {
		t.Fatalf("%s: Save: %v", name, err)
	}
	again, err := Save(m)
	if err != nil || !bytes.Equal(out, again) {
		t.Fatalf("%s: Save is not deterministic (err %v)", name, err)
	}
	m2, err := Load(name+".resaved", out)
	if err != nil {
		t.Fatalf("%s: Load(Save(m)): %v", name, err)
	}
	if !reflect.DeepEqual(m, m2) {
		t.Fatalf("%s: Load(Save(m)) differs from m: %s", name, firstDiff(m, m2))
	}
	out2, err := Save(m2)
	if err != nil || !bytes.Equal(out, out2) {
		t.Fatalf("%s: Save(Load(Save(m))) != Save(m) (err %v, %d vs %d bytes)", name, err, len(out2), len(out))
	}
	checkAligned(t, name, out, m2)
	return out
}

// checkAligned checks that every constant's data starts at a multiple of
// 16 in the file.
func checkAligned(t *testing.T, name string, file []byte, m *graph.Model) {
	t.Helper()
	base := uintptrOf(file)
	for si, sg := range m.Subgraphs {
		for ti, tn := range sg.Tensors {
			if len(tn.Data) == 0 {
				continue
			}
			off := uintptrOf(tn.Data) - base
			if uintptrOf(tn.Data) < base || off+uintptr(len(tn.Data)) > uintptr(len(file)) {
				t.Fatalf("%s: subgraph %d tensor %d: data is a copy, not a slice of the file", name, si, ti)
			}
			if off%16 != 0 {
				t.Fatalf("%s: subgraph %d tensor %d: data at file offset %d, not 16-byte aligned", name, si, ti, off)
			}
		}
	}
}

// firstDiff describes the first difference between two models.
func firstDiff(a, b *graph.Model) string {
	if len(a.Subgraphs) != len(b.Subgraphs) {
		return "subgraph count"
	}
	for si := range a.Subgraphs {
		x, y := a.Subgraphs[si], b.Subgraphs[si]
		if len(x.Tensors) != len(y.Tensors) || len(x.Ops) != len(y.Ops) {
			return "tensor/op count"
		}
		for i := range x.Tensors {
			if !reflect.DeepEqual(x.Tensors[i], y.Tensors[i]) {
				return "tensor " + x.Tensors[i].Name + ": " + sprint(x.Tensors[i]) + " vs " + sprint(y.Tensors[i])
			}
		}
		for i := range x.Ops {
			if !reflect.DeepEqual(x.Ops[i], y.Ops[i]) {
				return "op " + x.Ops[i].Name() + ": " + sprint(x.Ops[i]) + " vs " + sprint(y.Ops[i])
			}
		}
		if !reflect.DeepEqual(x, y) {
			return "subgraph fields: " + sprint(*x) + " vs " + sprint(*y)
		}
	}
	return "model fields: " + sprint(a.Signatures, a.Metadata, a.MetadataBuffers, a.Version, a.Description) + " vs " + sprint(b.Signatures, b.Metadata, b.MetadataBuffers, b.Version, b.Description)
}

func loadFixture(t *testing.T, path string) (*graph.Model, []byte) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	m, err := Load(filepath.Base(path), data)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return m, data
}

func TestFixturesRoundTrip(t *testing.T) {
	for _, path := range testenv.Models(t) {
		name := strings.TrimSuffix(filepath.Base(path), ".tflite")
		t.Run(name, func(t *testing.T) {
			m, data := loadFixture(t, path)
			out := roundTrip(t, name, m)
			t.Logf("%s: %d bytes in, %d bytes out, %d ops, %d tensors", name, len(data), len(out), len(m.Main().Ops), len(m.Main().Tensors))
		})
	}
}

func TestFixtureFacts(t *testing.T) {
	for _, path := range testenv.Models(t) {
		name := strings.TrimSuffix(filepath.Base(path), ".tflite")
		t.Run(name, func(t *testing.T) {
			m, _ := loadFixture(t, path)
			sparse, densify, resize := 0, 0, 0
			customs := map[string]bool{}
			for _, sg := range m.Subgraphs {
				for _, tn := range sg.Tensors {
					if tn.Sparsity != nil {
						sparse++
					}
				}
				for i, op := range sg.Ops {
					switch op.Code {
					case graph.OpDensify:
						densify++
					case graph.OpResizeBilinear:
						resize++
						o, ok := op.Options.(*graph.ResizeBilinearOptions)
						if !ok || !o.HalfPixelCenters {
							t.Errorf("op %d RESIZE_BILINEAR: options %#v, want half_pixel_centers", i, op.Options)
						}
					case graph.OpCustom:
						customs[op.Custom] = true
					}
				}
			}
			switch name {
			case "face_detection_full_range_sparse":
				if sparse != 46 || densify == 0 {
					t.Errorf("%d sparse tensors and %d DENSIFY ops, want 46 and some", sparse, densify)
				}
			case "selfie_segmentation", "selfie_segmentation_landscape":
				if !customs["Convolution2DTransposeBias"] {
					t.Errorf("custom ops %v, want Convolution2DTransposeBias", customs)
				}
			default:
				if sparse != 0 {
					t.Errorf("%d sparse tensors, want 0", sparse)
				}
			}
			t.Logf("%d RESIZE_BILINEAR, %d sparse, %d DENSIFY, custom %v", resize, sparse, densify, customs)
		})
	}
}

func TestDeprecatedBuiltinCodeOnly(t *testing.T) {
	path := testenv.Model(t, "face_detection_short_range")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	codes, err := rawOpCodes(data)
	if err != nil {
		t.Fatal(err)
	}
	nonzero := 0
	for i, c := range codes {
		if c[1] != 0 {
			t.Errorf("operator code %d: builtin_code %d, want only deprecated_builtin_code set", i, c[1])
		}
		if c[0] != 0 {
			nonzero++
		}
	}
	if nonzero == 0 {
		t.Errorf("no operator code has a nonzero deprecated_builtin_code")
	}
	m, _ := loadFixture(t, path)
	for i, op := range m.Main().Ops {
		if op.Code == graph.OpAdd {
			continue
		}
		if op.Code == 0 {
			t.Errorf("op %d read as ADD", i)
		}
	}
	// After Save both fields are set.
	out, err := Save(m)
	if err != nil {
		t.Fatal(err)
	}
	codes2, err := rawOpCodes(out)
	if err != nil {
		t.Fatal(err)
	}
	for i, c := range codes2 {
		if c[1] < 127 && c[0] != c[1] || c[1] >= 127 && c[0] != 127 {
			t.Errorf("saved operator code %d: deprecated %d, builtin %d", i, c[0], c[1])
		}
	}
}

func TestLoadSpeed(t *testing.T) {
	path := testenv.Model(t, "pose_landmark_heavy")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	start := time.Now()
	m, err := Load("pose_landmark_heavy.tflite", data)
	if err != nil {
		t.Fatal(err)
	}
	el := time.Since(start)
	runtime.ReadMemStats(&after)
	t.Logf("Load of %d bytes: %v, %d bytes allocated", len(data), el, after.TotalAlloc-before.TotalAlloc)
	if el > time.Second {
		t.Errorf("Load took %v", el)
	}
	start = time.Now()
	if _, err := Save(m); err != nil {
		t.Fatal(err)
	}
	t.Logf("Save: %v", time.Since(start))
}
