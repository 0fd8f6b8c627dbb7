package cpu

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/fp16tool/fp16tool/graph"
)

// BenchmarkInt8DWShapes times the packed int8 depthwise kernel alone
// (single thread, XNNPACK requantization) on fixture layer shapes:
// go test ./cpu -run '^$' -bench Int8DWShapes.
func BenchmarkInt8DWShapes(b *testing.B) {
	for _, s := range []struct{ hw, c, k, stride int }{{256, 8, 3, 1}, {128, 24, 3, 1}, {64, 96, 3, 1}, {128, 16, 3, 2}, {16, 336, 5, 1}, {130, 32, 3, 2}, {34, 144, 3, 2}, {8, 1632, 5, 1}, {16, 960, 5, 1}} {
		b.Run(fmt.Sprintf("%dx%dx%d_k%d_s%d", s.hw, s.hw, s.c, s.k, s.stride), func(b *testing.B) {
			r := rand.New(rand.NewPCG(1, 2))
			cg := &convGeom{batch: 1, inH: s.hw, inW: s.hw, inC: s.c, outC: s.c, kH: s.k, kW: s.k, kC: 1,
				strideH: s.stride, strideW: s.stride, dilH: 1, dilW: 1, groups: 1}
			cg.outH, cg.padH = window(graph.PaddingSame, cg.inH, cg.kH, cg.strideH, 1)
			cg.outW, cg.padW = window(graph.PaddingSame, cg.inW, cg.kW, cg.strideW, 1)
			g := &dwGeom{convGeom: *cg, mult: 1}
			q := randRequant(r, g.outC)
			q.xnn = true
			in := randInt8s(r, g.inH*g.inW*g.inC, -128, 127)
			d := newI8DW(g, randInt8s(r, g.kH*g.kW*g.outC, -127, 127), i8ISA)
			d.setRequant(q, nil)
			d.epi.out8 = make([]int8, g.outH*g.outW*g.outC)
			pl := newPool(1)
			defer pl.close()
			loopCPU(b, func() { d.run(pl, in, []int32{q.inZero}) })
		})
	}
}

// BenchmarkInt8ConvShapes times the packed int8 convolution alone (single
// thread, XNNPACK requantization) on fixture layer shapes:
// go test ./cpu -run '^$' -bench Int8ConvShapes.
func BenchmarkInt8ConvShapes(b *testing.B) {
	for _, s := range []struct{ hw, cin, cout, k, stride int }{
		{256, 8, 8, 1, 1}, {128, 16, 16, 1, 1}, {128, 16, 64, 1, 1}, {256, 3, 16, 3, 2}, {256, 8, 1, 3, 1}, {32, 88, 24, 1, 1},
	} {
		b.Run(fmt.Sprintf("%dx%dx%d_to%d_k%d_s%d", s.hw, s.hw, s.cin, s.cout, s.k, s.stride), func(b *testing.B) {
			r := rand.New(rand.NewPCG(1, 2))
			g := &convGeom{batch: 1, inH: s.hw, inW: s.hw, inC: s.cin, outC: s.cout, kH: s.k, kW: s.k, kC: s.cin,
				strideH: s.stride, strideW: s.stride, dilH: 1, dilW: 1, groups: 1, filtersPerGroup: s.cout}
			g.outH, g.padH = window(graph.PaddingSame, g.inH, g.kH, g.strideH, 1)
			g.outW, g.padW = window(graph.PaddingSame, g.inW, g.kW, g.strideW, 1)
			q := randRequant(r, g.outC)
			q.xnn = true
			in := randInt8s(r, g.inH*g.inW*g.inC, -128, 127)
			e := newI8Conv(g, randInt8s(r, g.outC*g.kH*g.kW*g.kC, -127, 127), i8ISA)
			e.setRequant(q, nil)
			e.epi.out8 = make([]int8, g.outH*g.outW*g.outC)
			pl := newPool(1)
			defer pl.close()
			loopCPU(b, func() { e.run(pl, in, []int32{q.inZero}) })
		})
	}
}
