package cpu

// Vectorized forms of the int8 elementwise kernels (int8_simd_amd64.s on
// amd64 without the purego tag): each helper runs the assembly on the
// largest prefix it handles and the Go loop, which is the definition of
// the result, on the rest. The assembly produces the same bytes as the Go
// loop (TestInt8SIMDExact).

// lut8Apply writes t[in[i]] to out[i] for every i of in.
func lut8Apply(t *lut8, in, out []byte) {
	out = out[:len(in)]
	n := 0
	if useLUT8Asm && len(in) >= 64 {
		n = len(in) &^ 63
		lut8VBMIAsm(n, &t[0], &in[0], &out[0])
	}
	for i := n; i < len(in); i++ {
		out[i] = t[in[i]]
	}
}

// quantizeF32 is QUANTIZE of float32 to an 8-bit type as XNNPACK computes
// it: v × inv clamped to [flo, fhi] (NaN to flo), rounded half to even,
// plus the zero point zp; unsigned selects UINT8 rather than INT8 output.
func quantizeF32(in []float32, out []byte, inv, flo, fhi float32, zp int32, unsigned bool) {
	out = out[:len(in)]
	n := 0
	if useQuantF32Asm && len(in) >= 16 {
		n = len(in) &^ 15
		u := 0
		if unsigned {
			u = 1
		}
		quantF32Asm(n, &in[0], &out[0], inv, flo, fhi, zp, u)
	}
	for i := n; i < len(in); i++ {
		v := in[i] * inv
		if !(v >= flo) { // NaN too
			v = flo
		}
		v = min(v, fhi)
		out[i] = byte(roundEven32(v) + zp)
	}
}
