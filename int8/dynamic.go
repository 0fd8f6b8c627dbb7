package int8

import "math"

// The on-the-fly quantization of float activations that TFLite's hybrid
// (dynamic-range) kernels do before an integer matrix product
// (tensor_utils' SymmetricQuantizeFloats and AsymmetricQuantizeFloats, the
// portable versions).

// SymmetricQuantizeFloats quantizes v into q (same length) with one
// symmetric scale, range/127 where range = max(|min v|, |max v|), values
// rounded half away from zero and clamped to [-127, 127]. All-zero data
// gives zeros and scale 1. The arithmetic is float32, as TFLite's.
func SymmetricQuantizeFloats(v []float32, q []int8) (scale float32) {
	if len(v) == 0 {
		return 1
	}
	lo, hi := v[0], v[0]
	for _, x := range v[1:] {
		lo = min(lo, x)
		hi = max(hi, x)
	}
	r := max(abs32(lo), abs32(hi))
	if r == 0 {
		clear(q[:len(v)])
		return 1
	}
	inv := float32(WeightMax) / r
	for i, x := range v {
		y := math.Round(float64(x * inv))
		q[i] = int8(max(-WeightMax, min(WeightMax, y)))
	}
	return r / WeightMax
}

// AsymmetricQuantizeFloats quantizes v into q (same length) with a scale
// and a zero point chosen from [min(min v, 0), max(max v, 0)] over
// [-128, 127] (the zero point taken from whichever end gives the smaller
// error, as TFLite does), returning both; q = round(zero + v/scale)
// clamped to [-128, 127]. Data with min = max gives zeros, scale 1 and
// zero point 0.
func AsymmetricQuantizeFloats(v []float32, q []int8) (scale float32, zero int32) {
	if len(v) == 0 {
		return 1, 0
	}
	lo, hi := v[0], v[0]
	for _, x := range v[1:] {
		lo = min(lo, x)
		hi = max(hi, x)
	}
	rmin := float64(min(lo, 0))
	rmax := float64(max(hi, 0))
	if rmin == rmax {
		clear(q[:len(v)])
		return 1, 0
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
	inv := 1 / scale
	zf := float32(zero)
	for i, x := range v {
		y := math.Round(float64(zf + float32(x*inv)))
		q[i] = int8(max(Int8Min, min(Int8Max, y)))
	}
	return scale, zero
}

func abs32(x float32) float32 { return float32(math.Abs(float64(x))) }
