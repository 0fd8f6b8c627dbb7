package tflite

import (
	"encoding/binary"
	"fmt"
	"math"

	"github.com/fp16tool/fp16tool/graph"
	"github.com/fp16tool/fp16tool/tflite/internal/schema"
)

// checkModel checks the rules of the format that a graph.Model can break:
// indices in range, constant data sizes consistent with shapes and types,
// sparse and quantization metadata consistent, subgraphs acyclic. Load runs
// it on what it read and Save on what it is asked to write.
func checkModel(m *graph.Model) error {
	if len(m.Subgraphs) == 0 {
		return malformedf("the model has no subgraphs")
	}
	for si, sg := range m.Subgraphs {
		if sg == nil {
			return malformedf("subgraph %d is nil", si)
		}
		if err := checkSubgraph(m, sg); err != nil {
			return prefixed(fmt.Sprintf("subgraph %d", si), err)
		}
	}
	for i, s := range m.Signatures {
		if s == nil {
			return malformedf("signature %d is nil", i)
		}
		if s.SubgraphIndex < 0 || s.SubgraphIndex >= len(m.Subgraphs) {
			return malformedf("signature %d (%q): subgraph %d, the model has %d", i, s.Key, s.SubgraphIndex, len(m.Subgraphs))
		}
		n := len(m.Subgraphs[s.SubgraphIndex].Tensors)
		for _, list := range []struct {
			what string
			ts   []graph.SignatureTensor
		}{{"input", s.Inputs}, {"output", s.Outputs}} {
			for j, st := range list.ts {
				if st.Tensor < 0 || st.Tensor >= n {
					return malformedf("signature %d (%q): %s %d (%q) is tensor %d, subgraph %d has %d", i, s.Key, list.what, j, st.Name, st.Tensor, s.SubgraphIndex, n)
				}
			}
		}
	}
	for i, md := range m.Metadata {
		if md == nil {
			return malformedf("metadata %d is nil", i)
		}
	}
	return nil
}

func checkSubgraph(m *graph.Model, sg *graph.Subgraph) error {
	n := len(sg.Tensors)
	for ti, t := range sg.Tensors {
		if t == nil {
			return malformedf("tensor %d is nil", ti)
		}
		if err := checkTensor(t); err != nil {
			return prefixed(fmt.Sprintf("tensor %d (%q)", ti, t.Name), err)
		}
	}
	for _, list := range []struct {
		what string
		idx  []int
	}{{"input", sg.Inputs}, {"output", sg.Outputs}} {
		for j, x := range list.idx {
			if x < 0 || x >= n {
				return malformedf("%s %d is tensor %d, the subgraph has %d", list.what, j, x, n)
			}
		}
	}
	for oi, op := range sg.Ops {
		if op == nil {
			return malformedf("op %d is nil", oi)
		}
		if err := checkOp(m, op, n); err != nil {
			return prefixed(fmt.Sprintf("op %d (%s)", oi, op.Name()), err)
		}
	}
	if _, err := sg.TopoOrder(); err != nil {
		return malformedf("%v", err)
	}
	return nil
}

func checkOp(m *graph.Model, op *graph.Op, n int) error {
	if op.Code < 0 {
		return malformedf("negative op code %d", op.Code)
	}
	for _, list := range []struct {
		what     string
		idx      []int
		optional bool
	}{{"input", op.Inputs, true}, {"output", op.Outputs, false}, {"intermediate", op.Intermediates, false}} {
		for j, x := range list.idx {
			if x == -1 && list.optional {
				continue
			}
			if x < 0 || x >= n {
				return malformedf("%s %d is tensor %d, the subgraph has %d", list.what, j, x, n)
			}
		}
	}
	if k := len(op.MutatingVariableInputs); k != 0 && k != len(op.Inputs) {
		return malformedf("%d mutating_variable_inputs flags for %d inputs", k, len(op.Inputs))
	}
	// Subgraph references in control-flow options.
	ns := len(m.Subgraphs)
	sub := func(what string, i int64) error {
		if i < 0 || i >= int64(ns) {
			return malformedf("%s is subgraph %d, the model has %d", what, i, ns)
		}
		return nil
	}
	var err error
	switch o := op.Options.(type) {
	case *schema.CallOptionsT:
		err = sub("called subgraph", int64(o.Subgraph))
	case *schema.IfOptionsT:
		if err = sub("then subgraph", int64(o.ThenSubgraphIndex)); err == nil {
			err = sub("else subgraph", int64(o.ElseSubgraphIndex))
		}
	case *schema.WhileOptionsT:
		if err = sub("cond subgraph", int64(o.CondSubgraphIndex)); err == nil {
			err = sub("body subgraph", int64(o.BodySubgraphIndex))
		}
	case *schema.CallOnceOptionsT:
		err = sub("init subgraph", int64(o.InitSubgraphIndex))
	}
	if err != nil {
		return err
	}
	switch o := op.Options2.(type) {
	case *schema.StableHLOCompositeOptionsT:
		err = sub("decomposition subgraph", int64(o.DecompositionSubgraphIndex))
	case *schema.StablehloWhileOptionsT:
		if err = sub("cond subgraph", int64(o.CondSubgraphIndex)); err == nil {
			err = sub("body subgraph", int64(o.BodySubgraphIndex))
		}
	case *schema.StablehloReduceOptionsT:
		err = sub("body subgraph", int64(o.BodySubgraphIndex))
	case *schema.StablehloReduceWindowOptionsT:
		err = sub("body subgraph", int64(o.BodySubgraphIndex))
	case *schema.StablehloSortOptionsT:
		err = sub("comparator subgraph", int64(o.ComparatorSubgraphIndex))
	case *schema.StablehloScatterOptionsT:
		err = sub("update computation subgraph", int64(o.UpdateComputationSubgraphIndex))
	case *schema.StablehloCustomCallOptionsT:
		for _, c := range o.CalledComputations {
			if err = sub("called computation", int64(c)); err != nil {
				break
			}
		}
	}
	if err != nil {
		return err
	}
	if op.Options != nil && !knownOptions(op.Options) {
		return malformedf("options of unknown type %T", op.Options)
	}
	if op.Options2 != nil {
		if _, ok := builtinOptions2TypeOf(op.Options2); !ok || isNilPointer(op.Options2) {
			return malformedf("options2 of unknown type %T", op.Options2)
		}
	}
	return nil
}

// elements returns the number of elements of shape, and false when a
// dimension is negative or the count exceeds limit.
func elements(shape []int32, limit int) (int, bool) {
	n := 1
	for _, d := range shape {
		if d < 0 {
			return 0, false
		}
		if d == 0 {
			n = 0
			continue
		}
		if n > limit/int(d) {
			return 0, false
		}
		n *= int(d)
	}
	return n, n <= limit
}

func checkTensor(t *graph.Tensor) error {
	if !t.Type.Valid() {
		return malformedf("unknown type %d", int8(t.Type))
	}
	if q := t.Quant; q != nil {
		if q.Details != nil {
			if _, ok := quantizationDetailsTypeOf(q.Details); !ok || isNilPointer(q.Details) {
				return malformedf("quantization details of unknown type %T", q.Details)
			}
		}
		if len(q.ZeroPoint) != 0 && len(q.Scale) != 0 && len(q.ZeroPoint) != len(q.Scale) {
			return malformedf("quantization has %d scales and %d zero points", len(q.Scale), len(q.ZeroPoint))
		}
		if len(q.Scale) > 1 {
			d := int(q.QuantizedDimension)
			if d < 0 || d >= len(t.Shape) {
				return malformedf("per-axis quantization on dimension %d of a rank %d tensor", d, len(t.Shape))
			}
			if int(t.Shape[d]) != len(q.Scale) {
				return malformedf("%d scales for dimension %d of size %d", len(q.Scale), d, t.Shape[d])
			}
		}
	}
	if t.Data == nil {
		if t.Sparsity != nil {
			return malformedf("sparse tensor without data")
		}
		return nil
	}
	if t.Sparsity != nil {
		return checkSparse(t)
	}
	limit := len(t.Data)*2 + 1
	cnt, ok := elements(t.Shape, limit)
	if !ok {
		return malformedf("shape %v does not fit the %d bytes of its constant data", t.Shape, len(t.Data))
	}
	if t.Type == graph.String {
		return checkStrings(t.Data, cnt)
	}
	want, fixed := t.Type.ByteSize(cnt)
	if fixed && want != len(t.Data) {
		return malformedf("%s %v needs %d bytes of data, its buffer has %d", t.Type, t.Shape, want, len(t.Data))
	}
	return nil
}

// checkStrings checks TFLite's string tensor layout: int32 count, count+1
// int32 offsets, then the bytes.
func checkStrings(d []byte, cnt int) error {
	if len(d) < 4 {
		return malformedf("string data is %d bytes, too short for its header", len(d))
	}
	k := int(binary.LittleEndian.Uint32(d))
	if k != cnt {
		return malformedf("string data holds %d strings, the shape has %d elements", k, cnt)
	}
	if k > (len(d)-4)/4-1 {
		return malformedf("string data of %d bytes cannot hold %d offsets", len(d), k+1)
	}
	prev := uint32(4 * (k + 2))
	for i := 0; i <= k; i++ {
		o := binary.LittleEndian.Uint32(d[4+4*i:])
		if o < prev || o > uint32(len(d)) {
			return malformedf("string %d: offset %d out of order or past the %d bytes of data", i, o, len(d))
		}
		prev = o
	}
	return nil
}

// checkSparse checks the sparse encoding: traversal order, block map and
// per-dimension metadata, and that the data holds exactly the values the
// CSR segments describe.
func checkSparse(t *graph.Tensor) error {
	s := t.Sparsity
	rank := len(t.Shape)
	nt := len(s.TraversalOrder)
	if nt < rank || nt-rank != len(s.BlockMap) {
		return malformedf("sparsity: traversal order of %d dimensions, block map of %d, for a rank %d tensor", nt, len(s.BlockMap), rank)
	}
	if len(s.DimMetadata) != nt {
		return malformedf("sparsity: %d dimension metadata for a traversal order of %d", len(s.DimMetadata), nt)
	}
	seen := make([]bool, nt)
	for _, d := range s.TraversalOrder {
		if d < 0 || int(d) >= nt || seen[d] {
			return malformedf("sparsity: traversal order %v is not a permutation", s.TraversalOrder)
		}
		seen[d] = true
	}
	for _, d := range s.BlockMap {
		if d < 0 || int(d) >= rank {
			return malformedf("sparsity: block map %v refers to dimension %d of a rank %d tensor", s.BlockMap, d, rank)
		}
	}
	// Walk the levels: count is the number of positions at this level.
	count := 1
	const limit = math.MaxInt32
	for i, dm := range s.DimMetadata {
		switch dm.Format {
		case graph.DimDense:
			if dm.DenseSize < 0 || (dm.DenseSize > 0 && count > limit/int(dm.DenseSize)) {
				return malformedf("sparsity: dimension %d: dense size %d", i, dm.DenseSize)
			}
			count *= int(dm.DenseSize)
		case graph.DimSparseCSR:
			if len(dm.Segments) != count+1 {
				return malformedf("sparsity: dimension %d: %d segments for %d positions (want %d)", i, len(dm.Segments), count, count+1)
			}
			prev := int32(0)
			for _, x := range dm.Segments {
				if x < prev {
					return malformedf("sparsity: dimension %d: segments %v decrease", i, x)
				}
				prev = x
			}
			if dm.Segments[0] != 0 || int(prev) != len(dm.Indices) {
				return malformedf("sparsity: dimension %d: segments run from %d to %d over %d indices", i, dm.Segments[0], prev, len(dm.Indices))
			}
			for _, x := range dm.Indices {
				if x < 0 {
					return malformedf("sparsity: dimension %d: negative index %d", i, x)
				}
			}
			count = len(dm.Indices)
		default:
			return malformedf("sparsity: dimension %d: unknown format %d", i, dm.Format)
		}
		if err := checkIndexType(i, "segments", dm.SegmentsType, dm.Segments); err != nil {
			return err
		}
		if err := checkIndexType(i, "indices", dm.IndicesType, dm.Indices); err != nil {
			return err
		}
	}
	want, fixed := t.Type.ByteSize(count)
	if !fixed {
		return malformedf("sparse tensor of type %s", t.Type)
	}
	if want != len(t.Data) {
		return malformedf("sparse %s tensor holds %d values (%d bytes), its buffer has %d bytes", t.Type, count, want, len(t.Data))
	}
	return nil
}

func checkIndexType(dim int, what string, typ graph.IndexType, v []int32) error {
	max := int32(math.MaxInt32)
	switch typ {
	case graph.IndexNone:
		if len(v) != 0 {
			return malformedf("sparsity: dimension %d: %d %s without an index type", dim, len(v), what)
		}
		return nil
	case graph.IndexInt32:
	case graph.IndexUint16:
		max = math.MaxUint16
	case graph.IndexUint8:
		max = math.MaxUint8
	default:
		return malformedf("sparsity: dimension %d: unknown %s index type %d", dim, what, typ)
	}
	for _, x := range v {
		if x < 0 || x > max {
			return malformedf("sparsity: dimension %d: %s value %d does not fit its index type", dim, what, x)
		}
	}
	return nil
}
