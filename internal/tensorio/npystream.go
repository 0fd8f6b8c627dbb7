package tensorio

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strings"

	"codeberg.org/sbinet/npyio/npy"
	"github.com/fp16tool/fp16tool/graph"
)

// NpyFile is a .npy file opened for reading one slice along its first
// dimension at a time (a batch, one sample at a time), so that a file of
// any size is read in bounded memory. The header is checked as ReadNpy
// checks it, and the file's length must match the header.
type NpyFile struct {
	// Path is the file's path.
	Path string
	// Type and Shape are the array's element type and shape.
	Type  graph.DType
	Shape []int
	f     *os.File
	r     *bufio.Reader
	row   int // bytes per slice
	next  int // slices read
}

// OpenNpy opens path and reads its header. The array must have at least
// one dimension.
func OpenNpy(path string) (*NpyFile, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("tensorio: %w", err)
	}
	nf, err := openNpy(f, path)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("tensorio: %s: %w", path, err)
	}
	return nf, nil
}

func openNpy(f *os.File, path string) (*NpyFile, error) {
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	br := bufio.NewReader(f)
	cr := &countReader{r: br}
	rd, err := npy.NewReader(cr)
	if err != nil {
		if cr.n == 0 {
			return nil, fmt.Errorf("not a .npy file (empty)")
		}
		return nil, fmt.Errorf("not a .npy file or a bad header: %v", err)
	}
	h := rd.Header
	if h.Descr.Fortran {
		return nil, fmt.Errorf("Fortran-order arrays are not supported")
	}
	descr := strings.Trim(h.Descr.Type, `'"`)
	dt, ok := dtypeOfDescr(descr)
	if !ok {
		return nil, fmt.Errorf("unsupported dtype %q (want one of %s)", descr, supportedDescrs())
	}
	shape := append([]int{}, h.Descr.Shape...)
	if len(shape) == 0 {
		return nil, fmt.Errorf("holds a scalar; want an array whose first dimension counts samples")
	}
	n := numElements(shape)
	if n < 0 {
		return nil, fmt.Errorf("bad shape %v", shape)
	}
	want := int64(n) * int64(dt.Size())
	if have := st.Size() - cr.n; want != have {
		return nil, fmt.Errorf("%v%v needs %d data bytes, file has %d", dt, shape, want, have)
	}
	row := 0
	if shape[0] > 0 {
		row = int(want / int64(shape[0]))
	}
	return &NpyFile{Path: path, Type: dt, Shape: shape, f: f, r: br, row: row}, nil
}

// Len returns the number of slices (the first dimension).
func (f *NpyFile) Len() int { return f.Shape[0] }

// SliceBytes returns the size of one slice in bytes.
func (f *NpyFile) SliceBytes() int { return f.row }

// ReadSlice reads the next slice along the first dimension into dst,
// which must have SliceBytes bytes. It returns io.EOF after the last one.
func (f *NpyFile) ReadSlice(dst []byte) error {
	if f.next >= f.Shape[0] {
		return io.EOF
	}
	if len(dst) != f.row {
		return fmt.Errorf("tensorio: %s: slice buffer has %d bytes, want %d", f.Path, len(dst), f.row)
	}
	if _, err := io.ReadFull(f.r, dst); err != nil {
		return fmt.Errorf("tensorio: %s: slice %d: %w", f.Path, f.next, err)
	}
	f.next++
	return nil
}

// Close closes the file.
func (f *NpyFile) Close() error { return f.f.Close() }
