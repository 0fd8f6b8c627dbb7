package conformance

import (
	"encoding/binary"
	"math"

	"github.com/fp16tool/fp16tool/graph"
)

// Builder helpers for quantized (int8) single-op models: INT8 model inputs
// filled with uniform random values over the whole type range, INT8
// outputs with given quantization parameters, and quantized constants.

// qp returns per-tensor quantization parameters.
func qp(scale float32, zero int) *graph.Quantization {
	return &graph.Quantization{Scale: []float32{scale}, ZeroPoint: []int64{int64(zero)}}
}

// qinput adds an INT8 model input with parameters q, filled uniformly over
// [-128, 127].
func (b *builder) qinput(q *graph.Quantization, shape ...int) int {
	return b.qinputT(graph.Int8, q, shape...)
}

// qinputT adds an INT8 or UINT8 model input with parameters q, filled
// uniformly over the type's range.
func (b *builder) qinputT(d graph.DType, q *graph.Quantization, shape ...int) int {
	i := b.tensor(&graph.Tensor{Name: "input" + itoa(len(b.ins)), Type: d, Shape: i32s(shape), Quant: q})
	b.sg.Inputs = append(b.sg.Inputs, i)
	b.ins = append(b.ins, inputSpec{lo: -128, hi: 127})
	return i
}

// inputPixels adds a FLOAT32 model input holding normalized pixels
// (p - mean) / std, p uniform in 0..255 (values that quantize to exact
// ties with scale 2/255 or 1/255).
func (b *builder) inputPixels(mean, std float32, shape ...int) int {
	i := b.inputRange(0, 0, shape...)
	b.ins[len(b.ins)-1] = inputSpec{lo: mean, hi: std, pixels: true}
	return i
}

// qout adds an INT8 tensor with parameters q whose shape InferShapes fills.
func (b *builder) qout(q *graph.Quantization) int {
	return b.tensor(&graph.Tensor{Name: "t" + itoa(len(b.sg.Tensors)), Type: graph.Int8, Quant: q})
}

// qop adds an op with one new INT8 output of parameters q.
func (b *builder) qop(code graph.OpCode, options any, q *graph.Quantization, inputs ...int) int {
	return b.qopT(graph.Int8, code, options, q, inputs...)
}

// qopT adds an op with one new output of type d (INT8 or UINT8) and
// parameters q.
func (b *builder) qopT(d graph.DType, code graph.OpCode, options any, q *graph.Quantization, inputs ...int) int {
	o := b.qout(q)
	b.sg.Tensors[o].Type = d
	b.sg.Ops = append(b.sg.Ops, &graph.Op{Code: code, Version: 1, Inputs: inputs, Outputs: []int{o}, Options: options})
	return o
}

// qopN adds an op with n new INT8 outputs of parameters q.
func (b *builder) qopN(code graph.OpCode, options any, n int, q *graph.Quantization, inputs ...int) []int {
	var outs []int
	for range n {
		outs = append(outs, b.qout(q))
	}
	b.sg.Ops = append(b.sg.Ops, &graph.Op{Code: code, Version: 1, Inputs: inputs, Outputs: outs, Options: options})
	return outs
}

// qconst adds an INT8 constant of random values in [lo, hi] with
// parameters q.
func (b *builder) qconst(q *graph.Quantization, lo, hi int, shape ...int) int {
	n := 1
	for _, d := range shape {
		n *= d
	}
	r := b.rng("q" + itoa(len(b.sg.Tensors)))
	data := make([]byte, n)
	for i := range data {
		data[i] = byte(int8(lo + r.IntN(hi-lo+1)))
	}
	return b.tensor(&graph.Tensor{Name: "const" + itoa(len(b.sg.Tensors)), Type: graph.Int8, Shape: i32s(shape), Data: data, Quant: q})
}

// qweights adds INT8 weights of shape shape quantized symmetric per
// channel along axis 0 (values in [-127, 127], zero points 0), with
// scales scale×(1 + c/8) for channel c.
func (b *builder) qweights(scale float32, shape ...int) int {
	q := &graph.Quantization{QuantizedDimension: 0}
	for c := range shape[0] {
		q.Scale = append(q.Scale, scale*(1+float32(c)/8))
		q.ZeroPoint = append(q.ZeroPoint, 0)
	}
	return b.qconst(q, -127, 127, shape...)
}

// qbias adds an INT32 bias of n random values in [-lim, lim] with the
// given per-channel scales and zero points 0.
func (b *builder) qbias(scales []float32, lim int) int {
	r := b.rng("b" + itoa(len(b.sg.Tensors)))
	data := make([]byte, 4*len(scales))
	q := &graph.Quantization{}
	for i, s := range scales {
		binary.LittleEndian.PutUint32(data[4*i:], uint32(int32(r.IntN(2*lim+1)-lim)))
		q.Scale = append(q.Scale, s)
		q.ZeroPoint = append(q.ZeroPoint, 0)
	}
	return b.tensor(&graph.Tensor{Name: "const" + itoa(len(b.sg.Tensors)), Type: graph.Int32, Shape: []int32{int32(len(scales))}, Data: data, Quant: q})
}

// fillInt8 fills n INT8 (or UINT8) values uniformly over the type's range.
func fillInt8(b *builder, salt string, n int) []byte {
	r := b.rng(salt)
	data := make([]byte, n)
	for i := range data {
		data[i] = byte(r.IntN(256))
	}
	return data
}

// stepDiff compares two quantized outputs (INT8 or UINT8 bytes) element by
// element: how many are equal and the largest difference in quantization
// steps.
func stepDiff(d graph.DType, got, want []byte) (equal, maxStep int) {
	for i := range want {
		g, w := int(int8(got[i])), int(int8(want[i]))
		if d == graph.Uint8 {
			g, w = int(got[i]), int(want[i])
		}
		s := g - w
		if s < 0 {
			s = -s
		}
		if s == 0 {
			equal++
		}
		maxStep = max(maxStep, s)
	}
	return equal, maxStep
}

// stepDiffFloat compares FLOAT32 outputs in steps of scale (for the
// DEQUANTIZE cases): values within a hundredth of a step count as equal.
func stepDiffFloat(got, want []float32, scale float32) (equal, maxStep int) {
	for i := range want {
		s := math.Abs(float64(got[i])-float64(want[i])) / float64(scale)
		k := int(math.Round(s))
		if s < 0.01 {
			equal++
			k = 0
		} else if k == 0 {
			k = 1
		}
		maxStep = max(maxStep, k)
	}
	return equal, maxStep
}
