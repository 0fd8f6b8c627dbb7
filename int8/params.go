package int8

import (
	"fmt"
	"math"
)

// Limits of the int8 and uint8 types and of symmetric int8 weights.
const (
	Int8Min   = -128
	Int8Max   = 127
	Uint8Min  = 0
	Uint8Max  = 255
	WeightMax = 127 // symmetric weights use [-127, 127]
)

// Params are per-tensor affine quantization parameters: real = Scale ×
// (q - ZeroPoint).
type Params struct {
	Scale     float32
	ZeroPoint int32
	// Min and Max are the range the parameters were chosen from (always
	// including 0).
	Min, Max float32
}

// Asymmetric returns the parameters TFLite's post-training quantizer
// chooses for a calibrated range [min, max] and the quantized range
// [qmin, qmax] (GetAsymmetricQuantizationParams: the range is widened to
// include 0, scale = (max-min)/(qmax-qmin) in float32, and the zero point
// is qmin - min/scale rounded half away from zero and clamped to
// [qmin, qmax]). A range of exactly [0, 0] gives scale 0.
func Asymmetric(min, max float32, qmin, qmax int32) Params {
	min = float32(math.Min(float64(min), 0))
	max = float32(math.Max(float64(max), 0))
	qminF, qmaxF := float32(qmin), float32(qmax)
	scale := (max - min) / (qmaxF - qminF)
	zpFromMin := qminF
	if scale != 0 {
		zpFromMin = qminF - min/scale
	}
	var zp int32
	switch {
	case zpFromMin < qminF:
		zp = qmin
	case zpFromMin > qmaxF:
		zp = qmax
	default:
		zp = int32(math.Round(float64(zpFromMin)))
	}
	return Params{Scale: scale, ZeroPoint: zp, Min: min, Max: max}
}

// Quantize returns round(v/scale) + zero point clamped to [qmin, qmax], as
// TFLite's QUANTIZE op and AffineQuantize do (round half away from zero).
func (p Params) Quantize(v float32, qmin, qmax int32) int32 {
	if p.Scale == 0 {
		return clamp32(p.ZeroPoint, qmin, qmax)
	}
	q := int64(math.Round(float64(v/p.Scale))) + int64(p.ZeroPoint)
	if q < int64(qmin) {
		return qmin
	}
	if q > int64(qmax) {
		return qmax
	}
	return int32(q)
}

// Dequantize returns Scale × (q - ZeroPoint).
func (p Params) Dequantize(q int32) float32 {
	return p.Scale * float32(q-p.ZeroPoint)
}

func clamp32(v, lo, hi int32) int32 {
	if v < lo {
		return lo
	}
	if v > hi {
		return hi
	}
	return v
}

// QuantizeWeights quantizes the float32 weights w (shape shape) symmetric
// per channel along axis, as TFLite's SymmetricPerChannelQuantization
// does: scale_c = max|w_c| / 127, q = round(w × 127/max|w_c|) clamped to
// [-127, 127] (a channel of zeros gets scale 0 and zeros). It returns the
// int8 values (same layout as w) and one scale per channel. axis -1 means
// one scale for the whole tensor.
func QuantizeWeights(w []float32, shape []int, axis int) (q []int8, scales []float32, err error) {
	n := 1
	for _, d := range shape {
		n *= d
	}
	if n != len(w) {
		return nil, nil, fmt.Errorf("int8: weights have %d values, shape %v needs %d", len(w), shape, n)
	}
	channels, inner := 1, n
	if axis >= 0 {
		if axis >= len(shape) {
			return nil, nil, fmt.Errorf("int8: channel axis %d out of range for shape %v", axis, shape)
		}
		channels = shape[axis]
		inner = 1
		for _, d := range shape[axis+1:] {
			inner *= d
		}
	}
	halfRange := make([]float32, channels)
	for i, v := range w {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return nil, nil, fmt.Errorf("int8: weight %d is %v", i, v)
		}
		c := 0
		if channels > 1 {
			c = (i / inner) % channels
		}
		if a := float32(math.Abs(float64(v))); a > halfRange[c] {
			halfRange[c] = a
		}
	}
	scales = make([]float32, channels)
	inv := make([]float32, channels)
	for c, h := range halfRange {
		scales[c] = h / WeightMax
		if h != 0 {
			inv[c] = WeightMax / h
		}
	}
	q = make([]int8, n)
	for i, v := range w {
		c := 0
		if channels > 1 {
			c = (i / inner) % channels
		}
		r := math.Round(float64(v * inv[c]))
		q[i] = int8(math.Max(-WeightMax, math.Min(WeightMax, r)))
	}
	return q, scales, nil
}

// QuantizeBias quantizes a float32 bias to int32 with per-channel scale
// inputScale × weightScales[c] (one weight scale means per tensor) and zero
// point 0: round(b × (1/scale)) half away from zero, saturated to
// [-MaxInt32, MaxInt32], as TFLite's SymmetricBiasQuantize does. It returns
// the values and the scales.
func QuantizeBias(b []float32, inputScale float32, weightScales []float32) ([]int32, []float32, error) {
	if len(weightScales) != 1 && len(weightScales) != len(b) {
		return nil, nil, fmt.Errorf("int8: bias has %d values and the weights %d scales", len(b), len(weightScales))
	}
	q := make([]int32, len(b))
	scales := make([]float32, len(weightScales))
	for c, ws := range weightScales {
		scales[c] = inputScale * ws
	}
	for i, v := range b {
		s := scales[0]
		if len(scales) > 1 {
			s = scales[i]
		}
		if s == 0 {
			continue
		}
		inv := float32(1 / float64(s))
		r := math.Round(float64(v * inv))
		q[i] = int32(math.Max(-math.MaxInt32, math.Min(math.MaxInt32, r)))
	}
	return q, scales, nil
}
