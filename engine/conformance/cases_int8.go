package conformance

import (
	"github.com/fp16tool/fp16tool/graph"
)

// int8Cases builds the int8 table: one op each on INT8 tensors filled over
// the whole int8 range, with input and output parameters that differ
// where the op requantizes and are equal where TFLite requires it (pools,
// CONCATENATION, data movement, MAXIMUM/MINIMUM); output parameters fixed
// by the quantization spec for LOGISTIC, TANH and SOFTMAX. Shapes are big
// enough (mostly over 1000 output elements) for the 99.9% criterion to
// allow a tie or two.
func int8Cases() []Case {
	var cs []Case
	add := func(c Case) { cs = append(cs, c) }
	qa, qb := qp(0.0473, 3), qp(0.0821, -7)
	qo := qp(0.1037, -20)
	acts := []graph.Activation{graph.ActNone, graph.ActRelu, graph.ActReluN1To1, graph.ActRelu6}

	// QUANTIZE, DEQUANTIZE
	{
		b := newBuilder("int8_quantize_from_float")
		add(b.finish(b.qop(graph.OpQuantize, nil, qp(0.0247, -5), b.inputRange(-3.5, 3.5, 2, 16, 16, 4))))
	}
	{
		// Photo pixels in [-1, 1] with scale 2/255: every value is a tie.
		b := newBuilder("int8_quantize_from_pixels_ties")
		add(b.finish(b.qop(graph.OpQuantize, nil, qp(2.0/255, -1), b.inputPixels(127.5, 127.5, 1, 16, 16, 3))))
	}
	{
		b := newBuilder("int8_quantize_requantize")
		add(b.finish(b.qop(graph.OpQuantize, nil, qp(0.0313, -10), b.qinput(qa, 2, 16, 16, 4))))
	}
	{
		b := newBuilder("int8_quantize_uint8_to_int8")
		add(b.finish(b.qop(graph.OpQuantize, nil, qp(0.0473, 3), b.qinputT(graph.Uint8, qp(0.0473, 131), 2, 16, 16, 4))))
	}
	{
		b := newBuilder("int8_quantize_int8_to_uint8")
		add(b.finish(b.qopT(graph.Uint8, graph.OpQuantize, nil, qp(0.0473, 131), b.qinput(qa, 2, 16, 16, 4))))
	}
	{
		b := newBuilder("int8_dequantize_uint8")
		add(b.finish(b.op(graph.OpDequantize, nil, b.qinputT(graph.Uint8, qp(0.0473, 131), 2, 16, 16, 4))))
	}
	{
		b := newBuilder("int8_dequantize")
		add(b.finish(b.op(graph.OpDequantize, nil, b.qinput(qa, 2, 16, 16, 4))))
	}
	// ADD, SUB, MUL with every fused activation
	for _, a := range acts {
		b := newBuilder("int8_add_" + a.String())
		add(b.finish(b.qop(graph.OpAdd, graph.AddOptions{Activation: a}, qo, b.qinput(qa, 1, 16, 16, 8), b.qinput(qb, 1, 16, 16, 8))))
	}
	{
		b := newBuilder("int8_add_broadcast")
		add(b.finish(b.qop(graph.OpAdd, graph.AddOptions{}, qo, b.qinput(qa, 2, 8, 1, 8), b.qinput(qb, 1, 16, 8))))
	}
	{
		b := newBuilder("int8_sub_relu6")
		add(b.finish(b.qop(graph.OpSub, graph.SubOptions{Activation: graph.ActRelu6}, qo, b.qinput(qa, 1, 16, 16, 8), b.qinput(qb, 1, 16, 16, 8))))
	}
	{
		b := newBuilder("int8_sub_broadcast_channel")
		add(b.finish(b.qop(graph.OpSub, graph.SubOptions{}, qo, b.qinput(qa, 1, 16, 16, 8), b.qinput(qb, 1, 1, 1, 8))))
	}
	{
		b := newBuilder("int8_mul")
		add(b.finish(b.qop(graph.OpMul, graph.MulOptions{}, qp(0.1953, 4), b.qinput(qa, 1, 16, 16, 8), b.qinput(qb, 1, 16, 16, 8))))
	}
	{
		b := newBuilder("int8_mul_broadcast_relu")
		add(b.finish(b.qop(graph.OpMul, graph.MulOptions{Activation: graph.ActRelu}, qp(0.2081, -60), b.qinput(qa, 1, 16, 16, 8), b.qconst(qb, -128, 127, 8))))
	}
	// MAXIMUM, MINIMUM (TFLite compares the raw values: equal parameters)
	{
		b := newBuilder("int8_maximum")
		add(b.finish(b.qop(graph.OpMaximum, nil, qa, b.qinput(qa, 1, 16, 16, 8), b.qinput(qa, 1, 16, 16, 8))))
	}
	{
		b := newBuilder("int8_minimum_broadcast")
		add(b.finish(b.qop(graph.OpMinimum, nil, qa, b.qinput(qa, 1, 16, 16, 8), b.qconst(qa, -128, 127, 8))))
	}
	// Pools (equal parameters, as TFLite requires)
	{
		b := newBuilder("int8_max_pool_same_3x3_s2_relu")
		add(b.finish(b.qop(graph.OpMaxPool2D, pool{Padding: same, StrideH: 2, StrideW: 2, FilterH: 3, FilterW: 3, Activation: graph.ActRelu}, qa, b.qinput(qa, 1, 33, 31, 8))))
	}
	{
		b := newBuilder("int8_max_pool_valid_2x2_s2")
		add(b.finish(b.qop(graph.OpMaxPool2D, pool{Padding: valid, StrideH: 2, StrideW: 2, FilterH: 2, FilterW: 2}, qa, b.qinput(qa, 2, 32, 32, 4))))
	}
	{
		b := newBuilder("int8_average_pool_same_3x3_s2")
		add(b.finish(b.qop(graph.OpAveragePool2D, pool{Padding: same, StrideH: 2, StrideW: 2, FilterH: 3, FilterW: 3}, qa, b.qinput(qa, 1, 33, 31, 8))))
	}
	{
		b := newBuilder("int8_average_pool_valid_2x2_s2_relu6")
		add(b.finish(b.qop(graph.OpAveragePool2D, pool{Padding: valid, StrideH: 2, StrideW: 2, FilterH: 2, FilterW: 2, Activation: graph.ActRelu6}, qa, b.qinput(qa, 2, 32, 32, 4))))
	}
	// MEAN
	{
		b := newBuilder("int8_mean_hw_keep_dims")
		add(b.finish(b.qop(graph.OpMean, graph.ReducerOptions{KeepDims: true}, qp(0.0109, 5), b.qinput(qa, 4, 9, 11, 64), b.vec(1, 2))))
	}
	{
		b := newBuilder("int8_mean_hw_same_params")
		add(b.finish(b.qop(graph.OpMean, graph.ReducerOptions{KeepDims: true}, qa, b.qinput(qa, 4, 7, 7, 64), b.vec(1, 2))))
	}
	{
		b := newBuilder("int8_mean_last_axis")
		add(b.finish(b.qop(graph.OpMean, graph.ReducerOptions{}, qp(0.0109, 5), b.qinput(qa, 16, 64, 24), b.vec(-1))))
	}
	{
		b := newBuilder("int8_mean_last_axis_same_params")
		add(b.finish(b.qop(graph.OpMean, graph.ReducerOptions{}, qa, b.qinput(qa, 16, 64, 24), b.vec(-1))))
	}
	{
		b := newBuilder("int8_sum_axis1_keep_dims")
		add(b.finish(b.qop(graph.OpSum, graph.ReducerOptions{KeepDims: true}, qp(0.31, -2), b.qinput(qa, 16, 6, 64), b.vec(1))))
	}
	// CONCATENATION, SPLIT (equal parameters)
	{
		b := newBuilder("int8_concatenation_channels")
		add(b.finish(b.qop(graph.OpConcatenation, graph.ConcatenationOptions{Axis: 3}, qa,
			b.qinput(qa, 1, 16, 16, 3), b.qinput(qa, 1, 16, 16, 5), b.qconst(qa, -128, 127, 1, 16, 16, 2))))
	}
	{
		b := newBuilder("int8_split_channels_3")
		add(b.finish(b.qopN(graph.OpSplit, graph.SplitOptions{NumSplits: 3}, 3, qa, b.constI(nil, 3), b.qinput(qa, 1, 16, 16, 12))...))
	}
	// PAD, PADV2
	{
		b := newBuilder("int8_pad_hw")
		add(b.finish(b.qop(graph.OpPad, nil, qa, b.qinput(qa, 1, 15, 16, 5), b.constI([]int{4, 2}, 0, 0, 1, 2, 2, 1, 0, 0))))
	}
	{
		b := newBuilder("int8_padv2_value_all_dims")
		add(b.finish(b.qop(graph.OpPadv2, nil, qa, b.qinput(qa, 2, 12, 13, 4), b.constI([]int{4, 2}, 1, 0, 0, 2, 1, 1, 0, 1), b.qconst(qa, 40, 40))))
	}
	// RESHAPE & co., TRANSPOSE, SLICE, STRIDED_SLICE, GATHER, DEPTH/SPACE
	{
		b := newBuilder("int8_reshape")
		add(b.finish(b.qop(graph.OpReshape, graph.ReshapeOptions{NewShape: []int32{16, -1}}, qa, b.qinput(qa, 2, 16, 16, 4), b.vec(16, -1))))
	}
	{
		b := newBuilder("int8_squeeze")
		add(b.finish(b.qop(graph.OpSqueeze, graph.SqueezeOptions{SqueezeDims: []int32{0}}, qa, b.qinput(qa, 1, 32, 40))))
	}
	{
		b := newBuilder("int8_expand_dims")
		add(b.finish(b.qop(graph.OpExpandDims, nil, qa, b.qinput(qa, 32, 40), b.constI(nil, 1))))
	}
	{
		b := newBuilder("int8_transpose_nhwc_to_nchw")
		add(b.finish(b.qop(graph.OpTranspose, nil, qa, b.qinput(qa, 2, 12, 13, 5), b.vec(0, 3, 1, 2))))
	}
	{
		b := newBuilder("int8_slice")
		add(b.finish(b.qop(graph.OpSlice, nil, qa, b.qinput(qa, 2, 20, 21, 6), b.vec(0, 2, 3, 1), b.vec(-1, 15, 16, 4))))
	}
	{
		b := newBuilder("int8_strided_slice_s2")
		add(b.finish(b.qop(graph.OpStridedSlice, graph.StridedSliceOptions{}, qa, b.qinput(qa, 1, 40, 41, 6), b.vec(0, 1, 0, 0), b.vec(1, 40, 41, 6), b.vec(1, 2, 2, 1))))
	}
	{
		b := newBuilder("int8_gather_axis1")
		add(b.finish(b.qop(graph.OpGather, graph.GatherOptions{Axis: 1}, qa, b.qinput(qa, 4, 10, 64), b.vec(3, 0, 9, 3, 5))))
	}
	{
		b := newBuilder("int8_depth_to_space_2")
		add(b.finish(b.qop(graph.OpDepthToSpace, graph.DepthToSpaceOptions{BlockSize: 2}, qa, b.qinput(qa, 1, 12, 13, 16))))
	}
	{
		b := newBuilder("int8_space_to_depth_2")
		add(b.finish(b.qop(graph.OpSpaceToDepth, graph.SpaceToDepthOptions{BlockSize: 2}, qa, b.qinput(qa, 2, 16, 14, 3))))
	}
	// Activations
	for _, a := range []struct {
		name string
		code graph.OpCode
		opt  any
		out  *graph.Quantization
	}{
		{"int8_relu", graph.OpRelu, nil, qp(0.0391, -128)},
		{"int8_relu6", graph.OpRelu6, nil, qp(6.0/255, -128)},
		{"int8_relu_n1_to_1", graph.OpReluN1To1, nil, qp(2.0/255, 0)},
		{"int8_leaky_relu", graph.OpLeakyRelu, graph.LeakyReluOptions{Alpha: 0.2}, qp(0.0457, -10)},
		{"int8_logistic", graph.OpLogistic, nil, qp(1.0/256, -128)},
		{"int8_tanh", graph.OpTanh, nil, qp(1.0/128, 0)},
		{"int8_hard_swish", graph.OpHardSwish, nil, qp(0.0347, -40)},
	} {
		b := newBuilder(a.name)
		add(b.finish(b.qop(a.code, a.opt, a.out, b.qinput(qa, 2, 16, 16, 4))))
	}
	{
		b := newBuilder("int8_prelu_channel_alpha")
		add(b.finish(b.qop(graph.OpPrelu, nil, qp(0.0419, -20), b.qinput(qa, 1, 16, 16, 8), b.qconst(qp(0.0043, 0), -100, 127, 1, 1, 8))))
	}
	{
		b := newBuilder("int8_softmax_beta1")
		add(b.finish(b.qop(graph.OpSoftmax, graph.SoftmaxOptions{Beta: 1}, qp(1.0/256, -128), b.qinput(qp(0.0987, 0), 64, 40))))
	}
	{
		b := newBuilder("int8_softmax_beta_half_rank3")
		add(b.finish(b.qop(graph.OpSoftmax, graph.SoftmaxOptions{Beta: 0.5}, qp(1.0/256, -128), b.qinput(qp(0.0521, 10), 4, 16, 20))))
	}
	// RESIZE_BILINEAR, RESIZE_NEAREST_NEIGHBOR (equal parameters)
	for _, r := range []resizeCase{
		{"int8_resize_bilinear_up", true, false, false, []int{1, 9, 11, 8}, []int{17, 21}},
		{"int8_resize_bilinear_align_corners", true, true, false, []int{1, 9, 11, 8}, []int{17, 21}},
		{"int8_resize_bilinear_half_pixel", true, false, true, []int{1, 9, 11, 8}, []int{17, 21}},
		{"int8_resize_bilinear_half_pixel_down", true, false, true, []int{2, 30, 27, 4}, []int{12, 15}},
		{"int8_resize_nearest_up", false, false, false, []int{1, 8, 10, 8}, []int{17, 21}},
		{"int8_resize_nearest_half_pixel", false, false, true, []int{1, 8, 10, 8}, []int{17, 21}},
	} {
		b := newBuilder(r.name)
		code, opt := r.op()
		add(b.finish(b.qop(code, opt, qa, b.qinput(qa, r.in...), b.vec(r.size...))))
	}
	// TRANSPOSE_CONV with per-channel weights and an INT32 bias
	{
		b := newBuilder("int8_transpose_conv_same_s2_bias")
		const ws = 0.01
		w := b.qweights(ws, 6, 3, 3, 5)
		var bs []float32
		for c := range 6 {
			bs = append(bs, 0.0473*ws*(1+float32(c)/8))
		}
		add(b.finish(b.qop(graph.OpTransposeConv, tconv{Padding: same, StrideH: 2, StrideW: 2}, qp(0.0517, -3),
			b.vec(1, 16, 18, 6), w, b.qinput(qa, 1, 8, 9, 5), b.qbias(bs, 2000))))
	}
	{
		b := newBuilder("int8_transpose_conv_valid_s2x1_relu")
		add(b.finish(b.qop(graph.OpTransposeConv, tconv{Padding: valid, StrideH: 2, StrideW: 1, Activation: graph.ActRelu}, qp(0.0383, -100),
			b.vec(1, 17, 11, 4), b.qweights(0.01, 4, 3, 3, 5), b.qinput(qa, 1, 8, 9, 5))))
	}
	return cs
}
