package cpu

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/fp16tool/fp16tool/engine"
	"github.com/fp16tool/fp16tool/graph"
	qm "github.com/fp16tool/fp16tool/int8"
	"github.com/fp16tool/fp16tool/internal/oracle"
	"github.com/fp16tool/fp16tool/internal/tensorio"
	"github.com/fp16tool/fp16tool/tflite"
)

// qOpSpec is a single CONV_2D, DEPTHWISE_CONV_2D or FULLY_CONNECTED model
// for the int8 and hybrid tests and benchmarks.
type qOpSpec struct {
	name    string
	code    graph.OpCode
	in, w   []int // input and weight shapes
	opts    any
	axis    int  // the weights' channel axis
	perTens bool // weights quantized per tensor
}

// qModels holds one spec's float, int8 and hybrid models and inputs.
type qModels struct {
	float, int8, hybrid *graph.Model
	fin, qin            []byte // float and int8 input bytes (the same values)
	outScale            float32
}

func f32Bytes(v []float32) []byte {
	b := make([]byte, 4*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(x))
	}
	return b
}

func bytesF32(b []byte) []float32 {
	v := make([]float32, len(b)/4)
	for i := range v {
		v[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
	return v
}

func shape32(s []int) []int32 {
	out := make([]int32, len(s))
	for i, d := range s {
		out[i] = int32(d)
	}
	return out
}

// buildQOp builds the three models of s: float weights in [-1, 1], bias in
// [-1, 1], input values on the int8 grid of [-1.5, 2.5]; the int8 model's
// output parameters come from the float model's output range.
func buildQOp(t testing.TB, s qOpSpec, seed uint64) *qModels {
	t.Helper()
	r := rand.New(rand.NewPCG(seed, 99))
	nw, nin := 1, 1
	for _, d := range s.w {
		nw *= d
	}
	for _, d := range s.in {
		nin *= d
	}
	nch := s.w[s.axis]
	w := make([]float32, nw)
	for i := range w {
		w[i] = r.Float32()*2 - 1
	}
	bias := make([]float32, nch)
	for i := range bias {
		bias[i] = r.Float32()*2 - 1
	}
	inP := qm.Asymmetric(-1.5, 2.5, qm.Int8Min, qm.Int8Max)
	qin := make([]byte, nin)
	fin := make([]float32, nin)
	for i := range qin {
		q := int32(r.IntN(256) - 128)
		qin[i] = byte(int8(q))
		fin[i] = inP.Dequantize(q)
	}
	axis := s.axis
	if s.perTens {
		axis = -1
	}
	qw, ws, err := qm.QuantizeWeights(w, s.w, axis)
	if err != nil {
		t.Fatal(err)
	}
	if s.perTens {
		ws = ws[:1]
	}
	wq := &graph.Quantization{Scale: ws, ZeroPoint: make([]int64, len(ws)), QuantizedDimension: int32(max(axis, 0))}
	qwBytes := make([]byte, nw)
	for i, v := range qw {
		qwBytes[i] = byte(v)
	}
	build := func(inT, outT graph.DType, weights *graph.Tensor, biasT *graph.Tensor, inQ, outQ *graph.Quantization) *graph.Model {
		sg := &graph.Subgraph{Name: "main", Tensors: []*graph.Tensor{
			{Name: "input", Type: inT, Shape: shape32(s.in), Quant: inQ},
			weights, biasT,
			{Name: "output", Type: outT, Quant: outQ},
		}, Inputs: []int{0}, Outputs: []int{3}}
		sg.Ops = []*graph.Op{{Code: s.code, Version: 1, Inputs: []int{0, 1, 2}, Outputs: []int{3}, Options: s.opts}}
		if err := graph.InferShapes(sg); err != nil {
			t.Fatal(err)
		}
		graph.RaiseOpVersions(sg)
		return &graph.Model{Version: 3, Subgraphs: []*graph.Subgraph{sg}}
	}
	fw := &graph.Tensor{Name: "weights", Type: graph.Float32, Shape: shape32(s.w), Data: f32Bytes(w)}
	fb := &graph.Tensor{Name: "bias", Type: graph.Float32, Shape: []int32{int32(nch)}, Data: f32Bytes(bias)}
	m := &qModels{fin: f32Bytes(fin), qin: qin}
	m.float = build(graph.Float32, graph.Float32, fw, fb, nil, nil)
	iw := &graph.Tensor{Name: "weights", Type: graph.Int8, Shape: shape32(s.w), Data: qwBytes, Quant: wq}
	m.hybrid = build(graph.Float32, graph.Float32, iw, fb, nil, nil)
	// The output range of the float model.
	fo := runModel(t, m.float, m.fin, engine.Options{Reference: true})
	lo, hi := float32(0), float32(0)
	for _, v := range bytesF32(fo) {
		lo, hi = min(lo, v), max(hi, v)
	}
	outP := qm.Asymmetric(lo, hi, qm.Int8Min, qm.Int8Max)
	m.outScale = outP.Scale
	bs := ws
	if len(bs) == 1 {
		bs = make([]float32, nch)
		for i := range bs {
			bs[i] = ws[0]
		}
	}
	qb, bScales, err := qm.QuantizeBias(bias, inP.Scale, bs)
	if err != nil {
		t.Fatal(err)
	}
	qbBytes := make([]byte, 4*nch)
	for i, v := range qb {
		binary.LittleEndian.PutUint32(qbBytes[4*i:], uint32(v))
	}
	ib := &graph.Tensor{Name: "bias", Type: graph.Int32, Shape: []int32{int32(nch)}, Data: qbBytes,
		Quant: &graph.Quantization{Scale: bScales, ZeroPoint: make([]int64, nch)}}
	if s.perTens {
		ib.Quant.Scale, ib.Quant.ZeroPoint = bScales[:1], []int64{0}
	}
	iw2 := *iw
	m.int8 = build(graph.Int8, graph.Int8, &iw2, ib,
		&graph.Quantization{Scale: []float32{inP.Scale}, ZeroPoint: []int64{int64(inP.ZeroPoint)}},
		&graph.Quantization{Scale: []float32{outP.Scale}, ZeroPoint: []int64{int64(outP.ZeroPoint)}})
	return m
}

// runModel compiles m on the CPU, runs it on input and returns output 0.
func runModel(t testing.TB, m *graph.Model, input []byte, opt engine.Options) []byte {
	t.Helper()
	p, err := Compile(m, opt)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	copy(p.Input(0), input)
	if err := p.Run(); err != nil {
		t.Fatal(err)
	}
	return append([]byte(nil), p.Output(0)...)
}

func qOpSpecs() []qOpSpec {
	conv := func(sh, sw int, p graph.Padding, a graph.Activation) graph.Conv2DOptions {
		return graph.Conv2DOptions{Padding: p, StrideH: int32(sh), StrideW: int32(sw), Activation: a, DilationH: 1, DilationW: 1}
	}
	dw := func(s int, p graph.Padding, mult int, a graph.Activation) graph.DepthwiseConv2DOptions {
		return graph.DepthwiseConv2DOptions{Padding: p, StrideH: int32(s), StrideW: int32(s), DepthMultiplier: int32(mult), Activation: a, DilationH: 1, DilationW: 1}
	}
	return []qOpSpec{
		{name: "conv3x3_same_relu6", code: graph.OpConv2D, in: []int{1, 10, 9, 13}, w: []int{24, 3, 3, 13}, opts: conv(1, 1, graph.PaddingSame, graph.ActRelu6)},
		{name: "conv3x3_s2_valid", code: graph.OpConv2D, in: []int{2, 11, 12, 8}, w: []int{40, 3, 3, 8}, opts: conv(2, 2, graph.PaddingValid, graph.ActNone)},
		{name: "conv1x1_relu", code: graph.OpConv2D, in: []int{1, 7, 7, 64}, w: []int{33, 1, 1, 64}, opts: conv(1, 1, graph.PaddingSame, graph.ActRelu)},
		{name: "conv5x5_s2_same_pertensor", code: graph.OpConv2D, in: []int{1, 9, 9, 3}, w: []int{16, 5, 5, 3}, opts: conv(2, 2, graph.PaddingSame, graph.ActNone), perTens: true},
		{name: "dw3x3_same_relu6", code: graph.OpDepthwiseConv2D, in: []int{1, 12, 11, 40}, w: []int{1, 3, 3, 40}, opts: dw(1, graph.PaddingSame, 1, graph.ActRelu6), axis: 3},
		{name: "dw5x5_s2_same", code: graph.OpDepthwiseConv2D, in: []int{2, 13, 13, 19}, w: []int{1, 5, 5, 19}, opts: dw(2, graph.PaddingSame, 1, graph.ActNone), axis: 3},
		{name: "dw3x3_mult2_valid", code: graph.OpDepthwiseConv2D, in: []int{1, 8, 8, 6}, w: []int{1, 3, 3, 12}, opts: dw(1, graph.PaddingValid, 2, graph.ActNone), axis: 3},
		{name: "fc_batch1", code: graph.OpFullyConnected, in: []int{1, 300}, w: []int{70, 300}, opts: graph.FullyConnectedOptions{}},
		{name: "fc_batch3_relu_asym", code: graph.OpFullyConnected, in: []int{3, 64}, w: []int{20, 64}, opts: graph.FullyConnectedOptions{Activation: graph.ActRelu, AsymmetricQuantizeInputs: true}},
		{name: "fc_batch2_pertensor", code: graph.OpFullyConnected, in: []int{2, 50}, w: []int{17, 50}, opts: graph.FullyConnectedOptions{}, perTens: true},
	}
}

// TestInt8OpsThroughCompile compiles the single-op int8 and hybrid models:
// the hybrid fast kernels give the reference kernels' bytes, the int8 ones
// (XNNPACK's requantization) are within one step of the reference's
// (TFLite's), and the outputs are close to the float model's (a few
// quantization steps).
func TestInt8OpsThroughCompile(t *testing.T) {
	for i, s := range qOpSpecs() {
		t.Run(s.name, func(t *testing.T) {
			m := buildQOp(t, s, uint64(i))
			fo := bytesF32(runModel(t, m.float, m.fin, engine.Options{Reference: true}))
			for _, mode := range []string{"int8", "hybrid"} {
				model, in := m.int8, m.qin
				if mode == "hybrid" {
					model, in = m.hybrid, m.fin
				}
				fast := runModel(t, model, in, engine.Options{Threads: 2})
				ref := runModel(t, model, in, engine.Options{Reference: true})
				if mode == "hybrid" && string(fast) != string(ref) {
					t.Fatalf("%s: the fast kernel's output differs from the reference's", mode)
				}
				if mode == "int8" {
					// XNNPACK's requantization (the default) and TFLite's
					// fixed point (Reference) differ by at most one step.
					for k := range fast {
						if d := int(int8(fast[k])) - int(int8(ref[k])); d < -1 || d > 1 {
							t.Fatalf("int8: output %d is %d by default, %d with the reference arithmetic", k, int8(fast[k]), int8(ref[k]))
						}
					}
				}
				var got []float32
				if mode == "int8" {
					q := m.int8.Main().Tensors[3].Quant
					p := qm.Params{Scale: q.Scale[0], ZeroPoint: int32(q.ZeroPoint[0])}
					for _, b := range fast {
						got = append(got, p.Dequantize(int32(int8(b))))
					}
				} else {
					got = bytesF32(fast)
				}
				var maxErr float64
				for k := range fo {
					maxErr = max(maxErr, math.Abs(float64(got[k]-fo[k])))
				}
				// int8: requantization rounding (half a step) plus the
				// weight and bias quantization; hybrid: the input's too.
				if limit := 4 * float64(m.outScale); maxErr > limit {
					t.Errorf("%s: max error against float %g > %g", mode, maxErr, limit)
				}
			}
		})
	}
}

// TestInt8OpsOracle runs the single-op int8 and hybrid models in the real
// TFLite runtime: int8 outputs equal ours (both requantize as XNNPACK);
// hybrid outputs are close to ours.
func TestInt8OpsOracle(t *testing.T) {
	oracle.Require(t)
	dir := t.TempDir()
	var jobs []oracle.Job
	type ref struct {
		name, mode string
		ours       []byte
		outScale   float32
	}
	var refs []ref
	for i, s := range qOpSpecs() {
		m := buildQOp(t, s, uint64(i))
		for _, mode := range []string{"int8", "hybrid"} {
			model, in, dt := m.int8, m.qin, graph.Int8
			if mode == "hybrid" {
				model, in, dt = m.hybrid, m.fin, graph.Float32
			}
			b, err := tflite.Save(model)
			if err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(dir, fmt.Sprintf("%s_%s.tflite", s.name, mode))
			if err := os.WriteFile(path, b, 0o644); err != nil {
				t.Fatal(err)
			}
			jobs = append(jobs, oracle.Job{Model: path, Inputs: []tensorio.Tensor{{Name: "input", Type: dt, Shape: s.in, Data: in}}})
			refs = append(refs, ref{s.name, mode, runModel(t, model, in, engine.Options{}), m.outScale})
		}
	}
	res, err := oracle.RunBatch(jobs)
	if err != nil {
		t.Fatal(err)
	}
	for k, r := range refs {
		theirs := res[k].Outputs[0].Data
		if len(theirs) != len(r.ours) {
			t.Fatalf("%s %s: oracle output has %d bytes, ours %d", r.name, r.mode, len(theirs), len(r.ours))
		}
		if r.mode == "int8" {
			diff, maxd := 0, 0
			for i := range theirs {
				d := int(int8(theirs[i])) - int(int8(r.ours[i]))
				if d != 0 {
					diff++
					maxd = max(maxd, abs(d))
				}
			}
			t.Logf("%s int8: %d of %d outputs differ from the oracle's (max %d step)", r.name, diff, len(theirs), maxd)
			if diff > 0 {
				t.Errorf("%s int8: %d of %d outputs differ, by up to %d steps", r.name, diff, len(theirs), maxd)
			}
			continue
		}
		a, b := bytesF32(theirs), bytesF32(r.ours)
		var maxErr float64
		for i := range a {
			maxErr = max(maxErr, math.Abs(float64(a[i]-b[i])))
		}
		t.Logf("%s hybrid: max difference from the oracle %g (output step %g)", r.name, maxErr, r.outScale)
		if maxErr > 2*float64(r.outScale) {
			t.Errorf("%s hybrid: max difference from the oracle %g > 2 output steps (%g)", r.name, maxErr, 2*r.outScale)
		}
	}
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}
