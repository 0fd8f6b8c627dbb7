package cpu

import (
	"math"

	"github.com/fp16tool/fp16tool/graph"
)

func init() {
	builtins[graph.OpMaxPool2D] = preparePool(true)
	builtins[graph.OpAveragePool2D] = preparePool(false)
}

// MAX_POOL_2D and AVERAGE_POOL_2D over NHWC data. The average counts only
// the window's elements inside the input, as TFLite does.
func preparePool(isMax bool) prepareFunc {
	return func(x *opCtx) (kernel, error) {
		if err := x.arity(1, 1, 1); err != nil {
			return nil, err
		}
		in, out := x.in[0], x.out[0]
		if err := x.wantType(graph.Float32, in, out); err != nil {
			return nil, err
		}
		g, o, err := poolSetup(x)
		if err != nil {
			return nil, err
		}
		if g.lo, g.hi, err = actRange(x, o.Activation); err != nil {
			return nil, err
		}
		if x.c.opt.Reference {
			return func() error {
				poolRef(g, isMax, in.f32(), out.f32())
				return nil
			}, nil
		}
		work := func(lo, hi int) { poolRows(g, isMax, in.f32(), out.f32(), lo, hi) }
		rows := g.batch * g.outH
		pl := x.c.pool // not c: the kernel must not keep the compiler (and every constant) alive
		return func() error {
			pl.run(rows, grainFor(g.outW*g.outC*g.kH*g.kW), work)
			return nil
		}, nil
	}
}

// poolSetup checks a MAX_POOL_2D or AVERAGE_POOL_2D (input and output of
// rank 4, input x.in[0]) and returns its geometry and options.
func poolSetup(x *opCtx) (*convGeom, graph.Pool2DOptions, error) {
	if err := x.arity(1, 1, 1); err != nil {
		return nil, graph.Pool2DOptions{}, err
	}
	o, err := opts[graph.Pool2DOptions](x)
	if err != nil {
		return nil, o, err
	}
	in, out := x.in[0], x.out[0]
	if len(in.shape) != 4 {
		return nil, o, x.errorf("input %v must have rank 4", in)
	}
	g := &convGeom{batch: in.shape[0], inH: in.shape[1], inW: in.shape[2], inC: in.shape[3],
		kH: int(o.FilterH), kW: int(o.FilterW), strideH: int(o.StrideH), strideW: int(o.StrideW), dilH: 1, dilW: 1}
	if g.kH <= 0 || g.kW <= 0 || g.strideH <= 0 || g.strideW <= 0 {
		return nil, o, x.errorf("filter %dx%d and strides %dx%d must be positive", g.kH, g.kW, g.strideH, g.strideW)
	}
	g.outC = g.inC
	g.outH, g.padH = window(o.Padding, g.inH, g.kH, g.strideH, 1)
	g.outW, g.padW = window(o.Padding, g.inW, g.kW, g.strideW, 1)
	if err := x.checkShape(out, []int{g.batch, g.outH, g.outW, g.outC}); err != nil {
		return nil, o, err
	}
	return g, o, nil
}

// poolRef is the reference max or average pool.
func poolRef(g *convGeom, isMax bool, in, out []float32) {
	for n := 0; n < g.batch; n++ {
		for oy := 0; oy < g.outH; oy++ {
			iy0 := oy*g.strideH - g.padH
			ky0, ky1 := max(0, -iy0), min(g.kH, g.inH-iy0)
			for ox := 0; ox < g.outW; ox++ {
				ix0 := ox*g.strideW - g.padW
				kx0, kx1 := max(0, -ix0), min(g.kW, g.inW-ix0)
				ob := ((n*g.outH+oy)*g.outW + ox) * g.outC
				for c := 0; c < g.inC; c++ {
					acc := float32(0)
					if isMax {
						acc = -math.MaxFloat32
					}
					count := 0
					for ky := ky0; ky < ky1; ky++ {
						for kx := kx0; kx < kx1; kx++ {
							v := in[((n*g.inH+iy0+ky)*g.inW+ix0+kx)*g.inC+c]
							if isMax {
								if v > acc {
									acc = v
								}
							} else {
								acc += v
							}
							count++
						}
					}
					if !isMax {
						if count == 0 {
							acc = 0
						} else {
							acc /= float32(count)
						}
					}
					out[ob+c] = clamp(acc, g.lo, g.hi)
				}
			}
		}
	}
}

// poolRows is the optimized pool over output rows [lo, hi) of
// batch*outH: whole channel vectors at a time.
func poolRows(g *convGeom, isMax bool, in, out []float32, lo, hi int) {
	c := g.inC
	for row := lo; row < hi; row++ {
		n, oy := row/g.outH, row%g.outH
		iy0 := oy*g.strideH - g.padH
		ky0, ky1 := max(0, -iy0), min(g.kH, g.inH-iy0)
		for ox := 0; ox < g.outW; ox++ {
			ix0 := ox*g.strideW - g.padW
			kx0, kx1 := max(0, -ix0), min(g.kW, g.inW-ix0)
			o := out[((n*g.outH+oy)*g.outW+ox)*c:][:c]
			count := (ky1 - ky0) * (kx1 - kx0)
			if count <= 0 {
				clear(o)
				continue
			}
			first := true
			for ky := ky0; ky < ky1; ky++ {
				for kx := kx0; kx < kx1; kx++ {
					src := in[((n*g.inH+iy0+ky)*g.inW+ix0+kx)*c:][:c]
					switch {
					case first:
						copy(o, src)
						first = false
					case isMax:
						for i, v := range src {
							o[i] = max(o[i], v)
						}
					default:
						for i, v := range src {
							o[i] += v
						}
					}
				}
			}
			if !isMax {
				f := float32(count)
				for i := range o {
					o[i] /= f
				}
			}
			clampSlice(o, g.lo, g.hi)
		}
	}
}
