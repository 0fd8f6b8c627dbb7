package convert

import (
	"fmt"
	"io"
	"os"
	"time"

	"github.com/fp16tool/fp16tool/graph"
	"github.com/fp16tool/fp16tool/internal/hugemem"
	"github.com/fp16tool/fp16tool/tflite"
)

// Timings are the wall times of the steps of ConvertFile, in seconds.
type Timings struct {
	Read    float64 `json:"read"`
	Load    float64 `json:"load"`
	Convert float64 `json:"convert"`
	Save    float64 `json:"save"`
	Verify  float64 `json:"verify"`
	Write   float64 `json:"write"`
	Total   float64 `json:"total"`
}

// FileReport is the Report of a file conversion with its step timings.
type FileReport struct {
	Report
	Timings Timings `json:"timings"`
}

// ConvertBytes loads the .tflite file data (name is used in errors),
// converts it and returns the new file, verified by loading it back.
func ConvertBytes(name string, data []byte, opt Options) ([]byte, *FileReport, error) {
	if _, _, err := Choose(opt); err != nil {
		return nil, nil, err
	}
	var tm Timings
	t0 := time.Now()
	m, err := tflite.Load(name, data)
	if err != nil {
		return nil, nil, err
	}
	t1 := time.Now()
	tm.Load = t1.Sub(t0).Seconds()
	r, err := Convert(m, opt)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", name, err)
	}
	t2 := time.Now()
	tm.Convert = t2.Sub(t1).Seconds()
	out, err := tflite.Save(m)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: saving the converted model: %w", name, err)
	}
	t3 := time.Now()
	tm.Save = t3.Sub(t2).Seconds()
	if err := tflite.Verify(name+" (converted)", out); err != nil {
		return nil, nil, fmt.Errorf("%w: %v", ErrVerify, err)
	}
	tm.Verify = time.Since(t3).Seconds()
	r.SizeBefore, r.SizeAfter = int64(len(data)), int64(len(out))
	if len(data) > 0 {
		r.Ratio = float64(len(out)) / float64(len(data))
	}
	return out, &FileReport{Report: *r, Timings: tm}, nil
}

// ConvertFile converts the model file in and writes the result to out
// atomically (see WriteFileAtomic). It refuses to write over in (see
// CheckOutput) and checks the options before reading anything; on any
// error no output file is left behind and an existing out is untouched.
func ConvertFile(in, out string, opt Options) (*FileReport, error) {
	start := time.Now()
	if _, _, err := Choose(opt); err != nil {
		return nil, err
	}
	if err := CheckOutput(in, out); err != nil {
		return nil, err
	}
	data, err := readFile(in)
	if err != nil {
		return nil, err
	}
	read := time.Since(start).Seconds()
	b, r, err := ConvertBytes(in, data, opt)
	if err != nil {
		return nil, err
	}
	t := time.Now()
	if err := WriteFileAtomic(out, b, 0o644); err != nil {
		return nil, err
	}
	r.Timings.Read = read
	r.Timings.Write = time.Since(t).Seconds()
	r.Timings.Total = time.Since(start).Seconds()
	r.Input, r.Output = in, out
	return r, nil
}

// LoadModel is tflite.LoadFile, for callers that only import convert.
func LoadModel(path string) (*graph.Model, error) { return tflite.LoadFile(path) }

// readFile is os.ReadFile into memory allocated with hugemem (a large
// model otherwise spends most of its read time in page faults).
func readFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%s: not a regular file", path)
	}
	b := hugemem.Make(int(st.Size()))
	if _, err := io.ReadFull(f, b); err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	return b, nil
}
