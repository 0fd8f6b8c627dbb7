package cpu

import (
	"math"

	qm "github.com/fp16tool/fp16tool/int8"

	"github.com/fp16tool/fp16tool/graph"
)

// Elementwise int8/uint8 ops whose output depends on one input value: each
// is prepared as a 256-entry table, filled by running TFLite's integer
// algorithm (or, for LOGISTIC and TANH, TFLite's float table, as its
// kGenericOptimized kernels build it) on every possible input value, and
// evaluated as one lookup per element.

func init() {
	for code, kind := range unaryOps {
		qbuiltins[code] = prepareQUnary(kind)
	}
	qbuiltins[graph.OpQuantize] = prepareQuantize
}

// is8 reports whether d is a 1-byte quantized type.
func is8(d graph.DType) bool { return d == graph.Int8 || d == graph.Uint8 }

// q8 decodes the raw byte b of a 1-byte quantized type d.
func q8(d graph.DType, b byte) int32 {
	if d == graph.Int8 {
		return int32(int8(b))
	}
	return int32(b)
}

// lut8 is a table from every raw input byte to the raw output byte.
type lut8 [256]byte

// newLUT8 fills a table for input type din and output type dout: f maps
// an input value to an output value, clamped to dout's range.
func newLUT8(din, dout graph.DType, f func(q int32) int32) *lut8 {
	t := new(lut8)
	lo, hi := qRange(dout)
	for b := range 256 {
		t[b] = byte(min(max(f(q8(din, byte(b))), lo), hi))
	}
	return t
}

// lutKernel applies t to every element of in, writing out.
func lutKernel(in, out *tensor, t *lut8) kernel {
	return func() error {
		lut8Apply(t, in.b, out.b)
		return nil
	}
}

// roundEven32 rounds v (|v| < 2^22) to the nearest integer, ties to even,
// by adding and removing 1.5 × 2^23 in float32 (XNNPACK's "magic bias").
func roundEven32(v float32) int32 {
	const magic = 12582912 // 1.5 × 2^23
	return int32(math.Float32bits(v+magic)) - int32(math.Float32bits(magic))
}

// floatLUT returns TFLite's PopulateLookupTable function for a float
// transform: dequantize, transform, round(v × (1/out scale)) + zero point.
func floatLUT(pin, pout qm.Params, f func(float32) float32) func(int32) int32 {
	inv := 1 / pout.Scale
	return func(q int32) int32 {
		v := f(pin.Scale * float32(q-pin.ZeroPoint))
		return int32(float32(math.Round(float64(v*inv)))) + pout.ZeroPoint
	}
}

// quantizeMul is TFLite's QuantizeMultiplier of a real factor.
type quantizeMul struct {
	m     int32
	shift int
}

func newQuantizeMul(real float64) quantizeMul {
	m, s := qm.QuantizeMultiplier(real)
	return quantizeMul{m, s}
}

// apply returns x × the factor with TFLite's reference rounding.
func (q quantizeMul) apply(x int32) int32 { return qm.MultiplyByQuantizedMultiplier(x, q.m, q.shift) }

// prepareQUnary prepares an int8/uint8 RELU, RELU6, RELU_N1_TO_1,
// LOGISTIC, TANH, HARD_SWISH or LEAKY_RELU as a table.
func prepareQUnary(kind unaryOp) prepareFunc {
	return func(x *opCtx) (kernel, error) {
		if err := x.arity(1, 1, 1); err != nil {
			return nil, err
		}
		in, out := x.in[0], x.out[0]
		if !is8(in.dtype) || in.dtype != out.dtype {
			return nil, x.errorf("input %v and output %v must both be INT8 or both UINT8", in, out)
		}
		if err := x.checkShape(out, in.shape); err != nil {
			return nil, err
		}
		pin, err := x.quantTensor(in)
		if err != nil {
			return nil, err
		}
		pout, err := x.quantTensor(out)
		if err != nil {
			return nil, err
		}
		var f func(int32) int32
		switch kind {
		case unRelu, unRelu6, unReluN1To1:
			lo, hi := reluBounds(kind)
			f = reluXFunc(pin, pout, lo, hi, out.dtype)
		case unLogistic:
			f = floatLUT(pin, pout, func(v float32) float32 { return 1 / (1 + float32(math.Exp(float64(-v)))) })
		case unTanh:
			f = floatLUT(pin, pout, func(v float32) float32 { return float32(math.Tanh(float64(v))) })
		case unHardSwish:
			f, err = hardSwishFunc(x, pin, pout)
			if err != nil {
				return nil, err
			}
		case unLeakyRelu:
			o, err := opts[graph.LeakyReluOptions](x)
			if err != nil {
				return nil, err
			}
			if pos, neg := pin.Scale/pout.Scale, pin.Scale/pout.Scale*o.Alpha; !x.c.opt.Reference && xnnScaleOK(pos) && xnnScaleOK(neg) {
				f = xnn8BitFunc(pin, pout, pos, neg)
				break
			}
			// TFLite computes both factors in float32.
			alpha := newQuantizeMul(float64(pin.Scale * o.Alpha / pout.Scale))
			ident := newQuantizeMul(float64(pin.Scale / pout.Scale))
			f = func(q int32) int32 {
				v := q - pin.ZeroPoint
				if v >= 0 {
					return pout.ZeroPoint + ident.apply(v)
				}
				return pout.ZeroPoint + alpha.apply(v)
			}
		default:
			return nil, x.errorf("no int8 kernel")
		}
		return lutKernel(in, out, newLUT8(in.dtype, out.dtype, f)), nil
	}
}

// reluXFunc is TFLite's quantized ReluX: requantize by in/out scale and
// clamp to the quantized [lo, hi] (hi +Inf: the type's maximum).
func reluXFunc(pin, pout qm.Params, lo, hi float32, d graph.DType) func(int32) int32 {
	tmin, tmax := qRange(d)
	qlo := max(tmin, pout.ZeroPoint+int32(roundHalfAway(lo/pout.Scale)))
	qhi := tmax
	if !math.IsInf(float64(hi), 1) {
		qhi = min(tmax, pout.ZeroPoint+int32(roundHalfAway(hi/pout.Scale)))
	}
	mul := newQuantizeMul(float64(pin.Scale / pout.Scale))
	return func(q int32) int32 {
		v := pout.ZeroPoint + mul.apply(q-pin.ZeroPoint)
		return min(max(v, qlo), qhi)
	}
}

// hardSwishFunc is TFLite's int8 HARD_SWISH: 16-bit fixed point on a
// "high-resolution" input scale (input × 2^7), a relu-ish factor in [0, 1]
// and the output rescale (reference_ops::HardSwish with HardSwishParams).
func hardSwishFunc(x *opCtx, pin, pout qm.Params) (func(int32) int32, error) {
	hires := (1.0 / 128.0) * pin.Scale
	const reluishScale = float32(3.0 / 32768.0)
	outM, outExp := qm.QuantizeMultiplier(float64(hires / pout.Scale))
	outM16 := downScaleInt16(outM)
	if outExp > 0 {
		return nil, x.errorf("HARD_SWISH: input scale %g over output scale %g is too large (output multiplier exponent %d > 0)", pin.Scale, pout.Scale, outExp)
	}
	reluM, reluExp := qm.QuantizeMultiplier(float64(hires / reluishScale))
	reluM16 := downScaleInt16(reluM)
	return func(q int32) int32 {
		in := int16(q - pin.ZeroPoint)
		hi := int16(int32(in) * (1 << 7))
		preshift := srdhm16(hi, outM16)
		r := hi
		if reluExp > 0 {
			r = satLeftShift16(r, reluExp-1)
		}
		r = srdhm16(r, reluM16)
		if reluExp > 0 {
			r = satLeftShift16(r, 1)
		}
		if reluExp < 0 {
			r = rdivPOT16(r, -reluExp)
		}
		r = int16((int32(r) + (1 << 15)) >> 1)
		o := sdhm16(r, preshift)
		v := int32(rdivPOT16(o, -outExp)) + pout.ZeroPoint
		return v
	}, nil
}

// downScaleInt16 is TFLite's DownScaleInt32ToInt16Multiplier.
func downScaleInt16(m int32) int16 {
	const round = 1 << 15
	if m >= math.MaxInt32-round {
		return math.MaxInt16
	}
	return int16((m + round) >> 16)
}

// srdhm16 is gemmlowp's SaturatingRoundingDoublingHighMul on int16.
func srdhm16(a, b int16) int16 {
	if a == b && a == math.MinInt16 {
		return math.MaxInt16
	}
	ab := int32(a) * int32(b)
	nudge := int32(1 << 14)
	if ab < 0 {
		nudge = 1 - (1 << 14)
	}
	return int16((ab + nudge) / (1 << 15))
}

// sdhm16 is TFLite's SaturatingDoublingHighMul on int16 (truncating).
func sdhm16(a, b int16) int16 {
	if a == b && a == math.MinInt16 {
		return math.MaxInt16
	}
	return int16(int32(a) * int32(b) / (1 << 15))
}

// satLeftShift16 is TFLite's SaturatingLeftShift on int16.
func satLeftShift16(v int16, n int) int16 {
	r := int32(v) * (1 << uint(n))
	return int16(min(max(r, math.MinInt16), math.MaxInt16))
}

// rdivPOT16 is gemmlowp's RoundingDivideByPOT on int16.
func rdivPOT16(x int16, exp int) int16 {
	return int16(qm.RoundingDivideByPOT(int32(x), exp))
}

// QUANTIZE: FLOAT32 to INT8/UINT8 (x × (1/scale) rounded half to even,
// plus the zero point, as XNNPACK's f32→qs8 convert, which TFLite's
// XNNPACK delegate runs; with Options.Reference round(x/scale) half away
// from zero, as TFLite's AffineQuantize: they differ on exact ties, which
// photo pixels normalized to [-1, 1] with scale 2/255 all are), or
// INT8/UINT8 to INT8/UINT8 (TFLite's Requantize: the
// multiplier of in scale / out scale in double precision, with
// Options.Reference; otherwise XNNPACK's 8-bit multiplier, see
// xnn8BitFunc).
func prepareQuantize(x *opCtx) (kernel, error) {
	if err := x.arity(1, 1, 1); err != nil {
		return nil, err
	}
	in, out := x.in[0], x.out[0]
	if !is8(out.dtype) || (in.dtype != graph.Float32 && !is8(in.dtype)) {
		return nil, x.errorf("quantizing %v to %v is not supported (FLOAT32, INT8 or UINT8 to INT8 or UINT8)", in, out)
	}
	if err := x.checkShape(out, in.shape); err != nil {
		return nil, err
	}
	pout, err := x.quantTensor(out)
	if err != nil {
		return nil, err
	}
	lo, hi := qRange(out.dtype)
	if in.dtype == graph.Float32 && !x.c.opt.Reference {
		inv := 1 / pout.Scale
		flo, fhi := float32(lo-pout.ZeroPoint), float32(hi-pout.ZeroPoint)
		return func() error {
			quantizeF32(in.f32(), out.b[:in.n], inv, flo, fhi, pout.ZeroPoint, out.dtype == graph.Uint8)
			return nil
		}, nil
	}
	if in.dtype == graph.Float32 {
		return func() error {
			ov := out.b[:in.n]
			for i, v := range in.f32() {
				ov[i] = byte(pout.Quantize(v, lo, hi))
			}
			return nil
		}, nil
	}
	pin, err := x.quantTensor(in)
	if err != nil {
		return nil, err
	}
	if s := pin.Scale / pout.Scale; !x.c.opt.Reference && in.dtype == out.dtype && xnnScaleOK(s) {
		return lutKernel(in, out, newLUT8(in.dtype, out.dtype, xnn8BitFunc(pin, pout, s, s))), nil
	}
	mul := newQuantizeMul(float64(pin.Scale) / float64(pout.Scale))
	return lutKernel(in, out, newLUT8(in.dtype, out.dtype, func(q int32) int32 {
		return mul.apply(q-pin.ZeroPoint) + pout.ZeroPoint
	})), nil
}

// xnn8BitFunc is XNNPACK's int8 requantization with an 8-bit multiplier
// (its qs8 lrelu and qs8→qs8 convert, which TFLite's XNNPACK delegate runs
// for LEAKY_RELU and QUANTIZE): the factor pos (neg for values below the
// zero point) as an 8-bit fraction rounded half to even, then an
// arithmetic shift right by 8 that rounds half up. TFLite's reference
// (Options.Reference) uses 32-bit multipliers and differs by one step on
// some values.
func xnn8BitFunc(pin, pout qm.Params, pos, neg float32) func(int32) int32 {
	mp := int32(math.RoundToEven(float64(256 * pos)))
	mn := int32(math.RoundToEven(float64(256 * neg)))
	bias := pout.ZeroPoint<<8 + 0x80
	return func(q int32) int32 {
		v := q - pin.ZeroPoint
		m := mp
		if v < 0 {
			m = mn
		}
		return (bias + v*m) >> 8
	}
}

// xnnScaleOK reports whether XNNPACK takes a requantization factor s
// (|s| in [2^-8, 2^7]); outside it TFLite runs its own kernel.
func xnnScaleOK(s float32) bool {
	a := math.Abs(float64(s))
	return a >= 1.0/256 && a <= 128
}
