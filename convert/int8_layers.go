package convert

import (
	"fmt"
	"math"
	"sort"

	"github.com/fp16tool/fp16tool/graph"
)

// LayerErrors is the per-layer report of a full-integer conversion (what
// TFLite's QuantizationDebugger gives): for every quantized activation of
// res (entries with a Source), the error of the int8 model's tensor,
// dequantized, against the float model's same tensor, over every sample
// of src; worst SNR first.
//
// The int8 model q runs on the CPU backend (method "int8"), so the errors
// include everything upstream of each tensor; when the CPU backend cannot
// compile q, each float tensor is quantized and dequantized with its
// parameters instead (method "fake-quant": the rounding and clipping error
// of that tensor alone). f is the float model q was converted from, with
// the same tensor indices for the float tensors.
func LayerErrors(f, q *graph.Model, res *Int8Result, src CalibSource, threads int) ([]LayerError, error) {
	type acc struct {
		e          LayerError
		q          int // tensor in q
		sig, noise float64
		n          int64
		scale      float32
		zero       int32
		float      []float32
	}
	accs := make(map[int]*acc)
	fsg := f.Main()
	cons := fsg.Consumers()
	isOut := make(map[int]bool)
	for _, o := range fsg.Outputs {
		isOut[o] = true
	}
	for _, t := range res.Tensors {
		if t.Source < 0 || t.Type != "INT8" || len(t.Scale) != 1 {
			continue
		}
		accs[t.Source] = &acc{e: LayerError{Tensor: t.Source, Name: fsg.Tensors[t.Source].Name, Op: t.Ops, Scale: t.Scale[0],
			ZeroPoint: t.ZeroPoint[0], Min: t.Min, Max: t.Max}, q: t.Tensor, scale: t.Scale[0], zero: int32(t.ZeroPoint[0])}
		if t.Source < len(cons) && !isOut[t.Source] {
			accs[t.Source].e.Clip = saturationLimit(fsg, cons[t.Source])
		}
	}
	if len(accs) == 0 {
		return nil, nil
	}
	fr, err := NewTensorRunner(f, RunnerOptions{Threads: threads, FloatOnly: true, Name: "float model"})
	if err != nil {
		return nil, err
	}
	defer fr.Close()
	method := "int8"
	qr, err := NewTensorRunner(q, RunnerOptions{Threads: threads, Name: "int8 model"})
	if err != nil {
		method, qr = "fake-quant", nil
	} else {
		defer qr.Close()
	}
	byQ := make(map[int]*acc, len(accs))
	for _, a := range accs {
		byQ[a.q] = a
	}
	add := func(a *acc, fv, qv []float32) {
		for i, x := range fv {
			if c := a.e.Clip; c > 0 {
				x = min(max(x, -c), c)
			}
			d := float64(x) - float64(qv[i])
			a.sig += float64(x) * float64(x)
			a.noise += d * d
		}
		a.n += int64(len(fv))
	}
	err = eachSample(src, func(s CalibSample) error {
		err := fr.Run(s.Inputs, func(ti int, v []float32) error {
			a := accs[ti]
			if a == nil {
				return nil
			}
			if qr != nil {
				a.float = append(a.float[:0], v...)
				return nil
			}
			fq := make([]float32, len(v))
			for i, x := range v {
				r := math.Round(float64(x/a.scale)) + float64(a.zero)
				r = math.Max(-128, math.Min(127, r))
				fq[i] = a.scale * float32(r-float64(a.zero))
			}
			add(a, v, fq)
			return nil
		})
		if err != nil {
			return fmt.Errorf("per-layer report: float model on %s: %w", s.Name, err)
		}
		if qr == nil {
			return nil
		}
		err = qr.Run(s.Inputs, func(ti int, v []float32) error {
			a := byQ[ti]
			if a == nil || len(a.float) != len(v) {
				return nil
			}
			add(a, a.float, v)
			return nil
		})
		if err != nil {
			return fmt.Errorf("per-layer report: int8 model on %s: %w", s.Name, err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	out := make([]LayerError, 0, len(accs))
	for _, a := range accs {
		if a.n == 0 {
			continue
		}
		e := a.e
		e.Method = method
		rmse := math.Sqrt(a.noise / float64(a.n))
		if a.scale > 0 {
			e.RMSEOverScale = rmse / float64(a.scale)
		}
		switch {
		case a.noise == 0:
			e.SNR = math.Inf(1)
		default:
			e.SNR = 10 * math.Log10(a.sig/a.noise)
		}
		if math.IsInf(e.SNR, 1) {
			e.SNR = 999 // JSON has no infinity: no error at all
		}
		out = append(out, e)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].SNR != out[j].SNR {
			return out[i].SNR < out[j].SNR
		}
		return out[i].Tensor < out[j].Tensor
	})
	return out, nil
}
