package cpu

import (
	"math"

	"github.com/fp16tool/fp16tool/graph"
)

func init() {
	builtins[graph.OpResizeBilinear] = prepareResize(true)
	builtins[graph.OpResizeNearestNeighbor] = prepareResize(false)
}

// RESIZE_BILINEAR and RESIZE_NEAREST_NEIGHBOR of NHWC data to the size
// given by a constant INT32 [2] input, with TFLite's align_corners and
// half_pixel_centers rules.
func prepareResize(bilinear bool) prepareFunc {
	return func(x *opCtx) (kernel, error) {
		r, err := resizeSetup(x, bilinear)
		if err != nil {
			return nil, err
		}
		in, out := r.in, r.out
		if bilinear {
			if err := x.wantType(graph.Float32, in, out); err != nil {
				return nil, err
			}
		}
		n, ih, iw, c, oh, ow := r.n, r.ih, r.iw, r.c, r.oh, r.ow
		if bilinear {
			ys := bilinearAxis(oh, ih, r.sy, r.half)
			xs := bilinearAxis(ow, iw, r.sx, r.half)
			if x.c.opt.Reference {
				return func() error {
					resizeBilinearRef(in.f32(), out.f32(), n, ih, iw, c, ys, xs)
					return nil
				}, nil
			}
			work := func(lo, hi int) { resizeBilinearRows(in.f32(), out.f32(), ih, iw, c, ys, xs, lo, hi) }
			if useAsm && c%8 == 0 && c > 0 && ow > 0 {
				offs, fx := bilerpColumns(xs, c)
				work = func(lo, hi int) {
					iv, ov := in.f32(), out.f32()
					for row := lo; row < hi; row++ {
						b, y := row/oh, ys[row%oh]
						r0 := iv[(b*ih+y.lo)*iw*c:][:iw*c]
						r1 := iv[(b*ih+y.hi)*iw*c:][:iw*c]
						bilerpRowAsm(c, ow, &r0[0], &r1[0], &offs[0], &fx[0], y.frac, &ov[row*ow*c])
					}
				}
			}
			pl := x.c.pool // not c: the kernel must not keep the compiler (and every constant) alive
			return func() error {
				pl.run(n*oh, grainFor(4*ow*c), work)
				return nil
			}, nil
		}
		return bySize(out, resizeNearest[uint8](r), resizeNearest[uint16](r), resizeNearest[uint32](r), resizeNearest[uint64](r)), nil
	}
}

// resizeArgs are a checked RESIZE_*: input [n, ih, iw, c] to output
// [n, oh, ow, c], the options and the source-per-output scales.
type resizeArgs struct {
	in, out              *tensor
	n, ih, iw, c, oh, ow int
	align, half          bool
	sy, sx               float32
}

// resizeSetup checks a RESIZE_BILINEAR or RESIZE_NEAREST_NEIGHBOR (input
// and output of the same fixed-size type) and returns its geometry.
func resizeSetup(x *opCtx, bilinear bool) (*resizeArgs, error) {
	if err := x.arity(2, 2, 1); err != nil {
		return nil, err
	}
	var align, half bool
	if bilinear {
		o, err := opts[graph.ResizeBilinearOptions](x)
		if err != nil {
			return nil, err
		}
		align, half = o.AlignCorners, o.HalfPixelCenters
	} else {
		o, err := opts[graph.ResizeNearestNeighborOptions](x)
		if err != nil {
			return nil, err
		}
		align, half = o.AlignCorners, o.HalfPixelCenters
	}
	in, sizeT, out := x.in[0], x.in[1], x.out[0]
	if !sameFixedType(in, out) {
		return nil, x.errorf("input %v and output %v must have the same fixed-size type", in, out)
	}
	if len(in.shape) != 4 {
		return nil, x.errorf("input %v must have rank 4", in)
	}
	size, err := sizeT.ints()
	if err != nil || len(size) != 2 {
		return nil, x.errorf("size must be a constant INT32 [2]")
	}
	r := &resizeArgs{in: in, out: out, n: in.shape[0], ih: in.shape[1], iw: in.shape[2], c: in.shape[3], oh: size[0], ow: size[1], align: align, half: half}
	if err := x.checkShape(out, []int{r.n, r.oh, r.ow, r.c}); err != nil {
		return nil, err
	}
	scale := func(in, out int) float32 {
		if align && out > 1 {
			return float32(in-1) / float32(out-1)
		}
		return float32(in) / float32(out)
	}
	r.sy, r.sx = scale(r.ih, r.oh), scale(r.iw, r.ow)
	return r, nil
}

// resizeNearest is RESIZE_NEAREST_NEIGHBOR for elements of type T.
func resizeNearest[T any](r *resizeArgs) func() kernel {
	return func() kernel {
		n, ih, iw, c := r.n, r.ih, r.iw, r.c
		ys := nearestAxis(r.oh, ih, r.sy, r.align, r.half)
		xs := nearestAxis(r.ow, iw, r.sx, r.align, r.half)
		in, out := r.in, r.out
		return func() error {
			iv, ov := elems[T](in), elems[T](out)
			o := 0
			for b := 0; b < n; b++ {
				for _, y := range ys {
					for _, xx := range xs {
						src := ((b*ih+y)*iw + xx) * c
						copy(ov[o:o+c], iv[src:src+c])
						o += c
					}
				}
			}
			return nil
		}
	}
}

// lerpAt is one output coordinate of a bilinear resize: the two source
// indices and the weight of the upper one.
type lerpAt struct {
	lo, hi int
	frac   float32
}

// bilinearAxis is TFLite's ComputeInterpolationValues for every output
// coordinate along one axis.
func bilinearAxis(out, in int, scale float32, half bool) []lerpAt {
	r := make([]lerpAt, out)
	for i := range r {
		var v float32
		if half {
			v = (float32(i)+0.5)*scale - 0.5
		} else {
			v = float32(i) * scale
		}
		lo := max(int(float32(math.Floor(float64(v)))), 0)
		hi := min(int(float32(math.Ceil(float64(v)))), in-1)
		r[i] = lerpAt{lo: lo, hi: hi, frac: v - float32(lo)}
	}
	return r
}

func resizeBilinearRef(iv, ov []float32, n, ih, iw, c int, ys, xs []lerpAt) {
	o := 0
	for b := 0; b < n; b++ {
		for _, y := range ys {
			for _, x := range xs {
				p00 := ((b*ih+y.lo)*iw + x.lo) * c
				p01 := ((b*ih+y.lo)*iw + x.hi) * c
				p10 := ((b*ih+y.hi)*iw + x.lo) * c
				p11 := ((b*ih+y.hi)*iw + x.hi) * c
				w00 := (1 - y.frac) * (1 - x.frac)
				w01 := (1 - y.frac) * x.frac
				w10 := y.frac * (1 - x.frac)
				w11 := y.frac * x.frac
				for k := 0; k < c; k++ {
					ov[o+k] = iv[p00+k]*w00 + iv[p10+k]*w10 + iv[p01+k]*w01 + iv[p11+k]*w11
				}
				o += c
			}
		}
	}
}

// nearestAxis is TFLite's GetNearestNeighbor for every output coordinate
// along one axis.
func nearestAxis(out, in int, scale float32, align, half bool) []int {
	r := make([]int, out)
	off := float32(0)
	if half {
		off = 0.5
	}
	for i := range r {
		v := (float32(i) + off) * scale
		var k int
		if align {
			k = int(roundHalfAway(v))
		} else {
			k = int(float32(math.Floor(float64(v))))
		}
		k = min(k, in-1)
		if half {
			k = max(k, 0)
		}
		r[i] = k
	}
	return r
}

func roundHalfAway(v float32) float32 { return float32(math.Round(float64(v))) }

// bilerpColumns returns bilerpRowAsm's per-output-column input offsets
// (lo*c, hi*c pairs) and weights.
func bilerpColumns(xs []lerpAt, c int) ([]int, []float32) {
	offs, fx := make([]int, 2*len(xs)), make([]float32, len(xs))
	for i, x := range xs {
		offs[2*i], offs[2*i+1], fx[i] = x.lo*c, x.hi*c, x.frac
	}
	return offs, fx
}

// resizeBilinearRows is the optimized bilinear resize of output rows
// [lo, hi) over batch*outH: the same weights, whole channel vectors.
func resizeBilinearRows(iv, ov []float32, ih, iw, c int, ys, xs []lerpAt, lo, hi int) {
	oh, ow := len(ys), len(xs)
	for row := lo; row < hi; row++ {
		b, oy := row/oh, row%oh
		y := ys[oy]
		r0 := iv[(b*ih+y.lo)*iw*c:][:iw*c]
		r1 := iv[(b*ih+y.hi)*iw*c:][:iw*c]
		orow := ov[row*ow*c:][:ow*c]
		for ox, x := range xs {
			w00 := (1 - y.frac) * (1 - x.frac)
			w01 := (1 - y.frac) * x.frac
			w10 := y.frac * (1 - x.frac)
			w11 := y.frac * x.frac
			a := r0[x.lo*c:][:c]
			bb := r0[x.hi*c:][:c]
			cc := r1[x.lo*c:][:c]
			d := r1[x.hi*c:][:c]
			o := orow[ox*c:][:c]
			for k := range o {
				o[k] = a[k]*w00 + cc[k]*w10 + bb[k]*w01 + d[k]*w11
			}
		}
	}
}
