package int8

import "math"

// The on-the-fly quantization of float activations that TFLite's hybrid
// (dynamic-range) kernels do before an integer matrix product
// (tensor_utils' SymmetricQuantizeFloats and AsymmetricQuantizeFloats, the
// portable versions). The parameter choice and the per-value step are
// exported apart so that vector code can share them.

// SymmetricQuantizeFloats quantizes v into q (same length) with one
// symmetric scale, range/127 where range = max(|min v|, |max v|), values
// rounded half away from zero and clamped to [-127, 127]. All-zero data
// gives zeros and scale 1. The arithmetic is float32, as TFLite's.
func SymmetricQuantizeFloats(v []float32, q []int8) (scale float32) {
	lo, hi := MinMaxFloats(v)
	scale, inv := SymmetricScale(lo, hi)
	if inv == 0 {
		clear(q[:len(v)])
		return scale
	}
	for i, x := range v {
		q[i] = QuantizeValue(x, inv, 0, -WeightMax, WeightMax)
	}
	return scale
}

// AsymmetricQuantizeFloats quantizes v into q (same length) with a scale
// and a zero point chosen from [min(min v, 0), max(max v, 0)] over
// [-128, 127] (the zero point taken from whichever end gives the smaller
// error, as TFLite does), returning both; q = round(zero + v/scale)
// clamped to [-128, 127]. Data with min = max gives zeros, scale 1 and
// zero point 0.
func AsymmetricQuantizeFloats(v []float32, q []int8) (scale float32, zero int32) {
	lo, hi := MinMaxFloats(v)
	scale, inv, zero := AsymmetricParams(lo, hi)
	if inv == 0 {
		clear(q[:len(v)])
		return scale, zero
	}
	for i, x := range v {
		q[i] = QuantizeValue(x, inv, zero, Int8Min, Int8Max)
	}
	return scale, zero
}

// MinMaxFloats returns the smallest and largest of v (0, 0 for none).
func MinMaxFloats(v []float32) (lo, hi float32) {
	if len(v) == 0 {
		return 0, 0
	}
	lo, hi = v[0], v[0]
	for _, x := range v[1:] {
		lo = min(lo, x)
		hi = max(hi, x)
	}
	return lo, hi
}

// SymmetricScale returns SymmetricQuantizeFloats' scale and its inverse
// 127/range for data in [lo, hi]; inv is 0 when the data are all zero
// (scale 1, every value quantizes to 0).
func SymmetricScale(lo, hi float32) (scale, inv float32) {
	r := max(abs32(lo), abs32(hi))
	if r == 0 {
		return 1, 0
	}
	return r / WeightMax, WeightMax / r
}

// AsymmetricParams returns AsymmetricQuantizeFloats' scale, inverse scale
// and zero point for data in [lo, hi]; inv is 0 when min(lo, 0) = max(hi,
// 0) (scale 1, zero point 0, every value quantizes to 0).
func AsymmetricParams(lo, hi float32) (scale, inv float32, zero int32) {
	rmin := float64(min(lo, 0))
	rmax := float64(max(hi, 0))
	if rmin == rmax {
		return 1, 0, 0
	}
	const qmin, qmax = float64(Int8Min), float64(Int8Max)
	s := (rmax - rmin) / (qmax - qmin)
	zpMin := qmin - rmin/s
	zpMax := qmax - rmax/s
	zpDouble := zpMax
	if math.Abs(qmin)+math.Abs(rmin/s) < math.Abs(qmax)+math.Abs(rmax/s) {
		zpDouble = zpMin
	}
	switch {
	case zpDouble <= qmin:
		zero = Int8Min
	case zpDouble >= qmax:
		zero = Int8Max
	default:
		zero = int32(math.Round(zpDouble))
	}
	scale = float32(s)
	return scale, 1 / scale, zero
}

// QuantizeValue returns round(zero + x×inv) (float32 arithmetic, rounded
// half away from zero) clamped to [qmin, qmax].
func QuantizeValue(x, inv float32, zero, qmin, qmax int32) int8 {
	y := math.Round(float64(float32(zero) + float32(x*inv)))
	return int8(max(float64(qmin), min(float64(qmax), y)))
}

func abs32(x float32) float32 { return float32(math.Abs(float64(x))) }
