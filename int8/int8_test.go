package int8

import (
	"math"
	"testing"
)

func TestQuantizeMultiplier(t *testing.T) {
	for _, c := range []struct {
		m     float64
		mult  int32
		shift int
	}{
		{0, 0, 0},
		{1, 1 << 30, 1},
		{0.5, 1 << 30, 0},
		{0.25, 1 << 30, -1},
		{2, 1 << 30, 2},
		{0.75, 1610612736, 0},
		// frexp(1/3) = 0.666..×2^-1; round(0.666..×2^31) = 1431655765.
		{1.0 / 3, 1431655765, -1},
		// A mantissa that rounds up to 2^31 moves to the next exponent.
		{0.9999999999, 1 << 30, 1},
		{1e-12, 0, 0}, // shift below -31
		{3e9, math.MaxInt32, 30},
	} {
		mult, shift := QuantizeMultiplier(c.m)
		if mult != c.mult || shift != c.shift {
			t.Errorf("QuantizeMultiplier(%g) = %d, %d; want %d, %d", c.m, mult, shift, c.mult, c.shift)
		}
	}
}

func TestRoundingPrimitives(t *testing.T) {
	for _, c := range []struct{ a, b, want int32 }{
		{math.MinInt32, math.MinInt32, math.MaxInt32},
		{1 << 30, 1 << 30, 1 << 29},
		{3, 1 << 30, 2},   // 1.5 rounds away from zero
		{-3, 1 << 30, -1}, // -1.5 rounds up (gemmlowp's nudge)
		{5, 1 << 29, 1},   // 1.25 rounds to 1
		{-5, 1 << 29, -1},
	} {
		if got := SaturatingRoundingDoublingHighMul(c.a, c.b); got != c.want {
			t.Errorf("SRDHM(%d, %d) = %d, want %d", c.a, c.b, got, c.want)
		}
	}
	for _, c := range []struct {
		x    int32
		e    int
		want int32
	}{
		{5, 1, 3}, {-5, 1, -3}, {4, 1, 2}, {7, 2, 2}, {6, 2, 2}, {-6, 2, -2}, {-7, 2, -2},
		{10, 0, 10}, {math.MaxInt32, 31, 1}, {math.MinInt32, 31, -1},
	} {
		if got := RoundingDivideByPOT(c.x, c.e); got != c.want {
			t.Errorf("RoundingDivideByPOT(%d, %d) = %d, want %d", c.x, c.e, got, c.want)
		}
	}
}

// TestMultiplyByQuantizedMultiplier checks the requantization against the
// real product over many factors and values: the fixed-point result is
// within the bound of its two roundings.
func TestMultiplyByQuantizedMultiplier(t *testing.T) {
	seed := uint32(1)
	next := func() uint32 { seed = seed*1664525 + 1013904223; return seed }
	for i := 0; i < 20000; i++ {
		m := math.Ldexp(float64(next()%1000000+1)/1e6, int(next()%20)-16)
		x := int32(next()%2000000) - 1000000
		mult, shift := QuantizeMultiplier(m)
		got := MultiplyByQuantizedMultiplier(x, mult, shift)
		exact := float64(x) * float64(mult) * math.Ldexp(1, shift-31)
		// Two roundings: the high multiply (±0.5 before the right shift)
		// and the rounding shift (±0.5).
		tol := 0.5 + 1e-6
		if shift < 0 {
			tol += math.Ldexp(0.5, shift)
		}
		if math.Abs(float64(got)-exact) > tol {
			t.Fatalf("x=%d m=%g: got %d, exact %.4f", x, m, got, exact)
		}
	}
	// Known values: 100 × 0.5 = 50; -7 × 0.25 = -1.75 → -2; 3 × 1.5 = 4.5 → 5; -3 × 1.5 = -4.5 → -4
	// (the high multiply rounds negative ties up).
	for _, c := range []struct {
		x    int32
		m    float64
		want int32
	}{{100, 0.5, 50}, {-7, 0.25, -2}, {3, 1.5, 5}, {-3, 1.5, -4}, {1000, 0.001, 1}} {
		mult, shift := QuantizeMultiplier(c.m)
		if got := MultiplyByQuantizedMultiplier(c.x, mult, shift); got != c.want {
			t.Errorf("%d × %g = %d, want %d", c.x, c.m, got, c.want)
		}
	}
}

func TestAsymmetric(t *testing.T) {
	for _, c := range []struct {
		min, max float32
		scale    float32
		zp       int32
	}{
		{-1, 1, 2.0 / 255, 0},       // -128 - (-1)/(2/255) = -0.5 → rounds away from zero to -1? see below
		{0, 6, 6.0 / 255, -128},     // relu6: zero at the bottom
		{-6, 0, 6.0 / 255, 127},     // all negative
		{2, 6, 6.0 / 255, -128},     // widened to include 0
		{0, 0, 0, -128},             // empty range
		{-0.5, 1.5, 2.0 / 255, -64}, // -128 + 63.75 = -64.25 → -64
	} {
		p := Asymmetric(c.min, c.max, Int8Min, Int8Max)
		want := c.zp
		if c.min == -1 && c.max == 1 {
			// zero_point_from_min = -128 + 127.5 = -0.5 → round half away from zero.
			want = -1
		}
		if p.Scale != c.scale || p.ZeroPoint != want {
			t.Errorf("Asymmetric(%g, %g) = %g, %d; want %g, %d", c.min, c.max, p.Scale, p.ZeroPoint, c.scale, want)
		}
	}
	p := Asymmetric(-1, 1, Int8Min, Int8Max)
	for _, v := range []float32{-1, -0.5, 0, 0.3, 1} {
		q := p.Quantize(v, Int8Min, Int8Max)
		if d := math.Abs(float64(p.Dequantize(q) - v)); d > float64(p.Scale)/2+1e-7 {
			t.Errorf("round trip of %g: %d → %g", v, q, p.Dequantize(q))
		}
	}
	if q := p.Quantize(0, Int8Min, Int8Max); p.Dequantize(q) != 0 {
		t.Errorf("0 is not exactly representable: %d", q)
	}
}

func TestQuantizeWeights(t *testing.T) {
	// Two output channels along axis 0, shape [2,1,1,3].
	w := []float32{0.5, -1, 0.25, 2, 0, -0.01}
	q, s, err := QuantizeWeights(w, []int{2, 1, 1, 3}, 0)
	if err != nil {
		t.Fatal(err)
	}
	wantQ := []int8{64, -127, 32, 127, 0, -1}
	wantS := []float32{1.0 / 127, 2.0 / 127}
	for i := range wantQ {
		if q[i] != wantQ[i] {
			t.Fatalf("q = %v, want %v", q, wantQ)
		}
	}
	for i := range wantS {
		if s[i] != wantS[i] {
			t.Fatalf("scales = %v, want %v", s, wantS)
		}
	}
	// Depthwise weights [1,1,2,2] along the last axis.
	q, s, err = QuantizeWeights([]float32{1, -4, -2, 2}, []int{1, 1, 2, 2}, 3)
	if err != nil || s[0] != 2.0/127 || s[1] != 4.0/127 || q[0] != 64 || q[1] != -127 || q[2] != -127 || q[3] != 64 {
		t.Fatalf("depthwise: %v %v %v", q, s, err)
	}
	if _, _, err := QuantizeWeights([]float32{1, float32(math.NaN())}, []int{2}, -1); err == nil {
		t.Fatal("NaN weight accepted")
	}
	// A zero channel gets scale 0 and zeros.
	q, s, _ = QuantizeWeights([]float32{0, 0, 1, 1}, []int{2, 2}, 0)
	if s[0] != 0 || q[0] != 0 || q[2] != 127 {
		t.Fatalf("zero channel: %v %v", q, s)
	}
}

func TestQuantizeBias(t *testing.T) {
	q, s, err := QuantizeBias([]float32{1, -1, 3e9}, 0.5, []float32{0.01, 0.02, 1e-9})
	if err != nil {
		t.Fatal(err)
	}
	if s[0] != 0.005 || s[1] != 0.01 || q[0] != 200 || q[1] != -100 || q[2] != math.MaxInt32 {
		t.Fatalf("got %v %v", q, s)
	}
	if _, _, err := QuantizeBias([]float32{1, 2}, 1, []float32{1, 2, 3}); err == nil {
		t.Fatal("mismatched scales accepted")
	}
}
