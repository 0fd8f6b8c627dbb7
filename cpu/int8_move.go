package cpu

import (
	"math"

	"github.com/fp16tool/fp16tool/graph"
)

// Int8 data movement: the float kernels' element-size-generic code, after
// a check that the op keeps the quantization parameters (TFLite's kernels
// copy the raw values, and its quantizer gives these ops equal input and
// output parameters). CONCATENATION requantizes an input whose parameters
// differ.

func init() {
	for _, code := range []graph.OpCode{graph.OpReshape, graph.OpSqueeze, graph.OpExpandDims} {
		qbuiltins[code] = keepParams(prepareReshape, 0)
	}
	qbuiltins[graph.OpTranspose] = keepParams(prepareTranspose, 0)
	qbuiltins[graph.OpSlice] = keepParams(prepareSlice, 0)
	qbuiltins[graph.OpStridedSlice] = keepParams(prepareStridedSlice, 0)
	qbuiltins[graph.OpGather] = keepParams(prepareGather, 0)
	qbuiltins[graph.OpSplit] = keepParams(prepareSplit, 1)
	qbuiltins[graph.OpDepthToSpace] = keepParams(prepareDepthSpace(true), 0)
	qbuiltins[graph.OpSpaceToDepth] = keepParams(prepareDepthSpace(false), 0)
	qbuiltins[graph.OpResizeNearestNeighbor] = keepParams(prepareResize(false), 0)
	qbuiltins[graph.OpPad] = keepParams(prepareQPad, 0)
	qbuiltins[graph.OpPadv2] = keepParams(prepareQPad, 0, 2)
	qbuiltins[graph.OpConcatenation] = prepareQConcat
	// DENSIFY of sparse int8 weights (per-channel parameters, kept as
	// they are; the omitted values are raw zeros, as in TFLite).
	qbuiltins[graph.OpDensify] = prepareDensify
}

// keepParams wraps the prepare function of an op that moves quantized
// values unchanged: inputs data (indices) and every output must have the
// same type (INT8 or UINT8) and the same per-tensor parameters.
func keepParams(prep prepareFunc, data ...int) prepareFunc {
	return func(x *opCtx) (kernel, error) {
		if len(x.out) == 0 || len(x.in) <= data[0] || x.in[data[0]] == nil {
			return nil, x.errorf("has no data input or no output")
		}
		ref := x.in[data[0]]
		if !is8(ref.dtype) {
			return nil, x.errorf("input %v must be INT8 or UINT8", ref)
		}
		want, err := x.quantTensor(ref)
		if err != nil {
			return nil, err
		}
		ts := append([]*tensor(nil), x.out...)
		for _, i := range data[1:] {
			if i < len(x.in) && x.in[i] != nil {
				ts = append(ts, x.in[i])
			}
		}
		for _, t := range ts {
			if t.dtype != ref.dtype {
				return nil, x.errorf("%v and %v differ in type", t, ref)
			}
			p, err := x.quantTensor(t)
			if err != nil {
				return nil, err
			}
			if p.Scale != want.Scale || p.ZeroPoint != want.ZeroPoint {
				return nil, x.errorf("%v has scale %g zero point %d, %v scale %g zero point %d: the op moves quantized values and needs equal parameters", t, p.Scale, p.ZeroPoint, ref, want.Scale, want.ZeroPoint)
			}
		}
		return prep(x)
	}
}

// prepareQPad pads with the output's zero point (PAD) or the quantized
// fill value (PADV2).
func prepareQPad(x *opCtx) (kernel, error) {
	p, err := x.quantTensor(x.out[0])
	if err != nil {
		return nil, err
	}
	k, err := preparePadFill(x, uint64(byte(p.ZeroPoint)))
	if err != nil || x.c.opt.Reference {
		return k, err
	}
	v := byte(p.ZeroPoint)
	if len(x.in) > 2 && x.in[2] != nil {
		if !x.in[2].konst {
			return k, nil
		}
		v = x.in[2].b[0]
	}
	pads, _ := x.in[1].ints() // checked by preparePadFill
	if fast := qpadNHWC(x.in[0], x.out[0], pads, v); fast != nil {
		return fast, nil
	}
	return k, nil
}

// prepareQConcat is CONCATENATION of INT8/UINT8 inputs: a copy, and for an
// input whose parameters differ from the output's a requantization,
// round(q × s + b) + output zero point with s = in scale / out scale and
// b = -in zero point × s in float32 (TFLite's ConcatenationWithScaling).
func prepareQConcat(x *opCtx) (kernel, error) {
	copyK, err := prepareConcat(x)
	if err != nil {
		return nil, err
	}
	out := x.out[0]
	if !is8(out.dtype) {
		return nil, x.errorf("output %v must be INT8 or UINT8", out)
	}
	po, err := x.quantTensor(out)
	if err != nil {
		return nil, err
	}
	o, _ := opts[graph.ConcatenationOptions](x) // checked by prepareConcat
	axis := int(o.Axis)
	if axis < 0 {
		axis += len(out.shape)
	}
	inner := 1
	for _, d := range out.shape[axis+1:] {
		inner *= d
	}
	outer := 1
	for _, d := range out.shape[:axis] {
		outer *= d
	}
	luts := make([]*lut8, len(x.in))
	requant := false
	for i, in := range x.in {
		pi, err := x.quantTensor(in)
		if err != nil {
			return nil, err
		}
		if pi.Scale == po.Scale && pi.ZeroPoint == po.ZeroPoint {
			continue
		}
		s := pi.Scale * (1 / po.Scale)
		bias := -float32(pi.ZeroPoint) * s
		luts[i] = newLUT8(in.dtype, out.dtype, func(q int32) int32 {
			return int32(math.Round(float64(float32(q)*s+bias))) + po.ZeroPoint
		})
		requant = true
	}
	if !requant {
		return copyK, nil
	}
	chunks := make([]int, len(x.in))
	for i, in := range x.in {
		chunks[i] = in.shape[axis] * inner
	}
	return func() error {
		if err := copyK(); err != nil {
			return err
		}
		ob := out.b
		off := 0
		for range outer {
			for i, c := range chunks {
				if t := luts[i]; t != nil {
					for j, v := range ob[off : off+c] {
						ob[off+j] = t[v]
					}
				}
				off += c
			}
		}
		return nil
	}, nil
}
