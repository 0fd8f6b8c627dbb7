package convert

import (
	"errors"
	"fmt"
	"image"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/fp16tool/fp16tool/engine"
	"github.com/fp16tool/fp16tool/graph"
	"github.com/fp16tool/fp16tool/internal/tensorio"
)

// ErrCalib marks bad calibration data (--calib): a wrong shape or type, an
// empty folder, an unreadable file, NaN with --strict. The message names
// the file and the model input it was meant for.
var ErrCalib = errors.New("bad calibration data")

// CalibDataOptions say how calibration files become model inputs.
type CalibDataOptions struct {
	// Resize resizes photos to the input's height and width (bilinear,
	// aspect ratio not kept); without it a photo of another size is an
	// error.
	Resize bool
	// Mean and Std normalize photos: each channel value p in [0, 255]
	// becomes (p - Mean) / Std. Std 0 (with Mean 0) means Mean 127.5,
	// Std 127.5, as `fp16tool run` (values in [-1, 1]).
	Mean, Std float32
	// Channels is the channel order photos are written in: "rgb" (the
	// default, also "") or "bgr".
	Channels string
}

// CalibSample is one calibration sample.
type CalibSample struct {
	// Name names the sample in messages: its file (for several inputs,
	// the file of the first input), or "FILE[i]" for slice i of a batch.
	Name string
	// Inputs holds one tensor per model input, in the order of the
	// inputs OpenCalib was given, each with the input's type and shape.
	Inputs []tensorio.Tensor
}

// CalibSource yields calibration samples one at a time, in a stable order
// (sorted file names, or the order of a batch), holding one sample in
// memory at a time.
type CalibSource interface {
	// Len returns the number of samples.
	Len() int
	// Next returns the next sample, or io.EOF after the last. The
	// sample's buffers may be reused by the next call.
	Next() (CalibSample, error)
	// Close releases open files.
	Close() error
}

// eachSample calls f with each sample of src in order, until src says
// io.EOF; it stops at the first error.
func eachSample(src CalibSource, f func(CalibSample) error) error {
	for {
		smp, err := src.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		if err := f(smp); err != nil {
			return err
		}
	}
}

// imageExts are the photo file extensions --calib folders may hold.
var imageExts = map[string]bool{".png": true, ".jpg": true, ".jpeg": true}

func isImage(name string) bool { return imageExts[strings.ToLower(filepath.Ext(name))] }
func isNpy(name string) bool   { return strings.EqualFold(filepath.Ext(name), ".npy") }

// ModelInputs describes the inputs of m's main subgraph.
func ModelInputs(m *graph.Model) ([]engine.TensorInfo, error) {
	sg := m.Main()
	if sg == nil {
		return nil, fmt.Errorf("the model has no subgraph")
	}
	var out []engine.TensorInfo
	for _, i := range sg.Inputs {
		t := sg.Tensor(i)
		if t == nil {
			return nil, fmt.Errorf("input tensor index %d out of range", i)
		}
		out = append(out, engine.TensorInfo{Name: t.Name, Index: i, Type: t.Type, Shape: shapeInts(t.Shape)})
	}
	return out, nil
}

func shapeInts(s []int32) []int {
	out := make([]int, len(s))
	for i, d := range s {
		out[i] = int(d)
	}
	return out
}

// CalibDirName returns the sub-folder name a --calib folder uses for a
// model input (several inputs): the tensor's name with every character
// other than letters, digits, '.', '_' and '-' replaced by '_'.
func CalibDirName(input string) string {
	b := []byte(input)
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') {
			b[i] = '_'
		}
	}
	return string(b)
}

// OpenCalib opens the calibration data at path (--calib) for a model with
// the given inputs:
//
//   - a .npy file: a batch whose first dimension counts the samples, each
//     slice the input's shape (or the input's shape without its leading
//     1); for a model with one input;
//   - a photo (.png, .jpg, .jpeg): one sample of a FLOAT32 [1 H W 3] input;
//   - a folder holding .npy files (one sample each, the input's shape or
//     that shape without its leading 1) and/or photos, one sample per
//     file in sorted name order; for a model with one input;
//   - a folder holding one sub-folder per model input, named after the
//     input (CalibDirName), each holding one file per sample: samples are
//     matched by file name without extension, which every sub-folder must
//     have the same of. (A model with one input may use this layout too.)
//
// Files of other types in these folders are ignored. Errors wrap ErrCalib
// and name the file and the input with its expected type and shape.
func OpenCalib(path string, inputs []engine.TensorInfo, opt CalibDataOptions) (CalibSource, error) {
	if len(inputs) == 0 {
		return nil, fmt.Errorf("%w: the model has no inputs", ErrCalib)
	}
	opt, err := opt.normalized()
	if err != nil {
		return nil, err
	}
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrCalib, err)
	}
	if !st.IsDir() {
		if len(inputs) != 1 {
			return nil, fmt.Errorf("%w: %s: a single file feeds a model with one input; this model has %d (%s): give a folder with one sub-folder per input", ErrCalib, path, len(inputs), inputList(inputs))
		}
		switch {
		case isNpy(path):
			return openNpyBatch(path, inputs[0])
		case isImage(path):
			return &fileSource{inputs: inputs, files: [][]string{{path}}, opt: opt}, nil
		}
		return nil, fmt.Errorf("%w: %s: want a .npy file, a photo (.png, .jpg) or a folder", ErrCalib, path)
	}
	samples, subdirs, err := listSamples(path)
	if err != nil {
		return nil, err
	}
	if len(inputs) == 1 && len(samples) > 0 {
		files := make([][]string, len(samples))
		for i, f := range samples {
			files[i] = []string{filepath.Join(path, f)}
		}
		return &fileSource{inputs: inputs, files: files, opt: opt}, nil
	}
	if len(inputs) == 1 && !subdirs[CalibDirName(inputs[0].Name)] {
		return nil, fmt.Errorf("%w: %s: no .npy, .png or .jpg files (for input %s)", ErrCalib, path, inputList(inputs))
	}
	// One sub-folder per input; samples matched by file name without
	// extension, in sorted order.
	byInput := make([]map[string]string, len(inputs)) // sample key -> file
	var keys []string
	dirOf := map[string]string{} // sub-folder -> input name
	for k, in := range inputs {
		sub := CalibDirName(in.Name)
		if other, dup := dirOf[sub]; dup {
			return nil, fmt.Errorf("%w: inputs %q and %q both map to sub-folder %q", ErrCalib, other, in.Name, sub)
		}
		dirOf[sub] = in.Name
		dir := filepath.Join(path, sub)
		if !subdirs[sub] {
			return nil, fmt.Errorf("%w: %s: no sub-folder %q for input %s (a model with several inputs needs one sub-folder per input: %s)", ErrCalib, path, sub, describe(in), inputList(inputs))
		}
		files, _, err := listSamples(dir)
		if err != nil {
			return nil, err
		}
		if len(files) == 0 {
			return nil, fmt.Errorf("%w: %s: no .npy, .png or .jpg files (for input %s)", ErrCalib, dir, describe(in))
		}
		byInput[k] = map[string]string{}
		for _, f := range files { // sorted
			key := strings.TrimSuffix(f, filepath.Ext(f))
			if prev, dup := byInput[k][key]; dup {
				return nil, fmt.Errorf("%w: %s and %s are the same sample", ErrCalib, prev, filepath.Join(dir, f))
			}
			byInput[k][key] = filepath.Join(dir, f)
			if k > 0 {
				if _, ok := byInput[0][key]; !ok {
					return nil, fmt.Errorf("%w: %s has no matching sample for input %s in %s", ErrCalib, filepath.Join(dir, f), describe(inputs[0]), filepath.Join(path, CalibDirName(inputs[0].Name)))
				}
			} else {
				keys = append(keys, key)
			}
		}
	}
	sort.Strings(keys)
	files := make([][]string, len(keys))
	for i, key := range keys {
		for k, in := range inputs {
			f, ok := byInput[k][key]
			if !ok {
				return nil, fmt.Errorf("%w: %s has no matching sample for input %s in %s", ErrCalib, byInput[0][key], describe(in), filepath.Join(path, CalibDirName(in.Name)))
			}
			files[i] = append(files[i], f)
		}
	}
	return &fileSource{inputs: inputs, files: files, opt: opt}, nil
}

// OpenCalibFiles is OpenCalib for an explicit list of sample files
// (.npy files of one sample each, or photos) for a model with one input,
// in the order given: for example half of a folder of photos, keeping
// the other half for evaluation.
func OpenCalibFiles(paths []string, inputs []engine.TensorInfo, opt CalibDataOptions) (CalibSource, error) {
	if len(inputs) != 1 {
		return nil, fmt.Errorf("%w: a list of files feeds a model with one input; this model has %d (%s)", ErrCalib, len(inputs), inputList(inputs))
	}
	if len(paths) == 0 {
		return nil, fmt.Errorf("%w: no calibration files (for input %s)", ErrCalib, describe(inputs[0]))
	}
	opt, err := opt.normalized()
	if err != nil {
		return nil, err
	}
	files := make([][]string, len(paths))
	for i, p := range paths {
		if !isNpy(p) && !isImage(p) {
			return nil, fmt.Errorf("%w: %s: want a .npy file or a photo (.png, .jpg)", ErrCalib, p)
		}
		files[i] = []string{p}
	}
	return &fileSource{inputs: inputs, files: files, opt: opt}, nil
}

// normalized returns o with its defaults filled in, or an error for an
// unknown channel order.
func (o CalibDataOptions) normalized() (CalibDataOptions, error) {
	if o.Std == 0 && o.Mean == 0 {
		o.Mean, o.Std = 127.5, 127.5
	}
	switch strings.ToLower(o.Channels) {
	case "", "rgb":
		o.Channels = "rgb"
	case "bgr":
		o.Channels = "bgr"
	default:
		return o, fmt.Errorf("%w: channel order %q: want rgb or bgr", ErrUsage, o.Channels)
	}
	return o, nil
}

// listSamples returns the sorted .npy and photo file names of dir (not
// hidden), and the names of its sub-folders.
func listSamples(dir string) (files []string, subdirs map[string]bool, err error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %v", ErrCalib, err)
	}
	subdirs = map[string]bool{}
	for _, e := range ents {
		n := e.Name()
		if strings.HasPrefix(n, ".") {
			continue
		}
		if e.IsDir() {
			subdirs[n] = true
			continue
		}
		if isNpy(n) || isImage(n) {
			files = append(files, n)
		}
	}
	sort.Strings(files)
	return files, subdirs, nil
}

func describe(in engine.TensorInfo) string {
	return fmt.Sprintf("%q %s%v", in.Name, in.Type, in.Shape)
}

func inputList(inputs []engine.TensorInfo) string {
	s := make([]string, len(inputs))
	for i, in := range inputs {
		s[i] = describe(in)
	}
	return strings.Join(s, ", ")
}

// sampleShapeOK reports whether an array of shape s can be one sample of
// input in: the input's shape, or that shape without a leading 1.
func sampleShapeOK(s []int, in engine.TensorInfo) bool {
	if equalInts(s, in.Shape) {
		return true
	}
	return len(in.Shape) > 0 && in.Shape[0] == 1 && equalInts(s, in.Shape[1:])
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// fileSource reads one file per input per sample.
type fileSource struct {
	inputs []engine.TensorInfo
	files  [][]string // per sample, per input
	opt    CalibDataOptions
	next   int
}

func (s *fileSource) Len() int     { return len(s.files) }
func (s *fileSource) Close() error { return nil }

func (s *fileSource) Next() (CalibSample, error) {
	if s.next >= len(s.files) {
		return CalibSample{}, io.EOF
	}
	files := s.files[s.next]
	s.next++
	smp := CalibSample{Name: files[0], Inputs: make([]tensorio.Tensor, len(files))}
	for k, f := range files {
		t, err := s.load(f, s.inputs[k])
		if err != nil {
			return CalibSample{}, err
		}
		smp.Inputs[k] = t
	}
	return smp, nil
}

// load reads one sample file for input in.
func (s *fileSource) load(path string, in engine.TensorInfo) (tensorio.Tensor, error) {
	if isNpy(path) {
		t, err := tensorio.ReadNpy(path)
		if err != nil {
			return t, fmt.Errorf("%w: %v (for input %s)", ErrCalib, err, describe(in))
		}
		if t.Type != in.Type || !sampleShapeOK(t.Shape, in) {
			return t, fmt.Errorf("%w: %s holds %s%v; input %s wants one sample of %s%v", ErrCalib, path, t.Type, t.Shape, describe(in), in.Type, in.Shape)
		}
		t.Name, t.Shape = in.Name, append([]int(nil), in.Shape...)
		return t, nil
	}
	if in.Type != graph.Float32 || len(in.Shape) != 4 || in.Shape[0] != 1 || in.Shape[3] != 3 {
		return tensorio.Tensor{}, fmt.Errorf("%w: %s: a photo fills a FLOAT32 [1 H W 3] input; input %s is not one (give .npy files)", ErrCalib, path, describe(in))
	}
	if !s.opt.Resize {
		f, err := os.Open(path)
		if err != nil {
			return tensorio.Tensor{}, fmt.Errorf("%w: %v", ErrCalib, err)
		}
		cfg, _, err := image.DecodeConfig(f)
		f.Close()
		if err != nil {
			return tensorio.Tensor{}, fmt.Errorf("%w: %s: cannot decode image: %v", ErrCalib, path, err)
		}
		if cfg.Height != in.Shape[1] || cfg.Width != in.Shape[2] {
			return tensorio.Tensor{}, fmt.Errorf("%w: %s is %dx%d; input %s wants %dx%d: pass --resize", ErrCalib, path, cfg.Width, cfg.Height, describe(in), in.Shape[2], in.Shape[1])
		}
	}
	t, err := tensorio.LoadImage(path, in.Shape, tensorio.ImageOptions{Mean: s.opt.Mean, Std: s.opt.Std})
	if err != nil {
		return t, fmt.Errorf("%w: %v (for input %s)", ErrCalib, err, describe(in))
	}
	if s.opt.Channels == "bgr" {
		v := engine.Float32s(t.Data)
		for i := 0; i+2 < len(v); i += 3 {
			v[i], v[i+2] = v[i+2], v[i]
		}
	}
	t.Name = in.Name
	return t, nil
}

// npyBatch reads the slices of one .npy file.
type npyBatch struct {
	f   *tensorio.NpyFile
	in  engine.TensorInfo
	buf tensorio.Tensor
	i   int
}

func openNpyBatch(path string, in engine.TensorInfo) (CalibSource, error) {
	f, err := tensorio.OpenNpy(path)
	if err != nil {
		return nil, fmt.Errorf("%w: %v (for input %s)", ErrCalib, err, describe(in))
	}
	if f.Type != in.Type || !sampleShapeOK(f.Shape[1:], in) {
		f.Close()
		return nil, fmt.Errorf("%w: %s holds %s%v; input %s wants a batch [N %s] of %s (the first dimension counts samples)", ErrCalib, path, f.Type, f.Shape, describe(in), strings.Trim(fmt.Sprint(in.Shape), "[]"), in.Type)
	}
	if f.Len() == 0 {
		f.Close()
		return nil, fmt.Errorf("%w: %s holds no samples (shape %v; for input %s)", ErrCalib, path, f.Shape, describe(in))
	}
	buf := tensorio.Tensor{Name: in.Name, Type: in.Type, Shape: append([]int(nil), in.Shape...), Data: make([]byte, f.SliceBytes())}
	return &npyBatch{f: f, in: in, buf: buf}, nil
}

func (b *npyBatch) Len() int     { return b.f.Len() }
func (b *npyBatch) Close() error { return b.f.Close() }

func (b *npyBatch) Next() (CalibSample, error) {
	if err := b.f.ReadSlice(b.buf.Data); err != nil {
		if err == io.EOF {
			return CalibSample{}, err
		}
		return CalibSample{}, fmt.Errorf("%w: %v", ErrCalib, err)
	}
	name := fmt.Sprintf("%s[%d]", b.f.Path, b.i)
	b.i++
	return CalibSample{Name: name, Inputs: []tensorio.Tensor{b.buf}}, nil
}
