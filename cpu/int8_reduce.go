package cpu

import (
	"math"

	"github.com/fp16tool/fp16tool/graph"
)

func init() {
	qbuiltins[graph.OpMean] = prepareQReduce(true)
	qbuiltins[graph.OpSum] = prepareQReduce(false)
}

// MEAN and SUM of INT8 reduce to the int32 sum of the raw values. The
// default kernels then compute what TFLite's XNNPACK delegate does:
// round half to even of sum × s + (out zero point - count × in zero point
// × s) in float32, s = in scale / out scale (divided by the count for
// MEAN). With Options.Reference, MEAN is TFLite's reference: the sum, then
//   - over axes 1 and 2 of a rank-4 input with keep_dims (the global
//     average pool of most models): the sum of (q - in zero point) times
//     the multiplier in scale / out scale, divided by the count rounding
//     half away from zero, plus the output zero point;
//   - otherwise with equal input and output parameters: the raw sum
//     divided by the count, truncated (reference_ops::Mean);
//   - otherwise: round(sum/count × s + (-in zero point × s + 0.5)) + out
//     zero point in float32, s = in scale / out scale
//     (reference_ops::QuantizedMeanOrSum).
//
// With Options.Reference, SUM is round(sum × s + (-in zero point × s ×
// count + 0.5)) + out zero point in float32 (QuantizedMeanOrSum's sum),
// clamped.
func prepareQReduce(mean bool) prepareFunc {
	return func(x *opCtx) (kernel, error) { return prepareQMeanSum(x, mean) }
}

func prepareQMeanSum(x *opCtx, mean bool) (kernel, error) {
	ra, err := reduceSetup(x)
	if err != nil {
		return nil, err
	}
	in, out, it, count := ra.in, ra.out, ra.it, int32(ra.count)
	pin, pout, err := x.quantInt8(in, out)
	if err != nil {
		return nil, err
	}
	sum := make([]int32, out.n)
	var finish func(s int32) int32
	switch {
	case !x.c.opt.Reference:
		sc := pin.Scale / pout.Scale
		if mean {
			sc /= float32(count)
		}
		bias := float32(pout.ZeroPoint) - float32(pin.ZeroPoint*count)*sc
		finish = func(s int32) int32 {
			return int32(math.RoundToEven(float64(float32(s)*sc + bias)))
		}
	case !mean:
		sc := pin.Scale / pout.Scale
		bias := -float32(pin.ZeroPoint)*sc*float32(count) + 0.5
		finish = func(s int32) int32 {
			return int32(math.Round(float64(float32(s)*sc+bias))) + pout.ZeroPoint
		}
	case count == 0:
		finish = func(int32) int32 { return 0 }
	case ra.hw:
		mul := newQuantizeMul(float64(pin.Scale) / float64(pout.Scale))
		off := pin.ZeroPoint * count
		finish = func(s int32) int32 {
			acc := mul.apply(s - off)
			if acc > 0 {
				acc = (acc + count/2) / count
			} else {
				acc = (acc - count/2) / count
			}
			return acc + pout.ZeroPoint
		}
	case pin.Scale == pout.Scale && pin.ZeroPoint == pout.ZeroPoint:
		finish = func(s int32) int32 { return s / count }
	default:
		sc := pin.Scale / pout.Scale
		bias := -float32(pin.ZeroPoint)*sc + 0.5
		finish = func(s int32) int32 {
			mean := float32(s) / float32(count)
			return int32(math.Round(float64(mean*sc+bias))) + pout.ZeroPoint
		}
	}
	return func() error {
		iv, ov := elems[int8](in), elems[int8](out)
		clear(sum)
		it.rows(func(_, ii, oi, n, di, do int) {
			for k := 0; k < n; k++ {
				sum[oi] += int32(iv[ii])
				ii += di
				oi += do
			}
		})
		for i, s := range sum {
			ov[i] = int8(min(max(finish(s), -128), 127))
		}
		return nil
	}, nil
}
