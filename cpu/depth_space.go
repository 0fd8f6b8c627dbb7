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
		if in.dtype != out.dtype || in.dtype.Size() != 4 {
			return nil, x.errorf("input %v and output %v must have the same 4-byte type", in, out)
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
		dh, dw, dc := sh/bs, sw/bs, sc*bs*bs
		return func() error {
			space, depth := out.f32(), in.f32()
			if !d2s {
				space, depth = in.f32(), out.f32()
			}
			for b := 0; b < n; b++ {
				for y := 0; y < sh; y++ {
					for xx := 0; xx < sw; xx++ {
						so := ((b*sh+y)*sw + xx) * sc
						do := ((b*dh+y/bs)*dw+xx/bs)*dc + ((y%bs)*bs+xx%bs)*sc
						if d2s {
							copy(space[so:so+sc], depth[do:do+sc])
						} else {
							copy(depth[do:do+sc], space[so:so+sc])
						}
					}
				}
			}
			return nil
		}, nil
	}
}
