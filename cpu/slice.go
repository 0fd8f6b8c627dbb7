package cpu

import (
	"github.com/fp16tool/fp16tool/graph"
)

func init() {
	builtins[graph.OpSlice] = prepareSlice
	builtins[graph.OpStridedSlice] = prepareStridedSlice
}

// SLICE: constant begin and size (size -1: to the end).
func prepareSlice(x *opCtx) (kernel, error) {
	if err := x.arity(3, 3, 1); err != nil {
		return nil, err
	}
	in, out := x.in[0], x.out[0]
	if !sameFixedType(in, out) {
		return nil, x.errorf("input %v and output %v must have the same fixed-size type", in, out)
	}
	begin, err := x.in[1].ints()
	if err != nil {
		return nil, x.errorf("begin: %v", err)
	}
	size, err := x.in[2].ints()
	if err != nil {
		return nil, x.errorf("size: %v", err)
	}
	r := len(in.shape)
	if len(begin) != r || len(size) != r {
		return nil, x.errorf("begin %v and size %v must have %d values", begin, size, r)
	}
	want := make([]int, r)
	is := rowStrides(in.shape)
	base := 0
	for i := range r {
		s := size[i]
		if s == -1 {
			s = in.shape[i] - begin[i]
		}
		if begin[i] < 0 || s < 0 || begin[i]+s > in.shape[i] {
			return nil, x.errorf("begin %v size %v is out of range for %v", begin, size, in)
		}
		want[i] = s
		base += begin[i] * is[i]
	}
	if err := x.checkShape(out, want); err != nil {
		return nil, err
	}
	return gatherStrided(in, out, want, is, base), nil
}

// STRIDED_SLICE with TensorFlow's semantics: begin/end/strides are
// constants over a "sparse" spec that the begin, end, ellipsis, new-axis
// and shrink-axis masks expand to the input's dimensions; offset=true
// makes end relative to begin.
func prepareStridedSlice(x *opCtx) (kernel, error) {
	if err := x.arity(4, 4, 1); err != nil {
		return nil, err
	}
	o, err := opts[graph.StridedSliceOptions](x)
	if err != nil {
		return nil, err
	}
	in, out := x.in[0], x.out[0]
	if !sameFixedType(in, out) {
		return nil, x.errorf("input %v and output %v must have the same fixed-size type", in, out)
	}
	var sb, se, ss []int
	for i, p := range []*[]int{&sb, &se, &ss} {
		v, err := x.in[1+i].ints()
		if err != nil {
			return nil, x.errorf("begin, end and strides: %v", err)
		}
		*p = v
	}
	if len(sb) != len(se) || len(sb) != len(ss) {
		return nil, x.errorf("begin %v, end %v and strides %v differ in length", sb, se, ss)
	}
	if o.Offset {
		for i := range se {
			se[i] += sb[i]
		}
	}
	r := len(in.shape)
	sparse := len(sb)
	ellipsis := int(o.EllipsisMask)
	// Count the new axes after the ellipsis; with no ellipsis, add one
	// at the end.
	seenEllipsis, newAfter := false, 0
	for i := 0; i < sparse; i++ {
		if seenEllipsis && o.NewAxisMask&(1<<i) != 0 {
			newAfter++
		}
		if ellipsis&(1<<i) != 0 {
			seenEllipsis = true
		}
	}
	if !seenEllipsis {
		ellipsis |= 1 << sparse
		sparse++
	}
	// Build the dense spec.
	db, de, ds := make([]int, r), make([]int, r), make([]int, r)
	dbm, dem, dshrink := make([]bool, r), make([]bool, r), make([]bool, r)
	full := 0
	var final []int // dense index, or -1 for a new axis (shrunk axes left out)
	for i := 0; i < sparse; i++ {
		bit := int32(1) << i
		switch {
		case int32(ellipsis)&bit != 0:
			next := min(r-(sparse-i)+1+newAfter, r)
			for ; full < next; full++ {
				ds[full] = 1
				dbm[full], dem[full] = true, true
				final = append(final, full)
			}
		case o.NewAxisMask&bit != 0:
			// A new axis of size 1 does not touch the data.
			final = append(final, -1)
		default:
			if full >= r {
				return nil, x.errorf("the slice spec has more dimensions than %v", in)
			}
			db[full], de[full], ds[full] = sb[i], se[i], ss[i]
			dbm[full] = o.BeginMask&bit != 0
			dem[full] = o.EndMask&bit != 0
			dshrink[full] = o.ShrinkAxisMask&bit != 0
			if !dshrink[full] {
				final = append(final, full)
			}
			full++
		}
	}
	for ; full < r; full++ {
		ds[full] = 1
		dbm[full], dem[full] = true, true
		final = append(final, full)
	}
	// Resolve each dimension.
	is := rowStrides(in.shape)
	sizes := make([]int, r)
	strides := make([]int, r)
	base := 0
	for i := range r {
		dim, st := in.shape[i], ds[i]
		if st == 0 {
			return nil, x.errorf("stride %d is 0", i)
		}
		var b, e int
		if dshrink[i] {
			b = db[i]
			if b < 0 {
				b += dim
			}
			if b < 0 || b >= dim {
				return nil, x.errorf("shrunk index %d is out of range for %v", db[i], in)
			}
			e, st = b+1, 1
		} else {
			canon := func(v int, masked, isEnd bool) int {
				if masked {
					if st > 0 {
						if isEnd {
							return dim
						}
						return 0
					}
					if isEnd {
						return -1
					}
					return dim - 1
				}
				if v < 0 {
					v += dim
				}
				lo, hi := 0, dim
				if st < 0 {
					lo, hi = -1, dim-1
				}
				return min(max(v, lo), hi)
			}
			b = canon(db[i], dbm[i], false)
			e = canon(de[i], dem[i], true)
		}
		n := 0
		if st > 0 && e > b {
			n = (e - b + st - 1) / st
		} else if st < 0 && e < b {
			n = (b - e - st - 1) / -st
		}
		sizes[i] = n
		strides[i] = st * is[i]
		if n > 0 {
			base += b * is[i]
		}
	}
	want := make([]int, 0, len(final))
	for _, d := range final {
		if d < 0 {
			want = append(want, 1)
		} else {
			want = append(want, sizes[d])
		}
	}
	if err := x.checkShape(out, want); err != nil {
		return nil, err
	}
	if out.n == 0 {
		return func() error { return nil }, nil
	}
	return gatherStrided(in, out, sizes, strides, base), nil
}
