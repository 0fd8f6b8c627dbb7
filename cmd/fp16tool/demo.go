package main

import (
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/fp16tool/fp16tool/convert"
	"github.com/fp16tool/fp16tool/engine"
	"github.com/fp16tool/fp16tool/graph"
	qm "github.com/fp16tool/fp16tool/int8"
	"github.com/fp16tool/fp16tool/internal/demomodel"
	"github.com/fp16tool/fp16tool/internal/tensorio"
	"github.com/fp16tool/fp16tool/tflite"
)

func init() { register(newDemoCmd) }

// demoRow is one line of the demo's conversion table.
type demoRow struct {
	Target    convert.Target
	Precision convert.Precision
	Size      int64
	Ratio     float64
	Time      time.Duration
	MaxRel    float64
	Err       error
	// Model is the converted file (nil on error).
	Model []byte
	// Runs are the results per backend name.
	Runs map[string]demoRun
}

// demoRun is one converted model run on one backend.
type demoRun struct {
	// Ms is the median time of one inference.
	Ms float64
	// MaxErr is the max abs difference of the outputs from the float32
	// original's on the CPU backend, for the same input.
	MaxErr float64
	Err    error
	// NA marks a model the backend does not run by design (int8 models
	// on the Vulkan backend).
	NA bool
}

func newDemoCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "demo",
		Short: "Convert the embedded demo CNN for every target and show the results",
		Long: `demo runs the main job on a small CNN that fp16tool builds itself (seeded
weights, written with its own writer and embedded in the binary): it converts
the model for each target and prints the precision chosen, the size, the
conversion time and the largest relative rounding error of the weights; then
it runs the original and every converted model on each backend present, with
the same fixed input, and prints the run time and the max abs error of the
outputs against the float32 original run on the CPU.

Full-integer int8 (the cpu target with data, and the integer-only targets) is
calibrated on 16 seeded pseudo-random samples built in; "cpu (no data)" shows
what --target=cpu gives without calibration data (dynamic range). int8 models
run on the CPU backend; the Vulkan backend runs float models (n/a).`,
		Example: "  fp16tool demo",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			data := demomodel.File()
			m, err := tflite.Load(demomodel.FileName, data)
			if err != nil {
				return err
			}
			sg := m.Main()
			w := cmd.OutOrStdout()
			fmt.Fprintf(w, "Demo model: %s, %s, input %v, %d ops, %d tensors\n\n",
				m.Description, humanBytes(int64(len(data))), sg.Tensors[sg.Inputs[0]].Shape, len(sg.Ops), len(sg.Tensors))
			rows := []demoRow{{Target: "original", Precision: convert.FP32, Size: int64(len(data)), Ratio: 1, Model: data}}
			for _, t := range convert.Targets {
				opt := convert.Options{Target: t, Calibration: true, Calibrate: demoCalibrate}
				if t == convert.TargetAuto {
					opt.Devices = probeDevices(cmd)
				}
				rows = append(rows, demoConvert(data, opt))
				if t == convert.TargetCPU {
					r := demoConvert(data, convert.Options{Target: t})
					r.Target = "cpu (no data)"
					rows = append(rows, r)
				}
			}
			// The reverse pass, for completeness: expand the gpu result.
			if gpuOut, _, err := convert.ConvertBytes("demo", data, convert.Options{Target: convert.TargetGPU}); err == nil {
				r := demoConvert(gpuOut, convert.Options{Precision: convert.FP32})
				r.Target = "gpu->fp32"
				rows = append(rows, r)
			}
			backends := engine.Available()
			demoRunAll(rows, backends)
			tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
			head := "target\tprecision\tsize\tratio\tconvert\tmax weight rel. error"
			for _, b := range backends {
				head += fmt.Sprintf("\t%s run\t%s max|err| vs fp32", b, b)
			}
			fmt.Fprintln(tw, head+"\tstatus")
			for _, r := range rows {
				if r.Err != nil {
					status := "error: " + oneLine(r.Err.Error())
					if errors.Is(r.Err, convert.ErrNotSupported) {
						status = "int8: not supported yet"
					}
					fmt.Fprintf(tw, "%s\t%s\t-\t-\t-\t-%s\t%s\n", r.Target, r.Precision, strings.Repeat("\t-\t-", len(backends)), status)
					continue
				}
				rel, conv := "-", "-"
				if r.Precision == convert.FP16 {
					rel = fmt.Sprintf("%.2e", r.MaxRel)
				}
				if r.Target != "original" {
					conv = fmt.Sprintf("%.2f ms", float64(r.Time.Microseconds())/1000)
				}
				line := fmt.Sprintf("%s\t%s\t%s\t%.3f\t%s\t%s", r.Target, r.Precision, humanBytes(r.Size), r.Ratio, conv, rel)
				status := "ok"
				for _, b := range backends {
					run := r.Runs[b]
					if run.NA {
						line += "\tn/a\tn/a"
						continue
					}
					if run.Err != nil {
						line += "\t-\t-"
						status = b + ": " + oneLine(run.Err.Error())
						continue
					}
					line += fmt.Sprintf("\t%.2f ms\t%.2e", run.Ms, run.MaxErr)
				}
				fmt.Fprintln(tw, line+"\t"+status)
			}
			if err := tw.Flush(); err != nil {
				return err
			}
			if len(backends) == 0 {
				fmt.Fprintln(w, "\nNo backend can run here, so nothing was run.")
			} else {
				fmt.Fprintf(w, "\nRun on %s with the same fixed pseudo-random input (one thread); errors are against the float32 original run on the CPU.\n", strings.Join(backends, ", "))
				fmt.Fprintln(w, "Full-integer int8 was calibrated on 16 built-in pseudo-random samples; int8 inputs and outputs are quantized and dequantized with their parameters.")
			}
			return nil
		},
	}
}

// demoConvert converts data as opt asks and times it.
func demoConvert(data []byte, opt convert.Options) demoRow {
	p, _, err := convert.Choose(opt)
	row := demoRow{Target: opt.Target, Precision: p, Err: err}
	if err != nil {
		return row
	}
	start := time.Now()
	out, r, err := convert.ConvertBytes("demo", data, opt)
	row.Time = time.Since(start)
	if err != nil {
		row.Err = err
		return row
	}
	row.Size, row.Ratio, row.Model = r.SizeAfter, r.Ratio, out
	for _, t := range r.Tensors {
		if t.Stats != nil && t.Stats.MaxRelError > row.MaxRel {
			row.MaxRel = t.Stats.MaxRelError
		}
	}
	return row
}

// demoRunAll runs every converted model of rows (rows[0] is the float32
// original) on each backend, with the same fixed input, and records the
// median run time and the max abs error against the original's outputs on
// the CPU backend (the reference every backend is checked against).
func demoRunAll(rows []demoRow, backends []string) {
	for i := range rows {
		rows[i].Runs = map[string]demoRun{}
	}
	var ref [][]float32
	if slices.Contains(backends, "cpu") && rows[0].Model != nil {
		ref, _, _ = demoRun1("cpu", rows[0].Model)
	}
	for _, name := range backends {
		for i := range rows {
			if rows[i].Err != nil || rows[i].Model == nil {
				continue
			}
			if name != "cpu" && (rows[i].Precision == convert.Int8 || rows[i].Precision == convert.Int8Dynamic) {
				rows[i].Runs[name] = demoRun{NA: true}
				continue
			}
			outs, ms, err := demoRun1(name, rows[i].Model)
			run := demoRun{Ms: ms, Err: err}
			if err == nil && ref != nil {
				for k := range outs {
					for j := range outs[k] {
						if k < len(ref) && j < len(ref[k]) {
							run.MaxErr = math.Max(run.MaxErr, math.Abs(float64(outs[k][j])-float64(ref[k][j])))
						}
					}
				}
			}
			rows[i].Runs[name] = run
		}
	}
}

// demoSamples is the number of built-in calibration samples.
const demoSamples = 16

// demoInput returns sample k of the demo's inputs: n float32 values in
// [-1, 1) from a PCG seeded with k (sample 0 is the input every run uses).
func demoInput(k uint64, n int) []float32 {
	r := rand.New(rand.NewPCG(16, 16+k))
	v := make([]float32, n)
	for i := range v {
		v[i] = r.Float32()*2 - 1
	}
	return v
}

// demoCalib is the demo's built-in calibration data: demoSamples
// pseudo-random samples of its one float input.
type demoCalib struct {
	in   engine.TensorInfo
	next int
}

func (c *demoCalib) Len() int     { return demoSamples }
func (c *demoCalib) Close() error { return nil }

func (c *demoCalib) Next() (convert.CalibSample, error) {
	if c.next >= demoSamples {
		return convert.CalibSample{}, io.EOF
	}
	c.next++
	v := demoInput(uint64(c.next), c.in.NumElements())
	t := tensorio.Tensor{Name: c.in.Name, Type: graph.Float32, Shape: c.in.Shape, Data: float32Bytes(v)}
	return convert.CalibSample{Name: fmt.Sprintf("demo[%d]", c.next-1), Inputs: []tensorio.Tensor{t}}, nil
}

// demoCalibrate calibrates the demo model on the built-in samples.
func demoCalibrate(m *graph.Model) (map[int]convert.ActivationRange, error) {
	ins, err := convert.ModelInputs(m)
	if err != nil {
		return nil, err
	}
	if len(ins) != 1 || ins[0].Type != graph.Float32 {
		return nil, fmt.Errorf("demo: calibration wants one FLOAT32 input, the model has %d", len(ins))
	}
	rs, err := convert.Calibrate(m, &demoCalib{in: ins[0]}, convert.CalibOptions{Name: "demo", Threads: 1})
	if err != nil {
		return nil, err
	}
	return convert.Ranges(rs), nil
}

// quantParams returns the per-tensor parameters of t (scale 0 when t has
// none).
func quantParams(t *graph.Tensor) qm.Params {
	if t.Quant == nil || len(t.Quant.Scale) != 1 || len(t.Quant.ZeroPoint) != 1 {
		return qm.Params{}
	}
	return qm.Params{Scale: t.Quant.Scale[0], ZeroPoint: int32(t.Quant.ZeroPoint[0])}
}

// demoRun1 compiles model on backend name, runs it on demoInput(0) (one
// warm-up, then 5 timed runs) and returns the outputs as float32 (INT8 and
// UINT8 inputs are quantized and outputs dequantized with their
// parameters) and the median run time in milliseconds.
func demoRun1(name string, model []byte) ([][]float32, float64, error) {
	b, err := engine.Get(name)
	if err != nil {
		return nil, 0, err
	}
	m, err := tflite.Load(demomodel.FileName, model)
	if err != nil {
		return nil, 0, err
	}
	p, err := b.Compile(m, engine.Options{Threads: 1, Name: "demo"})
	if err != nil {
		return nil, 0, err
	}
	defer p.Close()
	sg := m.Main()
	for i, info := range p.Inputs() {
		v, buf := demoInput(0, info.NumElements()), p.Input(i)
		q := quantParams(sg.Tensors[info.Index])
		switch info.Type {
		case graph.Float32:
			copy(engine.Float32s(buf), v)
		case graph.Int8:
			for k, x := range v {
				buf[k] = byte(int8(q.Quantize(x, qm.Int8Min, qm.Int8Max)))
			}
		case graph.Uint8:
			for k, x := range v {
				buf[k] = byte(q.Quantize(x, qm.Uint8Min, qm.Uint8Max))
			}
		default:
			return nil, 0, fmt.Errorf("input %d is %s, want FLOAT32, INT8 or UINT8", i, info.Type)
		}
	}
	if err := p.Run(); err != nil {
		return nil, 0, err
	}
	times := make([]float64, 5)
	for i := range times {
		t := time.Now()
		if err := p.Run(); err != nil {
			return nil, 0, err
		}
		times[i] = float64(time.Since(t).Nanoseconds()) / 1e6
	}
	sort.Float64s(times)
	var outs [][]float32
	for i, info := range p.Outputs() {
		buf := p.Output(i)
		q := quantParams(sg.Tensors[info.Index])
		switch info.Type {
		case graph.Float32:
			outs = append(outs, slices.Clone(engine.Float32s(buf)))
		case graph.Int8, graph.Uint8:
			o := make([]float32, len(buf))
			for k, x := range buf {
				v := int32(x)
				if info.Type == graph.Int8 {
					v = int32(int8(x))
				}
				o[k] = q.Dequantize(v)
			}
			outs = append(outs, o)
		default:
			return nil, 0, fmt.Errorf("output %d is %s, want FLOAT32, INT8 or UINT8", i, info.Type)
		}
	}
	return outs, times[len(times)/2], nil
}

// float32Bytes returns v's little-endian bytes.
func float32Bytes(v []float32) []byte {
	b := make([]byte, 4*len(v))
	copy(engine.Float32s(b), v)
	return b
}
