package cpu

import (
	qm "github.com/fp16tool/fp16tool/int8"

	"github.com/fp16tool/fp16tool/graph"
)

// mulVec holds an int8/uint8 MUL's parameters (XNNPACK's arithmetic, the
// default) for mulAVX512, which reads it by offset: keep the field order.
type mulVec struct {
	zA, zB, zO, lo, hi int32 // zero points (inputs minus 128 for UINT8), clamp
	scale              float32
	xorIn              uint32 // 0x80808080 for UINT8
	unsigned           int32
}

func newMulVec(d graph.DType, pa, pb, po qm.Params, scale float32, lo, hi int32) *mulVec {
	v := &mulVec{zA: pa.ZeroPoint, zB: pb.ZeroPoint, zO: po.ZeroPoint, lo: lo, hi: hi, scale: scale}
	if d == graph.Uint8 {
		v.zA, v.zB, v.xorIn, v.unsigned = v.zA-128, v.zB-128, 0x80808080, 1
	}
	return v
}

// mulRow returns the row function of lut16Kernel for a MUL: out[i] =
// t[a[i], b[i]], by mulAVX512 on the longest multiple of 16 elements where
// the machine has it (the same bytes: TestInt8MulExact); nil without it.
func mulRow(v *mulVec, t *lut16) func(a, b, out []byte) {
	if !useAddSubAVX512 || !(v.scale*65536 < 1<<30) { // products beyond int32 stay in the table
		return nil
	}
	return func(a, b, out []byte) {
		b, out = b[:len(a)], out[:len(a)]
		n := len(a) &^ 15
		if n > 0 {
			mulAVX512(n, v, &a[0], &b[0], &out[0])
		}
		for i := n; i < len(a); i++ {
			out[i] = t[int(a[i])<<8|int(b[i])]
		}
	}
}
