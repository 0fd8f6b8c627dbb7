package cpu

import (
	"encoding/binary"

	"github.com/x448/float16"

	"github.com/fp16tool/fp16tool/graph"
)

func init() { builtins[graph.OpDequantize] = prepareDequantize }

// DEQUANTIZE to FLOAT32 from FLOAT16, or from INT8/UINT8/INT16 with
// per-tensor or per-axis scale and zero point. Of a constant, it is folded
// at compile time.
func prepareDequantize(x *opCtx) (kernel, error) {
	if err := x.arity(1, 1, 1); err != nil {
		return nil, err
	}
	in, out := x.in[0], x.out[0]
	if err := x.wantType(graph.Float32, out); err != nil {
		return nil, err
	}
	if err := x.checkShape(out, in.shape); err != nil {
		return nil, err
	}
	switch in.dtype {
	case graph.Float16:
		return func() error {
			ov := out.f32()
			for i := range ov {
				ov[i] = float16.Frombits(binary.LittleEndian.Uint16(in.b[2*i:])).Float32()
			}
			return nil
		}, nil
	case graph.Int8, graph.Uint8, graph.Int16:
	default:
		return nil, x.errorf("input %v: dequantizing %s is not supported", in, in.dtype)
	}
	q := in.src.Quant
	if q == nil || len(q.Scale) == 0 {
		return nil, x.errorf("input %v has no quantization parameters", in)
	}
	nch, inner := 1, in.n
	if q.PerAxis() {
		ax := int(q.QuantizedDimension)
		if ax < 0 || ax >= len(in.shape) || in.shape[ax] != len(q.Scale) {
			return nil, x.errorf("input %v: %d scales for axis %d", in, len(q.Scale), ax)
		}
		nch = in.shape[ax]
		inner = 1
		for _, d := range in.shape[ax+1:] {
			inner *= d
		}
	}
	scale := make([]float32, nch)
	zero := make([]int32, nch)
	for c := range nch {
		scale[c] = q.Scale[c]
		if c < len(q.ZeroPoint) {
			zero[c] = int32(q.ZeroPoint[c])
		}
	}
	dt := in.dtype
	return func() error {
		ov := out.f32()
		for i := range ov {
			var v int32
			switch dt {
			case graph.Int8:
				v = int32(int8(in.b[i]))
			case graph.Uint8:
				v = int32(in.b[i])
			default:
				v = int32(int16(binary.LittleEndian.Uint16(in.b[2*i:])))
			}
			c := (i / inner) % nch
			ov[i] = float32(v-zero[c]) * scale[c]
		}
		return nil
	}, nil
}
