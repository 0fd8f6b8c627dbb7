package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/fp16tool/fp16tool/convert"
	"github.com/fp16tool/fp16tool/graph"
	"github.com/fp16tool/fp16tool/int8"
)

// int8Flags are convert's int8 flags.
type int8Flags struct {
	calib, method, io, channels  string
	rounding                     string
	percentile                   float64
	minElements                  int
	resize, equalize, floatTails bool
	mean, std                    float32
}

// calibMethodNames lists the --calib-method values.
func calibMethodNames() string { return strings.Join(int8.MethodNames(), ", ") }

func (q *int8Flags) register(f *pflag.FlagSet) {
	f.StringVar(&q.calib, "calib", "", "calibration data for full-integer int8: a .npy batch, a photo, or a folder of .npy files or photos (one sub-folder per input for several inputs)")
	f.StringVar(&q.method, "calib-method", string(int8.MinMax), "calibration method: "+calibMethodNames())
	f.Float64Var(&q.percentile, "percentile", 99.99, "percentile of |x| kept by --calib-method=percentile")
	f.StringVar(&q.io, "io", "", "full-integer input/output type: float32 (default for cpu), int8 (default for npu, edgetpu, dsp, mcu) or uint8")
	f.IntVar(&q.minElements, "min-elements", convert.DefaultMinElements, "int8 dynamic range: weights with fewer elements stay float32")
	f.StringVar(&q.rounding, "weight-rounding", string(convert.RoundAuto), "int8 weights with --calib data: gptq (choose each int8 weight so that the layer's output on the calibration data moves least), nearest (round each weight, as TFLite's converter does) or auto (gptq for int8-dynamic, nearest for full integer); without --calib always nearest")
	f.BoolVar(&q.floatTails, "float-tails", true, "full-integer int8 with float outputs: a CONCATENATION just before an output runs in float when one of its inputs alone would step 2x or more finer than their shared int8 scale (--float-tails=false keeps it int8, as TFLite's converter does)")
	f.BoolVar(&q.equalize, "equalize", true, "full-integer int8: cross-layer equalization of conv/depthwise pairs before calibration (--equalize=false to skip)")
	// The photo flags are those of `fp16tool run`, with the same defaults.
	f.BoolVar(&q.resize, "resize", false, "calibration photos: resize to the input's height and width")
	f.Float32Var(&q.mean, "mean", 127.5, "calibration photos: (p - mean) / std")
	f.Float32Var(&q.std, "std", 127.5, "calibration photos: (p - mean) / std")
	f.StringVar(&q.channels, "channels", "rgb", "calibration photos: channel order, rgb or bgr")
}

// apply checks the int8 flags and sets them on opt: --calib becomes
// opt.Calibration and opt.Calibrate (calibration warnings are appended to
// *warnings).
func (q *int8Flags) apply(cmd *cobra.Command, model string, opt *convert.Options, warnings *[]string) error {
	io, err := convert.ParseIO(q.io)
	if err != nil {
		return err
	}
	opt.IO = io
	if q.minElements < 0 {
		return fmt.Errorf("%w: --min-elements %d: want 0 or more", convert.ErrUsage, q.minElements)
	}
	opt.MinElements = q.minElements
	opt.NoEqualize = !q.equalize
	opt.IntTails = !q.floatTails
	if opt.WeightRounding, err = convert.ParseWeightRounding(q.rounding); err != nil {
		return err
	}
	if q.minElements == 0 {
		opt.MinElements = 1 // every weight
	}
	method, err := int8.ParseMethod(q.method)
	if err != nil {
		return fmt.Errorf("%w: --calib-method %q: want one of %s", convert.ErrUsage, q.method, calibMethodNames())
	}
	if !(q.percentile > 0 && q.percentile <= 100) {
		return fmt.Errorf("%w: --percentile %g: want a value in (0, 100]", convert.ErrUsage, q.percentile)
	}
	if q.calib == "" {
		return nil
	}
	opt.Calibration = true
	opt.Progress = cmd.ErrOrStderr()
	data := convert.CalibDataOptions{Resize: q.resize, Mean: q.mean, Std: q.std, Channels: q.channels}
	opt.Calibrate = func(m *graph.Model) (map[int]convert.ActivationRange, error) {
		ins, err := convert.ModelInputs(m)
		if err != nil {
			return nil, err
		}
		src, err := convert.OpenCalib(q.calib, ins, data)
		if err != nil {
			return nil, err
		}
		defer src.Close()
		rs, err := convert.Calibrate(m, src, convert.CalibOptions{Method: method, Percentile: q.percentile, Strict: opt.Strict,
			Progress: cmd.ErrOrStderr(), Warn: func(s string) { *warnings = append(*warnings, s) }, Name: model})
		if err != nil {
			return nil, err
		}
		return convert.Ranges(rs), nil
	}
	opt.LayerData = func(m *graph.Model) (convert.CalibSource, error) {
		ins, err := convert.ModelInputs(m)
		if err != nil {
			return nil, err
		}
		return convert.OpenCalib(q.calib, ins, data)
	}
	return nil
}

// printLayers prints the five worst layers of the per-layer report.
func printLayers(cmd *cobra.Command, r *convert.FileReport) {
	if r.Int8 == nil || len(r.Int8.Layers) == 0 {
		return
	}
	w := cmd.OutOrStdout()
	n := min(5, len(r.Int8.Layers))
	fmt.Fprintf(w, "  worst %d of %d quantized tensors on the calibration data (%s; all in --report):\n", n, len(r.Int8.Layers), r.Int8.Layers[0].Method)
	for _, l := range r.Int8.Layers[:n] {
		clip := ""
		if l.Clip > 0 {
			clip = fmt.Sprintf("  (float clipped to ±%g: read by LOGISTIC/TANH)", l.Clip)
		}
		fmt.Fprintf(w, "    %-48s %-18s SNR %6.1f dB  RMSE/scale %6.2f  scale %.4g zp %d range [%.3g, %.3g]%s\n",
			l.Name, l.Op, l.SNR, l.RMSEOverScale, l.Scale, l.ZeroPoint, l.Min, l.Max, clip)
	}
}
