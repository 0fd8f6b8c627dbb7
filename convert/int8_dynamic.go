package convert

import (
	"fmt"

	"github.com/fp16tool/fp16tool/graph"
	qm "github.com/fp16tool/fp16tool/int8"
)

// DynamicRange applies int8 dynamic-range quantization to m's main
// subgraph, as TFLite's converter does with Optimize.DEFAULT and no
// representative dataset: the float32 weights (input Weights[0] of the
// registry) of every op with at least opt.MinElements elements become
// symmetric int8.
//
//   - Ops with a hybrid kernel (graph.QuantInfo.Hybrid: CONV_2D,
//     DEPTHWISE_CONV_2D, FULLY_CONNECTED) read the int8 weights directly:
//     per channel along WeightAxis for the convolutions (CONV_2D v5,
//     DEPTHWISE_CONV_2D v6), per tensor for FULLY_CONNECTED with
//     asymmetric_quantize_inputs (v9); biases and activations stay float32
//     and the kernels quantize activations on the fly.
//   - Other ops' weights (and sparse weights, whose DENSIFY output TFLite's
//     hybrid kernels mishandle) become int8 per channel along WeightAxis
//     (per tensor without one) behind a DEQUANTIZE op (v5 per channel).
//
// A weight behind a DENSIFY of a sparse constant keeps its sparsity (the
// stored values are quantized; DENSIFY then runs on int8). Shared weights
// are copied for each reader they are quantized for.
func DynamicRange(m *graph.Model, opt Int8Options) (*Int8Result, error) {
	sg := m.Main()
	r := &Int8Result{}
	if sg == nil {
		return r, nil
	}
	minEl := opt.MinElements
	if minEl <= 0 {
		minEl = DefaultMinElements
	}
	names := tensorNames(sg)
	outs := make(map[int]bool)
	for _, o := range sg.Outputs {
		outs[o] = true
	}
	type deq struct {
		before *graph.Op
		op     *graph.Op
	}
	var deqs []deq
	var pre []*graph.Op // DENSIFY ops of copied sparse weights
	ops := append([]*graph.Op(nil), sg.Ops...)
	for k, op := range ops {
		info, ok := graph.LookupOp(op)
		if !ok || len(info.Weights) == 0 {
			continue
		}
		slot := info.Weights[0]
		if slot >= len(op.Inputs) || op.Inputs[slot] < 0 {
			continue
		}
		prod, cons := sg.Producers(), sg.Consumers()
		w, ok, err := weightOf(sg, prod, op.Inputs[slot])
		if err != nil {
			return nil, fmt.Errorf("%s: %v", opLabel(k, op), err)
		}
		if !ok {
			continue
		}
		t := sg.Tensors[w.Index]
		entry := Int8Tensor{Tensor: w.Index, Name: t.Name, Source: -1, Role: "weight", Ops: op.Name(), Shape: t.Shape, Type: "FLOAT32", Axis: -1}
		entry.Min, entry.Max = minMax(w.Dense)
		keep := ""
		switch {
		case len(w.Dense) < minEl:
			keep = fmt.Sprintf("%d elements, fewer than --min-elements=%d", len(w.Dense), minEl)
		case excludedOp(op.Code, opt.ExcludeOps):
			keep = "read by excluded op " + op.Name()
		case opt.ExcludeTensors != nil && opt.ExcludeTensors.MatchString(t.Name):
			keep = "name matches --exclude-tensors"
		}
		if keep != "" {
			entry.Reason = keep
			r.Tensors = append(r.Tensors, entry)
			r.Kept++
			continue
		}
		// A sparse weight goes through DENSIFY at run time, and TFLite's
		// hybrid kernels give wrong results on such a filter (measured:
		// 0 dB on face_detection_full_range_sparse): it takes the
		// DEQUANTIZE route, stored sparse in int8.
		hybrid := info.Quant.Hybrid && w.Sparse < 0
		// Per channel along WeightAxis, except FULLY_CONNECTED's hybrid
		// kernel (per tensor, as the TFLite converter writes it).
		axis := info.WeightAxis
		if hybrid && op.Code == graph.OpFullyConnected {
			axis = -1
		}
		q, scales, err := qm.QuantizeWeightsGPTQ(w.Dense, intsOf(t.Shape), axis, opt.Hessians[k])
		if err != nil {
			return nil, fmt.Errorf("%s: weight %d %q: %v", opLabel(k, op), w.Index, t.Name, err)
		}
		if opt.Hessians[k] != nil {
			r.GPTQ++
		}
		quant := &graph.Quantization{Scale: scales, ZeroPoint: make([]int64, len(scales))}
		if axis >= 0 {
			quant.QuantizedDimension = int32(axis)
		}
		if !soleReader(sg, cons, outs, w, k) {
			var d *graph.Op
			if w, d = cloneWeight(sg, names, w, op, slot); d != nil {
				pre = append(pre, d)
			}
			t = sg.Tensors[w.Index]
		}
		if hybrid {
			storeInt8Weight(sg, w, q, quant)
			if op.Code == graph.OpFullyConnected {
				o := graph.FullyConnectedOptions{}
				if old, ok := op.Options.(*graph.FullyConnectedOptions); ok {
					o = *old
				}
				o.AsymmetricQuantizeInputs = true
				op.Options = &o
			}
		} else {
			// int8 constant + DEQUANTIZE into the original float tensor.
			if w.Sparse >= 0 {
				// sparse int8 -> DENSIFY (int8) -> DEQUANTIZE -> the float
				// tensor the op reads.
				f := &graph.Tensor{Name: uniqueTensorName(names, t.Name+"_float"), Type: graph.Float32, Shape: append([]int32(nil), t.Shape...), HasRank: t.HasRank}
				fi := addTensor(sg, f)
				storeInt8Weight(sg, w, q, quant)
				op.Inputs[slot] = fi
				deqs = append(deqs, deq{before: op, op: &graph.Op{Code: graph.OpDequantize, Version: 1, Inputs: []int{w.Index}, Outputs: []int{fi}}})
				r.DequantizeAdded++
				entry.Tensor, entry.Name, entry.Type = w.Index, t.Name, "INT8"
				entry.Scale, entry.ZeroPoint, entry.Axis = scales, quant.ZeroPoint, axis
				r.Tensors = append(r.Tensors, entry)
				r.Quantized++
				continue
			}
			c := &graph.Tensor{Name: uniqueTensorName(names, t.Name+"_int8"), Type: graph.Int8, Shape: append([]int32(nil), t.Shape...),
				Data: int8Bytes(q), Quant: quant, HasRank: t.HasRank}
			ci := addTensor(sg, c)
			t.Data = nil
			d := &graph.Op{Code: graph.OpDequantize, Version: 1, Inputs: []int{ci}, Outputs: []int{w.Index}}
			deqs = append(deqs, deq{before: op, op: d})
			r.DequantizeAdded++
		}
		entry.Tensor, entry.Name, entry.Type = w.Index, t.Name, "INT8"
		entry.Scale, entry.ZeroPoint, entry.Axis = scales, quant.ZeroPoint, axis
		r.Tensors = append(r.Tensors, entry)
		r.Quantized++
	}
	if len(deqs) > 0 || len(pre) > 0 {
		at := make(map[*graph.Op][]*graph.Op)
		for _, d := range deqs {
			at[d.before] = append(at[d.before], d.op)
		}
		out := pre
		for _, op := range sg.Ops {
			out = append(out, at[op]...)
			out = append(out, op)
		}
		sg.Ops = out
	}
	graph.RaiseOpVersions(sg)
	sortTensors(r)
	return r, nil
}
