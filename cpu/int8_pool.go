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
// output pixel's channels together in acc (out's size, scratch). A
// MAX_POOL_2D over 16 channels or more runs the columns whose window
// lies inside the input by qmaxRun.
func qpoolRows(g *convGeom, isMax bool, in, out []int8, acc []int32, lo, hi int32, r0, r1 int) {
	c := g.inC
	for row := r0; row < r1; row++ {
		n, oy := row/g.outH, row%g.outH
		iy0 := oy*g.strideH - g.padH
		ky0, ky1 := max(0, -iy0), min(g.kH, g.inH-iy0)
		// Columns [xa, xb) have their whole window inside the input.
		xa, xb := 0, 0
		if isMax && useQPoolAsm && c >= 16 && ky1 > ky0 {
			xa = min((g.padW+g.strideW-1)/g.strideW, g.outW)
			if last := g.inW - g.kW + g.padW; last >= 0 {
				xb = max(min(last/g.strideW+1, g.outW), xa)
			}
		}
		for ox := 0; ox < g.outW; ox++ {
			if ox == xa && xb > xa {
				base := ((n*g.inH+iy0+ky0)*g.inW + xa*g.strideW - g.padW) * c
				ob := ((n*g.outH+oy)*g.outW + xa) * c
				qmaxRun(xb-xa, c, g.kW, ky1-ky0, g.strideW*c, g.inW*c, in[base:], out[ob:ob+(xb-xa)*c], lo, hi)
				ox = xb - 1
				continue
			}
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

// qmaxRun is MAX_POOL_2D over n consecutive output pixels of c >= 16
// channels whose kw × kh windows lie inside the input: in starts at the
// first window's top left, step bytes between windows, rs bytes between
// input rows; the maxima are clamped to [lo, hi] and written to out.
func qmaxRun(n, c, kw, kh, step, rs int, in, out []int8, lo, hi int32) {
	_ = in[(n-1)*step+(kh-1)*rs+kw*c-1] // the last byte read
	_ = out[n*c-1]
	qmaxRunAsm(n, c, kw, kh, step, rs, &in[0], &out[0], lo, hi)
}
