package convert_test

import (
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"math/rand"
	"testing"

	"github.com/fp16tool/fp16tool/convert"
	"github.com/fp16tool/fp16tool/graph"
	"github.com/fp16tool/fp16tool/int8"
	"github.com/fp16tool/fp16tool/internal/oracle"
	"github.com/fp16tool/fp16tool/internal/tensorio"
	"github.com/fp16tool/fp16tool/tflite"
)

// opCase builds a one- or two-op float model over input "x" of shape in.
type opCase struct {
	name string
	in   []int32
	// build adds the ops and returns the output tensor index.
	build func(b *modelBuilder) int
	// version is the version the full-integer pass must give the op.
	version int32
}

type modelBuilder struct {
	sg  *graph.Subgraph
	rng *rand.Rand
}

func (b *modelBuilder) tensor(name string, d graph.DType, shape []int32, data []byte) int {
	b.sg.Tensors = append(b.sg.Tensors, &graph.Tensor{Name: name, Type: d, Shape: shape, Data: data})
	return len(b.sg.Tensors) - 1
}

func (b *modelBuilder) act(name string, shape ...int32) int {
	return b.tensor(name, graph.Float32, shape, nil)
}

func (b *modelBuilder) weights(name string, shape ...int32) int {
	n := graph.NumElements(shape)
	v := make([]byte, 4*n)
	for i := 0; i < n; i++ {
		binary.LittleEndian.PutUint32(v[4*i:], math.Float32bits(float32(b.rng.NormFloat64()*0.5)))
	}
	return b.tensor(name, graph.Float32, shape, v)
}

func (b *modelBuilder) ints(name string, v ...int32) int {
	d := make([]byte, 4*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(d[4*i:], uint32(x))
	}
	return b.tensor(name, graph.Int32, []int32{int32(len(v))}, d)
}

func (b *modelBuilder) op(code graph.OpCode, opts any, in []int, out ...int) {
	b.sg.Ops = append(b.sg.Ops, &graph.Op{Code: code, Version: 1, Inputs: in, Outputs: out, Options: opts})
}

var conv1 = &graph.Conv2DOptions{StrideW: 1, StrideH: 1, DilationW: 1, DilationH: 1}

// int8OpCases are single int8 ops (after the registry's QuantInfo) with the
// versions TFLite's converter writes for them.
var int8OpCases = []opCase{
	{"ADD", []int32{1, 4, 4, 3}, func(b *modelBuilder) int {
		y, o := b.act("y", 1, 4, 4, 3), b.act("o", 1, 4, 4, 3)
		b.op(graph.OpRelu, nil, []int{0}, y)
		b.op(graph.OpAdd, &graph.AddOptions{}, []int{0, y}, o)
		return o
	}, 2},
	{"SUB", []int32{1, 4, 4, 3}, func(b *modelBuilder) int {
		o := b.act("o", 1, 4, 4, 3)
		b.op(graph.OpSub, &graph.SubOptions{}, []int{0, b.weights("c", 1, 1, 1, 3)}, o)
		return o
	}, 2},
	{"MUL", []int32{1, 4, 4, 3}, func(b *modelBuilder) int {
		o := b.act("o", 1, 4, 4, 3)
		b.op(graph.OpMul, &graph.MulOptions{}, []int{0, b.weights("c", 1, 1, 1, 3)}, o)
		return o
	}, 2},
	{"CONV_2D", []int32{1, 6, 6, 3}, func(b *modelBuilder) int {
		o := b.act("o", 1, 6, 6, 4)
		b.op(graph.OpConv2D, conv1, []int{0, b.weights("w", 4, 3, 3, 3), b.weights("b", 4)}, o)
		return o
	}, 3},
	{"DEPTHWISE_CONV_2D", []int32{1, 6, 6, 3}, func(b *modelBuilder) int {
		o := b.act("o", 1, 6, 6, 3)
		b.op(graph.OpDepthwiseConv2D, &graph.DepthwiseConv2DOptions{StrideW: 1, StrideH: 1, DepthMultiplier: 1, DilationW: 1, DilationH: 1},
			[]int{0, b.weights("w", 1, 3, 3, 3), b.weights("b", 3)}, o)
		return o
	}, 3},
	{"FULLY_CONNECTED", []int32{2, 8}, func(b *modelBuilder) int {
		o := b.act("o", 2, 5)
		b.op(graph.OpFullyConnected, &graph.FullyConnectedOptions{}, []int{0, b.weights("w", 5, 8), b.weights("b", 5)}, o)
		return o
	}, 4},
	{"AVERAGE_POOL_2D", []int32{1, 4, 4, 3}, func(b *modelBuilder) int {
		o := b.act("o", 1, 2, 2, 3)
		b.op(graph.OpAveragePool2D, &graph.Pool2DOptions{Padding: graph.PaddingValid, StrideW: 2, StrideH: 2, FilterW: 2, FilterH: 2}, []int{0}, o)
		return o
	}, 2},
	{"MAX_POOL_2D", []int32{1, 4, 4, 3}, func(b *modelBuilder) int {
		o := b.act("o", 1, 2, 2, 3)
		b.op(graph.OpMaxPool2D, &graph.Pool2DOptions{Padding: graph.PaddingValid, StrideW: 2, StrideH: 2, FilterW: 2, FilterH: 2}, []int{0}, o)
		return o
	}, 2},
	{"CONCATENATION", []int32{1, 2, 2, 3}, func(b *modelBuilder) int {
		y, o := b.act("y", 1, 2, 2, 3), b.act("o", 1, 2, 2, 6)
		b.op(graph.OpRelu, nil, []int{0}, y)
		b.op(graph.OpConcatenation, &graph.ConcatenationOptions{Axis: 3}, []int{0, y}, o)
		return o
	}, 2},
	{"RESHAPE", []int32{1, 2, 2, 3}, func(b *modelBuilder) int {
		o := b.act("o", 1, 12)
		b.op(graph.OpReshape, &graph.ReshapeOptions{NewShape: []int32{1, 12}}, []int{0, b.ints("s", 1, 12)}, o)
		return o
	}, 1},
	{"SOFTMAX", []int32{2, 10}, func(b *modelBuilder) int {
		o := b.act("o", 2, 10)
		b.op(graph.OpSoftmax, &graph.SoftmaxOptions{Beta: 1}, []int{0}, o)
		return o
	}, 2},
	{"LOGISTIC", []int32{2, 10}, func(b *modelBuilder) int {
		o := b.act("o", 2, 10)
		b.op(graph.OpLogistic, nil, []int{0}, o)
		return o
	}, 2},
	{"TANH", []int32{2, 10}, func(b *modelBuilder) int {
		o := b.act("o", 2, 10)
		b.op(graph.OpTanh, nil, []int{0}, o)
		return o
	}, 2},
	{"RELU6", []int32{2, 10}, func(b *modelBuilder) int {
		o := b.act("o", 2, 10)
		b.op(graph.OpRelu6, nil, []int{0}, o)
		return o
	}, 2},
	{"HARD_SWISH", []int32{2, 10}, func(b *modelBuilder) int {
		o := b.act("o", 2, 10)
		b.op(graph.OpHardSwish, nil, []int{0}, o)
		return o
	}, 1},
	{"LEAKY_RELU", []int32{2, 10}, func(b *modelBuilder) int {
		o := b.act("o", 2, 10)
		b.op(graph.OpLeakyRelu, &graph.LeakyReluOptions{Alpha: 0.2}, []int{0}, o)
		return o
	}, 1},
	{"PAD", []int32{1, 2, 2, 3}, func(b *modelBuilder) int {
		o := b.act("o", 1, 4, 4, 3)
		p := b.tensor("p", graph.Int32, []int32{4, 2}, b.sg.Tensors[b.ints("pp", 0, 0, 1, 1, 1, 1, 0, 0)].Data)
		b.op(graph.OpPad, nil, []int{0, p}, o)
		return o
	}, 2},
	{"TRANSPOSE", []int32{1, 2, 3, 4}, func(b *modelBuilder) int {
		o := b.act("o", 1, 4, 2, 3)
		b.op(graph.OpTranspose, nil, []int{0, b.ints("perm", 0, 3, 1, 2)}, o)
		return o
	}, 2},
	{"MEAN", []int32{1, 4, 4, 3}, func(b *modelBuilder) int {
		o := b.act("o", 1, 1, 1, 3)
		b.op(graph.OpMean, &graph.ReducerOptions{KeepDims: true}, []int{0, b.ints("axes", 1, 2)}, o)
		return o
	}, 2},
	{"RESIZE_BILINEAR", []int32{1, 2, 2, 3}, func(b *modelBuilder) int {
		o := b.act("o", 1, 4, 4, 3)
		b.op(graph.OpResizeBilinear, &graph.ResizeBilinearOptions{HalfPixelCenters: true}, []int{0, b.ints("size", 4, 4)}, o)
		return o
	}, 3},
	{"RESIZE_NEAREST_NEIGHBOR", []int32{1, 2, 2, 3}, func(b *modelBuilder) int {
		o := b.act("o", 1, 4, 4, 3)
		b.op(graph.OpResizeNearestNeighbor, &graph.ResizeNearestNeighborOptions{}, []int{0, b.ints("size", 4, 4)}, o)
		return o
	}, 2},
	{"DEPTH_TO_SPACE", []int32{1, 2, 2, 8}, func(b *modelBuilder) int {
		o := b.act("o", 1, 4, 4, 2)
		b.op(graph.OpDepthToSpace, &graph.DepthToSpaceOptions{BlockSize: 2}, []int{0}, o)
		return o
	}, 2},
	{"SPACE_TO_DEPTH", []int32{1, 4, 4, 2}, func(b *modelBuilder) int {
		o := b.act("o", 1, 2, 2, 8)
		b.op(graph.OpSpaceToDepth, &graph.SpaceToDepthOptions{BlockSize: 2}, []int{0}, o)
		return o
	}, 2},
	{"SLICE", []int32{1, 4, 4, 3}, func(b *modelBuilder) int {
		o := b.act("o", 1, 2, 3, 2)
		b.op(graph.OpSlice, nil, []int{0, b.ints("begin", 0, 1, 0, 1), b.ints("size", 1, 2, 3, 2)}, o)
		return o
	}, 2},
	{"STRIDED_SLICE", []int32{1, 4, 4, 3}, func(b *modelBuilder) int {
		o := b.act("o", 1, 2, 2, 3)
		b.op(graph.OpStridedSlice, &graph.StridedSliceOptions{}, []int{0, b.ints("b", 0, 0, 0, 0), b.ints("e", 1, 4, 4, 3), b.ints("s", 1, 2, 2, 1)}, o)
		return o
	}, 2},
	{"GATHER", []int32{5, 4}, func(b *modelBuilder) int {
		o := b.act("o", 3, 4)
		b.op(graph.OpGather, &graph.GatherOptions{Axis: 0}, []int{0, b.ints("idx", 4, 0, 2)}, o)
		return o
	}, 2},
	{"MAXIMUM", []int32{2, 10}, func(b *modelBuilder) int {
		o := b.act("o", 2, 10)
		b.op(graph.OpMaximum, nil, []int{0, b.weights("c", 2, 10)}, o)
		return o
	}, 2},
	{"SQUEEZE", []int32{1, 4, 1, 3}, func(b *modelBuilder) int {
		o := b.act("o", 4, 3)
		b.op(graph.OpSqueeze, &graph.SqueezeOptions{SqueezeDims: []int32{0, 2}}, []int{0}, o)
		return o
	}, 1},
}

// sliceSource is a CalibSource over samples in memory.
type sliceSource struct {
	s []convert.CalibSample
	i int
}

func (s *sliceSource) Len() int     { return len(s.s) }
func (s *sliceSource) Close() error { return nil }
func (s *sliceSource) Next() (convert.CalibSample, error) {
	if s.i == len(s.s) {
		return convert.CalibSample{}, io.EOF
	}
	s.i++
	return s.s[s.i-1], nil
}

func randomInput(rng *rand.Rand, name string, shape []int32) tensorio.Tensor {
	sh := make([]int, len(shape))
	n := 1
	for i, d := range shape {
		sh[i] = int(d)
		n *= int(d)
	}
	v := make([]float32, n)
	for i := range v {
		v[i] = float32(rng.NormFloat64())
	}
	x, _ := tensorio.FromFloat32(name, sh, v)
	return x
}

// TestInt8OpsOracle: each op of int8OpCases, quantized by the full-integer
// pass (calibrated on random data), gets the version TFLite's converter
// writes, and the real runtime loads and runs it, within two output steps of the
// float model.
func TestInt8OpsOracle(t *testing.T) {
	oracle.Require(t)
	var jobs []oracle.Job
	type built struct {
		c      opCase
		outQ   *graph.Quantization
		nFloat int
	}
	var cases []built
	for _, c := range int8OpCases {
		rng := rand.New(rand.NewSource(1))
		b := &modelBuilder{sg: &graph.Subgraph{}, rng: rng}
		b.act("x", c.in...)
		out := c.build(b)
		b.sg.Inputs, b.sg.Outputs = []int{0}, []int{out}
		m := &graph.Model{Version: 3, Subgraphs: []*graph.Subgraph{b.sg}}
		fb, err := tflite.Save(m)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		m, _ = tflite.Load(c.name, fb)
		var samples []convert.CalibSample
		for i := 0; i < 8; i++ {
			samples = append(samples, convert.CalibSample{Name: fmt.Sprint(i), Inputs: []tensorio.Tensor{randomInput(rng, "x", c.in)}})
		}
		rs, err := convert.Calibrate(m, &sliceSource{s: samples}, convert.CalibOptions{Method: int8.MinMax})
		if err != nil {
			t.Fatalf("%s: calibrate: %v", c.name, err)
		}
		// IntTails: each case's op is the model's last; it is the int8 op
		// that is tested, not the float tail a CONCATENATION would become.
		if _, err := convert.FullInteger(m, convert.Ranges(rs), convert.Int8Options{IntTails: true}); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		var outQ *graph.Quantization
		for _, op := range m.Main().Ops {
			if op.Name() == c.name {
				if op.Version != c.version {
					t.Errorf("%s: version %d, want %d", c.name, op.Version, c.version)
				}
				outQ = m.Main().Tensors[op.Outputs[0]].Quant
			}
		}
		if outQ == nil {
			t.Fatalf("%s: not quantized", c.name)
		}
		qb, err := tflite.Save(m)
		if err != nil {
			t.Fatal(err)
		}
		x := samples[0].Inputs[0]
		jobs = append(jobs, oracle.Job{Model: writeTemp(t, c.name+"_f.tflite", fb), Inputs: []tensorio.Tensor{x}},
			oracle.Job{Model: writeTemp(t, c.name+"_q.tflite", qb), Inputs: []tensorio.Tensor{x}})
		cases = append(cases, built{c: c, outQ: outQ})
	}
	out, err := oracle.RunBatch(jobs)
	if err != nil {
		t.Fatal(err)
	}
	for i, c := range cases {
		f, q := out[2*i].Outputs[0].Float32s(), out[2*i+1].Outputs[0].Float32s()
		worst := 0.0
		for k := range f {
			worst = math.Max(worst, math.Abs(float64(f[k]-q[k]))/float64(c.outQ.Scale[0]))
		}
		t.Logf("%-24s v%d: max |int8 - float| = %.2f output steps", c.c.name, c.c.version, worst)
		if worst > 2 {
			t.Errorf("%s: int8 output is %.2f steps from the float model's, want at most 2", c.c.name, worst)
		}
	}
}
