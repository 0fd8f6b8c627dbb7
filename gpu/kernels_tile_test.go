package gpu

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/fp16tool/fp16tool/graph"
)

func TestLayerTile(t *testing.T) {
	for _, c := range []struct {
		tile              Tile
		rows, slots, minI int
		want              Tile
	}{
		{Tile{8, 8}, 65536, 24, 0, Tile{8, 8}},                 // CPU drivers: kept
		{Tile{8, 8}, 65536, 1, 0, Tile{16, 1}},                 // narrow output, capped at 16 pixels
		{Tile{4, 4}, 65536, 1, 0, Tile{16, 1}},                 // narrowTile: max(M, 16)
		{Tile{8, 8}, 4096, 2, 0, Tile{16, 2}},                  // 2 slots
		{Tile{4, 4}, 16384, 96, gpuMinInvocations, Tile{4, 4}}, // big enough: 4096*24 invocations
		{Tile{4, 4}, 64, 272, gpuMinInvocations, Tile{1, 2}},   // 8x8x272: 64*136 = 8704 invocations
		{Tile{4, 4}, 256, 960, gpuMinInvocations, Tile{4, 4}},  // 16x16x960: 64*240 = 15360 invocations
		{Tile{4, 4}, 256, 192, gpuMinInvocations, Tile{2, 2}},  // 128*96 = 12288
		{Tile{8, 8}, 1, 1, gpuMinInvocations, Tile{1, 1}},
	} {
		if got := layerTile(c.tile, c.rows, c.slots, c.minI); got != c.want {
			t.Errorf("layerTile(%v, %d rows, %d slots, min %d) = %v, want %v", c.tile, c.rows, c.slots, c.minI, got, c.want)
		}
	}
}

// TestSmallLayerTiles runs CONV_2D and GEMM with the GPU rule of
// layerTile (tiles halved for small layers) on the test device, so that
// the shrunken tiles (4x2, 2x2, 1x1, ...) are checked against the
// reference whatever the device type.
func TestSmallLayerTiles(t *testing.T) {
	d := openTest(t, DefaultOptions())
	cases := []convCase{
		{"1x1_gemm_64x64x8_8_tile2x2", 1, 64, 64, 8, 8, 1, 1, 1, 1, 1, 1, graph.PaddingValid, graph.ActNone},
		{"1x1_gemm_8x8x36_40", 1, 8, 8, 36, 40, 1, 1, 1, 1, 1, 1, graph.PaddingValid, graph.ActRelu},
		{"3x3_6x6x12_20", 1, 6, 6, 12, 20, 3, 3, 1, 1, 1, 1, graph.PaddingSame, graph.ActNone},
		{"3x3_s2_9x9x3_5", 1, 9, 9, 3, 5, 3, 3, 2, 2, 1, 1, graph.PaddingSame, graph.ActRelu6},
	}
	for _, p := range Precisions {
		t.Run(fmt.Sprint(p), func(t *testing.T) {
			k := kernelsFor(t, d, p, Tile{8, 8})
			k.minInvocations = gpuMinInvocations
			for i, cc := range cases {
				checkConv2D(t, d, k, cc, rand.New(rand.NewPCG(uint64(i), 13)))
			}
		})
	}
}

// checkConv2D runs k.Conv2D on case cc with random inputs from r and
// checks the result against refConv in a subtest named after the case.
func checkConv2D(t *testing.T, d *Device, k *Kernels, cc convCase, r *rand.Rand) {
	p, c := k.Precision(), cc.params()
	in := quantize(p, randVals(r, c.Batch*c.InH*c.InW*c.InC, -1, 1))
	w := quantize(p, randVals(r, c.OutC*c.KH*c.KW*c.InC, -1, 1))
	bias := quantize(p, randVals(r, c.OutC, -1, 1))
	want, mag := refConv(c, 0, in, w, bias)
	bi, bw, bb := upload(t, d, p, in), upload(t, d, p, w), upload(t, d, p, bias)
	bo := upload(t, d, p, make([]float32, len(want)))
	run(t, d, func(s *Sequence) error { return k.Conv2D(s, c, bi, bw, bb, bo) })
	t.Run(cc.name, func(t *testing.T) {
		check(t, p, c.KH*c.KW*c.InC, download(t, bo, p, len(want)), want, mag)
	})
}
