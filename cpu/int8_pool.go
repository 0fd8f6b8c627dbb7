package cpu

import (
	"github.com/fp16tool/fp16tool/graph"
)

func init() {
	qbuiltins[graph.OpMaxPool2D] = prepareQPool(true)
	qbuiltins[graph.OpAveragePool2D] = prepareQPool(false)
}

// prepareQPool prepares an INT8 MAX_POOL_2D (the largest raw value) or
// AVERAGE_POOL_2D (TFLite's integer average: the sum of the window's
// values inside the input divided by their count, rounded half away from
// zero), clamped to the quantized fused activation. Input and output must
// have equal parameters, as TFLite requires.
func prepareQPool(isMax bool) prepareFunc {
	return func(x *opCtx) (kernel, error) {
		g, o, err := poolSetup(x)
		if err != nil {
			return nil, err
		}
		in, out := x.in[0], x.out[0]
		pin, pout, err := x.quantInt8(in, out)
		if err != nil {
			return nil, err
		}
		if pin.Scale != pout.Scale || pin.ZeroPoint != pout.ZeroPoint {
			return nil, x.errorf("input %v (scale %g, zero point %d) and output %v (scale %g, zero point %d) must have equal parameters", in, pin.Scale, pin.ZeroPoint, out, pout.Scale, pout.ZeroPoint)
		}
		lo, hi, err := actRangeQ(x, o.Activation, out, pout)
		if err != nil {
			return nil, err
		}
		acc := make([]int32, out.n)
		work := func(r0, r1 int) { qpoolRows(g, isMax, elems[int8](in), elems[int8](out), acc, lo, hi, r0, r1) }
		rows := g.batch * g.outH
		if x.c.opt.Reference {
			return func() error {
				work(0, rows)
				return nil
			}, nil
		}
		pl := x.c.pool
		return func() error {
			pl.run(rows, grainFor(g.outW*g.outC*g.kH*g.kW), work)
			return nil
		}, nil
	}
}

// qpoolRows pools output rows [r0, r1) of batch*outH, accumulating each
// output pixel's channels together in acc (out's size, scratch).
func qpoolRows(g *convGeom, isMax bool, in, out []int8, acc []int32, lo, hi int32, r0, r1 int) {
	c := g.inC
	for row := r0; row < r1; row++ {
		n, oy := row/g.outH, row%g.outH
		iy0 := oy*g.strideH - g.padH
		ky0, ky1 := max(0, -iy0), min(g.kH, g.inH-iy0)
		for ox := 0; ox < g.outW; ox++ {
			ix0 := ox*g.strideW - g.padW
			kx0, kx1 := max(0, -ix0), min(g.kW, g.inW-ix0)
			ob := ((n*g.outH+oy)*g.outW + ox) * c
			a := acc[ob : ob+c]
			init := int32(0)
			if isMax {
				init = -128
			}
			for k := range a {
				a[k] = init
			}
			for ky := ky0; ky < ky1; ky++ {
				for kx := kx0; kx < kx1; kx++ {
					base := ((n*g.inH+iy0+ky)*g.inW + ix0 + kx) * c
					src := in[base : base+c]
					if isMax {
						for k, v := range src {
							a[k] = max(a[k], int32(v))
						}
					} else {
						for k, v := range src {
							a[k] += int32(v)
						}
					}
				}
			}
			count := int32((ky1 - ky0) * (kx1 - kx0))
			o := out[ob : ob+c]
			for k, v := range a {
				if !isMax {
					switch {
					case count == 0:
						v = 0
					case v > 0:
						v = (v + count/2) / count
					default:
						v = (v - count/2) / count
					}
				}
				o[k] = int8(min(max(v, lo), hi))
			}
		}
	}
}
