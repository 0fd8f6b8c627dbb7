package cpu

import (
	qm "github.com/fp16tool/fp16tool/int8"

	"github.com/fp16tool/fp16tool/graph"
)

// The int8 kernels (files int8_*.go) run ops whose first input or first
// output is INT8, UINT8 or INT16 (see lookupOp); they import package int8
// as qm, the name int8 being Go's type.
//
// Numerics. The oracle, LiteRT.js, runs int8 ops through TFLite's XNNPACK
// delegate where XNNPACK has them, and XNNPACK's arithmetic is not always
// TFLite's reference integer arithmetic. The default kernels compute what
// the oracle computes (checked bit for bit on every conformance case and
// on every int8 op of the ten fixtures); Options.Reference selects
// TFLite's reference arithmetic where the two differ:
//
//	op                   default (= LiteRT.js)                  Reference
//	QUANTIZE f32->int8   x*(1/s) rounded half to even           x/s rounded half away
//	QUANTIZE int8->int8  8-bit multiplier, >>8 rounding up      32-bit multiplier
//	LEAKY_RELU           8-bit multipliers, >>8 rounding up     32-bit multipliers
//	ADD, SUB (INT8)      21-bit multipliers, one rounding (up)  TFLite's three roundings
//	MUL                  product × float32 factor, half even    32-bit multiplier
//	MEAN, SUM            float32 factor and bias, half even     TFLite's three paths
//	RESIZE_BILINEAR      11-bit weights, float32 coordinates    10-bit fixed point
//	TRANSPOSE_CONV       acc × float32 factor, half even        32-bit multipliers
//
// The others (UINT8 ADD and SUB, PRELU, pools, LOGISTIC, TANH, HARD_SWISH, RELU*,
// SOFTMAX, data movement) have one arithmetic, TFLite's, which the oracle
// matches. All differences are at most one step, two for RESIZE_BILINEAR.

func init() { qbuiltins[graph.OpDequantize] = prepareQDequantize }

// prepareQDequantize is DEQUANTIZE of INT8/UINT8/INT16 (a quantized op for
// lookupOp): a 256-entry table of (q - zero point) × scale for a per-tensor
// INT8 or UINT8 input (the same float32 expression as dequantize.go's
// kernel, which handles the other cases).
func prepareQDequantize(x *opCtx) (kernel, error) {
	k, err := prepareDequantize(x)
	if err != nil {
		return nil, err
	}
	in, out := x.in[0], x.out[0]
	if !is8(in.dtype) || in.src.Quant.PerAxis() {
		return k, nil
	}
	p, err := x.quantTensor(in)
	if err != nil {
		return nil, err
	}
	var t [256]float32
	for b := range 256 {
		t[b] = float32(q8(in.dtype, byte(b))-p.ZeroPoint) * p.Scale
	}
	if in.dtype == graph.Int8 {
		return func() error {
			dequantizeI8(elems[int8](in), out.f32()[:len(in.b)], p.ZeroPoint, p.Scale, &t)
			return nil
		}, nil
	}
	return func() error {
		ov := out.f32()[:len(in.b)]
		for i, v := range in.b {
			ov[i] = t[v]
		}
		return nil
	}, nil
}

// dequantizeI8 writes float32(in[i] - zp) × scale to out[i] (t[byte(v)]
// holds each value's result): with AVX2 on the longest multiple of 8.
func dequantizeI8(in []int8, out []float32, zp int32, scale float32, t *[256]float32) {
	out = out[:len(in)]
	n := 0
	if useQuantF32Asm && len(in) >= 8 {
		n = len(in) &^ 7
		dequantI8Asm(n, &in[0], &out[0], zp, scale)
	}
	for i := n; i < len(in); i++ {
		out[i] = t[byte(in[i])]
	}
}

// quantParams are a tensor's affine quantization parameters as the int8
// kernels read them: real = Scale[c] × (q - Zero[c]), with one entry
// (Axis -1) for per-tensor quantization, or one per slice along Axis.
type quantParams struct {
	Scale []float32
	Zero  []int32
	Axis  int
}

// quant returns t's quantization parameters, failing with an error naming
// the op and t when t has none, a scale is not positive and finite, or the
// per-axis parameters do not fit t's shape.
func (x *opCtx) quant(t *tensor) (quantParams, error) {
	q := t.src.Quant
	if q == nil || len(q.Scale) == 0 {
		return quantParams{}, x.errorf("%v has no quantization parameters", t)
	}
	if len(q.ZeroPoint) != 0 && len(q.ZeroPoint) != len(q.Scale) {
		return quantParams{}, x.errorf("%v has %d scales and %d zero points", t, len(q.Scale), len(q.ZeroPoint))
	}
	p := quantParams{Scale: append([]float32(nil), q.Scale...), Zero: make([]int32, len(q.Scale)), Axis: -1}
	for i, s := range q.Scale {
		if !(s > 0) || s > 3.4e38 {
			return quantParams{}, x.errorf("%v has scale %v; scales must be positive and finite", t, s)
		}
		if i < len(q.ZeroPoint) {
			p.Zero[i] = int32(q.ZeroPoint[i])
		}
	}
	if q.PerAxis() {
		ax := int(q.QuantizedDimension)
		if ax < 0 || ax >= len(t.shape) || t.shape[ax] != len(q.Scale) {
			return quantParams{}, x.errorf("%v has %d scales along axis %d", t, len(q.Scale), ax)
		}
		p.Axis = ax
	}
	return p, nil
}

// quantTensor returns t's per-tensor quantization parameters (Min and Max
// are left zero), failing when t has none or is quantized per axis, or when
// the zero point lies outside t's element type.
func (x *opCtx) quantTensor(t *tensor) (qm.Params, error) {
	p, err := x.quant(t)
	if err != nil {
		return qm.Params{}, err
	}
	if p.Axis >= 0 {
		return qm.Params{}, x.errorf("%v is quantized per axis (%d scales); this op needs one scale", t, len(p.Scale))
	}
	lo, hi := qRange(t.dtype)
	if p.Zero[0] < lo || p.Zero[0] > hi {
		return qm.Params{}, x.errorf("%v has zero point %d outside [%d, %d]", t, p.Zero[0], lo, hi)
	}
	return qm.Params{Scale: p.Scale[0], ZeroPoint: p.Zero[0]}, nil
}

// quantInt8 checks that in and out are INT8 and returns their per-tensor
// parameters.
func (x *opCtx) quantInt8(in, out *tensor) (pin, pout qm.Params, err error) {
	if in.dtype != graph.Int8 || out.dtype != graph.Int8 {
		return pin, pout, x.errorf("input %v and output %v must be INT8", in, out)
	}
	if pin, err = x.quantTensor(in); err != nil {
		return pin, pout, err
	}
	pout, err = x.quantTensor(out)
	return pin, pout, err
}

// qRange returns the value range of a quantized element type (INT8 for
// anything else).
func qRange(d graph.DType) (lo, hi int32) {
	switch d {
	case graph.Uint8:
		return qm.Uint8Min, qm.Uint8Max
	case graph.Int16:
		return -32768, 32767
	}
	return qm.Int8Min, qm.Int8Max
}
