package cpu

import (
	"math"

	qm "github.com/fp16tool/fp16tool/int8"

	"github.com/fp16tool/fp16tool/graph"
)

// Binary int8/uint8 ops (ADD, SUB, MUL, PRELU, MAXIMUM, MINIMUM) with
// NumPy broadcasting. An op whose result depends on the two input values
// only is prepared as a 64 KiB table over every pair of raw input bytes,
// filled by TFLite's integer algorithm (by XNNPACK's for INT8 ADD, SUB
// and MUL, where LiteRT's CPU path runs XNNPACK), and evaluated as one
// lookup per element or by a vectorized row function equal to the table.

func init() {
	qbuiltins[graph.OpAdd] = prepareQBinary(binAdd)
	qbuiltins[graph.OpSub] = prepareQBinary(binSub)
	qbuiltins[graph.OpMul] = prepareQBinary(binMul)
	qbuiltins[graph.OpMaximum] = prepareQBinary(binMax)
	qbuiltins[graph.OpMinimum] = prepareQBinary(binMin)
	qbuiltins[graph.OpPrelu] = prepareQPrelu
}

// lut16 maps a pair of raw input bytes (a<<8 | b) to the raw output byte.
type lut16 [1 << 16]byte

func newLUT16(da, db, dout graph.DType, f func(a, b int32) int32) *lut16 {
	t := new(lut16)
	lo, hi := qRange(dout)
	for a := range 256 {
		qa := q8(da, byte(a))
		for b := range 256 {
			t[a<<8|b] = byte(min(max(f(qa, q8(db, byte(b))), lo), hi))
		}
	}
	return t
}

// actRangeQ is TFLite's CalculateActivationRangeQuantized: the fused
// activation's bounds quantized with the output's parameters and clamped
// to the type's range.
func actRangeQ(x *opCtx, a graph.Activation, out *tensor, p qm.Params) (lo, hi int32, err error) {
	tmin, tmax := qRange(out.dtype)
	q := func(v float32) int32 { return p.Quantize(v, tmin, tmax) }
	switch a {
	case graph.ActNone:
		return tmin, tmax, nil
	case graph.ActRelu:
		return q(0), tmax, nil
	case graph.ActRelu6:
		return q(0), q(6), nil
	case graph.ActReluN1To1:
		return q(-1), q(1), nil
	}
	return 0, 0, x.errorf("fused activation %s is not supported", a)
}

// binaryAct returns the fused activation of an ADD, SUB or MUL.
func binaryAct(x *opCtx, kind binOp) (graph.Activation, error) {
	switch kind {
	case binAdd:
		o, err := opts[graph.AddOptions](x)
		return o.Activation, err
	case binSub:
		o, err := opts[graph.SubOptions](x)
		return o.Activation, err
	case binMul:
		o, err := opts[graph.MulOptions](x)
		return o.Activation, err
	}
	return graph.ActNone, nil
}

// prepareQBinary prepares an int8/uint8 ADD, SUB, MUL (TFLite's
// arithmetic: inputs shifted left by 20 bits and rescaled to twice the
// larger input scale for ADD/SUB, the product rescaled for MUL, then the
// fused activation), MAXIMUM or MINIMUM (of the raw values, as TFLite).
//
// MUL follows TFLite's reference arithmetic only with Options.Reference;
// otherwise it computes what TFLite's default CPU path (the XNNPACK
// delegate) computes: the product times the float32 factor in/out scale,
// rounded half to even. The two differ by one step on about 1.5% of the
// elements. So do INT8 ADD and SUB (xnnAdd: XNNPACK's one rounding where
// its delegate takes the op), which differ from TFLite's on about one
// input pair in a million, and on many where a sum lands on a half.
func prepareQBinary(kind binOp) prepareFunc {
	return func(x *opCtx) (kernel, error) {
		if err := x.arity(2, 2, 1); err != nil {
			return nil, err
		}
		act, err := binaryAct(x, kind)
		if err != nil {
			return nil, err
		}
		a, b, out := x.in[0], x.in[1], x.out[0]
		if !is8(out.dtype) || a.dtype != out.dtype || b.dtype != out.dtype {
			return nil, x.errorf("inputs %v, %v and output %v must all be INT8 or all UINT8", a, b, out)
		}
		shape, ok := broadcastShape(a.shape, b.shape)
		if !ok {
			return nil, x.errorf("inputs %v and %v do not broadcast", a, b)
		}
		if err := x.checkShape(out, shape); err != nil {
			return nil, err
		}
		var pa, pb, po qm.Params
		for _, p := range []struct {
			t *tensor
			p *qm.Params
		}{{a, &pa}, {b, &pb}, {out, &po}} {
			if *p.p, err = x.quantTensor(p.t); err != nil {
				return nil, err
			}
		}
		lo, hi, err := actRangeQ(x, act, out, po)
		if err != nil {
			return nil, err
		}
		var f func(qa, qb int32) int32
		switch kind {
		case binAdd, binSub:
			if xa, ok := newXNNAdd(out.dtype, pa, pb, po, lo, hi, kind == binSub); ok && !x.c.opt.Reference {
				t := newLUT16(a.dtype, b.dtype, out.dtype, xa.at)
				return lut16Kernel(a, b, out, shape, t, xa.row(t)), nil
			}
			const leftShift = 20
			twiceMax := float64(2 * max(pa.Scale, pb.Scale))
			ma := newQuantizeMul(float64(pa.Scale) / twiceMax)
			mb := newQuantizeMul(float64(pb.Scale) / twiceMax)
			mo := newQuantizeMul(twiceMax / float64((1<<leftShift)*po.Scale))
			sign := int32(1)
			if kind == binSub {
				sign = -1
			}
			f = func(qa, qb int32) int32 {
				sa := ma.apply((qa - pa.ZeroPoint) * (1 << leftShift))
				sb := mb.apply((qb - pb.ZeroPoint) * (1 << leftShift))
				v := mo.apply(sa+sign*sb) + po.ZeroPoint
				return min(max(v, lo), hi)
			}
			t := newLUT16(a.dtype, b.dtype, out.dtype, f)
			v := newAddSubVec(out.dtype, pa, pb, po, ma, mb, mo, lo, hi, kind == binSub)
			// The ratios TFLite's multipliers realize, for the linear form.
			rA, rB := ma.real()*mo.real()*(1<<leftShift), float64(sign)*mb.real()*mo.real()*(1<<leftShift)
			return lut16Kernel(a, b, out, shape, t, addSubRow(v, t, out.dtype, pa.ZeroPoint, pb.ZeroPoint, po.ZeroPoint, lo, hi, rA, rB)), nil
		case binMul:
			if !x.c.opt.Reference {
				s := pa.Scale * pb.Scale / po.Scale
				f = func(qa, qb int32) int32 {
					v := int32(math.RoundToEven(float64(float32((qa-pa.ZeroPoint)*(qb-pb.ZeroPoint))*s))) + po.ZeroPoint
					return min(max(v, lo), hi)
				}
				t := newLUT16(a.dtype, b.dtype, out.dtype, f)
				return lut16Kernel(a, b, out, shape, t, mulRow(newMulVec(out.dtype, pa, pb, po, s, lo, hi), t)), nil
			}
			m := newQuantizeMul(float64(pa.Scale * pb.Scale / po.Scale))
			f = func(qa, qb int32) int32 {
				v := m.apply((qa-pa.ZeroPoint)*(qb-pb.ZeroPoint)) + po.ZeroPoint
				return min(max(v, lo), hi)
			}
		case binMax:
			f = func(qa, qb int32) int32 { return max(qa, qb) }
		case binMin:
			f = func(qa, qb int32) int32 { return min(qa, qb) }
		default:
			return nil, x.errorf("no int8 kernel")
		}
		return lut16Kernel(a, b, out, shape, newLUT16(a.dtype, b.dtype, out.dtype, f), nil), nil
	}
}

// lut16Kernel evaluates out = t[a, b] with a and b broadcast to shape;
// row, when not nil, computes the same bytes for runs of contiguous a and
// b (a vectorized kernel).
func lut16Kernel(a, b, out *tensor, shape []int, t *lut16, row func(a, b, out []byte)) kernel {
	if row == nil {
		row = func(a, b, out []byte) {
			for k := range out {
				out[k] = t[int(a[k])<<8|int(b[k])]
			}
		}
	}
	if sameShape(a.shape, b.shape) {
		return func() error {
			row(a.b, b.b[:len(a.b)], out.b[:len(a.b)])
			return nil
		}
	}
	if k := lut16Periodic(a, b, out, shape, row); k != nil {
		return k
	}
	it := newStrided(shape, bcastStrides(a.shape, shape), bcastStrides(b.shape, shape))
	return func() error {
		ov, av, bv := out.b, a.b, b.b
		it.rows(func(oi, ai, bi, n, da, db int) {
			o := ov[oi : oi+n]
			switch {
			case da == 1 && db == 1:
				row(av[ai:ai+n], bv[bi:bi+n], o)
			case da == 1 && db == 0:
				a, row := av[ai:ai+n], t[int(bv[bi]):]
				for k := range o {
					o[k] = row[int(a[k])<<8]
				}
			case da == 0 && db == 1:
				lut8Apply((*lut8)(t[int(av[ai])<<8:][:256]), bv[bi:bi+n], o)
			default:
				for k := range o {
					o[k] = t[int(av[ai])<<8|int(bv[bi])]
					ai += da
					bi += db
				}
			}
		})
		return nil
	}
}

// PRELU of int8/uint8: x - zp >= 0 rescaled by in/out scale, otherwise
// (x - zp)(alpha - alpha zp) rescaled by in × alpha / out scale (TFLite's
// two multipliers, computed in float32 as TFLite does).
func prepareQPrelu(x *opCtx) (kernel, error) {
	if err := x.arity(2, 2, 1); err != nil {
		return nil, err
	}
	in, alpha, out := x.in[0], x.in[1], x.out[0]
	if !is8(out.dtype) || in.dtype != out.dtype || alpha.dtype != out.dtype {
		return nil, x.errorf("input %v, alpha %v and output %v must all be INT8 or all UINT8", in, alpha, out)
	}
	shape, ok := broadcastShape(in.shape, alpha.shape)
	if !ok {
		return nil, x.errorf("input %v and alpha %v do not broadcast", in, alpha)
	}
	if err := x.checkShape(out, shape); err != nil {
		return nil, err
	}
	pi, err := x.quantTensor(in)
	if err != nil {
		return nil, err
	}
	pa, err := x.quantTensor(alpha)
	if err != nil {
		return nil, err
	}
	po, err := x.quantTensor(out)
	if err != nil {
		return nil, err
	}
	m1 := newQuantizeMul(float64(pi.Scale / po.Scale))
	m2 := newQuantizeMul(float64(pi.Scale * pa.Scale / po.Scale))
	f := func(q, qa int32) int32 {
		v := q - pi.ZeroPoint
		if v >= 0 {
			return m1.apply(v) + po.ZeroPoint
		}
		return m2.apply(v*(qa-pa.ZeroPoint)) + po.ZeroPoint
	}
	return lut16Kernel(in, alpha, out, shape, newLUT16(in.dtype, alpha.dtype, out.dtype, f), nil), nil
}

// lut16Periodic returns lut16Kernel's kernel for one input of the output's
// shape and the other broadcast along leading axes only (a MUL by a
// per-channel [1, 1, 1, C] vector): the small input repeats with its own
// length as the period, so each run copies it a few times into a buffer
// of about 4 KiB and calls row over chunks of that length. Nil for other
// shapes.
func lut16Periodic(a, b, out *tensor, shape []int, row func(a, b, out []byte)) kernel {
	full, small, smallIsA := a, b, false
	if !sameShape(a.shape, shape) {
		full, small, smallIsA = b, a, true
	}
	if !sameShape(full.shape, shape) || !suffixOf(small.shape, shape) || small.n == 0 {
		return nil
	}
	period := small.n
	rep := make([]byte, period*max(1, 4096/period))
	return func() error {
		for o := 0; o < len(rep); o += period {
			copy(rep[o:o+period], small.b[:period])
		}
		fv, ov := full.b[:out.n], out.b[:out.n]
		for off := 0; off < len(fv); off += len(rep) {
			n := min(len(rep), len(fv)-off)
			if smallIsA {
				row(rep[:n], fv[off:off+n], ov[off:off+n])
			} else {
				row(fv[off:off+n], rep[:n], ov[off:off+n])
			}
		}
		return nil
	}
}

// suffixOf reports whether shape s, aligned to the right of shape, is 1
// on a run of leading axes and equal to shape on the rest.
func suffixOf(s, shape []int) bool {
	if len(s) > len(shape) {
		return false
	}
	lead := len(shape) - len(s)
	ones := true
	for i, d := range s {
		if ones && d == 1 {
			continue
		}
		ones = false
		if d != shape[lead+i] {
			return false
		}
	}
	return true
}
