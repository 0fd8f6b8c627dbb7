package gpu

import (
	"fmt"

	"github.com/fp16tool/fp16tool/graph"
)

// stridedSlice resolves STRIDED_SLICE's sparse spec (begin, end, strides
// and the options' masks, TensorFlow's semantics) over an input of shape
// into, per input axis, the first element, the element count and the
// step. New axes and shrunk axes change only the output's shape, which
// the caller checks by element count.
func stridedSlice(shape, begin, end, strides []int, o graph.StridedSliceOptions) (start, count, step []int, err error) {
	n := len(begin)
	if len(end) != n || len(strides) != n {
		return nil, nil, nil, fmt.Errorf("begin %v, end %v and strides %v differ in length", begin, end, strides)
	}
	bit := func(mask int32, i int) bool { return i < 32 && mask&(1<<i) != 0 }
	ellipsis := -1
	for i := range n {
		if bit(o.EllipsisMask, i) {
			ellipsis = i
			break
		}
	}
	// Entries that consume an input axis (neither the ellipsis nor new).
	consumes := func(i int) bool { return i != ellipsis && !bit(o.NewAxisMask, i) }
	after := 0
	for i := ellipsis + 1; ellipsis >= 0 && i < n; i++ {
		if consumes(i) {
			after++
		}
	}
	r := len(shape)
	start, count, step = make([]int, r), make([]int, r), make([]int, r)
	full := func(a int) { start[a], count[a], step[a] = 0, shape[a], 1 }
	a := 0 // the next input axis
	for i := range n {
		switch {
		case i == ellipsis:
			for ; a < r-after; a++ {
				full(a)
			}
			continue
		case !consumes(i):
			continue
		case a >= r:
			return nil, nil, nil, fmt.Errorf("the slice spec has more axes than %v", shape)
		}
		dim, b, e, s := shape[a], begin[i], end[i], strides[i]
		if o.Offset {
			e += b
		}
		if s == 0 {
			return nil, nil, nil, fmt.Errorf("stride %d is 0", i)
		}
		if bit(o.ShrinkAxisMask, i) {
			if b < 0 {
				b += dim
			}
			if b < 0 || b >= dim {
				return nil, nil, nil, fmt.Errorf("shrunk index %d is out of range for axis %d of %v", begin[i], a, shape)
			}
			start[a], count[a], step[a] = b, 1, 1
			a++
			continue
		}
		// Clamp to [0, dim] going forwards, [-1, dim-1] backwards; masked
		// ends take the whole axis.
		lo, hi := 0, dim
		if s < 0 {
			lo, hi = -1, dim-1
		}
		bound := func(v int, masked bool, first int) int {
			if masked {
				return first
			}
			if v < 0 {
				v += dim
			}
			return min(max(v, lo), hi)
		}
		if s > 0 {
			b, e = bound(b, bit(o.BeginMask, i), 0), bound(e, bit(o.EndMask, i), dim)
		} else {
			b, e = bound(b, bit(o.BeginMask, i), dim-1), bound(e, bit(o.EndMask, i), -1)
		}
		c := 0
		if span := (e - b) * sign(s); span > 0 {
			c = (span + abs(s) - 1) / abs(s)
		}
		start[a], count[a], step[a] = b, c, s
		a++
	}
	for ; a < r; a++ {
		full(a)
	}
	return start, count, step, nil
}

func sign(v int) int {
	if v < 0 {
		return -1
	}
	return 1
}

func abs(v int) int { return v * sign(v) }
