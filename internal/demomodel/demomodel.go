// Package demomodel holds the small CNN that `fp16tool demo` converts and
// runs: built in Go with seeded weights (Build), written with tflite.Save
// and embedded in the binary (File). TestEmbeddedIsBuild checks that
// rebuilding it gives the embedded bytes; regenerate with
//
//	go test ./internal/demomodel -update
package demomodel

import (
	_ "embed"
	"encoding/binary"
	"math"
	"math/rand/v2"

	"github.com/fp16tool/fp16tool/graph"
)

// FileName is the embedded model's file name.
const FileName = "demo_model.tflite"

//go:embed demo_model.tflite
var file []byte

// File returns the embedded .tflite file (a copy, so callers may keep or
// change it).
func File() []byte { return append([]byte(nil), file...) }

// Seed seeds the weights.
const Seed = 20261128

// InputShape is the model's input: one 64×64 RGB image, NHWC, values in
// [0, 1].
var InputShape = []int32{1, 64, 64, 3}

// Classes is the number of outputs (softmax probabilities).
const Classes = 10

// Build returns the demo model, the same on every call:
//
//	input 1×64×64×3
//	CONV_2D 3×3/2, 16 ch, RELU6 fused       -> 32×32×16  (c1)
//	DEPTHWISE_CONV_2D 3×3/1, RELU6 fused    -> 32×32×16
//	CONV_2D 1×1, 16 ch                      -> 32×32×16
//	ADD (residual c1)                       -> 32×32×16
//	RELU6                                   -> 32×32×16
//	CONV_2D 3×3/2, 32 ch, RELU fused        -> 16×16×32
//	AVERAGE_POOL_2D 16×16                   -> 1×1×1×32
//	FULLY_CONNECTED 32 -> 10                -> 1×10
//	SOFTMAX                                 -> 1×10 (output)
//
// Weights are uniform in ±sqrt(6/fan_in) (He initialization), biases in
// ±0.1, from a PCG generator seeded with Seed.
func Build() *graph.Model {
	r := rand.New(rand.NewPCG(Seed, Seed^0x9e3779b97f4a7c15))
	b := &builder{sg: &graph.Subgraph{Name: "main"}, r: r}
	in := b.act("input", InputShape...)
	c1 := b.conv("conv1", in, 16, 3, 2, graph.ActRelu6, 32)
	dw := b.depthwise("dw", c1, 3, graph.ActRelu6, 32)
	pw := b.conv("pw", dw, 16, 1, 1, graph.ActNone, 32)
	add := b.act("add", 1, 32, 32, 16)
	b.op(graph.OpAdd, &graph.AddOptions{}, []int{pw, c1}, add)
	relu := b.act("relu6", 1, 32, 32, 16)
	b.op(graph.OpRelu6, nil, []int{add}, relu)
	c2 := b.conv("conv2", relu, 32, 3, 2, graph.ActRelu, 16)
	pool := b.act("pool", 1, 1, 1, 32)
	b.op(graph.OpAveragePool2D, &graph.Pool2DOptions{Padding: graph.PaddingValid, StrideW: 1, StrideH: 1, FilterW: 16, FilterH: 16}, []int{c2}, pool)
	fw := b.weights("fc/weights", []int32{Classes, 32}, 32)
	fb := b.bias("fc/bias", Classes)
	logits := b.act("logits", 1, Classes)
	b.op(graph.OpFullyConnected, &graph.FullyConnectedOptions{}, []int{pool, fw, fb}, logits)
	probs := b.act("probabilities", 1, Classes)
	b.op(graph.OpSoftmax, &graph.SoftmaxOptions{Beta: 1}, []int{logits}, probs)
	b.sg.Inputs = []int{in}
	b.sg.Outputs = []int{probs}
	m := &graph.Model{
		Version:     3,
		Description: "fp16tool demo CNN (seeded weights)",
		Subgraphs:   []*graph.Subgraph{b.sg},
		Signatures: []*graph.Signature{{
			Key:     "serving_default",
			Inputs:  []graph.SignatureTensor{{Name: "input", Tensor: in}},
			Outputs: []graph.SignatureTensor{{Name: "probabilities", Tensor: probs}},
		}},
	}
	return m
}

type builder struct {
	sg *graph.Subgraph
	r  *rand.Rand
}

func (b *builder) add(t *graph.Tensor) int {
	b.sg.Tensors = append(b.sg.Tensors, t)
	return len(b.sg.Tensors) - 1
}

func (b *builder) act(name string, shape ...int32) int {
	return b.add(&graph.Tensor{Name: name, Type: graph.Float32, Shape: append([]int32(nil), shape...)})
}

// uniform returns n float32 values uniform in [-limit, limit), from the
// generator's raw bits so that the values do not depend on how a Go
// release turns bits into floats.
func (b *builder) uniform(n int, limit float64) []byte {
	out := make([]byte, 4*n)
	for i := 0; i < n; i++ {
		u := float64(b.r.Uint64()>>11) / (1 << 53) // [0, 1)
		binary.LittleEndian.PutUint32(out[4*i:], math.Float32bits(float32((2*u-1)*limit)))
	}
	return out
}

func (b *builder) weights(name string, shape []int32, fanIn int) int {
	n := graph.NumElements(shape)
	return b.add(&graph.Tensor{Name: name, Type: graph.Float32, Shape: shape, Data: b.uniform(n, math.Sqrt(6/float64(fanIn)))})
}

func (b *builder) bias(name string, n int) int {
	return b.add(&graph.Tensor{Name: name, Type: graph.Float32, Shape: []int32{int32(n)}, Data: b.uniform(n, 0.1)})
}

func (b *builder) op(code graph.OpCode, opts any, in []int, out int) {
	b.sg.Ops = append(b.sg.Ops, &graph.Op{Code: code, Version: 1, Options: opts, Inputs: in, Outputs: []int{out}})
}

// conv adds a CONV_2D with SAME padding; size is the output height/width.
func (b *builder) conv(name string, in int, ch, k, stride int32, act graph.Activation, size int32) int {
	inCh := b.sg.Tensors[in].Shape[3]
	w := b.weights(name+"/weights", []int32{ch, k, k, inCh}, int(k*k*inCh))
	bi := b.bias(name+"/bias", int(ch))
	out := b.act(name, 1, size, size, ch)
	b.op(graph.OpConv2D, &graph.Conv2DOptions{Padding: graph.PaddingSame, StrideW: stride, StrideH: stride, Activation: act, DilationW: 1, DilationH: 1}, []int{in, w, bi}, out)
	return out
}

// depthwise adds a DEPTHWISE_CONV_2D (multiplier 1, stride 1, SAME).
func (b *builder) depthwise(name string, in int, k int32, act graph.Activation, size int32) int {
	ch := b.sg.Tensors[in].Shape[3]
	w := b.weights(name+"/weights", []int32{1, k, k, ch}, int(k*k))
	bi := b.bias(name+"/bias", int(ch))
	out := b.act(name, 1, size, size, ch)
	b.op(graph.OpDepthwiseConv2D, &graph.DepthwiseConv2DOptions{Padding: graph.PaddingSame, StrideW: 1, StrideH: 1, DepthMultiplier: 1, Activation: act, DilationW: 1, DilationH: 1}, []int{in, w, bi}, out)
	return out
}
