package gpu

import (
	"encoding/binary"
	"fmt"
	"math"

	"github.com/fp16tool/fp16tool/graph"
	"github.com/fp16tool/fp16tool/shaders"
	"github.com/x448/float16"
)

// Tile is the register tile of the GEMM and convolution kernels: each
// invocation computes M output rows (pixels) by N output columns
// (channels). Both are specialization constants, so each device can get
// its best choice.
type Tile struct{ M, N int }

// DefaultTile is the tile for GPUs until TuneTile finds a better one: 4x4
// keeps the vec4 GEMM at 64 float accumulators per invocation.
var DefaultTile = Tile{M: 4, N: 4}

// CPUTile is the default tile on CPU drivers: on lavapipe (2 cores,
// loaded machine) 8x8 was the fastest 512³ GEMM tile in every precision,
// often by 2x over 4x4.
var CPUTile = Tile{M: 8, N: 8}

// TileFor returns the default tile for a device: CPUTile on CPU drivers,
// DefaultTile elsewhere.
func TileFor(info DeviceInfo) Tile {
	if info.Type == "cpu" {
		return CPUTile
	}
	return DefaultTile
}

// Work-group size of the tiled kernels (x by y) and of elementwise ones.
const (
	groupX, groupY = 8, 8
	groupFlat      = 64
)

// Kernels records fp16tool's compute kernels into sequences, for one
// device and precision, and keeps the pipelines it makes (one per shader
// and set of specialization constants) until Close.
type Kernels struct {
	d     *Device
	prec  Precision
	tile  Tile
	cache map[string]*Pipeline
	// noVec4 disables the vec4 GEMM and CONV_2D variants (for benchmarks).
	noVec4 bool
	// minInvocations: smaller layers get a smaller tile (layerTile).
	minInvocations int
}

// NewKernels checks that the device supports precision p and returns an
// empty kernel cache using tile t (TileFor the device when zero).
func NewKernels(d *Device, p Precision, t Tile) (*Kernels, error) {
	info := d.Info()
	if !info.Supports(p) {
		return nil, fmt.Errorf("gpu: %s does not support precision %v (shaderFloat16=%v, storageBuffer16BitAccess=%v)",
			info.Name, p, info.ShaderFloat16, info.StorageBuffer16BitAccess)
	}
	if t == (Tile{}) {
		t = TileFor(info)
	}
	if t.M < 1 || t.N < 1 || t.M*t.N > 64 {
		return nil, fmt.Errorf("gpu: tile %dx%d out of range (each side >= 1, at most 64 outputs)", t.M, t.N)
	}
	k := &Kernels{d: d, prec: p, tile: t, cache: map[string]*Pipeline{}}
	if info.Type != "cpu" {
		k.minInvocations = gpuMinInvocations
	}
	return k, nil
}

// Tile is the register tile of the GEMM and convolution kernels.
func (k *Kernels) Tile() Tile { return k.tile }

// Precision is the precision the kernels store and compute in.
func (k *Kernels) Precision() Precision { return k.prec }

// Pipelines is the number of pipelines made so far.
func (k *Kernels) Pipelines() int { return len(k.cache) }

// Close destroys the pipelines; close the sequences using them first.
func (k *Kernels) Close() error {
	for key, p := range k.cache {
		p.Close()
		delete(k.cache, key)
	}
	return nil
}

func (k *Kernels) pipeline(op, variant string, buffers, push int, spec ...uint32) (*Pipeline, error) {
	name := shaders.Name(op, variant, k.prec.String())
	key := fmt.Sprint(name, spec)
	if p := k.cache[key]; p != nil {
		return p, nil
	}
	code, err := shaders.SPIRV(name)
	if err != nil {
		return nil, err
	}
	p, err := k.d.NewPipeline(PipelineSpec{Name: name, SPIRV: code, Buffers: buffers, Spec: spec, PushSize: push})
	if err != nil {
		return nil, err
	}
	k.cache[key] = p
	return p, nil
}

func push32(vals ...int) []byte {
	b := make([]byte, 4*len(vals))
	for i, v := range vals {
		binary.LittleEndian.PutUint32(b[4*i:], uint32(int32(v)))
	}
	return b
}

func checkAct(op string, a graph.Activation) error {
	if a < graph.ActNone || a > graph.ActTanh {
		return fmt.Errorf("gpu: %s: fused activation %v is not supported", op, a)
	}
	return nil
}

// checkSizes checks each buffer holds at least the elements wanted.
func (k *Kernels) checkSizes(op string, names []string, bufs []*Buffer, elems []int) error {
	es := k.prec.ElemSize()
	for i, b := range bufs {
		if b == nil {
			return fmt.Errorf("gpu: %s: %s buffer is nil", op, names[i])
		}
		if b.Size() < elems[i]*es {
			return fmt.Errorf("gpu: %s: %s buffer has %d bytes, needs %d (%d elements of %v)",
				op, names[i], b.Size(), elems[i]*es, elems[i], k.prec)
		}
	}
	return nil
}

// Gemm records c = act(a·wᵀ + bias): a is [m][kk], w is [n][kk] (the
// layout of TFLite's FULLY_CONNECTED weights and 1x1 CONV_2D filters),
// bias [n], c [m][n]. It uses the vec4 variant when kk % 4 == 0.
func (k *Kernels) Gemm(s *Sequence, m, n, kk int, act graph.Activation, a, w, bias, c *Buffer) error {
	if m < 1 || n < 1 || kk < 1 {
		return fmt.Errorf("gpu: gemm %dx%dx%d: dimensions must be positive", m, n, kk)
	}
	if err := checkAct("gemm", act); err != nil {
		return err
	}
	if err := k.checkSizes("gemm", []string{"a", "w", "bias", "c"}, []*Buffer{a, w, bias, c},
		[]int{m * kk, n * kk, n, m * n}); err != nil {
		return err
	}
	variant := ""
	if kk%4 == 0 && !k.noVec4 {
		variant = "vec4"
	}
	p, gx, gy, err := k.flatTiledPipeline("gemm", variant, 4, 12, act, m, n)
	if err != nil {
		return err
	}
	return s.Dispatch(p, []*Buffer{a, w, bias, c}, push32(m, n, kk), gx, gy, 1)
}

// Conv2DParams describe a CONV_2D or DEPTHWISE_CONV_2D in NHWC. OutC is
// InC*Multiplier for depthwise convolutions.
type Conv2DParams struct {
	Batch, InH, InW, InC int
	OutH, OutW, OutC     int
	KH, KW               int
	StrideH, StrideW     int
	DilationH, DilationW int
	PadTop, PadLeft      int
	Act                  graph.Activation
}

// ConvOutput returns the output size and the padding before it of one
// spatial axis, as TFLite computes them.
func ConvOutput(in, kernel, stride, dilation int, pad graph.Padding) (out, before int) {
	ek := (kernel-1)*dilation + 1
	if pad == graph.PaddingValid {
		return (in - ek + stride) / stride, 0
	}
	out = (in + stride - 1) / stride
	total := max((out-1)*stride+ek-in, 0)
	return out, total / 2
}

func (c *Conv2DParams) check(op string) error {
	for _, v := range []int{c.Batch, c.InH, c.InW, c.InC, c.OutH, c.OutW, c.OutC, c.KH, c.KW, c.StrideH, c.StrideW, c.DilationH, c.DilationW} {
		if v < 1 {
			return fmt.Errorf("gpu: %s: sizes, strides and dilations must be positive: %+v", op, *c)
		}
	}
	if c.PadTop < 0 || c.PadLeft < 0 {
		return fmt.Errorf("gpu: %s: negative padding %d,%d", op, c.PadTop, c.PadLeft)
	}
	return checkAct(op, c.Act)
}

func (c *Conv2DParams) push(extra ...int) []byte {
	return push32(append([]int{c.InH, c.InW, c.InC, c.OutH, c.OutW, c.OutC, c.KH, c.KW, c.StrideH, c.StrideW,
		c.DilationH, c.DilationW, c.PadTop, c.PadLeft, c.Batch * c.OutH * c.OutW}, extra...)...)
}

// Conv2D records a CONV_2D: in [Batch][InH][InW][InC], filter
// [OutC][KH][KW][InC], bias [OutC], out [Batch][OutH][OutW][OutC]. A 1x1
// convolution with stride 1 and no padding runs as a GEMM.
func (k *Kernels) Conv2D(s *Sequence, c Conv2DParams, in, filter, bias, out *Buffer) error {
	if err := c.check("conv2d"); err != nil {
		return err
	}
	if err := k.checkSizes("conv2d", []string{"input", "filter", "bias", "output"}, []*Buffer{in, filter, bias, out},
		[]int{c.Batch * c.InH * c.InW * c.InC, c.OutC * c.KH * c.KW * c.InC, c.OutC, c.Batch * c.OutH * c.OutW * c.OutC}); err != nil {
		return err
	}
	if c.KH == 1 && c.KW == 1 && c.StrideH == 1 && c.StrideW == 1 && c.PadTop == 0 && c.PadLeft == 0 &&
		c.OutH == c.InH && c.OutW == c.InW {
		return k.Gemm(s, c.Batch*c.InH*c.InW, c.OutC, c.InC, c.Act, in, filter, bias, out)
	}
	variant := ""
	if c.InC%4 == 0 && !k.noVec4 {
		variant = "vec4"
	}
	p, gx, gy, err := k.flatTiledPipeline("conv2d", variant, 4, 60, c.Act, c.Batch*c.OutH*c.OutW, c.OutC)
	if err != nil {
		return err
	}
	return s.Dispatch(p, []*Buffer{in, filter, bias, out}, c.push(), gx, gy, 1)
}

// DepthwiseConv2D records a DEPTHWISE_CONV_2D: in [Batch][InH][InW][InC],
// filter [1][KH][KW][OutC], bias [OutC], out [Batch][OutH][OutW][OutC],
// with OutC a multiple of InC (the depth multiplier). With multiplier 1 and
// InC % 4 == 0 it uses the vec4 variant.
func (k *Kernels) DepthwiseConv2D(s *Sequence, c Conv2DParams, in, filter, bias, out *Buffer) error {
	if err := c.check("depthwise_conv2d"); err != nil {
		return err
	}
	if c.OutC%c.InC != 0 {
		return fmt.Errorf("gpu: depthwise_conv2d: %d output channels is not a multiple of %d input channels", c.OutC, c.InC)
	}
	if err := k.checkSizes("depthwise_conv2d", []string{"input", "filter", "bias", "output"}, []*Buffer{in, filter, bias, out},
		[]int{c.Batch * c.InH * c.InW * c.InC, c.KH * c.KW * c.OutC, c.OutC, c.Batch * c.OutH * c.OutW * c.OutC}); err != nil {
		return err
	}
	variant, slots := "", c.OutC
	if c.OutC == c.InC && c.InC%4 == 0 && !k.noVec4 {
		variant, slots = "vec4", c.OutC/4
	}
	tm := depthwisePixels(k.tile, c.OutW)
	kw, sw := depthwiseRowConsts(c)
	p, err := k.pipeline("depthwise", variant, 4, 64, groupFlat, 1, 1, uint32(c.Act), uint32(tm), uint32(kw), uint32(sw))
	if err != nil {
		return err
	}
	x, y := flatGroups(c.Batch * c.OutH * CeilDiv(c.OutW, tm) * slots)
	return s.Dispatch(p, []*Buffer{in, filter, bias, out}, c.push(c.OutC/c.InC), x, y, 1)
}

// BinaryOp is an elementwise binary operation.
type BinaryOp int

// Binary operations, numbered as binary.comp's OP constant.
const (
	Add BinaryOp = iota
	Sub
	Mul
	Div
	Maximum
	Minimum
	SquaredDifference
)

var binaryNames = []string{"ADD", "SUB", "MUL", "DIV", "MAXIMUM", "MINIMUM", "SQUARED_DIFFERENCE"}

// String returns the TFLite op name.
func (o BinaryOp) String() string {
	if o >= 0 && int(o) < len(binaryNames) {
		return binaryNames[o]
	}
	return fmt.Sprintf("BinaryOp(%d)", int(o))
}

// BroadcastShape returns the shape of a op b under NumPy broadcasting.
func BroadcastShape(a, b []int) ([]int, error) {
	n := max(len(a), len(b))
	out := make([]int, n)
	for i := range n {
		da, db := 1, 1
		if j := len(a) - n + i; j >= 0 {
			da = a[j]
		}
		if j := len(b) - n + i; j >= 0 {
			db = b[j]
		}
		switch {
		case da == db || db == 1:
			out[i] = da
		case da == 1:
			out[i] = db
		default:
			return nil, fmt.Errorf("shapes %v and %v do not broadcast (axis %d: %d vs %d)", a, b, i, da, db)
		}
	}
	return out, nil
}

// strides4 returns the strides of shape, right-aligned to 4 dimensions,
// with 0 on the axes where it has size 1 (broadcast).
func strides4(shape []int) [4]int {
	var st [4]int
	stride := 1
	for i := len(shape) - 1; i >= 0; i-- {
		if shape[i] != 1 {
			st[4-len(shape)+i] = stride
		}
		stride *= shape[i]
	}
	return st
}

// Binary records out = act(a op b) with NumPy broadcasting of shapes of up
// to 4 dimensions; out has the broadcast shape.
func (k *Kernels) Binary(s *Sequence, op BinaryOp, act graph.Activation, aShape, bShape []int, a, b, out *Buffer) error {
	name := op.String()
	if op < Add || op > SquaredDifference {
		return fmt.Errorf("gpu: unknown binary op %v", op)
	}
	if len(aShape) > 4 || len(bShape) > 4 {
		return fmt.Errorf("gpu: %s: shapes %v and %v have more than 4 dimensions", name, aShape, bShape)
	}
	if err := checkAct(name, act); err != nil {
		return err
	}
	outShape, err := BroadcastShape(aShape, bShape)
	if err != nil {
		return fmt.Errorf("gpu: %s: %w", name, err)
	}
	n := prod(outShape)
	if n == 0 {
		return nil
	}
	if err := k.checkSizes(name, []string{"a", "b", "output"}, []*Buffer{a, b, out},
		[]int{prod(aShape), prod(bShape), n}); err != nil {
		return err
	}
	mode, swap, unit := binaryMode(aShape, bShape, outShape)
	if swap {
		a, b = b, a
	}
	if mode == binaryGeneral {
		o4 := append([]int{1, 1, 1, 1}[:4-len(outShape)], outShape...)
		as, bs := strides4(aShape), strides4(bShape)
		p, err := k.pipeline("binary", "", 3, 48, groupFlat, 1, 1, uint32(act), uint32(op), uint32(mode), 0, 1)
		if err != nil {
			return err
		}
		x, y := flatGroups(n)
		return s.Dispatch(p, []*Buffer{a, b, out}, push32(n, o4[1], o4[2], o4[3],
			as[0], as[1], as[2], as[3], bs[0], bs[1], bs[2], bs[3]), x, y, 1)
	}
	variant, w, e := k.flatVariant("", n%4 == 0 && unit%4 == 0)
	p, err := k.pipeline("binary", variant, 3, 48, groupFlat, 1, 1, uint32(act), uint32(op), uint32(mode), b2u(swap), uint32(e))
	if err != nil {
		return err
	}
	x, y := flatGroups(CeilDiv(n/w, e))
	return s.Dispatch(p, []*Buffer{a, b, out}, push32(n/w, 1, 1, unit/w, 0, 0, 0, 0, 0, 0, 0, 0), x, y, 1)
}

// Index maps of binary.comp (its MODE constant).
const (
	binaryGeneral = iota // 4-D broadcasting through strides
	binarySame           // both inputs have the output's shape
	binaryInner          // b repeats along a: b's shape is a suffix of a's
	binaryScalar         // b is a single element
)

// binaryMode picks the index map of a op b with output shape out: the mode,
// whether the inputs are to be swapped so that the broadcast one is b,
// and the period of b's index (its element count) for binaryInner (0 for
// the other modes). The fast modes need the full input to
// have the output's elements.
func binaryMode(aShape, bShape, out []int) (mode int, swap bool, unit int) {
	n, na, nb := prod(out), prod(aShape), prod(bShape)
	switch {
	case na == n && nb == n:
		return binarySame, false, 0
	case na == n && nb == 1:
		return binaryScalar, false, 0
	case nb == n && na == 1:
		return binaryScalar, true, 0
	case na == n && isSuffix(bShape, out):
		return binaryInner, false, nb
	case nb == n && isSuffix(aShape, out):
		return binaryInner, true, na
	}
	return binaryGeneral, false, 0
}

// isSuffix reports whether shape, without its leading 1s, is the end of
// out.
func isSuffix(shape, out []int) bool {
	for len(shape) > 0 && shape[0] == 1 {
		shape = shape[1:]
	}
	if len(shape) > len(out) {
		return false
	}
	tail := out[len(out)-len(shape):]
	for i, d := range shape {
		if tail[i] != d {
			return false
		}
	}
	return true
}

func b2u(v bool) uint32 {
	if v {
		return 1
	}
	return 0
}

// flatGroups returns a dispatch of n invocations in groupFlat-wide groups
// spread over x and y (the flat kernels index x + y * width).
func flatGroups(n int) (x, y int) {
	groups := CeilDiv(n, groupFlat)
	x = min(groups, 65535)
	return x, CeilDiv(groups, x)
}

// CastIn records the conversion of n float32 values in src to the
// kernels' storage precision in dst (float16 values are clamped to
// ±65504). Model inputs enter this way.
func (k *Kernels) CastIn(s *Sequence, n int, src, dst *Buffer) error {
	return k.cast(s, "in", n, src, dst)
}

// CastOut records the conversion of n values in the kernels' storage
// precision in src to float32 in dst. Model outputs leave this way.
func (k *Kernels) CastOut(s *Sequence, n int, src, dst *Buffer) error {
	return k.cast(s, "out", n, src, dst)
}

func (k *Kernels) cast(s *Sequence, dir string, n int, src, dst *Buffer) error {
	if n < 1 {
		return fmt.Errorf("gpu: cast %s of %d elements", dir, n)
	}
	es := k.prec.ElemSize()
	srcSize, dstSize := 4*n, es*n
	if dir == "out" {
		srcSize, dstSize = dstSize, srcSize
	}
	if src == nil || dst == nil || src.Size() < srcSize || dst.Size() < dstSize {
		return fmt.Errorf("gpu: cast %s of %d elements: buffers too small or nil (need %d and %d bytes)", dir, n, srcSize, dstSize)
	}
	variant, w, e := k.flatVariant(dir+"_", n%4 == 0)
	p, err := k.pipeline("cast", variant, 2, 4, groupFlat, 1, 1, 0, uint32(e))
	if err != nil {
		return err
	}
	x, y := flatGroups(CeilDiv(n/w, e))
	return s.Dispatch(p, []*Buffer{src, dst}, push32(n/w), x, y, 1)
}

// Encode appends src to dst in the storage format of precision p (IEEE
// binary16, rounded to nearest even and clamped to ±65504 as the cast
// kernel does, for FP16 and FP32Acc; float32 for FP32), little-endian.
func (p Precision) Encode(dst []byte, src []float32) []byte {
	for _, v := range src {
		if p == FP32 {
			dst = binary.LittleEndian.AppendUint32(dst, math.Float32bits(v))
		} else {
			dst = binary.LittleEndian.AppendUint16(dst, float16.Fromfloat32(max(min(v, 65504), -65504)).Bits())
		}
	}
	return dst
}

// Decode appends to dst the values of src, stored in precision p.
func (p Precision) Decode(dst []float32, src []byte) []float32 {
	es := p.ElemSize()
	for i := 0; i+es <= len(src); i += es {
		if p == FP32 {
			dst = append(dst, math.Float32frombits(binary.LittleEndian.Uint32(src[i:])))
		} else {
			dst = append(dst, float16.Frombits(binary.LittleEndian.Uint16(src[i:])).Float32())
		}
	}
	return dst
}
