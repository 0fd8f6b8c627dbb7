package cpu

import (
	"math/rand/v2"
	"testing"
)

// TestInt8MaxPoolRows checks the int8 MAX_POOL_2D rows (qmaxRun's
// assembly on the columns whose window lies inside the input, where the
// machine has it) against the maximum over each window's pixels inside
// the input written out here, for strides, windows, paddings, channel
// counts below, at and above 16 (not multiples of 16 too) and clamps.
func TestInt8MaxPoolRows(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	for trial := range 300 {
		g := &convGeom{batch: 1 + r.IntN(2), inH: 1 + r.IntN(9), inW: 1 + r.IntN(13), inC: []int{1, 3, 15, 16, 17, 28, 32, 42, 88}[r.IntN(9)]}
		g.kH, g.kW = 1+r.IntN(3), 1+r.IntN(3)
		g.strideH, g.strideW = 1+r.IntN(3), 1+r.IntN(3)
		if r.IntN(2) == 0 { // SAME
			g.outH, g.outW = (g.inH+g.strideH-1)/g.strideH, (g.inW+g.strideW-1)/g.strideW
			g.padH = max((g.outH-1)*g.strideH+g.kH-g.inH, 0) / 2
			g.padW = max((g.outW-1)*g.strideW+g.kW-g.inW, 0) / 2
		} else {
			g.kH, g.kW = min(g.kH, g.inH), min(g.kW, g.inW)
			g.outH, g.outW = (g.inH-g.kH)/g.strideH+1, (g.inW-g.kW)/g.strideW+1
		}
		g.outC = g.inC
		c := g.inC
		in := make([]int8, g.batch*g.inH*g.inW*c)
		for i := range in {
			in[i] = int8(r.Uint32())
		}
		lo, hi := int32(-128), int32(127)
		if trial%3 == 1 {
			lo, hi = int32(r.IntN(40))-20, int32(r.IntN(100))
		}
		out := make([]int8, g.batch*g.outH*g.outW*c)
		qpoolRows(g, true, in, out, make([]int32, len(out)), lo, hi, 0, g.batch*g.outH)
		for n := range g.batch {
			for oy := range g.outH {
				for ox := range g.outW {
					for k := range c {
						m := int32(-128)
						for ky := range g.kH {
							for kx := range g.kW {
								iy, ix := oy*g.strideH-g.padH+ky, ox*g.strideW-g.padW+kx
								if iy >= 0 && iy < g.inH && ix >= 0 && ix < g.inW {
									m = max(m, int32(in[((n*g.inH+iy)*g.inW+ix)*c+k]))
								}
							}
						}
						want := int8(min(max(m, lo), hi))
						if got := out[((n*g.outH+oy)*g.outW+ox)*c+k]; got != want {
							t.Fatalf("trial %d %+v [%d,%d]: out[%d,%d,%d,%d] = %d, want %d", trial, *g, lo, hi, n, oy, ox, k, got, want)
						}
					}
				}
			}
		}
	}
}
