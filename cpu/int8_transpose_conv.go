package cpu

import (
	"math"

	"github.com/fp16tool/fp16tool/graph"
)

func init() { qbuiltins[graph.OpTransposeConv] = prepareQTransposeConv }

// TRANSPOSE_CONV of INT8: input [N,H,W,I] (per-tensor parameters), INT8
// weights [O,KH,KW,I] quantized symmetric per tensor or per output channel
// (axis 0), optional INT32 bias [O] of scale input × weight scale. Each
// input pixel's (q - zero point) vector is scattered into int32
// accumulators, the bias added, then each output channel requantized by
// input × weight scale / output scale and clamped to the fused
// activation: with Options.Reference by TFLite's fixed-point multiplier
// (reference_integer_ops::TransposeConv), otherwise as XNNPACK's
// deconvolution (the float32 factor, rounded half to even), which TFLite's
// XNNPACK delegate runs.
func prepareQTransposeConv(x *opCtx) (kernel, error) {
	g, o, bias, err := transposeConvSetup(x)
	if err != nil {
		return nil, err
	}
	w, in, out := x.in[1], x.in[2], x.out[0]
	if w.dtype != graph.Int8 || (bias != nil && bias.dtype != graph.Int32) {
		return nil, x.errorf("weights %v must be INT8 and the bias INT32", w)
	}
	if !w.konst || (bias != nil && !bias.konst) {
		return nil, x.errorf("weights %v and bias must be constants", w)
	}
	pin, pout, err := x.quantInt8(in, out)
	if err != nil {
		return nil, err
	}
	pw, err := x.quant(w)
	if err != nil {
		return nil, err
	}
	if pw.Axis > 0 {
		return nil, x.errorf("weights %v are quantized along axis %d; want per tensor or axis 0", w, pw.Axis)
	}
	lo, hi, err := actRangeQ(x, o.Activation, out, pout)
	if err != nil {
		return nil, err
	}
	oc := g.outC
	requant := make([]func(int32) int32, oc)
	for c := range oc {
		ws := pw.Scale[0]
		if pw.Axis == 0 {
			ws = pw.Scale[c]
		}
		if x.c.opt.Reference {
			m := newQuantizeMul(float64(pin.Scale) * float64(ws) / float64(pout.Scale))
			requant[c] = func(acc int32) int32 { return m.apply(acc) + pout.ZeroPoint }
		} else {
			s := pin.Scale * ws / pout.Scale
			requant[c] = func(acc int32) int32 {
				return int32(math.RoundToEven(float64(float32(acc)*s))) + pout.ZeroPoint
			}
		}
	}
	wv := elems[int8](w)
	var bv []int32
	if bias != nil {
		bv = bias.i32()
	}
	acc := make([]int32, out.n)
	vec := make([]int32, g.inC)
	zp := pin.ZeroPoint
	return func() error {
		iv, ov := elems[int8](in), elems[int8](out)
		clear(acc)
		for n := 0; n < g.batch; n++ {
			for iy := 0; iy < g.inH; iy++ {
				for ix := 0; ix < g.inW; ix++ {
					ib := ((n*g.inH+iy)*g.inW + ix) * g.inC
					for i := range vec {
						vec[i] = int32(iv[ib+i]) - zp
					}
					for ky := 0; ky < g.kH; ky++ {
						oy := iy*g.strideH - g.padH + ky
						if oy < 0 || oy >= g.outH {
							continue
						}
						for kx := 0; kx < g.kW; kx++ {
							ox := ix*g.strideW - g.padW + kx
							if ox < 0 || ox >= g.outW {
								continue
							}
							ob := ((n*g.outH+oy)*g.outW + ox) * oc
							for c := 0; c < oc; c++ {
								wr := wv[((c*g.kH+ky)*g.kW+kx)*g.inC:][:g.inC]
								s := int32(0)
								for i, v := range vec {
									s += v * int32(wr[i])
								}
								acc[ob+c] += s
							}
						}
					}
				}
			}
		}
		for i, a := range acc {
			c := i % oc
			if bv != nil {
				a += bv[c]
			}
			ov[i] = int8(min(max(requant[c](a), lo), hi))
		}
		return nil
	}, nil
}
