package main

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/fp16tool/fp16tool/convert"
	"github.com/fp16tool/fp16tool/gpu"
)

func init() { register(newConvertCmd) }

func newConvertCmd() *cobra.Command {
	var (
		target, precision, excludeTensors, report, output string
		excludeOps                                        []string
		strict                                            bool
		q                                                 int8Flags
	)
	targets := make([]string, len(convert.Targets))
	for i, t := range convert.Targets {
		targets[i] = string(t)
	}
	precisions := make([]string, len(convert.Precisions))
	for i, p := range convert.Precisions {
		precisions[i] = string(p)
	}
	cmd := &cobra.Command{
		Use:   "convert MODEL -o OUT",
		Short: "Convert a .tflite model to the precision its target runs best",
		Long: `convert quantizes a float32 .tflite model after training for a target:
float16 weights (read through DEQUANTIZE ops, as the TFLite converter's
float16 quantization writes them) for GPUs; int8 for CPUs and integer-only
hardware. --precision=fp32 expands float16 and int8 weight-only constants
back to float32.

int8 comes in two forms. Dynamic range (--precision=int8-dynamic, and
--target=cpu without --calib): weights with at least --min-elements
elements become int8 (per channel for convolutions), read directly by
hybrid kernels. Full integer (--precision=int8, and --target=cpu with
--calib): activations become int8 too, from ranges calibrated by running
the float model on --calib data (a .npy batch, a folder of .npy files, a
folder of photos); float I/O by default, --io=int8|uint8 for integer-only
I/O. Ops without an int8 kernel stay float between DEQUANTIZE and QUANTIZE
ops and are reported; the integer-only targets (npu, edgetpu, dsp, mcu)
fail listing every such op instead.

The output is written atomically (temporary file, fsync, rename); a failed
conversion leaves no file behind, and convert never writes over its input.`,
		Example: `  # float16 weights for a GPU (the default target)
  fp16tool convert --target=gpu model.tflite -o model_fp16.tflite

  # keep the weights of FULLY_CONNECTED ops and of tensors named *head* in float32
  fp16tool convert model.tflite -o out.tflite --exclude-ops FULLY_CONNECTED --exclude-tensors 'head'

  # fail instead of clamping weights beyond ±65504; write the full report
  fp16tool convert model.tflite -o out.tflite --strict --report report.json

  # int8 dynamic range for a CPU (no data needed)
  fp16tool convert --target=cpu model.tflite -o model_dyn.tflite

  # full-integer int8, calibrated on a folder of photos (resized, [0, 1])
  fp16tool convert --target=cpu --calib photos/ --resize --mean 0 --std 255 model.tflite -o model_int8.tflite

  # integer-only int8 with int8 inputs and outputs for an NPU
  fp16tool convert --target=npu --calib calib.npy model.tflite -o model_npu.tflite

  # expand a float16 model back to float32
  fp16tool convert --precision=fp32 model_fp16.tflite -o model_fp32.tflite`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			in := args[0]
			if output == "" {
				return fmt.Errorf("convert: missing -o OUT (the output file)")
			}
			t, err := convert.ParseTarget(target)
			if err != nil {
				return err
			}
			var p convert.Precision
			if precision != "" {
				if p, err = convert.ParsePrecision(precision); err != nil {
					return err
				}
			}
			ops, err := convert.ParseOps(excludeOps)
			if err != nil {
				return err
			}
			if report != "" {
				if err := convert.CheckOutput(in, report); err != nil {
					return fmt.Errorf("--report: %w", err)
				}
				if ar, _ := filepath.Abs(report); ar != "" {
					if ao, _ := filepath.Abs(output); ao == ar {
						return fmt.Errorf("--report %s is the same path as -o", report)
					}
				}
			}
			opt := convert.Options{Target: t, Precision: p, ExcludeOps: ops, ExcludeTensors: excludeTensors, Strict: strict}
			if t == convert.TargetAuto && p == "" {
				opt.Devices = probeDevices(cmd)
			}
			var calibWarnings []string
			if err := q.apply(cmd, in, &opt, &calibWarnings); err != nil {
				return err
			}
			r, err := convert.ConvertFile(in, output, opt)
			if err != nil {
				return err
			}
			r.Warnings = append(calibWarnings, r.Warnings...)
			printSummary(cmd, r)
			if report != "" {
				b, err := json.MarshalIndent(r, "", "  ")
				if err != nil {
					return err
				}
				if err := convert.WriteFileAtomic(report, append(b, '\n'), 0o644); err != nil {
					return fmt.Errorf("model written to %s, but the report was not: %w", output, err)
				}
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&target, "target", string(convert.TargetGPU), "deployment target: "+strings.Join(targets, ", "))
	f.StringVar(&precision, "precision", "", "precision, overriding the target's: "+strings.Join(precisions, ", "))
	f.StringSliceVar(&excludeOps, "exclude-ops", nil, "op names whose weights stay float32 (comma separated, e.g. CONV_2D,FULLY_CONNECTED)")
	f.StringVar(&excludeTensors, "exclude-tensors", "", "regexp: constants whose name matches stay float32")
	f.BoolVar(&strict, "strict", false, "fail on weights float16 cannot hold (beyond ±65504, NaN, Inf) instead of warning")
	f.StringVar(&report, "report", "", "write the full conversion report to this JSON file")
	f.StringVarP(&output, "output", "o", "", "output .tflite file (required)")
	q.register(f)
	_ = cmd.MarkFlagFilename("report", "json")
	_ = cmd.MarkFlagFilename("output", "tflite")
	_ = cmd.RegisterFlagCompletionFunc("target", cobra.FixedCompletions(targets, cobra.ShellCompDirectiveNoFileComp))
	_ = cmd.RegisterFlagCompletionFunc("precision", cobra.FixedCompletions(precisions, cobra.ShellCompDirectiveNoFileComp))
	return cmd
}

// printSummary prints the short human summary of a conversion: one line of
// what was done, one of sizes and counts; then the warnings on stderr (at
// most 10; the report has all).
func printSummary(cmd *cobra.Command, r *convert.FileReport) {
	w := cmd.OutOrStdout()
	fmt.Fprintf(w, "%s -> %s: %s (%s)\n", r.Input, r.Output, r.Precision, r.Reason)
	fmt.Fprintf(w, "  size %s -> %s (ratio %.3f)", humanBytes(r.SizeBefore), humanBytes(r.SizeAfter), r.Ratio)
	switch r.Precision {
	case convert.FP16:
		fmt.Fprintf(w, "; %d tensors to float16, %d kept in float32, %d DEQUANTIZE ops added", r.TensorsConverted, r.TensorsKept, r.DequantizeAdded)
	case convert.FP32:
		fmt.Fprintf(w, "; %d DEQUANTIZE ops folded into float32 constants, %d unused tensors removed", len(r.Folded), r.RemovedTensors)
	case convert.Int8Dynamic:
		fmt.Fprintf(w, "; %d weights to int8, %d kept in float32, %d DEQUANTIZE ops added", r.TensorsConverted, r.TensorsKept, r.DequantizeAdded)
		if r.Int8 != nil && r.Int8.GPTQOps > 0 {
			fmt.Fprintf(w, ", %d rounded by GPTQ (--weight-rounding)", r.Int8.GPTQOps)
		}
	case convert.Int8:
		if r.Int8 != nil {
			fmt.Fprintf(w, "; %d ops int8, %d kept float, I/O %s, %d QUANTIZE and %d DEQUANTIZE ops added", r.TensorsConverted, r.TensorsKept,
				strings.ToLower(r.Int8.IO), r.Int8.QuantizeAdded, r.Int8.DequantizeAdded)
			if r.Int8.GPTQOps > 0 {
				fmt.Fprintf(w, ", weights of %d ops rounded by GPTQ (--weight-rounding)", r.Int8.GPTQOps)
			}
			if n := len(r.Int8.FloatTails); n > 0 {
				fmt.Fprintf(w, ", %d output-tail ops in float (--float-tails)", n)
			}
		}
	}
	fmt.Fprintf(w, "; %.3f s\n", r.Timings.Total)
	ew := cmd.ErrOrStderr()
	for i, s := range r.Warnings {
		if i == 10 {
			fmt.Fprintf(ew, "warning: ... and %d more warnings (see --report)\n", len(r.Warnings)-10)
			break
		}
		fmt.Fprintf(ew, "warning: %s\n", s)
	}
	printLayers(cmd, r)
	if r.Precision == convert.FP16 {
		for _, t := range r.Tensors {
			if !t.Convert && t.Reason != "" {
				debugf(cmd, 1, "kept %s: %s", t.Name, t.Reason)
			}
		}
	}
}

// humanBytes formats n as B, KB, MB or GB (powers of 1000).
func humanBytes(n int64) string {
	switch {
	case n >= 1e9:
		return fmt.Sprintf("%.2f GB", float64(n)/1e9)
	case n >= 1e6:
		return fmt.Sprintf("%.2f MB", float64(n)/1e6)
	case n >= 1e3:
		return fmt.Sprintf("%.1f KB", float64(n)/1e3)
	}
	return fmt.Sprintf("%d B", n)
}

// probeDevices lists this machine's Vulkan devices for --target=auto. A
// software rasterizer (device type "cpu", e.g. lavapipe) counts as a CPU,
// not a GPU backend.
func probeDevices(cmd *cobra.Command) []convert.Device {
	infos, err := listDevices()
	if err != nil {
		debugf(cmd, 1, "auto: no Vulkan devices: %v", err)
		return nil
	}
	var out []convert.Device
	for _, d := range infos {
		backend := "gpu"
		if d.Type == "cpu" {
			backend = "cpu"
		}
		out = append(out, convert.Device{Name: d.Name, Backend: backend, Float16: d.Supports(gpu.FP16), Int8Dot: d.IntegerDotProduct})
	}
	return out
}
