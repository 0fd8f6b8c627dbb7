package tensorio

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"codeberg.org/sbinet/npyio/npy"
	"github.com/fp16tool/fp16tool/graph"
)

// npyTypes maps element types to their little-endian NumPy descriptors.
// FLOAT16 is NumPy's float16 ("<f2"); a file of "<u2" reads as UINT16.
var npyTypes = []struct {
	dtype graph.DType
	descr string
}{
	{graph.Float32, "<f4"},
	{graph.Float16, "<f2"},
	{graph.Float64, "<f8"},
	{graph.Int8, "|i1"},
	{graph.Uint8, "|u1"},
	{graph.Bool, "|b1"},
	{graph.Int16, "<i2"},
	{graph.Uint16, "<u2"},
	{graph.Int32, "<i4"},
	{graph.Uint32, "<u4"},
	{graph.Int64, "<i8"},
	{graph.Uint64, "<u8"},
}

// NpyDescr returns the NumPy dtype descriptor of d (e.g. "<f4") and false
// when .npy files cannot hold d.
func NpyDescr(d graph.DType) (string, bool) {
	for _, e := range npyTypes {
		if e.dtype == d {
			return e.descr, true
		}
	}
	return "", false
}

func dtypeOfDescr(descr string) (graph.DType, bool) {
	// Single-byte types may be written with any byte-order mark, and
	// numpy writes "=" for native order on little-endian machines.
	if len(descr) == 3 && (descr[0] == '=' || descr[0] == '<' || descr[0] == '|') {
		for _, e := range npyTypes {
			if e.descr[1:] == descr[1:] {
				return e.dtype, true
			}
		}
	}
	return 0, false
}

// maxNpyBytes bounds the data ReadNpy will allocate (4 GiB).
const maxNpyBytes = 4 << 30

// ReadNpy reads a .npy file into a tensor named after the file. It accepts
// C-order little-endian arrays of the types NpyDescr lists.
func ReadNpy(path string) (Tensor, error) {
	f, err := os.Open(path)
	if err != nil {
		return Tensor{}, fmt.Errorf("tensorio: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return Tensor{}, fmt.Errorf("tensorio: %w", err)
	}
	t, err := decodeNpy(bufio.NewReader(f), st.Size())
	if err != nil {
		return Tensor{}, fmt.Errorf("tensorio: %s: %w", path, err)
	}
	t.Name = strings.TrimSuffix(baseName(path), ".npy")
	return t, nil
}

// DecodeNpy reads a .npy array from r.
func DecodeNpy(r io.Reader) (Tensor, error) { return decodeNpy(r, -1) }

// decodeNpy reads a .npy array; size, when not negative, is the length of
// the whole input, used to refuse data lengths it cannot hold before
// allocating.
func decodeNpy(r io.Reader, size int64) (Tensor, error) {
	cr := &countReader{r: r}
	rd, err := npy.NewReader(cr)
	if err != nil {
		if cr.n == 0 {
			return Tensor{}, errors.New("not a .npy file (empty)")
		}
		if errors.Is(err, npy.ErrInvalidNumPyFormat) {
			return Tensor{}, errors.New("not a .npy file (bad magic)")
		}
		return Tensor{}, fmt.Errorf("bad .npy header: %v", err)
	}
	h := rd.Header
	if h.Descr.Fortran {
		return Tensor{}, errors.New("Fortran-order arrays are not supported")
	}
	descr := strings.Trim(h.Descr.Type, `'"`)
	dt, ok := dtypeOfDescr(descr)
	if !ok {
		return Tensor{}, fmt.Errorf("unsupported dtype %q (want one of %s)", descr, supportedDescrs())
	}
	shape := append([]int{}, h.Descr.Shape...)
	n := numElements(shape)
	if n < 0 {
		return Tensor{}, fmt.Errorf("bad shape %v", shape)
	}
	want := int64(n) * int64(dt.Size())
	if want > maxNpyBytes || (size >= 0 && want != size-cr.n) {
		have := "more"
		if size >= 0 {
			have = strconv.FormatInt(size-cr.n, 10)
		}
		return Tensor{}, fmt.Errorf("%v%v needs %d data bytes, file has %s", dt, shape, want, have)
	}
	data := make([]byte, want)
	if _, err := io.ReadFull(cr, data); err != nil {
		return Tensor{}, fmt.Errorf("%v%v needs %d data bytes, the data is truncated", dt, shape, want)
	}
	if size < 0 {
		var one [1]byte
		if k, _ := cr.Read(one[:]); k > 0 {
			return Tensor{}, fmt.Errorf("%v%v: data continues past %d bytes", dt, shape, want)
		}
	}
	return Tensor{Type: dt, Shape: shape, Data: data}, nil
}

type countReader struct {
	r io.Reader
	n int64
}

func (c *countReader) Read(p []byte) (int, error) {
	k, err := c.r.Read(p)
	c.n += int64(k)
	return k, err
}

func supportedDescrs() string {
	var s []string
	for _, e := range npyTypes {
		s = append(s, e.descr)
	}
	return strings.Join(s, " ")
}

// WriteNpy writes t to path as a version 1.0 .npy file.
func WriteNpy(path string, t Tensor) error {
	var b bytes.Buffer
	if err := EncodeNpy(&b, t); err != nil {
		return fmt.Errorf("tensorio: %s: %w", path, err)
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		return fmt.Errorf("tensorio: %w", err)
	}
	return nil
}

// EncodeNpy writes t to w in the .npy format (version 1.0, C order, header
// padded so that the data starts at a multiple of 64 bytes). npyio's writer
// only records one-dimensional shapes for slices, so the header is written
// here; ReadNpy reads it back with npyio.
func EncodeNpy(w io.Writer, t Tensor) error {
	descr, ok := NpyDescr(t.Type)
	if !ok {
		return fmt.Errorf("tensor %q: element type %v cannot be stored in .npy", t.Name, t.Type)
	}
	if err := t.Validate(); err != nil {
		return err
	}
	var shape string
	switch len(t.Shape) {
	case 0:
		shape = "()"
	case 1:
		shape = fmt.Sprintf("(%d,)", t.Shape[0])
	default:
		parts := make([]string, len(t.Shape))
		for i, d := range t.Shape {
			parts[i] = strconv.Itoa(d)
		}
		shape = "(" + strings.Join(parts, ", ") + ")"
	}
	header := fmt.Sprintf("{'descr': '%s', 'fortran_order': False, 'shape': %s, }", descr, shape)
	const pre = 10 // magic, version, header length
	pad := (64 - (pre+len(header)+1)%64) % 64
	header += strings.Repeat(" ", pad) + "\n"
	if len(header) > 0xffff {
		return fmt.Errorf("tensor %q: shape %v too long for a .npy header", t.Name, t.Shape)
	}
	head := make([]byte, pre, pre+len(header))
	copy(head, npy.Magic[:])
	head[6], head[7] = 1, 0
	head[8], head[9] = byte(len(header)), byte(len(header)>>8)
	head = append(head, header...)
	if _, err := w.Write(head); err != nil {
		return err
	}
	_, err := w.Write(t.Data)
	return err
}

func baseName(p string) string {
	if i := strings.LastIndexAny(p, `/\`); i >= 0 {
		return p[i+1:]
	}
	return p
}
