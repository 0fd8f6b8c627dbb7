package conformance

import (
	"encoding/binary"
	"math"

	"github.com/fp16tool/fp16tool/graph"
)

// Same and Valid are short names for the paddings.
const (
	same  = graph.PaddingSame
	valid = graph.PaddingValid
)

type (
	conv  = graph.Conv2DOptions
	dw    = graph.DepthwiseConv2DOptions
	pool  = graph.Pool2DOptions
	tconv = graph.TransposeConvOptions
)

// allCases builds the table: single-op models (a few with a folded
// constant producer) with odd shapes, every option and fused activation.
func allCases() []Case {
	var cs []Case
	add := func(c Case) { cs = append(cs, c) }
	acts := []graph.Activation{graph.ActNone, graph.ActRelu, graph.ActReluN1To1, graph.ActRelu6}

	// CONV_2D
	{
		b := newBuilder("conv2d_same_s1_relu")
		add(b.finish(b.op(graph.OpConv2D, conv{Padding: same, StrideH: 1, StrideW: 1, Activation: graph.ActRelu, DilationH: 1, DilationW: 1},
			b.input(1, 7, 9, 3), b.weights(5, 3, 3, 3), b.weights(5))))
	}
	{
		b := newBuilder("conv2d_valid_s2x3_relu6_batch2")
		add(b.finish(b.op(graph.OpConv2D, conv{Padding: valid, StrideH: 2, StrideW: 3, Activation: graph.ActRelu6, DilationH: 1, DilationW: 1},
			b.input(2, 9, 11, 4), b.weights(6, 3, 2, 4), b.weights(6))))
	}
	{
		b := newBuilder("conv2d_same_dilated_relu_n1_to_1")
		add(b.finish(b.op(graph.OpConv2D, conv{Padding: same, StrideH: 1, StrideW: 1, Activation: graph.ActReluN1To1, DilationH: 2, DilationW: 3},
			b.input(1, 10, 11, 3), b.weights(4, 3, 3, 3), b.weights(4))))
	}
	{
		b := newBuilder("conv2d_same_even_filter_s2")
		add(b.finish(b.op(graph.OpConv2D, conv{Padding: same, StrideH: 2, StrideW: 2, DilationH: 1, DilationW: 1},
			b.input(1, 9, 10, 2), b.weights(3, 4, 4, 2), b.weights(3))))
	}
	{
		// TFLite's CONV_2D requires the bias (LiteRT.js computes garbage
		// without it), so every case has one.
		b := newBuilder("conv2d_1x1")
		add(b.finish(b.op(graph.OpConv2D, conv{Padding: valid, StrideH: 1, StrideW: 1, DilationH: 1, DilationW: 1},
			b.input(1, 5, 6, 7), b.weights(8, 1, 1, 7), b.weights(8))))
	}
	// DEPTHWISE_CONV_2D
	{
		b := newBuilder("depthwise_same_s1_relu6")
		add(b.finish(b.op(graph.OpDepthwiseConv2D, dw{Padding: same, StrideH: 1, StrideW: 1, DepthMultiplier: 1, Activation: graph.ActRelu6, DilationH: 1, DilationW: 1},
			b.input(1, 7, 8, 5), b.weights(1, 3, 3, 5), b.weights(5))))
	}
	{
		b := newBuilder("depthwise_valid_s2_mult2")
		add(b.finish(b.op(graph.OpDepthwiseConv2D, dw{Padding: valid, StrideH: 2, StrideW: 2, DepthMultiplier: 2, DilationH: 1, DilationW: 1},
			b.input(1, 9, 9, 3), b.weights(1, 3, 3, 6), b.weights(6))))
	}
	{
		b := newBuilder("depthwise_same_5x5_s2_relu")
		add(b.finish(b.op(graph.OpDepthwiseConv2D, dw{Padding: same, StrideH: 2, StrideW: 2, DepthMultiplier: 1, Activation: graph.ActRelu, DilationH: 1, DilationW: 1},
			b.input(2, 11, 13, 4), b.weights(1, 5, 5, 4), b.weights(4))))
	}
	{
		b := newBuilder("depthwise_same_dilated_relu_n1_to_1")
		add(b.finish(b.op(graph.OpDepthwiseConv2D, dw{Padding: same, StrideH: 1, StrideW: 1, DepthMultiplier: 1, Activation: graph.ActReluN1To1, DilationH: 2, DilationW: 2},
			b.input(1, 8, 9, 3), b.weights(1, 3, 3, 3), b.weights(3))))
	}
	// FULLY_CONNECTED
	{
		b := newBuilder("fully_connected_relu")
		add(b.finish(b.op(graph.OpFullyConnected, graph.FullyConnectedOptions{Activation: graph.ActRelu},
			b.input(3, 7), b.weights(5, 7), b.weights(5))))
	}
	{
		b := newBuilder("fully_connected_flatten_relu6")
		add(b.finish(b.op(graph.OpFullyConnected, graph.FullyConnectedOptions{Activation: graph.ActRelu6},
			b.input(2, 3, 4), b.weights(6, 12), b.weights(6))))
	}
	{
		b := newBuilder("fully_connected_keep_num_dims_no_bias")
		add(b.finish(b.op(graph.OpFullyConnected, graph.FullyConnectedOptions{KeepNumDims: true},
			b.input(2, 3, 4), b.weights(5, 4), -1)))
	}
	// TRANSPOSE_CONV
	{
		b := newBuilder("transpose_conv_same_s2_bias")
		add(b.finish(b.op(graph.OpTransposeConv, tconv{Padding: same, StrideH: 2, StrideW: 2},
			b.vec(1, 8, 10, 4), b.weights(4, 3, 3, 3), b.input(1, 4, 5, 3), b.weights(4))))
	}
	{
		b := newBuilder("transpose_conv_valid_s2x1")
		add(b.finish(b.op(graph.OpTransposeConv, tconv{Padding: valid, StrideH: 2, StrideW: 1},
			b.vec(1, 7, 5, 3), b.weights(3, 3, 3, 2), b.input(1, 3, 3, 2))))
	}
	{
		b := newBuilder("transpose_conv_same_s2_relu")
		add(b.finish(b.op(graph.OpTransposeConv, tconv{Padding: same, StrideH: 2, StrideW: 2, Activation: graph.ActRelu},
			b.vec(1, 7, 9, 2), b.weights(2, 2, 2, 3), b.input(1, 4, 5, 3), b.weights(2))))
	}
	{
		b := newBuilder("convolution2d_transpose_bias_same_s2")
		add(b.finish(b.custom("Convolution2DTransposeBias", transposeConvBiasOptions(1, 2, 2),
			b.input(1, 4, 5, 3), b.weights(4, 4, 4, 3), b.weights(4))))
	}
	{
		b := newBuilder("convolution2d_transpose_bias_valid_s2")
		add(b.finish(b.custom("Convolution2DTransposeBias", transposeConvBiasOptions(2, 2, 2),
			b.input(1, 3, 4, 2), b.weights(3, 3, 3, 2), b.weights(3))))
	}
	// ADD, SUB, MUL, DIV, MAXIMUM, MINIMUM
	{
		b := newBuilder("add_same_shape_relu")
		add(b.finish(b.op(graph.OpAdd, graph.AddOptions{Activation: graph.ActRelu}, b.input(2, 3, 4, 5), b.input(2, 3, 4, 5))))
	}
	{
		b := newBuilder("add_broadcast_relu6")
		add(b.finish(b.op(graph.OpAdd, graph.AddOptions{Activation: graph.ActRelu6}, b.input(2, 1, 4, 5), b.input(3, 1, 5))))
	}
	{
		b := newBuilder("sub_scalar_const_relu_n1_to_1")
		add(b.finish(b.op(graph.OpSub, graph.SubOptions{Activation: graph.ActReluN1To1}, b.input(1, 5, 7, 3), b.constF(nil, []float32{0.25}))))
	}
	{
		b := newBuilder("sub_broadcast_both")
		add(b.finish(b.op(graph.OpSub, graph.SubOptions{}, b.input(4, 1, 3), b.input(1, 5, 1))))
	}
	{
		b := newBuilder("mul_channel_const")
		add(b.finish(b.op(graph.OpMul, graph.MulOptions{}, b.input(1, 6, 7, 5), b.weights(5))))
	}
	{
		b := newBuilder("mul_broadcast_relu")
		add(b.finish(b.op(graph.OpMul, graph.MulOptions{Activation: graph.ActRelu}, b.input(2, 3, 1), b.input(2, 1, 4))))
	}
	{
		b := newBuilder("div_broadcast")
		add(b.finish(b.op(graph.OpDiv, graph.DivOptions{}, b.input(2, 3, 5), b.inputRange(0.5, 2, 3, 1))))
	}
	{
		b := newBuilder("div_relu6")
		add(b.finish(b.op(graph.OpDiv, graph.DivOptions{Activation: graph.ActRelu6}, b.input(3, 7), b.inputRange(0.25, 1, 3, 7))))
	}
	{
		b := newBuilder("maximum_broadcast")
		add(b.finish(b.op(graph.OpMaximum, nil, b.input(2, 3, 4), b.input(4))))
	}
	{
		b := newBuilder("minimum_const")
		add(b.finish(b.op(graph.OpMinimum, nil, b.input(1, 3, 5, 2), b.constF(nil, []float32{0.5}))))
	}
	// MAX_POOL_2D, AVERAGE_POOL_2D
	{
		b := newBuilder("max_pool_same_3x3_s2")
		add(b.finish(b.op(graph.OpMaxPool2D, pool{Padding: same, StrideH: 2, StrideW: 2, FilterH: 3, FilterW: 3}, b.input(1, 9, 10, 3))))
	}
	{
		b := newBuilder("max_pool_valid_2x3_s1_relu")
		add(b.finish(b.op(graph.OpMaxPool2D, pool{Padding: valid, StrideH: 1, StrideW: 1, FilterH: 2, FilterW: 3, Activation: graph.ActRelu}, b.input(2, 5, 7, 2))))
	}
	{
		b := newBuilder("average_pool_same_3x3_s2")
		add(b.finish(b.op(graph.OpAveragePool2D, pool{Padding: same, StrideH: 2, StrideW: 2, FilterH: 3, FilterW: 3}, b.input(1, 9, 10, 3))))
	}
	{
		b := newBuilder("average_pool_valid_2x2_s2_relu6")
		add(b.finish(b.op(graph.OpAveragePool2D, pool{Padding: valid, StrideH: 2, StrideW: 2, FilterH: 2, FilterW: 2, Activation: graph.ActRelu6}, b.inputRange(-4, 8, 1, 7, 9, 4))))
	}
	{
		b := newBuilder("average_pool_same_4x4_s1_relu_n1_to_1")
		add(b.finish(b.op(graph.OpAveragePool2D, pool{Padding: same, StrideH: 1, StrideW: 1, FilterH: 4, FilterW: 4, Activation: graph.ActReluN1To1}, b.input(1, 6, 5, 3))))
	}
	// MEAN, SUM
	{
		b := newBuilder("mean_hw_keep_dims")
		add(b.finish(b.op(graph.OpMean, graph.ReducerOptions{KeepDims: true}, b.input(2, 5, 7, 3), b.vec(1, 2))))
	}
	{
		b := newBuilder("mean_last_axis_negative")
		add(b.finish(b.op(graph.OpMean, graph.ReducerOptions{}, b.input(3, 4, 5), b.vec(-1))))
	}
	{
		b := newBuilder("mean_axis1")
		add(b.finish(b.op(graph.OpMean, graph.ReducerOptions{}, b.input(2, 3, 4, 5), b.vec(1))))
	}
	{
		b := newBuilder("sum_axes_0_2")
		add(b.finish(b.op(graph.OpSum, graph.ReducerOptions{}, b.input(2, 3, 4, 5), b.vec(0, 2))))
	}
	{
		b := newBuilder("sum_keep_dims")
		add(b.finish(b.op(graph.OpSum, graph.ReducerOptions{KeepDims: true}, b.input(3, 5, 2), b.vec(1))))
	}
	// RESHAPE, SQUEEZE, EXPAND_DIMS
	{
		b := newBuilder("reshape_with_minus_one")
		add(b.finish(b.op(graph.OpReshape, graph.ReshapeOptions{NewShape: []int32{4, -1}}, b.input(2, 3, 4), b.vec(4, -1))))
	}
	{
		b := newBuilder("squeeze_dims")
		add(b.finish(b.op(graph.OpSqueeze, graph.SqueezeOptions{SqueezeDims: []int32{0, 2}}, b.input(1, 3, 1, 4))))
	}
	{
		b := newBuilder("expand_dims_axis1")
		add(b.finish(b.op(graph.OpExpandDims, nil, b.input(3, 4), b.constI(nil, 1))))
	}
	// CONCATENATION, SPLIT
	{
		b := newBuilder("concatenation_channels")
		add(b.finish(b.op(graph.OpConcatenation, graph.ConcatenationOptions{Axis: 3},
			b.input(1, 4, 5, 2), b.input(1, 4, 5, 3), b.input(1, 4, 5, 1))))
	}
	{
		b := newBuilder("concatenation_negative_axis_const")
		add(b.finish(b.op(graph.OpConcatenation, graph.ConcatenationOptions{Axis: -3},
			b.input(2, 3, 4, 2), b.weights(2, 1, 4, 2))))
	}
	{
		b := newBuilder("split_channels_3")
		outs := b.opN(graph.OpSplit, graph.SplitOptions{NumSplits: 3}, 3, b.constI(nil, 3), b.input(1, 4, 5, 6))
		add(b.finish(outs...))
	}
	{
		b := newBuilder("split_axis1_negative_2")
		outs := b.opN(graph.OpSplit, graph.SplitOptions{NumSplits: 2}, 2, b.constI(nil, -2), b.input(2, 6, 3))
		add(b.finish(outs...))
	}
	// PAD, PADV2
	{
		b := newBuilder("pad_hw")
		add(b.finish(b.op(graph.OpPad, nil, b.input(1, 5, 6, 3), b.constI([]int{4, 2}, 0, 0, 1, 2, 2, 1, 0, 0))))
	}
	{
		b := newBuilder("pad_all_dims")
		add(b.finish(b.op(graph.OpPad, nil, b.input(2, 3, 4), b.constI([]int{3, 2}, 1, 0, 0, 2, 1, 1))))
	}
	{
		b := newBuilder("padv2_value")
		add(b.finish(b.op(graph.OpPadv2, nil, b.input(1, 4, 3, 2), b.constI([]int{4, 2}, 0, 0, 2, 0, 1, 3, 0, 1), b.constF(nil, []float32{-0.75}))))
	}
	// Activations
	for _, a := range []struct {
		name string
		code graph.OpCode
		opt  any
	}{
		{"relu", graph.OpRelu, nil},
		{"relu6", graph.OpRelu6, nil},
		{"relu_n1_to_1", graph.OpReluN1To1, nil},
		{"leaky_relu", graph.OpLeakyRelu, graph.LeakyReluOptions{Alpha: 0.2}},
		{"logistic", graph.OpLogistic, nil},
		{"tanh", graph.OpTanh, nil},
		{"hard_swish", graph.OpHardSwish, nil},
	} {
		b := newBuilder(a.name)
		add(b.finish(b.op(a.code, a.opt, b.inputRange(-8, 8, 2, 5, 7, 3))))
	}
	{
		b := newBuilder("prelu_channel_alpha")
		add(b.finish(b.op(graph.OpPrelu, nil, b.input(1, 4, 5, 3), b.weights(1, 1, 3))))
	}
	{
		b := newBuilder("softmax_beta1")
		add(b.finish(b.op(graph.OpSoftmax, graph.SoftmaxOptions{Beta: 1}, b.inputRange(-10, 10, 3, 10))))
	}
	{
		b := newBuilder("softmax_beta_half_rank3")
		add(b.finish(b.op(graph.OpSoftmax, graph.SoftmaxOptions{Beta: 0.5}, b.inputRange(-10, 10, 2, 3, 7))))
	}
	// RESIZE_BILINEAR, RESIZE_NEAREST_NEIGHBOR
	for _, r := range []resizeCase{
		{"resize_bilinear_up", true, false, false, []int{1, 5, 7, 3}, []int{9, 11}},
		{"resize_bilinear_align_corners", true, true, false, []int{1, 5, 7, 3}, []int{9, 11}},
		{"resize_bilinear_half_pixel", true, false, true, []int{1, 5, 7, 3}, []int{9, 11}},
		{"resize_bilinear_half_pixel_down", true, false, true, []int{2, 10, 9, 2}, []int{4, 5}},
		{"resize_nearest_up", false, false, false, []int{1, 4, 5, 3}, []int{9, 7}},
		{"resize_nearest_align_corners", false, true, false, []int{1, 4, 5, 3}, []int{9, 7}},
		{"resize_nearest_half_pixel", false, false, true, []int{1, 4, 5, 3}, []int{9, 7}},
		{"resize_nearest_half_pixel_down", false, false, true, []int{1, 9, 10, 2}, []int{4, 3}},
	} {
		b := newBuilder(r.name)
		code, opt := r.op()
		add(b.finish(b.op(code, opt, b.input(r.in...), b.vec(r.size...))))
	}
	// DEPTH_TO_SPACE, SPACE_TO_DEPTH, TRANSPOSE
	{
		b := newBuilder("depth_to_space_2")
		add(b.finish(b.op(graph.OpDepthToSpace, graph.DepthToSpaceOptions{BlockSize: 2}, b.input(1, 3, 4, 8))))
	}
	{
		b := newBuilder("space_to_depth_2")
		add(b.finish(b.op(graph.OpSpaceToDepth, graph.SpaceToDepthOptions{BlockSize: 2}, b.input(2, 4, 6, 3))))
	}
	{
		b := newBuilder("transpose_nhwc_to_nchw")
		add(b.finish(b.op(graph.OpTranspose, nil, b.input(2, 3, 4, 5), b.vec(0, 3, 1, 2))))
	}
	{
		b := newBuilder("transpose_rank3")
		add(b.finish(b.op(graph.OpTranspose, nil, b.input(3, 4, 5), b.vec(2, 0, 1))))
	}
	// STRIDED_SLICE, SLICE
	for _, s := range []struct {
		name               string
		in                 []int
		begin, end, stride []int
		o                  graph.StridedSliceOptions
	}{
		{"strided_slice_basic", []int{1, 7, 9, 5}, []int{0, 1, 2, 0}, []int{1, 6, 9, 5}, []int{1, 2, 3, 1}, graph.StridedSliceOptions{}},
		{"strided_slice_masks_negative", []int{2, 6, 7, 4}, []int{1, -2, 0, 3}, []int{2, 0, -1, 0}, []int{1, -1, 2, -1}, graph.StridedSliceOptions{BeginMask: 1, EndMask: 0b1010}},
		{"strided_slice_shrink", []int{3, 5, 4}, []int{1, 0, 2}, []int{2, 5, 3}, []int{1, 1, 1}, graph.StridedSliceOptions{ShrinkAxisMask: 0b101}},
		{"strided_slice_ellipsis", []int{2, 3, 4, 5}, []int{0, 1}, []int{0, 4}, []int{1, 2}, graph.StridedSliceOptions{EllipsisMask: 1}},
		{"strided_slice_new_axis", []int{3, 4}, []int{0, 1, 0}, []int{0, 3, 4}, []int{1, 1, 2}, graph.StridedSliceOptions{NewAxisMask: 1}},
		{"strided_slice_offset", []int{5, 6}, []int{1, 2}, []int{3, 3}, []int{1, 1}, graph.StridedSliceOptions{Offset: true}},
		{"strided_slice_fewer_dims", []int{4, 5, 3}, []int{1}, []int{-1}, []int{1}, graph.StridedSliceOptions{}},
	} {
		b := newBuilder(s.name)
		add(b.finish(b.op(graph.OpStridedSlice, s.o, b.input(s.in...), b.vec(s.begin...), b.vec(s.end...), b.vec(s.stride...))))
	}
	{
		b := newBuilder("slice_minus_one")
		add(b.finish(b.op(graph.OpSlice, nil, b.input(1, 5, 6, 3), b.vec(0, 1, 1, 0), b.vec(-1, 3, 4, 2))))
	}
	// GATHER
	{
		b := newBuilder("gather_axis1")
		add(b.finish(b.op(graph.OpGather, graph.GatherOptions{Axis: 1}, b.input(3, 5, 2), b.constI([]int{2, 3}, 4, 0, 2, 2, 1, 3))))
	}
	{
		b := newBuilder("gather_axis0_scalar_index")
		add(b.finish(b.op(graph.OpGather, graph.GatherOptions{Axis: 0}, b.input(4, 3), b.constI(nil, 2))))
	}
	{
		b := newBuilder("gather_batch_dims1")
		add(b.finish(b.op(graph.OpGather, graph.GatherOptions{Axis: 1, BatchDims: 1}, b.input(2, 5, 3), b.constI([]int{2, 2}, 4, 1, 0, 3))))
	}
	// DEQUANTIZE (FLOAT16 and INT8 constants, folded) and DENSIFY
	{
		b := newBuilder("dequantize_float16_conv")
		w := b.op(graph.OpDequantize, nil, b.constF16(4, 3, 3, 3))
		add(b.finish(b.op(graph.OpConv2D, conv{Padding: same, StrideH: 1, StrideW: 1, DilationH: 1, DilationW: 1},
			b.input(1, 5, 6, 3), w, b.weights(4))))
	}
	{
		b := newBuilder("dequantize_int8_per_axis_mul")
		q := b.tensor(&graph.Tensor{Name: "q", Type: graph.Int8, Shape: []int32{3, 4},
			Data:  []byte{1, 0xff, 127, 0x81, 5, 6, 7, 8, 0xf0, 0x10, 0, 3},
			Quant: &graph.Quantization{Scale: []float32{0.5, 0.25, 0.125}, ZeroPoint: []int64{0, 0, 0}, QuantizedDimension: 0}})
		w := b.op(graph.OpDequantize, nil, q)
		add(b.finish(b.op(graph.OpMul, graph.MulOptions{}, b.input(2, 3, 4), w)))
	}
	{
		b := newBuilder("dequantize_int8_per_tensor_add")
		q := b.tensor(&graph.Tensor{Name: "q", Type: graph.Int8, Shape: []int32{5},
			Data:  []byte{1, 0xff, 127, 0x81, 9},
			Quant: &graph.Quantization{Scale: []float32{0.05}, ZeroPoint: []int64{3}}})
		w := b.op(graph.OpDequantize, nil, q)
		add(b.finish(b.op(graph.OpAdd, graph.AddOptions{}, b.input(2, 5), w)))
	}
	{
		b := newBuilder("densify_csr_fully_connected")
		// A 4x6 weight matrix, rows dense, columns CSR.
		vals := []float32{0.5, -1, 0.25, 2, -0.75, 1.5, 0.125}
		data := make([]byte, 4*len(vals))
		for i, v := range vals {
			binary.LittleEndian.PutUint32(data[4*i:], math.Float32bits(v))
		}
		sp := b.tensor(&graph.Tensor{Name: "sparse", Type: graph.Float32, Shape: []int32{4, 6}, Data: data,
			Sparsity: &graph.Sparsity{TraversalOrder: []int32{0, 1}, DimMetadata: []graph.DimMetadata{
				{Format: graph.DimDense, DenseSize: 4},
				{Format: graph.DimSparseCSR, Segments: []int32{0, 2, 3, 3, 7}, Indices: []int32{0, 5, 2, 1, 2, 3, 4},
					SegmentsType: graph.IndexInt32, IndicesType: graph.IndexInt32},
			}}})
		w := b.op(graph.OpDensify, nil, sp)
		add(b.finish(b.op(graph.OpFullyConnected, graph.FullyConnectedOptions{}, b.input(3, 6), w, -1)))
	}
	// Fused activations on every op that has them, on one shape.
	for _, a := range acts {
		b := newBuilder("conv2d_act_" + a.String())
		add(b.finish(b.op(graph.OpConv2D, conv{Padding: same, StrideH: 2, StrideW: 1, Activation: a, DilationH: 1, DilationW: 1},
			b.input(1, 6, 5, 2), b.weights(3, 3, 3, 2), b.weights(3))))
	}
	return cs
}

// transposeConvBiasOptions encodes MediaPipe's TfLiteTransposeConvParams:
// padding (1 SAME, 2 VALID), stride_w, stride_h as little-endian int32.
func transposeConvBiasOptions(padding, strideW, strideH int32) []byte {
	b := make([]byte, 12)
	binary.LittleEndian.PutUint32(b[0:], uint32(padding))
	binary.LittleEndian.PutUint32(b[4:], uint32(strideW))
	binary.LittleEndian.PutUint32(b[8:], uint32(strideH))
	return b
}

// resizeCase is a RESIZE_BILINEAR or RESIZE_NEAREST_NEIGHBOR case.
type resizeCase struct {
	name        string
	bilinear    bool
	align, half bool
	in, size    []int
}

// op returns the case's op code and options.
func (r resizeCase) op() (graph.OpCode, any) {
	if r.bilinear {
		return graph.OpResizeBilinear, graph.ResizeBilinearOptions{AlignCorners: r.align, HalfPixelCenters: r.half}
	}
	return graph.OpResizeNearestNeighbor, graph.ResizeNearestNeighborOptions{AlignCorners: r.align, HalfPixelCenters: r.half}
}
