package cpu

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"testing"

	"github.com/fp16tool/fp16tool/engine"
	"github.com/fp16tool/fp16tool/fp16"
	"github.com/fp16tool/fp16tool/graph"
	"github.com/fp16tool/fp16tool/internal/oracle"
	"github.com/fp16tool/fp16tool/internal/testenv"
	"github.com/fp16tool/fp16tool/tflite"
)

// TestIllConditionedOutputs backs every exception of TestFixtures with a
// measurement: it evaluates the fixture in float64 on the same photo (the
// plain evaluator below: the ops on those outputs' paths) and checks that
//   - LiteRT.js's own output is further than 1e-4 x max|output| from the
//     float64 result, so no float32 engine that rounds differently from
//     XNNPACK can be held to 1e-4 against it; and
//   - ours is no further from the float64 result than 2x LiteRT.js's
//     distance (we are not the less exact one by much).
//
// If a future runtime or kernel change brings LiteRT.js within 1e-4 of
// the float64 result, the exception is no longer justified and this test
// fails.
func TestIllConditionedOutputs(t *testing.T) {
	oracle.Require(t)
	for key, tol := range illConditioned {
		name, idx, _ := strings.Cut(key, "/")
		k, err := strconv.Atoi(idx)
		if err != nil {
			t.Fatalf("illConditioned key %q: want model/output", key)
		}
		t.Run(key, func(t *testing.T) {
			path := testenv.Model(t, name)
			m, err := tflite.LoadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			ins := fixtureInputs(t, name, m)
			res, err := oracle.Run(path, ins, oracle.Options{Threads: 1})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := fp16.Expand(m); err != nil {
				t.Fatal(err)
			}
			p, err := Compile(m, engine.Options{Name: name, Threads: 1})
			if err != nil {
				t.Fatal(err)
			}
			defer p.Close()
			copy(p.Input(0), ins[0].Data)
			if err := p.Run(); err != nil {
				t.Fatal(err)
			}
			sg := m.Main()
			exact, err := eval64(sg, map[int][]float64{sg.Inputs[0]: to64(engine.Float32s(ins[0].Data))}, sg.Outputs[k])
			if err != nil {
				t.Fatal(err)
			}
			theirs, _ := maxRelDiff64(engine.Float32s(res.Outputs[k].Data), exact)
			ours, _ := maxRelDiff64(engine.Float32s(p.Output(k)), exact)
			t.Logf("distance to float64 (x max|output|): LiteRT.js %.3g, ours %.3g; allowed against LiteRT.js: %g", theirs, ours, tol)
			if theirs <= 1e-4 {
				t.Errorf("LiteRT.js is within 1e-4 of float64 (%.3g): drop the exception", theirs)
			}
			if ours > 2*theirs {
				t.Errorf("ours is %.3g from float64, more than twice LiteRT.js's %.3g", ours, theirs)
			}
		})
	}
}

func to64(v []float32) []float64 {
	r := make([]float64, len(v))
	for i, x := range v {
		r[i] = float64(x)
	}
	return r
}

// maxRelDiff64 returns max|got-want| / max|want|, and max|want|.
func maxRelDiff64(got []float32, want []float64) (float64, float64) {
	var d, a float64
	for i, w := range want {
		d = max(d, math.Abs(float64(got[i])-w))
		a = max(a, math.Abs(w))
	}
	return d / max(a, 1e-300), a
}

// eval64 evaluates the float32 graph sg in float64 from the given
// values until tensor target is known. It knows the ops of the pose
// models' segmentation path (CONV_2D, DEPTHWISE_CONV_2D, same-shape ADD,
// PAD, RESIZE_BILINEAR); an op it does not know leaves its outputs
// unknown, and it fails only if target stays unknown.
func eval64(sg *graph.Subgraph, vals map[int][]float64, target int) ([]float64, error) {
	for _, op := range sg.Ops {
		if _, ok := vals[target]; ok {
			break
		}
		var in [][]float64
		known := true
		for _, ti := range op.Inputs {
			if ti < 0 {
				in = append(in, nil)
				continue
			}
			if tt := sg.Tensors[ti]; tt.IsConst() {
				if tt.Type == graph.Float32 {
					in = append(in, to64(engine.Float32s(tt.Data)))
				} else {
					in = append(in, nil)
				}
				continue
			}
			v, ok := vals[ti]
			known = known && ok
			in = append(in, v)
		}
		if !known {
			continue
		}
		if out := op64(sg, op, in); out != nil {
			vals[op.Outputs[0]] = out
		}
	}
	if v, ok := vals[target]; ok {
		return v, nil
	}
	return nil, fmt.Errorf("eval64: tensor %d %q is not reachable through the ops it knows", target, sg.Tensors[target].Name)
}

func act64(v float64, a graph.Activation) float64 {
	switch a {
	case graph.ActRelu:
		return max(v, 0)
	case graph.ActRelu6:
		return min(max(v, 0), 6)
	case graph.ActReluN1To1:
		return min(max(v, -1), 1)
	}
	return v
}

// op64 evaluates one op in float64 (TFLite's reference semantics), or
// returns nil for an op or option it does not know.
func op64(sg *graph.Subgraph, op *graph.Op, in [][]float64) []float64 {
	dims := func(i int) []int { return shapeInts(sg.Tensors[i].Shape) }
	out := make([]float64, graph.NumElements(sg.Tensors[op.Outputs[0]].Shape))
	switch o := op.Options.(type) {
	case *graph.Conv2DOptions, *graph.DepthwiseConv2DOptions:
		var g convGeom
		var act graph.Activation
		var pad graph.Padding
		if c, ok := o.(*graph.Conv2DOptions); ok {
			g.strideW, g.strideH, g.dilW, g.dilH, act, pad = int(c.StrideW), int(c.StrideH), int(c.DilationW), int(c.DilationH), c.Activation, c.Padding
		} else {
			c := o.(*graph.DepthwiseConv2DOptions)
			g.strideW, g.strideH, g.dilW, g.dilH, act, pad = int(c.StrideW), int(c.StrideH), int(c.DilationW), int(c.DilationH), c.Activation, c.Padding
		}
		is, fs, os := dims(op.Inputs[0]), dims(op.Inputs[1]), dims(op.Outputs[0])
		depthwise := op.Code == graph.OpDepthwiseConv2D
		if len(is) != 4 || os[0] != 1 || in[1] == nil {
			return nil
		}
		g.inH, g.inW, g.inC, g.kH, g.kW = is[1], is[2], is[3], fs[1], fs[2]
		// TFLite's SAME padding: the total (output-1)*stride + dilated
		// filter - input, the smaller half before.
		g.outH, g.outW = os[1], os[2]
		if pad == graph.PaddingSame {
			g.padH = max((g.outH-1)*g.strideH+(g.kH-1)*g.dilH+1-g.inH, 0) / 2
			g.padW = max((g.outW-1)*g.strideW+(g.kW-1)*g.dilW+1-g.inW, 0) / 2
		}
		oc := os[3]
		x, f := in[0], in[1]
		var b []float64
		if len(in) > 2 {
			b = in[2]
		}
		for oy := 0; oy < g.outH; oy++ {
			for ox := 0; ox < g.outW; ox++ {
				for c := 0; c < oc; c++ {
					s := 0.0
					if b != nil {
						s = b[c]
					}
					for ky := 0; ky < g.kH; ky++ {
						iy := oy*g.strideH - g.padH + ky*g.dilH
						for kx := 0; kx < g.kW && iy >= 0 && iy < g.inH; kx++ {
							ix := ox*g.strideW - g.padW + kx*g.dilW
							if ix < 0 || ix >= g.inW {
								continue
							}
							px := x[(iy*g.inW+ix)*g.inC:]
							if depthwise {
								s += px[c/(oc/g.inC)] * f[(ky*g.kW+kx)*oc+c]
								continue
							}
							w := f[((c*g.kH+ky)*g.kW+kx)*g.inC:]
							for ic := 0; ic < g.inC; ic++ {
								s += px[ic] * w[ic]
							}
						}
					}
					out[(oy*g.outW+ox)*oc+c] = act64(s, act)
				}
			}
		}
		return out
	case *graph.AddOptions:
		if len(in[0]) != len(out) || len(in[1]) != len(out) {
			return nil
		}
		for i := range out {
			out[i] = act64(in[0][i]+in[1][i], o.Activation)
		}
		return out
	case *graph.ResizeBilinearOptions:
		is, os := dims(op.Inputs[0]), dims(op.Outputs[0])
		if is[0] != 1 {
			return nil
		}
		h, w, c := is[1], is[2], is[3]
		axis := func(o2, in, outN int) (int, int, float64) {
			scale := float64(in) / float64(outN)
			if o.AlignCorners && outN > 1 {
				scale = float64(in-1) / float64(outN-1)
			}
			v := float64(o2) * scale
			if o.HalfPixelCenters {
				v = (float64(o2)+0.5)*scale - 0.5
			}
			lo := math.Floor(v)
			return max(int(lo), 0), min(int(math.Ceil(v)), in-1), v - lo
		}
		for oy := 0; oy < os[1]; oy++ {
			y0, y1, fy := axis(oy, h, os[1])
			for ox := 0; ox < os[2]; ox++ {
				x0, x1, fx := axis(ox, w, os[2])
				for ch := 0; ch < c; ch++ {
					at := func(y, x int) float64 { return in[0][(y*w+x)*c+ch] }
					out[(oy*os[2]+ox)*c+ch] = at(y0, x0)*(1-fy)*(1-fx) + at(y0, x1)*(1-fy)*fx + at(y1, x0)*fy*(1-fx) + at(y1, x1)*fy*fx
				}
			}
		}
		return out
	}
	if op.Code == graph.OpPad && len(op.Inputs) == 2 {
		is, os := dims(op.Inputs[0]), dims(op.Outputs[0])
		pads := engine.Int32s(sg.Tensors[op.Inputs[1]].Data)
		if len(is) != 4 || is[0] != 1 || pads[0] != 0 || pads[6] != 0 {
			return nil
		}
		top, left := int(pads[2]), int(pads[4])
		for y := 0; y < is[1]; y++ {
			for x := 0; x < is[2]; x++ {
				copy(out[((y+top)*os[2]+x+left)*os[3]:][:is[3]], in[0][(y*is[2]+x)*is[3]:][:is[3]])
			}
		}
		return out
	}
	return nil
}
