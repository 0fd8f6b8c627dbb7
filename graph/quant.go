package graph

// The int8 quantization properties of the registry's ops, after TFLite's
// tools/optimize/operator_property.cc (the rules its post-training
// quantizer applies), with the same-scale ops of the MLIR quantizer that
// operator_property predates (DEPTH_TO_SPACE, EXPAND_DIMS, TILE,
// BROADCAST_TO: their int8 kernels copy bytes, so input and output must
// share parameters). Ops not listed have no int8 kernel (Int8 false).
//
// Deviation, stated: FULLY_CONNECTED weights are per channel (axis 0), as
// the current TFLite converter writes them for full-integer models (its
// option to disable per-channel dense layers defaults to off), not per
// tensor as operator_property's older table says.

// quantTable is applied to opTable when the package is initialized.
var quantTable = map[OpCode]QuantInfo{
	OpAdd:               {Int8: true, Inputs: []int{0, 1}, Outputs: []int{0}, ConstAsActivation: true},
	OpSub:               {Int8: true, Inputs: []int{0, 1}, Outputs: []int{0}, SameScale: true, RequantizeInputs: true},
	OpMul:               {Int8: true, Inputs: []int{0, 1}, Outputs: []int{0}, ConstAsActivation: true},
	OpSquaredDifference: {Int8: true, Inputs: []int{0, 1}, Outputs: []int{0}, ConstAsActivation: true},
	OpMaximum:           {Int8: true, AllInputs: true, Outputs: []int{0}, SameScale: true, RequantizeInputs: true, ConstAsActivation: true},
	OpMinimum:           {Int8: true, AllInputs: true, Outputs: []int{0}, SameScale: true, RequantizeInputs: true, ConstAsActivation: true},
	OpConcatenation:     {Int8: true, AllInputs: true, Outputs: []int{0}, SameScale: true, RequantizeInputs: true},
	OpPack:              {Int8: true, AllInputs: true, Outputs: []int{0}, SameScale: true, RequantizeInputs: true},
	OpBatchMatmul:       {Int8: true, Inputs: []int{0, 1}, Outputs: []int{0}},
	OpPrelu:             {Int8: true, Inputs: []int{0, 1}, Outputs: []int{0}},
	OpConv2D:            {Int8: true, Inputs: []int{0}, Outputs: []int{0}, PerChannel: true, BiasInt32: true, Hybrid: true},
	OpDepthwiseConv2D:   {Int8: true, Inputs: []int{0}, Outputs: []int{0}, PerChannel: true, BiasInt32: true, Hybrid: true},
	OpFullyConnected:    {Int8: true, Inputs: []int{0}, Outputs: []int{0}, PerChannel: true, BiasInt32: true, Hybrid: true},
	OpTransposeConv:     {Int8: true, Inputs: []int{2}, Outputs: []int{0}, PerChannel: true, BiasInt32: true},

	OpRelu:            {Int8: true, Inputs: []int{0}, Outputs: []int{0}},
	OpRelu6:           {Int8: true, Inputs: []int{0}, Outputs: []int{0}},
	OpReluN1To1:       {Int8: true, Inputs: []int{0}, Outputs: []int{0}},
	OpLeakyRelu:       {Int8: true, Inputs: []int{0}, Outputs: []int{0}},
	OpHardSwish:       {Int8: true, Inputs: []int{0}, Outputs: []int{0}},
	OpLogistic:        {Int8: true, Inputs: []int{0}, Outputs: []int{0}, FixedOutput: &FixedQuant{Scale: 1.0 / 256, ZeroPoint: -128}},
	OpSoftmax:         {Int8: true, Inputs: []int{0}, Outputs: []int{0}, FixedOutput: &FixedQuant{Scale: 1.0 / 256, ZeroPoint: -128}},
	OpTanh:            {Int8: true, Inputs: []int{0}, Outputs: []int{0}, FixedOutput: &FixedQuant{Scale: 1.0 / 128, ZeroPoint: 0}},
	OpLogSoftmax:      {Int8: true, Inputs: []int{0}, Outputs: []int{0}, FixedOutput: &FixedQuant{Scale: 16.0 / 256, ZeroPoint: 127}},
	OpL2Normalization: {Int8: true, Inputs: []int{0}, Outputs: []int{0}, FixedOutput: &FixedQuant{Scale: 1.0 / 128, ZeroPoint: 0}},

	OpAveragePool2D: {Int8: true, Inputs: []int{0}, Outputs: []int{0}, SameScale: true},
	OpMaxPool2D:     {Int8: true, Inputs: []int{0}, Outputs: []int{0}, SameScale: true},
	OpMean:          {Int8: true, Inputs: []int{0}, Outputs: []int{0}},
	OpSum:           {Int8: true, Inputs: []int{0}, Outputs: []int{0}},
	OpReduceMax:     {Int8: true, Inputs: []int{0}, Outputs: []int{0}, SameScale: true},
	OpReduceMin:     {Int8: true, Inputs: []int{0}, Outputs: []int{0}, SameScale: true},
	OpArgMax:        {Int8: true, Inputs: []int{0}},
	OpArgMin:        {Int8: true, Inputs: []int{0}},

	OpLess: {Int8: true, Inputs: []int{0, 1}}, OpLessEqual: {Int8: true, Inputs: []int{0, 1}},
	OpGreater: {Int8: true, Inputs: []int{0, 1}}, OpGreaterEqual: {Int8: true, Inputs: []int{0, 1}},
	OpEqual: {Int8: true, Inputs: []int{0, 1}}, OpNotEqual: {Int8: true, Inputs: []int{0, 1}},
	OpShape: {Int8: true, Inputs: []int{0}},

	OpReshape:               {Int8: true, Inputs: []int{0}, Outputs: []int{0}, SameScale: true},
	OpSqueeze:               {Int8: true, Inputs: []int{0}, Outputs: []int{0}, SameScale: true},
	OpExpandDims:            {Int8: true, Inputs: []int{0}, Outputs: []int{0}, SameScale: true},
	OpSplit:                 {Int8: true, Inputs: []int{1}, AllOutputs: true, SameScale: true},
	OpSplitV:                {Int8: true, Inputs: []int{0}, AllOutputs: true, SameScale: true},
	OpUnpack:                {Int8: true, Inputs: []int{0}, AllOutputs: true, SameScale: true},
	OpPad:                   {Int8: true, Inputs: []int{0}, Outputs: []int{0}, SameScale: true},
	OpPadv2:                 {Int8: true, Inputs: []int{0}, Outputs: []int{0}, SameScale: true},
	OpMirrorPad:             {Int8: true, Inputs: []int{0}, Outputs: []int{0}, SameScale: true},
	OpResizeBilinear:        {Int8: true, Inputs: []int{0}, Outputs: []int{0}, SameScale: true},
	OpResizeNearestNeighbor: {Int8: true, Inputs: []int{0}, Outputs: []int{0}, SameScale: true},
	OpDepthToSpace:          {Int8: true, Inputs: []int{0}, Outputs: []int{0}, SameScale: true},
	OpSpaceToDepth:          {Int8: true, Inputs: []int{0}, Outputs: []int{0}, SameScale: true},
	OpTranspose:             {Int8: true, Inputs: []int{0}, Outputs: []int{0}, SameScale: true},
	OpTile:                  {Int8: true, Inputs: []int{0}, Outputs: []int{0}, SameScale: true},
	OpStridedSlice:          {Int8: true, Inputs: []int{0}, Outputs: []int{0}, SameScale: true},
	OpSlice:                 {Int8: true, Inputs: []int{0}, Outputs: []int{0}, SameScale: true},
	OpGather:                {Int8: true, Inputs: []int{0}, Outputs: []int{0}, SameScale: true, ConstAsActivation: true},
	OpBroadcastTo:           {Int8: true, Inputs: []int{0}, Outputs: []int{0}, SameScale: true},
	OpQuantize:              {Int8: true, Inputs: []int{0}, Outputs: []int{0}},
}

var _ = fillQuant()

// fillQuant copies quantTable into the registry entries.
func fillQuant() bool {
	for _, info := range opTable {
		if info.Code == OpCustom {
			continue
		}
		if q, ok := quantTable[info.Code]; ok {
			info.Quant = q
		}
	}
	return true
}

// QuantInputs returns the indices of op's inputs that a full-integer model
// quantizes as activations (info.Quant.Inputs, or every input for
// AllInputs), skipping omitted inputs.
func (info *OpInfo) QuantInputs(op *Op) []int {
	if info.Quant.AllInputs {
		var out []int
		for k, t := range op.Inputs {
			if t >= 0 {
				out = append(out, k)
			}
		}
		return out
	}
	var out []int
	for _, k := range info.Quant.Inputs {
		if k < len(op.Inputs) && op.Inputs[k] >= 0 {
			out = append(out, k)
		}
	}
	return out
}

// QuantOutputs returns the indices of op's outputs that a full-integer
// model quantizes (info.Quant.Outputs, or every output for AllOutputs).
func (info *OpInfo) QuantOutputs(op *Op) []int {
	if info.Quant.AllOutputs {
		out := make([]int, len(op.Outputs))
		for k := range out {
			out[k] = k
		}
		return out
	}
	var out []int
	for _, k := range info.Quant.Outputs {
		if k < len(op.Outputs) {
			out = append(out, k)
		}
	}
	return out
}
