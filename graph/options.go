package graph

// Padding is the padding scheme of convolutions and pools.
type Padding int8

// Padding schemes, numbered as the schema's Padding enum.
const (
	PaddingSame  Padding = 0
	PaddingValid Padding = 1
)

// String returns "SAME" or "VALID".
func (p Padding) String() string {
	if p == PaddingValid {
		return "VALID"
	}
	return "SAME"
}

// Activation is a fused activation function, numbered as the schema's
// ActivationFunctionType enum.
type Activation int8

// Fused activation functions.
const (
	ActNone      Activation = 0
	ActRelu      Activation = 1
	ActReluN1To1 Activation = 2
	ActRelu6     Activation = 3
	ActTanh      Activation = 4
	ActSignBit   Activation = 5
)

// String returns the schema name of a.
func (a Activation) String() string {
	switch a {
	case ActNone:
		return "NONE"
	case ActRelu:
		return "RELU"
	case ActReluN1To1:
		return "RELU_N1_TO_1"
	case ActRelu6:
		return "RELU6"
	case ActTanh:
		return "TANH"
	case ActSignBit:
		return "SIGN_BIT"
	}
	return "ACTIVATION_UNKNOWN"
}

// The typed option structs below are the builtin options that converters
// and backends read. Their fields mirror the schema's tables of the same
// name; package tflite maps them to and from the file. Options of other
// builtin ops stay opaque values owned by tflite.

// Conv2DOptions are the options of CONV_2D.
type Conv2DOptions struct {
	Padding              Padding
	StrideW, StrideH     int32
	Activation           Activation
	DilationW, DilationH int32
	QuantizedBiasType    DType
}

// DepthwiseConv2DOptions are the options of DEPTHWISE_CONV_2D.
type DepthwiseConv2DOptions struct {
	Padding              Padding
	StrideW, StrideH     int32
	DepthMultiplier      int32
	Activation           Activation
	DilationW, DilationH int32
}

// TransposeConvOptions are the options of TRANSPOSE_CONV.
type TransposeConvOptions struct {
	Padding           Padding
	StrideW, StrideH  int32
	Activation        Activation
	QuantizedBiasType DType
}

// Pool2DOptions are the options of AVERAGE_POOL_2D, MAX_POOL_2D and
// L2_POOL_2D.
type Pool2DOptions struct {
	Padding          Padding
	StrideW, StrideH int32
	FilterW, FilterH int32
	Activation       Activation
}

// FullyConnectedOptions are the options of FULLY_CONNECTED.
type FullyConnectedOptions struct {
	Activation               Activation
	WeightsFormat            int8
	KeepNumDims              bool
	AsymmetricQuantizeInputs bool
	QuantizedBiasType        DType
}

// AddOptions are the options of ADD.
type AddOptions struct {
	Activation    Activation
	PotScaleInt16 bool
}

// SubOptions are the options of SUB.
type SubOptions struct {
	Activation    Activation
	PotScaleInt16 bool
}

// MulOptions are the options of MUL.
type MulOptions struct{ Activation Activation }

// DivOptions are the options of DIV.
type DivOptions struct{ Activation Activation }

// ConcatenationOptions are the options of CONCATENATION.
type ConcatenationOptions struct {
	Axis       int32
	Activation Activation
}

// ReshapeOptions are the options of RESHAPE.
type ReshapeOptions struct{ NewShape []int32 }

// SoftmaxOptions are the options of SOFTMAX.
type SoftmaxOptions struct{ Beta float32 }

// ReducerOptions are the options of MEAN, SUM and the other reductions.
type ReducerOptions struct{ KeepDims bool }

// SqueezeOptions are the options of SQUEEZE.
type SqueezeOptions struct{ SqueezeDims []int32 }

// SplitOptions are the options of SPLIT.
type SplitOptions struct{ NumSplits int32 }

// ResizeBilinearOptions are the options of RESIZE_BILINEAR.
type ResizeBilinearOptions struct {
	AlignCorners, HalfPixelCenters bool
	// NewHeight and NewWidth are deprecated fields, kept for round trips.
	NewHeight, NewWidth int32
}

// ResizeNearestNeighborOptions are the options of RESIZE_NEAREST_NEIGHBOR.
type ResizeNearestNeighborOptions struct {
	AlignCorners, HalfPixelCenters bool
}

// LeakyReluOptions are the options of LEAKY_RELU.
type LeakyReluOptions struct{ Alpha float32 }

// DepthToSpaceOptions are the options of DEPTH_TO_SPACE.
type DepthToSpaceOptions struct{ BlockSize int32 }

// SpaceToDepthOptions are the options of SPACE_TO_DEPTH.
type SpaceToDepthOptions struct{ BlockSize int32 }

// StridedSliceOptions are the options of STRIDED_SLICE.
type StridedSliceOptions struct {
	BeginMask, EndMask, EllipsisMask, NewAxisMask, ShrinkAxisMask int32
	Offset                                                        bool
}

// GatherOptions are the options of GATHER.
type GatherOptions struct{ Axis, BatchDims int32 }
