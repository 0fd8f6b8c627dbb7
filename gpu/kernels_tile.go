package gpu

import (
	"math/bits"

	"github.com/fp16tool/fp16tool/graph"
)

// narrowTile is tile t for n output slots (channels, or groups of 4 in the
// vec4 depthwise kernel): where n < t.N, the tile takes n (rounded up to a
// power of two) slots and as many more pixels as keep its t.M*t.N outputs,
// so that a narrow output (a one-channel mask, an 8-channel head) does not
// leave most accumulators idle.
func narrowTile(t Tile, n int) Tile {
	if n >= t.N {
		return t
	}
	tn := 1 << bits.Len(uint(n-1))
	return Tile{M: t.M * t.N / tn, N: tn}
}

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
