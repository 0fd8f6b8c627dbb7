package cpu

import (
	"math"

	"github.com/fp16tool/fp16tool/graph"
)

func init() { qbuiltins[graph.OpSoftmax] = prepareQSoftmax }

// SOFTMAX of INT8 as TFLite's int8 kernel computes it: a 256-entry float32
// table exp(-in scale × beta × d) for every difference d = max - q of a
// row, the row's sum of table values, and each output
// round(table value × 1/(sum × out scale)) + out zero point (the output
// parameters are the spec's 1/256 and -128).
func prepareQSoftmax(x *opCtx) (kernel, error) {
	in, out, depth, beta, err := softmaxSetup(x)
	if err != nil {
		return nil, err
	}
	pin, pout, err := x.quantInt8(in, out)
	if err != nil {
		return nil, err
	}
	// table[255-d] = exp(-scale × beta × d), as PopulateSoftmaxLookupTable.
	var table [256]float32
	scale := -pin.Scale * float32(beta)
	for d := 0; d <= 255; d++ {
		table[255-d] = float32(math.Exp(float64(scale * float32(d))))
	}
	return func() error {
		iv, ov := elems[int8](in), elems[int8](out)
		for s := 0; s+depth <= len(iv) && depth > 0; s += depth {
			row, orow := iv[s:s+depth], ov[s:s+depth]
			m := int8(-128)
			for _, v := range row {
				m = max(m, v)
			}
			base := 255 - int(m) // table[base+v] = exp(scale × beta × (v - m))
			var sum float32
			for _, v := range row {
				sum += table[base+int(v)]
			}
			inv := 1 / (sum * pout.Scale)
			for i, v := range row {
				p := int32(math.Round(float64(table[base+int(v)]*inv))) + pout.ZeroPoint
				orow[i] = int8(min(max(p, -128), 127))
			}
		}
		return nil
	}, nil
}
