package cpu

import "github.com/fp16tool/fp16tool/graph"

// window computes a convolution or pool's output size and padding along
// one axis as TFLite does (graph.Window).
func window(p graph.Padding, in, filter, stride, dilation int) (out, pad int) {
	return graph.Window(p, in, filter, stride, dilation)
}
