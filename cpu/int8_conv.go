package cpu

import (
	"math"
	"unsafe"

	"github.com/fp16tool/fp16tool/graph"
	qm "github.com/fp16tool/fp16tool/int8"
)

// The int8 CONV_2D, DEPTHWISE_CONV_2D and FULLY_CONNECTED kernels (this
// file, int8_dw.go, int8_fc.go) follow TFLite's reference integer kernels
// (reference_integer_ops conv.h, depthwise_conv.h, fully_connected.h):
// INT8 activations with a zero point, INT8 weights symmetric per output
// channel (or per tensor; zero point 0), an optional INT32 bias with scale
// input scale × weight scale, and per output channel
//
//	acc = bias[c] + Σ w × (x - input zero point)
//	out = clamp(MultiplyByQuantizedMultiplier(acc, M[c], shift[c]) + output zero point)
//
// with M[c], shift[c] = QuantizeMultiplier(input scale × weight scale[c] /
// output scale) and the clamp the quantized fused activation. That is the
// arithmetic with Options.Reference. By default the requantization is
// XNNPACK's (which the oracle, TFLite with its XNNPACK delegate, runs):
//
//	out = round half to even(clamp(float32(acc) × s[c], lo - zero, hi - zero)) + zero
//
// with s[c] = input scale × weight scale[c] / output scale in float32
// (TFLite's fixed point again when some s[c] is outside XNNPACK's
// [2^-32, 256)). The fast kernels (int8_conv_gemm.go, int8_dw.go; with
// AVX-512 VNNI and XNNPACK's requantization int8_conv_fused.go,
// int8_conv_one.go and int8_dw_vnni.go, which requantize in registers)
// compute the same bytes as these loops in either mode.

func init() {
	qbuiltins[graph.OpConv2D] = prepareConv2DInt8
	qbuiltins[graph.OpDepthwiseConv2D] = prepareDepthwiseInt8
	qbuiltins[graph.OpFullyConnected] = prepareFullyConnectedInt8
}

// int8s returns t's bytes as int8 values.
func int8s(t *tensor) []int8 {
	if len(t.b) == 0 {
		return nil
	}
	return unsafe.Slice((*int8)(unsafe.Pointer(&t.b[0])), len(t.b))
}

// i8Requant is the requantization of an int8 conv, depthwise or fully
// connected op: zero points, per-output-channel multipliers and shifts,
// and the activation clamp.
type i8Requant struct {
	inZero, outZero int32
	mult            []int32
	shift           []int32
	lo, hi          int32
	// xnn selects XNNPACK's requantization by the float32 factors fscale.
	xnn    bool
	fscale []float32
}

// apply requantizes one accumulator (bias included) of output channel c.
func (r *i8Requant) apply(acc int32, c int) int8 {
	if r.xnn {
		v := float32(acc) * r.fscale[c]
		v = min(max(v, float32(r.lo-r.outZero)), float32(r.hi-r.outZero))
		return int8(int32(math.RoundToEven(float64(v))) + r.outZero)
	}
	v := qm.MultiplyByQuantizedMultiplier(acc, r.mult[c], int(r.shift[c])) + r.outZero
	return int8(min(max(v, r.lo), r.hi))
}

// int8Requant checks the element types and quantization of an int8 conv,
// depthwise or fully connected op (INT8 input, weights and output, INT32
// bias; per-tensor activations; weights quantized per tensor or with one
// scale per output channel along axis, zero points 0) and returns its
// requantization for nch output channels.
func (x *opCtx) int8Requant(a convArgs, nch, axis int) (*i8Requant, error) {
	if err := x.wantType(graph.Int8, a.in, a.filter, a.out); err != nil {
		return nil, err
	}
	if err := x.wantType(graph.Int32, a.bias); err != nil {
		return nil, err
	}
	in, err := x.quantTensor(a.in)
	if err != nil {
		return nil, err
	}
	out, err := x.quantTensor(a.out)
	if err != nil {
		return nil, err
	}
	ws, err := x.weightScales(a.filter, nch, axis)
	if err != nil {
		return nil, err
	}
	r := &i8Requant{inZero: in.ZeroPoint, outZero: out.ZeroPoint, mult: make([]int32, nch), shift: make([]int32, nch),
		fscale: make([]float32, nch), xnn: !x.c.opt.Reference}
	for c, s := range ws {
		m, sh := qm.QuantizeMultiplier(float64(in.Scale) * float64(s) / float64(out.Scale))
		r.mult[c], r.shift[c] = m, int32(sh)
		r.fscale[c] = in.Scale * s / out.Scale
		// XNNPACK refuses weight scales that are not positive normal
		// floats and requantization factors of 256 and more (it has no
		// lower bound on the factor: LiteRT requantizes in float32 a
		// hand_landmark_lite FULLY_CONNECTED with a channel at 7e-11);
		// TFLite's kernel runs then.
		if !(r.fscale[c] < 256) || !(s >= minNormalFloat32 && s <= math.MaxFloat32) {
			r.xnn = false
		}
	}
	if r.lo, r.hi, err = actRangeQ(x, a.act, a.out, out); err != nil {
		return nil, err
	}
	return r, nil
}

// minNormalFloat32 is the smallest positive normal float32 (2^-126).
var minNormalFloat32 = math.Float32frombits(0x00800000)

// weightScales returns one scale per output channel of symmetric INT8
// weights w (per-tensor scales repeated), checking that they are quantized
// per tensor or along axis with zero points 0 and scales finite and not
// negative (0 is a channel of zeros).
func (x *opCtx) weightScales(w *tensor, nch, axis int) ([]float32, error) {
	q := w.src.Quant
	if q == nil || len(q.Scale) == 0 {
		return nil, x.errorf("weights %v have no quantization parameters", w)
	}
	for _, z := range q.ZeroPoint {
		if z != 0 {
			return nil, x.errorf("weights %v have zero point %d; int8 weights must be symmetric (zero point 0)", w, z)
		}
	}
	for _, v := range q.Scale {
		if !(v >= 0) || v > math.MaxFloat32 {
			return nil, x.errorf("weights %v have scale %v; scales must be finite and not negative", w, v)
		}
	}
	s := make([]float32, nch)
	switch {
	case len(q.Scale) == 1:
		for c := range s {
			s[c] = q.Scale[0]
		}
	case int(q.QuantizedDimension) == axis && len(q.Scale) == nch:
		copy(s, q.Scale)
	default:
		return nil, x.errorf("weights %v are quantized along axis %d with %d scales; want axis %d with %d", w, q.QuantizedDimension, len(q.Scale), axis, nch)
	}
	return s, nil
}

// prepareConv2DInt8 is CONV_2D on INT8 tensors.
func prepareConv2DInt8(x *opCtx) (kernel, error) {
	g, a, err := conv2DGeometry(x)
	if err != nil {
		return nil, err
	}
	r, err := x.int8Requant(a, g.outC, 0)
	if err != nil {
		return nil, err
	}
	return x.c.convInt8Kernel(g, r, a), nil
}

// convInt8Kernel returns the kernel of an int8 convolution: the packed
// fast path when the filter and bias are constants and there is one group,
// the reference otherwise.
func (c *compiler) convInt8Kernel(g *convGeom, r *i8Requant, a convArgs) kernel {
	in, out := a.in, a.out
	if !c.opt.Reference && g.groups == 1 && a.filter.konst && (a.bias == nil || a.bias.konst) {
		e := newI8Conv(g, int8s(a.filter), i8ISA)
		e.setRequant(r, i32orNil(a.bias))
		zero := []int32{r.inZero}
		pl := c.pool
		return func() error {
			e.epi.out8 = int8s(out)
			e.run(pl, int8s(in), zero)
			return nil
		}
	}
	filter, bias := a.filter, a.bias
	return func() error {
		convRefInt8(g, r, int8s(in), int8s(filter), i32orNil(bias), int8s(out))
		return nil
	}
}

func i32orNil(t *tensor) []int32 {
	if t == nil {
		return nil
	}
	return t.i32()
}

// convRefInt8 is the reference int8 convolution
// (reference_integer_ops::ConvPerChannel, grouped).
func convRefInt8(g *convGeom, r *i8Requant, in, filter []int8, bias []int32, out []int8) {
	convAccRef(g, in, []int32{r.inZero}, filter, func(o, oc int, acc int32) {
		if bias != nil {
			acc += bias[oc]
		}
		out[o] = r.apply(acc, oc)
	})
}

// convAccRef calls emit(o, oc, acc) for every output element o (channel
// oc) of the convolution g with acc = Σ w × (x - zero[n]), where zero
// holds the input zero point of each batch n (or one for all): the
// accumulation loop of TFLite's reference int8 and hybrid convolutions.
func convAccRef(g *convGeom, in []int8, zero []int32, filter []int8, emit func(o, oc int, acc int32)) {
	for n := 0; n < g.batch; n++ {
		z := zero[min(n, len(zero)-1)]
		for oy := 0; oy < g.outH; oy++ {
			iy0 := oy*g.strideH - g.padH
			for ox := 0; ox < g.outW; ox++ {
				ix0 := ox*g.strideW - g.padW
				for oc := 0; oc < g.outC; oc++ {
					group := oc / g.filtersPerGroup
					var acc int32
					for ky := 0; ky < g.kH; ky++ {
						iy := iy0 + ky*g.dilH
						if iy < 0 || iy >= g.inH {
							continue
						}
						for kx := 0; kx < g.kW; kx++ {
							ix := ix0 + kx*g.dilW
							if ix < 0 || ix >= g.inW {
								continue
							}
							ib := ((n*g.inH+iy)*g.inW+ix)*g.inC + group*g.kC
							fb := ((oc*g.kH+ky)*g.kW + kx) * g.kC
							for ic := 0; ic < g.kC; ic++ {
								acc += int32(filter[fb+ic]) * (int32(in[ib+ic]) - z)
							}
						}
					}
					emit(((n*g.outH+oy)*g.outW+ox)*g.outC+oc, oc, acc)
				}
			}
		}
	}
}
