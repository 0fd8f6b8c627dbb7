package int8

import (
	"math"
)

// QuantizeMultiplier returns the 32-bit fixed-point multiplier and the
// power-of-two exponent that represent the real factor m as TFLite's
// QuantizeMultiplier does: m = multiplier × 2^(shift-31) with multiplier in
// [2^30, 2^31) (or 0 when m is 0). A positive shift is a left shift. Shifts
// below -31 give multiplier 0 (every product rounds to zero); shifts above
// 30 saturate to the largest representable factor.
func QuantizeMultiplier(m float64) (multiplier int32, shift int) {
	if m == 0 || math.IsNaN(m) {
		return 0, 0
	}
	q, exp := math.Frexp(m)
	qFixed := int64(math.Round(q * (1 << 31)))
	if qFixed == 1<<31 {
		qFixed /= 2
		exp++
	}
	if exp < -31 {
		return 0, 0
	}
	if exp > 30 {
		return math.MaxInt32, 30
	}
	return int32(qFixed), exp
}

// SaturatingRoundingDoublingHighMul returns the high 32 bits of 2·a·b,
// rounded to nearest (ties away from zero), saturating the one overflowing
// case a = b = MinInt32 (gemmlowp's SaturatingRoundingDoublingHighMul).
func SaturatingRoundingDoublingHighMul(a, b int32) int32 {
	if a == b && a == math.MinInt32 {
		return math.MaxInt32
	}
	ab := int64(a) * int64(b)
	nudge := int64(1 << 30)
	if ab < 0 {
		nudge = 1 - (1 << 30)
	}
	// Go's integer division truncates toward zero, as C++'s does.
	return int32((ab + nudge) / (1 << 31))
}

// RoundingDivideByPOT returns x / 2^exponent rounded to nearest, ties away
// from zero (gemmlowp's RoundingDivideByPOT); exponent is in [0, 31].
func RoundingDivideByPOT(x int32, exponent int) int32 {
	mask := int32(1)<<uint(exponent) - 1
	remainder := x & mask
	threshold := mask >> 1
	if x < 0 {
		threshold++
	}
	r := x >> uint(exponent)
	if remainder > threshold {
		r++
	}
	return r
}

// MultiplyByQuantizedMultiplier returns x × multiplier × 2^(shift-31) with
// TFLite's reference rounding (a saturating rounding doubling high multiply
// after the left shift, then a rounding right shift), the requantization
// step of every int8 kernel.
func MultiplyByQuantizedMultiplier(x, multiplier int32, shift int) int32 {
	left, right := 0, 0
	if shift > 0 {
		left = shift
	} else {
		right = -shift
	}
	return RoundingDivideByPOT(SaturatingRoundingDoublingHighMul(x*(1<<uint(left)), multiplier), right)
}
