package tensorio

import (
	"bytes"
	"encoding/binary"
	"image"
	"image/color"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"codeberg.org/sbinet/npyio"
	"codeberg.org/sbinet/npyio/npy"
	"github.com/fp16tool/fp16tool/graph"
	"github.com/fp16tool/fp16tool/internal/testenv"
)

// tensorOf builds a tensor of dtype and shape whose element i has the
// bytes of i (truncated to the element size): distinct, so that a
// misplaced byte shows.
func tensorOf(dt graph.DType, shape []int) Tensor {
	n := numElements(shape)
	size := dt.Size()
	b := make([]byte, n*size)
	for i := 0; i < n; i++ {
		var v [8]byte
		binary.LittleEndian.PutUint64(v[:], uint64(i*7+1))
		if dt == graph.Bool {
			v[0] &= 1
		}
		copy(b[i*size:], v[:size])
	}
	return Tensor{Name: "t", Type: dt, Shape: shape, Data: b}
}

func TestNpyRoundTrip(t *testing.T) {
	shapes := [][]int{{}, {5}, {2, 3}, {1, 4, 3, 2}}
	for _, e := range npyTypes {
		for _, shape := range shapes {
			in := tensorOf(e.dtype, shape)
			var buf bytes.Buffer
			if err := EncodeNpy(&buf, in); err != nil {
				t.Fatalf("%v%v: %v", e.dtype, shape, err)
			}
			raw := buf.Bytes()
			// The data starts 64-byte aligned, as numpy writes it.
			hlen := int(binary.LittleEndian.Uint16(raw[8:10]))
			if (10+hlen)%64 != 0 || raw[10+hlen-1] != '\n' {
				t.Errorf("%v%v: header of %d bytes does not end a 64-byte block with a newline", e.dtype, shape, hlen)
			}
			// npyio, an independent reader, parses the same header.
			r, err := npy.NewReader(bytes.NewReader(raw))
			if err != nil {
				t.Fatalf("%v%v: npyio cannot read what EncodeNpy wrote: %v", e.dtype, shape, err)
			}
			if got := r.Header.Descr.Shape; !(len(got) == 0 && len(shape) == 0) && !reflect.DeepEqual(got, shape) {
				t.Errorf("%v%v: npyio reads shape %v", e.dtype, shape, got)
			}
			if got := strings.Trim(r.Header.Descr.Type, "'"); got != e.descr {
				t.Errorf("%v%v: npyio reads descr %q, want %q", e.dtype, shape, got, e.descr)
			}
			out, err := DecodeNpy(bytes.NewReader(raw))
			if err != nil {
				t.Fatalf("%v%v: %v", e.dtype, shape, err)
			}
			if out.Type != in.Type || numElements(out.Shape) != numElements(in.Shape) || len(out.Shape) != len(in.Shape) || !bytes.Equal(out.Data, in.Data) {
				t.Errorf("%v%v: round trip gave %v%v", e.dtype, shape, out.Type, out.Shape)
			}
		}
	}
}

// TestNpyAgainstNpyio reads files that npyio writes and checks the values
// npyio reads from files EncodeNpy writes.
func TestNpyAgainstNpyio(t *testing.T) {
	f32 := []float32{0, -1.5, 3.25, float32(math.Inf(1)), 1e-30}
	i8 := []int8{-128, -1, 0, 1, 127}
	u8 := []uint8{0, 1, 128, 255}
	i32 := []int32{math.MinInt32, -7, 0, 7, math.MaxInt32}
	i64 := []int64{math.MinInt64, -7, 0, 1 << 40}
	for _, c := range []struct {
		vals any
		dt   graph.DType
	}{{f32, graph.Float32}, {i8, graph.Int8}, {u8, graph.Uint8}, {i32, graph.Int32}, {i64, graph.Int64}} {
		var buf bytes.Buffer
		if err := npyio.Write(&buf, c.vals); err != nil {
			t.Fatal(err)
		}
		got, err := DecodeNpy(&buf)
		if err != nil {
			t.Fatalf("%T: %v", c.vals, err)
		}
		n := reflect.ValueOf(c.vals).Len()
		if got.Type != c.dt || !reflect.DeepEqual(got.Shape, []int{n}) {
			t.Fatalf("%T: read %v%v, want %v[%d]", c.vals, got.Type, got.Shape, c.dt, n)
		}
		var back bytes.Buffer
		if err := EncodeNpy(&back, got); err != nil {
			t.Fatal(err)
		}
		ptr := reflect.New(reflect.TypeOf(c.vals))
		if err := npyio.Read(&back, ptr.Interface()); err != nil {
			t.Fatalf("%T: npyio cannot read EncodeNpy's file: %v", c.vals, err)
		}
		if !reflect.DeepEqual(ptr.Elem().Interface(), c.vals) {
			t.Errorf("%T: npyio read %v, want %v", c.vals, ptr.Elem().Interface(), c.vals)
		}
	}
	// Float32s reads FLOAT32 exactly.
	tt, _ := FromFloat32("x", []int{5}, f32)
	if got := tt.Float32s(); !reflect.DeepEqual(got, f32) {
		t.Errorf("Float32s = %v, want %v", got, f32)
	}
}

func TestFloat32s(t *testing.T) {
	h, _ := FromFloat16("h", []int{5}, []uint16{0x3C00, 0xC000, 0x7BFF, 0x0001, 0x8000})
	want := []float32{1, -2, 65504, float32(math.Ldexp(1, -24)), float32(math.Copysign(0, -1))}
	got := h.Float32s()
	for i := range want {
		if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
			t.Errorf("float16 element %d = %v, want %v", i, got[i], want[i])
		}
	}
	q, _ := FromInt8("q", []int{3}, []int8{-128, 0, 127})
	if got := q.Float32s(); !reflect.DeepEqual(got, []float32{-128, 0, 127}) {
		t.Errorf("int8 Float32s = %v", got)
	}
	bad := Tensor{Name: "bad", Type: graph.Float32, Shape: []int{2}, Data: make([]byte, 7)}
	if bad.Float32s() != nil {
		t.Error("Float32s of a tensor with 7 bytes for FLOAT32[2] is not nil")
	}
	if err := bad.Validate(); err == nil || !strings.Contains(err.Error(), "needs 8 bytes, has 7") {
		t.Errorf("Validate = %v", err)
	}
	if _, err := FromFloat32("x", []int{2, 2}, []float32{1}); err == nil {
		t.Error("FromFloat32 with 1 value for [2 2] did not fail")
	}
}

func TestNpyErrors(t *testing.T) {
	dir := t.TempDir()
	good := func() []byte {
		var b bytes.Buffer
		tt, _ := FromFloat32("x", []int{2, 3}, make([]float32, 6))
		if err := EncodeNpy(&b, tt); err != nil {
			t.Fatal(err)
		}
		return b.Bytes()
	}
	withHeader := func(old, new string) []byte {
		b := good()
		i := bytes.Index(b, []byte(old))
		if i < 0 || len(old) != len(new) {
			t.Fatalf("cannot patch %q", old)
		}
		copy(b[i:], new)
		return b
	}
	for _, c := range []struct {
		name string
		data []byte
		want string
	}{
		{"empty", nil, "not a .npy file"},
		{"text", []byte("hello, world, this is text"), "not a .npy file"},
		{"truncated", good()[:len(good())-5], "FLOAT32[2 3] needs 24 data bytes, file has 19"},
		{"extra", append(good(), 0), "FLOAT32[2 3] needs 24 data bytes, file has 25"},
		{"bigendian", withHeader("'<f4'", "'>f4'"), `unsupported dtype ">f4"`},
		{"complex", withHeader("'<f4'", "'<c8'"), `unsupported dtype "<c8"`},
		{"fortran", withHeader("'fortran_order': False, 'shape': (2, 3), }", "'fortran_order': True, 'shape': (2, 3), } "), "Fortran-order"},
	} {
		p := filepath.Join(dir, c.name+".npy")
		if err := os.WriteFile(p, c.data, 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := ReadNpy(p)
		if err == nil {
			t.Errorf("%s: no error", c.name)
			continue
		}
		if !strings.Contains(err.Error(), p) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %q does not name the file and say %q", c.name, err, c.want)
		}
	}
	if _, err := ReadNpy(filepath.Join(dir, "missing.npy")); err == nil || !strings.Contains(err.Error(), "missing.npy") {
		t.Errorf("missing file: %v", err)
	}
	// A type .npy cannot hold.
	err := WriteNpy(filepath.Join(dir, "s.npy"), Tensor{Name: "s", Type: graph.String, Shape: []int{1}, Data: []byte{0}})
	if err == nil || !strings.Contains(err.Error(), "STRING cannot be stored") {
		t.Errorf("writing STRING: %v", err)
	}
}

func TestNpyFileRoundTrip(t *testing.T) {
	p := filepath.Join(t.TempDir(), "out.npy")
	in, _ := FromFloat32("whatever", []int{1, 2, 2}, []float32{1, 2, 3, 4})
	if err := WriteNpy(p, in); err != nil {
		t.Fatal(err)
	}
	out, err := ReadNpy(p)
	if err != nil {
		t.Fatal(err)
	}
	if out.Name != "out" || !reflect.DeepEqual(out.Shape, in.Shape) || !bytes.Equal(out.Data, in.Data) {
		t.Errorf("read back %v", out.String())
	}
}

func TestImageTensorExact(t *testing.T) {
	// Same size: no resampling, each value exactly (p - mean) / std.
	img := image.NewNRGBA(image.Rect(0, 0, 3, 2))
	for y := 0; y < 2; y++ {
		for x := 0; x < 3; x++ {
			img.Set(x, y, color.NRGBA{uint8(10 * x), uint8(100 + y), uint8(255 - x - y), 255})
		}
	}
	for _, opt := range []ImageOptions{RangeMinusOneOne, RangeZeroOne, {Mean: 10, Std: 2}} {
		tt, err := ImageTensor(img, []int{1, 2, 3, 3}, opt)
		if err != nil {
			t.Fatal(err)
		}
		got := tt.Float32s()
		k := 0
		for y := 0; y < 2; y++ {
			for x := 0; x < 3; x++ {
				for c, p := range []float32{float32(10 * x), float32(100 + y), float32(255 - x - y)} {
					if want := (p - opt.Mean) / opt.Std; got[k] != want {
						t.Errorf("%+v: pixel (%d,%d) channel %d = %v, want %v", opt, x, y, c, got[k], want)
					}
					k++
				}
			}
		}
	}
}

func TestImageTensorResize(t *testing.T) {
	// A horizontal ramp resized 64 -> 16 stays a ramp: values increase
	// left to right, stay within the source range, and rows are equal.
	img := image.NewRGBA(image.Rect(0, 0, 64, 8))
	for y := 0; y < 8; y++ {
		for x := 0; x < 64; x++ {
			img.Set(x, y, color.RGBA{uint8(4 * x), 50, 200, 255})
		}
	}
	tt, err := ImageTensor(img, []int{1, 4, 16, 3}, RangeZeroOne)
	if err != nil {
		t.Fatal(err)
	}
	v := tt.Float32s()
	at := func(y, x, c int) float32 { return v[(y*16+x)*3+c] }
	for y := 0; y < 4; y++ {
		for x := 0; x < 16; x++ {
			if x > 0 && at(y, x, 0) <= at(y, x-1, 0) {
				t.Errorf("red at (%d,%d) = %v, not above %v", x, y, at(y, x, 0), at(y, x-1, 0))
			}
			if at(y, x, 0) != at(0, x, 0) {
				t.Errorf("row %d differs from row 0 at x=%d", y, x)
			}
			if g, b := at(y, x, 1), at(y, x, 2); g != 50.0/255 || b != 200.0/255 {
				t.Errorf("constant channels at (%d,%d) = %v %v", x, y, g, b)
			}
		}
	}
	if at(0, 0, 0) < 0 || at(0, 15, 0) > 252.0/255 {
		t.Errorf("ramp out of the source range: %v .. %v", at(0, 0, 0), at(0, 15, 0))
	}
}

func TestImageErrors(t *testing.T) {
	img := image.NewRGBA(image.Rect(0, 0, 4, 4))
	for _, shape := range [][]int{{4, 4, 3}, {2, 4, 4, 3}, {1, 4, 4, 1}, {1, 0, 4, 3}} {
		if _, err := ImageTensor(img, shape, RangeZeroOne); err == nil || !strings.Contains(err.Error(), "[1 H W 3]") {
			t.Errorf("shape %v: %v", shape, err)
		}
	}
	if _, err := ImageTensor(img, []int{1, 4, 4, 3}, ImageOptions{Mean: 1}); err == nil {
		t.Error("std 0 accepted")
	}
	dir := t.TempDir()
	p := filepath.Join(dir, "junk.png")
	os.WriteFile(p, []byte("not an image"), 0o644)
	if _, err := LoadImage(p, []int{1, 4, 4, 3}, RangeZeroOne); err == nil || !strings.Contains(err.Error(), p) || !strings.Contains(err.Error(), "cannot decode") {
		t.Errorf("junk image: %v", err)
	}
	// A real PNG with a bad target shape names the file and the format.
	var b bytes.Buffer
	png.Encode(&b, img)
	p2 := filepath.Join(dir, "ok.png")
	os.WriteFile(p2, b.Bytes(), 0o644)
	if _, err := LoadImage(p2, []int{1, 4, 4}, RangeZeroOne); err == nil || !strings.Contains(err.Error(), p2+" (png)") {
		t.Errorf("bad shape: %v", err)
	}
}

// TestLoadPhotos loads every real photo at full size and at a model's
// input size: at full size the values are the decoded pixels exactly;
// resized, each channel's mean stays within 3% of the full-size mean.
func TestLoadPhotos(t *testing.T) {
	for _, p := range testenv.Photos(t) {
		t.Run(filepath.Base(p), func(t *testing.T) {
			f, err := os.Open(p)
			if err != nil {
				t.Fatal(err)
			}
			img, _, err := image.Decode(f)
			f.Close()
			if err != nil {
				t.Fatal(err)
			}
			b := img.Bounds()
			full, err := LoadImage(p, []int{1, b.Dy(), b.Dx(), 3}, RangeMinusOneOne)
			if err != nil {
				t.Fatal(err)
			}
			fv := full.Float32s()
			var fullMean [3]float64
			for y := b.Min.Y; y < b.Max.Y; y++ {
				for x := b.Min.X; x < b.Max.X; x++ {
					r, g, bl, _ := img.At(x, y).RGBA()
					k := ((y-b.Min.Y)*b.Dx() + (x - b.Min.X)) * 3
					for c, v := range []uint32{r >> 8, g >> 8, bl >> 8} {
						want := (float32(v) - 127.5) / 127.5
						if fv[k+c] != want {
							t.Fatalf("pixel (%d,%d) channel %d = %v, want %v", x, y, c, fv[k+c], want)
						}
						fullMean[c] += float64(v)
					}
				}
			}
			small, err := LoadImage(p, []int{1, 128, 96, 3}, RangeZeroOne)
			if err != nil {
				t.Fatal(err)
			}
			sv := small.Float32s()
			var mean [3]float64
			for i, v := range sv {
				if v < 0 || v > 1 {
					t.Fatalf("value %d = %v outside [0,1]", i, v)
				}
				mean[i%3] += float64(v) * 255
			}
			for c := 0; c < 3; c++ {
				fm := fullMean[c] / float64(b.Dx()*b.Dy())
				sm := mean[c] / (128 * 96)
				if math.Abs(fm-sm) > 0.03*math.Max(fm, 10) {
					t.Errorf("channel %d mean %0.2f resized, %0.2f full size", c, sm, fm)
				}
			}
		})
	}
}
