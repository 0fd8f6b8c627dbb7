package gpu

import (
	"fmt"
	"math"
)

// UnaryOp is an elementwise activation, numbered as unary.comp's OP
// constant. Every precision computes it in float32.
type UnaryOp int

// Elementwise activations.
const (
	Relu      UnaryOp = iota // max(x, 0)
	Relu6                    // clamp(x, 0, 6)
	ReluN1To1                // clamp(x, -1, 1)
	LeakyRelu                // x > 0 ? x : alpha*x
	Logistic                 // 1/(1+exp(-x))
	Tanh                     // tanh(x)
	HardSwish                // x*relu6(x+3)/6
	prelu                    // x >= 0 ? x : alpha[i]*x (PRelu)
)

var unaryNames = []string{"RELU", "RELU6", "RELU_N1_TO_1", "LEAKY_RELU", "LOGISTIC", "TANH", "HARD_SWISH", "PRELU"}

// String returns the TFLite op name.
func (o UnaryOp) String() string {
	if o >= 0 && int(o) < len(unaryNames) {
		return unaryNames[o]
	}
	return fmt.Sprintf("UnaryOp(%d)", int(o))
}

// flat records a dispatch of shader op (variant "" or a name) over n
// invocations of the flat kernels, binding bufs in order.
func (k *Kernels) flat(s *Sequence, op, variant string, n int, bufs []*Buffer, push []byte, spec ...uint32) error {
	p, err := k.pipeline(op, variant, len(bufs), len(push), append([]uint32{groupFlat, 1, 1}, spec...)...)
	if err != nil {
		return err
	}
	x, y := flatGroups(n)
	return s.Dispatch(p, bufs, push, x, y, 1)
}

func f32bits(v float32) int { return int(int32(math.Float32bits(v))) }

func prod(shape []int) int {
	n := 1
	for _, v := range shape {
		n *= v
	}
	return n
}

// Unary records out = op(in) over n elements; alpha is LEAKY_RELU's slope
// (ignored by the other ops).
func (k *Kernels) Unary(s *Sequence, op UnaryOp, alpha float32, n int, in, out *Buffer) error {
	if op < Relu || op >= prelu {
		return fmt.Errorf("gpu: unknown unary op %v", op)
	}
	if n < 1 {
		return fmt.Errorf("gpu: %v of %d elements", op, n)
	}
	if err := k.checkSizes(op.String(), []string{"input", "output"}, []*Buffer{in, out}, []int{n, n}); err != nil {
		return err
	}
	variant, w, e := k.flatVariant("", n%4 == 0)
	return k.flat(s, "unary", variant, CeilDiv(n/w, e), []*Buffer{in, in, out},
		push32(n/w, 1, 1, 1, 0, 0, 0, 0, f32bits(alpha)), 0, uint32(op), uint32(e))
}

// PRelu records out = in >= 0 ? in : alpha*in, alpha broadcast (NumPy
// rules, up to 4 dimensions) against in, whose shape is the output's.
func (k *Kernels) PRelu(s *Sequence, inShape, alphaShape []int, in, alpha, out *Buffer) error {
	if len(inShape) > 4 || len(alphaShape) > 4 {
		return fmt.Errorf("gpu: PRELU: shapes %v and %v have more than 4 dimensions", inShape, alphaShape)
	}
	outShape, err := BroadcastShape(inShape, alphaShape)
	if err != nil {
		return fmt.Errorf("gpu: PRELU: %w", err)
	}
	if prod(outShape) != prod(inShape) {
		return fmt.Errorf("gpu: PRELU: alpha %v broadcasts input %v to %v; the input must have the output's shape", alphaShape, inShape, outShape)
	}
	n := prod(inShape)
	if n == 0 {
		return nil
	}
	if err := k.checkSizes("PRELU", []string{"input", "alpha", "output"}, []*Buffer{in, alpha, out},
		[]int{n, prod(alphaShape), n}); err != nil {
		return err
	}
	o4 := append([]int{1, 1, 1, 1}[:4-len(outShape)], outShape...)
	as := strides4(alphaShape)
	return k.flat(s, "unary", "", n, []*Buffer{in, alpha, out},
		push32(n, o4[1], o4[2], o4[3], as[0], as[1], as[2], as[3], 0), 0, uint32(prelu), 1)
}

// PoolOp selects MAX_POOL_2D or AVERAGE_POOL_2D.
type PoolOp int

// Pooling operations, numbered as pool.comp's OP constant.
const (
	MaxPool PoolOp = iota
	AvgPool
)

// Pool2D records a MAX_POOL_2D or AVERAGE_POOL_2D over NHWC data with
// c's geometry (KH, KW the filter; OutC == InC; dilations 1) and fused
// activation. The average counts only the window's elements inside the
// input, as TFLite does.
func (k *Kernels) Pool2D(s *Sequence, op PoolOp, c Conv2DParams, in, out *Buffer) error {
	var name string
	switch op {
	case MaxPool:
		name = "MAX_POOL_2D"
	case AvgPool:
		name = "AVERAGE_POOL_2D"
	default:
		return fmt.Errorf("gpu: unknown pool op %d", op)
	}
	if err := c.check(name); err != nil {
		return err
	}
	if c.OutC != c.InC || c.DilationH != 1 || c.DilationW != 1 {
		return fmt.Errorf("gpu: %s: %d output channels for %d input channels, dilation %dx%d (want equal channels, dilation 1)",
			name, c.OutC, c.InC, c.DilationH, c.DilationW)
	}
	n := c.Batch * c.OutH * c.OutW * c.OutC
	if err := k.checkSizes(name, []string{"input", "output"}, []*Buffer{in, out},
		[]int{c.Batch * c.InH * c.InW * c.InC, n}); err != nil {
		return err
	}
	return k.flat(s, "pool", "", n, []*Buffer{in, out}, c.push(), uint32(c.Act), uint32(op))
}

// Softmax records out = softmax(beta*in) over the last axis of rows rows
// of depth elements, in float32 in every precision.
func (k *Kernels) Softmax(s *Sequence, rows, depth int, beta float32, in, out *Buffer) error {
	if rows < 1 || depth < 1 {
		return fmt.Errorf("gpu: SOFTMAX of %d rows of %d: sizes must be positive", rows, depth)
	}
	if err := k.checkSizes("SOFTMAX", []string{"input", "output"}, []*Buffer{in, out}, []int{rows * depth, rows * depth}); err != nil {
		return err
	}
	return k.flat(s, "softmax", "", rows, []*Buffer{in, out}, push32(rows, depth, f32bits(beta)), 0)
}

// ResizeParams describe a RESIZE_BILINEAR or RESIZE_NEAREST_NEIGHBOR of
// NHWC data.
type ResizeParams struct {
	Batch, InH, InW, C int
	OutH, OutW         int
	Bilinear           bool // else nearest neighbor
	AlignCorners       bool
	HalfPixelCenters   bool
}

// Resize records a bilinear or nearest-neighbor resize with TFLite's
// align_corners and half_pixel_centers rules (bilinear interpolates in
// float32 in every precision).
func (k *Kernels) Resize(s *Sequence, r ResizeParams, in, out *Buffer) error {
	name := "RESIZE_NEAREST_NEIGHBOR"
	op := uint32(1)
	if r.Bilinear {
		name, op = "RESIZE_BILINEAR", 0
	}
	for _, v := range []int{r.Batch, r.InH, r.InW, r.C, r.OutH, r.OutW} {
		if v < 1 {
			return fmt.Errorf("gpu: %s: sizes must be positive: %+v", name, r)
		}
	}
	n := r.Batch * r.OutH * r.OutW * r.C
	if err := k.checkSizes(name, []string{"input", "output"}, []*Buffer{in, out},
		[]int{r.Batch * r.InH * r.InW * r.C, n}); err != nil {
		return err
	}
	scale := func(in, out int) float32 {
		if r.AlignCorners && out > 1 {
			return float32(in-1) / float32(out-1)
		}
		return float32(in) / float32(out)
	}
	variant, w, e := k.flatVariant("", r.C%4 == 0)
	return k.flat(s, "resize", variant, CeilDiv(n/w, e), []*Buffer{in, out},
		push32(n/w, r.InH, r.InW, r.C/w, r.OutH, r.OutW, f32bits(scale(r.InH, r.OutH)), f32bits(scale(r.InW, r.OutW))),
		0, op, b2u(r.AlignCorners), b2u(r.HalfPixelCenters), uint32(e))
}
