package fp16

import (
	"errors"
	"fmt"
	"regexp"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"unsafe"

	"github.com/fp16tool/fp16tool/graph"
	"github.com/fp16tool/fp16tool/internal/hugemem"
)

// ErrRange is wrapped by the error Quantize returns under Options.Strict
// when a tensor has values float16 cannot hold (beyond ±65504, NaN, Inf).
var ErrRange = errors.New("value out of float16 range")

// DequantizeVersion is the DEQUANTIZE op version the TFLite converter
// records for a FLOAT16 input.
const DequantizeVersion = 3

// Options select which float32 constants Quantize converts.
type Options struct {
	// ExcludeOps keeps constants read by any op with one of these codes in
	// float32 (selective conversion, --exclude-ops).
	ExcludeOps []graph.OpCode
	// ExcludeTensors keeps constants whose name matches in float32
	// (--exclude-tensors), when not nil.
	ExcludeTensors *regexp.Regexp
	// Strict turns clamped values and NaN/Inf in a converted tensor into
	// an error wrapping ErrRange instead of a warning.
	Strict bool
}

// Reasons recorded in a Decision.
const (
	ReasonConvert       = "float32 constant"
	ReasonGraphIO       = "subgraph input or output: stays float32"
	ReasonVariable      = "variable tensor: stays float32"
	ReasonUnused        = "not read by any op"
	ReasonExcludeOp     = "read by excluded op"
	ReasonExcludeTensor = "name matches --exclude-tensors"
	ReasonSparse        = "sparse constant not read only through DENSIFY"
)

// Decision is the plan for one float32 constant: convert it or keep it,
// and why.
type Decision struct {
	// Subgraph and Tensor locate the tensor.
	Subgraph int `json:"subgraph"`
	Tensor   int `json:"tensor"`
	// Name is the tensor's name.
	Name string `json:"name"`
	// Shape is the tensor's shape.
	Shape []int32 `json:"shape"`
	// Consumers are the names of the ops that read the tensor (through
	// DENSIFY for sparse constants), each name once.
	Consumers []string `json:"consumers"`
	// Convert reports whether the tensor becomes FLOAT16.
	Convert bool `json:"convert"`
	// Precision is what the tensor is stored as afterwards: "float16" or
	// "float32".
	Precision string `json:"precision"`
	// Reason says why, one of the Reason constants, possibly followed by
	// detail (e.g. the excluded op's name).
	Reason string `json:"reason"`
}

// TensorResult is what happened to one planned tensor.
type TensorResult struct {
	Decision
	// BytesBefore and BytesAfter are the constant's data sizes.
	BytesBefore int `json:"bytes_before"`
	BytesAfter  int `json:"bytes_after"`
	// Stats are the range-safety counts (nil for kept tensors).
	Stats *Stats `json:"stats,omitempty"`
}

// Result is the outcome of Quantize.
type Result struct {
	// Tensors are the planned tensors, converted or kept, in subgraph and
	// tensor order.
	Tensors []TensorResult
	// Converted counts the tensors converted to FLOAT16.
	Converted int
	// Dequantize counts the DEQUANTIZE ops added.
	Dequantize int
	// Warnings are one-line range-safety warnings (clamped values, NaN,
	// Inf, underflow), each naming its tensor.
	Warnings []string
}

// isFloat32Const reports whether t is an unquantized float32 constant.
func isFloat32Const(t *graph.Tensor) bool {
	return t != nil && t.Type == graph.Float32 && t.Data != nil &&
		(t.Quant == nil || len(t.Quant.Scale) == 0)
}

// Plan decides, for every unquantized float32 constant of m, whether
// Quantize converts it and why. It does not change m. It fails on a
// constant whose data size does not match its shape.
func Plan(m *graph.Model, opt Options) ([]Decision, error) {
	var out []Decision
	for si, sg := range m.Subgraphs {
		cons := sg.Consumers()
		io := make(map[int]bool)
		for _, i := range sg.Inputs {
			io[i] = true
		}
		for _, i := range sg.Outputs {
			io[i] = true
		}
		for ti, t := range sg.Tensors {
			if !isFloat32Const(t) {
				continue
			}
			if err := checkSize(si, ti, t); err != nil {
				return nil, err
			}
			d := Decision{Subgraph: si, Tensor: ti, Name: t.Name, Shape: t.Shape}
			readers := cons[ti]
			sparseOK := true
			if t.Sparsity != nil {
				// A sparse constant is read through DENSIFY; what matters is
				// who reads the dense result.
				var through []int
				for _, k := range readers {
					op := sg.Ops[k]
					if op.Code != graph.OpDensify || len(op.Outputs) != 1 || io[op.Outputs[0]] {
						sparseOK = false
						break
					}
					through = append(through, cons[op.Outputs[0]]...)
				}
				readers = through
			}
			for _, k := range readers {
				if n := sg.Ops[k].Name(); !slices.Contains(d.Consumers, n) {
					d.Consumers = append(d.Consumers, n)
				}
			}
			switch {
			case io[ti]:
				d.Reason = ReasonGraphIO
			case t.IsVariable:
				d.Reason = ReasonVariable
			case !sparseOK:
				d.Reason = ReasonSparse
			case len(cons[ti]) == 0:
				d.Reason = ReasonUnused
			case opt.ExcludeTensors != nil && opt.ExcludeTensors.MatchString(t.Name):
				d.Reason = ReasonExcludeTensor
			default:
				for _, k := range readers {
					if slices.Contains(opt.ExcludeOps, sg.Ops[k].Code) {
						d.Reason = ReasonExcludeOp + " " + sg.Ops[k].Name()
						break
					}
				}
				if d.Reason == "" {
					d.Convert = true
					d.Reason = ReasonConvert
				}
			}
			d.Precision = "float32"
			if d.Convert {
				d.Precision = "float16"
			}
			out = append(out, d)
		}
	}
	return out, nil
}

// checkSize verifies that a float32 constant's data fits its shape.
func checkSize(si, ti int, t *graph.Tensor) error {
	if len(t.Data)%4 != 0 {
		return fmt.Errorf("subgraph %d tensor %d %q: %d data bytes is not a whole number of float32 values", si, ti, t.Name, len(t.Data))
	}
	if t.Sparsity != nil {
		return nil
	}
	if n := t.NumElements(); n < 0 || len(t.Data) != 4*n {
		return fmt.Errorf("subgraph %d tensor %d %q: %d data bytes for shape %v (want %d)", si, ti, t.Name, len(t.Data), t.Shape, 4*t.NumElements())
	}
	return nil
}

// dataKey identifies a data slice, so that tensors sharing one buffer keep
// sharing the converted one.
type dataKey struct {
	p *byte
	n int
}

func keyOf(b []byte) dataKey { return dataKey{unsafe.SliceData(b), len(b)} }

// Quantize converts the float32 constants that Plan selects to FLOAT16 and
// inserts one DEQUANTIZE op per converted constant, right before its first
// reader, to a new float32 tensor named "<name>_dequantize" that all its
// readers read instead (as the TFLite converter with
// supported_types=[tf.float16] does). Sparse constants stay sparse: their
// DENSIFY ops then produce FLOAT16 and the DEQUANTIZE follows them.
//
// On error (ErrRange under Strict, or a malformed constant) m is left
// unchanged.
func Quantize(m *graph.Model, opt Options) (*Result, error) {
	plan, err := Plan(m, opt)
	if err != nil {
		return nil, err
	}
	return Apply(m, plan, opt)
}

// Apply carries out a plan made by Plan on the same model (see Quantize).
// Only opt.Strict is used.
func Apply(m *graph.Model, plan []Decision, opt Options) (*Result, error) {
	res := &Result{}
	type job struct {
		src, dst []byte
		st       Stats
	}
	jobs := make(map[dataKey]*job)
	var order []*job
	for _, d := range plan {
		if !d.Convert {
			continue
		}
		t := m.Subgraphs[d.Subgraph].Tensors[d.Tensor]
		k := keyOf(t.Data)
		if jobs[k] == nil {
			jobs[k] = &job{src: t.Data}
			order = append(order, jobs[k])
		}
	}
	// Phase 1: encode, without touching m; one slab for all outputs, the
	// tensors spread over the CPUs (large ones split further by Encode).
	total := 0
	for _, j := range order {
		total += len(j.src) / 2
	}
	slab := hugemem.Make(total)
	for _, j := range order {
		n := len(j.src) / 2
		j.dst, slab = slab[:n:n], slab[n:]
	}
	next := make(chan *job)
	var wg sync.WaitGroup
	for w := 0; w < runtime.GOMAXPROCS(0); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range next {
				j.st = Encode(j.dst, j.src)
			}
		}()
	}
	for _, j := range order {
		next <- j
	}
	close(next)
	wg.Wait()
	newData := make([][]byte, len(plan))
	var errs []string
	for i, d := range plan {
		t := m.Subgraphs[d.Subgraph].Tensors[d.Tensor]
		tr := TensorResult{Decision: d, BytesBefore: len(t.Data), BytesAfter: len(t.Data)}
		if d.Convert {
			j := jobs[keyOf(t.Data)]
			b, st := j.dst, j.st
			newData[i] = b
			tr.BytesAfter = len(b)
			tr.Stats = &st
			res.Converted++
			res.Warnings = append(res.Warnings, rangeWarnings(t.Name, st)...)
			if opt.Strict && (st.Clamped > 0 || st.NaN > 0 || st.Inf > 0) {
				errs = append(errs, strictMessage(t.Name, st))
			}
		}
		res.Tensors = append(res.Tensors, tr)
	}
	if len(errs) > 0 {
		more := ""
		if len(errs) > 1 {
			more = fmt.Sprintf(" (and %d more tensors)", len(errs)-1)
		}
		return nil, fmt.Errorf("%w: %s%s (--strict)", ErrRange, errs[0], more)
	}
	// Phase 2: rewrite each subgraph.
	bySub := make(map[int][]int)
	for i, d := range plan {
		if d.Convert {
			bySub[d.Subgraph] = append(bySub[d.Subgraph], i)
		}
	}
	for si, sg := range m.Subgraphs {
		idx := bySub[si]
		if len(idx) == 0 {
			continue
		}
		res.Dequantize += rewrite(sg, plan, idx, newData)
	}
	return res, nil
}

// rewrite converts the planned tensors of one subgraph and inserts their
// DEQUANTIZE ops; it returns how many it inserted.
func rewrite(sg *graph.Subgraph, plan []Decision, idx []int, newData [][]byte) int {
	cons := sg.Consumers()
	names := make(map[string]bool, len(sg.Tensors))
	for _, t := range sg.Tensors {
		names[t.Name] = true
	}
	// sources are the float16 tensors that get a DEQUANTIZE: the
	// converted constants, or the outputs of the DENSIFY ops reading them.
	var sources []int
	for _, i := range idx {
		t := sg.Tensors[plan[i].Tensor]
		t.Type = graph.Float16
		t.Data = newData[i]
		if t.Sparsity == nil {
			sources = append(sources, plan[i].Tensor)
			continue
		}
		for _, k := range cons[plan[i].Tensor] {
			o := sg.Ops[k].Outputs[0]
			sg.Tensors[o].Type = graph.Float16
			sources = append(sources, o)
		}
	}
	type insert struct {
		before, pos int
		op          *graph.Op
	}
	var ins []insert
	for _, src := range sources {
		readers := cons[src]
		if len(readers) == 0 {
			continue
		}
		t := sg.Tensors[src]
		name := uniqueName(names, t.Name+"_dequantize")
		out := len(sg.Tensors)
		sg.Tensors = append(sg.Tensors, &graph.Tensor{
			Name:           name,
			Type:           graph.Float32,
			Shape:          slices.Clone(t.Shape),
			ShapeSignature: slices.Clone(t.ShapeSignature),
			HasRank:        t.HasRank,
		})
		for _, k := range readers {
			for j, in := range sg.Ops[k].Inputs {
				if in == src {
					sg.Ops[k].Inputs[j] = out
				}
			}
		}
		first := readers[0]
		pos := slices.Index(sg.Ops[first].Inputs, out)
		ins = append(ins, insert{first, pos, &graph.Op{
			Code:    graph.OpDequantize,
			Version: DequantizeVersion,
			Inputs:  []int{src},
			Outputs: []int{out},
		}})
	}
	sort.SliceStable(ins, func(a, b int) bool {
		if ins[a].before != ins[b].before {
			return ins[a].before < ins[b].before
		}
		return ins[a].pos < ins[b].pos
	})
	ops := make([]*graph.Op, 0, len(sg.Ops)+len(ins))
	j := 0
	for k, op := range sg.Ops {
		for j < len(ins) && ins[j].before == k {
			ops = append(ops, ins[j].op)
			j++
		}
		ops = append(ops, op)
	}
	sg.Ops = ops
	return len(ins)
}

// uniqueName returns base, or base followed by the smallest number that
// makes it unused, and records it.
func uniqueName(names map[string]bool, base string) string {
	name := base
	for n := 1; names[name]; n++ {
		name = fmt.Sprintf("%s%d", base, n)
	}
	names[name] = true
	return name
}

// rangeWarnings returns the warnings for one converted tensor.
func rangeWarnings(name string, s Stats) []string {
	var w []string
	if s.Clamped > 0 {
		w = append(w, fmt.Sprintf("tensor %q: %d of %d values beyond ±65504 clamped (largest magnitude %g)", name, s.Clamped, s.Elements, s.MaxAbs))
	}
	if s.NaN > 0 || s.Inf > 0 {
		w = append(w, fmt.Sprintf("tensor %q: %d NaN and %d Inf values", name, s.NaN, s.Inf))
	}
	if s.Underflow > 0 {
		w = append(w, fmt.Sprintf("tensor %q: %d of %d nonzero values underflow to zero in float16", name, s.Underflow, s.Elements))
	}
	return w
}

// strictMessage describes why a tensor fails under --strict.
func strictMessage(name string, s Stats) string {
	var parts []string
	if s.Clamped > 0 {
		parts = append(parts, fmt.Sprintf("%d values beyond ±65504 (largest magnitude %g)", s.Clamped, s.MaxAbs))
	}
	if s.NaN > 0 {
		parts = append(parts, fmt.Sprintf("%d NaN", s.NaN))
	}
	if s.Inf > 0 {
		parts = append(parts, fmt.Sprintf("%d Inf", s.Inf))
	}
	return fmt.Sprintf("tensor %q has %s", name, strings.Join(parts, ", "))
}
