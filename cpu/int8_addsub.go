package cpu

import (
	qm "github.com/fp16tool/fp16tool/int8"

	"github.com/fp16tool/fp16tool/graph"
)

// addSubVec holds an int8/uint8 ADD or SUB's parameters broadcast to eight
// int32 lanes for addSubAsm (int8_simd_amd64.s reads it by offset: keep
// the field order). Each of the three TFLite requantizations (a, b and the
// sum) has a multiplier m, a left shift l, a right shift r and the
// rounding mask and half mask of the right shift.
type addSubVec struct {
	zA, zB               [8]int32 // input zero points (minus 128 for UINT8)
	mA, lA, maskA, halfA [8]int32
	mB, lB, maskB, halfB [8]int32
	mO, lO, maskO, halfO [8]int32
	zO, lo, hi           [8]int32 // output zero point and clamp
	rA, rB, rO           [8]int32 // right shift counts (lane 0)
	xorIn                [8]int32 // 0x80 bytes for UINT8 inputs
	round                [8]int32 // 2^30 in each 64-bit lane
	sub, unsigned        int32
	_                    [2]int32
}

// setReq fills one requantization's vectors from TFLite's multiplier.
func setReq(q quantizeMul, m, l, mask, half *[8]int32, r *[8]int32) {
	left, right := max(q.shift, 0), max(-q.shift, 0)
	for i := range 8 {
		m[i] = q.m
		mask[i] = int32(1)<<uint(right) - 1
		half[i] = mask[i] >> 1
	}
	l[0], r[0] = int32(left), int32(right)
}

// newAddSubVec prepares addSubAsm's parameters for an ADD or SUB with
// input parameters pa, pb, output po, clamp [lo, hi] and TFLite's three
// multipliers (see prepareQBinary).
func newAddSubVec(d graph.DType, pa, pb, po qm.Params, ma, mb, mo quantizeMul, lo, hi int32, sub bool) *addSubVec {
	v := new(addSubVec)
	off, xor := int32(0), int32(0)
	if d == graph.Uint8 {
		off, xor = 128, -0x7f7f7f80 // 0x80808080
		v.unsigned = 1
	}
	setReq(ma, &v.mA, &v.lA, &v.maskA, &v.halfA, &v.rA)
	setReq(mb, &v.mB, &v.lB, &v.maskB, &v.halfB, &v.rB)
	setReq(mo, &v.mO, &v.lO, &v.maskO, &v.halfO, &v.rO)
	for i := range 8 {
		v.zA[i], v.zB[i] = pa.ZeroPoint-off, pb.ZeroPoint-off
		v.zO[i], v.lo[i], v.hi[i] = po.ZeroPoint, lo, hi
		v.xorIn[i] = xor
		if i%2 == 0 {
			v.round[i] = 1 << 30
		}
	}
	if sub {
		v.sub = 1
	}
	return v
}

// addSubRow returns the row function of lut16Kernel for an ADD or SUB
// (addSubApply) where the machine has the assembly, nil otherwise.
func addSubRow(v *addSubVec, t *lut16) func(a, b, out []byte) {
	if !useAddSubAsm {
		return nil
	}
	return func(a, b, out []byte) { addSubApply(v, t, a, b, out) }
}

// addSubApply writes t[a[i], b[i]] to out[i], by addSubAsm on the longest
// multiple of eight elements when the machine has it.
func addSubApply(v *addSubVec, t *lut16, a, b, out []byte) {
	b, out = b[:len(a)], out[:len(a)]
	n := 0
	if useAddSubAVX512 && len(a) >= 16 {
		n = len(a) &^ 15
		addSubAVX512(n, v, &a[0], &b[0], &out[0])
	} else if useAddSubAsm && len(a) >= 8 {
		n = len(a) &^ 7
		addSubAsm(n, v, &a[0], &b[0], &out[0])
	}
	for i := n; i < len(a); i++ {
		out[i] = t[int(a[i])<<8|int(b[i])]
	}
}
