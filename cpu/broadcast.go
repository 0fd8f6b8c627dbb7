package cpu

// broadcastShape returns the NumPy broadcast of shapes a and b, and false
// when they do not broadcast.
func broadcastShape(a, b []int) ([]int, bool) {
	r := max(len(a), len(b))
	out := make([]int, r)
	for i := 0; i < r; i++ {
		da, db := 1, 1
		if j := len(a) - r + i; j >= 0 {
			da = a[j]
		}
		if j := len(b) - r + i; j >= 0 {
			db = b[j]
		}
		switch {
		case da == db:
			out[i] = da
		case da == 1:
			out[i] = db
		case db == 1:
			out[i] = da
		default:
			return nil, false
		}
	}
	return out, true
}

// bcastStrides returns, for each dimension of out, the element stride of
// in (right-aligned; 0 where in is broadcast).
func bcastStrides(in, out []int) []int {
	s := make([]int, len(out))
	stride := 1
	for i := len(out) - 1; i >= 0; i-- {
		j := len(in) - len(out) + i
		if j >= 0 && in[j] != 1 {
			s[i] = stride
		}
		if j >= 0 {
			stride *= in[j]
		}
	}
	return s
}

// strided walks an output of shape dims row by row (the innermost
// dimension), tracking the matching offsets of up to two operands with
// the given per-dimension strides. It keeps its counters between calls so
// that a walk does not allocate.
type strided struct {
	dims   []int
	sa, sb []int
	ctr    []int
}

// newStrided merges adjacent dimensions that are contiguous in all
// operands, so that rows are as long as possible.
func newStrided(dims, sa, sb []int) *strided {
	if sb == nil {
		sb = make([]int, len(dims))
	}
	var d, a, b []int
	for i := range dims {
		if dims[i] == 1 {
			continue
		}
		if k := len(d) - 1; k >= 0 && a[k] == sa[i]*dims[i] && b[k] == sb[i]*dims[i] {
			d[k] *= dims[i]
			a[k], b[k] = sa[i], sb[i]
			continue
		}
		d = append(d, dims[i])
		a = append(a, sa[i])
		b = append(b, sb[i])
	}
	if len(d) == 0 {
		d, a, b = []int{1}, []int{0}, []int{0}
	}
	return &strided{dims: d, sa: a, sb: b, ctr: make([]int, len(d))}
}

// rows calls fn for each innermost row: the output offset, the two operand
// offsets, the row length and the operands' strides along the row.
func (s *strided) rows(fn func(o, a, b, n, da, db int)) {
	r := len(s.dims) - 1
	n, da, db := s.dims[r], s.sa[r], s.sb[r]
	for i := range s.ctr {
		s.ctr[i] = 0
	}
	o, a, b := 0, 0, 0
	for {
		fn(o, a, b, n, da, db)
		o += n
		// Advance the outer counters.
		k := r - 1
		for ; k >= 0; k-- {
			s.ctr[k]++
			a += s.sa[k]
			b += s.sb[k]
			if s.ctr[k] < s.dims[k] {
				break
			}
			a -= s.sa[k] * s.dims[k]
			b -= s.sb[k] * s.dims[k]
			s.ctr[k] = 0
		}
		if k < 0 {
			return
		}
	}
}
