package graph

// OpVersion returns the operator version the TFLite converter records for
// op given the types of its tensors and its options, after TFLite's
// tools/versioning/op_version.cc, for the cases the converters here
// produce: float, full-integer int8 and hybrid (float activations, int8
// weights) ops. Ops and cases it does not model get 1.
func OpVersion(s *Subgraph, op *Op) int32 {
	in := func(k int) DType {
		if k < len(op.Inputs) {
			if t := s.Tensor(op.Inputs[k]); t != nil {
				return t.Type
			}
		}
		return -1
	}
	out := func(k int) DType {
		if k < len(op.Outputs) {
			if t := s.Tensor(op.Outputs[k]); t != nil {
				return t.Type
			}
		}
		return -1
	}
	perChannel := func(k int) bool {
		if k < len(op.Inputs) {
			if t := s.Tensor(op.Inputs[k]); t != nil {
				return t.Quant.PerAxis()
			}
		}
		return false
	}
	rank := func(k int) int {
		if k < len(op.Inputs) {
			if t := s.Tensor(op.Inputs[k]); t != nil {
				return len(t.Shape)
			}
		}
		return 0
	}
	i0, w, o0 := in(0), in(1), out(0)
	int8In := i0 == Int8
	hybrid := i0 == Float32 && w == Int8 && o0 == Float32
	switch op.Code {
	case OpConv2D:
		switch {
		case i0 == Int8 && w == Int8 && o0 == Int8:
			return 3
		case hybrid && perChannel(1):
			return 5
		case hybrid:
			return 2
		}
	case OpDepthwiseConv2D:
		switch {
		case hybrid && perChannel(1):
			return 6
		case hybrid:
			return 4
		case i0 == Int8 && w == Int8 && o0 == Int8:
			return 3
		}
		if o, ok := op.Options.(*DepthwiseConv2DOptions); ok && (o.DilationW > 1 || o.DilationH > 1) {
			return 2
		}
	case OpFullyConnected:
		o, _ := op.Options.(*FullyConnectedOptions)
		switch {
		case hybrid && perChannel(1):
			return 12
		case len(op.Inputs) == 2:
			return 6
		case o != nil && o.KeepNumDims:
			return 5
		case i0 == Int8 && w == Int8 && o0 == Int8:
			return 4
		case hybrid && o != nil && o.AsymmetricQuantizeInputs:
			return 9
		case hybrid:
			return 3
		}
	case OpTransposeConv:
		if len(op.Inputs) == 4 && op.Inputs[3] >= 0 {
			return 3
		}
		if w == Int8 {
			return 2
		}
	case OpDequantize:
		switch {
		case i0 == Int16 || i0 == Float16:
			return 3
		case i0 == Int8 && perChannel(0):
			return 5
		case i0 == Int8:
			return 2
		}
	case OpQuantize:
		if o0 == Int16 {
			return 2
		}
	case OpMul:
		if int8In {
			return 2
		}
	case OpAdd, OpMaxPool2D, OpAveragePool2D, OpLogistic, OpTanh, OpConcatenation,
		OpSoftmax, OpMean, OpMirrorPad, OpReduceMax, OpReduceMin, OpRelu6,
		OpSpaceToDepth, OpDepthToSpace, OpSplitV, OpSum, OpLogSoftmax, OpGreater,
		OpLessEqual, OpSquaredDifference, OpArgMax, OpArgMin, OpLess, OpGreaterEqual,
		OpEqual, OpNotEqual, OpPack:
		if int8In {
			return 2
		}
	case OpRelu:
		if i0 == Int8 || i0 == Uint8 {
			return 2
		}
	case OpSub, OpMaximum, OpMinimum:
		if int8In {
			return 2
		}
	case OpPad, OpPadv2:
		if rank(0) > 4 {
			return 4
		}
		if int8In {
			return 2
		}
	case OpSplit:
		if in(1) == Int8 {
			return 2
		}
	case OpTranspose:
		if rank(0) > 4 {
			return 4
		}
		if int8In {
			return 2
		}
	case OpSlice, OpGather:
		if int8In {
			return 2
		}
	case OpStridedSlice:
		if int8In {
			return 2
		}
	case OpTile, OpBroadcastTo:
		if int8In {
			return 3
		}
		if op.Code == OpBroadcastTo {
			return 2
		}
	case OpUnpack:
		if i0 == Int8 || i0 == Uint8 {
			return 2
		}
	case OpResizeBilinear:
		if o, ok := op.Options.(*ResizeBilinearOptions); ok && o.HalfPixelCenters {
			return 3
		}
		if int8In {
			return 2
		}
	case OpResizeNearestNeighbor:
		if o, ok := op.Options.(*ResizeNearestNeighborOptions); ok && (o.HalfPixelCenters || o.AlignCorners) {
			return 3
		}
		if int8In {
			return 2
		}
	case OpL2Normalization:
		if o0 == Int8 {
			return 2
		}
	case OpBatchMatmul:
		if int8In {
			return 2
		}
	}
	return 1
}

// RaiseOpVersions sets every op of s to at least the version OpVersion
// gives it (never lowering a recorded version, as TFLite's UpdateOpVersion
// does), and returns how many ops changed.
func RaiseOpVersions(s *Subgraph) int {
	n := 0
	for _, op := range s.Ops {
		if op.Code == OpCustom {
			continue
		}
		if v := OpVersion(s, op); v > op.Version {
			op.Version = v
			n++
		}
	}
	return n
}
