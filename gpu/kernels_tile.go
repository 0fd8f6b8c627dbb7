package gpu

import (
	"math/bits"

	"github.com/fp16tool/fp16tool/graph"
)

// narrowTile is tile t for n output slots (channels, or groups of 4 in the
// vec4 depthwise kernel): where n < t.N, the tile takes n (rounded up to a
// power of two) slots and more pixels, up to t.M*t.N outputs but at most
// max(t.M, maxNarrowM) pixels, so that a narrow output (a one-channel
// mask, an 8-channel head) does not leave most accumulators idle, nor
// hold 64 pixels' offsets per invocation in the CONV_2D kernel.
func narrowTile(t Tile, n int) Tile {
	if n >= t.N {
		return t
	}
	tn := 1 << bits.Len(uint(n-1))
	return Tile{M: min(t.M*t.N/tn, max(t.M, maxNarrowM)), N: tn}
}

// maxNarrowM caps the pixels narrowTile gives a tile.
const maxNarrowM = 16

// tiledPipeline returns the pipeline of a register-tiled kernel (x: tiles
// of t.N of the slots output slots, y: tiles of t.M pixels or rows) with
// its tile and work-group size: groupX x groupY, except that a dispatch
// with fewer channel tiles than groupX gets a work group as narrow as
// them (the power of two at or above), so that no invocation of a group
// exits at once.
func (k *Kernels) tiledPipeline(op, variant string, buffers, push int, act graph.Activation, slots int) (p *Pipeline, t Tile, gx, gy int, err error) {
	t = narrowTile(k.tile, slots)
	gx = groupX
	if nx := CeilDiv(slots, t.N); nx < groupX {
		gx = 1 << bits.Len(uint(nx-1))
	}
	gy = groupX * groupY / gx
	p, err = k.pipeline(op, variant, buffers, push, uint32(gx), uint32(gy), 1, uint32(act), uint32(t.M), uint32(t.N))
	return p, t, gx, gy, err
}

// depthwisePixels is the number of output pixels of one row each
// invocation of the depthwise kernel computes, for one channel slot: the
// tile's M (each weight is then loaded once for M products), at most 16
// and no more than the row has.
func depthwisePixels(t Tile, outW int) int {
	return max(min(t.M, 16, outW), 1)
}

// flatTiledPipeline returns the pipeline of a register-tiled kernel whose
// invocations are numbered flat over (tile of t.M pixels or rows, tile of
// t.N of the slots output slots), slot tile fastest, with the work-group
// counts of a dispatch covering rows x slots outputs: every invocation of
// a work group but those of the last has a tile, at any channel count.
func (k *Kernels) flatTiledPipeline(op, variant string, buffers, push int, act graph.Activation, rows, slots int) (p *Pipeline, gx, gy int, err error) {
	t := layerTile(k.tile, rows, slots, k.minInvocations)
	p, err = k.pipeline(op, variant, buffers, push, groupFlat, 1, 1, uint32(act), uint32(t.M), uint32(t.N))
	gx, gy = flatGroups(CeilDiv(rows, t.M) * CeilDiv(slots, t.N))
	return p, gx, gy, err
}

// depthwiseRowConsts returns the kernel width and stride the depthwise
// kernel gets as constants, so that it loads each kernel row's inputs once
// into registers: those of c for widths up to 7, strides up to 2 and no
// dilation, else 0 and 1 (the general loop).
func depthwiseRowConsts(c Conv2DParams) (kw, sw int) {
	if c.KW <= 7 && c.StrideW <= 2 && c.DilationW == 1 {
		return c.KW, c.StrideW
	}
	return 0, 1
}

// layerTile is the tile of a layer of rows x slots outputs: narrowTile,
// then, while the layer would have fewer than minInv invocations, halved
// (its larger side first, M on a tie) down to 1x1, so that a small layer
// (the 8x8 and 16x16 stages of the pose models) still fills a GPU's
// compute units; 0 keeps the tile (CPU drivers, where fewer and larger
// tiles are faster).
func layerTile(t Tile, rows, slots, minInv int) Tile {
	t = narrowTile(t, slots)
	for t.M*t.N > 1 && CeilDiv(rows, t.M)*CeilDiv(slots, t.N) < minInv {
		if t.M >= t.N {
			t.M = (t.M + 1) / 2
		} else {
			t.N = (t.N + 1) / 2
		}
	}
	return t
}

// gpuMinInvocations is the number of invocations below which GPU layers
// get a smaller tile (layerTile): 128 work groups of 64.
const gpuMinInvocations = 128 * groupFlat
