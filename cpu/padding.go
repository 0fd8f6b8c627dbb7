package cpu

import "github.com/fp16tool/fp16tool/graph"

// outSize is TFLite's ComputeOutSize (TensorFlow's GetWindowedOutputSize).
func outSize(p graph.Padding, in, filter, stride, dilation int) int {
	eff := (filter-1)*dilation + 1
	if p == graph.PaddingValid {
		return (in + stride - eff) / stride
	}
	return (in + stride - 1) / stride
}

// padBefore is TFLite's ComputePaddingWithOffset: the padding before the
// first element (the odd extra element, if any, goes after the last).
func padBefore(stride, dilation, in, filter, out int) int {
	eff := (filter-1)*dilation + 1
	total := (out-1)*stride + eff - in
	if total < 0 {
		total = 0
	}
	return total / 2
}

// window computes a convolution or pool's output size and padding along
// one axis as TFLite does.
func window(p graph.Padding, in, filter, stride, dilation int) (out, pad int) {
	out = outSize(p, in, filter, stride, dilation)
	return out, padBefore(stride, dilation, in, filter, out)
}
