package cpu

import (
	"github.com/fp16tool/fp16tool/graph"
)

func init() {
	builtins[graph.OpPad] = preparePad
	builtins[graph.OpPadv2] = preparePad
}

// rowStrides returns the row-major element strides of shape.
func rowStrides(shape []int) []int {
	s := make([]int, len(shape))
	st := 1
	for i := len(shape) - 1; i >= 0; i-- {
		s[i] = st
		st *= shape[i]
	}
	return s
}

// PAD and PADV2: paddings is a constant [rank, 2] of (before, after);
// PADV2's third input is the scalar fill value (0 for PAD).
func preparePad(x *opCtx) (kernel, error) {
	if err := x.wantType(graph.Float32, x.in[0], x.out[0]); err != nil {
		return nil, err
	}
	return preparePadFill(x, 0)
}

// preparePadFill prepares PAD or PADV2 for elements of any fixed size; a
// PAD (or a PADV2 without a value) fills with the element whose bits are
// pad (0 for float 0; the int8 kernels pass the output's zero point).
func preparePadFill(x *opCtx, pad uint64) (kernel, error) {
	maxIn := 2
	if x.op.Code == graph.OpPadv2 {
		maxIn = 3
	}
	if err := x.arity(2, maxIn, 1); err != nil {
		return nil, err
	}
	in, padT, out := x.in[0], x.in[1], x.out[0]
	var fill *tensor
	if len(x.in) > 2 {
		fill = x.in[2]
	}
	if !sameFixedType(in, out) || (fill != nil && (fill.dtype != in.dtype || fill.n != 1)) {
		return nil, x.errorf("input %v, output %v and the fill value must have the same fixed-size type (one fill value)", in, out)
	}
	p, err := padT.ints()
	if err != nil {
		return nil, x.errorf("paddings: %v", err)
	}
	r := len(in.shape)
	if len(p) != 2*r {
		return nil, x.errorf("paddings %v has %d values, want %d for %v", padT, len(p), 2*r, in)
	}
	want := make([]int, r)
	for i := range r {
		if p[2*i] < 0 || p[2*i+1] < 0 {
			return nil, x.errorf("negative padding %v", p)
		}
		want[i] = in.shape[i] + p[2*i] + p[2*i+1]
	}
	if err := x.checkShape(out, want); err != nil {
		return nil, err
	}
	g := padGeom{in: in, out: out, fill: fill, pad: pad, p: p, want: want}
	// NHWC padded on H and W only: write every output row once.
	g.rows = r == 4 && p[0] == 0 && p[1] == 0 && p[6] == 0 && p[7] == 0 && !x.c.opt.Reference
	return bySize(out, padKernel[uint8](g), padKernel[uint16](g), padKernel[uint32](g), padKernel[uint64](g)), nil
}

// padGeom is a prepared PAD.
type padGeom struct {
	in, out, fill *tensor
	pad           uint64
	p, want       []int
	rows          bool
}

func padKernel[T uint8 | uint16 | uint32 | uint64](g padGeom) func() kernel {
	return func() kernel {
		in, out, fill, want, p := g.in, g.out, g.fill, g.want, g.p
		value := func() T {
			if fill != nil {
				return elems[T](fill)[0]
			}
			return T(g.pad)
		}
		if g.rows {
			n, h, w, c := in.shape[0], in.shape[1], in.shape[2], in.shape[3]
			oh, ow := want[1], want[2]
			top, left, right := p[2], p[4], p[5]
			return func() error {
				ov, iv := elems[T](out), elems[T](in)
				v := value()
				for b := 0; b < n; b++ {
					for oy := 0; oy < oh; oy++ {
						orow := ov[(b*oh+oy)*ow*c:][:ow*c]
						iy := oy - top
						if iy < 0 || iy >= h {
							fillSlice(orow, v)
							continue
						}
						fillSlice(orow[:left*c], v)
						copy(orow[left*c:(left+w)*c], iv[(b*h+iy)*w*c:][:w*c])
						fillSlice(orow[(ow-right)*c:], v)
					}
				}
				return nil
			}
		}
		os := rowStrides(want)
		base := 0
		for i := range want {
			base += p[2*i] * os[i]
		}
		it := newStrided(in.shape, os, rowStrides(in.shape))
		return func() error {
			ov, iv := elems[T](out), elems[T](in)
			fillSlice(ov, value())
			it.rows(func(_, oi, ii, n, do, di int) {
				if do == 1 && di == 1 {
					copy(ov[base+oi:base+oi+n], iv[ii:ii+n])
					return
				}
				for k := 0; k < n; k++ {
					ov[base+oi] = iv[ii]
					oi += do
					ii += di
				}
			})
			return nil
		}
	}
}

func fillSlice[T comparable](v []T, x T) {
	var zero T
	if x == zero {
		clear(v)
		return
	}
	for i := range v {
		v[i] = x
	}
}
