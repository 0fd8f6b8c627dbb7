package cpu

import (
	"math"
	"slices"

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

// addSubRow returns the row function of lut16Kernel for an ADD or SUB of
// TFLite's arithmetic (Options.Reference, UINT8, scale ratios XNNPACK
// does not take; xnnAdd.row for the others) where the machine has the
// assembly, nil otherwise: addLinApply when a
// linear form reproduces the table t on every input pair (INT8, rA and rB
// the ratios of TFLite's multipliers, negative rB for SUB), addSubApply
// (the fixed point) otherwise.
func addSubRow(v *addSubVec, t *lut16, d graph.DType, za, zb, zo, lo, hi int32, rA, rB float64) func(a, b, out []byte) {
	if !useAddSubAsm {
		return nil
	}
	if l := findAddLin(d, t, za, zb, zo, lo, hi, rA, rB, maxAddFixes); l != nil {
		return func(a, b, out []byte) { addLinApply(l, t, a, b, out) }
	}
	return func(a, b, out []byte) { addSubApply(v, t, a, b, out) }
}

// xnnAdd is an INT8 ADD or SUB as XNNPACK computes it (its qs8 vadd
// microkernels, which LiteRT's XNNPACK delegate runs): the input-to-output
// scale ratios ra = sa/so and rb = ±sb/so (float32 divisions, rb negated
// for SUB), shift = 20 - the exponent of max(|ra|, |rb|), multipliers
// ma, mb = |r|×2^shift rounded to the nearest integer (ties to even) with
// r's sign, and per element, in int32,
//
//	acc = 2^(shift-1) - ma×za - mb×zb + qa×ma + qb×mb
//	out = clamp((acc >> shift) + zo, lo, hi)
//
// a single rounding (half up) where TFLite's reference ADD rounds three
// times (the 64 KiB table of prepareQBinary). The two differ on about one
// input pair in a million: sums within 1e-5 of a rounding boundary
// (selfie_segmentation calibrated with FMA float kernels has one, -45.49999
// in its add_1: TFLite's table gives -45, XNNPACK and LiteRT -46).
type xnnAdd struct {
	ma, mb, bias int32
	shift        uint
	zo, lo, hi   int32
}

// XNNPACK's delegate takes an INT8 ADD or SUB only when both inputs'
// scale ratios to the output's lie in [xnnAddMinRatio, xnnAddMaxRatio);
// LiteRT runs the others with TFLite's own kernel (the table).
const (
	xnnAddMinRatio = 1.0 / 1024
	xnnAddMaxRatio = 256
)

// newXNNAdd returns XNNPACK's parameters for an INT8 ADD or SUB with
// input parameters pa and pb, output po and clamp [lo, hi]; false for
// UINT8 (LiteRT's XNNPACK build leaves it to TFLite) and for scale ratios
// outside XNNPACK's range.
func newXNNAdd(d graph.DType, pa, pb, po qm.Params, lo, hi int32, sub bool) (xnnAdd, bool) {
	ra, rb := pa.Scale/po.Scale, pb.Scale/po.Scale // float32, as XNNPACK
	for _, r := range []float32{ra, rb} {
		if !(r >= xnnAddMinRatio && r < xnnAddMaxRatio) { // also NaN
			return xnnAdd{}, false
		}
	}
	if d != graph.Int8 {
		return xnnAdd{}, false
	}
	shift := uint(20 - (int(math.Float32bits(max(ra, rb))>>23) - 127)) // in [12, 30]
	mul := func(r float32) int32 {
		return int32(math.RoundToEven(float64(math.Float32frombits(math.Float32bits(r) + uint32(shift)<<23))))
	}
	x := xnnAdd{ma: mul(ra), mb: mul(rb), shift: shift, zo: po.ZeroPoint, lo: lo, hi: hi}
	if sub {
		x.mb = -x.mb
	}
	x.bias = int32(1)<<(shift-1) - x.ma*pa.ZeroPoint - x.mb*pb.ZeroPoint
	return x, true
}

// at is XNNPACK's output for the raw inputs qa and qb.
func (x *xnnAdd) at(qa, qb int32) int32 {
	acc := x.bias + qa*x.ma + qb*x.mb
	return min(max(acc>>x.shift+x.zo, x.lo), x.hi)
}

// row returns the row function of lut16Kernel for x where the machine has
// the assembly and x.lin finds a form for it, nil otherwise (the table t
// of x.at is looked up).
func (x *xnnAdd) row(t *lut16) func(a, b, out []byte) {
	if l := x.lin(t); l != nil {
		return func(a, b, out []byte) { addLinApply(l, t, a, b, out) }
	}
	return nil
}

// lin returns x as a linear form (addLin) for the assembly, or nil: its
// accumulator is offset by a multiple of 2^shift so that it is never
// negative (addLin rounds negative sums half away from zero, XNNPACK
// rounds every sum half up), narrow where that fits in int32, wide with
// AVX-512 otherwise, checked equal to the table t on every input pair.
func (x *xnnAdd) lin(t *lut16) *addLin {
	if !useAddSubAsm {
		return nil
	}
	sh := int64(x.shift)
	ma, mb := int64(x.ma), int64(x.mb)
	bias := int64(x.bias) - 1<<(sh-1) // -ma×za - mb×zb
	least := min(-128*ma, 127*ma) + min(-128*mb, 127*mb) + bias
	k := max(0, (-least+1<<sh-1)>>sh) // acc + k×2^sh >= 0 for every pair
	for _, wide := range []bool{false, true} {
		if wide && !useAddSubAVX512 {
			break
		}
		l := &addLin{ma: ma, mb: mb, bias: bias + k<<sh, add: 1<<(sh-1) + (int64(x.zo)-k)<<sh,
			lo: int64(x.lo), hi: int64(x.hi), sh: sh, wide: wide}
		var hard []int
		if len(l.mismatches(t, &hard, 0)) == 0 {
			return l
		}
	}
	return nil
}

// addLin is a linear form of an INT8 ADD or SUB, as XNNPACK evaluates
// one: acc = a×ma + b×mb + bias over the raw int8 inputs, out =
// clamp((acc + half + zo<<sh + (acc < 0 ? -1 : 0)) >> sh, lo, hi), the
// division by 2^sh rounding half away from zero as TFLite's does. A narrow
// form keeps every value in int32 (addLinAVX512, addLinAVX2: sixteen or
// eight lanes); a wide one has 32-bit multipliers and an int64 sum
// (addLin64AVX512: eight lanes). A narrow form may also carry up to two
// fixes: input pairs (fixA, fixB) whose output is fixV rather than the
// form's (addLinFixAVX512; unused slots hold an impossible pair). The
// assembly reads the fields by offset: keep their order.
type addLin struct {
	ma, mb, bias, add, lo, hi, sh int64
	fixA, fixB, fixV              [maxAddFixes]int64
	fixes                         int64
	wide                          bool
}

// maxAddFixes is the number of fixed input pairs a narrow linear form may
// carry (each costs three instructions per sixteen elements).
const maxAddFixes = 2

// at is the linear form's output for the raw inputs qa and qb.
func (l *addLin) at(qa, qb int32) int32 {
	for j := range l.fixes {
		if int64(qa) == l.fixA[j] && int64(qb) == l.fixB[j] {
			return int32(l.fixV[j])
		}
	}
	acc := int64(qa)*l.ma + int64(qb)*l.mb + l.bias
	return int32(min(max((acc+l.add+acc>>63)>>l.sh, l.lo), l.hi))
}

// findAddLin looks for a linear form (addLin) equal to the table t on all
// 65536 input pairs, trying multipliers rA×2^sh and rB×2^sh rounded and
// one off, for the three largest shifts of a narrow form, then (with
// AVX-512) a narrow form wrong on at most fixes (up to maxAddFixes)
// pairs, which it fixes, then a wide form; nil when none matches or the type is not INT8.
// TFLite's ADD rounds three times, a linear form once: they differ only
// where a sum falls within a tiny distance of a rounding boundary (about
// one pair in a million), and the check finds out.
func findAddLin(d graph.DType, t *lut16, za, zb, zo, lo, hi int32, rA, rB float64, fixes int) *addLin {
	if d != graph.Int8 || math.IsNaN(rA+rB) || math.IsInf(rA+rB, 0) || rA == 0 || rB == 0 {
		return nil
	}
	// Narrow: |acc| <= 255(|ma|+|mb|) + bias headroom, plus half and
	// zo<<sh, must stay below 2^31. Wide: ma and mb must fit in int32.
	narrow := int(math.Floor(math.Log2(float64(1<<31) / (256*(math.Abs(rA)+math.Abs(rB)) + 132))))
	wide := int(math.Floor(math.Log2(float64(1<<31-1) / max(math.Abs(rA), math.Abs(rB)))))
	var hard []int // input pairs (a<<8 | b) some candidate got wrong: tried first
	var fixed *addLin
	limit := 0
	if useAddSubAVX512 {
		limit = min(fixes, maxAddFixes)
	}
	for _, w := range []bool{false, true} {
		if w && fixed != nil {
			return fixed
		}
		top := narrow
		if w {
			if !useAddSubAVX512 {
				break
			}
			top = wide
		}
		for sh := min(top, 62); sh >= max(top-2, 1); sh-- {
			ma0, mb0 := int64(math.Round(math.Ldexp(rA, sh))), int64(math.Round(math.Ldexp(rB, sh)))
			for _, da := range [3]int64{0, -1, 1} {
				for _, db := range [3]int64{0, -1, 1} {
					ma, mb := ma0+da, mb0+db
					if w && max(abs64(ma), abs64(mb)) >= 1<<31 {
						continue
					}
					l := &addLin{ma: ma, mb: mb, bias: -int64(za)*ma - int64(zb)*mb, add: int64(1)<<(sh-1) + int64(zo)<<sh, lo: int64(lo), hi: int64(hi), sh: int64(sh), wide: w}
					if w {
						if len(l.mismatches(t, &hard, 0)) == 0 {
							return l
						}
						continue
					}
					bad := l.mismatches(t, &hard, limit)
					if len(bad) == 0 {
						return l
					}
					if fixed == nil && len(bad) <= limit {
						for j := range l.fixA {
							l.fixA[j], l.fixB[j] = 1000, 1000 // no int8 pair
						}
						for j, p := range bad {
							l.fixA[j], l.fixB[j], l.fixV[j] = int64(int8(p>>8)), int64(int8(p)), int64(int8(t[p]))
						}
						l.fixes = int64(len(bad))
						fixed = l
					}
				}
			}
		}
	}
	return nil
}

// mismatches returns the input pairs (a<<8 | b) where the linear form
// differs from t (a narrow one also where it leaves int32), stopping
// after limit+1 of them. It tries the pairs in *hard first (near-ties of
// the three roundings that sink most candidates) and adds those it finds
// there.
func (l *addLin) mismatches(t *lut16, hard *[]int, limit int) []int {
	if !l.wide && max(abs64(l.bias), abs64(l.add)) >= 1<<30 {
		return make([]int, limit+1)
	}
	n := 0
	for _, p := range *hard {
		if !l.matchesAt(t, p) {
			if n++; n > limit {
				return make([]int, n)
			}
		}
	}
	var bad []int
	for p := range 1 << 16 {
		if !l.matchesAt(t, p) {
			if len(*hard) < 16 && !slices.Contains(*hard, p) {
				*hard = append(*hard, p)
			}
			if bad = append(bad, p); len(bad) > limit {
				break
			}
		}
	}
	return bad
}

// matchesAt reports whether the linear form gives t's byte for the input
// pair p = a<<8 | b, a narrow form without leaving int32.
func (l *addLin) matchesAt(t *lut16, p int) bool {
	const lim = 1<<31 - 1
	qa, qb := int32(int8(p>>8)), int32(int8(p))
	if !l.wide {
		acc := int64(qa)*l.ma + int64(qb)*l.mb + l.bias
		if v := acc + l.add; v > lim || v-1 < -lim || acc > lim || acc < -lim {
			return false
		}
	}
	return byte(l.at(qa, qb)) == t[p]
}

func abs64(v int64) int64 { return max(v, -v) }

// real is the factor q applies: m × 2^shift / 2^31.
func (q quantizeMul) real() float64 { return math.Ldexp(float64(q.m), q.shift-31) }

// addLinApply writes t[a[i], b[i]] to out[i], by the linear form l in
// assembly on the longest multiple of 16 (AVX-512) or 8 (AVX2, narrow
// forms) elements.
func addLinApply(l *addLin, t *lut16, a, b, out []byte) {
	b, out = b[:len(a)], out[:len(a)]
	n := 0
	if l.wide || l.fixes > 0 {
		if useAddSubAVX512 && len(a) >= 16 {
			n = len(a) &^ 15
			if l.wide {
				addLin64AVX512(n, l, &a[0], &b[0], &out[0])
			} else {
				addLinFixAVX512(n, l, &a[0], &b[0], &out[0])
			}
		}
	} else if useAddSubAVX512 && len(a) >= 16 {
		n = len(a) &^ 15
		addLinAVX512(n, l, &a[0], &b[0], &out[0])
	} else if useAddSubAsm && len(a) >= 8 {
		n = len(a) &^ 7
		addLinAVX2(n, l, &a[0], &b[0], &out[0])
	}
	for i := n; i < len(a); i++ {
		out[i] = t[int(a[i])<<8|int(b[i])]
	}
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
