package gpu

import (
	"math/rand/v2"
	"sort"
	"testing"
	"time"

	"github.com/fp16tool/fp16tool/graph"
)

// BenchmarkElementwise times the elementwise and data-movement ops the
// fixtures spend most of their non-convolution time in (and the transpose
// convolution of selfie_segmentation), shaped as in pose_landmark_lite and
// selfie_segmentation, per precision, and reports the median GPU time of
// the sequence (timestamps; the transpose convolution is 4 dispatches) in
// µs:
//
//	go test ./gpu -run '^$' -bench Elementwise -benchtime 20x
func BenchmarkElementwise(b *testing.B) {
	d := openTest(b, DefaultOptions())
	type op struct {
		name  string
		sizes []int // elements of the buffers, the output last
		rec   func(k *Kernels, s *Sequence, bufs []*Buffer) error
	}
	binary := func(name string, o BinaryOp, act graph.Activation, as, bs []int) op {
		out, _ := BroadcastShape(as, bs)
		return op{name, []int{prod(as), prod(bs), prod(out)}, func(k *Kernels, s *Sequence, bufs []*Buffer) error {
			return k.Binary(s, o, act, as, bs, bufs[0], bufs[1], bufs[2])
		}}
	}
	ops := []op{
		binary("ADD_256x256x8_relu6", Add, graph.ActRelu6, []int{1, 256, 256, 8}, []int{1, 256, 256, 8}),
		binary("ADD_128x128x8", Add, graph.ActNone, []int{1, 128, 128, 8}, []int{1, 128, 128, 8}),
		binary("ADD_128x128x9_odd", Add, graph.ActNone, []int{1, 128, 128, 9}, []int{1, 128, 128, 9}),
		binary("MUL_128x128x16_by_C", Mul, graph.ActNone, []int{1, 128, 128, 16}, []int{1, 1, 1, 16}),
		binary("MUL_128x128x16_by_scalar", Mul, graph.ActNone, []int{1, 128, 128, 16}, []int{1}),
		binary("SUB_64x64x16_general", Sub, graph.ActNone, []int{1, 64, 64, 16}, []int{1, 64, 1, 16}),
		{"PAD_128x128x32_to_130x130", []int{128 * 128 * 32, 130 * 130 * 32}, func(k *Kernels, s *Sequence, bufs []*Buffer) error {
			return k.Pad(s, []int{1, 128, 128, 32}, []int{0, 1, 1, 0}, []int{0, 1, 1, 0}, 0, bufs[0], bufs[1])
		}},
		{"PAD_256x256x3_to_258x258", []int{256 * 256 * 3, 258 * 258 * 3}, func(k *Kernels, s *Sequence, bufs []*Buffer) error {
			return k.Pad(s, []int{1, 256, 256, 3}, []int{0, 1, 1, 0}, []int{0, 1, 1, 0}, 0, bufs[0], bufs[1])
		}},
		{"RESIZE_BILINEAR_128x128x8_to_256x256", []int{128 * 128 * 8, 256 * 256 * 8}, func(k *Kernels, s *Sequence, bufs []*Buffer) error {
			return k.Resize(s, ResizeParams{Batch: 1, InH: 128, InW: 128, C: 8, OutH: 256, OutW: 256, Bilinear: true, HalfPixelCenters: true}, bufs[0], bufs[1])
		}},
		{"HARD_SWISH_128x128x16", []int{128 * 128 * 16, 128 * 128 * 16}, func(k *Kernels, s *Sequence, bufs []*Buffer) error {
			return k.Unary(s, HardSwish, 0, 128*128*16, bufs[0], bufs[1])
		}},
		{"TRANSPOSE_CONV_k2s2_128x128x16_to_256x256x1", []int{128 * 128 * 16, 2 * 2 * 16, 1, 256 * 256}, func(k *Kernels, s *Sequence, bufs []*Buffer) error {
			c := Conv2DParams{Batch: 1, InH: 128, InW: 128, InC: 16, OutH: 256, OutW: 256, OutC: 1, KH: 2, KW: 2,
				StrideH: 2, StrideW: 2, DilationH: 1, DilationW: 1}
			return k.TransposeConv2D(s, c, bufs[0], bufs[1], bufs[2], bufs[3])
		}},
		{"LOGISTIC_256x256x1", []int{256 * 256, 256 * 256}, func(k *Kernels, s *Sequence, bufs []*Buffer) error {
			return k.Unary(s, Logistic, 0, 256*256, bufs[0], bufs[1])
		}},
	}
	for _, p := range Precisions {
		for _, o := range ops {
			b.Run(p.String()+"/"+o.name, func(b *testing.B) {
				if !d.Info().Supports(p) {
					b.Skipf("%v unsupported", p)
				}
				k, err := NewKernels(d, p, Tile{})
				if err != nil {
					b.Fatal(err)
				}
				defer k.Close()
				bufs := randBuffersIn(b, d, p, rand.New(rand.NewPCG(5, 6)), -4, 4, o.sizes...)
				s := d.NewSequence()
				defer s.Close()
				if err := o.rec(k, s, bufs); err != nil {
					b.Fatal(err)
				}
				if err := s.Run(); err != nil {
					b.Fatal(err)
				}
				var gpu []time.Duration
				b.ResetTimer()
				for range b.N {
					if err := s.Run(); err != nil {
						b.Fatal(err)
					}
					var sum time.Duration
					for _, t := range s.Timings() {
						sum += t
					}
					if sum > 0 {
						gpu = append(gpu, sum)
					}
				}
				if len(gpu) > 0 {
					sort.Slice(gpu, func(i, j int) bool { return gpu[i] < gpu[j] })
					b.ReportMetric(float64(gpu[len(gpu)/2].Nanoseconds())/1e3, "gpu-µs")
				}
			})
		}
	}
}
