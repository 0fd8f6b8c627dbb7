package convert

import (
	"encoding/binary"
	"fmt"
	"math"

	"github.com/fp16tool/fp16tool/fp16"
	"github.com/fp16tool/fp16tool/graph"
)

// The float-graph passes that run before full-integer calibration: they
// change the graph's form, not what it computes, so that per-tensor int8
// activations lose less.

// PrepareOptions select the passes PrepareFullInteger runs.
type PrepareOptions struct {
	// FuseActivations folds a stand-alone RELU, RELU6 or RELU_N1_TO_1
	// into its producer (CONV_2D, DEPTHWISE_CONV_2D, FULLY_CONNECTED, ADD,
	// SUB, MUL) when it is the producer's only reader, as the TFLite
	// converter does: the producer's int8 output range then starts at
	// the clamp instead of spending levels on values the clamp drops.
	FuseActivations bool
	// Equalize runs cross-layer equalization (Nagel et al. 2019):
	// see Equalize.
	Equalize bool
	// GlobalMean turns an AVERAGE_POOL_2D whose window is its whole input
	// (one output pixel, no fused activation) into MEAN over height and
	// width (keep_dims): TFLite's int8 average pool must keep its input's
	// parameters, so a global pool of a wide-ranged tensor gets few
	// levels, where an int8 MEAN requantizes to its own calibrated range.
	GlobalMean bool
}

// DefaultPrepare are the passes full-integer conversion runs by default.
var DefaultPrepare = PrepareOptions{FuseActivations: true, Equalize: true, GlobalMean: true}

// PrepareResult says what PrepareFullInteger changed.
type PrepareResult struct {
	// Fused is the number of activation ops folded into their producer.
	Fused int `json:"fused_activations"`
	// EqualizedPairs is the number of op pairs rescaled by cross-layer
	// equalization, Iterations the sweeps it took.
	EqualizedPairs int `json:"equalized_pairs"`
	Iterations     int `json:"equalize_iterations"`
	// GlobalMeans is the number of global average pools made MEAN.
	GlobalMeans int `json:"global_means"`
}

// PrepareFullInteger runs the passes opt selects on the float32 model m
// (main subgraph), in place. The model computes the same function after
// them (up to float rounding).
func PrepareFullInteger(m *graph.Model, opt PrepareOptions) (PrepareResult, error) {
	var r PrepareResult
	sg := m.Main()
	if sg == nil {
		return r, nil
	}
	if opt.FuseActivations {
		r.Fused = fuseActivations(m)
	}
	if opt.GlobalMean {
		r.GlobalMeans = globalMeans(sg)
	}
	if opt.Equalize {
		pairs, iters, err := Equalize(m, 0)
		if err != nil {
			return r, err
		}
		r.EqualizedPairs, r.Iterations = pairs, iters
	}
	return r, nil
}

// fuseActivations applies graph.FuseActivations to m's main subgraph for
// good and drops the tensors it leaves unused; it returns the number of
// activation ops removed.
func fuseActivations(m *graph.Model) int {
	sg := m.Main()
	ops := graph.FuseActivations(sg)
	kept := ops[:0]
	n := 0
	for _, op := range ops {
		if op == nil {
			n++
			continue
		}
		kept = append(kept, op)
	}
	if n > 0 {
		sg.Ops = kept
		fp16.RemoveUnusedTensors(m)
	}
	return n
}

// eqPair is two ops whose channels cross-layer equalization rescales
// together: channel i of first's output (and of every op in between) is
// divided by s_i, and input channel i of second's weights multiplied by
// s_i.
type eqPair struct {
	first, second int // op indices
}

// equalizeMaxIter bounds the sweeps of Equalize.
const equalizeMaxIter = 50

// Equalize runs cross-layer equalization (Nagel et al. 2019, "Data-Free
// Quantization Through Weight Equalization and Bias Correction") on m's
// main subgraph, in place: for every chain CONV_2D/DEPTHWISE_CONV_2D →
// (nothing, RELU, PRELU or a spatial zero PAD: positively homogeneous ops,
// the first op's fused activation NONE or RELU) → CONV_2D/
// DEPTHWISE_CONV_2D, where each tensor of the chain has one reader,
// output channel i of the first op (weights and bias) is divided by
// s_i = sqrt(r1_i/r2_i) and input channel i of the second op's weights
// multiplied by it (r1_i, r2_i: the largest magnitude of the weights of
// channel i in each), which gives both the same range sqrt(r1_i·r2_i).
// The sweeps repeat (at most maxIter, 0 for the default) until no scale
// moves by more than 1e-4. Weights shared with other ops or stored sparse
// are left alone. It returns the number of pairs and sweeps.
func Equalize(m *graph.Model, maxIter int) (pairs, iters int, err error) {
	sg := m.Main()
	if sg == nil {
		return 0, 0, nil
	}
	if maxIter <= 0 {
		maxIter = equalizeMaxIter
	}
	ps := equalizePairs(sg)
	if len(ps) == 0 {
		return 0, 0, nil
	}
	// Own copies of the weights and biases touched (a buffer may be
	// shared in the file).
	w := make(map[int][]float32)
	own := func(ti int) []float32 {
		if v, ok := w[ti]; ok {
			return v
		}
		v := append([]float32(nil), float32s(sg.Tensors[ti].Data)...)
		w[ti] = v
		return v
	}
	for iters = 1; iters <= maxIter; iters++ {
		moved := 0.0
		for _, p := range ps {
			a, b := sg.Ops[p.first], sg.Ops[p.second]
			wa, wb := own(a.Inputs[1]), own(b.Inputs[1])
			sa, sb := sg.Tensors[a.Inputs[1]].Shape, sg.Tensors[b.Inputs[1]].Shape
			r1 := outChannelMax(a.Code, wa, sa)
			r2 := inChannelMax(b.Code, wb, sb, len(r1))
			if r2 == nil {
				return 0, 0, fmt.Errorf("equalize: %s and %s: channel counts differ", opLabel(p.first, a), opLabel(p.second, b))
			}
			s := make([]float32, len(r1))
			for i := range s {
				s[i] = 1
				if r1[i] > 0 && r2[i] > 0 {
					s[i] = float32(math.Sqrt(r1[i] / r2[i]))
					moved = math.Max(moved, math.Abs(math.Log(float64(s[i]))))
				}
			}
			scaleOutChannels(a.Code, wa, s)
			if len(a.Inputs) > 2 && a.Inputs[2] >= 0 {
				bias := own(a.Inputs[2])
				for i := range bias {
					bias[i] /= s[i]
				}
			}
			scaleInChannels(b.Code, wb, sb, s)
		}
		if moved < 1e-4 {
			break
		}
	}
	iters = min(iters, maxIter)
	for ti, v := range w {
		b := make([]byte, 4*len(v))
		for i, x := range v {
			binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(x))
		}
		sg.Tensors[ti].Data = b
	}
	return len(ps), iters, nil
}

// eqOp reports whether op is a CONV_2D or DEPTHWISE_CONV_2D whose weights
// (and bias, if any) are dense FLOAT32 constants read by op alone.
func eqOp(sg *graph.Subgraph, cons [][]int, isOut map[int]bool, k int) bool {
	op := sg.Ops[k]
	if op.Code != graph.OpConv2D && op.Code != graph.OpDepthwiseConv2D {
		return false
	}
	if len(op.Inputs) < 2 || len(op.Outputs) != 1 {
		return false
	}
	for slot := 1; slot < len(op.Inputs) && slot <= 2; slot++ {
		ti := op.Inputs[slot]
		if ti < 0 {
			continue
		}
		t := sg.Tensors[ti]
		if t.Type != graph.Float32 || !t.IsConst() || t.Sparsity != nil || isOut[ti] || len(cons[ti]) != 1 {
			return false
		}
		if len(t.Data) != 4*t.NumElements() {
			return false
		}
	}
	return len(sg.Tensors[op.Inputs[1]].Shape) == 4
}

// equalizePairs finds the chains Equalize rescales.
func equalizePairs(sg *graph.Subgraph) []eqPair {
	cons := sg.Consumers()
	isOut := make(map[int]bool)
	for _, o := range sg.Outputs {
		isOut[o] = true
	}
	sole := func(ti int) (int, bool) {
		if ti < 0 || isOut[ti] || len(cons[ti]) != 1 {
			return 0, false
		}
		return cons[ti][0], true
	}
	var ps []eqPair
	for k, op := range sg.Ops {
		if !eqOp(sg, cons, isOut, k) {
			continue
		}
		if act, _ := graph.FusedActivation(op); act != graph.ActNone && act != graph.ActRelu {
			continue
		}
		next, ok := sole(op.Outputs[0])
		for ok && homogeneous(sg, sg.Ops[next]) {
			next, ok = sole(sg.Ops[next].Outputs[0])
		}
		if ok && eqOp(sg, cons, isOut, next) {
			ps = append(ps, eqPair{k, next})
		}
	}
	return ps
}

// homogeneous reports whether op, read between two equalized ops, commutes
// with a positive per-channel scale: RELU, PRELU, a PAD of zeros that
// leaves the channel axis alone.
func homogeneous(sg *graph.Subgraph, op *graph.Op) bool {
	if len(op.Outputs) != 1 || len(op.Inputs) == 0 {
		return false
	}
	switch op.Code {
	case graph.OpRelu, graph.OpPrelu:
		return true
	case graph.OpPad:
		if len(op.Inputs) != 2 || op.Inputs[1] < 0 {
			return false
		}
		p := sg.Tensors[op.Inputs[1]]
		if !p.IsConst() {
			return false
		}
		v, err := graph.DecodeInts(p.Type, p.Data, p.NumElements())
		if err != nil || len(v) != 8 {
			return false
		}
		return v[6] == 0 && v[7] == 0
	}
	return false
}

// outChannelMax returns the largest magnitude per output channel of a
// CONV_2D ([O,H,W,I], channel axis 0) or DEPTHWISE_CONV_2D ([1,H,W,C],
// axis 3) filter.
func outChannelMax(code graph.OpCode, w []float32, shape []int32) []float64 {
	if code == graph.OpConv2D {
		o := int(shape[0])
		per := len(w) / o
		r := make([]float64, o)
		for c := range r {
			for _, x := range w[c*per : (c+1)*per] {
				r[c] = math.Max(r[c], math.Abs(float64(x)))
			}
		}
		return r
	}
	c := int(shape[3])
	r := make([]float64, c)
	for i, x := range w {
		r[i%c] = math.Max(r[i%c], math.Abs(float64(x)))
	}
	return r
}

// inChannelMax returns the largest magnitude per input channel (n of
// them) of a CONV_2D filter ([O,H,W,I], axis 3) or of a DEPTHWISE_CONV_2D
// one (output channel c reads input channel c/multiplier), or nil when
// the filter does not have n input channels.
func inChannelMax(code graph.OpCode, w []float32, shape []int32, n int) []float64 {
	last := int(shape[3])
	r := make([]float64, n)
	if code == graph.OpConv2D {
		if last != n {
			return nil
		}
		for i, x := range w {
			r[i%n] = math.Max(r[i%n], math.Abs(float64(x)))
		}
		return r
	}
	if n == 0 || last%n != 0 {
		return nil
	}
	mult := last / n
	for i, x := range w {
		c := (i % last) / mult
		r[c] = math.Max(r[c], math.Abs(float64(x)))
	}
	return r
}

// scaleOutChannels divides output channel i of the filter by s[i].
func scaleOutChannels(code graph.OpCode, w []float32, s []float32) {
	if code == graph.OpConv2D {
		per := len(w) / len(s)
		for c := range s {
			for j := c * per; j < (c+1)*per; j++ {
				w[j] /= s[c]
			}
		}
		return
	}
	c := len(s)
	for i := range w {
		w[i] /= s[i%c]
	}
}

// scaleInChannels multiplies input channel i of the filter by s[i].
func scaleInChannels(code graph.OpCode, w []float32, shape []int32, s []float32) {
	last := int(shape[3])
	n := len(s)
	if code == graph.OpConv2D {
		for i := range w {
			w[i] *= s[i%n]
		}
		return
	}
	mult := last / n
	for i := range w {
		w[i] *= s[(i%last)/mult]
	}
}

// saturatingInput is, per op with fixed output parameters whose function
// flattens out, the magnitude beyond which its int8 output no longer
// changes: LOGISTIC's output (scale 1/256, zero point -128) reaches its
// extreme codes for |x| > ln(511) ≈ 6.24, TANH's (scale 1/128) for |x| >
// atanh(255/256) ≈ 3.12. A margin is added.
var saturatingInput = map[graph.OpCode]float32{
	graph.OpLogistic: 8,
	graph.OpTanh:     4,
}

// saturationLimit returns, for a tensor whose readers are the ops readers
// of sg, the largest saturatingInput magnitude among them when every one
// of them saturates (LOGISTIC, TANH), else 0.
func saturationLimit(sg *graph.Subgraph, readers []int) float32 {
	var lim float32
	for _, k := range readers {
		l, ok := saturatingInput[sg.Ops[k].Code]
		if !ok {
			return 0
		}
		lim = max(lim, l)
	}
	return lim
}

// clampSaturating returns ranges with the range of every tensor read only
// by LOGISTIC or TANH ops (and not a model output) narrowed to where those
// ops' int8 outputs still change, so that its int8 steps are spent where
// they matter: a logit calibrated over [-819, 333] would otherwise get a
// step of 4.5. The int8 result is the same for values beyond the clamp,
// which the producer's saturation maps to the extreme codes anyway.
func clampSaturating(sg *graph.Subgraph, ranges map[int]ActivationRange) map[int]ActivationRange {
	cons := sg.Consumers()
	isOut := make(map[int]bool)
	for _, o := range sg.Outputs {
		isOut[o] = true
	}
	out := ranges
	copied := false
	for ti, rg := range ranges {
		if ti < 0 || ti >= len(cons) || isOut[ti] {
			continue
		}
		lim := saturationLimit(sg, cons[ti])
		if lim == 0 || (rg.Min >= -lim && rg.Max <= lim) {
			continue
		}
		if !copied {
			out = make(map[int]ActivationRange, len(ranges))
			for k, v := range ranges {
				out[k] = v
			}
			copied = true
		}
		out[ti] = ActivationRange{Min: max(rg.Min, -lim), Max: min(rg.Max, lim)}
	}
	return out
}

// globalMeans replaces each AVERAGE_POOL_2D of sg whose window covers its
// whole [N,H,W,C] input (output [N,1,1,C]) and has no fused activation by
// MEAN over axes 1 and 2 with keep_dims, which computes the same (the int8
// pass then gives it TFLite's int8 MEAN version); it returns how many.
func globalMeans(sg *graph.Subgraph) int {
	n := 0
	var axes int
	for _, op := range sg.Ops {
		if op.Code != graph.OpAveragePool2D || len(op.Inputs) != 1 || len(op.Outputs) != 1 {
			continue
		}
		o, err := graph.OptionsAs[graph.Pool2DOptions](op)
		in, out := sg.Tensors[op.Inputs[0]].Shape, sg.Tensors[op.Outputs[0]].Shape
		// A window the size of the input with one output pixel has no
		// padding, SAME or VALID.
		if err != nil || o.Activation != graph.ActNone || len(in) != 4 || len(out) != 4 || o.FilterH != in[1] || o.FilterW != in[2] || out[1] != 1 || out[2] != 1 {
			continue
		}
		if n == 0 {
			axes = len(sg.Tensors)
			sg.Tensors = append(sg.Tensors, &graph.Tensor{Name: "global_mean_axes", Type: graph.Int32, Shape: []int32{2},
				Data: []byte{1, 0, 0, 0, 2, 0, 0, 0}})
		}
		op.Code, op.Version = graph.OpMean, 1
		op.Inputs = []int{op.Inputs[0], axes}
		op.Options = graph.ReducerOptions{KeepDims: true}
		n++
	}
	return n
}
