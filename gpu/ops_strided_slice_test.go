package gpu

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/fp16tool/fp16tool/graph"
)

// TestStridedSliceAgainstShapeInference checks stridedSlice's counts
// against graph.StridedSliceShape (itself checked against TFLite) on
// random specs: the same element count and the same non-unit axes.
func TestStridedSliceAgainstShapeInference(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	checked := 0
	for range 5000 {
		rank := 1 + r.IntN(4)
		shape := make([]int, rank)
		shape32 := make([]int32, rank)
		for i := range shape {
			shape[i] = 1 + r.IntN(6)
			shape32[i] = int32(shape[i])
		}
		mode := r.IntN(4) // 0: an ellipsis, 1: a new axis
		n := 1 + r.IntN(rank+1)
		if mode == 0 {
			n = 1 + r.IntN(rank) // the ellipsis covers at least one axis
		}
		var begin, end, strides []int
		var b64, e64, s64 []int64
		for range n {
			s := 1 + r.IntN(3)
			if r.IntN(3) == 0 {
				s = -s
			}
			b, e := r.IntN(15)-7, r.IntN(15)-7
			begin, end, strides = append(begin, b), append(end, e), append(strides, s)
			b64, e64, s64 = append(b64, int64(b)), append(e64, int64(e)), append(s64, int64(s))
		}
		o := graph.StridedSliceOptions{BeginMask: r.Int32N(1 << n), EndMask: r.Int32N(1 << n),
			ShrinkAxisMask: r.Int32N(1<<n) & r.Int32N(1<<n)}
		switch mode {
		case 0:
			o.EllipsisMask = 1 << r.IntN(n)
		case 1:
			o.NewAxisMask = 1 << r.IntN(n)
		}
		want, werr := graph.StridedSliceShape(shape32, b64, e64, s64, o)
		_, count, _, err := stridedSlice(shape, begin, end, strides, o)
		if werr != nil || err != nil {
			continue // both refuse in different words, or one refuses a spec TFLite would too
		}
		checked++
		var w []int
		wn := 1
		for _, d := range want {
			wn *= int(d)
			if d != 1 {
				w = append(w, int(d))
			}
		}
		var g []int
		for _, d := range count {
			if d != 1 {
				g = append(g, d)
			}
		}
		if wn != prod(count) || (wn > 0 && !slices.Equal(w, g)) {
			t.Errorf("shape %v begin %v end %v strides %v %+v: counts %v, shape inference says %v", shape, begin, end, strides, o, count, want)
		}
	}
	if checked < 1000 {
		t.Errorf("only %d of 5000 random specs were accepted by both", checked)
	}
}
