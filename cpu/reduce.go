package cpu

import (
	"github.com/fp16tool/fp16tool/graph"
	"math"
)

func init() {
	builtins[graph.OpMean] = prepareReduce(true)
	builtins[graph.OpSum] = prepareReduce(false)
}

// MEAN and SUM over the axes given by a constant INT32 input (negative
// axes count from the end; repeats are ignored), keeping the reduced
// dimensions as 1 with keep_dims.
func prepareReduce(mean bool) prepareFunc {
	return func(x *opCtx) (kernel, error) {
		if err := x.wantType(graph.Float32, x.in[0], x.out[0]); err != nil {
			return nil, err
		}
		ra, err := reduceSetup(x)
		if err != nil {
			return nil, err
		}
		in, out, it, count := ra.in, ra.out, ra.it, ra.count
		fast := !x.c.opt.Reference
		return func() error {
			iv, ov := in.f32(), out.f32()
			for i := range ov {
				ov[i] = 0
			}
			it.rows(func(_, ii, oi, n, di, do int) {
				if fast && di == 1 && do == 1 {
					binClamp(binAdd, ov[oi:oi+n], ov[oi:oi+n], iv[ii:ii+n], inf32(-1), inf32(1))
					return
				}
				for k := 0; k < n; k++ {
					ov[oi] += iv[ii]
					ii += di
					oi += do
				}
			})
			if mean && count > 0 {
				c := float32(count)
				for i := range ov {
					ov[i] /= c
				}
			}
			return nil
		}, nil
	}
}

// reduceArgs are a checked MEAN or SUM: it walks the input row by row with
// the matching output offsets (stride 0 along the reduced axes); count is
// the number of input elements per output element; hw reports a rank-4
// reduction over exactly axes 1 and 2 with keep_dims.
type reduceArgs struct {
	in, out *tensor
	it      *strided
	count   int
	hw      bool
}

// reduceSetup checks a MEAN or SUM (any element type) and returns its
// geometry.
func reduceSetup(x *opCtx) (*reduceArgs, error) {
	if err := x.arity(2, 2, 1); err != nil {
		return nil, err
	}
	o, err := opts[graph.ReducerOptions](x)
	if err != nil {
		return nil, err
	}
	in, axesT, out := x.in[0], x.in[1], x.out[0]
	axes, err := axesT.ints()
	if err != nil {
		return nil, x.errorf("axes: %v", err)
	}
	r := len(in.shape)
	reduced := make([]bool, r)
	for _, a := range axes {
		if a < -r || a >= r {
			return nil, x.errorf("axis %d is out of range for %v", a, in)
		}
		if a < 0 {
			a += r
		}
		reduced[a] = true
	}
	var want, keep []int
	count := 1
	for i, d := range in.shape {
		if reduced[i] {
			count *= d
			keep = append(keep, 1)
			if o.KeepDims {
				want = append(want, 1)
			}
			continue
		}
		keep = append(keep, d)
		want = append(want, d)
	}
	if err := x.checkShape(out, want); err != nil {
		return nil, err
	}
	ones := make([]int, r)
	stride := 1
	for i := r - 1; i >= 0; i-- {
		ones[i] = stride
		stride *= in.shape[i]
	}
	hw := r == 4 && o.KeepDims && !reduced[0] && reduced[1] && reduced[2] && !reduced[3]
	return &reduceArgs{in: in, out: out, it: newStrided(in.shape, ones, bcastStrides(keep, in.shape)), count: count, hw: hw}, nil
}

func inf32(sign int) float32 { return float32(math.Inf(sign)) }
