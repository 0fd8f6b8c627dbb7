package graph

import (
	"fmt"
	"math"
	"sort"
)

// OpInfo describes one kind of operator: its arity, which inputs carry
// weights and bias, how to infer its output shapes, how to count its
// multiply-accumulates, and its quantization properties. There is one
// OpInfo per builtin code or custom op name, in a single table (opTable);
// find entries with LookupOp, LookupBuiltin or LookupCustom.
type OpInfo struct {
	// Code is the builtin code (OpCustom for custom ops).
	Code OpCode
	// Custom is the custom op name (e.g. "Convolution2DTransposeBias"),
	// empty for builtins.
	Custom string
	// MinInputs and MaxInputs bound len(Op.Inputs), omitted optional
	// inputs (-1) included; MaxInputs is -1 for variadic ops. Inputs below
	// MinInputs must not be omitted.
	MinInputs, MaxInputs int
	// MinOutputs and MaxOutputs bound len(Op.Outputs); MaxOutputs is -1
	// for a variable number of outputs (SPLIT, UNPACK).
	MinOutputs, MaxOutputs int
	// Weights are the indices of the inputs that hold trained weights
	// (filters, FC matrices, PRELU alpha), normally constants.
	Weights []int
	// Bias is the index of the bias input, or -1 if the op has none.
	Bias int
	// WeightAxis is the output-channel axis of input Weights[0], along
	// which per-channel quantization runs (0 for CONV_2D, FULLY_CONNECTED
	// and TRANSPOSE_CONV, 3 for DEPTHWISE_CONV_2D), or -1.
	WeightAxis int
	// Shape infers the output shapes (see ShapeFunc).
	Shape ShapeFunc
	// MACs counts multiply-accumulates for one inference (see MACsFunc),
	// or is nil for ops counted as 0.
	MACs MACsFunc
	// Quant holds the int8 quantization properties (see quant.go).
	Quant QuantInfo
}

// MACsFunc returns the number of multiply-accumulate operations one run of
// op performs, from the recorded shapes of its tensors (0 when they are
// unknown).
//
// Counting convention: only the multiply-accumulates of the linear ops are
// counted, as MAC figures in papers and model cards do —
// CONV_2D: output elements × kh × kw × (input channels / groups);
// DEPTHWISE_CONV_2D: output elements × kh × kw;
// FULLY_CONNECTED: batch × input depth × units;
// TRANSPOSE_CONV and Convolution2DTransposeBias: input elements × kh × kw ×
// output channels; BATCH_MATMUL: output elements × contraction size.
// Elementwise ops (ADD, MUL, activations), pools, reductions, resizes and
// data movement count 0.
type MACsFunc func(s *Subgraph, op *Op) int64

// QuantInfo describes how the int8 passes treat an op, after TFLite's
// operator_property table (filled in quant.go; an op with Int8 false has
// no int8 kernel in TFLite and stays float in full-integer models).
type QuantInfo struct {
	// Int8 reports that the op has an int8 kernel (full-integer
	// quantization can keep it in int8).
	Int8 bool
	// Inputs and Outputs are the indices of the activation inputs and
	// outputs that are quantized.
	Inputs, Outputs []int
	// PerChannel reports that input Weights[0] is quantized per channel
	// along WeightAxis.
	PerChannel bool
	// BiasInt32 reports that the bias is int32 with scale
	// input_scale × weight_scale and zero point 0.
	BiasInt32 bool
	// SameScale reports that the outputs must use the quantization
	// parameters of input 0 (RESHAPE, pools, CONCATENATION, ...).
	SameScale bool
	// FixedOutput are output parameters the spec fixes (e.g. LOGISTIC:
	// scale 1/256, zero point -128), or nil.
	FixedOutput *FixedQuant
	// Hybrid reports that the op has a dynamic-range (hybrid) kernel that
	// takes int8 weights with float activations.
	Hybrid bool
	// AllInputs and AllOutputs report that every input (CONCATENATION,
	// PACK, MAXIMUM, MINIMUM) or every output (SPLIT, SPLIT_V, UNPACK) is
	// quantized, whatever their number (TFLite's arbitrary_inputs and
	// arbitrary_outputs); Inputs or Outputs is then nil.
	AllInputs, AllOutputs bool
	// RequantizeInputs reports that, with SameScale, inputs whose
	// parameters differ from the output's are requantized to the output's
	// parameters by an inserted QUANTIZE (int8 to int8) op, as TFLite's
	// quantizer does for CONCATENATION (its int8 kernel requires equal
	// parameters). Without it a SameScale output copies input 0's
	// parameters.
	RequantizeInputs bool
	// ConstAsActivation reports that a float constant at a quantized input
	// is quantized like an activation (asymmetric, per tensor, from its
	// own range), TFLite's quantize_input_as_activations (ADD, MUL, ...).
	ConstAsActivation bool
}

// FixedQuant are fixed quantization parameters.
type FixedQuant struct {
	Scale     float32
	ZeroPoint int64
}

// CheckArity checks op's input and output counts against info, and that
// required inputs are not omitted.
func (info *OpInfo) CheckArity(op *Op) error {
	n := len(op.Inputs)
	if n < info.MinInputs || (info.MaxInputs >= 0 && n > info.MaxInputs) {
		return fmt.Errorf("has %d inputs, want %s", n, arity(info.MinInputs, info.MaxInputs))
	}
	for k := 0; k < info.MinInputs; k++ {
		if op.Inputs[k] < 0 {
			return fmt.Errorf("required input %d is omitted (-1)", k)
		}
	}
	m := len(op.Outputs)
	if m < info.MinOutputs || (info.MaxOutputs >= 0 && m > info.MaxOutputs) {
		return fmt.Errorf("has %d outputs, want %s", m, arity(info.MinOutputs, info.MaxOutputs))
	}
	return nil
}

func arity(lo, hi int) string {
	switch {
	case hi < 0:
		return fmt.Sprintf("at least %d", lo)
	case lo == hi:
		return fmt.Sprint(lo)
	}
	return fmt.Sprintf("%d to %d", lo, hi)
}

// Name returns the op kind's display name (builtin name or custom name).
func (info *OpInfo) Name() string {
	if info.Code == OpCustom {
		return info.Custom
	}
	return info.Code.String()
}

// IsWeight reports whether input k is one of the op's weight inputs.
func (info *OpInfo) IsWeight(k int) bool {
	for _, w := range info.Weights {
		if w == k {
			return true
		}
	}
	return false
}

var (
	builtinInfo = map[OpCode]*OpInfo{}
	customInfo  = map[string]*OpInfo{}
)

func init() {
	for _, info := range opTable {
		if info.Code == OpCustom {
			if customInfo[info.Custom] != nil {
				panic("graph: duplicate custom op in registry: " + info.Custom)
			}
			customInfo[info.Custom] = info
			continue
		}
		if builtinInfo[info.Code] != nil {
			panic("graph: duplicate op in registry: " + info.Code.String())
		}
		builtinInfo[info.Code] = info
	}
}

// LookupOp returns the registry entry for op (by builtin code, or by custom
// name for OpCustom), and false if the registry does not know it.
func LookupOp(op *Op) (*OpInfo, bool) {
	if op.Code == OpCustom {
		return LookupCustom(op.Custom)
	}
	return LookupBuiltin(op.Code)
}

// LookupBuiltin returns the registry entry of a builtin code.
func LookupBuiltin(c OpCode) (*OpInfo, bool) {
	info, ok := builtinInfo[c]
	return info, ok
}

// LookupCustom returns the registry entry of a custom op name.
func LookupCustom(name string) (*OpInfo, bool) {
	info, ok := customInfo[name]
	return info, ok
}

// RegisteredOps returns every registry entry, builtins by code, then
// custom ops by name.
func RegisteredOps() []*OpInfo {
	out := make([]*OpInfo, len(opTable))
	copy(out, opTable)
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Code != b.Code {
			return a.Code < b.Code
		}
		return a.Custom < b.Custom
	})
	return out
}

// OpMACs returns the multiply-accumulates of op per MACsFunc, 0 for ops the
// registry does not know or that have none.
func OpMACs(s *Subgraph, op *Op) int64 {
	info, ok := LookupOp(op)
	if !ok || info.MACs == nil {
		return 0
	}
	return info.MACs(s, op)
}

// CustomTransposeConvBias is the name of MediaPipe's transpose convolution
// with bias custom op.
const CustomTransposeConvBias = "Convolution2DTransposeBias"

// entry builds a registry entry with no weights, no bias and no MACs.
func entry(code OpCode, minIn, maxIn, minOut, maxOut int, shape ShapeFunc) *OpInfo {
	return &OpInfo{Code: code, MinInputs: minIn, MaxInputs: maxIn, MinOutputs: minOut, MaxOutputs: maxOut,
		Bias: -1, WeightAxis: -1, Shape: shape}
}

// linear sets the weight and bias inputs, the weight axis and the MACs.
func (info *OpInfo) linear(weights, bias, axis int, macs MACsFunc) *OpInfo {
	info.Weights, info.Bias, info.WeightAxis, info.MACs = []int{weights}, bias, axis, macs
	return info
}

func unary(code OpCode) *OpInfo  { return entry(code, 1, 1, 1, 1, shapeSameAsInput0) }
func binop(code OpCode) *OpInfo  { return entry(code, 2, 2, 1, 1, shapeBroadcast) }
func reduce(code OpCode) *OpInfo { return entry(code, 2, 2, 1, 1, shapeReduce) }

func custom(name string, minIn, maxIn, minOut, maxOut int, shape ShapeFunc) *OpInfo {
	info := entry(OpCustom, minIn, maxIn, minOut, maxOut, shape)
	info.Custom = name
	return info
}

// opTable is the op registry.
var opTable = []*OpInfo{
	// Linear ops.
	entry(OpConv2D, 2, 3, 1, 1, shapeConv2D).linear(1, 2, 0, macsConv2D),
	entry(OpDepthwiseConv2D, 2, 3, 1, 1, shapeDepthwiseConv2D).linear(1, 2, 3, macsDepthwiseConv2D),
	entry(OpFullyConnected, 2, 3, 1, 1, shapeFullyConnected).linear(1, 2, 0, macsFullyConnected),
	entry(OpTransposeConv, 3, 4, 1, 1, shapeTransposeConv).linear(1, 3, 0, macsTransposeConv(2)),
	custom(CustomTransposeConvBias, 3, 3, 1, 1, shapeTransposeConvBias).linear(1, 2, 0, macsTransposeConv(0)),
	entry(OpBatchMatmul, 2, 2, 1, 1, shapeBatchMatMul).withMACs(macsBatchMatMul),

	// Elementwise binary ops with broadcasting.
	binop(OpAdd), binop(OpSub), binop(OpMul), binop(OpDiv),
	binop(OpMaximum), binop(OpMinimum), binop(OpSquaredDifference),
	binop(OpPow), binop(OpFloorDiv), binop(OpFloorMod),
	binop(OpLess), binop(OpLessEqual), binop(OpGreater), binop(OpGreaterEqual),
	binop(OpEqual), binop(OpNotEqual), binop(OpLogicalAnd), binop(OpLogicalOr),
	entry(OpSelectV2, 3, 3, 1, 1, shapeBroadcast),
	entry(OpAddN, 1, -1, 1, 1, shapeAllSame),
	binop(OpPrelu).withWeights(1),

	// Elementwise unary ops, activations, normalizations, conversions.
	unary(OpRelu), unary(OpRelu6), unary(OpReluN1To1), unary(OpRelu0To1),
	unary(OpLeakyRelu), unary(OpLogistic), unary(OpTanh), unary(OpHardSwish),
	unary(OpElu), unary(OpGelu), unary(OpSoftmax), unary(OpLogSoftmax),
	unary(OpL2Normalization), unary(OpLocalResponseNormalization),
	unary(OpDequantize), unary(OpQuantize), unary(OpDensify), unary(OpCast),
	unary(OpExp), unary(OpLog), unary(OpSqrt), unary(OpRsqrt), unary(OpSquare),
	unary(OpAbs), unary(OpNeg), unary(OpFloor), unary(OpCeil), unary(OpRound),
	unary(OpSin), unary(OpCos), unary(OpSign), unary(OpLogicalNot), unary(OpZerosLike),

	// Pools and reductions.
	entry(OpMaxPool2D, 1, 1, 1, 1, shapePool),
	entry(OpAveragePool2D, 1, 1, 1, 1, shapePool),
	entry(OpL2Pool2D, 1, 1, 1, 1, shapePool),
	reduce(OpMean), reduce(OpSum), reduce(OpReduceMax), reduce(OpReduceMin),
	reduce(OpReduceProd), reduce(OpReduceAny), reduce(OpReduceAll),
	entry(OpArgMax, 2, 2, 1, 1, shapeArgMinMax),
	entry(OpArgMin, 2, 2, 1, 1, shapeArgMinMax),

	// Shape and data movement.
	entry(OpReshape, 1, 2, 1, 1, shapeReshape),
	entry(OpSqueeze, 1, 1, 1, 1, shapeSqueeze),
	entry(OpExpandDims, 2, 2, 1, 1, shapeExpandDims),
	entry(OpConcatenation, 1, -1, 1, 1, shapeConcat),
	entry(OpPack, 1, -1, 1, 1, shapePack),
	entry(OpUnpack, 1, 1, 1, -1, shapeUnpack),
	entry(OpSplit, 2, 2, 1, -1, shapeSplit),
	entry(OpSplitV, 3, 3, 1, -1, shapeSplitV),
	entry(OpPad, 2, 2, 1, 1, shapePad),
	entry(OpPadv2, 2, 3, 1, 1, shapePad),
	entry(OpMirrorPad, 2, 2, 1, 1, shapePad),
	entry(OpResizeBilinear, 2, 2, 1, 1, shapeResize),
	entry(OpResizeNearestNeighbor, 2, 2, 1, 1, shapeResize),
	entry(OpDepthToSpace, 1, 1, 1, 1, shapeDepthToSpace),
	entry(OpSpaceToDepth, 1, 1, 1, 1, shapeSpaceToDepth),
	entry(OpTranspose, 2, 2, 1, 1, shapeTranspose),
	entry(OpTile, 2, 2, 1, 1, shapeTile),
	entry(OpStridedSlice, 4, 4, 1, 1, shapeStridedSlice),
	entry(OpSlice, 3, 3, 1, 1, shapeSlice),
	entry(OpGather, 2, 2, 1, 1, shapeGather),
	entry(OpShape, 1, 1, 1, 1, shapeShape),
	entry(OpBroadcastTo, 2, 2, 1, 1, shapeBroadcastTo),
}

func (info *OpInfo) withMACs(f MACsFunc) *OpInfo { info.MACs = f; return info }

func (info *OpInfo) withWeights(k ...int) *OpInfo { info.Weights = k; return info }

// --- MACs ------------------------------------------------------------------

// shapeOf returns the recorded shape of op's input (out=false) or output
// (out=true) k, or nil.
func shapeOf(s *Subgraph, op *Op, k int, out bool) []int32 {
	idx := op.Inputs
	if out {
		idx = op.Outputs
	}
	if k >= len(idx) {
		return nil
	}
	if t := s.Tensor(idx[k]); t != nil {
		return t.Shape
	}
	return nil
}

// prod multiplies non-negative dims as int64 (0 if any is negative),
// saturating at math.MaxInt64.
func prod(dims ...int32) int64 {
	n := int64(1)
	for _, d := range dims {
		if d < 0 {
			return 0
		}
		n = mulSat(n, int64(d))
	}
	return n
}

// mulSat multiplies non-negative a and b, saturating at math.MaxInt64.
func mulSat(a, b int64) int64 {
	if a != 0 && b > math.MaxInt64/a {
		return math.MaxInt64
	}
	return a * b
}

func macsConv2D(s *Subgraph, op *Op) int64 {
	out, f := shapeOf(s, op, 0, true), shapeOf(s, op, 1, false)
	if len(out) == 0 || len(f) != 4 {
		return 0
	}
	return mulSat(prod(out...), prod(f[1], f[2], f[3]))
}

func macsDepthwiseConv2D(s *Subgraph, op *Op) int64 {
	out, f := shapeOf(s, op, 0, true), shapeOf(s, op, 1, false)
	if len(out) == 0 || len(f) != 4 {
		return 0
	}
	return mulSat(prod(out...), prod(f[1], f[2]))
}

func macsFullyConnected(s *Subgraph, op *Op) int64 {
	out, w := shapeOf(s, op, 0, true), shapeOf(s, op, 1, false)
	if len(out) == 0 || len(w) != 2 {
		return 0
	}
	return mulSat(prod(out...), int64(max(w[1], 0)))
}

// macsTransposeConv counts input elements × kh × kw × output channels, with
// the data input at index in and the [out, kh, kw, in] weights at index 1.
func macsTransposeConv(in int) MACsFunc {
	return func(s *Subgraph, op *Op) int64 {
		x, w := shapeOf(s, op, in, false), shapeOf(s, op, 1, false)
		if len(x) == 0 || len(w) != 4 {
			return 0
		}
		return mulSat(prod(x...), prod(w[0], w[1], w[2]))
	}
}

func macsBatchMatMul(s *Subgraph, op *Op) int64 {
	out, l := shapeOf(s, op, 0, true), shapeOf(s, op, 0, false)
	if len(out) == 0 || len(l) < 2 {
		return 0
	}
	k := l[len(l)-1]
	if optBool(op, "AdjX") {
		k = l[len(l)-2]
	}
	return mulSat(prod(out...), int64(max(k, 0)))
}
