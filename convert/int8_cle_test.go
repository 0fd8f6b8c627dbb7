package convert_test

import (
	"fmt"
	"math"
	"testing"

	"github.com/fp16tool/fp16tool/convert"
	"github.com/fp16tool/fp16tool/cpu"
	"github.com/fp16tool/fp16tool/engine"
	"github.com/fp16tool/fp16tool/graph"
	"github.com/fp16tool/fp16tool/int8"
	"github.com/fp16tool/fp16tool/internal/tensorio"
	"github.com/fp16tool/fp16tool/tflite"
)

// runCPU runs m (saved and loaded again, as a file would be) on our CPU
// backend, one thread, on each input set and returns every output as
// float32 (int8 outputs dequantized are not needed: the models here have
// float I/O).
func runCPU(t *testing.T, m *graph.Model, ins [][]tensorio.Tensor) [][][]float32 {
	t.Helper()
	b, err := tflite.Save(m)
	if err != nil {
		t.Fatal(err)
	}
	m2, err := tflite.Load("model", b)
	if err != nil {
		t.Fatal(err)
	}
	p, err := cpu.Compile(m2, engine.Options{Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	var out [][][]float32
	for _, in := range ins {
		copy(p.Input(0), in[0].Data)
		if err := p.Run(); err != nil {
			t.Fatal(err)
		}
		var os [][]float32
		for k := range p.Outputs() {
			os = append(os, append([]float32(nil), engine.Float32s(p.Output(k))...))
		}
		out = append(out, os)
	}
	return out
}

// snrPerOutput returns, per output, the SNR of got against want over
// every input set.
func snrPerOutput(want, got [][][]float32) []float64 {
	s := make([]outputStats, len(want[0]))
	for k := range want {
		for o := range s {
			s[o].add(want[k][o], got[k][o])
		}
	}
	out := make([]float64, len(s))
	for o := range s {
		out[o] = s[o].snr()
	}
	return out
}

// TestPrepareFullInteger: activation fusion, cross-layer equalization and
// global pools as MEAN keep the float model's outputs (SNR > 100 dB on the
// held-out photos, our CPU), equalize every pair (equal per-channel weight
// ranges), and equalization with the global means raises the full-integer
// SNR (our CPU, whose int8 kernels match LiteRT's) above a floor that the
// model with fusion alone stays below.
func TestPrepareFullInteger(t *testing.T) {
	cases := []struct {
		name   string
		method int8.Method
		// floor: minimum full-integer SNR per output with equalization;
		// with fusion alone at least one output is below it.
		floor []float64
	}{
		// Measured: regressors 19.3 -> 23.8 dB, classificators 13.1 -> 12.5.
		{"face_detection_short_range", int8.MinMax, []float64{22, 10.5}},
		// Measured: 3.5 -> 13.9 dB (minmax: 14.2 -> 13.5, entropy 14.6 ->
		// 16.6; equalization alone: 13.6, 10.5, 15.9).
		{"selfie_segmentation", int8.Percentile, []float64{11.5}},
	}
	calibPhotos, evalPhotos := splitPhotos(t)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, fb := float32Model(t, c.name)
			fm, _ := tflite.Load(c.name, fb)
			inputs := evalInputs(t, fm, c.name, evalPhotos)
			ref := runCPU(t, fm, inputs)

			quantize := func(opt convert.PrepareOptions) []float64 {
				m, err := tflite.Load(c.name, fb)
				if err != nil {
					t.Fatal(err)
				}
				r, err := convert.PrepareFullInteger(m, opt)
				if err != nil {
					t.Fatal(err)
				}
				if r.Fused == 0 {
					t.Fatalf("no activation fused: %+v", r)
				}
				if opt.Equalize {
					if r.EqualizedPairs == 0 {
						t.Fatalf("no pair equalized: %+v", r)
					}
					checkEqualized(t, m)
				}
				if opt.GlobalMean && c.name == "selfie_segmentation" && r.GlobalMeans != 10 {
					t.Errorf("%d global average pools made MEAN, want the model's 10", r.GlobalMeans)
				}
				for o, s := range snrPerOutput(ref, runCPU(t, m, inputs)) {
					if s < 100 {
						t.Errorf("prepared float model (%+v): output %d SNR %.1f dB against the original, want > 100", r, o, s)
					}
				}
				rs := calibrate(t, m, c.name, calibPhotos, c.method)
				if _, err := convert.FullInteger(m, rs, convert.Int8Options{}); err != nil {
					t.Fatal(err)
				}
				return snrPerOutput(ref, runCPU(t, m, inputs))
			}
			before := quantize(convert.PrepareOptions{FuseActivations: true})
			after := quantize(convert.DefaultPrepare)
			t.Logf("%s full-integer SNR per output, fusion alone / with equalization and global means: %s / %s", c.method, dbList(before), dbList(after))
			below := false
			for o, s := range after {
				if s < c.floor[o] {
					t.Errorf("output %d: %.1f dB with equalization, want at least %.1f", o, s, c.floor[o])
				}
				below = below || before[o] < c.floor[o]
			}
			if !below {
				t.Errorf("without equalization every output already reaches the floor %v: %s", c.floor, dbList(before))
			}
		})
	}
}

func dbList(v []float64) string {
	s := ""
	for i, x := range v {
		if i > 0 {
			s += ", "
		}
		s += fmt.Sprintf("%.1f", x)
	}
	return s + " dB"
}

// checkEqualized checks that in every CONV_2D → DEPTHWISE_CONV_2D or
// DEPTHWISE_CONV_2D → CONV_2D pair of m where the first op's output has
// one reader, output channel i of the first and input channel i of the
// second have nearly the same largest weight magnitude after Equalize.
func checkEqualized(t *testing.T, m *graph.Model) {
	t.Helper()
	sg := m.Main()
	cons := sg.Consumers()
	pairs := 0
	for _, a := range sg.Ops {
		if a.Code != graph.OpDepthwiseConv2D || len(cons[a.Outputs[0]]) != 1 {
			continue
		}
		b := sg.Ops[cons[a.Outputs[0]][0]]
		if b.Code != graph.OpConv2D {
			continue
		}
		// Depthwise [1,H,W,C] out channel c vs conv [O,H,W,C] in channel c.
		wa := tensorFloats(sg.Tensors[a.Inputs[1]])
		wb := tensorFloats(sg.Tensors[b.Inputs[1]])
		n := int(sg.Tensors[a.Inputs[1]].Shape[3])
		r1, r2 := make([]float64, n), make([]float64, n)
		for i, x := range wa {
			r1[i%n] = math.Max(r1[i%n], math.Abs(float64(x)))
		}
		for i, x := range wb {
			r2[i%n] = math.Max(r2[i%n], math.Abs(float64(x)))
		}
		for c := range r1 {
			if r1[c] > 0 && r2[c] > 0 && math.Abs(math.Log(r1[c]/r2[c])) > 0.05 {
				t.Errorf("%s -> %s channel %d: weight ranges %.4g and %.4g after equalization", a.Name(), b.Name(), c, r1[c], r2[c])
				return
			}
		}
		pairs++
	}
	if pairs == 0 {
		t.Error("no depthwise -> conv pair found")
	}
}

// tensorFloats returns a FLOAT32 constant's values.
func tensorFloats(tn *graph.Tensor) []float32 {
	return engine.Float32s(tn.Data)
}

// prepared returns the float32 model fb after PrepareFullInteger with the
// default passes, as full-integer conversion runs them.
func prepared(t *testing.T, name string, fb []byte) []byte {
	t.Helper()
	m, err := tflite.Load(name, fb)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := convert.PrepareFullInteger(m, convert.DefaultPrepare); err != nil {
		t.Fatal(err)
	}
	b, err := tflite.Save(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
