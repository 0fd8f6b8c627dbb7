package convert

import (
	"fmt"
	"io"
	"math"
	"runtime"
	"sync"

	"github.com/fp16tool/fp16tool/engine"
	"github.com/fp16tool/fp16tool/graph"
	qm "github.com/fp16tool/fp16tool/int8"
)

// WeightRounding says how int8 weights are rounded.
type WeightRounding string

// Weight roundings (--weight-rounding).
const (
	// RoundAuto is RoundGPTQ for dynamic range with calibration data and
	// RoundNearest otherwise: measured on the ten fixtures in LiteRT,
	// GPTQ raised every dynamic-range output (by up to 15 dB) but moved
	// full-integer outputs both ways (-15..+15 dB over the four calibration
	// methods; 20-23 of 31 outputs up, 2-10 down), so full integer keeps
	// TFLite's rounding unless asked.
	RoundAuto WeightRounding = "auto"
	// RoundGPTQ chooses the int8 weights of CONV_2D, DEPTHWISE_CONV_2D and
	// FULLY_CONNECTED with GPTQ on the calibration data
	// (int8.QuantizeWeightsGPTQ).
	RoundGPTQ WeightRounding = "gptq"
	// RoundNearest rounds each weight to the nearest step, as TFLite's
	// converter does (and the only choice without calibration data).
	RoundNearest WeightRounding = "nearest"
)

// ParseWeightRounding parses a --weight-rounding value ("" is auto).
func ParseWeightRounding(s string) (WeightRounding, error) {
	switch WeightRounding(s) {
	case "", RoundAuto:
		return RoundAuto, nil
	case RoundGPTQ, RoundNearest:
		return WeightRounding(s), nil
	}
	return "", fmt.Errorf("%w: --weight-rounding=%q: want auto, gptq or nearest", ErrUsage, s)
}

// hessianRowsPerSample caps the input rows (output pixels) one sample
// adds to a convolution's Hessian: evenly spaced pixels beyond it are
// skipped. The rows of eight 256×256 photos would cost more time than
// they add information.
const hessianRowsPerSample = 1024

// gptqLayer is one op whose weights GPTQ rounds and its accumulator.
type gptqLayer struct {
	op       int
	in       int // input tensor
	code     graph.OpCode
	k, group int // the Hessian's row length and matrix count
	h        *qm.Hessian
	kh, kw   int
	sh, sw   int
	dh, dw   int
	pad      graph.Padding
	channels int // depthwise: output channels
}

// gptqLayers lists the ops of sg whose weights WeightHessians covers:
// CONV_2D, DEPTHWISE_CONV_2D and FULLY_CONNECTED with a dense constant
// FLOAT32 weight of at least minElements values and a float input.
func gptqLayers(sg *graph.Subgraph, minElements int) []*gptqLayer {
	var ls []*gptqLayer
	for k, op := range sg.Ops {
		if len(op.Inputs) < 2 || op.Inputs[0] < 0 || op.Inputs[1] < 0 {
			continue
		}
		in, w := sg.Tensors[op.Inputs[0]], sg.Tensors[op.Inputs[1]]
		if in.Type != graph.Float32 || w.Type != graph.Float32 || !w.IsConst() || w.Sparsity != nil ||
			graph.NumElements(w.Shape) < max(minElements, 1) {
			continue
		}
		s := w.Shape
		l := &gptqLayer{op: k, in: op.Inputs[0], code: op.Code, dh: 1, dw: 1}
		switch o := op.Options.(type) {
		case *graph.Conv2DOptions:
			if op.Code != graph.OpConv2D || len(s) != 4 || len(in.Shape) != 4 {
				continue
			}
			l.k, l.group = int(s[1]*s[2]*s[3]), 1
			l.kh, l.kw, l.sh, l.sw, l.pad = int(s[1]), int(s[2]), int(o.StrideH), int(o.StrideW), o.Padding
			l.dh, l.dw = max(int(o.DilationH), 1), max(int(o.DilationW), 1)
		case *graph.DepthwiseConv2DOptions:
			if len(s) != 4 || len(in.Shape) != 4 || s[0] != 1 {
				continue
			}
			l.channels = int(s[3])
			l.k, l.group = int(s[1]*s[2]), l.channels
			l.kh, l.kw, l.sh, l.sw, l.pad = int(s[1]), int(s[2]), int(o.StrideH), int(o.StrideW), o.Padding
			l.dh, l.dw = max(int(o.DilationH), 1), max(int(o.DilationW), 1)
		case *graph.FullyConnectedOptions:
			if len(s) != 2 {
				continue
			}
			l.k, l.group = int(s[1]), 1
		default:
			continue
		}
		if l.sh < 1 {
			l.sh = 1
		}
		if l.sw < 1 {
			l.sw = 1
		}
		ls = append(ls, l)
	}
	return ls
}

// maxHessianBytes bounds the memory of GPTQ's statistics: ops beyond it
// (in graph order) keep the nearest rounding, with a warning.
var maxHessianBytes = 1 << 30

// HessianOptions configure WeightHessians.
type HessianOptions struct {
	// MinElements: ops whose weight has fewer values are left out.
	MinElements int
	// Runner configures the float model's runs.
	Runner RunnerOptions
	// Strict makes a sample with NaN or Inf an error; otherwise it is
	// skipped (its rows would poison every sum) with a warning.
	Strict bool
	// Warn receives one-line warnings (nil: dropped).
	Warn func(string)
	// Progress, when it is a terminal, shows a progress bar.
	Progress io.Writer
}

// WeightHessians runs the float model m (on the CPU backend, as
// calibration does) over the calibration data and accumulates, for each
// CONV_2D, DEPTHWISE_CONV_2D and FULLY_CONNECTED op with a constant
// FLOAT32 weight of at least opt.MinElements values, the second moments of
// its input rows (its im2col patches; per channel for a depthwise op),
// keyed by op index: what int8.QuantizeWeightsGPTQ needs. Memory is that
// of the tensors calibration keeps plus the accumulators (at most 8 MiB
// per 1024 weight columns, per channel group).
func WeightHessians(m *graph.Model, src CalibSource, opt HessianOptions) (map[int]*qm.Hessian, error) {
	sg := m.Main()
	out := make(map[int]*qm.Hessian)
	if sg == nil {
		return out, nil
	}
	layers := gptqLayers(sg, opt.MinElements)
	if len(layers) == 0 {
		return out, nil
	}
	warn := opt.Warn
	if warn == nil {
		warn = func(string) {}
	}
	byIn := make(map[int][]*gptqLayer)
	total, over := 0, 0
	for _, l := range layers {
		b := qm.HessianBytes(l.k, l.group)
		if total+b > maxHessianBytes {
			over++
			continue
		}
		total += b
		l.h = qm.NewHessian(l.k, l.group)
		byIn[l.in] = append(byIn[l.in], l)
		out[l.op] = l.h
	}
	if over > 0 {
		warn(fmt.Sprintf("GPTQ: the statistics of %d more weight ops would exceed %d MiB: their weights round to nearest", over, maxHessianBytes>>20))
	}
	ropt := opt.Runner
	ropt.FloatOnly = true
	r, err := NewTensorRunner(m, ropt)
	if err != nil {
		return nil, err
	}
	closed := false
	defer func() {
		if !closed {
			r.Close()
		}
	}()
	bar := newProgressFor(opt.Progress, src.Len(), "GPTQ statistics")
	err = eachSample(src, func(smp CalibSample) error {
		if bar != nil {
			defer bar.Add(1)
		}
		if nonFinite(smp) {
			msg := fmt.Sprintf("%s: NaN or Inf in the input", smp.Name)
			if opt.Strict {
				return fmt.Errorf("%w: %s (--strict)", ErrCalib, msg)
			}
			warn(msg + ": sample skipped by GPTQ's statistics")
			return nil
		}
		// The values are valid during the call only: each layer adds its
		// rows there (split over goroutines inside).
		err := r.Run(smp.Inputs, func(ti int, v []float32) error {
			for _, l := range byIn[ti] {
				l.add(sg, v)
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("GPTQ statistics: float model on %s: %w", smp.Name, err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	doneProgress(bar)
	// The runner's tensors are no longer needed while factoring.
	closed = true
	if err := r.Close(); err != nil {
		return nil, err
	}
	// Factor the layers' Hessians concurrently (each is one task for a
	// convolution, one per channel for a depthwise op).
	var wg sync.WaitGroup
	ch := make(chan *qm.Hessian)
	for w := 0; w < runtime.GOMAXPROCS(0); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for h := range ch {
				h.Factor()
			}
		}()
	}
	for _, h := range out {
		ch <- h
	}
	close(ch)
	wg.Wait()
	return out, nil
}

// add adds the input rows of one sample (v, the op's input tensor): at
// most hessianRowsPerSample evenly spaced rows (output pixels).
func (l *gptqLayer) add(sg *graph.Subgraph, v []float32) {
	k := l.h.K
	if n := graph.NumElements(sg.Tensors[l.in].Shape); n != len(v) || n == 0 {
		return // not the shape the model states: no rows to take
	}
	if l.code == graph.OpFullyConnected {
		rows := len(v) / k
		step := max(1, rows/hessianRowsPerSample)
		var xs []float64
		n := 0
		for b := 0; b < rows; b += step {
			for _, f := range v[b*k : (b+1)*k] {
				xs = append(xs, float64(f))
			}
			n++
		}
		l.h.AddBatch(0, xs, n)
		return
	}
	shape := sg.Tensors[l.in].Shape
	nb, H, W, C := int(shape[0]), int(shape[1]), int(shape[2]), int(shape[3])
	oh, pt := graph.Window(l.pad, H, l.kh, l.sh, l.dh)
	ow, pl := graph.Window(l.pad, W, l.kw, l.sw, l.dw)
	npos := nb * oh * ow
	step := max(1, npos/hessianRowsPerSample)
	// offs[i*taps+t]: where tap t of the i-th sampled output pixel reads
	// the input (the offset of its channel 0 in v), or -1 in the padding.
	taps := l.kh * l.kw
	var offs []int
	for p := 0; p < npos; p += step {
		b, oy, ox := p/(oh*ow), (p/ow)%oh, p%ow
		for ky := 0; ky < l.kh; ky++ {
			for kx := 0; kx < l.kw; kx++ {
				iy, ix := oy*l.sh+ky*l.dh-pt, ox*l.sw+kx*l.dw-pl
				if iy < 0 || iy >= H || ix < 0 || ix >= W {
					offs = append(offs, -1)
				} else {
					offs = append(offs, ((b*H+iy)*W+ix)*C)
				}
			}
		}
	}
	n := len(offs) / taps
	if l.code != graph.OpDepthwiseConv2D {
		// Rows in (ky, kx, channel) order, the weight's.
		xs := make([]float64, n*k)
		for i, o := range offs {
			row := xs[i*C : (i+1)*C]
			if o < 0 {
				continue // zeros
			}
			for c, f := range v[o : o+C] {
				row[c] = float64(f)
			}
		}
		l.h.AddBatch(0, xs, n)
		return
	}
	// Depthwise: channel c reads input channel c / multiplier; its own
	// matrix. Channels in parallel (each goroutine writes its own).
	mult := max(1, l.channels/C)
	workers := min(runtime.GOMAXPROCS(0), l.channels)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			xs := make([]float64, n*k)
			for c := w; c < l.channels; c += workers {
				ci := min(c/mult, C-1)
				for i, o := range offs {
					if o < 0 {
						xs[i] = 0
					} else {
						xs[i] = float64(v[o+ci])
					}
				}
				l.h.AddBatch(c, xs, n)
			}
		}()
	}
	wg.Wait()
}

// nonFinite says whether a FLOAT32 input of smp holds NaN or Inf.
func nonFinite(smp CalibSample) bool {
	for _, t := range smp.Inputs {
		if t.Type != graph.Float32 {
			continue
		}
		for _, x := range engine.Float32s(t.Data) {
			if x != x || math.IsInf(float64(x), 0) {
				return true
			}
		}
	}
	return false
}
