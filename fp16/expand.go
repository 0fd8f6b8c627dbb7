package fp16

import (
	"encoding/binary"
	"fmt"
	"math"
	"slices"

	"github.com/fp16tool/fp16tool/graph"
)

// Folded describes one DEQUANTIZE op that Expand folded away.
type Folded struct {
	// Subgraph is the subgraph index.
	Subgraph int `json:"subgraph"`
	// Name is the name of the float32 constant that replaces the op's
	// output (the original constant's name).
	Name string `json:"name"`
	// From is the element type the constant had (FLOAT16, INT8, ...).
	From string `json:"from"`
	// Sparse is set when the constant stays sparse behind its DENSIFY op.
	Sparse bool `json:"sparse,omitempty"`
}

// ExpandResult is the outcome of Expand.
type ExpandResult struct {
	// Folded lists the DEQUANTIZE ops folded into float32 constants.
	Folded []Folded
	// RemovedTensors counts the tensors removed because nothing used
	// them any more.
	RemovedTensors int
}

// isWeightOnly reports whether t is a constant Expand can turn into
// float32: FLOAT16, or an integer type with quantization scales.
func isWeightOnly(t *graph.Tensor) bool {
	if t == nil || t.Data == nil {
		return false
	}
	switch t.Type {
	case graph.Float16:
		return true
	case graph.Int8, graph.Uint8, graph.Int16:
		return t.Quant != nil && len(t.Quant.Scale) > 0
	}
	return false
}

// Expand is the reverse of Quantize (--precision=fp32): every DEQUANTIZE
// op whose input is a constant FLOAT16 tensor or an int8/uint8/int16
// weight-only quantized constant is removed, the constant becomes float32
// in place (same index and name) holding the exact dequantized values, and
// the op's readers read it directly. A sparse FLOAT16 constant read through DENSIFY and
// DEQUANTIZE becomes a sparse float32 constant and its DENSIFY produces
// float32. Tensors that nothing uses any more (and any that were unused
// before) are then removed and all tensor indices renumbered, including
// subgraph inputs/outputs and signatures.
func Expand(m *graph.Model) (*ExpandResult, error) {
	res := &ExpandResult{}
	cache := make(map[dataKey][]byte)
	for si, sg := range m.Subgraphs {
		cons := sg.Consumers()
		prod := sg.Producers()
		io := make(map[int]bool)
		for _, i := range sg.Inputs {
			io[i] = true
		}
		for _, i := range sg.Outputs {
			io[i] = true
		}
		drop := make(map[int]bool) // op indices to remove
		replace := make(map[int]int)
		for k, op := range sg.Ops {
			if op.Code != graph.OpDequantize || len(op.Inputs) != 1 || len(op.Outputs) != 1 {
				continue
			}
			in, out := op.Inputs[0], op.Outputs[0]
			c, y := sg.Tensor(in), sg.Tensor(out)
			if c == nil || y == nil || y.Type != graph.Float32 {
				continue
			}
			switch {
			case isWeightOnly(c) && c.Sparsity == nil:
				data, err := dequantize(si, in, c, cache)
				if err != nil {
					return nil, err
				}
				from := c.Type.String()
				if len(cons[in]) == 1 && !io[in] && !io[out] {
					// The usual case: the constant becomes float32 in its
					// own slot, and the op's output goes away.
					c.Data, c.Type, c.Quant = data, graph.Float32, nil
					replace[out] = in
				} else {
					y.Data, y.Type, y.Quant = data, graph.Float32, nil
				}
				drop[k] = true
				res.Folded = append(res.Folded, Folded{Subgraph: si, Name: c.Name, From: from})
			case prod[in] >= 0 && c.Type == graph.Float16 && len(cons[in]) == 1 && !io[in]:
				dk := sg.Ops[prod[in]]
				if dk.Code != graph.OpDensify || len(dk.Inputs) != 1 {
					continue
				}
				s := sg.Tensor(dk.Inputs[0])
				if s == nil || s.Type != graph.Float16 || s.Data == nil || len(cons[dk.Inputs[0]]) != 1 {
					continue
				}
				data, err := dequantize(si, dk.Inputs[0], s, cache)
				if err != nil {
					return nil, err
				}
				s.Data, s.Type = data, graph.Float32
				c.Type = graph.Float32
				replace[out] = in
				drop[k] = true
				res.Folded = append(res.Folded, Folded{Subgraph: si, Name: s.Name, From: "FLOAT16", Sparse: true})
			}
		}
		if len(drop) == 0 {
			continue
		}
		ops := sg.Ops[:0]
		for k, op := range sg.Ops {
			if !drop[k] {
				ops = append(ops, op)
			}
		}
		clear(sg.Ops[len(ops):])
		sg.Ops = ops
		if len(replace) > 0 {
			for _, op := range sg.Ops {
				for j, t := range op.Inputs {
					if r, ok := replace[t]; ok {
						op.Inputs[j] = r
					}
				}
			}
			for j, t := range sg.Outputs {
				if r, ok := replace[t]; ok {
					sg.Outputs[j] = r
				}
			}
			for _, sig := range m.Signatures {
				if sig.SubgraphIndex != si {
					continue
				}
				for j := range sig.Outputs {
					if r, ok := replace[sig.Outputs[j].Tensor]; ok {
						sig.Outputs[j].Tensor = r
					}
				}
			}
		}
	}
	res.RemovedTensors = RemoveUnusedTensors(m)
	return res, nil
}

// dequantize returns the float32 bytes of constant t (FLOAT16 or
// weight-only quantized), computed as the TFLite DEQUANTIZE kernel does.
func dequantize(si, ti int, t *graph.Tensor, cache map[dataKey][]byte) ([]byte, error) {
	k := keyOf(t.Data)
	if b, ok := cache[k]; ok && t.Type == graph.Float16 {
		return b, nil
	}
	size := t.Type.Size()
	if len(t.Data)%size != 0 {
		return nil, fmt.Errorf("subgraph %d tensor %d %q: %d data bytes is not a whole number of %s values", si, ti, t.Name, len(t.Data), t.Type)
	}
	n := len(t.Data) / size
	if t.Sparsity == nil {
		if want := t.NumElements(); want != n {
			return nil, fmt.Errorf("subgraph %d tensor %d %q: %d %s values for shape %v (want %d)", si, ti, t.Name, n, t.Type, t.Shape, want)
		}
	}
	out := make([]byte, 4*n)
	if t.Type == graph.Float16 {
		Decode(out, t.Data)
		cache[k] = out
		return out, nil
	}
	q := t.Quant
	if t.Sparsity != nil {
		return nil, fmt.Errorf("subgraph %d tensor %d %q: sparse quantized constants are not supported", si, ti, t.Name)
	}
	// Per-axis: channel = (i / inner) % channels along QuantizedDimension.
	channels, inner := 1, 1
	if len(q.Scale) > 1 {
		ax := int(q.QuantizedDimension)
		if ax < 0 || ax >= len(t.Shape) || int(t.Shape[ax]) != len(q.Scale) {
			return nil, fmt.Errorf("subgraph %d tensor %d %q: %d scales do not match dimension %d of shape %v", si, ti, t.Name, len(q.Scale), ax, t.Shape)
		}
		channels = len(q.Scale)
		inner = graph.NumElements(t.Shape[ax+1:])
	}
	if len(q.ZeroPoint) != 0 && len(q.ZeroPoint) != len(q.Scale) {
		return nil, fmt.Errorf("subgraph %d tensor %d %q: %d zero points for %d scales", si, ti, t.Name, len(q.ZeroPoint), len(q.Scale))
	}
	for i := 0; i < n; i++ {
		c := 0
		if channels > 1 {
			c = (i / inner) % channels
		}
		var v int64
		switch t.Type {
		case graph.Int8:
			v = int64(int8(t.Data[i]))
		case graph.Uint8:
			v = int64(t.Data[i])
		case graph.Int16:
			v = int64(int16(binary.LittleEndian.Uint16(t.Data[2*i:])))
		}
		if len(q.ZeroPoint) > 0 {
			v -= q.ZeroPoint[c]
		}
		// float32(scale * (q - zp)): the product is exact in float64, so
		// this is the correctly rounded float32 product either way.
		f := float32(float64(q.Scale[c]) * float64(v))
		binary.LittleEndian.PutUint32(out[4*i:], math.Float32bits(f))
	}
	return out, nil
}

// RemoveUnusedTensors removes, in every subgraph, the tensors that no op,
// subgraph input or output, or signature refers to, renumbers every
// reference, and returns how many it removed.
func RemoveUnusedTensors(m *graph.Model) int {
	removed := 0
	for si, sg := range m.Subgraphs {
		used := make([]bool, len(sg.Tensors))
		mark := func(ts []int) {
			for _, t := range ts {
				if t >= 0 && t < len(used) {
					used[t] = true
				}
			}
		}
		for _, op := range sg.Ops {
			mark(op.Inputs)
			mark(op.Outputs)
			mark(op.Intermediates)
		}
		mark(sg.Inputs)
		mark(sg.Outputs)
		for _, sig := range m.Signatures {
			if sig.SubgraphIndex != si {
				continue
			}
			for _, st := range sig.Inputs {
				mark([]int{st.Tensor})
			}
			for _, st := range sig.Outputs {
				mark([]int{st.Tensor})
			}
		}
		if !slices.Contains(used, false) {
			continue
		}
		newIdx := make([]int, len(sg.Tensors))
		kept := sg.Tensors[:0]
		for i, t := range sg.Tensors {
			if used[i] {
				newIdx[i] = len(kept)
				kept = append(kept, t)
			} else {
				newIdx[i] = -1
				removed++
			}
		}
		clear(sg.Tensors[len(kept):])
		sg.Tensors = kept
		remap := func(ts []int) {
			for j, t := range ts {
				if t >= 0 && t < len(newIdx) {
					ts[j] = newIdx[t]
				}
			}
		}
		for _, op := range sg.Ops {
			remap(op.Inputs)
			remap(op.Outputs)
			remap(op.Intermediates)
		}
		remap(sg.Inputs)
		remap(sg.Outputs)
		for _, sig := range m.Signatures {
			if sig.SubgraphIndex != si {
				continue
			}
			for j := range sig.Inputs {
				if t := sig.Inputs[j].Tensor; t >= 0 && t < len(newIdx) {
					sig.Inputs[j].Tensor = newIdx[t]
				}
			}
			for j := range sig.Outputs {
				if t := sig.Outputs[j].Tensor; t >= 0 && t < len(newIdx) {
					sig.Outputs[j].Tensor = newIdx[t]
				}
			}
		}
	}
	return removed
}
