package cpu

import (
	"github.com/fp16tool/fp16tool/graph"
)

func init() { builtins[graph.OpTranspose] = prepareTranspose }

// TRANSPOSE by a constant permutation: output dim i is input dim perm[i].
func prepareTranspose(x *opCtx) (kernel, error) {
	if err := x.arity(2, 2, 1); err != nil {
		return nil, err
	}
	in, permT, out := x.in[0], x.in[1], x.out[0]
	if !sameFixedType(in, out) {
		return nil, x.errorf("input %v and output %v must have the same fixed-size type", in, out)
	}
	perm, err := permT.ints()
	if err != nil {
		return nil, x.errorf("perm: %v", err)
	}
	r := len(in.shape)
	if len(perm) != r {
		return nil, x.errorf("perm %v does not match %v", perm, in)
	}
	seen := make([]bool, r)
	want := make([]int, r)
	is := rowStrides(in.shape)
	ps := make([]int, r)
	for i, p := range perm {
		if p < 0 {
			p += r
		}
		if p < 0 || p >= r || seen[p] {
			return nil, x.errorf("perm %v is not a permutation of %d axes", perm, r)
		}
		seen[p] = true
		want[i] = in.shape[p]
		ps[i] = is[p]
	}
	if err := x.checkShape(out, want); err != nil {
		return nil, err
	}
	return gatherStrided(in, out, want, ps, 0), nil
}

// gatherStrided returns a kernel that fills out (shape dims, row major)
// from in at base + sum(index[i]*strides[i]) (in elements, of any fixed
// size).
func gatherStrided(in, out *tensor, dims, strides []int, base int) kernel {
	it := newStrided(dims, rowStrides(dims), strides)
	return bySize(out,
		func() kernel { return gatherStridedT[uint8](in, out, it, base) },
		func() kernel { return gatherStridedT[uint16](in, out, it, base) },
		func() kernel { return gatherStridedT[uint32](in, out, it, base) },
		func() kernel { return gatherStridedT[uint64](in, out, it, base) })
}

func gatherStridedT[T any](in, out *tensor, it *strided, base int) kernel {
	return func() error {
		ov, iv := elems[T](out), elems[T](in)
		if len(ov) == 0 {
			return nil
		}
		it.rows(func(oi, _, ii, n, _, di int) {
			ii += base
			if di == 1 {
				copy(ov[oi:oi+n], iv[ii:ii+n])
				return
			}
			for k := 0; k < n; k++ {
				ov[oi+k] = iv[ii]
				ii += di
			}
		})
		return nil
	}
}
