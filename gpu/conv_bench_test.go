package gpu

import (
	"fmt"
	"math/rand/v2"
	"os"
	"testing"
	"time"

	"github.com/fp16tool/fp16tool/graph"
)

// convLayers are CONV_2D and DEPTHWISE_CONV_2D shapes from the fixtures
// (pose_landmark_lite unless named), for BenchmarkConvLayers.
var convLayers = []struct {
	convCase
	depthwise bool
}{
	{convCase{"conv3x3s2_258x258x3_24", 1, 258, 258, 3, 24, 3, 3, 2, 2, 1, 1, graph.PaddingValid, graph.ActRelu}, false},
	{convCase{"conv3x3_256x256x8_1", 1, 256, 256, 8, 1, 3, 3, 1, 1, 1, 1, graph.PaddingSame, graph.ActNone}, false},
	{convCase{"conv3x3_64x64x32_32", 1, 64, 64, 32, 32, 3, 3, 1, 1, 1, 1, graph.PaddingSame, graph.ActRelu}, false},
	{convCase{"conv1x1_256x256x8_8", 1, 256, 256, 8, 8, 1, 1, 1, 1, 1, 1, graph.PaddingValid, graph.ActRelu}, false},
	{convCase{"conv1x1_64x64x24_96", 1, 64, 64, 24, 96, 1, 1, 1, 1, 1, 1, graph.PaddingValid, graph.ActRelu}, false},
	{convCase{"conv1x1_16x16x192_192", 1, 16, 16, 192, 192, 1, 1, 1, 1, 1, 1, graph.PaddingValid, graph.ActNone}, false},
	{convCase{"conv1x1_16x16x160_960_heavy", 1, 16, 16, 160, 960, 1, 1, 1, 1, 1, 1, graph.PaddingValid, graph.ActNone}, false},
	{convCase{"conv1x1_8x8x1632_272_heavy", 1, 8, 8, 1632, 272, 1, 1, 1, 1, 1, 1, graph.PaddingValid, graph.ActNone}, false},
	{convCase{"dw3x3_128x128x24", 1, 128, 128, 24, 24, 3, 3, 1, 1, 1, 1, graph.PaddingSame, graph.ActNone}, true},
	{convCase{"dw3x3_256x256x8", 1, 256, 256, 8, 8, 3, 3, 1, 1, 1, 1, graph.PaddingSame, graph.ActNone}, true},
	{convCase{"dw5x5s2_64x64x96", 1, 64, 64, 96, 96, 5, 5, 2, 2, 1, 1, graph.PaddingSame, graph.ActNone}, true},
	{convCase{"dw3x3_16x16x288", 1, 16, 16, 288, 288, 3, 3, 1, 1, 1, 1, graph.PaddingSame, graph.ActNone}, true},
}

// BenchmarkConvLayers times single convolutions of fixture shapes per
// precision with the device's tile (FP16TOOL_GPU_TILE overrides it) and
// reports GFLOP/s from the GPU timestamps (2 x multiply-accumulates).
//
//	go test ./gpu -run '^$' -bench ConvLayers -benchtime 5x
func BenchmarkConvLayers(b *testing.B) {
	d := openTest(b, DefaultOptions())
	var tile Tile
	if env := os.Getenv(TileEnv); env != "" {
		if _, err := fmt.Sscanf(env, "%dx%d", &tile.M, &tile.N); err != nil {
			b.Fatalf("%s=%q: %v", TileEnv, env, err)
		}
	}
	for _, p := range Precisions {
		for _, l := range convLayers {
			b.Run(fmt.Sprintf("%v/%s", p, l.name), func(b *testing.B) {
				if !d.Info().Supports(p) {
					b.Skipf("%v unsupported", p)
				}
				k, err := NewKernels(d, p, tile)
				if err != nil {
					b.Fatal(err)
				}
				defer k.Close()
				c := l.params()
				nw, macs := c.OutC*c.KH*c.KW*c.InC, c.OutC*c.KH*c.KW*c.InC
				if l.depthwise {
					nw, macs = c.KH*c.KW*c.OutC, c.KH*c.KW*c.OutC
				}
				macs *= c.Batch * c.OutH * c.OutW
				bufs := randBuffers(b, d, p, rand.New(rand.NewPCG(3, 4)),
					c.Batch*c.InH*c.InW*c.InC, nw, c.OutC, c.Batch*c.OutH*c.OutW*c.OutC)
				s := d.NewSequence()
				defer s.Close()
				record := k.Conv2D
				if l.depthwise {
					record = k.DepthwiseConv2D
				}
				if err := record(s, c, bufs[0], bufs[1], bufs[2], bufs[3]); err != nil {
					b.Fatal(err)
				}
				gpuTime := benchRuns(b, s)
				b.ReportMetric(2*float64(macs)*float64(b.N)/gpuTime.Seconds()/1e9, "GFLOP/s")
			})
		}
	}
}

// benchRuns runs s once untimed (recording it and compiling its
// pipelines), then b.N timed times, and returns the summed GPU time of its
// first dispatch, or the wall time where the queue has no timestamps.
func benchRuns(b *testing.B, s *Sequence) time.Duration {
	if err := s.Run(); err != nil {
		b.Fatal(err)
	}
	var gpuTime time.Duration
	b.ResetTimer()
	for range b.N {
		if err := s.Run(); err != nil {
			b.Fatal(err)
		}
		if t := s.Timings(); t != nil {
			gpuTime += t[0]
		}
	}
	if gpuTime == 0 {
		gpuTime = b.Elapsed()
	}
	return gpuTime
}

// randBuffers returns buffers of the given element counts in precision p
// filled with random values in [-1, 1), closed when b ends.
func randBuffers(b *testing.B, d *Device, p Precision, r *rand.Rand, counts ...int) []*Buffer {
	return randBuffersIn(b, d, p, r, -1, 1, counts...)
}

// randBuffersIn is randBuffers with values in [lo, hi).
func randBuffersIn(b *testing.B, d *Device, p Precision, r *rand.Rand, lo, hi float32, counts ...int) []*Buffer {
	bufs := make([]*Buffer, len(counts))
	for i, n := range counts {
		buf, err := d.NewBuffer(n * p.ElemSize())
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { buf.Close() })
		if err := buf.Write(0, p.Encode(nil, randVals(r, n, lo, hi))); err != nil {
			b.Fatal(err)
		}
		bufs[i] = buf
	}
	return bufs
}
