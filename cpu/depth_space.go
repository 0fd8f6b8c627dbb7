package cpu

import (
	"github.com/fp16tool/fp16tool/graph"
)

func init() {
	builtins[graph.OpDepthToSpace] = prepareDepthSpace(true)
	builtins[graph.OpSpaceToDepth] = prepareDepthSpace(false)
}

// DEPTH_TO_SPACE and SPACE_TO_DEPTH of NHWC data with block size b: the
// depth index is (dy*b+dx)*C + c, as in TensorFlow (DCR order).
func prepareDepthSpace(d2s bool) prepareFunc {
	return func(x *opCtx) (kernel, error) {
		if err := x.arity(1, 1, 1); err != nil {
			return nil, err
		}
		var bs int
		if d2s {
			o, err := opts[graph.DepthToSpaceOptions](x)
			if err != nil {
				return nil, err
			}
			bs = int(o.BlockSize)
		} else {
			o, err := opts[graph.SpaceToDepthOptions](x)
			if err != nil {
				return nil, err
			}
			bs = int(o.BlockSize)
		}
		in, out := x.in[0], x.out[0]
		if !sameFixedType(in, out) {
			return nil, x.errorf("input %v and output %v must have the same fixed-size type", in, out)
		}
		if len(in.shape) != 4 || bs < 1 {
			return nil, x.errorf("input %v must have rank 4 and block size %d must be positive", in, bs)
		}
		n, h, w, c := in.shape[0], in.shape[1], in.shape[2], in.shape[3]
		// Express both as a walk over the "space" tensor [n, H, W, C]
		// (H = h*bs etc.) whose depth tensor is [n, H/bs, W/bs, C*bs*bs].
		var sh, sw, sc int // space tensor dims
		if d2s {
			if c%(bs*bs) != 0 {
				return nil, x.errorf("input depth %d is not a multiple of %d", c, bs*bs)
			}
			sh, sw, sc = h*bs, w*bs, c/(bs*bs)
			if err := x.checkShape(out, []int{n, sh, sw, sc}); err != nil {
				return nil, err
			}
		} else {
			if h%bs != 0 || w%bs != 0 {
				return nil, x.errorf("input %v is not divisible into %dx%d blocks", in, bs, bs)
			}
			sh, sw, sc = h, w, c
			if err := x.checkShape(out, []int{n, h / bs, w / bs, c * bs * bs}); err != nil {
				return nil, err
			}
		}
		g := depthSpace{d2s: d2s, bs: bs, n: n, sh: sh, sw: sw, sc: sc, in: in, out: out}
		return bySize(out, depthSpaceKernel[uint8](g), depthSpaceKernel[uint16](g), depthSpaceKernel[uint32](g), depthSpaceKernel[uint64](g)), nil
	}
}

// depthSpace is a DEPTH_TO_SPACE or SPACE_TO_DEPTH: the space tensor has
// shape [n, sh, sw, sc].
type depthSpace struct {
	d2s        bool
	bs, n      int
	sh, sw, sc int
	in, out    *tensor
}

func depthSpaceKernel[T any](g depthSpace) func() kernel {
	return func() kernel {
		bs, sh, sw, sc := g.bs, g.sh, g.sw, g.sc
		dh, dw, dc := sh/bs, sw/bs, sc*bs*bs
		return func() error {
			space, depth := elems[T](g.out), elems[T](g.in)
			if !g.d2s {
				space, depth = elems[T](g.in), elems[T](g.out)
			}
			for b := 0; b < g.n; b++ {
				for y := 0; y < sh; y++ {
					for xx := 0; xx < sw; xx++ {
						so := ((b*sh+y)*sw + xx) * sc
						do := ((b*dh+y/bs)*dw+xx/bs)*dc + ((y%bs)*bs+xx%bs)*sc
						if g.d2s {
							copy(space[so:so+sc], depth[do:do+sc])
						} else {
							copy(depth[do:do+sc], space[so:so+sc])
						}
					}
				}
			}
			return nil
		}
	}
}
