package cpu

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	qm "github.com/fp16tool/fp16tool/int8"

	"github.com/fp16tool/fp16tool/graph"
)

// TestInt8AddSubExact checks addSubApply (the vectorized ADD and SUB)
// against the 64 KiB table that defines them, on every pair of input
// bytes, for random scales, zero points, clamps, INT8 and UINT8.
func TestInt8AddSubExact(t *testing.T) {
	if !useAddSubAsm {
		t.Log("no assembly on this machine: the table is compared with itself")
	}
	r := rand.New(rand.NewPCG(3, 4))
	a, b, got := allPairs(5)
	linear, wide, fixed, int8Trials := 0, 0, 0, 0
	for trial := range 200 {
		d := graph.Int8
		if trial%3 == 2 {
			d = graph.Uint8
		} else {
			int8Trials++
		}
		tlo, thi := qRange(d)
		rnd := func() qm.Params {
			s := float32(math.Exp(r.Float64()*10 - 7))
			if r.IntN(4) == 0 {
				s = float32(math.Exp(r.Float64()*0.2 - 0.1)) // near-equal scales
			}
			return qm.Params{Scale: s, ZeroPoint: tlo + r.Int32N(thi-tlo+1)}
		}
		pa, pb, po := rnd(), rnd(), rnd()
		if trial%5 == 0 {
			pb.Scale = pa.Scale
		}
		lo, hi := tlo, thi
		if trial%4 == 1 {
			lo = min(max(po.ZeroPoint, tlo), thi)
		}
		const leftShift = 20
		twiceMax := float64(2 * max(pa.Scale, pb.Scale))
		ma := newQuantizeMul(float64(pa.Scale) / twiceMax)
		mb := newQuantizeMul(float64(pb.Scale) / twiceMax)
		mo := newQuantizeMul(twiceMax / float64((1<<leftShift)*po.Scale))
		sub := trial%2 == 1
		sign := int32(1)
		if sub {
			sign = -1
		}
		tab := newLUT16(d, d, d, func(qa, qb int32) int32 {
			sa := ma.apply((qa - pa.ZeroPoint) * (1 << leftShift))
			sb := mb.apply((qb - pb.ZeroPoint) * (1 << leftShift))
			return min(max(mo.apply(sa+sign*sb)+po.ZeroPoint, lo), hi)
		})
		v := newAddSubVec(d, pa, pb, po, ma, mb, mo, lo, hi, sub)
		check := func(path string) {
			t.Helper()
			for i := range a {
				if want := tab[int(a[i])<<8|int(b[i])]; got[i] != want {
					t.Fatalf("%s trial %d %v sub=%v a %v b %v out %v [%d,%d]: (%d, %d) gives %d, want %d",
						path, trial, d, sub, pa, pb, po, lo, hi, a[i], b[i], got[i], want)
				}
			}
		}
		addSubApply(v, tab, a, b, got)
		check("addSubApply")
		if useAddSubAsm { // the AVX2 kernel even where AVX-512 is preferred
			clear(got)
			n := len(a) &^ 7
			addSubAsm(n, v, &a[0], &b[0], &got[0])
			for i := n; i < len(a); i++ {
				got[i] = tab[int(a[i])<<8|int(b[i])]
			}
			check("addSubAsm")
		}
		for _, fixes := range []int{maxAddFixes, 0} {
			l := findAddLin(d, tab, pa.ZeroPoint, pb.ZeroPoint, po.ZeroPoint, lo, hi,
				ma.real()*mo.real()*(1<<leftShift), float64(sign)*mb.real()*mo.real()*(1<<leftShift), fixes)
			if l == nil {
				continue
			}
			if fixes > 0 {
				linear++
			}
			if l.wide {
				wide++
			}
			if l.fixes > 0 {
				fixed++
			}
			for i := range a {
				if got := byte(l.at(int32(int8(a[i])), int32(int8(b[i])))); got != tab[int(a[i])<<8|int(b[i])] {
					t.Fatalf("trial %d: findAddLin returned %+v, which gives %d for (%d, %d), want %d", trial, *l, got, a[i], b[i], tab[int(a[i])<<8|int(b[i])])
				}
			}
			if !useAddSubAsm {
				continue
			}
			clear(got)
			addLinApply(l, tab, a, b, got)
			check(fmt.Sprintf("addLinApply %+v", *l))
			if l.wide || l.fixes > 0 {
				continue
			}
			clear(got)
			n := len(a) &^ 7
			addLinAVX2(n, l, &a[0], &b[0], &got[0])
			for i := n; i < len(a); i++ {
				got[i] = tab[int(a[i])<<8|int(b[i])]
			}
			check("addLinAVX2")
		}
	}
	t.Logf("a linear form matched %d of %d INT8 tables (%d narrow with fixed pairs; without fixed pairs %d wide)", linear, int8Trials, fixed, wide)
	if useAddSubAVX512 && (fixed == 0 || wide == 0) {
		t.Errorf("the fixed-pair (%d) or the wide (%d) form was never tried", fixed, wide)
	}
	if linear < int8Trials/2 {
		t.Errorf("a linear form matched only %d of %d INT8 tables", linear, int8Trials)
	}
}

// TestInt8MulExact checks mulRow (the vectorized MUL) against the 64 KiB
// table that defines it, on every pair of input bytes, for random scales,
// zero points and clamps, INT8 and UINT8.
func TestInt8MulExact(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	a, b, got := allPairs(9)
	for trial := range 200 {
		d := graph.Int8
		if trial%2 == 1 {
			d = graph.Uint8
		}
		tlo, thi := qRange(d)
		zp := func() int32 { return tlo + r.Int32N(thi-tlo+1) }
		pa, pb, po := qm.Params{ZeroPoint: zp()}, qm.Params{ZeroPoint: zp()}, qm.Params{ZeroPoint: zp()}
		s := float32(math.Exp(r.Float64()*12 - 10))
		if trial%7 == 0 {
			s = 0.5 // exact halves
		}
		lo, hi := tlo, thi
		if trial%3 == 1 {
			lo = po.ZeroPoint
		}
		tab := newLUT16(d, d, d, func(qa, qb int32) int32 {
			v := int32(math.RoundToEven(float64(float32((qa-pa.ZeroPoint)*(qb-pb.ZeroPoint))*s))) + po.ZeroPoint
			return min(max(v, lo), hi)
		})
		row := mulRow(newMulVec(d, pa, pb, po, s, lo, hi), tab)
		if row == nil {
			t.Skip("no vectorized MUL on this machine")
		}
		clear(got)
		row(a, b, got)
		for i := range a {
			if want := tab[int(a[i])<<8|int(b[i])]; got[i] != want {
				t.Fatalf("trial %d %v s=%v zero points %d %d %d [%d,%d]: (%d, %d) gives %d, want %d",
					trial, d, s, pa.ZeroPoint, pb.ZeroPoint, po.ZeroPoint, lo, hi, a[i], b[i], got[i], want)
			}
		}
	}
}

// allPairs returns inputs a and b holding every pair of bytes, then tail
// more zeros (to reach the kernels' scalar tails), and an output buffer.
func allPairs(tail int) (a, b, out []byte) {
	a, b, out = make([]byte, 1<<16+tail), make([]byte, 1<<16+tail), make([]byte, 1<<16+tail)
	for i := range 1 << 16 {
		a[i], b[i] = byte(i>>8), byte(i)
	}
	return a, b, out
}
