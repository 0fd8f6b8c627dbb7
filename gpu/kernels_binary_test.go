package gpu

import (
	"fmt"
	"math"
	"testing"

	"github.com/fp16tool/fp16tool/graph"
)

// binaryRef is out = act(a op b) with NumPy broadcasting, in float64, and
// the magnitudes of the results (the scale of their rounding errors).
func binaryRef(op BinaryOp, a graph.Activation, as, bs []int, x, y []float32) (want, mag []float64) {
	out, err := BroadcastShape(as, bs)
	if err != nil {
		panic(err)
	}
	n := prod(out)
	want, mag = make([]float64, n), make([]float64, n)
	for i := range n {
		o := unravel(i, out)
		u, v := float64(x[bcastIndex(o, as)]), float64(y[bcastIndex(o, bs)])
		var r float64
		switch op {
		case Add:
			r = u + v
		case Sub:
			r = u - v
		case Mul:
			r = u * v
		case Div:
			r = u / v
		case Maximum:
			r = math.Max(u, v)
		case Minimum:
			r = math.Min(u, v)
		case SquaredDifference:
			r = (u - v) * (u - v)
		}
		want[i], mag[i] = act(a, r), math.Abs(r)
	}
	return want, mag
}

// binaryFastCases covers binary.comp's index maps (same shape, a repeating
// inner block, a scalar; each with the broadcast operand first or second)
// in the vec4 and scalar variants, with every operation and fused
// activation. The sizes span several invocations of E elements and leave
// a partial last one.
func binaryFastCases() []opCase {
	shapes := []struct {
		as, bs []int
	}{
		{[]int{2, 9, 7, 12}, []int{2, 9, 7, 12}}, // same, vec4
		{[]int{3, 11, 7}, []int{3, 11, 7}},       // same, scalar
		{[]int{1, 9, 7, 12}, []int{1, 1, 1, 12}}, // inner, vec4
		{[]int{12}, []int{5, 13, 12}},            // inner swapped, vec4
		{[]int{1, 6, 9, 5}, []int{5}},            // inner, scalar
		{[]int{1, 1, 9, 5}, []int{2, 7, 9, 5}},   // inner swapped, a [W,C] block, scalar
		{[]int{4, 5, 8}, []int{5, 8}},            // inner, vec4
		{[]int{3, 7, 12}, []int{1}},              // scalar, vec4
		{[]int{1, 1}, []int{3, 7, 13}},           // scalar swapped, scalar variant
		{[]int{1, 4, 1, 3}, []int{1, 1, 5, 3}},   // general
	}
	var cases []opCase
	for op := Add; op <= SquaredDifference; op++ {
		for si, sh := range shapes {
			a := graph.Activation((int(op) + si) % int(graph.ActTanh+1)) // every activation over the ops
			out, _ := BroadcastShape(sh.as, sh.bs)
			lo, hi := float32(-3), float32(3)
			if op == Div {
				lo, hi = 0.5, 3 // both operands: the divisor is either input
			}
			cases = append(cases, opCase{
				name: fmt.Sprintf("%v_%v_%v_%v", op, a, sh.as, sh.bs), ins: []int{prod(sh.as), prod(sh.bs)},
				lo: lo, hi: hi, outs: []int{prod(out)}, terms: 2,
				rec: func(k *Kernels, s *Sequence, in, out []*Buffer) error {
					return k.Binary(s, op, a, sh.as, sh.bs, in[0], in[1], out[0])
				},
				ref: func(in [][]float32) ([][]float64, [][]float64) {
					w, m := binaryRef(op, a, sh.as, sh.bs, in[0], in[1])
					return [][]float64{w}, [][]float64{m}
				},
			})
		}
	}
	return cases
}

// TestBinaryMode checks which index map and variant each broadcast gets.
func TestBinaryMode(t *testing.T) {
	for _, c := range []struct {
		as, bs []int
		mode   int
		swap   bool
		unit   int
	}{
		{[]int{1, 8, 8, 16}, []int{1, 8, 8, 16}, binarySame, false, 0},
		{[]int{8, 8, 16}, []int{1, 8, 8, 16}, binarySame, false, 0},
		{[]int{1, 8, 8, 16}, []int{16}, binaryInner, false, 16},
		{[]int{1, 8, 8, 16}, []int{1, 1, 1, 16}, binaryInner, false, 16},
		{[]int{1, 1, 8, 16}, []int{1, 8, 8, 16}, binaryInner, true, 128},
		{[]int{1, 8, 8, 16}, []int{1}, binaryScalar, false, 0},
		{[]int{}, []int{2, 3}, binaryScalar, true, 0},
		{[]int{1, 8, 8, 16}, []int{1, 8, 1, 16}, binaryGeneral, false, 0},
		{[]int{1, 8, 1, 16}, []int{1, 1, 8, 1}, binaryGeneral, false, 0},
		{[]int{8, 1}, []int{8, 16}, binaryGeneral, false, 0},
	} {
		out, err := BroadcastShape(c.as, c.bs)
		if err != nil {
			t.Fatal(err)
		}
		mode, swap, unit := binaryMode(c.as, c.bs, out)
		if mode != c.mode || swap != c.swap || (mode == binaryInner && unit != c.unit) {
			t.Errorf("%v op %v: mode %d swap %v unit %d, want %d %v %d", c.as, c.bs, mode, swap, unit, c.mode, c.swap, c.unit)
		}
	}
}

// TestBinaryFast runs the fast index maps in every precision, with the
// default elements per invocation and with 1, 7 and 13 (on CPU drivers).
func TestBinaryFast(t *testing.T) {
	old := CPUElems
	defer func() { CPUElems = old }()
	for _, e := range []int{old, 1, 7, 13} {
		CPUElems = e
		t.Run(fmt.Sprint("E", e), func(t *testing.T) { runCases(t, binaryFastCases()) })
	}
}
