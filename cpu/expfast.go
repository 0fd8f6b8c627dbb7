package cpu

import "math"

// expFast returns e^x for |x| <= 88 (clamped beyond), to within a few
// 1e-10 relative: x = k*ln2 + r with |r| <= ln2/2, e^r by its Taylor
// polynomial of degree 10, times 2^k. It is what the optimized LOGISTIC
// uses instead of math.Exp, which is several times slower.
func expFast(x float64) float64 {
	if x < -88 {
		x = -88
	} else if x > 88 {
		x = 88
	}
	kf := x * math.Log2E
	var k int64
	if kf >= 0 {
		k = int64(kf + 0.5)
	} else {
		k = int64(kf - 0.5)
	}
	fk := float64(k)
	r := x - fk*0.6931471803691238 - fk*1.9082149292705877e-10
	p := 1 + r*(1+r*(1.0/2+r*(1.0/6+r*(1.0/24+r*(1.0/120+r*(1.0/720+r*(1.0/5040+r*(1.0/40320+r*(1.0/362880+r*(1.0/3628800))))))))))
	return p * math.Float64frombits(uint64(k+1023)<<52)
}

// logisticFast computes out[i] = 1/(1+e^-in[i]).
func logisticFast(in, out []float32) {
	out = out[:len(in)]
	for i, v := range in {
		out[i] = float32(1 / (1 + expFast(-float64(v))))
	}
}
