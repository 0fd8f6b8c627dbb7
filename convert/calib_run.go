package convert

import (
	"errors"
	"fmt"
	"io"
	"math"
	"os"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/fp16tool/fp16tool/cpu"
	"github.com/fp16tool/fp16tool/engine"
	"github.com/fp16tool/fp16tool/graph"
	"github.com/fp16tool/fp16tool/int8"
	"github.com/fp16tool/fp16tool/internal/tensorio"
)

// TensorRunner runs a model on the CPU backend and hands over every
// intermediate tensor as float32: the calibration run (float model) and
// the per-layer report (the int8 model against the float one) use it.
//
// The tensors it exposes are the run-time tensors of the main subgraph
// (computed from the model inputs, the inputs included; constants and
// tensors folded from constants are not) that are FLOAT32, or INT8, UINT8
// or INT16 with per-tensor quantization (dequantized: scale × (q - zero
// point)). It compiles a copy of the model whose outputs are exactly those
// tensors, so the CPU backend keeps each of them alive to the end of the
// run (and never fuses an exposed tensor into its producer); the arena is
// then the sum of their sizes.
type TensorRunner struct {
	prog    *cpu.Program
	inputs  []engine.TensorInfo
	inQuant []*int8.Params // per input: its parameters when quantized
	tensors []int          // exposed tensor indices, ascending
	quant   []*int8.Params // per exposed tensor: nil for FLOAT32
	types   []graph.DType
	scratch []float32
}

// RunnerOptions configure a TensorRunner.
type RunnerOptions struct {
	// Threads is the number of threads of one inference (0: all cores).
	Threads int
	// FloatOnly exposes only the FLOAT32 tensors (calibration).
	FloatOnly bool
	// Name names the model in errors.
	Name string
}

// perTensorParams returns t's per-tensor quantization parameters, or nil.
func perTensorParams(t *graph.Tensor) *int8.Params {
	q := t.Quant
	if q == nil || len(q.Scale) != 1 || len(q.ZeroPoint) != 1 {
		return nil
	}
	return &int8.Params{Scale: q.Scale[0], ZeroPoint: int32(q.ZeroPoint[0])}
}

// typeRange returns the integer range of a quantized type.
func typeRange(d graph.DType) (int32, int32) {
	switch d {
	case graph.Uint8:
		return int8.Uint8Min, int8.Uint8Max
	case graph.Int16:
		return math.MinInt16, math.MaxInt16
	}
	return int8.Int8Min, int8.Int8Max
}

// runtimeTensors marks the tensors of sg computed from its inputs (the
// non-constant inputs included).
func runtimeTensors(sg *graph.Subgraph) ([]bool, error) {
	order, err := sg.TopoOrder()
	if err != nil {
		return nil, err
	}
	dyn := make([]bool, len(sg.Tensors))
	for _, i := range sg.Inputs {
		if t := sg.Tensor(i); t != nil && !t.IsConst() {
			dyn[i] = true
		}
	}
	for _, oi := range order {
		op := sg.Ops[oi]
		live := false
		for _, i := range op.Inputs {
			if i >= 0 && i < len(dyn) && dyn[i] {
				live = true
			}
		}
		if live {
			for _, o := range op.Outputs {
				if o >= 0 && o < len(dyn) {
					dyn[o] = true
				}
			}
		}
	}
	return dyn, nil
}

// NewTensorRunner compiles m (not modified, but the CPU backend fills in
// shapes it infers) for running with every intermediate tensor exposed.
func NewTensorRunner(m *graph.Model, opt RunnerOptions) (*TensorRunner, error) {
	name := opt.Name
	if name == "" {
		name = "model"
	}
	sg := m.Main()
	if sg == nil {
		return nil, fmt.Errorf("%s: the model has no subgraph", name)
	}
	dyn, err := runtimeTensors(sg)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	r := &TensorRunner{}
	for i, t := range sg.Tensors {
		if !dyn[i] {
			continue
		}
		var p *int8.Params
		switch t.Type {
		case graph.Float32:
		case graph.Int8, graph.Uint8, graph.Int16:
			if p = perTensorParams(t); p == nil || opt.FloatOnly {
				continue
			}
		default:
			continue
		}
		r.tensors = append(r.tensors, i)
		r.quant = append(r.quant, p)
		r.types = append(r.types, t.Type)
	}
	// A shallow copy whose outputs are the exposed tensors.
	cp := *sg
	cp.Outputs = r.tensors
	mc := *m
	mc.Subgraphs = append([]*graph.Subgraph{&cp}, m.Subgraphs[1:]...)
	prog, err := cpu.Compile(&mc, engine.Options{Threads: opt.Threads, Name: name})
	if err != nil {
		return nil, err
	}
	r.prog = prog
	r.inputs = prog.Inputs()
	for _, in := range r.inputs {
		var p *int8.Params
		if in.Type != graph.Float32 {
			p = perTensorParams(sg.Tensors[in.Index])
		}
		r.inQuant = append(r.inQuant, p)
	}
	return r, nil
}

// Inputs describes the model's inputs.
func (r *TensorRunner) Inputs() []engine.TensorInfo { return r.inputs }

// Tensors returns the indices (in the main subgraph) of the exposed
// tensors, ascending: the order Run visits them in.
func (r *TensorRunner) Tensors() []int { return r.tensors }

// Run runs the model on one sample and calls visit for each exposed
// tensor with its values as float32 (valid only during the call). The
// sample holds one tensor per input, of the input's type and size; a
// FLOAT32 tensor for a quantized input is quantized with the input's
// parameters. An error from visit stops the walk and is returned.
func (r *TensorRunner) Run(sample []tensorio.Tensor, visit func(tensor int, values []float32) error) error {
	if len(sample) != len(r.inputs) {
		return fmt.Errorf("%d input tensors for %d model inputs", len(sample), len(r.inputs))
	}
	for k, in := range r.inputs {
		if err := r.setInput(k, in, sample[k]); err != nil {
			return err
		}
	}
	if err := r.prog.Run(); err != nil {
		return err
	}
	for k, ti := range r.tensors {
		b := r.prog.Output(k)
		p := r.quant[k]
		if p == nil {
			if err := visit(ti, engine.Float32s(b)); err != nil {
				return err
			}
			continue
		}
		n := len(b) / r.types[k].Size()
		if cap(r.scratch) < n {
			r.scratch = make([]float32, n)
		}
		v := r.scratch[:n]
		switch r.types[k] {
		case graph.Int8:
			for i := range v {
				v[i] = p.Dequantize(int32(b[i]) << 24 >> 24) // sign-extend
			}
		case graph.Uint8:
			for i := range v {
				v[i] = p.Dequantize(int32(b[i]))
			}
		case graph.Int16:
			for i := range v {
				v[i] = p.Dequantize(int32(int16(uint16(b[2*i]) | uint16(b[2*i+1])<<8)))
			}
		}
		if err := visit(ti, v); err != nil {
			return err
		}
	}
	return nil
}

// setInput writes sample tensor t into input k.
func (r *TensorRunner) setInput(k int, in engine.TensorInfo, t tensorio.Tensor) error {
	dst := r.prog.Input(k)
	if t.Type == in.Type {
		if len(t.Data) != len(dst) {
			return fmt.Errorf("input %s: %d bytes given, %d needed", describe(in), len(t.Data), len(dst))
		}
		copy(dst, t.Data)
		return nil
	}
	p := r.inQuant[k]
	if t.Type != graph.Float32 || p == nil {
		return fmt.Errorf("input %s: a %s tensor given", describe(in), t.Type)
	}
	src := engine.Float32s(t.Data)
	if len(src) != in.NumElements() {
		return fmt.Errorf("input %s: %d values given, %d needed", describe(in), len(src), in.NumElements())
	}
	lo, hi := typeRange(in.Type)
	for i, v := range src {
		q := p.Quantize(v, lo, hi)
		switch in.Type {
		case graph.Int16:
			dst[2*i], dst[2*i+1] = byte(q), byte(q>>8)
		default:
			dst[i] = byte(q)
		}
	}
	return nil
}

// Close releases the compiled program.
func (r *TensorRunner) Close() error { return r.prog.Close() }

// TensorRange is the calibrated range of one float activation tensor.
type TensorRange struct {
	// Name is the tensor's name.
	Name string
	// Min and Max are the range the chosen method gives (within the
	// observed range; int8.Asymmetric widens it to include 0).
	Min, Max float32
	// Stats are what the observer saw: the finite value count, NaN and
	// Inf counts (skipped), the observed minimum and maximum, and whether
	// all values were equal.
	Stats int8.Stats
	// Methods holds the range of every method, when
	// CalibOptions.AllMethods is set.
	Methods map[int8.Method]int8.Range `json:",omitempty"`
}

// CalibOptions configure Calibrate.
type CalibOptions struct {
	// Method is the calibration method (int8.MinMax when empty);
	// Percentile its percentile for int8.Percentile (0: 99.99).
	Method     int8.Method
	Percentile float64
	// AllMethods also fills TensorRange.Methods with every method's range
	// (the histogram is kept for every tensor then).
	AllMethods bool
	// Strict makes NaN or Inf in the calibration data an error instead
	// of a warning.
	Strict bool
	// Threads is the number of threads of one inference (0: all cores).
	Threads int
	// Progress, when it is a terminal, shows a progress bar (the CLI
	// passes stderr); nil or anything else shows none.
	Progress io.Writer
	// Warn receives one-line warnings (NaN or constant data, constant or
	// NaN activations), each naming its file or tensor; nil drops them.
	Warn func(string)
	// Name names the model in messages.
	Name string
}

// Calibrate runs the float model m on the CPU backend over every sample
// of src (in src's order) and returns, for every FLOAT32 run-time tensor
// of the main subgraph (the model's float inputs and every float
// activation; see TensorRunner), its calibrated range, keyed by tensor
// index. Memory stays bounded: one sample at a time and fixed-size
// observers. The same data gives the same ranges, bit for bit.
//
// Data problems: a sample input holding NaN or Inf is a warning with the
// count (an error wrapping ErrCalib with Strict); a sample input whose
// values are all equal is a warning; an activation that was constant over
// all samples, or had NaN/Inf (skipped), is a warning; a tensor with no
// finite value at all is an error. An empty source is an error.
func Calibrate(m *graph.Model, src CalibSource, opt CalibOptions) (map[int]TensorRange, error) {
	warn := opt.Warn
	if warn == nil {
		warn = func(string) {}
	}
	name := opt.Name
	if name == "" {
		name = "model"
	}
	if src.Len() == 0 {
		return nil, fmt.Errorf("%w: no calibration samples", ErrCalib)
	}
	run, err := NewTensorRunner(m, RunnerOptions{Threads: opt.Threads, FloatOnly: true, Name: name})
	if err != nil {
		return nil, err
	}
	defer run.Close()
	tensors := run.Tensors()
	obs := make(map[int]*int8.Observer, len(tensors))
	for _, ti := range tensors {
		o, err := int8.NewObserver(int8.ObserverOptions{Method: opt.Method, Percentile: opt.Percentile, Histogram: opt.AllMethods})
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrUsage, err)
		}
		obs[ti] = o
	}
	bar := newProgress(opt.Progress, src.Len())
	visit := func(ti int, v []float32) error { obs[ti].Observe(v); return nil }
	n := 0
	err = eachSample(src, func(smp CalibSample) error {
		if err := checkSample(smp, run.Inputs(), opt.Strict, warn); err != nil {
			return err
		}
		if err := run.Run(smp.Inputs, visit); err != nil {
			return fmt.Errorf("calibration sample %s: %w", smp.Name, err)
		}
		n++
		if bar != nil {
			_ = bar.Add(1)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	doneProgress(bar)
	if n == 0 {
		return nil, fmt.Errorf("%w: no calibration samples", ErrCalib)
	}
	sg := m.Main()
	out := make(map[int]TensorRange, len(tensors))
	for _, ti := range tensors {
		o := obs[ti]
		st := o.Stats()
		tname := sg.Tensors[ti].Name
		if st.Count == 0 && st.NaN+st.Inf == 0 {
			continue // an empty tensor
		}
		r, err := o.Range()
		if errors.Is(err, int8.ErrNoData) {
			return nil, fmt.Errorf("%w: tensor %d %q has no finite value over %d samples (%d NaN, %d Inf)", ErrCalib, ti, tname, n, st.NaN, st.Inf)
		}
		if err != nil {
			return nil, fmt.Errorf("tensor %d %q: %w", ti, tname, err)
		}
		if st.NaN+st.Inf > 0 {
			warn(fmt.Sprintf("calibration: tensor %d %q: %d NaN and %d Inf values over %d samples were skipped", ti, tname, st.NaN, st.Inf, n))
		}
		if st.AllEqual {
			warn(fmt.Sprintf("calibration: tensor %d %q is constant (%g) over all %d samples", ti, tname, st.Min, n))
		}
		tr := TensorRange{Name: tname, Min: r.Min, Max: r.Max, Stats: st}
		if opt.AllMethods {
			tr.Methods = map[int8.Method]int8.Range{}
			for _, mth := range int8.Methods {
				if mr, err := o.RangeOf(mth); err == nil {
					tr.Methods[mth] = mr
				}
			}
		}
		out[ti] = tr
	}
	return out, nil
}

// checkSample reports NaN/Inf (warning, or error with strict) and
// all-equal values (warning) in a sample's float inputs.
func checkSample(smp CalibSample, inputs []engine.TensorInfo, strict bool, warn func(string)) error {
	for k, t := range smp.Inputs {
		if t.Type != graph.Float32 {
			continue
		}
		bad, equal := 0, true
		v := engine.Float32s(t.Data)
		for _, x := range v {
			if x != x || math.IsInf(float64(x), 0) {
				bad++
			} else if x != v[0] {
				equal = false
			}
		}
		in := inputs[k]
		if bad > 0 {
			msg := fmt.Sprintf("%s: input %q: %d of %d values are NaN or Inf", smp.Name, in.Name, bad, len(v))
			if strict {
				return fmt.Errorf("%w: %s (--strict)", ErrCalib, msg)
			}
			warn(msg + " (skipped by calibration)")
		}
		if equal && len(v) > 1 && bad == 0 {
			warn(fmt.Sprintf("%s: input %q: all %d values are %g (constant data calibrates nothing)", smp.Name, in.Name, len(v), v[0]))
		}
	}
	return nil
}

// newProgress returns a progress bar on w when w is a terminal, or nil.
func newProgress(w io.Writer, n int) *progressbar.ProgressBar {
	return newProgressFor(w, n, "calibrating")
}

// doneProgress finishes and clears a progress bar (nil: none).
func doneProgress(bar *progressbar.ProgressBar) {
	if bar != nil {
		_ = bar.Finish()
		_ = bar.Exit()
	}
}

// newProgressFor is newProgress with another description.
func newProgressFor(w io.Writer, n int, what string) *progressbar.ProgressBar {
	f, ok := w.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return nil
	}
	return progressbar.NewOptions(n,
		progressbar.OptionSetWriter(f),
		progressbar.OptionSetDescription(what),
		progressbar.OptionShowCount(),
		progressbar.OptionSetPredictTime(true),
		progressbar.OptionClearOnFinish(),
		progressbar.OptionThrottle(100_000_000),
	)
}
