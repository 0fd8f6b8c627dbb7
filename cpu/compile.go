package cpu

import (
	"encoding/binary"
	"fmt"
	"math"
	"runtime"
	"time"
	"unsafe"

	"github.com/fp16tool/fp16tool/engine"
	"github.com/fp16tool/fp16tool/graph"
	"github.com/fp16tool/fp16tool/internal/arena"
)

// tensor is one tensor of the compiled model: its shape and its bytes,
// either constant data (owned by the Program, 8-byte aligned) or a window
// of the arena.
type tensor struct {
	idx   int
	name  string
	dtype graph.DType
	shape []int
	n     int
	b     []byte
	konst bool
	src   *graph.Tensor
	// def and last are the first and last step that use a run-time
	// tensor (-1: before the first step, len(steps): after the last).
	def, last int
}

func (t *tensor) f32() []float32 {
	if len(t.b) == 0 {
		return nil
	}
	return unsafe.Slice((*float32)(unsafe.Pointer(&t.b[0])), len(t.b)/4)
}

func (t *tensor) i32() []int32 {
	if len(t.b) == 0 {
		return nil
	}
	return unsafe.Slice((*int32)(unsafe.Pointer(&t.b[0])), len(t.b)/4)
}

func (t *tensor) String() string {
	return fmt.Sprintf("tensor %d %q %s%v", t.idx, t.name, t.dtype, t.shape)
}

// ints returns the values of an INT32 or INT64 constant.
func (t *tensor) ints() ([]int, error) {
	if !t.konst {
		return nil, fmt.Errorf("%v must be a constant", t)
	}
	out := make([]int, t.n)
	switch t.dtype {
	case graph.Int32:
		for i := range out {
			out[i] = int(int32(binary.LittleEndian.Uint32(t.b[4*i:])))
		}
	case graph.Int64:
		for i := range out {
			out[i] = int(int64(binary.LittleEndian.Uint64(t.b[8*i:])))
		}
	default:
		return nil, fmt.Errorf("%v must be INT32 or INT64", t)
	}
	return out, nil
}

// alignedBytes returns a zeroed byte slice of length n whose start is
// 64-byte aligned.
func alignedBytes(n int) []byte {
	if n == 0 {
		return []byte{}
	}
	words := make([]uint64, (n+63)/8+8)
	b := unsafe.Slice((*byte)(unsafe.Pointer(&words[0])), len(words)*8)
	off := int((64 - uintptr(unsafe.Pointer(&b[0]))%64) % 64)
	return b[off : off+n : off+n]
}

// kernel is an op's eval step.
type kernel func() error

// step is one run-time op.
type step struct {
	index int
	name  string
	run   kernel
}

// opCtx is what an op's prepare function sees.
type opCtx struct {
	c     *compiler
	op    *graph.Op
	index int
	in    []*tensor // nil for an omitted optional input
	out   []*tensor
}

func (x *opCtx) errorf(format string, args ...any) error {
	return fmt.Errorf("cpu: %s: op %d (%s): %s", x.c.opt.ModelName(), x.index, x.op.Name(), fmt.Sprintf(format, args...))
}

// opts returns the op's options as T, or the zero T when the op has none
// (TFLite's defaults), or an error when they have another type.
func opts[T any](x *opCtx) (T, error) {
	var zero T
	switch o := x.op.Options.(type) {
	case nil:
		return zero, nil
	case T:
		return o, nil
	case *T:
		if o == nil {
			return zero, nil
		}
		return *o, nil
	}
	return zero, x.errorf("options have type %T, want %T", x.op.Options, zero)
}

// input returns input i, failing when it is missing.
func (x *opCtx) input(i int) (*tensor, error) {
	if i >= len(x.in) || x.in[i] == nil {
		return nil, x.errorf("input %d is missing", i)
	}
	return x.in[i], nil
}

// arity checks the numbers of inputs (min..max, counting omitted optional
// ones) and outputs.
func (x *opCtx) arity(minIn, maxIn, outs int) error {
	if len(x.in) < minIn || len(x.in) > maxIn {
		if minIn == maxIn {
			return x.errorf("has %d inputs, want %d", len(x.in), minIn)
		}
		return x.errorf("has %d inputs, want %d to %d", len(x.in), minIn, maxIn)
	}
	for i := 0; i < minIn; i++ {
		if x.in[i] == nil {
			return x.errorf("input %d is missing", i)
		}
	}
	if outs >= 0 && len(x.out) != outs {
		return x.errorf("has %d outputs, want %d", len(x.out), outs)
	}
	return nil
}

// wantType checks that tensors have element type d.
func (x *opCtx) wantType(d graph.DType, ts ...*tensor) error {
	for _, t := range ts {
		if t != nil && t.dtype != d {
			return x.errorf("%v has type %s, want %s", t, t.dtype, d)
		}
	}
	return nil
}

// checkShape checks that out has the shape the op computes.
func (x *opCtx) checkShape(out *tensor, want []int) error {
	if !sameShape(out.shape, want) {
		return x.errorf("output %v: the op computes shape %v", out, want)
	}
	return nil
}

func sameShape(a, b []int) bool {
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

// prepareFunc validates an op and returns its eval step.
type prepareFunc func(x *opCtx) (kernel, error)

// builtins maps builtin op codes to the prepare functions of their float
// kernels; customs maps custom op names.
//
// qbuiltins and qcustoms are the same for the quantized kernels: lookupOp
// uses them, and only them, for an op whose first input or first output is
// INT8, UINT8 or INT16 (see isQuantizedOp), so QUANTIZE from float32 and
// DEQUANTIZE to float32 are found there too. Each int8 kernel file
// registers itself in its init function (cpu/int8_*.go; the int8 conv,
// depthwise and fully connected kernels in their own files).
var (
	builtins  = map[graph.OpCode]prepareFunc{}
	customs   = map[string]prepareFunc{}
	qbuiltins = map[graph.OpCode]prepareFunc{}
	qcustoms  = map[string]prepareFunc{}
)

// isQuantizedOp reports whether op runs on quantized tensors: its first
// present input or its first output is INT8, UINT8 or INT16.
func isQuantizedOp(sg *graph.Subgraph, op *graph.Op) bool {
	first := func(idx []int) graph.DType {
		for _, i := range idx {
			if i >= 0 && i < len(sg.Tensors) {
				return sg.Tensors[i].Type
			}
		}
		return graph.Float32
	}
	q := func(d graph.DType) bool { return d == graph.Int8 || d == graph.Uint8 || d == graph.Int16 }
	return q(first(op.Inputs)) || q(first(op.Outputs))
}

// lookupOp returns the prepare function of op (a member of sg), or nil.
func lookupOp(sg *graph.Subgraph, op *graph.Op) prepareFunc {
	b, c := builtins, customs
	if isQuantizedOp(sg, op) {
		b, c = qbuiltins, qcustoms
	}
	if op.Code == graph.OpCustom {
		return c[op.Custom]
	}
	return b[op.Code]
}

// Supported reports whether the CPU backend has a float kernel for op (the
// op read as running on float tensors; see SupportedIn for the kernel a
// compiled model would use).
func Supported(op *graph.Op) bool {
	if op.Code == graph.OpCustom {
		return customs[op.Custom] != nil
	}
	return builtins[op.Code] != nil
}

// SupportedIn reports whether the CPU backend has a kernel for op, a member
// of sg, for the element types of its tensors: an int8 kernel when its
// first input or output is INT8, UINT8 or INT16, a float kernel otherwise.
func SupportedIn(sg *graph.Subgraph, op *graph.Op) bool { return lookupOp(sg, op) != nil }

type compiler struct {
	opt     engine.Options
	sg      *graph.Subgraph
	tensors []*tensor
	pool    *pool
}

func shapeInts(s []int32) []int {
	out := make([]int, len(s))
	for i, d := range s {
		out[i] = int(d)
	}
	return out
}

func compile(m *graph.Model, opt engine.Options) (*Program, error) {
	name := opt.ModelName()
	sg := m.Main()
	if sg == nil {
		return nil, fmt.Errorf("cpu: %s: the model has no subgraph", name)
	}
	order, err := sg.TopoOrder()
	if err != nil {
		return nil, fmt.Errorf("cpu: %s: %w", name, err)
	}
	// Check every recorded shape against the op registry's inference, and
	// fill in the ones not recorded (this sets Shape on such tensors of m).
	if err := graph.InferShapes(sg); err != nil {
		return nil, fmt.Errorf("cpu: %s: %w", name, err)
	}
	c := &compiler{opt: opt, sg: sg, tensors: make([]*tensor, len(sg.Tensors)), pool: newPool(opt.NumThreads())}
	ok := false
	defer func() {
		if !ok {
			c.pool.close()
		}
	}()
	for i, gt := range sg.Tensors {
		t := &tensor{idx: i, name: gt.Name, dtype: gt.Type, shape: shapeInts(gt.Shape), src: gt}
		t.n = graph.NumElements(gt.Shape)
		if t.n < 0 {
			return nil, fmt.Errorf("cpu: %s: tensor %d %q has an unknown shape %v", name, i, gt.Name, gt.Shape)
		}
		if gt.IsVariable {
			return nil, fmt.Errorf("cpu: %s: tensor %d %q is a variable; variables are not supported", name, i, gt.Name)
		}
		if gt.IsConst() {
			t.konst = true
			if gt.Sparsity == nil {
				size, ok := gt.Type.ByteSize(t.n)
				if !ok || size != len(gt.Data) {
					return nil, fmt.Errorf("cpu: %s: tensor %d %q: %d bytes of data for %s%v", name, i, gt.Name, len(gt.Data), gt.Type, t.shape)
				}
			}
			t.b = alignedBytes(len(gt.Data))
			copy(t.b, gt.Data)
		}
		c.tensors[i] = t
	}
	isInput := make([]bool, len(sg.Tensors))
	for _, i := range sg.Inputs {
		if i < 0 || i >= len(sg.Tensors) {
			return nil, fmt.Errorf("cpu: %s: input tensor index %d out of range", name, i)
		}
		isInput[i] = true
	}
	// Pass 1: fold the ops whose inputs are all constant, list the others.
	type pending struct {
		x       *opCtx
		prepare prepareFunc
	}
	var rtOps []pending
	ops := sg.Ops
	if !opt.Reference {
		ops = graph.FuseActivations(sg)
	}
	for _, oi := range order {
		op := ops[oi]
		if op == nil {
			continue // fused into its producer
		}
		prep := lookupOp(sg, op)
		if prep == nil {
			return nil, &UnsupportedOpError{Model: name, Index: oi, Op: op.Name()}
		}
		x := &opCtx{c: c, op: op, index: oi}
		if op.Code != graph.OpDensify {
			for _, ti := range op.Inputs {
				if ti >= 0 && ti < len(sg.Tensors) && sg.Tensors[ti].Sparsity != nil {
					return nil, x.errorf("input %v is sparse; only DENSIFY may read a sparse tensor", c.tensors[ti])
				}
			}
		}
		allConst := true
		for _, ti := range op.Inputs {
			if ti < 0 {
				x.in = append(x.in, nil)
				continue
			}
			if ti >= len(c.tensors) {
				return nil, x.errorf("input tensor index %d out of range", ti)
			}
			t := c.tensors[ti]
			x.in = append(x.in, t)
			if !t.konst {
				allConst = false
			}
		}
		for _, ti := range op.Outputs {
			if ti < 0 || ti >= len(c.tensors) {
				return nil, x.errorf("output tensor index %d out of range", ti)
			}
			t := c.tensors[ti]
			if t.konst || isInput[ti] {
				return nil, x.errorf("output %v is a constant or a model input", t)
			}
			x.out = append(x.out, t)
		}
		if allConst {
			for _, t := range x.out {
				size, ok := t.dtype.ByteSize(t.n)
				if !ok {
					return nil, x.errorf("output %v has no fixed element size", t)
				}
				t.b = alignedBytes(size)
			}
			k, err := prep(x)
			if err != nil {
				return nil, err
			}
			if err := k(); err != nil {
				return nil, x.errorf("folding constants: %v", err)
			}
			for _, t := range x.out {
				t.konst = true
			}
			continue
		}
		rtOps = append(rtOps, pending{x, prep})
	}
	// Pass 2: lifetimes of the run-time tensors.
	nsteps := len(rtOps)
	var live []*tensor
	seen := make([]bool, len(c.tensors))
	mark := func(t *tensor, s int) {
		if !seen[t.idx] {
			seen[t.idx] = true
			t.def, t.last = s, s
			live = append(live, t)
		}
		if s < t.def {
			t.def = s
		}
		if s > t.last {
			t.last = s
		}
	}
	for _, i := range sg.Inputs {
		t := c.tensors[i]
		if t.konst {
			continue
		}
		mark(t, -1)
		mark(t, nsteps) // inputs keep their contents across runs
	}
	for s, p := range rtOps {
		for _, t := range p.x.in {
			if t != nil && !t.konst {
				if !seen[t.idx] {
					return nil, p.x.errorf("input %v is neither a model input, a constant nor the output of an earlier op", t)
				}
				mark(t, s)
			}
		}
		for _, t := range p.x.out {
			mark(t, s)
		}
	}
	for _, i := range sg.Outputs {
		if i < 0 || i >= len(c.tensors) {
			return nil, fmt.Errorf("cpu: %s: output tensor index %d out of range", name, i)
		}
		t := c.tensors[i]
		if !t.konst {
			if !seen[t.idx] {
				return nil, fmt.Errorf("cpu: %s: output %v is never computed", name, t)
			}
			mark(t, nsteps)
		}
	}
	// Pass 3: place the run-time tensors in one arena, largest first, at
	// the lowest offset free during their lifetime (greedy by size).
	size, err := planArena(live)
	if err != nil {
		return nil, fmt.Errorf("cpu: %s: %w", name, err)
	}
	arena := alignedBytes(size)
	for _, t := range live {
		n, _ := t.dtype.ByteSize(t.n)
		t.b = arena[t.def : t.def+n : t.def+n] // t.def holds the offset after planArena
	}
	// Pass 4: prepare the run-time ops on their arena windows.
	p := &Program{arena: arena, opt: opt, pool: c.pool}
	for _, r := range rtOps {
		k, err := r.prepare(r.x)
		if err != nil {
			return nil, err
		}
		p.steps = append(p.steps, step{index: r.x.index, name: r.x.op.Name(), run: k})
	}
	for _, i := range sg.Inputs {
		p.inputs = append(p.inputs, c.tensors[i])
	}
	for _, i := range sg.Outputs {
		p.outputs = append(p.outputs, c.tensors[i])
	}
	if opt.Profile {
		p.prof = make([]engine.OpProfile, len(p.steps))
		for i, s := range p.steps {
			p.prof[i] = engine.OpProfile{Index: s.index, Op: s.name}
		}
	}
	ok = true
	// A Program dropped without Close still stops its workers.
	runtime.AddCleanup(p, func(pl *pool) { pl.close() }, c.pool)
	return p, nil
}

// planArena assigns each tensor a 64-byte aligned offset (stored in t.def,
// replacing its first step) such that tensors whose lifetimes overlap do
// not overlap in memory, and returns the arena size (internal/arena.Plan,
// shared with the Vulkan backend).
func planArena(ts []*tensor) (int, error) {
	items := make([]*arena.Item, len(ts))
	for i, t := range ts {
		n, ok := t.dtype.ByteSize(t.n)
		if !ok {
			return 0, fmt.Errorf("%v has no fixed element size", t)
		}
		items[i] = &arena.Item{Size: n, First: t.def, Last: t.last}
	}
	total := arena.Plan(items, 64)
	for i, t := range ts {
		t.def = items[i].Offset
	}
	return total, nil
}

// Program is a model compiled for the CPU.
type Program struct {
	opt             engine.Options
	arena           []byte
	steps           []step
	inputs, outputs []*tensor
	prof            []engine.OpProfile
	pool            *pool
}

func infos(ts []*tensor) []engine.TensorInfo {
	out := make([]engine.TensorInfo, len(ts))
	for i, t := range ts {
		out[i] = engine.TensorInfo{Name: t.name, Index: t.idx, Type: t.dtype, Shape: append([]int(nil), t.shape...)}
	}
	return out
}

// Inputs describes the model's inputs.
func (p *Program) Inputs() []engine.TensorInfo { return infos(p.inputs) }

// Outputs describes the model's outputs.
func (p *Program) Outputs() []engine.TensorInfo { return infos(p.outputs) }

// Input returns input i's buffer.
func (p *Program) Input(i int) []byte { return p.inputs[i].b }

// Output returns output i's buffer.
func (p *Program) Output(i int) []byte { return p.outputs[i].b }

// ArenaBytes returns the size of the arena holding all run-time tensors.
func (p *Program) ArenaBytes() int { return len(p.arena) }

// Run runs one inference.
func (p *Program) Run() error {
	if p.prof != nil {
		for i := range p.steps {
			s := &p.steps[i]
			t0 := time.Now()
			if err := s.run(); err != nil {
				return fmt.Errorf("cpu: %s: op %d (%s): %w", p.opt.ModelName(), s.index, s.name, err)
			}
			p.prof[i].Nanos = time.Since(t0).Nanoseconds()
		}
		return nil
	}
	for i := range p.steps {
		s := &p.steps[i]
		if err := s.run(); err != nil {
			return fmt.Errorf("cpu: %s: op %d (%s): %w", p.opt.ModelName(), s.index, s.name, err)
		}
	}
	return nil
}

// Profile returns the per-op times of the last Run.
func (p *Program) Profile() []engine.OpProfile { return p.prof }

// Close releases the arena and stops the worker goroutines.
func (p *Program) Close() error {
	if p.pool != nil {
		p.pool.close()
	}
	p.arena = nil
	p.steps = nil
	return nil
}

// actRange returns the clamp bounds of a fused activation.
func actRange(x *opCtx, a graph.Activation) (lo, hi float32, err error) {
	switch a {
	case graph.ActNone:
		return float32(math.Inf(-1)), float32(math.Inf(1)), nil
	case graph.ActRelu:
		return 0, float32(math.Inf(1)), nil
	case graph.ActReluN1To1:
		return -1, 1, nil
	case graph.ActRelu6:
		return 0, 6, nil
	}
	return 0, 0, x.errorf("fused activation %s is not supported", a)
}

func clamp(v, lo, hi float32) float32 {
	if v < lo {
		v = lo
	}
	if v > hi {
		v = hi
	}
	return v
}
