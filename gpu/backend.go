package gpu

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/fp16tool/fp16tool/cpu"
	"github.com/fp16tool/fp16tool/engine"
	"github.com/fp16tool/fp16tool/graph"
	"github.com/fp16tool/fp16tool/internal/arena"
)

// Backend is the Vulkan backend; its registry name is "vulkan". It
// compiles a model's main subgraph into one Sequence of compute dispatches
// on the best Vulkan device (discrete, integrated, virtual, then CPU):
//
//   - ops whose inputs are all constant (DEQUANTIZE of float16 weights,
//     DENSIFY of sparse ones, shape arithmetic) are folded at compile time
//     by the CPU backend's kernels;
//   - RELU, RELU6 and RELU_N1_TO_1 after a convolution, FULLY_CONNECTED,
//     ADD, SUB or MUL become its fused activation (graph.FuseActivations);
//   - RESHAPE, SQUEEZE and EXPAND_DIMS alias their input's buffer;
//   - weights are uploaded once in the storage precision; activations live
//     in one device buffer whose memory is reused by lifetime
//     (internal/arena, the CPU backend's planner);
//   - inputs and outputs are float32 host-visible buffers, converted on
//     the device by the cast kernels, so Program.Input and Output are
//     float32 bytes as on the CPU backend.
//
// engine.Options.Precision chooses fp16, fp32acc or fp32 (default: the
// device's RecommendedPrecision); Options.Profile gives per-op GPU times
// from timestamp queries. Programs share one device per process: runs of
// different Programs are serialized.
type Backend struct{}

func init() { engine.Register(Backend{}) }

// Name returns "vulkan".
func (Backend) Name() string { return "vulkan" }

// Available returns nil when a Vulkan device can be opened, or an error
// wrapping ErrNoVulkan that says why not.
func (Backend) Available() error { return Available() }

// Compile compiles m's main subgraph for the process's Vulkan device.
func (Backend) Compile(m *graph.Model, opt engine.Options) (engine.Program, error) {
	p, err := Compile(m, opt)
	if err != nil {
		return nil, err
	}
	return p, nil
}

// UnsupportedOpError is returned by Compile for an op the Vulkan backend
// has no kernel for (errors.As finds it; the conformance test skips such
// cases by name).
type UnsupportedOpError struct {
	// Model names the model (engine.Options.Name, or "model").
	Model string
	// Index is the op's index in the main subgraph.
	Index int
	// Op is the op's display name (builtin name or custom code).
	Op string
	// Others are the other op types of the model without a kernel.
	Others []string
}

// Error returns "vulkan: MODEL: op INDEX: OP has no Vulkan kernel", with
// the other op types lacking one.
func (e *UnsupportedOpError) Error() string {
	msg := fmt.Sprintf("vulkan: %s: op %d: %s has no Vulkan kernel", e.Model, e.Index, e.Op)
	if len(e.Others) > 0 {
		msg += fmt.Sprintf(" (nor %s)", strings.Join(e.Others, ", "))
	}
	return msg
}

// TileEnv names the environment variable that, when set to MxN, gives
// the register tile of the Vulkan backend's GEMM and convolution kernels
// instead of TileFor the device (for example the best tile `fp16tool
// devices --tune` reports).
const TileEnv = "FP16TOOL_GPU_TILE"

// deviceCache is a device, opened on first use (or the error opening it
// gave), and its kernel caches, one per precision. sharedMu guards every
// deviceCache and serializes everything that uses a device's queue:
// compiling (uploads) and Program.Run.
type deviceCache struct {
	opts    Options
	dev     *Device
	err     error
	kernels map[Precision]*Kernels
}

var (
	sharedMu sync.Mutex
	// defaultDevice is the device Compile uses: the best one.
	defaultDevice = &deviceCache{opts: DefaultOptions()}
)

// device returns the cache's device; sharedMu must be held.
func (c *deviceCache) device() (*Device, error) {
	if c.dev == nil && c.err == nil {
		c.dev, c.err = Open(c.opts)
		c.kernels = map[Precision]*Kernels{}
	}
	return c.dev, c.err
}

// kernelsFor returns the kernels of precision p; sharedMu must be held and
// the device open.
func (c *deviceCache) kernelsFor(p Precision) (*Kernels, error) {
	if k := c.kernels[p]; k != nil {
		return k, nil
	}
	var t Tile
	if s := os.Getenv(TileEnv); s != "" {
		if n, err := fmt.Sscanf(s, "%dx%d", &t.M, &t.N); n != 2 || err != nil {
			return nil, fmt.Errorf("%s=%q: want MxN, for example 8x2", TileEnv, s)
		}
	}
	k, err := NewKernels(c.dev, p, t)
	if err != nil {
		return nil, err
	}
	c.kernels[p] = k
	return k, nil
}

// close frees the kernels and the device (for tests' own devices).
func (c *deviceCache) close() {
	sharedMu.Lock()
	defer sharedMu.Unlock()
	for _, k := range c.kernels {
		k.Close()
	}
	if c.dev != nil {
		c.dev.Close()
	}
	c.dev, c.kernels = nil, nil
}

// SharedDevice returns the description of the device the backend compiles
// for (opening it if no Compile did yet), or an error wrapping ErrNoVulkan.
func SharedDevice() (DeviceInfo, error) {
	sharedMu.Lock()
	defer sharedMu.Unlock()
	d, err := defaultDevice.device()
	if err != nil {
		return DeviceInfo{}, err
	}
	return d.Info(), nil
}

// ChoosePrecision returns the precision name s asks for ("" for the
// device's recommendation), checked against the device.
func ChoosePrecision(info DeviceInfo, s string) (Precision, error) {
	if s == "" {
		return info.RecommendedPrecision(), nil
	}
	p, err := ParsePrecision(s)
	if err != nil {
		return 0, err
	}
	if !info.Supports(p) {
		return 0, fmt.Errorf("%s does not support GPU precision %v (shaderFloat16=%v, storageBuffer16BitAccess=%v); use %v",
			info.Name, p, info.ShaderFloat16, info.StorageBuffer16BitAccess, info.RecommendedPrecision())
	}
	return p, nil
}

// tensor is one tensor of a model compiled for the GPU.
type tensor struct {
	idx   int
	name  string
	dtype graph.DType
	shape []int
	n     int
	// data holds a constant's bytes (little endian, in dtype; also the
	// results of folding), nil for a run-time tensor.
	data []byte
	src  *graph.Tensor
	// buf is a run-time tensor's device buffer in the storage precision
	// (a view of the activation arena, shared with its alias root).
	buf *Buffer
	// root is the tensor whose memory an alias (RESHAPE...) shares; the
	// tensor itself otherwise.
	root *tensor
	// first and last are the steps the root's memory is alive in.
	first, last int
	seen        bool
}

func (t *tensor) String() string {
	return fmt.Sprintf("tensor %d %q %s%v", t.idx, t.name, t.dtype, t.shape)
}

func (t *tensor) konst() bool { return t.data != nil }

// opPrepare validates one op and records its dispatches (see opCtx).
type opPrepare func(x *opCtx) error

// The op registry. gpuOps maps builtin op codes, gpuCustoms custom op
// names, to prepare functions; each op file registers its ops from an init
// function, for example
//
//	func init() { gpuOps[graph.OpMaxPool2D] = preparePool }
//
// A prepare function runs once, at compile time, after memory is planned:
// it checks the op (x.arity, opts[T](x), shapes in x.in[i].shape and
// x.out[i].shape), gets device buffers with x.buffer (run-time tensors'
// views of the arena, or constants uploaded once in the storage precision)
// and records its dispatches with x.k's Kernels methods into x.seq.
// Errors come from x.errorf, which names the model, the op and its index.
// Inputs and outputs of run-time ops are FLOAT32 (the compiler checks);
// constant inputs may have any type (read them with x.floats or x.ints).
//
// gpuAliases lists the ops whose output shares its first input's buffer
// (their prepare function only checks the element counts).
var (
	gpuOps     = map[graph.OpCode]opPrepare{}
	gpuCustoms = map[string]opPrepare{}
	gpuAliases = map[graph.OpCode]bool{}
)

func lookupOp(op *graph.Op) opPrepare {
	if op.Code == graph.OpCustom {
		return gpuCustoms[op.Custom]
	}
	return gpuOps[op.Code]
}

// Supported reports whether the Vulkan backend has a kernel for op when
// it runs on run-time tensors (an op on constants only is folded by the
// CPU backend instead).
func Supported(op *graph.Op) bool { return lookupOp(op) != nil }

// opCtx is what a GPU op's prepare function sees.
type opCtx struct {
	c     *compiler
	op    *graph.Op
	index int
	in    []*tensor // nil for an omitted optional input
	out   []*tensor
	k     *Kernels
	seq   *Sequence
}

func (x *opCtx) errorf(format string, args ...any) error {
	return fmt.Errorf("vulkan: %s: op %d (%s): %s", x.c.name, x.index, x.op.Name(), fmt.Sprintf(format, args...))
}

// opts returns the op's options as T (graph.OptionsAs), or the zero T
// when the op has none.
func opts[T any](x *opCtx) (T, error) {
	o, err := graph.OptionsAs[T](x.op)
	if err != nil {
		return o, x.errorf("%v", err)
	}
	return o, nil
}

// arity checks the numbers of inputs (min..max, counting omitted optional
// ones; the first min must be present) and outputs.
func (x *opCtx) arity(minIn, maxIn, outs int) error {
	if len(x.in) < minIn || len(x.in) > maxIn {
		return x.errorf("has %d inputs, want %d to %d", len(x.in), minIn, maxIn)
	}
	for i := range minIn {
		if x.in[i] == nil {
			return x.errorf("input %d is missing", i)
		}
	}
	if outs >= 0 && len(x.out) != outs {
		return x.errorf("has %d outputs, want %d", len(x.out), outs)
	}
	return nil
}

// optIn returns input i, or nil when it is omitted or absent.
func (x *opCtx) optIn(i int) *tensor {
	if i < len(x.in) {
		return x.in[i]
	}
	return nil
}

// buffer returns t's device buffer: a run-time tensor's view of the arena,
// or a FLOAT32 constant encoded in the storage precision and uploaded once
// (cached per tensor).
func (x *opCtx) buffer(t *tensor) (*Buffer, error) {
	if t == nil {
		return nil, x.errorf("buffer of a missing tensor")
	}
	if !t.konst() {
		if t.buf == nil {
			return nil, x.errorf("%v has no device buffer", t)
		}
		return t.buf, nil
	}
	key := constKey{t.idx, x.k.Precision()}
	if b := x.c.constBufs[key]; b != nil {
		return b, nil
	}
	v, err := x.floats(t)
	if err != nil {
		return nil, err
	}
	b, err := x.upload(v)
	if err != nil {
		return nil, err
	}
	x.c.constBufs[key] = b
	return b, nil
}

// floats returns the values of a FLOAT32 constant.
func (x *opCtx) floats(t *tensor) ([]float32, error) {
	if !t.konst() || t.dtype != graph.Float32 {
		return nil, x.errorf("%v must be a FLOAT32 constant", t)
	}
	out := make([]float32, t.n)
	for i := range out {
		out[i] = math.Float32frombits(binary.LittleEndian.Uint32(t.data[4*i:]))
	}
	return out, nil
}

// ints returns the values of an INT32 or INT64 constant.
func (x *opCtx) ints(t *tensor) ([]int, error) {
	if t == nil || !t.konst() {
		return nil, x.errorf("%v must be a constant", t)
	}
	v, err := graph.DecodeInts(t.dtype, t.data, t.n)
	if err != nil {
		return nil, x.errorf("%v: %v", t, err)
	}
	return v, nil
}

// upload returns a new constant buffer holding vals in the storage
// precision (for weights a kernel wants reordered or padded).
func (x *opCtx) upload(vals []float32) (*Buffer, error) {
	b, err := x.c.consts.put(x.k.Precision().Encode(nil, vals))
	if err != nil {
		return nil, x.errorf("uploading %d values: %v", len(vals), err)
	}
	return b, nil
}

// uploadRaw returns a new constant buffer holding data as it is (int32
// indices, float32 tables...).
func (x *opCtx) uploadRaw(data []byte) (*Buffer, error) {
	b, err := x.c.consts.put(data)
	if err != nil {
		return nil, x.errorf("uploading %d bytes: %v", len(data), err)
	}
	return b, nil
}

// zeros returns a constant buffer of n zeros in the storage precision (a
// missing bias), shared by the ops of one Program.
func (x *opCtx) zeros(n int) (*Buffer, error) {
	key := constKey{n, x.k.Precision()}
	if b := x.c.zeroBufs[key]; b != nil {
		return b, nil
	}
	b, err := x.upload(make([]float32, n))
	if err != nil {
		return nil, err
	}
	x.c.zeroBufs[key] = b
	return b, nil
}

// scratch returns a device buffer of size bytes that only this op uses
// (contents undefined at each dispatch), owned by the Program.
func (x *opCtx) scratch(size int) (*Buffer, error) {
	b, err := x.c.dev.NewBuffer(size)
	if err != nil {
		return nil, x.errorf("scratch buffer of %d bytes: %v", size, err)
	}
	x.c.owned = append(x.c.owned, b)
	return b, nil
}

// constPool sub-allocates constant buffers from a few large ones.
type constPool struct {
	d      *Device
	align  int
	blocks []*Buffer
	used   int
}

const constBlock = 16 << 20

func (c *constPool) put(data []byte) (*Buffer, error) {
	size := max((len(data)+3)&^3, 4)
	var cur *Buffer
	if n := len(c.blocks); n > 0 {
		cur = c.blocks[n-1]
	}
	if cur == nil || c.used+size > cur.Size() {
		b, err := c.d.NewBuffer(max(constBlock, size))
		if err != nil {
			return nil, err
		}
		c.blocks = append(c.blocks, b)
		cur, c.used = b, 0
	}
	v, err := cur.View(c.used, size)
	if err != nil {
		return nil, err
	}
	c.used = (c.used + size + c.align - 1) / c.align * c.align
	if err := v.Write(0, data); err != nil {
		return nil, err
	}
	return v, nil
}

type compiler struct {
	name      string
	dev       *Device
	sg        *graph.Subgraph
	tensors   []*tensor
	consts    *constPool
	constBufs map[constKey]*Buffer
	zeroBufs  map[constKey]*Buffer
	owned     []*Buffer
}

// constKey names a constant buffer: a tensor's values (or n zeros) in one
// storage precision.
type constKey struct {
	n int
	p Precision
}

// pending is a run-time op awaiting its prepare call.
type pending struct {
	x       *opCtx
	prepare opPrepare
}

// Compile is Backend{}.Compile returning the concrete *Program.
func Compile(m *graph.Model, opt engine.Options) (*Program, error) {
	return compileOn(m, opt, defaultDevice)
}

// compileOn compiles m for the device of cache on.
func compileOn(m *graph.Model, opt engine.Options, on *deviceCache) (*Program, error) {
	name := opt.ModelName()
	sg, order, err := m.CompileOrder()
	if err != nil {
		return nil, fmt.Errorf("vulkan: %s: %w", name, err)
	}
	c := &compiler{name: name, sg: sg, tensors: make([]*tensor, len(sg.Tensors)),
		constBufs: map[constKey]*Buffer{}, zeroBufs: map[constKey]*Buffer{}}
	for i, gt := range sg.Tensors {
		t := &tensor{idx: i, name: gt.Name, dtype: gt.Type, shape: graph.IntShape(gt.Shape), src: gt, data: gt.Data}
		t.root = t
		if t.n = graph.NumElements(gt.Shape); t.n < 0 {
			return nil, fmt.Errorf("vulkan: %s: %v has an unknown shape", name, t)
		}
		if gt.IsVariable {
			return nil, fmt.Errorf("vulkan: %s: %v is a variable; variables are not supported", name, t)
		}
		c.tensors[i] = t
	}
	isInput := make([]bool, len(sg.Tensors))
	for _, i := range sg.Inputs {
		isInput[i] = true
	}
	// Pass 1: the ops on constants only are folded; the others need a GPU
	// kernel.
	ops := graph.FuseActivations(sg)
	var fold []*graph.Op
	folded := make([]bool, len(sg.Tensors))
	var rt []pending
	var unsupported *UnsupportedOpError
	for _, oi := range order {
		op := ops[oi]
		if op == nil {
			continue
		}
		x := &opCtx{c: c, op: op, index: oi}
		allConst := true
		for _, ti := range op.Inputs {
			if ti < 0 {
				x.in = append(x.in, nil)
				continue
			}
			if ti >= len(c.tensors) {
				return nil, x.errorf("input tensor index %d out of range", ti)
			}
			x.in = append(x.in, c.tensors[ti])
			if !c.tensors[ti].konst() && !folded[ti] {
				allConst = false
			}
		}
		for _, ti := range op.Outputs {
			if ti < 0 || ti >= len(c.tensors) {
				return nil, x.errorf("output tensor index %d out of range", ti)
			}
			if c.tensors[ti].konst() || isInput[ti] {
				return nil, x.errorf("output %v is a constant or a model input", c.tensors[ti])
			}
			x.out = append(x.out, c.tensors[ti])
		}
		if allConst && len(op.Inputs) > 0 {
			if !cpu.SupportedIn(sg, op) {
				return nil, x.errorf("folding constants: the CPU backend has no kernel for %s", op.Name())
			}
			fold = append(fold, op)
			for _, ti := range op.Outputs {
				folded[ti] = true
			}
			continue
		}
		prep := lookupOp(op)
		switch {
		case prep == nil && unsupported == nil:
			unsupported = &UnsupportedOpError{Model: name, Index: oi, Op: op.Name()}
		case prep == nil && op.Name() != unsupported.Op && !slices.Contains(unsupported.Others, op.Name()):
			unsupported.Others = append(unsupported.Others, op.Name())
		}
		rt = append(rt, pending{x, prep})
	}
	if unsupported != nil {
		return nil, unsupported
	}
	if err := c.fold(fold, folded); err != nil {
		return nil, err
	}
	// Pass 2: run-time tensors are FLOAT32; aliases share their root's
	// memory; lifetimes of the roots in steps (-1: the input casts,
	// len(rt): the output casts).
	for _, p := range rt {
		for _, t := range append(append([]*tensor(nil), p.x.in...), p.x.out...) {
			if t != nil && !t.konst() && t.dtype != graph.Float32 {
				return nil, p.x.errorf("%v: run-time tensors must be FLOAT32 on the GPU", t)
			}
		}
		if gpuAliases[p.x.op.Code] && len(p.x.in) > 0 && len(p.x.out) == 1 && p.x.in[0] != nil && !p.x.in[0].konst() {
			p.x.out[0].root = p.x.in[0].root
		}
	}
	var roots []*tensor
	mark := func(t *tensor, s int) {
		r := t.root
		if !r.seen {
			r.seen, r.first, r.last = true, s, s
			roots = append(roots, r)
		}
		r.first, r.last = min(r.first, s), max(r.last, s)
	}
	for _, i := range sg.Inputs {
		if t := c.tensors[i]; !t.konst() {
			if t.dtype != graph.Float32 {
				return nil, fmt.Errorf("vulkan: %s: input %v: model inputs must be FLOAT32 on the GPU", name, t)
			}
			mark(t, -1)
		}
	}
	computed := make([]bool, len(sg.Tensors))
	for _, i := range sg.Inputs {
		computed[i] = true
	}
	for s, p := range rt {
		for _, t := range p.x.in {
			if t != nil && !t.konst() {
				if !computed[t.idx] {
					return nil, p.x.errorf("input %v is neither a model input, a constant nor the output of an earlier op", t)
				}
				mark(t, s)
			}
		}
		for _, t := range p.x.out {
			computed[t.idx] = true
			mark(t, s)
		}
	}
	for _, i := range sg.Outputs {
		t := c.tensors[i]
		if t.konst() {
			continue
		}
		if !computed[i] {
			return nil, fmt.Errorf("vulkan: %s: output %v is never computed", name, t)
		}
		if t.dtype != graph.Float32 {
			return nil, fmt.Errorf("vulkan: %s: output %v: model outputs must be FLOAT32 on the GPU", name, t)
		}
		mark(t, len(rt))
	}
	// Pass 3: on the device.
	sharedMu.Lock()
	defer sharedMu.Unlock()
	dev, err := on.device()
	if err != nil {
		return nil, fmt.Errorf("vulkan: %s: %w", name, err)
	}
	info := dev.Info()
	prec, err := ChoosePrecision(info, opt.Precision)
	if err != nil {
		return nil, fmt.Errorf("vulkan: %s: %w", name, err)
	}
	k, err := on.kernelsFor(prec)
	if err != nil {
		return nil, fmt.Errorf("vulkan: %s: %w", name, err)
	}
	align := max(64, int(info.Limits.MinStorageBufferOffsetAlign))
	pl, roots := planPrecision(rt, prec, roots, c.fp32Steps(rt, prec))
	kern := map[Precision]*Kernels{prec: k}
	for _, q := range pl.op {
		if kern[q] == nil {
			if kern[q], err = on.kernelsFor(q); err != nil {
				return nil, fmt.Errorf("vulkan: %s: %w", name, err)
			}
		}
	}
	c.dev = dev
	c.consts = &constPool{d: dev, align: align}
	p := &Program{name: name, dev: dev, prec: prec, seq: dev.NewSequence(), fp32Ops: pl.fp32Ops, fp32Index: pl.fp32Index(rt)}
	ok := false
	defer func() {
		if !ok {
			p.release(c)
		}
	}()
	items := make([]*arena.Item, len(roots))
	for i, r := range roots {
		items[i] = &arena.Item{Size: max(r.n*pl.store[r].ElemSize(), 4), First: r.first, Last: r.last}
		if pl.store[r] != prec {
			p.fp32Bytes += items[i].Size
		}
	}
	if total := arena.Plan(items, align); total > 0 {
		if p.arena, err = dev.NewBuffer(total); err != nil {
			return nil, fmt.Errorf("vulkan: %s: activation arena of %d bytes: %w", name, total, err)
		}
		for i, r := range roots {
			if r.buf, err = p.arena.View(items[i].Offset, items[i].Size); err != nil {
				return nil, fmt.Errorf("vulkan: %s: %v: %w", name, r, err)
			}
		}
		p.arenaBytes = total
	}
	for _, t := range append(c.tensors, pl.subs...) {
		if t.root != t {
			t.buf = t.root.buf
		}
	}
	// Inputs: float32 host buffers, cast on the device.
	for _, i := range sg.Inputs {
		t := c.tensors[i]
		h, err := dev.NewHostBuffer(max(4*t.n, 4))
		if err != nil {
			return nil, fmt.Errorf("vulkan: %s: input %v: %w", name, t, err)
		}
		p.host = append(p.host, h)
		p.inputs = append(p.inputs, ioOf(t, h))
		if t.konst() || t.buf == nil || t.n == 0 {
			continue
		}
		if err := kern[pl.store[t.root]].CastIn(p.seq, t.n, h, t.buf); err != nil {
			return nil, fmt.Errorf("vulkan: %s: input %v: %w", name, t, err)
		}
		p.steps = append(p.steps, stepRange{index: -1, name: "CAST_IN", end: p.seq.Len()})
	}
	for s, r := range rt {
		for _, cv := range pl.casts[s] {
			cast := k.CastIn
			if pl.store[cv.dst] == FP32 {
				cast = k.CastOut
			}
			if err := cast(p.seq, cv.src.n, cv.src.buf, cv.dst.buf); err != nil {
				return nil, r.x.errorf("converting %v to %v: %v", cv.src, pl.store[cv.dst], err)
			}
			p.steps = append(p.steps, stepRange{index: -1, name: "CAST_" + strings.ToUpper(pl.store[cv.dst].String()), end: p.seq.Len()})
		}
		r.x.k, r.x.seq = kern[pl.op[s]], p.seq
		if err := r.prepare(r.x); err != nil {
			return nil, err
		}
		p.steps = append(p.steps, stepRange{index: r.x.index, name: r.x.op.Name(), end: p.seq.Len()})
	}
	for _, i := range sg.Outputs {
		t := c.tensors[i]
		h, err := dev.NewHostBuffer(max(len(t.data), 4*t.n, 4))
		if err != nil {
			return nil, fmt.Errorf("vulkan: %s: output %v: %w", name, t, err)
		}
		p.host = append(p.host, h)
		p.outputs = append(p.outputs, ioOf(t, h))
		if t.konst() {
			copy(h.Bytes(), t.data)
			continue
		}
		if t.n == 0 {
			continue
		}
		if err := kern[pl.store[t.root]].CastOut(p.seq, t.n, t.buf, h); err != nil {
			return nil, fmt.Errorf("vulkan: %s: output %v: %w", name, t, err)
		}
		p.steps = append(p.steps, stepRange{index: -1, name: "CAST_OUT", end: p.seq.Len()})
	}
	p.consts, p.owned = c.consts.blocks, c.owned
	p.dispatches = p.seq.Len()
	if opt.Profile {
		p.prof = make([]engine.OpProfile, len(p.steps))
		for i, s := range p.steps {
			p.prof[i] = engine.OpProfile{Index: s.index, Op: s.name}
		}
	}
	ok = true
	return p, nil
}

// fold computes the outputs of the ops on constants with the CPU backend
// (the same kernels, so DEQUANTIZE and DENSIFY give the CPU's bytes) and
// makes them constants.
func (c *compiler) fold(ops []*graph.Op, folded []bool) error {
	if len(ops) == 0 {
		return nil
	}
	sub := &graph.Subgraph{Tensors: c.sg.Tensors, Ops: ops}
	for i, f := range folded {
		if f {
			sub.Outputs = append(sub.Outputs, i)
		}
	}
	p, err := cpu.Compile(&graph.Model{Version: 3, Subgraphs: []*graph.Subgraph{sub}},
		engine.Options{Threads: 1, Name: c.name})
	if err != nil {
		return fmt.Errorf("vulkan: folding constants with the CPU backend: %w", err)
	}
	defer p.Close()
	for k, i := range sub.Outputs {
		c.tensors[i].data = append([]byte(nil), p.Output(k)...)
	}
	return nil
}

// stepRange is one op's commands in the sequence: those before end and
// from the previous step's end.
type stepRange struct {
	index int
	name  string
	end   int
}

// ioBuffer is a model input or output: its description and its float32
// bytes in host-visible memory (the first size bytes of host).
type ioBuffer struct {
	info engine.TensorInfo
	host *Buffer
	size int
}

func ioOf(t *tensor, h *Buffer) ioBuffer {
	size, _ := t.dtype.ByteSize(t.n)
	return ioBuffer{engine.TensorInfo{Name: t.name, Index: t.idx, Type: t.dtype, Shape: append([]int(nil), t.shape...)}, h, min(size, h.Size())}
}

// Program is a model compiled for a Vulkan device.
type Program struct {
	name            string
	dev             *Device
	prec            Precision
	seq             *Sequence
	arena           *Buffer
	arenaBytes      int
	consts, owned   []*Buffer
	host            []*Buffer
	inputs, outputs []ioBuffer
	steps           []stepRange
	prof            []engine.OpProfile
	dispatches      int
	fp32Ops         int
	fp32Bytes       int
	fp32Index       []int
	closed          bool
}

// Inputs describes the model's inputs.
func (p *Program) Inputs() []engine.TensorInfo { return infos(p.inputs) }

// Outputs describes the model's outputs.
func (p *Program) Outputs() []engine.TensorInfo { return infos(p.outputs) }

func infos(b []ioBuffer) []engine.TensorInfo {
	out := make([]engine.TensorInfo, len(b))
	for i, x := range b {
		out[i] = x.info
		out[i].Shape = append([]int(nil), x.info.Shape...)
	}
	return out
}

// Input returns input i's float32 buffer (host-visible device memory).
func (p *Program) Input(i int) []byte { return p.inputs[i].host.Bytes()[:p.inputs[i].size] }

// Output returns output i's float32 buffer, valid after Run.
func (p *Program) Output(i int) []byte { return p.outputs[i].host.Bytes()[:p.outputs[i].size] }

// Precision is the precision the Program stores and computes in.
func (p *Program) Precision() Precision { return p.prec }

// Device describes the device the Program runs on.
func (p *Program) Device() DeviceInfo { return p.dev.Info() }

// Dispatches is the number of commands one Run submits (op dispatches and
// the input and output casts).
func (p *Program) Dispatches() int { return p.dispatches }

// ArenaBytes is the size of the device buffer holding all activations.
func (p *Program) ArenaBytes() int { return p.arenaBytes }

// FP32Ops is the number of ops a Program with float16 storage runs in
// float32 (see docs/vulkan.md, "Mixed precision"); 0 in FP32.
func (p *Program) FP32Ops() int { return p.fp32Ops }

// FP32Bytes is the size of the activations a Program with float16
// storage keeps in float32 (conversions included; before the arena
// reuses memory); 0 in FP32.
func (p *Program) FP32Bytes() int { return p.fp32Bytes }

// ErrClosed is returned by Run on a closed Program.
var ErrClosed = errors.New("vulkan: program is closed")

// Run submits the recorded sequence and waits for it. It does not
// allocate.
func (p *Program) Run() error {
	if p.closed {
		return ErrClosed
	}
	if p.dispatches == 0 {
		return nil
	}
	sharedMu.Lock()
	err := p.seq.Run()
	sharedMu.Unlock()
	if err != nil {
		return fmt.Errorf("vulkan: %s: %w", p.name, err)
	}
	if p.prof != nil {
		times := p.seq.Timings()
		start := 0
		for i, s := range p.steps {
			var sum time.Duration
			for j := start; j < s.end && j < len(times); j++ {
				sum += times[j]
			}
			p.prof[i].Nanos = sum.Nanoseconds()
			start = s.end
		}
	}
	return nil
}

// Profile returns the per-op GPU times of the last Run (timestamp
// queries), in execution order, with the input and output casts as
// CAST_IN and CAST_OUT at index -1; empty unless compiled with
// Options.Profile.
func (p *Program) Profile() []engine.OpProfile { return p.prof }

// Close frees the Program's sequence and buffers (the device and the
// pipelines stay for the next Program).
func (p *Program) Close() error {
	if p.closed {
		return nil
	}
	p.closed = true
	sharedMu.Lock()
	defer sharedMu.Unlock()
	p.release(nil)
	return nil
}

// release frees what p holds, and what c made when compiling failed.
func (p *Program) release(c *compiler) {
	p.seq.Close()
	if c != nil && c.consts != nil {
		p.consts, p.owned = c.consts.blocks, c.owned
	}
	for _, b := range append(append(append([]*Buffer{p.arena}, p.consts...), p.owned...), p.host...) {
		if b != nil {
			b.Close()
		}
	}
	p.arena, p.consts, p.owned, p.host = nil, nil, nil, nil
}

// UnsupportedOp returns the op's name (the conformance suite skips cases
// whose compile errors have this method, naming the op).
func (e *UnsupportedOpError) UnsupportedOp() string { return e.Op }

// Describe names the device, the precision and the number of commands per
// Run (bench prints it as the kernels in use).
func (p *Program) Describe() string {
	if p.fp32Ops > 0 {
		return fmt.Sprintf("Vulkan %s, %v (%d ops in fp32), %d dispatches", p.dev.Info().Name, p.prec, p.fp32Ops, p.dispatches)
	}
	return fmt.Sprintf("Vulkan %s, %v, %d dispatches", p.dev.Info().Name, p.prec, p.dispatches)
}
