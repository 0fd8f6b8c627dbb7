package conformance

import (
	"fmt"
	"testing"

	"github.com/fp16tool/fp16tool/engine"
	"github.com/fp16tool/fp16tool/graph"
	"github.com/fp16tool/fp16tool/internal/tensorio"
)

// Int8Cases returns the quantized (int8) cases, in a fixed order: single
// ops on INT8 tensors (QUANTIZE from FLOAT32 and DEQUANTIZE to FLOAT32 at
// the edges), with oracle goldens like the float cases. They are apart
// from Cases so that backends without int8 kernels keep running Check.
func Int8Cases() []Case { return int8Cases() }

// Int8Result is how one output of an int8 case compares with its golden.
type Int8Result struct {
	// Case and Op name the case and its op; Output is the output index.
	Case, Op string
	Output   int
	// Elements is the output's element count, Equal how many equal the
	// golden exactly, MaxStep the largest difference in quantization steps.
	Elements, Equal, MaxStep int
}

// Int8 tolerance, after XNNPACK's fp32 requantization (which may differ
// from TFLite's fixed-point reference by one step on ties): at least
// MinEqual of the elements of every output equal, none more than MaxSteps
// apart. (LiteRT.js runs int8 ops through XNNPACK where XNNPACK has them;
// a backend computing TFLite's reference integer arithmetic instead meets
// MaxSteps but not always MinEqual.)
const (
	MinEqual = 0.999
	MaxSteps = 1
)

// CheckInt8 compiles and runs every int8 case on backend b, compares each
// output with its golden in quantization steps, fails a case with fewer
// than minEqual of its elements equal or one more than maxSteps apart (the
// int8 criterion is MinEqual and MaxSteps), and returns the comparisons.
// Missing goldens fail under CI=true and skip the case otherwise.
func CheckInt8(t *testing.T, b engine.Backend, opt engine.Options, minEqual float64, maxSteps int) []Int8Result {
	var all []Int8Result
	for _, c := range Int8Cases() {
		t.Run(c.Name, func(t *testing.T) {
			res, err := compareInt8(c, b, opt)
			if err != nil {
				if _, ok := err.(missingErr); ok {
					missingGolden(t, c.Name, err)
					return
				}
				t.Fatal(err)
			}
			for _, r := range res {
				frac := float64(r.Equal) / float64(max(r.Elements, 1))
				if frac < minEqual || r.MaxStep > maxSteps {
					t.Errorf("output %d: %d of %d elements equal (%.4f), max %d steps; want >= %.3f and <= %d", r.Output, r.Equal, r.Elements, frac, r.MaxStep, minEqual, maxSteps)
				}
			}
			all = append(all, res...)
		})
	}
	return all
}

type missingErr struct{ error }

// compareInt8 runs case c on b and compares its outputs with the goldens.
func compareInt8(c Case, b engine.Backend, opt engine.Options) ([]Int8Result, error) {
	m, err := c.Model()
	if err != nil {
		return nil, err
	}
	sg := m.Main()
	wants := make([]tensorio.Tensor, len(sg.Outputs))
	for k := range sg.Outputs {
		w, err := tensorio.ReadNpy(GoldenPath(c.Name, k))
		if err != nil {
			return nil, missingErr{err}
		}
		wants[k] = w
	}
	o := opt
	o.Name = c.Name
	p, err := b.Compile(m, o)
	if err != nil {
		return nil, err
	}
	defer p.Close()
	for i, in := range c.Inputs(m) {
		copy(p.Input(i), in.Data)
	}
	if err := p.Run(); err != nil {
		return nil, err
	}
	op := ""
	if ops := c.Ops(); len(ops) > 0 {
		op = ops[len(ops)-1]
	}
	var res []Int8Result
	for k, w := range wants {
		info := p.Outputs()[k]
		if !sameInts(info.Shape, w.Shape) || info.Type != w.Type {
			return nil, fmt.Errorf("output %d is %s%v, golden %s%v", k, info.Type, info.Shape, w.Type, w.Shape)
		}
		got := p.Output(k)
		if len(got) != len(w.Data) {
			return nil, fmt.Errorf("output %d has %d bytes, golden %d", k, len(got), len(w.Data))
		}
		r := Int8Result{Case: c.Name, Op: op, Output: k, Elements: info.NumElements()}
		switch w.Type {
		case graph.Int8, graph.Uint8:
			r.Equal, r.MaxStep = stepDiff(w.Type, got, w.Data)
		case graph.Float32:
			r.Equal, r.MaxStep = stepDiffFloat(engine.Float32s(alignedCopy(got)), engine.Float32s(alignedCopy(w.Data)), stepOf(sg, sg.Outputs[k]))
		default:
			return nil, fmt.Errorf("output %d has type %s; int8 cases compare INT8, UINT8 or FLOAT32", k, w.Type)
		}
		res = append(res, r)
	}
	return res, nil
}

// stepOf returns the quantization step of a FLOAT32 output: the scale of
// the quantized input of the op that computes it (1 if none).
func stepOf(sg *graph.Subgraph, out int) float32 {
	for _, op := range sg.Ops {
		for _, o := range op.Outputs {
			if o != out {
				continue
			}
			for _, i := range op.Inputs {
				if i >= 0 && sg.Tensors[i].Quant != nil && len(sg.Tensors[i].Quant.Scale) > 0 {
					return sg.Tensors[i].Quant.Scale[0]
				}
			}
		}
	}
	return 1
}
