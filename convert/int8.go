package convert

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"regexp"
	"sort"
	"strings"

	"github.com/fp16tool/fp16tool/graph"
	qm "github.com/fp16tool/fp16tool/int8"
)

// The int8 passes (dynamic range and full integer) rewrite the main
// subgraph of a float32 model. The per-op rules come from the registry
// (graph.QuantInfo, after TFLite's operator_property); the arithmetic from
// package int8; op versions from graph.OpVersion.

// DefaultMinElements is TFLite's weights_min_num_elements: the dynamic-range
// pass leaves weights with fewer elements in float32.
const DefaultMinElements = 1024

// ErrNotInteger marks a model that an integer-only target cannot run: some
// float ops have no int8 kernel. The message lists every such op.
var ErrNotInteger = errors.New("model cannot be integer-only")

// ActivationRange is the calibrated range of one float activation tensor:
// what the full-integer pass chooses its quantization parameters from.
type ActivationRange struct {
	Min, Max float32
}

// Int8Options configure the int8 passes.
type Int8Options struct {
	// MinElements: weights with fewer elements stay float32 (dynamic
	// range only; 0 means DefaultMinElements).
	MinElements int
	// IO is the type of the model's inputs and outputs in full-integer
	// models: Float32 (the default, QUANTIZE and DEQUANTIZE at the edges),
	// Int8 or Uint8 (integer-only I/O).
	IO graph.DType
	// IntegerOnly fails with ErrNotInteger, listing every op that has no
	// int8 kernel, instead of keeping such ops in float.
	IntegerOnly bool
	// ExcludeOps and ExcludeTensors keep ops (by code) and tensors (by
	// name) in float.
	ExcludeOps     []graph.OpCode
	ExcludeTensors *regexp.Regexp
	// IntTails keeps output tails in int8, as TFLite's converter writes
	// them, instead of running them in float (see floatTails; only with
	// float I/O).
	IntTails bool
	// Hessians, by op index, are the input second moments of the ops
	// whose weights are rounded by GPTQ (WeightHessians); ops without
	// one round to nearest, as TFLite does.
	Hessians map[int]*qm.Hessian
}

// Int8Tensor is the report entry of one tensor the int8 passes touched.
type Int8Tensor struct {
	// Tensor is the index in the main subgraph of the result; Name its
	// name.
	Tensor int    `json:"tensor"`
	Name   string `json:"name"`
	// Source is, for an activation, the index of the float tensor it
	// stands for (the same in the float model), else -1.
	Source int `json:"source"`
	// Role is "weight", "bias", "constant", "activation", "input" or
	// "output".
	Role string `json:"role"`
	// Ops names the op(s) that read the tensor (or write it, for
	// activations).
	Ops   string  `json:"ops"`
	Shape []int32 `json:"shape"`
	// Type is the type written (INT8, INT32, UINT8, or FLOAT32 when kept).
	Type string `json:"type"`
	// Scale and ZeroPoint are the quantization parameters (one per
	// channel for per-channel weights); Axis the channel axis or -1.
	Scale     []float32 `json:"scale,omitempty"`
	ZeroPoint []int64   `json:"zero_point,omitempty"`
	Axis      int       `json:"axis"`
	// Min and Max are the calibrated (activations) or data (constants)
	// range.
	Min float32 `json:"min"`
	Max float32 `json:"max"`
	// Reason says why the tensor stays float32, when it does.
	Reason string `json:"reason,omitempty"`
}

// Int8Result is what an int8 pass did.
type Int8Result struct {
	// Tensors are the touched tensors, in index order.
	Tensors []Int8Tensor
	// Quantized and Kept count weights (dynamic range) or ops (full
	// integer) by outcome.
	Quantized, Kept int
	// FloatOps are the float ops kept in float, each "op N (NAME): why".
	FloatOps []string
	// FloatTails are the output-tail ops run in float by choice (full
	// integer; see Int8Options.IntTails), each "op N (NAME): why".
	FloatTails []string
	// QuantizeAdded and DequantizeAdded count the ops inserted.
	QuantizeAdded, DequantizeAdded int
	// GPTQ counts the ops whose weights GPTQ rounded (Int8Options.Hessians).
	GPTQ int
	// Warnings are one-line warnings naming their tensor or op.
	Warnings []string
}

// --- helpers ---------------------------------------------------------------

// float32s decodes little-endian float32 data.
func float32s(b []byte) []float32 {
	out := make([]float32, len(b)/4)
	for i := range out {
		out[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
	return out
}

func int8Bytes(q []int8) []byte {
	b := make([]byte, len(q))
	for i, v := range q {
		b[i] = byte(v)
	}
	return b
}

func int32Bytes(q []int32) []byte {
	b := make([]byte, 4*len(q))
	for i, v := range q {
		binary.LittleEndian.PutUint32(b[4*i:], uint32(v))
	}
	return b
}

func intsOf(shape []int32) []int {
	out := make([]int, len(shape))
	for i, d := range shape {
		out[i] = int(d)
	}
	return out
}

func minMax(v []float32) (lo, hi float32) {
	if len(v) == 0 {
		return 0, 0
	}
	lo, hi = float32(math.Inf(1)), float32(math.Inf(-1))
	for _, x := range v {
		if x != x {
			continue
		}
		lo = min(lo, x)
		hi = max(hi, x)
	}
	if lo > hi {
		return 0, 0
	}
	return lo, hi
}

// activationParams returns the int8 parameters of a range, widening an
// empty range (all values equal to 0) so that the scale is positive.
func activationParams(r ActivationRange) qm.Params {
	lo, hi := r.Min, r.Max
	if !(hi-lo > 1e-12) && !(hi-0 > 1e-12) && !(0-lo > 1e-12) {
		lo, hi = -1, 1
	}
	return qm.Asymmetric(lo, hi, qm.Int8Min, qm.Int8Max)
}

// quantOf returns the quantization parameters of an int8 activation:
// scale and zero point only, as TFLite's converter writes them (no min/max:
// the runtime never reads them; the calibrated range is in the report).
func quantOf(p qm.Params) *graph.Quantization {
	return &graph.Quantization{Scale: []float32{p.Scale}, ZeroPoint: []int64{int64(p.ZeroPoint)}}
}

func paramsOf(q *graph.Quantization) qm.Params {
	return qm.Params{Scale: q.Scale[0], ZeroPoint: int32(q.ZeroPoint[0])}
}

func excludedOp(code graph.OpCode, ex []graph.OpCode) bool {
	for _, c := range ex {
		if c == code {
			return true
		}
	}
	return false
}

// addTensor appends t to sg and returns its index.
func addTensor(sg *graph.Subgraph, t *graph.Tensor) int {
	sg.Tensors = append(sg.Tensors, t)
	return len(sg.Tensors) - 1
}

// uniqueTensorName returns base, or base_N, not used in sg.
func uniqueTensorName(names map[string]bool, base string) string {
	n := base
	for i := 2; names[n]; i++ {
		n = fmt.Sprintf("%s_%d", base, i)
	}
	names[n] = true
	return n
}

func tensorNames(sg *graph.Subgraph) map[string]bool {
	names := make(map[string]bool, len(sg.Tensors))
	for _, t := range sg.Tensors {
		names[t.Name] = true
	}
	return names
}

// weightSource is a float32 weight read by an op: a constant, or the
// output of a DENSIFY of a sparse constant (then Sparse is that constant
// and Offsets maps each stored value to its dense element).
type weightSource struct {
	Index   int
	Dense   []float32
	Sparse  int
	Offsets []int
}

// weightOf returns the float32 weight at tensor index ti, or false when
// it is not a constant weight (an activation, another type).
func weightOf(sg *graph.Subgraph, prod []int, ti int) (weightSource, bool, error) {
	t := sg.Tensor(ti)
	if t == nil || t.Type != graph.Float32 {
		return weightSource{}, false, nil
	}
	if t.IsConst() && t.Sparsity == nil {
		return weightSource{Index: ti, Dense: float32s(t.Data), Sparse: -1}, true, nil
	}
	if p := prod[ti]; p >= 0 && sg.Ops[p].Code == graph.OpDensify && len(sg.Ops[p].Inputs) == 1 {
		s := sg.Tensor(sg.Ops[p].Inputs[0])
		if s != nil && s.IsConst() && s.Sparsity != nil && s.Type == graph.Float32 {
			offs, err := graph.SparseOffsets(s.Shape, s.Sparsity, len(s.Data)/4)
			if err != nil {
				return weightSource{}, false, fmt.Errorf("sparse constant %d %q: %v", sg.Ops[p].Inputs[0], s.Name, err)
			}
			vals := float32s(s.Data)
			dense := make([]float32, t.NumElements())
			for i, o := range offs {
				dense[o] = vals[i]
			}
			return weightSource{Index: ti, Dense: dense, Sparse: sg.Ops[p].Inputs[0], Offsets: offs}, true, nil
		}
	}
	return weightSource{}, false, nil
}

// storeInt8Weight writes quantized weights q (dense layout) with quant to
// the weight w: in place for a dense constant, or into the sparse constant
// behind a DENSIFY (whose output then becomes INT8 too).
func storeInt8Weight(sg *graph.Subgraph, w weightSource, q []int8, quant *graph.Quantization) {
	t := sg.Tensors[w.Index]
	if w.Sparse < 0 {
		t.Data = int8Bytes(q)
		t.Type = graph.Int8
		t.Quant = quant
		return
	}
	s := sg.Tensors[w.Sparse]
	vals := make([]int8, len(w.Offsets))
	for i, o := range w.Offsets {
		vals[i] = q[o]
	}
	s.Data = int8Bytes(vals)
	s.Type = graph.Int8
	s.Quant = quant
	t.Type = graph.Int8
	t.Quant = quant
}

// soleReader reports whether weight w (and its sparse constant) is read
// only by op k, and is no subgraph output.
func soleReader(sg *graph.Subgraph, cons [][]int, outs map[int]bool, w weightSource, k int) bool {
	if len(cons[w.Index]) != 1 || cons[w.Index][0] != k || outs[w.Index] {
		return false
	}
	if w.Sparse >= 0 && len(cons[w.Sparse]) != 1 {
		return false
	}
	return true
}

// cloneWeight gives op its own copy of weight w (and of the sparse
// constant behind it), so that quantizing it leaves other readers alone;
// it returns the new source and, for a sparse weight, the DENSIFY op that
// the caller must place before op.
func cloneWeight(sg *graph.Subgraph, names map[string]bool, w weightSource, op *graph.Op, slot int) (weightSource, *graph.Op) {
	t := *sg.Tensors[w.Index]
	t.Name = uniqueTensorName(names, t.Name+"_q")
	t.Data = append([]byte(nil), t.Data...)
	if w.Sparse < 0 {
		w.Index = addTensor(sg, &t)
		op.Inputs[slot] = w.Index
		return w, nil
	}
	s := *sg.Tensors[w.Sparse]
	s.Name = uniqueTensorName(names, s.Name+"_q")
	w.Sparse = addTensor(sg, &s)
	t.Data = nil
	w.Index = addTensor(sg, &t)
	op.Inputs[slot] = w.Index
	return w, &graph.Op{Code: graph.OpDensify, Version: 1, Inputs: []int{w.Sparse}, Outputs: []int{w.Index}}
}

func shapeStr(s []int32) string { return fmt.Sprint(s) }

func opLabel(k int, op *graph.Op) string { return fmt.Sprintf("op %d (%s)", k, op.Name()) }

// float compute: an op reading or writing a FLOAT32 tensor.
func isFloatOp(sg *graph.Subgraph, op *graph.Op) bool {
	for _, l := range [][]int{op.Inputs, op.Outputs} {
		for _, i := range l {
			if t := sg.Tensor(i); t != nil && t.Type == graph.Float32 {
				return true
			}
		}
	}
	return false
}

func sortTensors(r *Int8Result) {
	sort.SliceStable(r.Tensors, func(i, j int) bool { return r.Tensors[i].Tensor < r.Tensors[j].Tensor })
}

func joinOps(names []string) string { return strings.Join(names, ", ") }

// LayerError is one entry of the per-layer report: how far a quantized
// tensor of the int8 model is from the float model's on the calibration
// data (what TFLite's QuantizationDebugger reports).
type LayerError struct {
	// Tensor and Name identify the float tensor; Op is its producer.
	Tensor int    `json:"tensor"`
	Name   string `json:"name"`
	// Source is, for an activation, the index of the float tensor it
	// stands for (the same in the float model), else -1.
	Source int    `json:"source"`
	Op     string `json:"op"`
	// Scale and ZeroPoint are its int8 parameters; Min and Max its
	// calibrated range.
	Scale     float32 `json:"scale"`
	ZeroPoint int64   `json:"zero_point"`
	Min       float32 `json:"min"`
	Max       float32 `json:"max"`
	// RMSEOverScale is the root mean square error divided by the scale
	// (0.29 is the error of rounding alone); SNR is the signal-to-noise
	// ratio in dB (float model's power over the error's).
	RMSEOverScale float64 `json:"rmse_over_scale"`
	SNR           float64 `json:"snr_db"`
	// Method says how the int8 values were obtained: "fake-quant" (the
	// float model's tensor quantized and dequantized with the tensor's
	// parameters) or "int8" (the int8 model run on the CPU).
	Method string `json:"method"`
	// Clip, when not 0, says that the tensor's only readers are LOGISTIC
	// or TANH ops, whose int8 outputs no longer change beyond ±Clip: the
	// float values were compared clipped to ±Clip, so that a logit the
	// int8 model saturates on purpose does not count as an error.
	Clip float32 `json:"clip,omitempty"`
}
