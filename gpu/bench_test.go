package gpu

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/fp16tool/fp16tool/graph"
)

// BenchmarkGemm512 times a 512x512x512 GEMM per precision and tile and
// reports GFLOP/s from the GPU timestamps (gpu-GFLOP/s) and from the wall
// clock of Run (GFLOP/s, including submission and the fence wait).
//
//	go test ./gpu -run '^$' -bench Gemm512 -benchtime 10x
func BenchmarkGemm512(b *testing.B) {
	d := openTest(b, DefaultOptions())
	const n = 512
	for _, p := range Precisions {
		for _, v := range []struct {
			tile   Tile
			scalar bool
		}{{Tile{4, 4}, false}, {Tile{4, 8}, false}, {Tile{8, 4}, false}, {Tile{8, 8}, false}, {Tile{4, 4}, true}, {Tile{8, 4}, true}} {
			tile := v.tile
			name := fmt.Sprintf("%v/%dx%d", p, tile.M, tile.N)
			if v.scalar {
				name += "/scalar"
			} else {
				name += "/vec4"
			}
			b.Run(name, func(b *testing.B) {
				if !d.Info().Supports(p) {
					b.Skipf("%v unsupported", p)
				}
				k, err := NewKernels(d, p, tile)
				if err != nil {
					b.Fatal(err)
				}
				defer k.Close()
				k.noVec4 = v.scalar
				bufs := randBuffers(b, d, p, rand.New(rand.NewPCG(1, 2)), n*n, n*n, n, n*n)
				s := d.NewSequence()
				defer s.Close()
				if err := k.Gemm(s, n, n, n, graph.ActNone, bufs[0], bufs[1], bufs[2], bufs[3]); err != nil {
					b.Fatal(err)
				}
				gpuTime := benchRuns(b, s)
				flops := 2.0 * n * n * n * float64(b.N)
				b.ReportMetric(flops/b.Elapsed().Seconds()/1e9, "GFLOP/s")
				b.ReportMetric(flops/gpuTime.Seconds()/1e9, "gpu-GFLOP/s")
			})
		}
	}
}

// BenchmarkDispatchOverhead times a sequence of 100 tiny dispatches (a
// 4-element ADD each) to estimate the per-dispatch cost.
func BenchmarkDispatchOverhead(b *testing.B) {
	d := openTest(b, DefaultOptions())
	k, err := NewKernels(d, FP32, Tile{})
	if err != nil {
		b.Fatal(err)
	}
	defer k.Close()
	var bufs [3]*Buffer
	for i := range bufs {
		if bufs[i], err = d.NewBuffer(16); err != nil {
			b.Fatal(err)
		}
		defer bufs[i].Close()
		bufs[i].Write(0, make([]byte, 16))
	}
	s := d.NewSequence()
	defer s.Close()
	const ops = 100
	for range ops {
		if err := k.Binary(s, Add, graph.ActNone, []int{4}, []int{4}, bufs[0], bufs[1], bufs[2]); err != nil {
			b.Fatal(err)
		}
	}
	if err := s.Run(); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for range b.N {
		if err := s.Run(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N*ops), "µs/dispatch")
}

func TestTuneTile(t *testing.T) {
	d := openTest(t, DefaultOptions())
	cands := []Tile{{4, 4}, {8, 4}}
	best, all, err := TuneTile(d, FP32, 64, 2, cands)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 2 || (best != cands[0] && best != cands[1]) {
		t.Fatalf("best %v, timings %+v", best, all)
	}
	for _, tt := range all {
		if tt.Time <= 0 || tt.GFLOPS <= 0 {
			t.Errorf("timing %+v", tt)
		}
	}
	if _, _, err := TuneTile(d, FP32, 30, 1, nil); err == nil {
		t.Error("size 30 accepted")
	}
}

// BenchmarkLayers times layers shaped like the MediaPipe fixtures' (NHWC,
// batch 1) per precision, with the device's default tile, and reports
// GFLOP/s from the GPU timestamps.
//
//	go test ./gpu -run '^$' -bench Layers -benchtime 5x
func BenchmarkLayers(b *testing.B) {
	d := openTest(b, DefaultOptions())
	type layer struct {
		name      string
		depthwise bool
		c         Conv2DParams
	}
	conv := func(h, cin, cout, k, stride int) Conv2DParams {
		oh, pad := ConvOutput(h, k, stride, 1, graph.PaddingSame)
		return Conv2DParams{Batch: 1, InH: h, InW: h, InC: cin, OutH: oh, OutW: oh, OutC: cout, KH: k, KW: k,
			StrideH: stride, StrideW: stride, DilationH: 1, DilationW: 1, PadTop: pad, PadLeft: pad, Act: graph.ActRelu}
	}
	layers := []layer{
		{"conv3x3_s2_128x128x3to24", false, conv(128, 3, 24, 3, 2)},
		{"conv3x3_64x64x32to32", false, conv(64, 32, 32, 3, 1)},
		{"conv1x1_64x64x32to64", false, conv(64, 32, 64, 1, 1)},
		{"dw3x3_64x64x64", true, conv(64, 64, 64, 3, 1)},
		{"dw5x5_32x32x128", true, conv(32, 128, 128, 5, 1)},
	}
	for _, p := range Precisions {
		for _, l := range layers {
			b.Run(p.String()+"/"+l.name, func(b *testing.B) {
				if !d.Info().Supports(p) {
					b.Skipf("%v unsupported", p)
				}
				k, err := NewKernels(d, p, Tile{})
				if err != nil {
					b.Fatal(err)
				}
				defer k.Close()
				c := l.c
				wn := c.OutC * c.KH * c.KW * c.InC
				macs := c.OutH * c.OutW * c.OutC * c.KH * c.KW * c.InC
				if l.depthwise {
					wn = c.KH * c.KW * c.OutC
					macs = c.OutH * c.OutW * c.OutC * c.KH * c.KW
				}
				bufs := randBuffers(b, d, p, rand.New(rand.NewPCG(3, 4)), c.InH*c.InW*c.InC, wn, c.OutC, c.OutH*c.OutW*c.OutC)
				s := d.NewSequence()
				defer s.Close()
				rec := k.Conv2D
				if l.depthwise {
					rec = k.DepthwiseConv2D
				}
				if err := rec(s, c, bufs[0], bufs[1], bufs[2], bufs[3]); err != nil {
					b.Fatal(err)
				}
				if err := s.Run(); err != nil {
					b.Fatal(err)
				}
				var best time.Duration
				b.ResetTimer()
				for i := range b.N {
					if err := s.Run(); err != nil {
						b.Fatal(err)
					}
					if t := s.Timings(); t != nil && (i == 0 || t[0] < best) {
						best = t[0]
					}
				}
				if best > 0 {
					b.ReportMetric(2*float64(macs)/best.Seconds()/1e9, "best-gpu-GFLOP/s")
				}
			})
		}
	}
}
