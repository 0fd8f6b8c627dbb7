package cpu

import (
	"testing"

	"github.com/fp16tool/fp16tool/engine"
	"github.com/fp16tool/fp16tool/graph"
)

// BenchmarkInt8VsFloat times one op on fixture-like shapes, single thread,
// as float32, int8 and hybrid models (the int8 kernels' instruction set in
// the name), reporting wall time and (on Linux) the thread's CPU time per
// run: go test ./cpu -run '^$' -bench Int8VsFloat.
func BenchmarkInt8VsFloat(b *testing.B) {
	conv := func(k int) graph.Conv2DOptions {
		return graph.Conv2DOptions{Padding: graph.PaddingSame, StrideH: 1, StrideW: 1, Activation: graph.ActRelu6, DilationH: 1, DilationW: 1}
	}
	specs := []qOpSpec{
		{name: "conv3x3_56x56x64", code: graph.OpConv2D, in: []int{1, 56, 56, 64}, w: []int{64, 3, 3, 64}, opts: conv(3)},
		{name: "conv1x1_28x28x128to256", code: graph.OpConv2D, in: []int{1, 28, 28, 128}, w: []int{256, 1, 1, 128}, opts: conv(1)},
		{name: "dw3x3_112x112x32", code: graph.OpDepthwiseConv2D, in: []int{1, 112, 112, 32}, w: []int{1, 3, 3, 32}, axis: 3,
			opts: graph.DepthwiseConv2DOptions{Padding: graph.PaddingSame, StrideH: 1, StrideW: 1, DepthMultiplier: 1, Activation: graph.ActRelu6, DilationH: 1, DilationW: 1}},
		{name: "dw3x3_26x26x128", code: graph.OpDepthwiseConv2D, in: []int{1, 26, 26, 128}, w: []int{1, 3, 3, 128}, axis: 3,
			opts: graph.DepthwiseConv2DOptions{Padding: graph.PaddingValid, StrideH: 1, StrideW: 1, DepthMultiplier: 1, Activation: graph.ActRelu6, DilationH: 1, DilationW: 1}},
		{name: "fc_1024to1001", code: graph.OpFullyConnected, in: []int{1, 1024}, w: []int{1001, 1024}, opts: graph.FullyConnectedOptions{}},
	}
	for i, s := range specs {
		m := buildQOp(b, s, uint64(i))
		for _, mode := range []string{"float32", "int8", "hybrid"} {
			model, in := m.float, m.fin
			switch mode {
			case "int8":
				model, in = m.int8, m.qin
			case "hybrid":
				model = m.hybrid
			}
			name := s.name + "/" + mode
			if mode != "float32" {
				name += "_" + i8ISAName(i8ISA)
			}
			b.Run(name, func(b *testing.B) {
				p, err := Compile(model, engine.Options{Threads: 1})
				if err != nil {
					b.Fatal(err)
				}
				defer p.Close()
				copy(p.Input(0), in)
				loopCPU(b, func() {
					if err := p.Run(); err != nil {
						b.Fatal(err)
					}
				})
			})
		}
	}
}
