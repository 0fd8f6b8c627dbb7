package convert

import (
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/fp16tool/fp16tool/graph"
	qm "github.com/fp16tool/fp16tool/int8"
)

// FullInteger applies full-integer int8 quantization to m's main subgraph,
// as TFLite's post-training quantizer does with a representative dataset,
// from the calibrated ranges of its float activations (ranges, by tensor
// index):
//
//   - every float op with an int8 kernel (graph.QuantInfo.Int8) computes
//     in int8: activations asymmetric per tensor from their range, fixed
//     output parameters where the spec fixes them (LOGISTIC, SOFTMAX,
//     TANH, ...), outputs of same-scale ops (RESHAPE, pools, PAD, ...) with
//     their input's parameters, inputs of CONCATENATION (and the other
//     RequantizeInputs ops) requantized to the output's parameters by a
//     QUANTIZE op where they differ; weights symmetric int8 per channel;
//     biases int32 with scale input scale × weight scale; other float
//     constants asymmetric per tensor from their own range;
//   - ops without an int8 kernel (or excluded) stay float, with DEQUANTIZE
//     before and QUANTIZE after them, and are listed in FloatOps; with
//     opt.IntegerOnly they are an ErrNotInteger error listing them all;
//   - the model's inputs and outputs stay FLOAT32 behind QUANTIZE and
//     DEQUANTIZE ops, or become INT8/UINT8 with opt.IO (UINT8 with zero
//     point + 128 and a QUANTIZE between it and the int8 graph, as TFLite's
//     converter writes it).
//
// Tensor names and indices of the model's inputs and outputs are kept.
// Op versions are raised to what TFLite's converter writes.
func FullInteger(m *graph.Model, ranges map[int]ActivationRange, opt Int8Options) (*Int8Result, error) {
	sg := m.Main()
	r := &Int8Result{}
	if sg == nil {
		return r, nil
	}
	ranges = clampSaturating(sg, ranges)
	io := opt.IO
	if io != graph.Int8 && io != graph.Uint8 {
		io = graph.Float32
	}
	names := tensorNames(sg)
	prod, cons := sg.Producers(), sg.Consumers()
	isIn, isOut := make(map[int]bool), make(map[int]bool)
	for _, i := range sg.Inputs {
		isIn[i] = true
	}
	for _, o := range sg.Outputs {
		isOut[o] = true
	}
	excludedTensor := func(t *graph.Tensor) bool {
		return opt.ExcludeTensors != nil && opt.ExcludeTensors.MatchString(t.Name)
	}
	isWeight := func(ti int) bool {
		_, ok, _ := weightOf(sg, prod, ti)
		return ok
	}

	// 1. Which ops compute in int8.
	quantOp := make([]bool, len(sg.Ops))
	for k, op := range sg.Ops {
		if op.Code == graph.OpDensify || !isFloatOp(sg, op) {
			continue
		}
		why := whyFloat(sg, op, ranges, opt, isWeight, excludedTensor)
		if why != "" {
			r.FloatOps = append(r.FloatOps, fmt.Sprintf("%s: %s", opLabel(k, op), why))
			r.Kept++
			continue
		}
		quantOp[k] = true
		r.Quantized++
	}
	if opt.IntegerOnly && len(r.FloatOps) > 0 {
		return nil, fmt.Errorf("%w: %d ops have no int8 form: %s", ErrNotInteger, len(r.FloatOps), strings.Join(r.FloatOps, "; "))
	}
	if io == graph.Float32 && !opt.IntegerOnly && !opt.IntTails {
		for _, t := range floatTails(sg, quantOp, ranges, prod, cons, isOut) {
			quantOp[t.op] = false
			r.FloatTails = append(r.FloatTails, fmt.Sprintf("%s: %s", opLabel(t.op, sg.Ops[t.op]), t.why))
			r.Quantized--
		}
	}

	order, err := sg.TopoOrder()
	if err != nil {
		return nil, err
	}

	// 2. Parameters of activations.
	params := make(map[int]*graph.Quantization)
	fromRange := func(ti int) (*graph.Quantization, error) {
		if q := params[ti]; q != nil {
			return q, nil
		}
		rg, ok := ranges[ti]
		if !ok {
			return nil, fmt.Errorf("tensor %d %q has no calibrated range", ti, sg.Tensors[ti].Name)
		}
		if !(rg.Max > rg.Min) {
			r.Warnings = append(r.Warnings, fmt.Sprintf("tensor %d %q: calibrated range [%g, %g] is empty (all values equal): quantized over [min(%g, 0), max(%g, 0)], or [-1, 1] if that is empty too", ti, sg.Tensors[ti].Name, rg.Min, rg.Max, rg.Min, rg.Max))
		}
		q := quantOf(activationParams(rg))
		params[ti] = q
		return q, nil
	}
	constParams := func(ti int) *graph.Quantization {
		lo, hi := minMax(float32s(sg.Tensors[ti].Data))
		return quantOf(activationParams(ActivationRange{lo, hi}))
	}
	for _, k := range order {
		if !quantOp[k] {
			continue
		}
		op := sg.Ops[k]
		info, _ := graph.LookupOp(op)
		ins := info.QuantInputs(op)
		var first *graph.Quantization
		for _, s := range ins {
			ti := op.Inputs[s]
			var q *graph.Quantization
			if sg.Tensors[ti].IsConst() {
				q = constParams(ti)
			} else if q, err = fromRange(ti); err != nil {
				return nil, fmt.Errorf("%s: %v", opLabel(k, op), err)
			}
			if first == nil {
				first = q
			}
		}
		for _, s := range info.QuantOutputs(op) {
			to := op.Outputs[s]
			var q *graph.Quantization
			switch {
			case info.Quant.FixedOutput != nil:
				f := info.Quant.FixedOutput
				q = &graph.Quantization{Scale: []float32{f.Scale}, ZeroPoint: []int64{f.ZeroPoint}}
			case info.Quant.SameScale && !info.Quant.RequantizeInputs && first != nil:
				c := *first
				q = &c
			default:
				if q, err = fromRange(to); err != nil {
					return nil, fmt.Errorf("%s: %v", opLabel(k, op), err)
				}
			}
			params[to] = q
		}
	}

	// 3. Constants: weights, biases, other float constants. DENSIFY ops
	// of copied sparse weights go first (pre).
	var pre []*graph.Op
	for k, op := range sg.Ops {
		if !quantOp[k] {
			continue
		}
		info, _ := graph.LookupOp(op)
		ins := info.QuantInputs(op)
		var inScale float32
		if len(ins) > 0 {
			if q := params[op.Inputs[ins[0]]]; q != nil {
				inScale = q.Scale[0]
			}
		}
		var wScales []float32
		if info.Quant.PerChannel && len(info.Weights) > 0 {
			slot := info.Weights[0]
			cons = sg.Consumers()
			w, _, err := weightOf(sg, sg.Producers(), op.Inputs[slot])
			if err != nil {
				return nil, fmt.Errorf("%s: %v", opLabel(k, op), err)
			}
			if !soleReader(sg, cons, isOut, w, k) {
				var d *graph.Op
				if w, d = cloneWeight(sg, names, w, op, slot); d != nil {
					pre = append(pre, d)
				}
			}
			t := sg.Tensors[w.Index]
			q8, scales, err := qm.QuantizeWeightsGPTQ(w.Dense, intsOf(t.Shape), info.WeightAxis, opt.Hessians[k])
			if err != nil {
				return nil, fmt.Errorf("%s: weight %d %q: %v", opLabel(k, op), w.Index, t.Name, err)
			}
			if opt.Hessians[k] != nil {
				r.GPTQ++
			}
			// A channel of zeros has scale 0, which kernels reject: give it
			// a harmless positive scale (its values are all 0).
			for c, s := range scales {
				if s == 0 {
					scales[c] = 1.0 / qm.WeightMax
				}
			}
			quant := &graph.Quantization{Scale: scales, ZeroPoint: make([]int64, len(scales)), QuantizedDimension: int32(info.WeightAxis)}
			storeInt8Weight(sg, w, q8, quant)
			wScales = scales
			lo, hi := minMax(w.Dense)
			r.Tensors = append(r.Tensors, Int8Tensor{Tensor: w.Index, Name: t.Name, Source: -1, Role: "weight", Ops: op.Name(), Shape: t.Shape,
				Type: "INT8", Scale: scales, ZeroPoint: quant.ZeroPoint, Axis: info.WeightAxis, Min: lo, Max: hi})
		}
		if info.Quant.BiasInt32 && info.Bias >= 0 && info.Bias < len(op.Inputs) && op.Inputs[info.Bias] >= 0 && wScales != nil {
			bi := op.Inputs[info.Bias]
			b := sg.Tensors[bi]
			if b.Type != graph.Float32 || !b.IsConst() || b.Sparsity != nil {
				return nil, fmt.Errorf("%s: bias %d %q is not a dense FLOAT32 constant", opLabel(k, op), bi, b.Name)
			}
			cons = sg.Consumers()
			if len(cons[bi]) != 1 || isOut[bi] {
				c := *b
				c.Name = uniqueTensorName(names, b.Name+"_q")
				bi = addTensor(sg, &c)
				op.Inputs[info.Bias] = bi
				b = sg.Tensors[bi]
			}
			vals := float32s(b.Data)
			q32, scales, err := qm.QuantizeBias(vals, inScale, wScales)
			if err != nil {
				return nil, fmt.Errorf("%s: bias %d %q: %v", opLabel(k, op), bi, b.Name, err)
			}
			b.Data, b.Type = int32Bytes(q32), graph.Int32
			b.Quant = &graph.Quantization{Scale: scales, ZeroPoint: make([]int64, len(scales))}
			lo, hi := minMax(vals)
			r.Tensors = append(r.Tensors, Int8Tensor{Tensor: bi, Name: b.Name, Source: -1, Role: "bias", Ops: op.Name(), Shape: b.Shape,
				Type: "INT32", Scale: scales, ZeroPoint: b.Quant.ZeroPoint, Axis: 0, Min: lo, Max: hi})
		}
		var outQ *graph.Quantization
		if outs := info.QuantOutputs(op); len(outs) > 0 {
			outQ = params[op.Outputs[outs[0]]]
		}
		for _, s := range ins {
			ci := op.Inputs[s]
			c := sg.Tensors[ci]
			if !c.IsConst() || c.Type != graph.Float32 {
				continue
			}
			cons = sg.Consumers()
			if len(cons[ci]) != 1 || isOut[ci] {
				cp := *c
				cp.Name = uniqueTensorName(names, c.Name+"_q")
				ci = addTensor(sg, &cp)
				op.Inputs[s] = ci
				c = sg.Tensors[ci]
			}
			vals := float32s(c.Data)
			q := constParams(ci)
			if info.Quant.SameScale && info.Quant.RequantizeInputs && outQ != nil {
				q = outQ
			}
			p := paramsOf(q)
			qs := make([]int8, len(vals))
			for i, v := range vals {
				qs[i] = int8Of(p.Quantize(v, qm.Int8Min, qm.Int8Max))
			}
			c.Data, c.Type, c.Quant = int8Bytes(qs), graph.Int8, q
			lo, hi := minMax(vals)
			r.Tensors = append(r.Tensors, Int8Tensor{Tensor: ci, Name: c.Name, Source: -1, Role: "constant", Ops: op.Name(), Shape: c.Shape,
				Type: "INT8", Scale: q.Scale, ZeroPoint: q.ZeroPoint, Axis: -1, Min: lo, Max: hi})
		}
	}

	// 4. Activations: give each touched tensor the versions its producer
	// and readers need (float, int8, uint8 I/O), joined by QUANTIZE and
	// DEQUANTIZE ops placed right after the producer.
	prod, cons = sg.Producers(), sg.Consumers()
	touched := make(map[int]bool)
	for k, op := range sg.Ops {
		if !quantOp[k] {
			continue
		}
		info, _ := graph.LookupOp(op)
		for _, s := range info.QuantInputs(op) {
			if t := sg.Tensors[op.Inputs[s]]; !t.IsConst() && t.Type == graph.Float32 {
				touched[op.Inputs[s]] = true
			}
		}
		for _, s := range info.QuantOutputs(op) {
			touched[op.Outputs[s]] = true
		}
	}
	if io != graph.Float32 {
		for _, l := range [][]int{sg.Inputs, sg.Outputs} {
			for _, ti := range l {
				if t := sg.Tensor(ti); t != nil && t.Type == graph.Float32 {
					touched[ti] = true
				}
			}
		}
	}
	idx := make([]int, 0, len(touched))
	for ti := range touched {
		idx = append(idx, ti)
	}
	sort.Ints(idx)
	after := make(map[int][]*graph.Op) // op index -> conversions after it; -1: at the start
	before := make(map[int][]*graph.Op)
	qIndex := make(map[int]int) // original tensor -> its int8 version
	for _, ti := range idx {
		t := sg.Tensors[ti]
		p := prod[ti]
		prodQ := p >= 0 && quantOp[p]
		type reader struct{ op, slot int }
		var qReaders, fReaders []reader
		for _, k := range cons[ti] {
			op := sg.Ops[k]
			var qs map[int]bool
			if quantOp[k] {
				info, _ := graph.LookupOp(op)
				qs = make(map[int]bool)
				for _, s := range info.QuantInputs(op) {
					qs[s] = true
				}
			}
			for s, u := range op.Inputs {
				if u != ti {
					continue
				}
				if qs[s] {
					qReaders = append(qReaders, reader{k, s})
				} else {
					fReaders = append(fReaders, reader{k, s})
				}
			}
		}
		ioT := io != graph.Float32 && (isIn[ti] || isOut[ti])
		q := params[ti]
		if q == nil {
			var err error
			if q, err = fromRange(ti); err != nil {
				return nil, fmt.Errorf("model input or output: %v", err)
			}
		}
		// src is the version written by the producer (or fed by the user).
		src := graph.Float32
		switch {
		case isIn[ti]:
			src = io
		case prodQ:
			src = graph.Int8
		}
		needQ := prodQ || len(qReaders) > 0 || (ioT && io == graph.Int8)
		needF := src == graph.Float32 || len(fReaders) > 0 || (isOut[ti] && io == graph.Float32)
		needU := ioT && io == graph.Uint8
		if src == graph.Uint8 && needF {
			needQ = true
		}
		origType := src
		if isIn[ti] || isOut[ti] {
			origType = io
		}
		ver := map[graph.DType]int{origType: ti}
		mk := func(d graph.DType, suffix string) int {
			if i, ok := ver[d]; ok {
				return i
			}
			n := &graph.Tensor{Name: uniqueTensorName(names, t.Name+suffix), Type: d, Shape: append([]int32(nil), t.Shape...),
				ShapeSignature: t.ShapeSignature, HasRank: t.HasRank}
			ver[d] = addTensor(sg, n)
			return ver[d]
		}
		if needQ {
			mk(graph.Int8, "_int8")
		}
		if needF {
			mk(graph.Float32, "_float")
		}
		if needU {
			mk(graph.Uint8, "_uint8")
		}
		for d, i := range ver {
			u := sg.Tensors[i]
			u.Type = d
			switch d {
			case graph.Int8:
				c := *q
				u.Quant = &c
			case graph.Uint8:
				c := *q
				c.ZeroPoint = []int64{q.ZeroPoint[0] + 128}
				u.Quant = &c
			default:
				u.Quant = nil
			}
		}
		// Producer writes src; readers read their version.
		if p >= 0 {
			for s, o := range sg.Ops[p].Outputs {
				if o == ti {
					sg.Ops[p].Outputs[s] = ver[src]
				}
			}
		}
		for _, rd := range qReaders {
			sg.Ops[rd.op].Inputs[rd.slot] = ver[graph.Int8]
		}
		for _, rd := range fReaders {
			sg.Ops[rd.op].Inputs[rd.slot] = ver[graph.Float32]
		}
		conv := func(from, to graph.DType) {
			code := graph.OpQuantize
			if to == graph.Float32 {
				code = graph.OpDequantize
				r.DequantizeAdded++
			} else {
				r.QuantizeAdded++
			}
			after[p] = append(after[p], &graph.Op{Code: code, Version: 1, Inputs: []int{ver[from]}, Outputs: []int{ver[to]}})
		}
		switch src {
		case graph.Float32:
			if needQ {
				conv(graph.Float32, graph.Int8)
			}
			if needU {
				conv(graph.Float32, graph.Uint8)
			}
		case graph.Int8:
			if needF {
				conv(graph.Int8, graph.Float32)
			}
			if needU {
				conv(graph.Int8, graph.Uint8)
			}
		case graph.Uint8:
			conv(graph.Uint8, graph.Int8)
			if needF {
				conv(graph.Int8, graph.Float32)
			}
		}
		if i, ok := ver[graph.Int8]; ok {
			qIndex[ti] = i
		}
		role := "activation"
		switch {
		case isIn[ti]:
			role = "input"
		case isOut[ti]:
			role = "output"
		}
		e := Int8Tensor{Tensor: ver[graph.Int8], Name: sg.Tensors[ver[graph.Int8]].Name, Source: ti, Role: role, Shape: t.Shape, Type: "INT8",
			Scale: q.Scale, ZeroPoint: q.ZeroPoint, Axis: -1}
		if p >= 0 {
			e.Ops = sg.Ops[p].Name()
		}
		if rg, ok := ranges[ti]; ok {
			e.Min, e.Max = rg.Min, rg.Max
		}
		if needQ {
			r.Tensors = append(r.Tensors, e)
		}
	}

	// 5. Requantize inputs to the output's parameters where an op needs
	// them equal (CONCATENATION, ...).
	for k, op := range sg.Ops {
		if !quantOp[k] {
			continue
		}
		info, _ := graph.LookupOp(op)
		if !info.Quant.SameScale || !info.Quant.RequantizeInputs {
			continue
		}
		outs := info.QuantOutputs(op)
		if len(outs) == 0 {
			continue
		}
		oq := sg.Tensors[op.Outputs[outs[0]]].Quant
		for _, s := range info.QuantInputs(op) {
			in := sg.Tensors[op.Inputs[s]]
			if in.IsConst() || in.Quant == nil || (in.Quant.Scale[0] == oq.Scale[0] && in.Quant.ZeroPoint[0] == oq.ZeroPoint[0]) {
				continue
			}
			c := *oq
			n := &graph.Tensor{Name: uniqueTensorName(names, in.Name+"_requant"), Type: graph.Int8, Shape: append([]int32(nil), in.Shape...),
				Quant: &c, HasRank: in.HasRank}
			ni := addTensor(sg, n)
			before[k] = append(before[k], &graph.Op{Code: graph.OpQuantize, Version: 1, Inputs: []int{op.Inputs[s]}, Outputs: []int{ni}})
			op.Inputs[s] = ni
			r.QuantizeAdded++
		}
	}

	// 6. The new op list.
	out := append(pre, after[-1]...)
	for k, op := range sg.Ops {
		out = append(out, before[k]...)
		out = append(out, op)
		out = append(out, after[k]...)
	}
	sg.Ops = out
	graph.RaiseOpVersions(sg)
	for _, s := range r.FloatOps {
		r.Warnings = append(r.Warnings, "kept in float: "+s)
	}
	sortTensors(r)
	return r, nil
}

func int8Of(v int32) int8 { return int8(v) }

// whyFloat returns why op must stay float in a full-integer model, or "".
func whyFloat(sg *graph.Subgraph, op *graph.Op, ranges map[int]ActivationRange, opt Int8Options,
	isWeight func(int) bool, excluded func(*graph.Tensor) bool) string {
	info, ok := graph.LookupOp(op)
	switch {
	case !ok:
		return "not in the op registry"
	case !info.Quant.Int8:
		return "no int8 kernel in TFLite"
	case excludedOp(op.Code, opt.ExcludeOps):
		return "excluded by --exclude-ops"
	}
	quantIn := make(map[int]bool)
	for _, s := range info.QuantInputs(op) {
		quantIn[s] = true
		ti := op.Inputs[s]
		t := sg.Tensors[ti]
		switch {
		case t.Type != graph.Float32:
			return fmt.Sprintf("input %d %q is %s", ti, t.Name, t.Type)
		case excluded(t):
			return fmt.Sprintf("input %d %q matches --exclude-tensors", ti, t.Name)
		case t.IsConst():
			if t.Sparsity != nil {
				return fmt.Sprintf("input %d %q is a sparse constant", ti, t.Name)
			}
		default:
			if _, ok := ranges[ti]; !ok {
				return fmt.Sprintf("input %d %q has no calibrated range", ti, t.Name)
			}
		}
	}
	for s, ti := range op.Inputs {
		if ti < 0 || quantIn[s] {
			continue
		}
		t := sg.Tensors[ti]
		if t.Type != graph.Float32 {
			continue
		}
		switch {
		case info.Quant.PerChannel && len(info.Weights) > 0 && s == info.Weights[0]:
			if !isWeight(ti) {
				return fmt.Sprintf("weight %d %q is not a constant", ti, t.Name)
			}
			if excluded(t) {
				return fmt.Sprintf("weight %d %q matches --exclude-tensors", ti, t.Name)
			}
		case info.Quant.BiasInt32 && s == info.Bias:
			if !t.IsConst() || t.Sparsity != nil {
				return fmt.Sprintf("bias %d %q is not a dense constant", ti, t.Name)
			}
		default:
			return fmt.Sprintf("float input %d %q has no int8 form", ti, t.Name)
		}
	}
	for _, s := range info.QuantOutputs(op) {
		ti := op.Outputs[s]
		t := sg.Tensors[ti]
		if t.Type != graph.Float32 {
			return fmt.Sprintf("output %d %q is %s", ti, t.Name, t.Type)
		}
		if excluded(t) {
			return fmt.Sprintf("output %d %q matches --exclude-tensors", ti, t.Name)
		}
		if info.Quant.FixedOutput == nil && !(info.Quant.SameScale && !info.Quant.RequantizeInputs) {
			if _, ok := ranges[ti]; !ok {
				return fmt.Sprintf("output %d %q has no calibrated range", ti, t.Name)
			}
		}
	}
	return ""
}

// minTailGain is how much finer (output scale / finest input scale) the
// inputs of an output-tail CONCATENATION must be alone for floatTails to
// keep it float: 2 is one bit.
const minTailGain = 2

// tailOp is an op floatTails keeps float, and why.
type tailOp struct {
	op  int
	why string
}

// floatTails finds the output tails of a full-integer model with float
// outputs: a CONCATENATION whose result reaches a graph output only
// through RESHAPE/SQUEEZE ops (and those ops). In int8 the concatenation
// shares one scale, its output's, among inputs whose own ranges may be far
// narrower: the face detectors concatenate the scores of two feature maps,
// one in [-6.2, 2.5] and one in [-461, -1.4], so that int8 output steps by
// 1.82 logits where the first map alone would step by 0.034. Run in float
// after a DEQUANTIZE of each input, each input keeps its own scale, for
// the price of a float copy of the output. Tails whose inputs would gain
// less than minTailGain stay int8, as TFLite's converter writes them
// (Int8Options.IntTails keeps every one).
func floatTails(sg *graph.Subgraph, quantOp []bool, ranges map[int]ActivationRange, prod []int, cons [][]int, isOut map[int]bool) []tailOp {
	var tails []tailOp
	seen := make(map[int]bool)
	for _, o := range sg.Outputs {
		var chain []int // movement ops from the output back, then the concatenation
		t := o
		for {
			k := prod[t]
			if k < 0 || !quantOp[k] || seen[k] {
				chain = nil
				break
			}
			// The op's result must go only down the chain (or out).
			if len(cons[t]) > 1 || (len(cons[t]) == 1 && (len(chain) == 0 || cons[t][0] != chain[len(chain)-1])) || (isOut[t] && t != o) {
				chain = nil
				break
			}
			op := sg.Ops[k]
			chain = append(chain, k)
			if op.Code == graph.OpConcatenation {
				break
			}
			if (op.Code != graph.OpReshape && op.Code != graph.OpSqueeze) || len(op.Inputs) == 0 || op.Inputs[0] < 0 {
				chain = nil
				break
			}
			t = op.Inputs[0]
		}
		if len(chain) == 0 {
			continue
		}
		k := chain[len(chain)-1]
		concat := sg.Ops[k]
		outR, ok := ranges[concat.Outputs[0]]
		if !ok {
			continue
		}
		outScale := float64(activationParams(outR).Scale)
		finest := math.Inf(1)
		for _, in := range concat.Inputs {
			rg, ok := ranges[in]
			if in < 0 || !ok {
				finest = math.Inf(1)
				break
			}
			finest = math.Min(finest, float64(activationParams(rg).Scale))
		}
		gain := outScale / finest
		if math.IsInf(finest, 1) || !(gain >= minTailGain) {
			continue
		}
		for _, c := range chain {
			seen[c] = true
		}
		why := fmt.Sprintf("output tail: in int8 its inputs would share the output's scale %.4g, %.1fx the finest input's own (--float-tails=false keeps it int8)", outScale, gain)
		tails = append(tails, tailOp{k, why})
		for _, c := range chain[:len(chain)-1] {
			tails = append(tails, tailOp{c, fmt.Sprintf("output tail: moves the float result of %s", opLabel(k, concat))})
		}
	}
	return tails
}
