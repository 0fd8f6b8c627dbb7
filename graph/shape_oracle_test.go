package graph_test

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/fp16tool/fp16tool/graph"
	"github.com/fp16tool/fp16tool/internal/oracle"
	"github.com/fp16tool/fp16tool/tflite"
)

// oin is one input of a single-op model: a run-time model input (data
// nil) or a constant.
type oin struct {
	shape []int32
	typ   graph.DType
	data  []byte
}

func oact(shape ...int32) oin { return oin{shape: shape, typ: graph.Float32} }
func oweights(shape ...int32) oin {
	return oin{shape: shape, typ: graph.Float32, data: make([]byte, 4*graph.NumElements(shape))}
}
func oci(v ...int32) oin {
	return oin{shape: []int32{int32(len(v))}, typ: graph.Int32, data: graph.Int32Data(v...)}
}
func oscalar(v int32) oin { return oin{shape: []int32{}, typ: graph.Int32, data: graph.Int32Data(v)} }
func omat(r, c int32, v ...int32) oin {
	return oin{shape: []int32{r, c}, typ: graph.Int32, data: graph.Int32Data(v...)}
}

type oracleCase struct {
	name string
	code graph.OpCode
	opts any
	ins  []oin
	nOut int
}

// oracleModel builds a one-op model whose op outputs are declared as
// scalars: XNNPACK then declines the op (rank mismatch) and the builtin
// kernel's Prepare resizes the outputs to the shapes TFLite computes.
func oracleModel(c oracleCase) (*graph.Model, *graph.Subgraph) {
	s := &graph.Subgraph{Name: "main"}
	op := &graph.Op{Code: c.code, Version: 1, Options: c.opts}
	for i, in := range c.ins {
		s.Tensors = append(s.Tensors, &graph.Tensor{Name: fmt.Sprintf("in%d", i), Type: in.typ, Shape: in.shape, Data: in.data})
		op.Inputs = append(op.Inputs, len(s.Tensors)-1)
		if in.data == nil {
			s.Inputs = append(s.Inputs, len(s.Tensors)-1)
		}
	}
	outType := graph.Float32
	for k := range c.nOut {
		s.Tensors = append(s.Tensors, &graph.Tensor{Name: fmt.Sprintf("out%d", k), Type: outType, Shape: []int32{}})
		op.Outputs = append(op.Outputs, len(s.Tensors)-1)
		s.Outputs = append(s.Outputs, len(s.Tensors)-1)
	}
	s.Ops = []*graph.Op{op}
	return &graph.Model{Version: 3, Subgraphs: []*graph.Subgraph{s}}, s
}

// TestShapesAgainstTFLite builds one-op models with tricky shapes and
// compares graph's shape inference with the output shapes the real TFLite
// runtime (tfjs-tflite) computes when it prepares the model. (SPLIT_V and
// ARG_MAX are left out: their options are not graph types, so a test
// outside package tflite cannot write them.)
func TestShapesAgainstTFLite(t *testing.T) {
	oracle.Require(t)
	conv := func(p graph.Padding, sh, sw, dh, dw int32) *graph.Conv2DOptions {
		return &graph.Conv2DOptions{Padding: p, StrideH: sh, StrideW: sw, DilationH: dh, DilationW: dw}
	}
	ss := func(in []int32, b, e, st []int32) []oin { return []oin{oact(in...), oci(b...), oci(e...), oci(st...)} }
	cases := []oracleCase{
		{"conv same s2", graph.OpConv2D, conv(graph.PaddingSame, 2, 2, 1, 1), []oin{oact(1, 17, 16, 3), oweights(4, 3, 3, 3), oweights(4)}, 1},
		{"conv valid s3 odd", graph.OpConv2D, conv(graph.PaddingValid, 3, 2, 1, 1), []oin{oact(1, 17, 16, 3), oweights(4, 3, 5, 3), oweights(4)}, 1},
		{"conv valid dilation", graph.OpConv2D, conv(graph.PaddingValid, 1, 1, 2, 3), []oin{oact(2, 13, 12, 2), oweights(5, 3, 3, 2), oweights(5)}, 1},
		{"conv same dilation s2", graph.OpConv2D, conv(graph.PaddingSame, 2, 2, 2, 2), []oin{oact(1, 13, 12, 2), oweights(5, 3, 3, 2), oweights(5)}, 1},
		{"depthwise mult 2 valid", graph.OpDepthwiseConv2D, &graph.DepthwiseConv2DOptions{Padding: graph.PaddingValid, StrideH: 2, StrideW: 2, DepthMultiplier: 2, DilationH: 1, DilationW: 1},
			[]oin{oact(1, 11, 10, 3), oweights(1, 3, 3, 6), oweights(6)}, 1},
		{"depthwise same dilation", graph.OpDepthwiseConv2D, &graph.DepthwiseConv2DOptions{Padding: graph.PaddingSame, StrideH: 1, StrideW: 2, DepthMultiplier: 1, DilationH: 2, DilationW: 2},
			[]oin{oact(1, 11, 10, 3), oweights(1, 3, 3, 3), oweights(3)}, 1},
		{"fc flatten", graph.OpFullyConnected, &graph.FullyConnectedOptions{}, []oin{oact(2, 3, 4), oweights(5, 12)}, 1},
		{"fc keep_num_dims", graph.OpFullyConnected, &graph.FullyConnectedOptions{KeepNumDims: true}, []oin{oact(2, 3, 4), oweights(5, 4)}, 1},
		{"transpose conv", graph.OpTransposeConv, &graph.TransposeConvOptions{Padding: graph.PaddingSame, StrideH: 2, StrideW: 2},
			[]oin{oci(1, 10, 12, 4), oweights(4, 3, 3, 2), oact(1, 5, 6, 2)}, 1},
		{"max pool same odd", graph.OpMaxPool2D, &graph.Pool2DOptions{Padding: graph.PaddingSame, FilterH: 3, FilterW: 2, StrideH: 2, StrideW: 3},
			[]oin{oact(1, 11, 10, 3)}, 1},
		{"avg pool valid", graph.OpAveragePool2D, &graph.Pool2DOptions{Padding: graph.PaddingValid, FilterH: 3, FilterW: 3, StrideH: 2, StrideW: 2},
			[]oin{oact(1, 11, 10, 3)}, 1},
		{"mean keep", graph.OpMean, &graph.ReducerOptions{KeepDims: true}, []oin{oact(1, 7, 5, 3), oci(1, 2)}, 1},
		{"mean", graph.OpMean, &graph.ReducerOptions{}, []oin{oact(1, 7, 5, 3), oci(2, -3)}, 1},
		{"sum negative", graph.OpSum, &graph.ReducerOptions{}, []oin{oact(2, 3, 4), oci(-1)}, 1},
		{"reduce_max keep", graph.OpReduceMax, &graph.ReducerOptions{KeepDims: true}, []oin{oact(2, 3, 4), oci(0, 2)}, 1},
		{"reshape -1", graph.OpReshape, nil, []oin{oact(2, 3, 4), oci(4, -1)}, 1},
		{"reshape options", graph.OpReshape, &graph.ReshapeOptions{NewShape: []int32{3, -1, 2}}, []oin{oact(2, 3, 4)}, 1},
		{"squeeze dims", graph.OpSqueeze, &graph.SqueezeOptions{SqueezeDims: []int32{0, -1}}, []oin{oact(1, 3, 1, 4, 1)}, 1},
		{"squeeze all", graph.OpSqueeze, &graph.SqueezeOptions{}, []oin{oact(1, 3, 1, 4, 1)}, 1},
		{"expand_dims", graph.OpExpandDims, nil, []oin{oact(2, 3), oscalar(-2)}, 1},
		{"concat", graph.OpConcatenation, &graph.ConcatenationOptions{Axis: -2}, []oin{oact(1, 2, 3), oact(1, 5, 3)}, 1},
		{"split", graph.OpSplit, &graph.SplitOptions{NumSplits: 2}, []oin{oscalar(-1), oact(1, 3, 8)}, 2},
		{"pad", graph.OpPad, nil, []oin{oact(1, 4, 5, 2), omat(4, 2, 0, 0, 1, 2, 3, 0, 0, 1)}, 1},
		{"padv2", graph.OpPadv2, nil, []oin{oact(3, 2), omat(2, 2, 2, 1, 0, 4), oweights()}, 1},
		{"mirror pad", graph.OpMirrorPad, nil, []oin{oact(1, 4, 5, 2), omat(4, 2, 0, 0, 1, 2, 3, 0, 0, 0)}, 1},
		{"resize bilinear", graph.OpResizeBilinear, &graph.ResizeBilinearOptions{HalfPixelCenters: true}, []oin{oact(1, 4, 5, 2), oci(7, 3)}, 1},
		{"resize nearest", graph.OpResizeNearestNeighbor, &graph.ResizeNearestNeighborOptions{}, []oin{oact(1, 4, 5, 2), oci(8, 10)}, 1},
		{"depth_to_space", graph.OpDepthToSpace, &graph.DepthToSpaceOptions{BlockSize: 2}, []oin{oact(1, 3, 4, 8)}, 1},
		{"space_to_depth", graph.OpSpaceToDepth, &graph.SpaceToDepthOptions{BlockSize: 3}, []oin{oact(1, 6, 9, 2)}, 1},
		{"transpose", graph.OpTranspose, nil, []oin{oact(2, 3, 4, 5), oci(3, 0, 2, 1)}, 1},
		{"tile", graph.OpTile, nil, []oin{oact(2, 3), oci(2, 3)}, 1},
		{"slice", graph.OpSlice, nil, []oin{oact(4, 5, 6), oci(1, 0, 2), oci(2, -1, 3)}, 1},
		{"gather axis 1", graph.OpGather, &graph.GatherOptions{Axis: 1}, []oin{oact(4, 5, 6), {shape: []int32{2, 3}, typ: graph.Int32}}, 1},
		{"gather batch_dims", graph.OpGather, &graph.GatherOptions{Axis: 2, BatchDims: 1}, []oin{oact(2, 5, 6), {shape: []int32{2, 3}, typ: graph.Int32}}, 1},
		{"batch_matmul broadcast", graph.OpBatchMatmul, nil, []oin{oact(2, 1, 3, 4), oact(5, 4, 6)}, 1},
		{"add broadcast", graph.OpAdd, &graph.AddOptions{}, []oin{oact(2, 1, 4), oact(3, 1)}, 1},
		{"mul broadcast", graph.OpMul, &graph.MulOptions{}, []oin{oact(1, 4, 4, 3), oact(3)}, 1},
		{"prelu", graph.OpPrelu, nil, []oin{oact(1, 4, 4, 3), oweights(1, 1, 3)}, 1},
		{"ss x[1:4,::2,-1]", graph.OpStridedSlice, &graph.StridedSliceOptions{BeginMask: 2, EndMask: 2, ShrinkAxisMask: 4},
			ss([]int32{5, 6, 7}, []int32{1, 0, -1}, []int32{4, 0, 0}, []int32{1, 2, 1}), 1},
		{"ss x[4:1:-1]", graph.OpStridedSlice, &graph.StridedSliceOptions{}, ss([]int32{5, 6, 7}, []int32{4}, []int32{1}, []int32{-1}), 1},
		{"ss x[-1:-6:-2]", graph.OpStridedSlice, &graph.StridedSliceOptions{}, ss([]int32{5, 3}, []int32{-1}, []int32{-6}, []int32{-2}), 1},
		{"ss x[1:100:3]", graph.OpStridedSlice, &graph.StridedSliceOptions{}, ss([]int32{10, 2}, []int32{1}, []int32{100}, []int32{3}), 1},
		{"ss x[...,1:3]", graph.OpStridedSlice, &graph.StridedSliceOptions{EllipsisMask: 1}, ss([]int32{5, 6, 7}, []int32{0, 1}, []int32{0, 3}, []int32{1, 1}), 1},
		{"ss x[None,2]", graph.OpStridedSlice, &graph.StridedSliceOptions{NewAxisMask: 1, ShrinkAxisMask: 2}, ss([]int32{5, 6, 7}, []int32{0, 2}, []int32{0, 3}, []int32{1, 1}), 1},
		{"ss x[:,None,...,0]", graph.OpStridedSlice, &graph.StridedSliceOptions{BeginMask: 1, EndMask: 1, NewAxisMask: 2, EllipsisMask: 4, ShrinkAxisMask: 8},
			ss([]int32{5, 6, 7}, []int32{0, 0, 0, 0}, []int32{0, 0, 0, 1}, []int32{1, 1, 1, 1}), 1},
		{"ss masks 4d", graph.OpStridedSlice, &graph.StridedSliceOptions{BeginMask: 5, EndMask: 8, ShrinkAxisMask: 2},
			ss([]int32{1, 8, 9, 10}, []int32{0, 3, -7, 2}, []int32{1, 4, -1, 0}, []int32{1, 1, 2, 3}), 1},
	}
	dir := t.TempDir()
	var jobs []oracle.Job
	var subgraphs []*graph.Subgraph
	for i, c := range cases {
		m, s := oracleModel(c)
		data, err := tflite.Save(m)
		if err != nil {
			t.Fatalf("%s: save: %v", c.name, err)
		}
		p := filepath.Join(dir, fmt.Sprintf("case%02d.tflite", i))
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		jobs = append(jobs, oracle.Job{Model: p, Options: oracle.Options{Runtime: oracle.TFJS}})
		subgraphs = append(subgraphs, s)
	}
	results, err := oracle.RunBatch(jobs)
	for i, c := range cases {
		r := results[i]
		if r == nil {
			t.Errorf("%s: the runtime rejects the model (%v)", c.name, err)
			continue
		}
		s := subgraphs[i]
		op := s.Ops[0]
		info, _ := graph.LookupOp(op)
		got, ierr := info.Shape(s, op)
		if ierr != nil {
			t.Errorf("%s: inference error %v, TFLite gives %v", c.name, ierr, r.OutputInfo)
			continue
		}
		for k, o := range r.OutputInfo {
			want := make([]int32, len(o.Shape))
			for j, d := range o.Shape {
				want[j] = int32(d)
			}
			if k >= len(got) || !slices.Equal(got[k], want) {
				t.Errorf("%s: output %d: inferred %v, TFLite %v", c.name, k, got, want)
			}
		}
	}
}
