package graph

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

// tin describes one input tensor of a single-op test graph.
type tin struct {
	shape []int32
	typ   DType
	data  []byte // nil: computed at run time
	omit  bool   // an omitted optional input (-1)
}

func act(shape ...int32) tin { return tin{shape: shape, typ: Float32} }

// weights is a FLOAT32 constant of the given shape (zeros).
func weights(shape ...int32) tin {
	return tin{shape: shape, typ: Float32, data: make([]byte, 4*NumElements(shape))}
}

// ci is a 1-D INT32 constant.
func ci(v ...int32) tin { return tin{shape: []int32{int32(len(v))}, typ: Int32, data: Int32Data(v...)} }

// ci64 is a 1-D INT64 constant.
func ci64(v ...int64) tin {
	return tin{shape: []int32{int32(len(v))}, typ: Int64, data: Int64Data(v...)}
}

// cscalar is a 0-D INT32 constant.
func cscalar(v int32) tin { return tin{shape: []int32{}, typ: Int32, data: Int32Data(v)} }

// cmat is a 2-D INT32 constant with the given shape.
func cmat(rows, cols int32, v ...int32) tin {
	return tin{shape: []int32{rows, cols}, typ: Int32, data: Int32Data(v...)}
}

// dyn is a run-time INT32 tensor (its value is unknown statically).
func dyn(n int32) tin { return tin{shape: []int32{n}, typ: Int32} }

var omitted = tin{omit: true}

// singleOp builds a subgraph with one op over the given inputs and nOut
// outputs with no recorded shape.
func singleOp(code OpCode, custom string, opts any, customOpts []byte, ins []tin, nOut int) (*Subgraph, *Op) {
	s := &Subgraph{}
	op := &Op{Code: code, Custom: custom, Options: opts, CustomOptions: customOpts}
	for i, in := range ins {
		if in.omit {
			op.Inputs = append(op.Inputs, -1)
			continue
		}
		s.Tensors = append(s.Tensors, &Tensor{Name: "in" + string(rune('0'+i)), Type: in.typ, Shape: in.shape, Data: in.data})
		op.Inputs = append(op.Inputs, len(s.Tensors)-1)
	}
	for range nOut {
		s.Tensors = append(s.Tensors, &Tensor{Name: "out", Type: Float32})
		op.Outputs = append(op.Outputs, len(s.Tensors)-1)
	}
	s.Ops = []*Op{op}
	return s, op
}

func TestShapeInference(t *testing.T) {
	conv := func(p Padding, sh, sw, dh, dw int32) Conv2DOptions {
		return Conv2DOptions{Padding: p, StrideH: sh, StrideW: sw, DilationH: dh, DilationW: dw}
	}
	dw := func(p Padding, s, mult int32) *DepthwiseConv2DOptions {
		return &DepthwiseConv2DOptions{Padding: p, StrideH: s, StrideW: s, DepthMultiplier: mult, DilationH: 1, DilationW: 1}
	}
	pool := func(p Padding, f, s int32) Pool2DOptions {
		return Pool2DOptions{Padding: p, FilterH: f, FilterW: f, StrideH: s, StrideW: s}
	}
	// MediaPipe's TfLiteTransposeConvParams: padding (1 SAME, 2 VALID), stride_w, stride_h.
	tcb := func(pad, sw, sh int32) []byte { return Int32Data(pad, sw, sh) }
	ss := func(o StridedSliceOptions, in []int32, b, e, st []int32) []tin {
		return []tin{act(in...), ci(b...), ci(e...), ci(st...)}
	}

	cases := []struct {
		name    string
		code    OpCode
		custom  string
		opts    any
		copts   []byte
		ins     []tin
		nOut    int
		want    [][]int32
		wantErr string // substring; "" = success
	}{
		// Convolutions: MobileNet's first layer, SAME and VALID, dilation, groups.
		{name: "conv same s2", code: OpConv2D, opts: conv(PaddingSame, 2, 2, 1, 1),
			ins: []tin{act(1, 224, 224, 3), weights(32, 3, 3, 3), weights(32)}, nOut: 1, want: [][]int32{{1, 112, 112, 32}}},
		{name: "conv valid s2", code: OpConv2D, opts: conv(PaddingValid, 2, 2, 1, 1),
			ins: []tin{act(1, 224, 224, 3), weights(32, 3, 3, 3), weights(32)}, nOut: 1, want: [][]int32{{1, 111, 111, 32}}},
		{name: "conv valid dilation 2", code: OpConv2D, opts: conv(PaddingValid, 1, 1, 2, 3),
			ins: []tin{act(2, 10, 12, 4), weights(8, 3, 3, 4), omitted}, nOut: 1, want: [][]int32{{2, 6, 6, 8}}},
		{name: "conv same dilation keeps size", code: OpConv2D, opts: &Conv2DOptions{StrideH: 1, StrideW: 1, DilationH: 4, DilationW: 4},
			ins: []tin{act(1, 33, 17, 8), weights(16, 3, 3, 8)}, nOut: 1, want: [][]int32{{1, 33, 17, 16}}},
		{name: "conv odd same s2", code: OpConv2D, opts: conv(PaddingSame, 2, 3, 1, 1),
			ins: []tin{act(1, 7, 10, 2), weights(4, 3, 3, 2)}, nOut: 1, want: [][]int32{{1, 4, 4, 4}}},
		{name: "conv grouped", code: OpConv2D, opts: conv(PaddingSame, 1, 1, 1, 1),
			ins: []tin{act(1, 8, 8, 16), weights(32, 3, 3, 4)}, nOut: 1, want: [][]int32{{1, 8, 8, 32}}},
		{name: "conv channel mismatch", code: OpConv2D, opts: conv(PaddingSame, 1, 1, 1, 1),
			ins: []tin{act(1, 8, 8, 3), weights(8, 3, 3, 2)}, nOut: 1, wantErr: "not a multiple of the filter's 2"},
		{name: "conv rank 3", code: OpConv2D, opts: conv(PaddingSame, 1, 1, 1, 1),
			ins: []tin{act(8, 8, 3), weights(8, 3, 3, 3)}, nOut: 1, wantErr: "has rank 3"},
		{name: "conv bias size", code: OpConv2D, opts: conv(PaddingSame, 1, 1, 1, 1),
			ins: []tin{act(1, 8, 8, 3), weights(8, 3, 3, 3), weights(7)}, nOut: 1, wantErr: "want 8 elements"},
		{name: "conv stride 0", code: OpConv2D, opts: conv(PaddingSame, 0, 1, 1, 1),
			ins: []tin{act(1, 8, 8, 3), weights(8, 3, 3, 3)}, nOut: 1, wantErr: "stride_h is 0"},
		{name: "conv valid too small", code: OpConv2D, opts: conv(PaddingValid, 1, 1, 1, 1),
			ins: []tin{act(1, 2, 2, 3), weights(8, 3, 3, 3)}, nOut: 1, want: [][]int32{{1, 0, 0, 8}}},
		{name: "depthwise same", code: OpDepthwiseConv2D, opts: dw(PaddingSame, 1, 1),
			ins: []tin{act(1, 112, 112, 32), weights(1, 3, 3, 32), weights(32)}, nOut: 1, want: [][]int32{{1, 112, 112, 32}}},
		{name: "depthwise multiplier s2 valid", code: OpDepthwiseConv2D, opts: dw(PaddingValid, 2, 2),
			ins: []tin{act(1, 9, 9, 8), weights(1, 3, 3, 16)}, nOut: 1, want: [][]int32{{1, 4, 4, 16}}},
		{name: "depthwise bad filter", code: OpDepthwiseConv2D, opts: dw(PaddingSame, 1, 1),
			ins: []tin{act(1, 9, 9, 8), weights(2, 3, 3, 8)}, nOut: 1, wantErr: "want [1 h w channels]"},
		{name: "fc", code: OpFullyConnected, opts: FullyConnectedOptions{},
			ins: []tin{act(1, 1280), weights(1001, 1280), weights(1001)}, nOut: 1, want: [][]int32{{1, 1001}}},
		{name: "fc flattens", code: OpFullyConnected, opts: FullyConnectedOptions{},
			ins: []tin{act(2, 3, 4), weights(5, 12), omitted}, nOut: 1, want: [][]int32{{2, 5}}},
		{name: "fc keep_num_dims", code: OpFullyConnected, opts: FullyConnectedOptions{KeepNumDims: true},
			ins: []tin{act(2, 3, 4), weights(5, 4)}, nOut: 1, want: [][]int32{{2, 3, 5}}},
		{name: "fc no options", code: OpFullyConnected,
			ins: []tin{act(4, 6), weights(3, 6)}, nOut: 1, want: [][]int32{{4, 3}}},
		{name: "fc depth mismatch", code: OpFullyConnected,
			ins: []tin{act(1, 10), weights(3, 4)}, nOut: 1, wantErr: "not a multiple of the weights' input depth 4"},
		{name: "transpose conv", code: OpTransposeConv, opts: TransposeConvOptions{Padding: PaddingSame, StrideH: 2, StrideW: 2},
			ins: []tin{ci(1, 64, 64, 16), weights(16, 3, 3, 8), act(1, 32, 32, 8), weights(16)}, nOut: 1, want: [][]int32{{1, 64, 64, 16}}},
		{name: "transpose conv dynamic output_shape", code: OpTransposeConv, opts: TransposeConvOptions{StrideH: 2, StrideW: 2},
			ins: []tin{dyn(4), weights(16, 3, 3, 8), act(1, 32, 32, 8)}, nOut: 1, wantErr: "not a constant"},
		{name: "transpose conv channel mismatch", code: OpTransposeConv, opts: TransposeConvOptions{StrideH: 2, StrideW: 2},
			ins: []tin{ci(1, 64, 64, 15), weights(16, 3, 3, 8), act(1, 32, 32, 8)}, nOut: 1, wantErr: "does not match"},
		// The MLIR converter test for this custom op: 1x32x42x128 in,
		// 32x4x4x128 weights, SAME stride 2 -> 1x64x84x32.
		{name: "transpose conv bias same s2", code: OpCustom, custom: CustomTransposeConvBias, copts: tcb(1, 2, 2),
			ins: []tin{act(1, 32, 42, 128), weights(32, 4, 4, 128), weights(32)}, nOut: 1, want: [][]int32{{1, 64, 84, 32}}},
		{name: "transpose conv bias valid", code: OpCustom, custom: CustomTransposeConvBias, copts: tcb(2, 2, 3),
			ins: []tin{act(1, 5, 6, 4), weights(2, 3, 3, 4), weights(2)}, nOut: 1, want: [][]int32{{1, 3*4 + 3, 2*5 + 3, 2}}},
		// MediaPipe's SAME is not in*stride: 2*(5-1) + 3 - max(0, 3-0-1) = 9.
		{name: "transpose conv bias same odd", code: OpCustom, custom: CustomTransposeConvBias, copts: tcb(1, 2, 2),
			ins: []tin{act(1, 5, 5, 4), weights(2, 3, 3, 4), weights(2)}, nOut: 1, want: [][]int32{{1, 9, 9, 2}}},
		{name: "transpose conv bias short options", code: OpCustom, custom: CustomTransposeConvBias, copts: []byte{1, 0, 0, 0},
			ins: []tin{act(1, 5, 5, 4), weights(2, 3, 3, 4), weights(2)}, nOut: 1, wantErr: "want at least 12"},

		// Elementwise.
		{name: "add broadcast", code: OpAdd, opts: AddOptions{},
			ins: []tin{act(1, 8, 8, 3), weights(3)}, nOut: 1, want: [][]int32{{1, 8, 8, 3}}},
		{name: "mul broadcast both", code: OpMul,
			ins: []tin{act(2, 1, 4), act(3, 1)}, nOut: 1, want: [][]int32{{2, 3, 4}}},
		{name: "sub scalar", code: OpSub,
			ins: []tin{act(), act(5, 6)}, nOut: 1, want: [][]int32{{5, 6}}},
		{name: "div incompatible", code: OpDiv,
			ins: []tin{act(2, 3), act(4)}, nOut: 1, wantErr: "cannot be broadcast"},
		{name: "prelu", code: OpPrelu,
			ins: []tin{act(1, 64, 64, 16), weights(1, 1, 16)}, nOut: 1, want: [][]int32{{1, 64, 64, 16}}},
		{name: "hard swish", code: OpHardSwish, ins: []tin{act(1, 2, 3)}, nOut: 1, want: [][]int32{{1, 2, 3}}},
		{name: "dequantize", code: OpDequantize, ins: []tin{{shape: []int32{16, 3, 3, 3}, typ: Float16, data: make([]byte, 864)}}, nOut: 1, want: [][]int32{{16, 3, 3, 3}}},
		{name: "select_v2", code: OpSelectV2, ins: []tin{{shape: []int32{4, 1}, typ: Bool}, act(1, 5), act(1)}, nOut: 1, want: [][]int32{{4, 5}}},

		// Pools and reductions.
		{name: "max pool same", code: OpMaxPool2D, opts: pool(PaddingSame, 3, 2),
			ins: []tin{act(1, 112, 112, 64)}, nOut: 1, want: [][]int32{{1, 56, 56, 64}}},
		{name: "avg pool valid", code: OpAveragePool2D, opts: &Pool2DOptions{Padding: PaddingValid, FilterH: 3, FilterW: 2, StrideH: 2, StrideW: 2},
			ins: []tin{act(1, 112, 111, 64)}, nOut: 1, want: [][]int32{{1, 55, 55, 64}}},
		{name: "pool filter 0", code: OpMaxPool2D, opts: pool(PaddingSame, 0, 2),
			ins: []tin{act(1, 4, 4, 1)}, nOut: 1, wantErr: "filter_height is 0"},
		{name: "mean keep_dims", code: OpMean, opts: ReducerOptions{KeepDims: true},
			ins: []tin{act(1, 7, 7, 1280), ci(1, 2)}, nOut: 1, want: [][]int32{{1, 1, 1, 1280}}},
		{name: "mean", code: OpMean, opts: ReducerOptions{},
			ins: []tin{act(1, 7, 7, 1280), ci(2, 1)}, nOut: 1, want: [][]int32{{1, 1280}}},
		{name: "sum negative axis int64", code: OpSum,
			ins: []tin{act(2, 3, 4), ci64(-1, 0)}, nOut: 1, want: [][]int32{{3}}},
		{name: "reduce_max all", code: OpReduceMax, opts: &ReducerOptions{},
			ins: []tin{act(2, 3), ci(0, 1)}, nOut: 1, want: [][]int32{{}}},
		{name: "reduce axis out of range", code: OpReduceMin,
			ins: []tin{act(2, 3), ci(2)}, nOut: 1, wantErr: "reduction axis 2 is out of range"},
		{name: "argmax", code: OpArgMax, ins: []tin{act(2, 3, 4), cscalar(-2)}, nOut: 1, want: [][]int32{{2, 4}}},

		// Shape ops.
		{name: "reshape -1", code: OpReshape,
			ins: []tin{act(1, 7, 7, 64), ci(1, -1)}, nOut: 1, want: [][]int32{{1, 3136}}},
		{name: "reshape from options", code: OpReshape, opts: ReshapeOptions{NewShape: []int32{-1, 2, 2}},
			ins: []tin{act(2, 4)}, nOut: 1, want: [][]int32{{2, 2, 2}}},
		{name: "reshape options when shape tensor is 2-D", code: OpReshape, opts: &ReshapeOptions{NewShape: []int32{8}},
			ins: []tin{act(2, 4), cmat(1, 2, 8, 1)}, nOut: 1, want: [][]int32{{8}}},
		{name: "reshape legacy scalar", code: OpReshape, opts: ReshapeOptions{NewShape: []int32{0}},
			ins: []tin{act(1, 1)}, nOut: 1, want: [][]int32{{}}},
		{name: "reshape shape tensor [0] is not the legacy scalar", code: OpReshape,
			ins: []tin{act(1, 1), ci(0)}, nOut: 1, wantErr: "cannot reshape 1 elements to [0]"},
		{name: "reshape empty shape tensor", code: OpReshape,
			ins: []tin{act(1, 1), {shape: []int32{0}, typ: Int32, data: []byte{}}}, nOut: 1, want: [][]int32{{}}},
		{name: "reshape wrong count", code: OpReshape,
			ins: []tin{act(2, 4), ci(3, 3)}, nOut: 1, wantErr: "cannot reshape 8 elements"},
		{name: "reshape two -1", code: OpReshape,
			ins: []tin{act(2, 4), ci(-1, -1)}, nOut: 1, wantErr: "more than one -1"},
		{name: "reshape dynamic", code: OpReshape,
			ins: []tin{act(2, 4), dyn(2)}, nOut: 1, wantErr: "not a constant"},
		{name: "squeeze dims", code: OpSqueeze, opts: SqueezeOptions{SqueezeDims: []int32{1, -1}},
			ins: []tin{act(1, 1, 5, 1)}, nOut: 1, want: [][]int32{{1, 5}}},
		{name: "squeeze all", code: OpSqueeze,
			ins: []tin{act(1, 1, 5, 1)}, nOut: 1, want: [][]int32{{5}}},
		{name: "squeeze not 1", code: OpSqueeze, opts: SqueezeOptions{SqueezeDims: []int32{2}},
			ins: []tin{act(1, 1, 5, 1)}, nOut: 1, wantErr: "has size 5, not 1"},
		{name: "expand_dims end", code: OpExpandDims, ins: []tin{act(2, 3), cscalar(-1)}, nOut: 1, want: [][]int32{{2, 3, 1}}},
		{name: "expand_dims front", code: OpExpandDims, ins: []tin{act(2, 3), ci(0)}, nOut: 1, want: [][]int32{{1, 2, 3}}},
		{name: "expand_dims out of range", code: OpExpandDims, ins: []tin{act(2, 3), cscalar(3)}, nOut: 1, wantErr: "axis 3 is out of range"},
		{name: "concat channels", code: OpConcatenation, opts: ConcatenationOptions{Axis: -1},
			ins: []tin{act(1, 8, 8, 3), act(1, 8, 8, 5), act(1, 8, 8, 1)}, nOut: 1, want: [][]int32{{1, 8, 8, 9}}},
		{name: "concat mismatch", code: OpConcatenation, opts: ConcatenationOptions{Axis: 3},
			ins: []tin{act(1, 8, 8, 3), act(1, 4, 8, 5)}, nOut: 1, wantErr: "dimension 1 differs"},
		{name: "pack", code: OpPack, ins: []tin{act(2, 3), act(2, 3), act(2, 3)}, nOut: 1, want: [][]int32{{3, 2, 3}}},
		{name: "split", code: OpSplit, opts: SplitOptions{NumSplits: 3},
			ins: []tin{cscalar(3), act(1, 4, 4, 12)}, nOut: 3, want: [][]int32{{1, 4, 4, 4}, {1, 4, 4, 4}, {1, 4, 4, 4}}},
		{name: "split uneven", code: OpSplit, opts: SplitOptions{NumSplits: 3},
			ins: []tin{cscalar(1), act(1, 4)}, nOut: 3, wantErr: "does not split into 3"},
		{name: "split_v", code: OpSplitV,
			ins: []tin{act(2, 10), ci(3, -1, 2), cscalar(-1)}, nOut: 3, want: [][]int32{{2, 3}, {2, 5}, {2, 2}}},
		{name: "unpack", code: OpUnpack, ins: []tin{act(2, 3)}, nOut: 2, want: [][]int32{{3}, {3}}},
		{name: "pad", code: OpPad,
			ins: []tin{act(1, 8, 8, 3), cmat(4, 2, 0, 0, 1, 2, 3, 4, 0, 0)}, nOut: 1, want: [][]int32{{1, 11, 15, 3}}},
		{name: "padv2 int64 paddings", code: OpPadv2,
			ins: []tin{act(2, 3), {shape: []int32{2, 2}, typ: Int64, data: Int64Data(1, 1, 0, 5)}, weights()}, nOut: 1, want: [][]int32{{4, 8}}},
		{name: "pad wrong paddings shape", code: OpPad,
			ins: []tin{act(1, 8, 8, 3), cmat(3, 2, 0, 0, 1, 1, 1, 1)}, nOut: 1, wantErr: "want [4 2]"},
		{name: "resize bilinear", code: OpResizeBilinear, opts: ResizeBilinearOptions{HalfPixelCenters: true},
			ins: []tin{act(1, 16, 16, 8), ci(32, 64)}, nOut: 1, want: [][]int32{{1, 32, 64, 8}}},
		{name: "resize nearest", code: OpResizeNearestNeighbor,
			ins: []tin{act(1, 16, 16, 8), ci(8, 8)}, nOut: 1, want: [][]int32{{1, 8, 8, 8}}},
		{name: "resize bad size", code: OpResizeBilinear,
			ins: []tin{act(1, 16, 16, 8), ci(8)}, nOut: 1, wantErr: "want 2"},
		{name: "depth_to_space", code: OpDepthToSpace, opts: DepthToSpaceOptions{BlockSize: 2},
			ins: []tin{act(1, 4, 5, 12)}, nOut: 1, want: [][]int32{{1, 8, 10, 3}}},
		{name: "space_to_depth", code: OpSpaceToDepth, opts: SpaceToDepthOptions{BlockSize: 2},
			ins: []tin{act(1, 4, 6, 3)}, nOut: 1, want: [][]int32{{1, 2, 3, 12}}},
		{name: "space_to_depth indivisible", code: OpSpaceToDepth, opts: SpaceToDepthOptions{BlockSize: 2},
			ins: []tin{act(1, 5, 6, 3)}, nOut: 1, wantErr: "multiples of block_size 2"},
		{name: "transpose", code: OpTranspose, ins: []tin{act(1, 2, 3, 4), ci(0, 3, 1, 2)}, nOut: 1, want: [][]int32{{1, 4, 2, 3}}},
		{name: "transpose bad perm", code: OpTranspose, ins: []tin{act(1, 2, 3), ci(0, 1, 1)}, nOut: 1, wantErr: "not a permutation"},
		{name: "tile", code: OpTile, ins: []tin{act(2, 3), ci(3, 1)}, nOut: 1, want: [][]int32{{6, 3}}},
		{name: "slice", code: OpSlice, ins: []tin{act(4, 5, 6), ci(1, 0, 2), ci(2, -1, 3)}, nOut: 1, want: [][]int32{{2, 5, 3}}},
		{name: "slice out of range", code: OpSlice, ins: []tin{act(4, 5, 6), ci(3, 0, 0), ci(2, -1, 3)}, nOut: 1, wantErr: "out of range"},
		{name: "gather axis 1", code: OpGather, opts: GatherOptions{Axis: 1},
			ins: []tin{act(10, 20, 30), {shape: []int32{4, 5}, typ: Int32}}, nOut: 1, want: [][]int32{{10, 4, 5, 30}}},
		{name: "gather batch_dims", code: OpGather, opts: GatherOptions{Axis: 1, BatchDims: 1},
			ins: []tin{act(2, 10, 3), {shape: []int32{2, 4}, typ: Int32}}, nOut: 1, want: [][]int32{{2, 4, 3}}},
		{name: "gather scalar index", code: OpGather,
			ins: []tin{act(10, 3), cscalar(4)}, nOut: 1, want: [][]int32{{3}}},
		{name: "batch_matmul broadcast", code: OpBatchMatmul,
			ins: []tin{act(2, 3, 4), act(4, 5)}, nOut: 1, want: [][]int32{{2, 3, 5}}},
		{name: "batch_matmul adj", code: OpBatchMatmul, opts: &struct{ AdjX, AdjY bool }{true, true},
			ins: []tin{act(2, 4, 3), act(1, 5, 4)}, nOut: 1, want: [][]int32{{2, 3, 5}}},
		{name: "batch_matmul mismatch", code: OpBatchMatmul,
			ins: []tin{act(3, 4), act(5, 6)}, nOut: 1, wantErr: "contraction sizes differ"},
		{name: "shape", code: OpShape, ins: []tin{act(1, 2, 3)}, nOut: 1, want: [][]int32{{3}}},
		{name: "broadcast_to", code: OpBroadcastTo, ins: []tin{act(3, 1), ci(2, 3, 4)}, nOut: 1, want: [][]int32{{2, 3, 4}}},

		// Strided slice (numpy equivalents in the names).
		{name: "ss x[1:4,::2,-1]", code: OpStridedSlice, opts: StridedSliceOptions{BeginMask: 2, EndMask: 2, ShrinkAxisMask: 4},
			ins: ss(StridedSliceOptions{}, []int32{5, 6, 7}, []int32{1, 0, -1}, []int32{4, 0, 0}, []int32{1, 2, 1}), nOut: 1, want: [][]int32{{3, 3}}},
		{name: "ss x[::-1]", code: OpStridedSlice, opts: StridedSliceOptions{BeginMask: 1, EndMask: 1},
			ins: ss(StridedSliceOptions{}, []int32{5, 6, 7}, []int32{0}, []int32{0}, []int32{-1}), nOut: 1, want: [][]int32{{5, 6, 7}}},
		{name: "ss x[4:1:-1]", code: OpStridedSlice, opts: StridedSliceOptions{},
			ins: ss(StridedSliceOptions{}, []int32{5, 6, 7}, []int32{4}, []int32{1}, []int32{-1}), nOut: 1, want: [][]int32{{3, 6, 7}}},
		{name: "ss x[-1:-6:-1]", code: OpStridedSlice, opts: StridedSliceOptions{},
			ins: ss(StridedSliceOptions{}, []int32{5}, []int32{-1}, []int32{-6}, []int32{-1}), nOut: 1, want: [][]int32{{5}}},
		{name: "ss x[1:100:3]", code: OpStridedSlice, opts: StridedSliceOptions{},
			ins: ss(StridedSliceOptions{}, []int32{10}, []int32{1}, []int32{100}, []int32{3}), nOut: 1, want: [][]int32{{3}}},
		{name: "ss x[3:1] empty", code: OpStridedSlice, opts: StridedSliceOptions{},
			ins: ss(StridedSliceOptions{}, []int32{10}, []int32{3}, []int32{1}, []int32{1}), nOut: 1, want: [][]int32{{0}}},
		{name: "ss x[...,1:3]", code: OpStridedSlice, opts: StridedSliceOptions{EllipsisMask: 1},
			ins: ss(StridedSliceOptions{}, []int32{5, 6, 7}, []int32{0, 1}, []int32{0, 3}, []int32{1, 1}), nOut: 1, want: [][]int32{{5, 6, 2}}},
		{name: "ss x[None,2]", code: OpStridedSlice, opts: StridedSliceOptions{NewAxisMask: 1, ShrinkAxisMask: 2},
			ins: ss(StridedSliceOptions{}, []int32{5, 6, 7}, []int32{0, 2}, []int32{0, 3}, []int32{1, 1}), nOut: 1, want: [][]int32{{1, 6, 7}}},
		{name: "ss x[:,None,...,0]", code: OpStridedSlice, opts: StridedSliceOptions{BeginMask: 1, EndMask: 1, NewAxisMask: 2, EllipsisMask: 4, ShrinkAxisMask: 8},
			ins: ss(StridedSliceOptions{}, []int32{5, 6, 7}, []int32{0, 0, 0, 0}, []int32{0, 0, 0, 1}, []int32{1, 1, 1, 1}), nOut: 1, want: [][]int32{{5, 1, 6}}},
		{name: "ss offset", code: OpStridedSlice, opts: StridedSliceOptions{Offset: true},
			ins: ss(StridedSliceOptions{}, []int32{8, 9}, []int32{2, 1}, []int32{3, 4}, []int32{1, 2}), nOut: 1, want: [][]int32{{3, 2}}},
		{name: "ss stride 0", code: OpStridedSlice, opts: StridedSliceOptions{},
			ins: ss(StridedSliceOptions{}, []int32{5}, []int32{0}, []int32{5}, []int32{0}), nOut: 1, wantErr: "stride of axis 0 is 0"},
		{name: "ss lengths differ", code: OpStridedSlice, opts: StridedSliceOptions{},
			ins: ss(StridedSliceOptions{}, []int32{5, 6}, []int32{0, 0}, []int32{5}, []int32{1, 1}), nOut: 1, wantErr: "same length"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s, op := singleOp(tc.code, tc.custom, tc.opts, tc.copts, tc.ins, tc.nOut)
			info, ok := LookupOp(op)
			if !ok {
				t.Fatalf("no registry entry for %s", op.Name())
			}
			got, err := info.Shape(s, op)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error = %v, want one containing %q (shapes %v)", err, tc.wantErr, got)
				}
				return
			}
			if err != nil {
				t.Fatalf("unexpected error: %v", err)
			}
			if len(got) != len(tc.want) {
				t.Fatalf("got %d shapes %v, want %v", len(got), got, tc.want)
			}
			for i := range got {
				if !slices.Equal(got[i], tc.want[i]) || got[i] == nil {
					t.Errorf("output %d: shape %v, want %v", i, fmtShape(got[i]), fmtShape(tc.want[i]))
				}
			}
			// InferShapes fills the outputs with the same shapes.
			if err := InferShapes(s); err != nil {
				t.Fatalf("InferShapes: %v", err)
			}
			for i, o := range op.Outputs {
				if !slices.Equal(s.Tensors[o].Shape, tc.want[i]) {
					t.Errorf("InferShapes filled output %d with %v, want %v", i, s.Tensors[o].Shape, tc.want[i])
				}
			}
		})
	}
}

func TestComputeOutSize(t *testing.T) {
	for _, tc := range []struct {
		p                       Padding
		in, filter, stride, dil int32
		want                    int32
	}{
		{PaddingSame, 224, 3, 2, 1, 112},
		{PaddingSame, 225, 3, 2, 1, 113},
		{PaddingValid, 224, 3, 2, 1, 111},
		{PaddingValid, 225, 3, 2, 1, 112},
		{PaddingValid, 10, 3, 1, 2, 6},
		{PaddingValid, 4, 3, 1, 2, 0},
		{PaddingSame, 1, 5, 1, 1, 1},
	} {
		if got := ComputeOutSize(tc.p, tc.in, tc.filter, tc.stride, tc.dil); got != tc.want {
			t.Errorf("ComputeOutSize(%v, in %d, filter %d, stride %d, dilation %d) = %d, want %d", tc.p, tc.in, tc.filter, tc.stride, tc.dil, got, tc.want)
		}
	}
}

// chain builds input -> CONV_2D -> RESHAPE -> output with the given
// recorded shapes for the two op outputs (nil: not recorded).
func chain(convOut, reshapeOut []int32) *Subgraph {
	s := &Subgraph{Tensors: []*Tensor{
		{Name: "input", Type: Float32, Shape: []int32{1, 16, 16, 3}},
		{Name: "filter", Type: Float32, Shape: []int32{8, 3, 3, 3}, Data: make([]byte, 4*8*27)},
		{Name: "bias", Type: Float32, Shape: []int32{8}, Data: make([]byte, 32)},
		{Name: "conv", Type: Float32, Shape: convOut},
		{Name: "shape", Type: Int32, Shape: []int32{2}, Data: Int32Data(1, -1)},
		{Name: "flat", Type: Float32, Shape: reshapeOut},
	}, Inputs: []int{0}, Outputs: []int{5}}
	// Ops listed out of order: InferShapes must follow the data flow.
	s.Ops = []*Op{
		{Code: OpReshape, Inputs: []int{3, 4}, Outputs: []int{5}},
		{Code: OpConv2D, Inputs: []int{0, 1, 2}, Outputs: []int{3},
			Options: Conv2DOptions{Padding: PaddingSame, StrideW: 2, StrideH: 2, DilationW: 1, DilationH: 1}},
	}
	return s
}

func TestInferShapes(t *testing.T) {
	s := chain(nil, nil)
	if err := InferShapes(s); err != nil {
		t.Fatal(err)
	}
	if got := s.Tensors[3].Shape; !slices.Equal(got, []int32{1, 8, 8, 8}) {
		t.Errorf("conv output %v, want [1 8 8 8]", got)
	}
	if got := s.Tensors[5].Shape; !slices.Equal(got, []int32{1, 512}) {
		t.Errorf("reshape output %v, want [1 512]", got)
	}
	if err := InferShapes(chain([]int32{1, 8, 8, 8}, []int32{1, 512})); err != nil {
		t.Errorf("consistent recorded shapes: %v", err)
	}

	for _, tc := range []struct {
		name string
		s    func() *Subgraph
		want string
	}{
		{"conv mismatch", func() *Subgraph { return chain([]int32{1, 16, 16, 8}, nil) },
			`op 1 (CONV_2D): output 0 (tensor 3 "conv") has shape [1 16 16 8], inferred [1 8 8 8]`},
		{"reshape mismatch", func() *Subgraph { return chain(nil, []int32{512}) },
			`op 0 (RESHAPE): output 0 (tensor 5 "flat") has shape [512], inferred [1 512]`},
		{"too many inputs", func() *Subgraph {
			s := chain(nil, nil)
			s.Ops[1].Inputs = []int{0, 1, 2, 2}
			return s
		}, "op 1 (CONV_2D): has 4 inputs, want 2 to 3"},
		{"omitted required input", func() *Subgraph {
			s := chain(nil, nil)
			s.Ops[1].Inputs = []int{0, -1, 2}
			return s
		}, "op 1 (CONV_2D): required input 1 is omitted"},
		{"tensor index out of range", func() *Subgraph {
			s := chain(nil, nil)
			s.Ops[0].Inputs = []int{3, 99}
			return s
		}, "op 0 (RESHAPE): input 1 is tensor 99, the subgraph has 6"},
		{"dynamic reshape without recorded shape", func() *Subgraph {
			s := chain(nil, nil)
			s.Tensors[4].Data = nil
			return s
		}, `op 0 (RESHAPE): output 0 (tensor 5 "flat") has no recorded shape`},
		{"unknown op without recorded shape", func() *Subgraph {
			s := chain(nil, nil)
			s.Ops[0].Code = OpCustom
			s.Ops[0].Custom = "MyOp"
			return s
		}, "op 0 (MyOp): output 0"},
		{"cycle", func() *Subgraph {
			s := chain(nil, nil)
			s.Ops[1].Inputs = []int{5, 1, 2}
			return s
		}, "cycle"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := InferShapes(tc.s())
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error = %v, want one containing %q", err, tc.want)
			}
		})
	}

	// Dynamic shapes and unknown ops keep a recorded shape.
	s = chain(nil, []int32{1, 512})
	s.Tensors[4].Data = nil
	if err := InferShapes(s); err != nil {
		t.Errorf("dynamic reshape with a recorded shape: %v", err)
	}
	s = chain(nil, []int32{7})
	s.Ops[0].Code, s.Ops[0].Custom = OpCustom, "MyOp"
	if err := InferShapes(s); err != nil {
		t.Errorf("unknown op with a recorded shape: %v", err)
	}
}

func TestConstDecoding(t *testing.T) {
	v, err := ConstInt32s(&Tensor{Name: "p", Type: Int64, Shape: []int32{2}, Data: Int64Data(-3, 1<<31-1)})
	if err != nil || !slices.Equal(v, []int32{-3, 1<<31 - 1}) {
		t.Errorf("ConstInt32s(int64) = %v, %v", v, err)
	}
	if _, err := ConstInt32s(&Tensor{Name: "p", Type: Int64, Shape: []int32{1}, Data: Int64Data(1 << 40)}); err == nil {
		t.Error("int64 out of int32 range: no error")
	}
	if _, err := ConstInt64s(&Tensor{Name: "p", Type: Int32, Shape: []int32{3}, Data: Int32Data(1, 2)}); err == nil ||
		!strings.Contains(err.Error(), `tensor "p": 8 bytes of data for 3 INT32 elements`) {
		t.Errorf("short data: %v", err)
	}
	if _, err := ConstInt64s(&Tensor{Name: "x", Type: Int32, Shape: []int32{3}}); !errors.Is(err, ErrNotConstant) {
		t.Errorf("non-constant: %v, want ErrNotConstant", err)
	}
	if _, err := ConstInt64s(&Tensor{Name: "f", Type: Float32, Shape: []int32{1}, Data: Float32Data(1)}); err == nil ||
		!strings.Contains(err.Error(), "is FLOAT32; expected INT32 or INT64") {
		t.Errorf("float: %v", err)
	}
	f, err := ConstFloat32s(&Tensor{Type: Float32, Shape: []int32{2}, Data: Float32Data(1.5, -2)})
	if err != nil || !slices.Equal(f, []float32{1.5, -2}) {
		t.Errorf("ConstFloat32s = %v, %v", f, err)
	}
}

func TestParseTransposeConvBiasParams(t *testing.T) {
	// Bytes of the MLIR converter test for this op.
	p, err := ParseTransposeConvBiasParams([]byte{1, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0})
	if err != nil || p != (TransposeConvBiasParams{Padding: PaddingSame, StrideW: 2, StrideH: 2}) {
		t.Errorf("got %+v, %v", p, err)
	}
	// Newer headers append activation and quantized_bias_type: ignored.
	p, err = ParseTransposeConvBiasParams(Int32Data(2, 1, 3, 0, 0))
	if err != nil || p != (TransposeConvBiasParams{Padding: PaddingValid, StrideW: 1, StrideH: 3}) {
		t.Errorf("got %+v, %v", p, err)
	}
	for _, b := range [][]byte{nil, Int32Data(0, 1, 1), Int32Data(1, 0, 1), Int32Data(3, 1, 1)} {
		if _, err := ParseTransposeConvBiasParams(b); err == nil {
			t.Errorf("%v: no error", b)
		}
	}
}

// TestShapeFuncsDoNotPanic runs every registered shape and MACs function
// on hostile inputs (zero, huge and mismatched dimensions, odd constants,
// missing inputs, wrong options) and requires an error or a result, never
// a panic.
func TestShapeFuncsDoNotPanic(t *testing.T) {
	shapes := [][]int32{nil, {}, {0}, {1}, {0, 0, 0, 0}, {1, 1, 1, 1}, {1, 2147483647, 2, 3},
		{2147483647, 2147483647}, {1, 3, 3, 0}, {-1, 4, 4, 3}, {1, 5, 5, 7}, {7, 1, 1, 7}, {1, 2, 3, 4, 5, 6, 7}}
	consts := [][]int32{{}, {0}, {-1}, {-2147483648}, {2147483647, 2147483647}, {1, 1, 1, 1}, {0, 0, 0, 0, 0, 0, 0, 0},
		{-1, -1, -1, -1}, {3, 2, 1, 0}, {65536, 65536, 65536, 65536}}
	options := []any{nil, Conv2DOptions{}, &DepthwiseConv2DOptions{StrideH: 1, StrideW: 1, DilationH: -5},
		Pool2DOptions{FilterH: 1 << 30, FilterW: 1, StrideH: 1, StrideW: 1}, ReshapeOptions{NewShape: []int32{-1, -1}},
		SqueezeOptions{SqueezeDims: []int32{99}}, SplitOptions{NumSplits: -3}, ConcatenationOptions{Axis: -100},
		DepthToSpaceOptions{BlockSize: 65536}, SpaceToDepthOptions{BlockSize: -1}, GatherOptions{Axis: 1, BatchDims: -9},
		StridedSliceOptions{EllipsisMask: -1, NewAxisMask: -1, ShrinkAxisMask: -1}, StridedSliceOptions{Offset: true},
		ReducerOptions{KeepDims: true}, FullyConnectedOptions{KeepNumDims: true}, "opaque"}
	custom := [][]byte{nil, Int32Data(1, 1, 1), Int32Data(2, 1<<30, 1<<30), Int32Data(1, -1, 2)}
	for _, info := range RegisteredOps() {
		for n := 0; n <= 4; n++ {
			for i, sh := range shapes {
				for j, cv := range consts {
					for k, o := range options {
						ins := make([]tin, n)
						for q := range ins {
							switch (i + j + q) % 3 {
							case 0:
								ins[q] = act(sh...)
							case 1:
								ins[q] = ci(cv...)
							default:
								ins[q] = tin{shape: sh, typ: Int32, data: Int32Data(cv...)} // size may not match
							}
						}
						if (i+k)%7 == 0 && n > 1 {
							ins[1] = omitted
						}
						s, op := singleOp(info.Code, info.Custom, o, custom[(i+j+k)%len(custom)], ins, 1+(j%3))
						func() {
							defer func() {
								if p := recover(); p != nil {
									t.Fatalf("%s with inputs %v, options %#v: panic: %v", info.Name(), ins, o, p)
								}
							}()
							info.Shape(s, op)
							InferShapes(s)
							OpMACs(s, op)
						}()
					}
				}
			}
		}
	}
}

func TestSplitVNumSplitsOption(t *testing.T) {
	// Opaque options (as package tflite keeps SplitVOptions) are read by
	// field name: TFLite requires num_splits == number of outputs.
	s, op := singleOp(OpSplitV, "", &struct{ NumSplits int32 }{2}, nil, []tin{act(2, 10), ci(3, -1, 2), cscalar(1)}, 3)
	if _, err := shapeSplitV(s, op); err == nil || !strings.Contains(err.Error(), "num_splits is 2 but the op has 3 outputs") {
		t.Errorf("error = %v", err)
	}
}
