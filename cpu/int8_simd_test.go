package cpu

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestInt8SIMDExact checks the vectorized int8 helpers against their Go
// loops, byte for byte, on random tables, lengths and parameters
// (including NaN, ±Inf, ±0 and huge inputs for QUANTIZE).
func TestInt8SIMDExact(t *testing.T) {
	if !useLUT8Asm && !useQuantF32Asm {
		t.Log("no assembly on this machine: the Go loops are compared with themselves")
	}
	r := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{0, 1, 15, 16, 17, 63, 64, 65, 127, 128, 129, 200, 1000, 4099} {
		var tab lut8
		for i := range tab {
			tab[i] = byte(r.Uint32())
		}
		in := make([]byte, n)
		for i := range in {
			in[i] = byte(r.Uint32())
		}
		got := make([]byte, n)
		lut8Apply(&tab, in, got)
		for i, v := range in {
			if got[i] != tab[v] {
				t.Fatalf("lut8Apply n=%d: out[%d] = %d, want t[%d] = %d", n, i, got[i], v, tab[v])
			}
		}

		x := make([]float32, n)
		specials := []float32{float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1)), 0, float32(math.Copysign(0, -1)), 1e30, -1e30, 0.5, -0.5, 1.5, 2.5}
		for i := range x {
			if r.IntN(8) == 0 {
				x[i] = specials[r.IntN(len(specials))]
			} else {
				x[i] = float32(r.NormFloat64() * 3)
			}
		}
		for trial := range 6 {
			unsigned := trial%2 == 1
			lo, hi := int32(-128), int32(127)
			if unsigned {
				lo, hi = 0, 255
			}
			zp := lo + r.Int32N(hi-lo+1)
			scale := float32(math.Exp(r.Float64()*8 - 6))
			if trial == 2 {
				scale = 1 // exact halves after the multiply
			}
			inv := 1 / scale
			flo, fhi := float32(lo-zp), float32(hi-zp)
			got := make([]byte, n)
			quantizeF32(x, got, inv, flo, fhi, zp, unsigned)
			for i, v := range x {
				v *= inv
				if !(v >= flo) {
					v = flo
				}
				v = min(v, fhi)
				want := byte(roundEven32(v) + zp)
				if got[i] != want {
					t.Fatalf("quantizeF32 n=%d scale=%v zp=%d unsigned=%v: x[%d]=%v gives %d, want %d", n, scale, zp, unsigned, i, x[i], got[i], want)
				}
			}
		}
	}
}

// TestInt8DequantizeExact checks dequantizeI8 (AVX2 where the machine has
// it) against the 256-entry table of float32(q - zp) × scale, bit for
// bit, for random lengths, zero points and scales down to subnormal
// products and up to huge ones.
func TestInt8DequantizeExact(t *testing.T) {
	r := rand.New(rand.NewPCG(15, 16))
	for trial := range 100 {
		n := r.IntN(300)
		in := make([]int8, n)
		for i := range in {
			in[i] = int8(r.Uint32())
		}
		zp := r.Int32N(256) - 128
		scale := float32(math.Exp(r.Float64()*180 - 90))
		var tab [256]float32
		for b := range 256 {
			tab[b] = float32(int32(int8(b))-zp) * scale
		}
		out := make([]float32, n)
		dequantizeI8(in, out, zp, scale, &tab)
		for i, v := range in {
			if math.Float32bits(out[i]) != math.Float32bits(tab[byte(v)]) {
				t.Fatalf("trial %d zp=%d scale=%g: %d gives %g, want %g", trial, zp, scale, v, out[i], tab[byte(v)])
			}
		}
	}
}
