package cpu

import (
	"github.com/fp16tool/fp16tool/graph"
	qm "github.com/fp16tool/fp16tool/int8"
)

// The hybrid (dynamic-range) kernels of CONV_2D, DEPTHWISE_CONV_2D and
// FULLY_CONNECTED: float32 activations, INT8 weights (per tensor or per
// output channel, zero point 0), float32 bias. As TFLite's hybrid kernels,
// each batch's input is quantized on the fly to int8 (asymmetric, with a
// zero point, for per-channel conv, depthwise and FC with
// asymmetric_quantize_inputs; symmetric otherwise), the product is integer
// (the int8 kernels' accumulation) and the result is rescaled to float:
//
//	conv per channel:       out = float(acc) × wscale[c] × sf[b] + bias[c]
//	FC, depthwise, per-tensor conv: out = float(acc) × (sf[b] × wscale[c]) + bias[c]
//
// then clamped by the fused activation.

// hybridEpi is the float epilogue of the hybrid kernels.
type hybridEpi struct {
	out        []float32
	scale      []float32 // weight scale per output channel
	bias       []float32 // nil when none
	sf         []float32 // input scale per batch
	zero       []int32   // input zero point per batch
	hw         int       // output pixels per batch
	scaleFirst bool      // float(acc) × (sf × scale) rather than float(acc) × scale × sf
	lo, hi     float32

	// For the vector epilogue, arrays padded to np channels: the bias
	// (zeros when none) and, with scaleFirst, sf[b] × scale[c] per batch.
	np      int
	biasPad []float32
	sfs     []float32
}

// begin sets the output and bias of this run and, after the input's
// quantization, the vector epilogue's arrays.
func (h *hybridEpi) begin(out, bias []float32) {
	h.out, h.bias = out, bias
	if bias != nil {
		copy(h.biasPad, bias)
	}
	if h.scaleFirst {
		for b, sf := range h.sf {
			for c, s := range h.scale {
				h.sfs[b*h.np+c] = sf * s
			}
		}
	}
}

// value returns the output of channel c in batch b for the accumulator
// acc = Σ w × (q - z_b).
func (h *hybridEpi) value(acc int32, b, c int) float32 {
	var v float32
	if h.scaleFirst {
		v = float32(acc) * float32(h.sf[b]*h.scale[c])
	} else {
		v = float32(float32(acc)*h.scale[c]) * h.sf[b]
	}
	if h.bias != nil {
		v += h.bias[c]
	}
	return clamp(v, h.lo, h.hi)
}

// finish writes the outputs of npix pixels from p0, channels [c0, c0+nc),
// from the raw accumulators of e's microkernel.
func (h *hybridEpi) finish(e *i8Conv, acc []int32, p0, npix, c0, nc int) {
	outC := e.g.outC
	if e.isa == i8Go {
		for i := 0; i < npix; i++ {
			p := p0 + i
			b := p / h.hw
			corr := e.off + h.zero[b]
			a := acc[i*e.nb : i*e.nb+nc]
			dst := h.out[p*outC+c0 : p*outC+c0+nc]
			for c := range dst {
				dst[c] = h.value(a[c]-corr*e.wsum[c0+c], b, c0+c)
			}
		}
		return
	}
	// Runs of pixels of one batch; whole groups of 8 channels straight
	// into the output, the rest through a buffer.
	n8 := nc &^ 7
	for i := 0; i < npix; {
		p := p0 + i
		b := p / h.hw
		run := min(npix-i, (b+1)*h.hw-p)
		corr := e.off + h.zero[b]
		s1, s2 := h.scale, h.sf[b]
		if h.scaleFirst {
			s1, s2 = h.sfs[b*h.np:(b+1)*h.np], 1
		}
		var bias *float32
		if h.bias != nil {
			bias = &h.biasPad[c0]
		}
		if n8 > 0 {
			hybridEpiAVX2(run, n8, &acc[i*e.nb], e.nb, &e.wsum[c0], corr, &s1[c0], s2, bias, &h.out[p*outC+c0], outC, h.lo, h.hi)
		}
		if n8 < nc {
			if bias != nil {
				bias = &h.biasPad[c0+n8]
			}
			var tmp [8]float32
			for k := 0; k < run; k++ {
				hybridEpiAVX2(1, 8, &acc[(i+k)*e.nb+n8], 0, &e.wsum[c0+n8], corr, &s1[c0+n8], s2, bias, &tmp[0], 0, h.lo, h.hi)
				o := (p+k)*outC + c0
				copy(h.out[o+n8:o+nc], tmp[:nc-n8])
			}
		}
		i += run
	}
}

// hybridInput is the on-the-fly quantization of a hybrid op's input.
type hybridInput struct {
	q          []int8
	rows       int // batches
	asymmetric bool
	vec        bool // AVX2 min/max and quantization
	wide       bool // and AVX-512 quantization
}

// quantize quantizes in (rows of equal length) into h.q, filling sf and
// zero per row, as int8.AsymmetricQuantizeFloats or
// SymmetricQuantizeFloats do.
func (h *hybridInput) quantize(in []float32, sf []float32, zero []int32) {
	n := len(in) / h.rows
	for b := 0; b < h.rows; b++ {
		sf[b], zero[b] = h.quantizeRow(in[b*n:(b+1)*n], h.q[b*n:(b+1)*n])
	}
}

func (h *hybridInput) quantizeRow(v []float32, q []int8) (scale float32, zero int32) {
	n8 := 0
	if h.vec {
		n8 = len(v) &^ 7
	}
	var lo, hi float32
	if n8 > 0 {
		lo, hi = f32MinMaxAVX2(n8, &v[0])
		if n8 < len(v) {
			tl, th := qm.MinMaxFloats(v[n8:])
			lo, hi = min(lo, tl), max(hi, th)
		}
	} else {
		lo, hi = qm.MinMaxFloats(v)
	}
	var inv float32
	qmin, qmax := int32(qm.Int8Min), int32(qm.Int8Max)
	if h.asymmetric {
		scale, inv, zero = qm.AsymmetricParams(lo, hi)
	} else {
		scale, inv = qm.SymmetricScale(lo, hi)
		qmin = -qm.WeightMax
		qmax = qm.WeightMax
	}
	if inv == 0 {
		clear(q)
		return scale, zero
	}
	n16 := 0
	if h.wide {
		n16 = n8 &^ 15
	}
	if n16 > 0 {
		hybridQuantAVX512(n16, &v[0], &q[0], inv, float32(zero), float32(qmin), float32(qmax))
	}
	if n16 < n8 {
		hybridQuantAVX2(n8-n16, &v[n16], &q[n16], inv, float32(zero), float32(qmin), float32(qmax))
	}
	for i := n8; i < len(v); i++ {
		q[i] = qm.QuantizeValue(v[i], inv, zero, qmin, qmax)
	}
	return scale, zero
}

// newHybrid checks a hybrid op's tensors (FLOAT32 input and output, INT8
// weights quantized per tensor or along axis, FLOAT32 bias) and returns its
// epilogue (without hw, scaleFirst and the output) and input quantizer for
// rows batches.
func (x *opCtx) newHybrid(a convArgs, nch, axis, rows int, asymmetric bool) (*hybridEpi, *hybridInput, error) {
	if err := x.wantType(graph.Float32, a.in, a.bias, a.out); err != nil {
		return nil, nil, err
	}
	scales, err := x.weightScales(a.filter, nch, axis)
	if err != nil {
		return nil, nil, err
	}
	h, hin := newHybridEpi(scales, rows, a.in.n, asymmetric)
	if h.lo, h.hi, err = actRange(x, a.act); err != nil {
		return nil, nil, err
	}
	return h, hin, nil
}

// newHybridEpi returns the epilogue (without hw, scaleFirst and the
// activation bounds) and input quantizer of a hybrid op with weight scales
// (one per output channel) and rows batches of n input values in all.
func newHybridEpi(scales []float32, rows, n int, asymmetric bool) (*hybridEpi, *hybridInput) {
	np := (len(scales)+31)&^31 + 8 // whole 32-channel blocks (fused VNNI kernels) and an AVX2 tail
	h := &hybridEpi{scale: make([]float32, np), sf: make([]float32, rows), zero: make([]int32, rows),
		np: np, biasPad: make([]float32, np), sfs: make([]float32, rows*np)}
	copy(h.scale, scales)
	return h, &hybridInput{q: make([]int8, n), rows: rows, asymmetric: asymmetric, vec: i8ISA != i8Go, wide: i8ISA == i8VNNI}
}

// prepareConv2DHybrid is CONV_2D with float32 activations and INT8
// filters (TFLite's EvalHybridPerChannel for per-channel filters or
// groups, EvalHybrid otherwise).
func prepareConv2DHybrid(x *opCtx, g *convGeom, a convArgs) (kernel, error) {
	perChannel := a.filter.src.Quant.PerAxis() || g.groups != 1
	h, hin, err := x.newHybrid(a, g.outC, 0, g.batch, perChannel)
	if err != nil {
		return nil, err
	}
	h.hw, h.scaleFirst = g.outH*g.outW, !perChannel
	return x.c.hybridConvKernel(g, h, hin, a), nil
}

// hybridConvKernel returns the kernel of a hybrid convolution (also the
// fully connected one, as a 1x1 convolution).
func (c *compiler) hybridConvKernel(g *convGeom, h *hybridEpi, hin *hybridInput, a convArgs) kernel {
	in, filter, bias, out := a.in, a.filter, a.bias, a.out
	if !c.opt.Reference && g.groups == 1 && filter.konst && (bias == nil || bias.konst) {
		e := newI8Conv(g, int8s(filter), i8ISA)
		e.epi.hybrid, e.epi.hy = true, h
		pl := c.pool
		return func() error {
			hin.quantize(in.f32(), h.sf, h.zero)
			h.begin(out.f32(), f32orNil(bias))
			e.run(pl, hin.q, h.zero)
			return nil
		}
	}
	return func() error {
		hin.quantize(in.f32(), h.sf, h.zero)
		h.begin(out.f32(), f32orNil(bias))
		convAccRef(g, hin.q, h.zero, int8s(filter), func(o, oc int, acc int32) {
			h.out[o] = h.value(acc, o/(g.outC*h.hw), oc)
		})
		return nil
	}
}

func f32orNil(t *tensor) []float32 {
	if t == nil {
		return nil
	}
	return t.f32()
}

// prepareDepthwiseHybrid is DEPTHWISE_CONV_2D with float32 activations
// and INT8 filters (TFLite's DepthwiseConvHybridPerChannel: asymmetric
// inputs).
func prepareDepthwiseHybrid(x *opCtx, g *dwGeom, a convArgs) (kernel, error) {
	h, hin, err := x.newHybrid(a, g.outC, 3, g.batch, true)
	if err != nil {
		return nil, err
	}
	h.hw, h.scaleFirst = g.outH*g.outW, true
	in, filter, bias, out := a.in, a.filter, a.bias, a.out
	if !x.c.opt.Reference && g.mult == 1 && filter.konst {
		d := newI8DW(g, int8s(filter), i8ISA)
		d.conv.epi.hybrid, d.conv.epi.hy = true, h
		pl := x.c.pool
		return func() error {
			hin.quantize(in.f32(), h.sf, h.zero)
			h.begin(out.f32(), f32orNil(bias))
			d.run(pl, hin.q, h.zero)
			return nil
		}, nil
	}
	return func() error {
		hin.quantize(in.f32(), h.sf, h.zero)
		h.begin(out.f32(), f32orNil(bias))
		dwAccRef(g, hin.q, h.zero, int8s(filter), func(o, oc int, acc int32) {
			h.out[o] = h.value(acc, o/(g.outC*h.hw), oc)
		})
		return nil
	}, nil
}

// prepareFullyConnectedHybrid is FULLY_CONNECTED with float32 activations
// and INT8 weights (TFLite's EvalHybrid: each row quantized, asymmetric
// with asymmetric_quantize_inputs).
func prepareFullyConnectedHybrid(x *opCtx, g *fcGeom, a convArgs, o graph.FullyConnectedOptions) (kernel, error) {
	h, hin, err := x.newHybrid(a, g.out, 0, g.batch, o.AsymmetricQuantizeInputs)
	if err != nil {
		return nil, err
	}
	h.hw, h.scaleFirst = 1, true
	return x.c.hybridConvKernel(g.rowsAsBatch(), h, hin, a), nil
}
