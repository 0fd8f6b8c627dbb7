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
	if n, rows, c, ok := reduceHW(x); ok {
		// Over H and W of NHWC: column sums of a [rows, c] matrix per batch.
		return func() error {
			iv, ov := elems[int8](in), elems[int8](out)
			clear(sum)
			for b := range n {
				sumCols(rows, c, iv[b*rows*c:][:rows*c], sum[b*c:][:c])
			}
			for i, s := range sum {
				ov[i] = int8(min(max(finish(s), -128), 127))
			}
			return nil
		}, nil
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

// reduceHW reports whether a MEAN or SUM reduces exactly axes 1 and 2 of
// a rank-4 input [n, h, w, c], and returns n, h×w and c.
func reduceHW(x *opCtx) (n, rows, c int, ok bool) {
	in := x.in[0]
	axes, err := x.in[1].ints()
	if err != nil || len(in.shape) != 4 {
		return 0, 0, 0, false
	}
	var set [4]bool
	for _, a := range axes {
		if a < 0 {
			a += 4
		}
		if a < 0 || a >= 4 {
			return 0, 0, 0, false
		}
		set[a] = true
	}
	if set != [4]bool{false, true, true, false} {
		return 0, 0, 0, false
	}
	return in.shape[0], in.shape[1] * in.shape[2], in.shape[3], true
}

// sumCols adds the column sums of the [rows, c] int8 matrix in to acc.
func sumCols(rows, c int, in []int8, acc []int32) {
	if rows == 0 || c == 0 {
		return
	}
	in, acc = in[:rows*c], acc[:c]
	if useSumColsAsm && c%8 == 0 {
		sumColsAsm(rows, c, &in[0], &acc[0])
		return
	}
	for r := range rows {
		for k, v := range in[r*c:][:c] {
			acc[k] += int32(v)
		}
	}
}
