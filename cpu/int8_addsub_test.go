package cpu

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	qm "github.com/fp16tool/fp16tool/int8"

	"github.com/fp16tool/fp16tool/engine"
	"github.com/fp16tool/fp16tool/graph"
	"github.com/fp16tool/fp16tool/internal/oracle"
	"github.com/fp16tool/fp16tool/internal/tensorio"
	"github.com/fp16tool/fp16tool/tflite"
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

// TestInt8AddSubOracle runs INT8 ADD and SUB on every pair of input bytes
// in LiteRT (XNNPACK's qs8 vadd where the scale ratios are in its range,
// TFLite's kernel elsewhere) and on our CPU backend: the default kernels
// must give LiteRT's byte on every pair. The trials include exact scale
// ratios (1/2, 1/4: sums landing on .5), where TFLite's three roundings
// and XNNPACK's one disagree on many pairs, so the test tells the two
// arithmetics apart (and asserts that it did); the reference kernels
// compute TFLite's (prepareQBinary's table).
func TestInt8AddSubOracle(t *testing.T) {
	oracle.Require(t)
	r := rand.New(rand.NewPCG(11, 12))
	a, b, _ := allPairs(0)
	dir := t.TempDir()
	type trial struct {
		m              *graph.Model
		desc           string
		inRange        bool
		tflite, theirs []byte
	}
	var trials []trial
	var jobs []oracle.Job
	acts := []graph.Activation{graph.ActNone, graph.ActRelu, graph.ActRelu6, graph.ActReluN1To1}
	for k := range 48 {
		rnd := func() qm.Params {
			return qm.Params{Scale: float32(math.Exp(r.Float64()*6 - 5)), ZeroPoint: r.Int32N(256) - 128}
		}
		pa, pb, po := rnd(), rnd(), rnd()
		switch k % 6 {
		case 0: // exact halves: ties on every other pair
			pb.Scale, po.Scale = pa.Scale, 2*pa.Scale
		case 1: // quarters
			pb.Scale, po.Scale = 2*pa.Scale, 4*pa.Scale
		case 2: // ratios outside XNNPACK's range: TFLite's kernel
			po.Scale = pa.Scale * 2000
		}
		sub, act := k%2 == 1, acts[k/2%len(acts)]
		code, opts := graph.OpAdd, any(graph.AddOptions{Activation: act})
		if sub {
			code, opts = graph.OpSub, graph.SubOptions{Activation: act}
		}
		q := func(name string, p qm.Params) *graph.Tensor {
			return qt(name, graph.Int8, p.Scale, int64(p.ZeroPoint), 256, 256)
		}
		m := qmodel(code, opts, q("out", po), q("a", pa), q("b", pb))
		m.Main().Ops[0].Version = 2 // INT8 ADD and SUB
		_, inRange := newXNNAdd(graph.Int8, pa, pb, po, -128, 127, sub)
		desc := fmt.Sprintf("%s %s a %v b %v out %v", code, act, pa, pb, po)
		fb, err := tflite.Save(m)
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dir, fmt.Sprintf("addsub%d.tflite", k))
		if err := os.WriteFile(path, fb, 0o644); err != nil {
			t.Fatal(err)
		}
		jobs = append(jobs, oracle.Job{Model: path, Inputs: []tensorio.Tensor{
			{Name: "a", Type: graph.Int8, Shape: []int{256, 256}, Data: a},
			{Name: "b", Type: graph.Int8, Shape: []int{256, 256}, Data: b}}})
		trials = append(trials, trial{m: m, desc: desc, inRange: inRange})
	}
	res, err := oracle.RunBatch(jobs)
	if err != nil {
		t.Fatal(err)
	}
	run := func(m *graph.Model, opt engine.Options) []byte {
		p, err := Compile(m, opt)
		if err != nil {
			t.Fatal(err)
		}
		defer p.Close()
		copy(p.Input(0), a)
		copy(p.Input(1), b)
		if err := p.Run(); err != nil {
			t.Fatal(err)
		}
		return append([]byte(nil), p.Output(0)...)
	}
	inRange, tfliteDiffers := 0, 0
	for k, tr := range trials {
		theirs := res[k].Outputs[0].Data
		ours := run(tr.m, engine.Options{Threads: 1})
		ref := run(tr.m, engine.Options{Threads: 1, Reference: true})
		diff, refDiff := 0, 0
		for i := range theirs {
			if ours[i] != theirs[i] {
				if diff++; diff <= 3 {
					t.Errorf("%s: (%d, %d) gives %d, LiteRT %d", tr.desc, int8(a[i]), int8(b[i]), int8(ours[i]), int8(theirs[i]))
				}
			}
			if ref[i] != theirs[i] {
				if d := int(int8(ref[i])) - int(int8(theirs[i])); d > 1 || d < -1 {
					t.Errorf("%s: reference kernel (%d, %d) gives %d, LiteRT %d: more than one step", tr.desc, int8(a[i]), int8(b[i]), int8(ref[i]), int8(theirs[i]))
				}
				refDiff++
			}
		}
		if diff > 0 {
			t.Errorf("%s: %d of %d pairs differ from LiteRT", tr.desc, diff, len(theirs))
		}
		if tr.inRange {
			inRange++
			tfliteDiffers += refDiff
		} else if refDiff > 0 {
			t.Errorf("%s: outside XNNPACK's range the reference kernel differs from LiteRT on %d pairs", tr.desc, refDiff)
		}
	}
	t.Logf("%d trials (%d in XNNPACK's range): TFLite's arithmetic (the reference kernels) differs from LiteRT on %d pairs, ours on none", len(trials), inRange, tfliteDiffers)
	if inRange == 0 || inRange == len(trials) || tfliteDiffers == 0 {
		t.Errorf("the trials did not tell XNNPACK's arithmetic from TFLite's (%d of %d in XNNPACK's range, %d pairs differ)", inRange, len(trials), tfliteDiffers)
	}
}

// TestXNNAddRow checks the vectorized row of XNNPACK's ADD and SUB
// (xnnAdd.lin with addLinApply) against the table of xnnAdd.at on every
// pair of input bytes, for random scales (ratios over XNNPACK's whole
// range, shifts 12 to 30), zero points and clamps, and counts the forms.
func TestXNNAddRow(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	a, b, got := allPairs(5)
	narrow, wide, none, trials := 0, 0, 0, 0
	for trial := range 200 {
		rnd := func() qm.Params {
			return qm.Params{Scale: float32(math.Exp(r.Float64()*10 - 5)), ZeroPoint: r.Int32N(256) - 128}
		}
		pa, pb, po := rnd(), rnd(), rnd()
		lo, hi := int32(-128), int32(127)
		if trial%3 == 1 {
			lo = po.ZeroPoint
		}
		x, ok := newXNNAdd(graph.Int8, pa, pb, po, lo, hi, trial%2 == 1)
		if !ok {
			continue
		}
		trials++
		tab := newLUT16(graph.Int8, graph.Int8, graph.Int8, x.at)
		l := x.lin(tab)
		switch {
		case l == nil:
			none++
			continue
		case l.wide:
			wide++
		default:
			narrow++
		}
		clear(got)
		addLinApply(l, tab, a, b, got)
		for i := range a {
			if want := tab[int(a[i])<<8|int(b[i])]; got[i] != want {
				t.Fatalf("trial %d %+v, form %+v: (%d, %d) gives %d, want %d", trial, x, *l, int8(a[i]), int8(b[i]), int8(got[i]), int8(want))
			}
		}
	}
	t.Logf("%d tables: %d narrow forms, %d wide, %d without a form", trials, narrow, wide, none)
	if useAddSubAsm && narrow == 0 {
		t.Errorf("no narrow form was checked")
	}
	if useAddSubAVX512 && wide == 0 {
		t.Errorf("no wide form was checked")
	}
	if !useAddSubAsm && narrow+wide > 0 {
		t.Errorf("a form without the assembly")
	}
}
